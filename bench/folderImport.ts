/**
 * Issue 3 budget: importing the phantom folder into a fresh archive (parse, hash, durable write,
 * SQLite rows) within 3x of copying the same files with `cp`. Both write into fresh folders on the
 * same disk, interleaved; the archive fsyncs every file (what makes it crash-safe), cp does not.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ArchiveStore } from '../main/archive/archiveStore.js';
import { importFolder } from '../main/import/folderImport.js';
import { sha256Hex } from '../main/archive/archiveWriterPool.js';
import { phantomFiles, qrmPhantomDir } from './qrmPhantom.js';
import { budget, describeCheck, describeTimings, formatRatio, heading, line, median, timeInterleaved, type BudgetCheck } from './stats.js';

const run = promisify(execFile);
export const IMPORT_BUDGET_RATIO = 3;

export async function benchFolderImport(): Promise<BudgetCheck[]> {
  heading(`5. folder import of the phantom vs cp of the same files (${qrmPhantomDir})`);
  const scratch = await mkdtemp(join(tmpdir(), 'cac-bench-import-'));
  const files = await phantomFiles();
  let round = 0;
  try {
    const copy = async () => {
      await run('cp', ['-r', qrmPhantomDir, join(scratch, `copy-${round++}`)]);
    };
    const importIntoFreshArchive = async () => {
      const store = ArchiveStore.open(join(scratch, `archive-${round++}`));
      try {
        const summary = await importFolder(store, qrmPhantomDir);
        if (summary.counts.stored !== 47) throw new Error(`import stored ${summary.counts.stored} of 47 files`);
      } finally {
        store.close();
      }
    };
    // The floor the archive cannot go under: it must SHA-256 every byte (CPU-bound, no SHA
    // instructions on this machine's cores), which cp does not do.
    const hashEveryFile = async () => {
      for (const file of files) sha256Hex(await readFile(file));
    };
    // cp with the durability the archive gives: every file fsynced (sync -f flushes the copy's disk).
    const durableCopy = async () => {
      const target = join(scratch, `copy-${round++}`);
      await run('cp', ['-r', qrmPhantomDir, target]);
      await run('sync', ['-f', target]);
    };
    const timings = await timeInterleaved({ copy, importIntoFreshArchive, hashEveryFile, durableCopy }, { warmupRuns: 1, runs: 5 });
    const ratio = median(timings.importIntoFreshArchive) / median(timings.copy);
    line('baseline: cp -r', describeTimings(timings.copy));
    line('cp -r then sync (durable, not budgeted)', describeTimings(timings.durableCopy));
    line('floor: read + SHA-256 each file', `${describeTimings(timings.hashEveryFile)} (${formatRatio(median(timings.hashEveryFile) / median(timings.copy))} cp on one core)`);
    line('import into a fresh archive', describeTimings(timings.importIntoFreshArchive));
    line('ratio import / cp', formatRatio(ratio));
    const check = budget('5 folder import', 'import / cp', ratio, IMPORT_BUDGET_RATIO, formatRatio);
    console.log(`   ${describeCheck(check)}`);
    return [check];
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}
