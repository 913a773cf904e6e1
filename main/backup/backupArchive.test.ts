/**
 * Backup, verify and restore on a real archive (SQLite file and folder, a generated series
 * imported through the folder import, a quarantined file, a signed report's files and the
 * outbound copy made from them).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { readMigrations } from '../../db/archiveDatabase.js';
import { ReportRepository } from '../../db/reportRepository.js';
import { ArchiveStore } from '../archive/archiveStore.js';
import { importFolder } from '../import/folderImport.js';
import { writeSyntheticDemoPhantom } from '../demo/syntheticDemoPhantom.js';
import { sampleReportContent } from '../../test/support/reportFixture.js';
import { makeTempDir } from '../../test/support/tempDir.js';
import { backupArchive, sha256Hex } from './backupArchive.js';
import { BackupError } from './backupError.js';
import type { BackupProgress } from './backupContract.js';
import { completeSnapshots, contentPath, readManifest, snapshotDir } from './backupLayout.js';
import { restoreArchive } from './restoreArchive.js';
import { verifyBackup } from './verifyBackup.js';
import { verifyAuditChain } from '../audit/verifyAuditChain.js';

let temp: { dir: string; remove: () => Promise<void> };
let store: ArchiveStore;
let archiveDir: string;
let backupDir: string;

async function importGeneratedSeries(): Promise<number> {
  const dir = join(temp.dir, `series-${Date.now()}-${Math.random().toString(16).slice(2)}`);
  await mkdir(dir);
  const series = await writeSyntheticDemoPhantom(dir);
  const summary = await importFolder(store, dir);
  expect(summary.counts.stored).toBe(series.slices.length);
  return summary.counts.stored;
}

/** A signed report version's files and the outbound queue's copy of its SR, as the report service leaves them. */
async function addSignedReport(): Promise<{ pdf: Buffer; sr: Buffer }> {
  const reports = new ReportRepository(store.db);
  const content = sampleReportContent();
  const report = reports.findOrCreate({ studyInstanceUid: content.study.studyInstanceUid, seriesInstanceUid: content.series.seriesInstanceUid, patientId: content.patient.patientId });
  reports.saveDraft(report.id, content, 'Dr Reader');
  const folder = join(archiveDir, 'reports', String(report.id), 'v1');
  await mkdir(folder, { recursive: true });
  const pdf = Buffer.from(`%PDF-1.7 report ${report.id}\n${'x'.repeat(5000)}`);
  const sr = Buffer.concat([Buffer.alloc(128), Buffer.from('DICM'), Buffer.from(`structured report ${report.id}`)]);
  await writeFile(join(folder, 'report.pdf'), pdf);
  await writeFile(join(folder, 'report-sr.dcm'), sr);
  await writeFile(join(folder, 'report-pdf.dcm'), Buffer.concat([sr, pdf]));
  reports.sign(report.id, 1, { signedBy: 'Dr Reader', signerRole: 'radiologist', signedAt: new Date().toISOString(), contentSha256: 'a'.repeat(64) });
  await mkdir(join(archiveDir, 'outbound'), { recursive: true });
  await writeFile(join(archiveDir, 'outbound', '1.2.3.4.dcm'), sr);
  const now = new Date().toISOString();
  store.db
    .prepare(
      `INSERT INTO outbound_items (sop_instance_uid, sop_class_uid, study_instance_uid, transfer_syntax_uid, destination, destination_node, path, size_bytes, sha256, status, next_attempt_at, created_at, updated_at, report_id, report_version)
       VALUES ('1.2.3.4', '1.2.840.10008.5.1.4.1.1.88.33', ?, '1.2.840.10008.1.2.1', 'PACS', '{}', 'outbound/1.2.3.4.dcm', ?, ?, 'queued', ?, ?, ?, ?, 1)`,
    )
    .run(content.study.studyInstanceUid, sr.length, sha256Hex(sr), now, now, now, report.id);
  return { pdf, sr };
}

function instancePaths(): string[] {
  return store.db.prepare('SELECT path FROM instances ORDER BY path').pluck().all() as string[];
}

beforeEach(async () => {
  temp = await makeTempDir('backup');
  archiveDir = join(temp.dir, 'data', 'archive');
  backupDir = join(temp.dir, 'backup');
  store = ArchiveStore.open(archiveDir);
  await store.recover();
  await importGeneratedSeries();
  await store.ingest(new Uint8Array(Buffer.from('not a DICOM object at all')), { name: 'notes.txt', source: 'test' });
});

