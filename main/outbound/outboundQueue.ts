/**
 * The durable outbound queue: report objects (DICOM Part 10 files) waiting to go to a PACS by
 * C-STORE. Each object is first copied durably to <archive>/outbound/<SOP Instance UID>.dcm, then
 * its row is committed; from then on it survives a crash or a power cut. Due rows are sent per
 * destination on one association, with the stored bytes exactly. A PACS that is down is retried
 * with exponential backoff for as long as it takes (or maxAttempts); a PACS that refuses an object
 * on purpose gets a few attempts and then the row is 'failed' with the reason, for an operator.
 * The copy of an object is deleted once every destination has it ('sent'): the signed report keeps
 * its own files, and a later send to another PACS copies it again.
 * Rows a crash left 'sending' are queued again on start(): a PACS stores a SOP instance it already
 * holds again without a second copy, so a resend is harmless; sending different bytes under the
 * same SOP Instance UID is what is never allowed (checked on enqueue and by a database trigger).
 */
import { EventEmitter } from 'node:events';
import { readdirSync, rmSync } from 'node:fs';
import { mkdir, readFile, rm } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import type { ArchiveDatabase } from '../../db/archiveDatabase.js';
import { AuditTrail } from '../audit/auditTrail.js';
import {
  OutboundRepository,
  type OutboundDestinationNode,
  type OutboundFilter,
  type OutboundItem,
  type NewOutboundItem,
} from '../../db/outboundRepository.js';
import { namedPacsNodeSchema, type NamedPacsNode } from '../api/settings.js';
import { PARTIAL_SUFFIX } from '../archive/atomicFile.js';
import { writeFileDurably } from './durableFile.js';
import { readOutboundObject, OutboundObjectError } from './outboundObject.js';
import { storeObjects, type OutboundSendError, type StoreObject } from './storeAssociation.js';

export const OUTBOUND_DIR = 'outbound';

export interface OutboundQueueOptions {
  backoff?: {
    /** Wait before the second attempt (default 5 s). */
    firstDelayMs?: number;
    /** Each further wait is this many times longer (default 2). */
    factor?: number;
    /** The longest wait between attempts (default 5 min). */
    maxDelayMs?: number;
  };
  /** Give up after this many attempts when the PACS is unreachable (default: never). */
  maxAttempts?: number;
  /** A PACS refusing on purpose (failure status, association rejected for good) fails the row once it has had this many attempts (default 3). */
  maxRefusedAttempts?: number;
  /** Objects per association (default 50). */
  batchSize?: number;
  /** The clock, for tests (ms since the epoch). */
  now?: () => number;
  /** The PACS of that name as the settings describe it now: a retry goes there (an address fixed meanwhile). */
  currentNode?: (name: string) => NamedPacsNode | undefined;
}

export interface EnqueueContext {
  reportId?: number;
  reportVersion?: number;
}

export interface QueueObjectsOptions {
  /** Queue once more what this PACS already has (or failed, or was cancelled): "send again". */
  again?: boolean;
}

export interface QueuedObjects {
  /** The row of each object, in the order given. */
  items: OutboundItem[];
  /** How many of them this call queued (the others were already waiting or being sent, or sent). */
  queued: number;
}

export type OutboundQueueErrorCode = 'different-content' | 'bad-destination' | 'not-found' | 'wrong-state' | 'write-failed';

export class OutboundQueueError extends Error {
  constructor(
    readonly code: OutboundQueueErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'OutboundQueueError';
  }
}

export declare interface OutboundQueue {
  on(event: 'changed', listener: (item: OutboundItem) => void): this;
  on(event: 'error', listener: (error: Error) => void): this;
  emit(event: 'changed', item: OutboundItem): boolean;
  emit(event: 'error', error: Error): boolean;
}

