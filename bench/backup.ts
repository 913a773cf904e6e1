/**
 * Issue 10 budgets for backups: a full backup (online database snapshot, every file read, SHA-256
 * checked against the database, written durably into the content store, manifest) within 2x of
 * `cp -r` of the same archive folder, measured on the phantom archive and on a generated ~2 GB
 * archive of 10,000 objects; and a second backup with nothing new over those 10,000 files in under
 * a second. The generated objects are random bytes recorded as instances (the backup does not parse
 * DICOM: it copies what the database records), so the archive is made in seconds.
 * The backup is durable (flushed to disk before its manifest is written); `cp -r` is not: where the
 * page cache holds the whole copy, the ratio measures the disk against memory. The same copy
 * followed by `sync -f` is printed beside it as the durable baseline.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ArchiveStore } from '../main/archive/archiveStore.js';
import { sha256Hex } from '../main/archive/archiveWriterPool.js';
import { backupArchive } from '../main/backup/backupArchive.js';
import { importFolder } from '../main/import/folderImport.js';
import { qrmPhantomDir } from './qrmPhantom.js';
import { budget, describeCheck, describeTimings, formatMs, formatRatio, heading, line, median, type BudgetCheck } from './stats.js';

const run = promisify(execFile);
export const BACKUP_BUDGET_RATIO = 2;
export const INCREMENTAL_BUDGET_MS = 1000;
const GENERATED_OBJECTS = 10_000;
const GENERATED_OBJECT_BYTES = 200 * 1024;

export async function benchBackup(): Promise<BudgetCheck[]> {
  const scratch = await mkdtemp(join(tmpdir(), 'cac-bench-backup-'));
  const removeOnSignal = (signal: NodeJS.Signals) => {
    void rm(scratch, { recursive: true, force: true }).finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
  };
  process.once('SIGINT', removeOnSignal);
  process.once('SIGTERM', removeOnSignal);
  const checks: BudgetCheck[] = [];
  try {
    heading(`11a. backup of the phantom archive vs cp -r of the same archive folder (${qrmPhantomDir})`);
    const phantomArchive = join(scratch, 'phantom-archive');
    const store = ArchiveStore.open(phantomArchive);
    await store.recover();
    await importFolder(store, qrmPhantomDir);
    store.close();
    checks.push(await compareWithCopy('11a phantom backup', phantomArchive, scratch, { warmupRuns: 1, runs: 5 }));

    heading(`11b. backup of a generated archive (${GENERATED_OBJECTS.toLocaleString('en')} objects, ${((GENERATED_OBJECTS * GENERATED_OBJECT_BYTES) / 1e9).toFixed(2)} GB) vs cp -r`);
    const generated = join(scratch, 'generated-archive');
    const generateStart = performance.now();
    await generateArchive(generated, GENERATED_OBJECTS, GENERATED_OBJECT_BYTES);
    line('generated', formatMs(performance.now() - generateStart));
    checks.push(await compareWithCopy('11b 2 GB backup', generated, scratch, { warmupRuns: 0, runs: 2 }));

    heading(`11c. a second backup with nothing new, ${GENERATED_OBJECTS.toLocaleString('en')} files`);
    const target = join(scratch, 'incremental-backup');
    const first = await backupArchive(generated, target);
    line('first backup', `${formatMs(first.durationMs)} (${first.copied.files} files copied)`);
    const timings: number[] = [];
    for (let index = 0; index < 5; index++) {
      const start = performance.now();
      const again = await backupArchive(generated, target);
      timings.push(performance.now() - start);
      if (again.copied.files !== 0 || again.reused.files !== GENERATED_OBJECTS) throw new Error(`the incremental backup copied ${again.copied.files} files`);
    }
    line('incremental backup, nothing new', describeTimings(timings));
    const check = budget('11c incremental backup', `nothing new over ${GENERATED_OBJECTS} files`, median(timings), INCREMENTAL_BUDGET_MS, formatMs);
    console.log(`   ${describeCheck(check)}`);
    checks.push(check);
    return checks;
  } finally {
    process.off('SIGINT', removeOnSignal);
    process.off('SIGTERM', removeOnSignal);
    await rm(scratch, { recursive: true, force: true });
  }
}

/** Interleaved cp -r and full backups into fresh folders (each removed before the next run, not timed). */
async function compareWithCopy(name: string, archive: string, scratch: string, { warmupRuns, runs }: { warmupRuns: number; runs: number }): Promise<BudgetCheck> {
  const copyTimes: number[] = [];
  const durableCopyTimes: number[] = [];
  const backupTimes: number[] = [];
  let bytes = 0;
  for (let round = 0; round < warmupRuns + runs; round++) {
    const copyTarget = join(scratch, `copy-${round}`);
    let start = performance.now();
    await run('cp', ['-r', archive, copyTarget]);
    const copyMs = performance.now() - start;
    await rm(copyTarget, { recursive: true, force: true });
    // The same copy made durable as the backup makes it (cp -r leaves it in the page cache).
    start = performance.now();
    await run('cp', ['-r', archive, copyTarget]);
    await run('sync', ['-f', copyTarget]);
    const durableCopyMs = performance.now() - start;
    await rm(copyTarget, { recursive: true, force: true });
    const backupTarget = join(scratch, `backup-${round}`);
    start = performance.now();
    const summary = await backupArchive(archive, backupTarget);
    const backupMs = performance.now() - start;
    bytes = summary.totalBytes;
    await rm(backupTarget, { recursive: true, force: true });
    if (round >= warmupRuns) {
      copyTimes.push(copyMs);
      durableCopyTimes.push(durableCopyMs);
      backupTimes.push(backupMs);
    }
  }
  const ratio = median(backupTimes) / median(copyTimes);
  line('baseline: cp -r', `${describeTimings(copyTimes)}, ${((bytes / 1e6) / (median(copyTimes) / 1000)).toFixed(0)} MB/s`);
  line('cp -r then sync -f (not budgeted)', `${describeTimings(durableCopyTimes)}, ${((bytes / 1e6) / (median(durableCopyTimes) / 1000)).toFixed(0)} MB/s`);
  line('backup (SHA-256 checked, fsync)', `${describeTimings(backupTimes)}, ${((bytes / 1e6) / (median(backupTimes) / 1000)).toFixed(0)} MB/s`);
  line('ratio backup / cp', formatRatio(ratio));
  line('ratio backup / (cp + sync)', formatRatio(median(backupTimes) / median(durableCopyTimes)));
  const check = budget(name, 'backup / cp -r', ratio, BACKUP_BUDGET_RATIO, formatRatio);
  console.log(`   ${describeCheck(check)}`);
  return check;
}