afterEach(async () => {
  store.close();
  await temp.remove();
});

describe('backupArchive', () => {
  it('takes a snapshot with a manifest of every file, its hash, the counts and versions, owner-only', async () => {
    const { pdf } = await addSignedReport();
    const events: BackupProgress[] = [];
    const summary = await backupArchive(store, backupDir, { actor: 'workstation service (test)', onProgress: (progress) => events.push(progress) });
    const manifest = await readManifest(backupDir, summary.snapshot);
    const kinds = manifest.files.reduce<Record<string, number>>((counts, file) => ({ ...counts, [file.kind]: (counts[file.kind] ?? 0) + 1 }), {});
    expect(kinds).toEqual({ report: 3, instance: 8, quarantine: 1, outbound: 1 });
    expect(manifest).toMatchObject({ format: 'cac-backup/1', createdBy: 'workstation service (test)', schemaVersion: readMigrations().length, appVersion: expect.stringMatching(/^\d+\.\d+/) });
    expect(manifest.tables).toMatchObject({ instances: 8, quarantine: 1, reports: 1, report_versions: 1, outbound_items: 1 });
    expect(manifest.totalBytes).toBe(manifest.files.reduce((sum, file) => sum + file.sizeBytes, manifest.database.sizeBytes));
    // The SR and its outbound copy are one file in the store.
    expect(summary.copied.files).toBe(12);
    expect(summary.reused.files).toBe(1);
    const pdfEntry = manifest.files.find((file) => file.path.endsWith('/report.pdf'))!;
    expect(readFileSync(contentPath(backupDir, pdfEntry.sha256))).toEqual(pdf);
    for (const path of [backupDir, join(backupDir, 'files'), snapshotDir(backupDir, summary.snapshot)]) expect(statSync(path).mode & 0o777).toBe(0o700);
    for (const file of [contentPath(backupDir, pdfEntry.sha256), join(snapshotDir(backupDir, summary.snapshot), 'archive.sqlite'), join(snapshotDir(backupDir, summary.snapshot), 'manifest.json')]) {
      expect(statSync(file).mode & 0o777).toBe(0o600);
    }
    // A self-contained database file: no journal beside it.
    expect(readdirSync(snapshotDir(backupDir, summary.snapshot)).sort()).toEqual(['archive.sqlite', 'manifest.json']);
    expect(events[0].phase).toBe('database');
    expect(events.at(-1)).toMatchObject({ phase: 'manifest', filesDone: 13, filesTotal: 13 });
    expect(events.at(-1)!.bytesDone).toBe(events.at(-1)!.bytesTotal);
    expect(existsSync(join(backupDir, 'backup.lock'))).toBe(false);
  });

  it('copies only new files the second time, and keeps the earlier snapshot', async () => {
    const first = await backupArchive(store, backupDir);
    const again = await backupArchive(store, backupDir);
    expect(again.copied).toEqual({ files: 0, bytes: 0 });
    expect(again.reused.files).toBe(first.files);
    const added = await importGeneratedSeries();
    const third = await backupArchive(store, backupDir);
    expect(third.copied.files).toBe(added);
    expect(third.files).toBe(first.files + added);
    expect(await completeSnapshots(backupDir)).toEqual([first.snapshot, again.snapshot, third.snapshot]);
    expect((await verifyBackup(backupDir, { snapshot: first.snapshot })).ok).toBe(true);
  });

  it('stops with the file named when an archived file is missing or does not match its hash, and keeps no snapshot', async () => {
    const [missing, damaged] = instancePaths();
    await rm(join(archiveDir, missing));
    const bytes = await readFile(join(archiveDir, damaged));
    bytes[bytes.length - 1] ^= 0xff;
    await writeFile(join(archiveDir, damaged), bytes);
    const failure = await backupArchive(store, backupDir).catch((reason: unknown) => reason);
    expect(failure).toBeInstanceOf(BackupError);
    expect((failure as BackupError).code).toBe('files-damaged');
    expect((failure as BackupError).problems).toEqual(
      expect.arrayContaining([`${missing}: the file is missing from the archive folder`, expect.stringMatching(new RegExp(`^${damaged.replace(/\./g, '\\.')}: its content does not match the SHA-256`))]),
    );
    expect(await completeSnapshots(backupDir)).toEqual([]);
    expect(readdirSync(join(backupDir, 'snapshots'))).toEqual([]);
  });

  it('refuses a backup folder inside the archive (or the archive inside it)', async () => {
    for (const folder of [join(archiveDir, 'backup'), temp.dir]) {
      const refused = await backupArchive(store, folder).catch((reason: unknown) => reason);
      expect(refused).toMatchObject({ code: 'bad-folder', message: expect.stringContaining('must be apart') });
    }
    expect(existsSync(join(archiveDir, 'backup'))).toBe(false);
  });

  it('refuses a second backup into the same folder while one runs', async () => {
    const results = await Promise.allSettled([backupArchive(store, backupDir), backupArchive(archiveDir, backupDir)]);
    const refused = results.filter((result) => result.status === 'rejected');
    expect(refused).toHaveLength(1);
    expect(((refused[0] as PromiseRejectedResult).reason as BackupError).code).toBe('busy');
  });

  it('is cancelled by its signal and keeps no snapshot', async () => {
    const controller = new AbortController();
    const failure = await backupArchive(store, backupDir, { signal: controller.signal, onProgress: (progress) => progress.phase === 'files' && controller.abort() }).catch((reason: unknown) => reason);
    expect((failure as BackupError).code).toBe('cancelled');
    expect(await completeSnapshots(backupDir)).toEqual([]);
  });
});

