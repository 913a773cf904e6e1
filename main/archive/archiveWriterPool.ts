/**
 * Worker threads that hash and durably write archive files. SHA-256 is the largest CPU cost of
 * storing an object (about 160 MB/s on a core without SHA instructions) and each durable write is
 * several blocking system calls: done here, they run on the other core while the main thread
 * parses headers and records rows. The bytes are transferred, not copied, when they own their
 * buffer. A write is: temporary name, write, fsync, rename (and, if asked, fsync of the folder).
 */
import { Worker } from 'node:worker_threads';
import { availableParallelism } from 'node:os';
import { createHash } from 'node:crypto';
import { ArchiveWriteError, describeWriteFailure, PARTIAL_SUFFIX, PATIENT_FILE_MODE, PATIENT_FOLDER_MODE } from './atomicFile.js';

const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { createHash, randomUUID } = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');
const knownFolders = new Set();

function writeDurably(bytes, target, scratchDir, syncFolder) {
  const folder = path.dirname(target);
  if (!knownFolders.has(folder)) {
    fs.mkdirSync(folder, { recursive: true, mode: ${PATIENT_FOLDER_MODE} });
    knownFolders.add(folder);
  }
  const temporary = path.join(scratchDir, randomUUID() + ${JSON.stringify(PARTIAL_SUFFIX)});
  try {
    const fd = fs.openSync(temporary, 'wx', ${PATIENT_FILE_MODE});
    try {
      for (let written = 0; written < bytes.length; ) written += fs.writeSync(fd, bytes, written);
      // fdatasync: the data and its size; the new name is made durable by the folder fsync.
      fs.fdatasyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    try {
      fs.renameSync(temporary, target);
    } catch (error) {
      // The folder was removed since it was cached (e.g. emptied by a recovery): make it again.
      if (error.code !== 'ENOENT') throw error;
      fs.mkdirSync(folder, { recursive: true, mode: ${PATIENT_FOLDER_MODE} });
      fs.renameSync(temporary, target);
    }
    if (syncFolder) {
      const dir = fs.openSync(folder, 'r');
      try { fs.fsyncSync(dir); } finally { fs.closeSync(dir); }
    }
  } catch (error) {
    knownFolders.delete(folder);
    try { fs.rmSync(temporary, { force: true }); } catch {}
    throw error;
  }
}

parentPort.on('message', ({ id, bytes, target, scratchDir, syncFolder }) => {
  try {
    const digest = createHash('sha256').update(bytes).digest('hex');
    if (target) writeDurably(bytes, target, scratchDir, syncFolder);
    parentPort.postMessage({ id, digest });
  } catch (error) {
    parentPort.postMessage({ id, error: { message: error.message, code: error.code, syscall: error.syscall } });
  }
});
`;

export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

export interface ArchiveWrite {
  /** Absolute final path; omit to only hash. */
  target?: string;
  /** Folder for the temporary file, on the same disk as the target. */
  scratchDir?: string;
  /** fsync the target's folder too (otherwise the caller does it, once for many files). */
  syncFolder?: boolean;
  /** Hand the buffer to the worker without a copy: the caller must not use `bytes` afterwards. */
  transfer?: boolean;
}

interface Job {
  worker: Worker;
  target?: string;
  resolve: (digest: string) => void;
  reject: (reason: Error) => void;
}

type WorkerReply = { id: number; digest: string } | { id: number; error: { message: string; code?: string; syscall?: string } };

export class ArchiveWriterPool {
  private readonly workers: Worker[] = [];
  private readonly jobs = new Map<number, Job>();
  private readonly outstanding = new Map<Worker, number>();
  private nextId = 0;
  private nextWorker = 0;

  constructor(private readonly size = Math.max(1, availableParallelism())) {}

  /** SHA-256 of `bytes` (hex), after writing them durably to `target` when one is given. */
  run(bytes: Uint8Array, write: ArchiveWrite = {}): Promise<string> {
    const worker = this.worker();
    const id = this.nextId++;
    // A thread with work keeps the process alive; an idle one must not (command-line runs end).
    this.outstanding.set(worker, (this.outstanding.get(worker) ?? 0) + 1);
    worker.ref();
    const ownsBuffer = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength && bytes.buffer instanceof ArrayBuffer;
    const transferList = write.transfer && ownsBuffer ? [bytes.buffer as ArrayBuffer] : [];
    return new Promise<string>((resolve, reject) => {
      this.jobs.set(id, { worker, target: write.target, resolve, reject });
      worker.postMessage({ id, bytes, target: write.target, scratchDir: write.scratchDir, syncFolder: write.syncFolder ?? true }, transferList);
    });
  }

  async close(): Promise<void> {
    const workers = this.workers.splice(0);
    await Promise.all(workers.map((worker) => worker.terminate()));
  }

  private worker(): Worker {
    if (this.workers.length < this.size) {
      const worker = new Worker(WORKER_SOURCE, { eval: true });
      worker.on('message', (reply: WorkerReply) => this.settle(reply));
      worker.on('error', (error) => this.failAll(error));
      this.workers.push(worker);
      return worker;
    }
    return this.workers[this.nextWorker++ % this.workers.length];
  }

  private settle(reply: WorkerReply): void {
    const job = this.jobs.get(reply.id);
    if (!job) return;
    this.jobs.delete(reply.id);
    const left = (this.outstanding.get(job.worker) ?? 1) - 1;
    this.outstanding.set(job.worker, left);
    if (left === 0) job.worker.unref();
    if ('digest' in reply) {
      job.resolve(reply.digest);
      return;
    }
    const failure = Object.assign(new Error(reply.error.message), { code: reply.error.code, syscall: reply.error.syscall }) as NodeJS.ErrnoException;
    job.reject(new ArchiveWriteError(describeWriteFailure(failure, job.target ?? 'the archive'), failure));
  }

  private failAll(error: Error): void {
    for (const job of this.jobs.values()) job.reject(new Error(`the archive writer thread failed: ${error.message}`));
    this.jobs.clear();
    void this.close();
  }
}