export class OutboundQueue extends EventEmitter {
  private readonly items: OutboundRepository;
  private readonly audit: AuditTrail;
  private readonly outboundDir: string;
  private readonly firstDelayMs: number;
  private readonly factor: number;
  private readonly maxDelayMs: number;
  private readonly maxAttempts: number;
  private readonly maxRefusedAttempts: number;
  private readonly batchSize: number;
  private readonly now: () => number;
  private readonly currentNode: OutboundQueueOptions['currentNode'];
  private running = false;
  private timer: NodeJS.Timeout | undefined;
  private cycle: Promise<void> | undefined;
  private cycleAgain = false;
  /** Enqueues one at a time: the file check, the write and the commit of one SOP UID must not interleave. */
  private enqueueChain: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly db: ArchiveDatabase,
    private readonly archiveRoot: string,
    options: OutboundQueueOptions = {},
  ) {
    super();
    this.items = new OutboundRepository(db);
    this.audit = new AuditTrail(db, archiveRoot);
    this.outboundDir = join(archiveRoot, OUTBOUND_DIR);
    this.firstDelayMs = options.backoff?.firstDelayMs ?? 5_000;
    this.factor = options.backoff?.factor ?? 2;
    this.maxDelayMs = options.backoff?.maxDelayMs ?? 5 * 60_000;
    this.maxAttempts = options.maxAttempts ?? Number.POSITIVE_INFINITY;
    this.maxRefusedAttempts = options.maxRefusedAttempts ?? 3;
    this.batchSize = options.batchSize ?? 50;
    this.now = options.now ?? Date.now;
    this.currentNode = options.currentNode;
  }

  /**
   * Queue `objects` for `destination`. Each is copied durably before its row is committed; the
   * rows of one call are committed together. The same object again for the same PACS is a no-op
   * (its existing row is returned: a double click sends nothing twice; queueObjects with `again` is
   * the deliberate resend); other bytes under a SOP Instance UID already queued are refused.
   */
  async enqueue(objects: Array<{ bytes: Uint8Array }>, destination: NamedPacsNode, context: EnqueueContext = {}): Promise<OutboundItem[]> {
    return (await this.queueObjects(objects, destination, context)).items;
  }

  /** enqueue(), saying how many were queued by this call; with `again`, rows done with are queued once more. */
  queueObjects(objects: Array<{ bytes: Uint8Array }>, destination: NamedPacsNode, context: EnqueueContext = {}, options: QueueObjectsOptions = {}): Promise<QueuedObjects> {
    const run = this.enqueueChain.then(() => this.enqueueNow(objects, destination, context, options.again === true));
    this.enqueueChain = run.catch(() => undefined);
    return run;
  }

  /**
   * Begin sending: rows a crash left 'sending' are queued again, half-written copies a crash left
   * (another process's .part files) and copies of objects sent everywhere are removed, then
   * everything due goes.
   */
  start(): { requeued: number; partialFilesRemoved: number } {
    if (this.running) return { requeued: 0, partialFilesRemoved: 0 };
    this.running = true;
    const partialFilesRemoved = removePartialFiles(this.outboundDir);
    const requeued = this.items.requeueInterrupted(this.isoNow());
    for (const id of requeued) this.emitChanged(id);
    void this.removeSentCopies(keptCopies(this.outboundDir));
    this.kick();
    return { requeued: requeued.length, partialFilesRemoved };
  }

  /**
   * Delete the copies of those objects every destination has stored. In the enqueue chain, so a
   * copy is never removed between an enqueue's file check and its commit.
   */
  private removeSentCopies(sopInstanceUids: readonly string[]): Promise<unknown> {
    if (sopInstanceUids.length === 0) return Promise.resolve();
    const run = this.enqueueChain.then(async () => {
      for (const uid of this.items.allSent(sopInstanceUids)) await rm(join(this.outboundDir, `${uid}.dcm`), { force: true });
    });
    this.enqueueChain = run.catch((error: unknown) => this.report(error));
    return this.enqueueChain;
  }

  /** Stop sending; resolves when an association in progress has finished. */
  async stop(): Promise<void> {
    this.running = false;
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.cycle;
  }

  /**
   * Try now: one row (queued, failed or cancelled) or every queued and failed row, each to its PACS
   * as the settings describe it now when `currentNode` was given.
   */
  retryNow(id?: number): OutboundItem[] {
    if (id !== undefined) this.require(id);
    const changed = this.items.retryNow(this.isoNow(), id, this.currentNode && ((name) => this.currentSnapshot(name)));
    const items = changed.map((changedId) => this.emitChanged(changedId));
    this.kick();
    return items;
  }

  /** Withdraw a queued or failed row. A row being sent or already sent cannot be. */
  cancel(id: number): OutboundItem {
    const item = this.require(id);
    if (!this.items.cancel(id, this.isoNow())) {
      const why =
        item.status === 'sending'
          ? 'it is being sent right now; wait for the attempt to end'
          : item.status === 'sent'
            ? `it was already sent to ${item.destination} at ${item.sentAt}`
            : 'it is already cancelled';
      throw new OutboundQueueError('wrong-state', `object ${item.sopInstanceUid} for ${item.destination} cannot be cancelled: ${why}`);
    }
    return this.emitChanged(id);
  }

  list(filter?: OutboundFilter): OutboundItem[] {
    return this.items.list(filter);
  }

  get(id: number): OutboundItem | undefined {
    return this.items.get(id);
  }

  /** The absolute path of a row's stored copy. */
  filePath(item: Pick<OutboundItem, 'path'>): string {
    return join(this.archiveRoot, item.path);
  }

  // ------------------------------------------------------------------ enqueue

  private async enqueueNow(objects: Array<{ bytes: Uint8Array }>, destination: NamedPacsNode, context: EnqueueContext, again: boolean): Promise<QueuedObjects> {
    const node = destinationSnapshot(destination);
    const headers = objects.map((object, index) => readOutboundObject(object.bytes, `object ${index + 1} of ${objects.length}`));
    const bySopUid = new Map<string, string>();
    headers.forEach((header) => {
      const earlier = bySopUid.get(header.sopInstanceUid);
      if (earlier && earlier !== header.sha256) throw differentContent(header.sopInstanceUid, 'two of the objects given');
      bySopUid.set(header.sopInstanceUid, header.sha256);
      const queued = this.items.sha256sOf(header.sopInstanceUid);
      if (queued.some((sha256) => sha256 !== header.sha256)) throw differentContent(header.sopInstanceUid, 'an object already queued');
    });

    try {
      await mkdir(this.outboundDir, { recursive: true, mode: 0o700 });
      for (const [index, header] of headers.entries()) {
        const target = join(this.outboundDir, `${header.sopInstanceUid}.dcm`);
        const bytes = objects[index].bytes;
        // No committed row has other bytes (checked above): a different file here is a leftover of an enqueue that crashed before its commit.
        const result = await writeFileDurably(target, bytes, { replace: false });
        if (result === 'different') await writeFileDurably(target, bytes, { replace: true });
      }
    } catch (error) {
      const failure = error as NodeJS.ErrnoException;
      throw new OutboundQueueError('write-failed', `cannot keep a copy of the objects to send in ${this.outboundDir} (${failure.code ?? failure.message}): check that the archive disk has space and is writable; nothing was queued`, {
        cause: error,
      });
    }

    const at = this.isoNow();
    let inserted: Array<{ item: OutboundItem; queuedNow: boolean }>;
    try {
      inserted = this.transaction(() =>
        headers.map((header, index) => {
          const item: NewOutboundItem = {
            sopInstanceUid: header.sopInstanceUid,
            sopClassUid: header.sopClassUid,
            studyInstanceUid: header.studyInstanceUid,
            transferSyntaxUid: header.transferSyntaxUid,
            destinationNode: node,
            path: `${OUTBOUND_DIR}/${header.sopInstanceUid}.dcm`,
            sizeBytes: objects[index].bytes.byteLength,
            sha256: header.sha256,
            reportId: context.reportId ?? null,
            reportVersion: context.reportVersion ?? null,
          };
          const { item: row, created } = this.items.insert(item, at);
          if (created) return { item: row, queuedNow: true };
          if (again && this.items.sendAgain(row.id, at, node)) return { item: this.items.get(row.id)!, queuedNow: true };
          return { item: row, queuedNow: false };
        }),
      );
    } catch (error) {
      if (/different content/.test((error as Error).message)) throw differentContent('one of the objects', 'an object queued meanwhile');
      throw error;
    }
    for (const { item, queuedNow } of inserted) if (queuedNow) this.emit('changed', item);
    this.kick();
    return { items: inserted.map(({ item }) => item), queued: inserted.filter(({ queuedNow }) => queuedNow).length };
  }

  // ------------------------------------------------------------------ sending

  /** Run a sending cycle now, or once more after the one in progress. */
  private kick(): void {
    if (!this.running) return;
    if (this.cycle) {
      this.cycleAgain = true;
      return;
    }
    clearTimeout(this.timer);
    this.timer = undefined;
    this.cycle = this.sendDue()
      .catch((error: unknown) => this.report(error))
      .finally(() => {
        this.cycle = undefined;
        if (this.cycleAgain) {
          this.cycleAgain = false;
          this.kick();
        } else this.scheduleNext();
      });
  }

  private scheduleNext(): void {
    if (!this.running) return;
    const next = this.items.nextDueAt();
    if (next === undefined) return;
    const delayMs = Math.max(0, Date.parse(next) - this.now());
    clearTimeout(this.timer);
    // Unref'd: a pending retry alone does not keep a command-line run alive.
    this.timer = setTimeout(() => this.kick(), Math.min(delayMs, 2 ** 31 - 1));
    this.timer.unref();
  }

  private async sendDue(): Promise<void> {
    while (this.running) {
      const due = this.items.due(this.isoNow());
      if (due.length === 0) return;
      const groups = new Map<string, OutboundItem[]>();
      for (const item of due) {
        const key = `${item.destination}\u0000${JSON.stringify(item.destinationNode)}`;
        const group = groups.get(key) ?? [];
        if (group.length < this.batchSize) group.push(item);
        groups.set(key, group);
      }
      await Promise.all([...groups.values()].map((group) => this.sendGroup(group)));
    }
  }

  private async sendGroup(group: OutboundItem[]): Promise<void> {
    const node = group[0].destinationNode;
    const sending: Array<{ item: OutboundItem; object: StoreObject }> = [];
    for (const item of group) {
      if (!this.items.markSending(item.id, this.isoNow())) continue;
      const current = this.emitChanged(item.id);
      const object = await this.readStoredObject(current);
      if (object) sending.push({ item: current, object });
    }
    if (sending.length === 0) return;
    const outcomes = await storeObjects(node, sending.map(({ object }) => object));
    outcomes.forEach((outcome, index) => {
      const { item } = sending[index];
      const at = this.isoNow();
      if (outcome.stored) {
        this.items.markSent(item.id, at, outcome.warning ?? null);
        this.audit.record({
          actor: 'outbound-queue',
          action: 'report-object-sent',
          subject: item.sopInstanceUid,
          details: { destination: item.destination, host: node.host, port: node.port, aeTitle: node.aeTitle, sha256: item.sha256, reportId: item.reportId, reportVersion: item.reportVersion, ...(outcome.warning ? { warning: outcome.warning } : {}) },
        });
      } else this.recordFailure(item, outcome.error);
      this.emitChanged(item.id);
    });
    await this.removeSentCopies(sending.filter((_, index) => outcomes[index].stored).map(({ item }) => item.sopInstanceUid));
  }

  /** The stored copy, checked against the hash recorded at enqueue; a missing or altered copy fails the row. */
  private async readStoredObject(item: OutboundItem): Promise<StoreObject | undefined> {
    const path = this.filePath(item);
    let reason: string | undefined;
    try {
      const bytes = await readFile(path);
      if (createHash('sha256').update(bytes).digest('hex') !== item.sha256) reason = `the copy kept for sending (${path}) has been altered`;
      else {
        const header = readOutboundObject(bytes, path);
        return { sopClassUid: item.sopClassUid, sopInstanceUid: item.sopInstanceUid, transferSyntaxUid: item.transferSyntaxUid, dataSet: bytes.subarray(header.dataSetOffset) };
      }
    } catch (error) {
      reason =
        (error as NodeJS.ErrnoException).code === 'ENOENT'
          ? `the copy kept for sending (${path}) is missing`
          : error instanceof OutboundObjectError
            ? error.message
            : `the copy kept for sending (${path}) cannot be read: ${(error as Error).message}`;
    }
    this.items.markFailed(item.id, this.isoNow(), `${reason}: queue the report again to send it`);
    this.emitChanged(item.id);
    return undefined;
  }

  private recordFailure(item: OutboundItem, error: OutboundSendError): void {
    // One reading of the clock: the next attempt is exactly the backoff after this one.
    const nowMs = this.now();
    const at = new Date(nowMs).toISOString();
    const attempts = item.attempts;
    if (error.permanent && attempts >= this.maxRefusedAttempts) {
      this.items.markFailed(item.id, at, `${error.message} (gave up after ${attempts} attempt${attempts === 1 ? '' : 's'}; retry once it is fixed)`);
      return;
    }
    if (attempts >= this.maxAttempts) {
      this.items.markFailed(item.id, at, `${error.message} (gave up after ${attempts} attempts; retry when the PACS is back)`);
      return;
    }
    const delayMs = this.backoffDelayMs(attempts);
    const nextAttemptAt = new Date(nowMs + delayMs).toISOString();
    this.items.markRetry(item.id, at, nextAttemptAt, `${error.message} (attempt ${attempts}; next try in ${describeDelay(delayMs)})`);
  }

  /** The wait after the `attempts`-th failed attempt. */
  backoffDelayMs(attempts: number): number {
    return Math.min(this.maxDelayMs, this.firstDelayMs * this.factor ** Math.max(0, attempts - 1));
  }

  // ------------------------------------------------------------------ helpers

  /** The node a retry goes to: the settings' one when it is (still) valid, else the row keeps its own. */
  private currentSnapshot(name: string): OutboundDestinationNode | undefined {
    const node = this.currentNode?.(name);
    if (!node) return undefined;
    try {
      return destinationSnapshot(node);
    } catch {
      return undefined;
    }
  }

  private transaction<T>(work: () => T): T {
    return this.db.transaction(work).immediate();
  }

  private require(id: number): OutboundItem {
    const item = this.items.get(id);
    if (!item) throw new OutboundQueueError('not-found', `there is no outbound object with id ${id}`);
    return item;
  }

  private emitChanged(id: number): OutboundItem {
    const item = this.items.get(id)!;
    this.emit('changed', item);
    return item;
  }

  private report(error: unknown): void {
    const reason = error instanceof Error ? error : new Error(String(error));
    if (this.listenerCount('error') > 0) this.emit('error', reason);
    else console.error(`outbound queue: ${reason.message}`);
  }

  private isoNow(): string {
    return new Date(this.now()).toISOString();
  }
}

