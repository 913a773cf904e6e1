/**
 * One retrieve from a PACS, whatever the protocol: what to ask for (only what the archive does not
 * hold yet, so an interrupted retrieve resumes), the running counts shown as progress, and the
 * import-job row ('retrieve') that records them.
 */
import type { ArchiveStore, IngestOutcome } from '../archive/archiveStore.js';
import type { ImportCounts } from '../../db/importJobRepository.js';
import type { InstanceMatch } from './pacsMatches.js';

export type RetrieveMethod = 'C-GET' | 'C-MOVE' | 'WADO-RS';

export interface RetrieveTarget {
  studyInstanceUid: string;
  /** Only this series; the whole study when absent. */
  seriesInstanceUid?: string;
}

export interface RetrieveProgress {
  /** Instances the PACS holds for the target (from the instance-level query), when known. */
  expected?: number;
  /** Skipped because the archive already holds them. */
  alreadyArchived: number;
  /** Asked for in this run. */
  requested: number;
  /** Sub-operations as the PACS reports them (C-GET/C-MOVE), or parts received (WADO-RS). */
  completed: number;
  remaining: number;
  failed: number;
  warning: number;
  /** What the archive made of what arrived. */
  stored: number;
  duplicates: number;
  conflicts: number;
  quarantined: number;
  bytesReceived: number;
}

export type RetrieveStatus =
  /** Every instance of the target is in the archive. */
  | 'done'
  /** The retrieve ran to its end but some instances did not arrive (see `missing`, `issues`). */
  | 'incomplete'
  /** Stopped on request; what arrived is kept and a re-run fetches the rest. */
  | 'cancelled';

export interface RetrieveSummary extends RetrieveProgress {
  method: RetrieveMethod;
  status: RetrieveStatus;
  studyInstanceUid: string;
  seriesInstanceUid?: string;
  /** "C-GET from the PACS at ..." */
  source: string;
  importJobId: number;
  /** SOP Instance UIDs the PACS listed that are still not in the archive. */
  missing: string[];
  /** Reasons worth showing: quarantined or conflicting objects, failed sub-operations. */
  issues: string[];
  elapsedMs: number;
}

export interface RetrieveOptions {
  signal?: AbortSignal;
  onProgress?: (progress: RetrieveProgress) => void;
}

/** One request of a retrieve: the target level when nothing is archived, else per series or per instance. */
export type RetrieveRequestPlan =
  | { level: 'STUDY'; studyInstanceUid: string; instanceCount: number }
  | { level: 'SERIES'; studyInstanceUid: string; seriesInstanceUid: string; instanceCount: number }
  | { level: 'IMAGE'; studyInstanceUid: string; seriesInstanceUid: string; sopInstanceUids: string[]; instanceCount: number };

export interface RetrievePlan {
  requests: RetrieveRequestPlan[];
  toRetrieve: InstanceMatch[];
  alreadyArchived: InstanceMatch[];
}

/** SOP Instance UIDs per IMAGE-level request: keeps each identifier well under any PDU limit. */
const UIDS_PER_IMAGE_REQUEST = 200;

/**
 * What to ask the PACS for, given what it holds and what the archive already has. Nothing archived:
 * one request for the study (or series). Otherwise per series: a series request when none of it is
 * archived, an instance-level request for the missing ones when some are.
 */
