/**
 * A study sent by C-STORE has no "end" message: it is complete when nothing more arrived for a
 * quiet period. The watcher marks such studies complete in the archive and announces each once
 * (the worklist subscribes to 'study-complete'). A study that receives more objects later is
 * reopened by the archive and announced again when it falls quiet.
 */
import { EventEmitter } from 'node:events';
import type { ArchiveStore } from './archiveStore.js';

export interface StudyCompletionOptions {
  /** How long a study must have received nothing before it counts as complete. */
  quietMs: number;
  /** How often to look (default: a quarter of quietMs, between 100 ms and 5 s). */
  checkEveryMs?: number;
  /** Told when a check fails (the database is busy or closed); the watcher keeps going. */
  onError?: (error: Error) => void;
}

export interface StudyCompletionEvents {
  'study-complete': [studyInstanceUid: string];
}

export class StudyCompletionWatcher extends EventEmitter<StudyCompletionEvents> {
  private readonly timer: NodeJS.Timeout;
  private stopped = false;

  constructor(
    private readonly store: ArchiveStore,
    private readonly options: StudyCompletionOptions,
  ) {
    super();
    if (!(options.quietMs >= 0)) throw new Error(`quietMs must be zero or more, not ${options.quietMs}`);
    const every = options.checkEveryMs ?? Math.min(5_000, Math.max(100, Math.round(options.quietMs / 4)));
    this.timer = setInterval(() => this.check(), every);
    // The watcher alone must not keep a process alive (the receiver's socket does that).
    this.timer.unref();
  }

  /** Mark and announce the studies that are quiet now; also usable on demand. Returns their UIDs. */
  check(): string[] {
    if (this.stopped) return [];
    let completed: string[];
    try {
      completed = this.store.instances.completeQuietStudies(this.options.quietMs);
    } catch (reason) {
      this.options.onError?.(reason instanceof Error ? reason : new Error(String(reason)));
      return [];
    }
    for (const studyInstanceUid of completed) {
      try {
        this.emit('study-complete', studyInstanceUid);
      } catch (reason) {
        this.options.onError?.(reason instanceof Error ? reason : new Error(String(reason)));
      }
    }
    return completed;
  }

  stop(): void {
    this.stopped = true;
    clearInterval(this.timer);
  }
}
