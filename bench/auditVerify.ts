/**
 * Budget 10: `cac audit verify` over 1,000,000 audit entries in less than 10 s. What the command and
 * the audit view run (verifyAuditChainInWorker: slices re-hashed in worker threads, joined by their
 * links) is timed beside the single-threaded walk (verifyAuditChain) and a baseline measured in the
 * same run on the same SQLite file: reading the same rows in id order without hashing.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ArchiveStore } from '../main/archive/archiveStore.js';
import { entryHash, GENESIS_HASH } from '../main/audit/auditChain.js';
import { writeChainHead } from '../main/audit/chainHead.js';
import { verifyAuditChain } from '../main/audit/verifyAuditChain.js';
import { verifyAuditChainInWorker } from '../main/audit/verifyInWorker.js';
import { DATABASE_FILE } from '../main/archive/archiveStore.js';
import type { AuditRow } from '../db/auditRepository.js';
import { budget, describeCheck, describeTimings, formatRatio, heading, line, median, timeInterleaved, type BudgetCheck } from './stats.js';

export const AUDIT_VERIFY_BUDGET_S = 10;
const ENTRIES = 1_000_000;
const ACTIONS = ['reading-opened', 'dose-viewed', 'notes-saved', 'report-signed', 'receive-released', 'login'];

/** A realistic mix: actors, study UIDs, small JSON details; written straight into the chain. */
function fillTrail(store: ArchiveStore, entries: number): void {
  const start = Date.UTC(2025, 0, 1);
  let prevHash = GENESIS_HASH;
  const insert = store.audit.entries;
  const batch = 50_000;
  // Set-up only: the generated rows need not survive a power cut.
  store.db.pragma('synchronous = OFF');
  for (let first = 1; first <= entries; first += batch) {
    store.db.transaction(() => {
      for (let id = first; id < Math.min(first + batch, entries + 1); id++) {
        const content = {
          id,
          at: new Date(start + id * 30_000).toISOString(),
          actor: `Reader ${id % 17} (reader${id % 17})`,
          actorId: id % 17,
          action: ACTIONS[id % ACTIONS.length],
          outcome: id % 97 === 0 ? ('failure' as const) : ('success' as const),
          subject: `1.2.826.0.1.3680043.8.498.${1 + (id % 5000)}`,
          details: JSON.stringify({ readingId: id % 5000, revision: id % 13 }),
        };
        const row: AuditRow = { ...content, prevHash, entryHash: entryHash(prevHash, content) };
        insert.insert(row);
        prevHash = row.entryHash!;
      }
    })();
  }
  store.db.pragma('synchronous = FULL');
  writeChainHead(store.audit.headFile, { count: entries, hash: prevHash });
}

export async function benchAuditVerify(): Promise<BudgetCheck[]> {
  heading(`10. audit verify of ${ENTRIES.toLocaleString('en')} entries vs reading the same rows`);
  const dir = await mkdtemp(join(tmpdir(), 'cac-bench-audit-'));
  const store = ArchiveStore.open(join(dir, 'archive'));
  try {
    const fillStart = performance.now();
    fillTrail(store, ENTRIES);
    line('trail written', `${ENTRIES} entries in ${((performance.now() - fillStart) / 1000).toFixed(1)} s`);
    let read = 0;
    const readRows = () => {
      read = 0;
      for (const row of store.audit.entries.iterateRaw()) if (row) read++;
    };
    let verified = 0;
    const expectIntact = (result: { ok: boolean; entries: number; firstBroken?: { message: string } }) => {
      if (!result.ok) throw new Error(`the generated trail does not verify: ${result.firstBroken?.message}`);
      verified = result.entries;
    };
    const singleThread = () => expectIntact(verifyAuditChain(store.db, store.audit.headFile));
    const databaseFile = join(store.root, DATABASE_FILE);
    const verify = async () => expectIntact(await verifyAuditChainInWorker(databaseFile, store.audit.headFile));
    const timings = await timeInterleaved({ readRows, singleThread, verify }, { warmupRuns: 1, runs: 3 });
    const seconds = median(timings.verify) / 1000;
    line('baseline: SELECT the rows in id order', `${read} rows; ${describeTimings(timings.readRows)}`);
    line('verifyAuditChain (one thread)', `${verified} entries; ${describeTimings(timings.singleThread)}`);
    line('verifyAuditChainInWorker (cac audit verify)', `${verified} entries; ${describeTimings(timings.verify)}`);
    line('ratio verify / read', formatRatio(median(timings.verify) / median(timings.readRows)));
    const check = budget('10 audit verify', `verify ${ENTRIES.toLocaleString('en')} entries`, seconds, AUDIT_VERIFY_BUDGET_S, (value) => `${value.toFixed(2)} s`);
    console.log(`   ${describeCheck(check)}`);
    return [check];
  } finally {
    store.close();
    await rm(dir, { recursive: true, force: true });
  }
}