export function planRetrieve(target: RetrieveTarget, atPacs: readonly InstanceMatch[], isArchived: (sopInstanceUid: string) => boolean): RetrievePlan {
  const alreadyArchived: InstanceMatch[] = [];
  const toRetrieve: InstanceMatch[] = [];
  for (const instance of atPacs) (isArchived(instance.sopInstanceUid) ? alreadyArchived : toRetrieve).push(instance);
  if (toRetrieve.length === 0) return { requests: [], toRetrieve, alreadyArchived };
  if (alreadyArchived.length === 0) {
    const request: RetrieveRequestPlan = target.seriesInstanceUid
      ? { level: 'SERIES', studyInstanceUid: target.studyInstanceUid, seriesInstanceUid: target.seriesInstanceUid, instanceCount: toRetrieve.length }
      : { level: 'STUDY', studyInstanceUid: target.studyInstanceUid, instanceCount: toRetrieve.length };
    return { requests: [request], toRetrieve, alreadyArchived };
  }
  const archivedSeries = new Set(alreadyArchived.map((instance) => instance.seriesInstanceUid));
  const missingBySeries = new Map<string, string[]>();
  for (const instance of toRetrieve) {
    const list = missingBySeries.get(instance.seriesInstanceUid) ?? [];
    list.push(instance.sopInstanceUid);
    missingBySeries.set(instance.seriesInstanceUid, list);
  }
  const requests: RetrieveRequestPlan[] = [];
  for (const [seriesInstanceUid, sopInstanceUids] of missingBySeries) {
    if (!archivedSeries.has(seriesInstanceUid)) {
      requests.push({ level: 'SERIES', studyInstanceUid: target.studyInstanceUid, seriesInstanceUid, instanceCount: sopInstanceUids.length });
      continue;
    }
    for (let start = 0; start < sopInstanceUids.length; start += UIDS_PER_IMAGE_REQUEST) {
      const chunk = sopInstanceUids.slice(start, start + UIDS_PER_IMAGE_REQUEST);
      requests.push({ level: 'IMAGE', studyInstanceUid: target.studyInstanceUid, seriesInstanceUid, sopInstanceUids: chunk, instanceCount: chunk.length });
    }
  }
  return { requests, toRetrieve, alreadyArchived };
}

/** How often the import-job row is rewritten while objects arrive. */
const JOB_UPDATE_INTERVAL_MS = 500;

/**
 * The running counts of one retrieve, its import-job row, and the summary at the end. Protocol
 * clients call `recordIngest` per object and `setSubOperations` per pending response.
 */
export class RetrieveTracker {
  readonly progress: RetrieveProgress = {
    alreadyArchived: 0,
    requested: 0,
    completed: 0,
    remaining: 0,
    failed: 0,
    warning: 0,
    stored: 0,
    duplicates: 0,
    conflicts: 0,
    quarantined: 0,
    bytesReceived: 0,
  };
  readonly importJobId: number;
  readonly issues: string[] = [];
  private readonly startedAt = Date.now();
  private lastJobUpdate = 0;
  /** Sub-operation counts of requests already finished, and of the one running. */
  private finishedSubOperations = { completed: 0, failed: 0, warning: 0 };
  private currentSubOperations = { completed: 0, failed: 0, warning: 0 };

  constructor(
    private readonly store: ArchiveStore | undefined,
    readonly method: RetrieveMethod,
    readonly target: RetrieveTarget,
    readonly source: string,
    private readonly onProgress?: (progress: RetrieveProgress) => void,
  ) {
    this.importJobId = store ? store.importJobs.start('retrieve', `${source}: study ${target.studyInstanceUid}${target.seriesInstanceUid ? ` series ${target.seriesInstanceUid}` : ''}`) : 0;
  }

  planned(plan: RetrievePlan, expected: number | undefined): void {
    this.progress.expected = expected;
    this.progress.alreadyArchived = plan.alreadyArchived.length;
    this.progress.requested = plan.toRetrieve.length;
    this.progress.remaining = plan.toRetrieve.length;
    this.emit(true);
  }

  /** The PACS did not list instances: ask for the target as a whole, count from its responses. */
  unplanned(): void {
    this.progress.expected = undefined;
    this.progress.requested = 0;
    this.emit(true);
  }

  /** Counts from a C-GET/C-MOVE pending or final response, for the request now running. */
  setSubOperations(counts: { completed?: number; remaining?: number; failed?: number; warning?: number }): void {
    this.currentSubOperations = { completed: counts.completed ?? 0, failed: counts.failed ?? 0, warning: counts.warning ?? 0 };
    this.progress.completed = this.finishedSubOperations.completed + this.currentSubOperations.completed;
    this.progress.failed = this.finishedSubOperations.failed + this.currentSubOperations.failed;
    this.progress.warning = this.finishedSubOperations.warning + this.currentSubOperations.warning;
    if (this.progress.requested === 0 && counts.remaining !== undefined) {
      // Unplanned: the first response tells how many the PACS will send.
      this.progress.requested = this.progress.completed + this.progress.failed + this.progress.warning + counts.remaining;
    }
    this.progress.remaining = Math.max(0, this.progress.requested - this.progress.completed - this.progress.failed - this.progress.warning);
    this.emit(false);
  }