/** An archive of random objects recorded as instances (one patient, study and series), written as fast as the disk takes them. */
async function generateArchive(root: string, objects: number, objectBytes: number): Promise<void> {
  const store = ArchiveStore.open(root);
  try {
    const now = new Date().toISOString();
    const studyUid = '2.25.1000';
    const seriesUid = '2.25.1000.1';
    const folder = join(root, 'studies', studyUid, seriesUid);
    await mkdir(folder, { recursive: true });
    const rows: Array<{ uid: string; path: string; sha256: string }> = [];
    for (let index = 0; index < objects; index++) {
      const bytes = randomBytes(objectBytes);
      const uid = `2.25.1000.1.${index + 1}`;
      const path = `studies/${studyUid}/${seriesUid}/${uid}.dcm`;
      await writeFile(join(root, path), bytes);
      rows.push({ uid, path, sha256: sha256Hex(bytes) });
    }
    store.db.transaction(() => {
      const patient = store.db.prepare(`INSERT INTO patients (patient_id, patient_name, created_at) VALUES ('BENCH', 'BENCH^BACKUP', ?)`).run(now).lastInsertRowid;
      const study = store.db.prepare(`INSERT INTO studies (study_instance_uid, patient_ref, received_at, last_received_at) VALUES (?, ?, ?, ?)`).run(studyUid, patient, now, now).lastInsertRowid;
      const series = store.db.prepare(`INSERT INTO series (series_instance_uid, study_ref, modality, created_at) VALUES (?, ?, 'CT', ?)`).run(seriesUid, study, now).lastInsertRowid;
      const insert = store.db.prepare(
        `INSERT INTO instances (sop_instance_uid, series_ref, sop_class_uid, transfer_syntax_uid, path, size_bytes, sha256, received_at) VALUES (?, ?, '1.2.840.10008.5.1.4.1.1.2', '1.2.840.10008.1.2.1', ?, ?, ?, ?)`,
      );
      for (const row of rows) insert.run(row.uid, series, row.path, objectBytes, row.sha256, now);
    })();
  } finally {
    store.close();
  }
}
