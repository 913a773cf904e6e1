/**
 * SHA-256 of received objects on worker threads. Hashing is the largest CPU cost of storing an
 * object (about 160 MB/s on a core without SHA instructions): off the main thread it runs on the
 * other core while the main thread parses and writes.
 */
import { Worker } from 'node:worker_threads';
import { availableParallelism } from 'node:os';
import { createHash } from 'node:crypto';

const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { createHash } = require('node:crypto');
parentPort.on('message', ({ id, bytes }) => {
  parentPort.postMessage({ id, digest: createHash('sha256').update(bytes).digest('hex') });
});
`;

/** Below this a message round trip costs more than hashing in place. */
const INLINE_LIMIT_BYTES = 64 * 1024;

interface Job {
  worker: Worker;
  resolve: (digest: string) => void;
  reject: (reason: Error) => void;
}

export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

export class Sha256Pool {
  private readonly workers: Worker[] = [];
  private readonly outstanding = new Map<Worker, number>();
  private readonly jobs = new Map<number, Job>();
  private nextId = 0;
  private nextWorker = 0;

  constructor(private readonly size = Math.max(1, availableParallelism())) {}

  async digest(bytes: Uint8Array): Promise<string> {
    if (bytes.length < INLINE_LIMIT_BYTES) return sha256Hex(bytes);
    const worker = this.worker();
    const id = this.nextId++;
    // A thread with work keeps the process alive; an idle one must not (command-line runs end).
    this.outstanding.set(worker, (this.outstanding.get(worker) ?? 0) + 1);
    worker.ref();
    return new Promise<string>((resolve, reject) => {
      this.jobs.set(id, { worker, resolve, reject });
      worker.postMessage({ id, bytes });
    });
  }

  async close(): Promise<void> {
    const workers = this.workers.splice(0);
    await Promise.all(workers.map((worker) => worker.terminate()));
  }

  private worker(): Worker {
    if (this.workers.length < this.size) {
      const worker = new Worker(WORKER_SOURCE, { eval: true });
      worker.on('message', ({ id, digest }: { id: number; digest: string }) => {
        const job = this.jobs.get(id);
        if (!job) return;
        this.jobs.delete(id);
        const left = (this.outstanding.get(job.worker) ?? 1) - 1;
        this.outstanding.set(job.worker, left);
        if (left === 0) job.worker.unref();
        job.resolve(digest);
      });
      worker.on('error', (error) => this.failAll(error));
      this.workers.push(worker);
      return worker;
    }
    return this.workers[this.nextWorker++ % this.workers.length];
  }

  private failAll(error: Error): void {
    for (const job of this.jobs.values()) job.reject(new Error(`hashing failed: ${error.message}`));
    this.jobs.clear();
    void this.close();
  }
}
