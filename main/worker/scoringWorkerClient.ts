/**
 * The app's side of the scoring worker: starts the worker process, sends typed requests, routes
 * progress and results back, and restarts the worker when it crashes (pending requests are
 * rejected with a 'worker-crashed' error the UI can show; the next request starts a new worker).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { Worker } from 'node:worker_threads';
import { EventEmitter } from 'node:events';
import { fileURLToPath, pathToFileURL } from 'node:url';
import {
  PROTOCOL_VERSION,
  type ResultByType,
  type WorkerErrorCode,
  type WorkerMessage,
  type WorkerRequest,
} from '../../native-worker/protocol.js';

export const WORKER_SOURCE_ENTRY = fileURLToPath(new URL('../../native-worker/worker.ts', import.meta.url));

export class ScoringWorkerError extends Error {
  constructor(
    readonly code: WorkerErrorCode,
    message: string,
    readonly details?: string[],
  ) {
    super(message);
    this.name = 'ScoringWorkerError';
  }
}

export interface ScoringWorkerOptions {
  /** Worker entry file; a .ts entry runs through tsx (development and tests). */
  entry?: string;
  /** 'process' (default) isolates crashes; 'thread' transfers volumes without a copy. */
  mode?: 'process' | 'thread';
  /**
   * Starts the worker some other way (the desktop app passes an Electron utilityProcess launcher);
   * takes precedence over `mode`. Injected so this module never imports 'electron'.
   */
  launcher?: WorkerLauncher;
}

/** Where a launched worker reports its messages and its end. */
export interface WorkerChannelEvents {
  onMessage(message: WorkerMessage): void;
  onExit(exitCode: number | null, signal: string | null): void;
}

/** A running worker as the client drives it. */
export interface LaunchedWorker {
  post(request: WorkerRequest): void;
  kill(): void;
  pid?: number;
}

export type WorkerLauncher = (entry: string, events: WorkerChannelEvents) => LaunchedWorker;

type Progress = Extract<WorkerMessage, { type: 'progress' }>;
type RequestBody<T extends WorkerRequest['type']> = Omit<Extract<WorkerRequest, { type: T }>, 'version' | 'requestId' | 'type'>;

interface Pending {
  resolve: (value: never) => void;
  reject: (reason: ScoringWorkerError) => void;
  onProgress?: (progress: Progress) => void;
}

type Channel = LaunchedWorker;

export declare interface ScoringWorkerClient {
  on(event: 'crash', listener: (info: { exitCode: number | null; signal: string | null; pending: number }) => void): this;
}

export class ScoringWorkerClient extends EventEmitter {
  private channel?: Channel;
  private ready?: Promise<void>;
  private nextRequestId = 1;
  private readonly pending = new Map<number, Pending>();
  private closing = false;

  constructor(private readonly options: ScoringWorkerOptions = {}) {
    super();
  }

  get pid(): number | undefined {
    return this.channel?.pid;
  }

  /** Start the worker now (otherwise the first request starts it). */
  async start(): Promise<void> {
    if (!this.ready) this.ready = this.spawn();
    return this.ready;
  }

  async request<T extends WorkerRequest['type']>(
    type: T,
    body: RequestBody<T>,
    onProgress?: (progress: Progress) => void,
  ): Promise<ResultByType[T]> {
    await this.start();
    const requestId = this.nextRequestId++;
    const request = { ...body, type, version: PROTOCOL_VERSION, requestId } as unknown as WorkerRequest;
    return new Promise<ResultByType[T]>((resolve, reject) => {
      this.pending.set(requestId, { resolve: resolve as (value: never) => void, reject, onProgress });
      try {
        this.channel!.post(request);
      } catch (reason) {
        this.pending.delete(requestId);
        reject(new ScoringWorkerError('worker-crashed', `the scoring worker cannot take requests: ${(reason as Error).message}`));
      }
    });
  }

  /** The id the next request will get: lets a caller cancel a load it is about to start. */
  peekNextRequestId(): number {
    return this.nextRequestId;
  }

  async close(): Promise<void> {
    this.closing = true;
    this.channel?.kill();
    this.channel = undefined;
    this.ready = undefined;
  }

  private spawn(): Promise<void> {
    const entry = this.options.entry ?? WORKER_SOURCE_ENTRY;
    const execArgv = entry.endsWith('.ts') ? ['--import', 'tsx'] : [];
    return new Promise<void>((resolve, reject) => {
      const onMessage = (message: WorkerMessage) => {
        if (message.type === 'ready') {
          if (message.version !== PROTOCOL_VERSION) reject(new Error(`worker protocol ${message.version}, app protocol ${PROTOCOL_VERSION}`));
          else resolve();
          return;
        }
        this.route(message);
      };
      const onExit = (exitCode: number | null, signal: string | null) => {
        this.channel = undefined;
        this.ready = undefined;
        if (this.closing) return;
        const failed = [...this.pending.values()];
        this.pending.clear();
        const why = signal ? `was killed (${signal})` : `stopped (exit code ${exitCode})`;
        for (const request of failed) {
          request.reject(new ScoringWorkerError('worker-crashed', `the scoring worker ${why}; it has been restarted: open the series again`));
        }
        reject(new Error(`the scoring worker ${why} before it was ready`));
        this.emit('crash', { exitCode, signal, pending: failed.length });
      };

      if (this.options.launcher) {
        this.channel = this.options.launcher(entry, { onMessage, onExit });
      } else if (this.options.mode === 'thread') {
        // Worker threads take no --import flag: register tsx inside the thread for a .ts entry.
        const worker = entry.endsWith('.ts')
          ? new Worker(
              `import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))}).then((tsx) => { tsx.register(); return import(${JSON.stringify(pathToFileURL(entry).href)}); });`,
              { eval: true },
            )
          : new Worker(entry);
        worker.on('message', onMessage);
        worker.on('error', () => undefined); // reported through 'exit'
        worker.on('exit', (code) => onExit(code, null));
        this.channel = {
          post: (request) => worker.postMessage(request),
          kill: () => void worker.terminate(),
        };
      } else {
        const child: ChildProcess = fork(entry, [], { execArgv, serialization: 'advanced', stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
        child.on('message', (message) => onMessage(message as WorkerMessage));
        child.on('error', () => undefined); // reported through 'exit'
        child.on('exit', onExit);
        this.channel = {
          post: (request) => child.send(request),
          kill: () => child.kill(),
          pid: child.pid,
        };
      }
    });
  }

  private route(message: WorkerMessage): void {
    if (message.type === 'ready') return;
    const pending = this.pending.get(message.requestId);
    if (!pending) return;
    if (message.type === 'progress') {
      pending.onProgress?.(message);
      return;
    }
    this.pending.delete(message.requestId);
    if (message.type === 'result') pending.resolve(message.result as never);
    else pending.reject(new ScoringWorkerError(message.code, message.message, message.details));
  }
}