  /** The running request ended; its counts stay in the totals. */
  requestFinished(): void {
    this.finishedSubOperations = {
      completed: this.finishedSubOperations.completed + this.currentSubOperations.completed,
      failed: this.finishedSubOperations.failed + this.currentSubOperations.failed,
      warning: this.finishedSubOperations.warning + this.currentSubOperations.warning,
    };
    this.currentSubOperations = { completed: 0, failed: 0, warning: 0 };
  }

  /** WADO-RS has no sub-operations: each part received counts as completed. */
  partReceived(): void {
    this.currentSubOperations.completed++;
    this.setSubOperations(this.currentSubOperations);
  }

  recordIngest(outcome: IngestOutcome): void {
    this.progress.bytesReceived += outcome.sizeBytes;
    if (outcome.status === 'stored') this.progress.stored++;
    else if (outcome.status === 'duplicate') this.progress.duplicates++;
    else if (outcome.status === 'conflict') this.progress.conflicts++;
    else this.progress.quarantined++;
    if (outcome.reason) this.issues.push(outcome.reason);
    this.emit(false);
  }

  /** Objects stored by someone else on our behalf (the receiver, for C-MOVE). */
  recordStoredElsewhere(sizeBytes: number): void {
    this.progress.bytesReceived += sizeBytes;
    this.progress.stored++;
    this.emit(false);
  }

  counts(): ImportCounts {
    const p = this.progress;
    return {
      filesTotal: p.requested,
      filesDone: p.stored + p.duplicates + p.conflicts + p.quarantined,
      bytesDone: p.bytesReceived,
      stored: p.stored,
      duplicates: p.duplicates,
      conflicts: p.conflicts,
      quarantined: p.quarantined,
    };
  }

  summary(status: RetrieveStatus, missing: string[]): RetrieveSummary {
    return {
      ...this.progress,
      method: this.method,
      status,
      studyInstanceUid: this.target.studyInstanceUid,
      ...(this.target.seriesInstanceUid ? { seriesInstanceUid: this.target.seriesInstanceUid } : {}),
      source: this.source,
      importJobId: this.importJobId,
      missing,
      issues: [...this.issues],
      elapsedMs: Date.now() - this.startedAt,
    };
  }

  /** Close the import-job row; a failed retrieve records its error. */
  finish(summary: RetrieveSummary, error?: string): void {
    if (!this.store) return;
    const status = error ? 'failed' : summary.status === 'cancelled' ? 'cancelled' : summary.status === 'incomplete' ? 'failed' : 'done';
    const note = error ?? (summary.status === 'incomplete' ? describeIncomplete(summary) : undefined);
    this.store.importJobs.finish(this.importJobId, status, this.counts(), note);
  }

  private emit(force: boolean): void {
    this.onProgress?.({ ...this.progress });
    const now = Date.now();
    if (this.store && (force || now - this.lastJobUpdate >= JOB_UPDATE_INTERVAL_MS)) {
      this.lastJobUpdate = now;
      this.store.importJobs.update(this.importJobId, this.counts());
    }
  }
}

export function describeIncomplete(summary: RetrieveSummary): string {
  const parts: string[] = [];
  if (summary.missing.length) parts.push(`${summary.missing.length} instance(s) listed by the PACS did not arrive`);
  if (summary.failed) parts.push(`the PACS reported ${summary.failed} failed sub-operation(s)`);
  return `${parts.join('; ') || 'the retrieve did not complete'}: run it again to fetch the rest`;
}

/** Appended to an error that broke a retrieve after some instances were archived. */
export function resumeAdvice(stored: number): string {
  return `; the ${stored} instance(s) archived before this are kept: run the retrieve again to fetch only the rest`;
}

/** The SOP Instance UIDs of `expected` that the archive still lacks. */
export function missingFromArchive(store: ArchiveStore, expected: readonly InstanceMatch[]): string[] {
  return expected.filter((instance) => !store.instances.findInstance(instance.sopInstanceUid)).map((instance) => instance.sopInstanceUid);
}

/** The end state of a retrieve that ran to its end (or was cancelled). */
export function finalStatus(cancelled: boolean, missing: readonly string[], failed: number): RetrieveStatus {
  if (cancelled) return 'cancelled';
  return missing.length > 0 || failed > 0 ? 'incomplete' : 'done';
}