describe('verifyBackup', () => {
  it('passes a good backup and names each tampered, missing or inconsistent file', async () => {
    await addSignedReport();
    const summary = await backupArchive(store, backupDir);
    const good = await verifyBackup(backupDir);
    expect(good).toMatchObject({ ok: true, snapshot: summary.snapshot, problems: [], filesChecked: summary.files });
    const manifest = await readManifest(backupDir, summary.snapshot);
    const [tampered, removed] = manifest.files.filter((file) => file.kind === 'instance');
    const bytes = readFileSync(contentPath(backupDir, tampered.sha256));
    bytes[200] ^= 0x01;
    await writeFile(contentPath(backupDir, tampered.sha256), bytes);
    await rm(contentPath(backupDir, removed.sha256));
    const bad = await verifyBackup(backupDir);
    expect(bad.ok).toBe(false);
    expect(bad.problems).toEqual(
      expect.arrayContaining([expect.stringMatching(new RegExp(`^${tampered.path.replace(/\./g, '\\.')}: damaged in the backup`)), expect.stringMatching(new RegExp(`^${removed.path.replace(/\./g, '\\.')}: missing from the backup`))]),
    );
    expect(bad.problems).toHaveLength(2);
  });

  it('finds a manifest that does not describe its database', async () => {
    const summary = await backupArchive(store, backupDir);
    const manifestFile = join(snapshotDir(backupDir, summary.snapshot), 'manifest.json');
    const manifest = JSON.parse(readFileSync(manifestFile, 'utf8'));
    manifest.tables.instances = 7;
    manifest.files = manifest.files.filter((file: { kind: string }) => file.kind !== 'quarantine');
    await writeFile(manifestFile, JSON.stringify(manifest));
    const result = await verifyBackup(backupDir);
    expect(result.problems).toEqual(
      expect.arrayContaining(['table instances: 8 rows in the snapshot database, the manifest lists 7', expect.stringMatching(/^quarantine\/.*: recorded in the database but not in the manifest$/)]),
    );
  });

  it('finds audit entries removed from the snapshot even when the manifest was made to match the database', async () => {
    store.audit.record({ actor: 'test', action: 'study-opened', subject: '1.2.3' });
    const summary = await backupArchive(store, backupDir);
    const folder = snapshotDir(backupDir, summary.snapshot);
    const db = new Database(join(folder, 'archive.sqlite'));
    db.exec('DROP TRIGGER audit_events_no_delete');
    db.exec('DELETE FROM audit_events WHERE id = (SELECT max(id) FROM audit_events)');
    db.close();
    // Someone who also rewrites the manifest's database hash and counts: the chain head still tells.
    const manifestFile = join(folder, 'manifest.json');
    const manifest = JSON.parse(readFileSync(manifestFile, 'utf8'));
    const bytes = readFileSync(join(folder, 'archive.sqlite'));
    manifest.database = { ...manifest.database, sizeBytes: bytes.length, sha256: sha256Hex(bytes) };
    manifest.tables.audit_events -= 1;
    await writeFile(manifestFile, JSON.stringify(manifest));
    const result = await verifyBackup(backupDir);
    expect(result.ok).toBe(false);
    expect(result.problems.join('\n')).toMatch(/^audit trail: the snapshot database's chain ends at entry \d+ .*entries were removed or changed/m);
    expect(result.problems.join('\n')).toMatch(/^audit trail in the snapshot: /m);
  });

  it('says when the folder holds no backup', async () => {
    const result = await verifyBackup(join(temp.dir, 'nothing-here'));
    expect(result).toMatchObject({ ok: false, snapshot: null });
    expect(result.problems[0]).toMatch(/holds no complete backup/);
  });
});

describe('restoreArchive', () => {
  it('restores byte for byte into a fresh install, opens it and audits the restore', async () => {
    await addSignedReport();
    await writeFile(join(temp.dir, 'data', 'settings.json'), JSON.stringify({ readerName: 'Dr Reader', archiveFolder: null }));
    const summary = await backupArchive(store, backupDir, { settingsFile: join(temp.dir, 'data', 'settings.json') });
    const target = join(temp.dir, 'restored', 'archive');
    const restored = await restoreArchive(backupDir, { archiveDir: target, dataDir: join(temp.dir, 'restored'), actor: 'workstation service (test)' });
    expect(restored).toMatchObject({ snapshot: summary.snapshot, files: summary.files, movedAside: null, settingsRestored: true });
    for (const path of [...instancePaths(), 'reports/1/v1/report.pdf', 'reports/1/v1/report-sr.dcm', 'outbound/1.2.3.4.dcm']) {
      expect(readFileSync(join(target, path)), path).toEqual(readFileSync(join(archiveDir, path)));
    }
    expect(statSync(join(target, instancePaths()[0])).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(join(temp.dir, 'restored', 'settings.json'), 'utf8'))).toEqual({ readerName: 'Dr Reader', archiveFolder: null });
    const reopened = ArchiveStore.open(target);
    try {
      expect(reopened.instances.instancePaths().size).toBe(8);
      expect(reopened.audit.list(1)[0]).toMatchObject({ actor: 'workstation service (test)', action: 'archive-restored', details: { snapshot: summary.snapshot } });
      const original = store.db.prepare('SELECT count(*) FROM audit_events').pluck().get() as number;
      expect(reopened.db.prepare('SELECT count(*) FROM audit_events').pluck().get()).toBe(original + 1);
      expect(verifyAuditChain(reopened.db, reopened.audit.headFile)).toMatchObject({ ok: true, entries: original + 1 });
    } finally {
      reopened.close();
    }
  });

  it('refuses a non-empty archive unless forced, and then moves it aside', async () => {
    await backupArchive(store, backupDir);
    const target = join(temp.dir, 'other', 'archive');
    await mkdir(target, { recursive: true });
    await writeFile(join(target, 'archive.sqlite'), 'something');
    const refused = await restoreArchive(backupDir, { archiveDir: target, actor: 'test' }).catch((reason: unknown) => reason);
    expect(refused).toMatchObject({ code: 'not-empty', message: expect.stringContaining('add --force') });
    const forced = await restoreArchive(backupDir, { archiveDir: target, actor: 'test', force: true });
    expect(forced.movedAside).toMatch(/archive\.before-restore-/);
    expect(readFileSync(join(forced.movedAside!, 'archive.sqlite'), 'utf8')).toBe('something');
    expect(readdirSync(join(target, 'studies'))).toHaveLength(1);
  });

  it('refuses a backup from a newer workstation with a clear message, and a damaged one, restoring nothing', async () => {
    const summary = await backupArchive(store, backupDir);
    const folder = snapshotDir(backupDir, summary.snapshot);
    const known = readMigrations().length;
    const db = new Database(join(folder, 'archive.sqlite'));
    db.pragma(`user_version = ${known + 1}`);
    db.close();
    const target = join(temp.dir, 'newer', 'archive');
    const refused = await restoreArchive(backupDir, { archiveDir: target, actor: 'test' }).catch((reason: unknown) => reason);
    expect(refused).toMatchObject({ code: 'newer-schema', message: expect.stringContaining(`archive database version ${known + 1}; this workstation`) });
    expect((refused as Error).message).toContain(`knows versions up to ${known}`);
    expect(existsSync(target)).toBe(false);

    const db2 = new Database(join(folder, 'archive.sqlite'));
    db2.pragma(`user_version = ${known}`);
    db2.close();
    const damaged = await restoreArchive(backupDir, { archiveDir: target, actor: 'test' }).catch((reason: unknown) => reason);
    expect(damaged).toMatchObject({ code: 'files-damaged' });
    expect((damaged as BackupError).problems[0]).toMatch(/archive\.sqlite: the database does not match the SHA-256 in the manifest/);
    expect(existsSync(target)).toBe(false);
  });
});
