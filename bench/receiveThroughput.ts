/**
 * Issue 3 budget: receiving the phantom from dcmtk's storescu, the workstation's receiver at least
 * as fast as Orthanc on the same machine (ratio workstation time / Orthanc time <= 1). Each run
 * sends the 47 files on one association to a fresh, empty archive and a fresh, empty Orthanc,
 * interleaved.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ArchiveStore } from '../main/archive/archiveStore.js';
import { startDicomReceiver } from '../main/dimse/dicomReceiver.js';
import { startOrthanc } from '../test/support/orthanc.js';
import { phantomFiles } from './qrmPhantom.js';
import { budget, describeCheck, describeTimings, formatRatio, heading, line, median, type BudgetCheck } from './stats.js';

const run = promisify(execFile);
export const RECEIVE_BUDGET_RATIO = 1;
const RUNS = 5;

async function storescu(files: string[], calledAeTitle: string, port: number): Promise<number> {
  const start = performance.now();
  await run('storescu', ['-aet', 'BENCHSCU', '-aec', calledAeTitle, '127.0.0.1', String(port), ...files], { maxBuffer: 16 * 1024 * 1024 });
  return performance.now() - start;
}

export async function benchReceiveThroughput(): Promise<BudgetCheck[]> {
  heading('6. receive the phantom from storescu: the workstation vs Orthanc on this machine');
  const files = await phantomFiles();
  const bytes = 23.6 * 1024 * 1024;
  const scratch = await mkdtemp(join(tmpdir(), 'cac-bench-receive-'));
  const workstationMs: number[] = [];
  const orthancMs: number[] = [];
  try {
    for (let round = 0; round < RUNS + 1; round++) {
      const store = ArchiveStore.open(join(scratch, `archive-${round}`));
      const receiver = await startDicomReceiver(store, {
        aeTitle: 'CACWS',
        port: 0,
        host: '127.0.0.1',
        allowedCallingAeTitles: ['BENCHSCU'],
        maxAssociations: 4,
        maxPduLength: 256 * 1024,
        maxObjectBytes: 64 * 1024 * 1024,
        log: () => undefined,
      });
      const orthanc = await startOrthanc();
      try {
        const ours = await storescu(files, 'CACWS', receiver.port);
        const theirs = await storescu(files, orthanc.aeTitle, orthanc.dicomPort);
        const stored = (store.db.prepare('SELECT count(*) AS n FROM instances').get() as { n: number }).n;
        if (stored !== files.length) throw new Error(`the receiver archived ${stored} of ${files.length} files`);
        // The first round warms caches and the JIT on both sides.
        if (round > 0) {
          workstationMs.push(ours);
          orthancMs.push(theirs);
        }
      } finally {
        await receiver.close();
        store.close();
        await orthanc.stop();
      }
    }
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
  const ours = median(workstationMs);
  const theirs = median(orthancMs);
  const rate = (ms: number) => `${((files.length * 1000) / ms).toFixed(0)} instances/s, ${((bytes / (1024 * 1024)) * (1000 / ms)).toFixed(1)} MiB/s`;
  line('Orthanc 1.10 (baseline)', `${describeTimings(orthancMs)}; ${rate(theirs)}`);
  line('workstation receiver', `${describeTimings(workstationMs)}; ${rate(ours)}`);
  line('ratio workstation / Orthanc', formatRatio(ours / theirs));
  const check = budget('6 receive vs Orthanc', 'workstation / Orthanc', ours / theirs, RECEIVE_BUDGET_RATIO + 1e-9, formatRatio);
  console.log(`   ${describeCheck(check)}`);
  return [check];
}