/** The SOP Instance UIDs of the copies in the outbound folder. */
function keptCopies(dir: string): string[] {
  try {
    return readdirSync(dir)
      .filter((name) => name.endsWith('.dcm'))
      .map((name) => name.slice(0, -'.dcm'.length));
  } catch {
    return [];
  }
}

/** Temporary files of writes that never finished, left by another (dead) process: ours may be in flight. */
function removePartialFiles(dir: string): number {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return 0;
  }
  const ours = `.${process.pid}.`;
  const partial = names.filter((name) => name.endsWith(PARTIAL_SUFFIX) && !name.includes(ours));
  for (const name of partial) rmSync(join(dir, name), { force: true });
  return partial.length;
}

function destinationSnapshot(destination: NamedPacsNode): OutboundDestinationNode {
  const parsed = namedPacsNodeSchema.safeParse(destination);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.') || 'PACS'}: ${issue.message}`).join('; ');
    throw new OutboundQueueError('bad-destination', `the PACS to send to is not valid: ${problems}`);
  }
  const { name, aeTitle, host, port, callingAeTitle, timeoutMs } = parsed.data;
  return { name, aeTitle, host, port, callingAeTitle, timeoutMs };
}

function differentContent(sopInstanceUid: string, other: string): OutboundQueueError {
  return new OutboundQueueError(
    'different-content',
    `${other} has the same SOP Instance UID (${sopInstanceUid}) but different content: a DICOM object is never sent twice as different objects; an amended report must get a new SOP Instance UID`,
  );
}

function describeDelay(ms: number): string {
  if (ms < 1_000) return `${ms} ms`;
  if (ms < 60_000) return `${Math.round(ms / 100) / 10} s`;
  return `${Math.round(ms / 6_000) / 10} min`;
}
