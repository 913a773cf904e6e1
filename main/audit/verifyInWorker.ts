/**
 * Verification off the main thread, in parallel: a million entries take seconds, and the app's main
 * process also runs the DICOM receiver and the API. Every entry's hash depends only on its own row
 * (its stored prev_hash and content), so slices of the trail are re-hashed in worker threads at once
 * and joined by their boundary links; only when something is wrong does one worker walk the whole
 * trail to name the first broken entry and why. Each worker opens its own read-only connection; this
 * module is the workers' entry too (so the app build, which follows imports, ships it).
 */
import Database from 'better-sqlite3';
import { availableParallelism } from 'node:os';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { GENESIS_HASH } from './auditChain.js';
import { readChainHead } from './chainHead.js';
import { checkSlice, verifyAuditChain, type AuditVerification, type SliceCheck } from './verifyAuditChain.js';

const TASK = 'cac-audit-verify';
const SELF = fileURLToPath(import.meta.url);
/** Below this many entries one thread is quicker than starting several. */
const PARALLEL_FROM_ENTRIES = 100_000;

type VerifyTask = { task: typeof TASK; databaseFile: string } & ({ kind: 'whole'; headFile: string } | { kind: 'slice'; fromId: number; toId: number });
type VerifyReply = { ok: true; result: AuditVerification | SliceCheck } | { ok: false; message: string };

if (!isMainThread && (workerData as Partial<VerifyTask> | null)?.task === TASK) {
  const task = workerData as VerifyTask;
  let reply: VerifyReply;
  try {
    const db = new Database(task.databaseFile, { readonly: true, fileMustExist: true });
    try {
      reply = { ok: true, result: task.kind === 'whole' ? verifyAuditChain(db, task.headFile) : checkSlice(db, task.fromId, task.toId) };
    } finally {
      db.close();
    }
  } catch (reason) {
    reply = { ok: false, message: reason instanceof Error ? reason.message : String(reason) };
  }
  parentPort!.postMessage(reply);
}

/** verifyAuditChain's answer, computed in worker threads (slices in parallel when the trail is long). */
export async function verifyAuditChainInWorker(databaseFile: string, headFile: string, options: { threads?: number; parallelFromEntries?: number } = {}): Promise<AuditVerification> {
  const whole = () => runTask({ task: TASK, databaseFile, kind: 'whole', headFile }) as Promise<AuditVerification>;
  const threads = Math.max(1, Math.min(options.threads ?? availableParallelism(), 8));
  const lastId = lastEntryId(databaseFile);
  if (threads === 1 || lastId < (options.parallelFromEntries ?? PARALLEL_FROM_ENTRIES) || lastId < threads) return whole();

  const size = Math.ceil(lastId / threads);
  const slices = await Promise.all(
    Array.from({ length: threads }, (_, index) => runTask({ task: TASK, databaseFile, kind: 'slice', fromId: 1 + index * size, toId: Math.min(lastId, (index + 1) * size) + 1 }) as Promise<SliceCheck>),
  );
  const joined = slices.every((slice, index) => slice.intact && slice.firstPrevHash === (index === 0 ? GENESIS_HASH : slices[index - 1].lastHash));
  let head;
  try {
    head = readChainHead(headFile);
  } catch {
    head = undefined;
  }
  const lastHash = slices[slices.length - 1].lastHash;
  // Anything short of a clean, complete chain matching its head: let the full walk say what and where.
  if (!joined || !head || head.count !== lastId || head.hash !== lastHash) return whole();
  return { ok: true, entries: lastId, head };
}

function lastEntryId(databaseFile: string): number {
  const db = new Database(databaseFile, { readonly: true, fileMustExist: true });
  try {
    return (db.prepare('SELECT MAX(id) FROM audit_events').pluck().get() as number | null) ?? 0;
  } finally {
    db.close();
  }
}

function runTask(task: VerifyTask): Promise<AuditVerification | SliceCheck> {
  // Worker threads take no --import flag: under tsx (tests, browser mode from sources) register it in the thread.
  const worker = SELF.endsWith('.ts')
    ? new Worker(`import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))}).then((tsx) => { tsx.register(); return import(${JSON.stringify(pathToFileURL(SELF).href)}); });`, { eval: true, workerData: task })
    : new Worker(SELF, { workerData: task });
  return new Promise((resolve, reject) => {
    let settled = false;
    worker.once('message', (reply: VerifyReply) => {
      settled = true;
      if (reply.ok) resolve(reply.result);
      else reject(new Error(`the audit trail could not be checked: ${reply.message}`));
      void worker.terminate();
    });
    worker.once('error', (error) => {
      if (!settled) reject(new Error(`the audit trail could not be checked: ${error.message}`));
      settled = true;
    });
    worker.once('exit', (code) => {
      if (!settled) reject(new Error(`the audit trail check stopped (exit code ${code}) before it answered`));
      settled = true;
    });
  });
}
