/**
 * Backup and restore across processes, on an archive filled through the real paths: folder import
 * of generated series (and of the shared QRM phantom when present), objects received from dcmtk
 * storescu, a reading with assignments, a signed report with its PDF and SR (and its outbound copy
 * for an unreachable PACS), a dose record and procedure notes. `cac backup` runs as its own process
 * WHILE storescu is sending to the app; `cac restore` puts the snapshot into a new data directory;
 * the restored workstation is compared with the original: studies, objects, scores, the signed
 * report byte for byte, dose, notes and every audit entry, and its audit chain verifies.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createServices, type WorkstationServices } from '../../main/api/createServices.js';
import { createApiHandlers } from '../../main/api/handlers.js';
import type { ReportSummary } from '../../main/api/contract.js';
import { startDicomReceiver, type DicomReceiver } from '../../main/dimse/dicomReceiver.js';
import { importFolder } from '../../main/import/folderImport.js';
import { emptyChecklist } from '../../main/notes/procedureChecklist.js';
import { verifyAuditChain } from '../../main/audit/verifyAuditChain.js';
import { completeSnapshots, contentPath, readManifest, snapshotDir, type BackupManifest } from '../../main/backup/backupLayout.js';
import { readMigrations } from '../../db/archiveDatabase.js';
import { writePhantomSeries, type PhantomSeries } from '../phantom/syntheticPhantom.js';
import { haveTool, projectRoot, qrmPhantomDir } from '../support/sharedData.js';
import { makeTempDir } from '../support/tempDir.js';
import { call, type Handlers } from '../support/apiCalls.js';
import { signedIn, TEST_PASSWORD } from '../support/accounts.js';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function cac(args: string[], env: NodeJS.ProcessEnv = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', 'main/cli/cac.ts', ...args], { cwd: projectRoot, maxBuffer: 64 * 1024 * 1024, env: { ...process.env, ...env } }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
    });
  });
}

function storescu(port: number, files: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile('storescu', ['-aet', 'STORESCU', '-aec', 'CACWS', '127.0.0.1', String(port), ...files], { maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
    });
  });
}

const PATIENT = { patientName: 'BACKUP^PAT', patientId: 'BKP-0001' };

function writeSeries(dir: string, slices: number, extra: Record<string, unknown> = {}): Promise<PhantomSeries> {
  return writePhantomSeries(dir, {
    rows: 96,
    columns: 96,
    pixelSpacingMm: [0.5, 0.5],
    slices,
    sliceThicknessMm: 3,
    sliceIncrementMm: 3,
    backgroundHu: 40,
    noiseSdHu: 5,
    ...PATIENT,
    objects: [{ kind: 'box', centerMm: [20.25, 20.25, 9], sizeMm: [4, 4, 9], hu: 450 }],
    extraAttributes: { StudyDate: '20251120', PatientBirthDate: '19600310', PatientSex: 'M' },
    ...extra,
  });
}

const rowsOf = (db: Database.Database, sql: string) => db.prepare(sql).all();

describe.skipIf(!haveTool('storescu'))('backup while receiving, restore into a new data directory (cac backup / cac restore)', () => {
  let temp: { dir: string; remove: () => Promise<void> };
  let services: WorkstationServices;
  let handlers: Handlers;
  let receiver: DicomReceiver;
  let imported: PhantomSeries;
  let report: ReportSummary;
  let backupDir: string;
  let duringSend: { manifest: BackupManifest; before: number; after: number };
  let restored: { services: WorkstationServices; handlers: Handlers; dataDir: string } | undefined;

  beforeAll(async () => {
    temp = await makeTempDir('backup-restore');
    backupDir = join(temp.dir, 'backup');
    services = await createServices(join(temp.dir, 'data'), { demoStudy: false });
    handlers = await signedIn(createApiHandlers(services), services);
    // Folder import: a generated series (and the shared QRM phantom when it is there).
    imported = await writeSeries(join(temp.dir, 'imported'), 8);
    expect((await importFolder(services.store, imported.dir)).counts.stored).toBe(8);
    if (existsSync(qrmPhantomDir)) expect((await importFolder(services.store, qrmPhantomDir)).counts.stored).toBeGreaterThan(0);
    receiver = await startDicomReceiver(services.store, {
      aeTitle: 'CACWS',
      port: 0,
      host: '127.0.0.1',
      allowedCallingAeTitles: ['STORESCU'],
      maxAssociations: 4,
      maxPduLength: 64 * 1024,
      maxObjectBytes: 64 * 1024 * 1024,
      log: () => undefined,
    });
    // The receiver: one study sent by storescu before the backups.
    const received = await writeSeries(join(temp.dir, 'received'), 12);
    expect((await storescu(receiver.port, received.files)).code).toBe(0);

    // A reading with assignments, its report signed (PDF, SR, Encapsulated PDF), queued for an unreachable PACS.
    const reading = await call(handlers, 'reading.open', { studyInstanceUid: imported.studyInstanceUid, seriesInstanceUid: imported.seriesInstanceUid });
    await call(handlers, 'reading.assign', { readingId: reading.readingId, revision: reading.revision, assignment: { artery: 'LAD', point: [20.3, 20.3, 9], scope: 'lesion' } });
    await call(handlers, 'notes.save', { studyInstanceUid: imported.studyInstanceUid, baseVersion: 0, checklist: { ...emptyChecklist(), anxiety: { present: true, whatHelped: 'music' } } });
    await call(handlers, 'dose.recordManual', { studyInstanceUid: imported.studyInstanceUid, events: [{ ctdivolMgy: 3.2, dlpMgyCm: 48.5, kvp: 120, protocol: 'Calcium score', phantom: 'body-32' }], comment: 'RDSR not sent' });
    await call(handlers, 'settings.update', { patch: { pacsNodes: [{ name: 'Hospital PACS', aeTitle: 'PACS', host: '127.0.0.1', port: 1 }], report: { sendTo: ['Hospital PACS'] } } });
    const draft = (await call(handlers, 'report.draft', { readingId: reading.readingId })).report;
    report = (await call(handlers, 'report.sign', { reportId: draft.reportId, version: draft.current.version, contentSha256: draft.currentSha256, password: TEST_PASSWORD })).report;
    expect(report.current.status).toBe('signed');
  }, 180_000);

  afterAll(async () => {
    await restored?.handlers.shutdown();
    await restored?.services.close();
    await receiver?.close();
    await handlers?.shutdown();
    await services?.close();
    await temp?.remove();
  });

  const instanceCount = () => services.store.db.prepare('SELECT count(*) FROM instances').pluck().get() as number;

  it('backs up with cac backup while storescu is sending: the snapshot is consistent and takes nothing that came after it', async () => {
    // New studies keep arriving, one association after another, for as long as the backup runs.
    const pending: PhantomSeries[] = [];
    for (let index = 0; index < 16; index++) pending.push(await writeSeries(join(temp.dir, `sending-${index}`), 16));
    let backupRunning = true;
    let sent = 0;
    const sending = (async () => {
      while (backupRunning && sent < pending.length) {
        expect((await storescu(receiver.port, pending[sent++].files)).code).toBe(0);
      }
    })();
    while (instanceCount() < 20 + 16) await new Promise((resolve) => setTimeout(resolve, 10)); // the first sent series is in
    const before = instanceCount();
    const run = await cac(['backup', backupDir, '--archive', services.store.root, '--json']);
    const after = instanceCount();
    backupRunning = false;
    await sending;
    expect(run.code).toBe(0);
    // Progress on stderr (a line per 10% when it is not a terminal); stdout is the one JSON object.
    expect(run.stderr).toMatch(/backing up 100% {2}\d+\/\d+ files/);
    const summary = JSON.parse(run.stdout);
    const manifest = await readManifest(backupDir, summary.snapshot);
    duringSend = { manifest, before, after };
    const instances = manifest.files.filter((file) => file.kind === 'instance');
    // The receiver stored objects while the backup ran, and the snapshot is a moment in between.
    expect(after).toBeGreaterThan(before);
    expect(instances.length).toBeGreaterThanOrEqual(before);
    expect(instances.length).toBeLessThanOrEqual(after);
    expect(manifest.tables.instances).toBe(instances.length);
    expect(manifest.files.filter((file) => file.kind === 'report').map((file) => file.path.split('/').pop()).sort()).toEqual(
      expect.arrayContaining(['report-pdf.dcm', 'report-sr.dcm', 'report.pdf']),
    );
    expect(manifest.files.some((file) => file.kind === 'outbound')).toBe(true);
    expect(manifest.files.some((file) => file.kind === 'settings')).toBe(true);
    expect(manifest.createdBy).toMatch(/^workstation service \(cac backup, run by .+\)$/);
    expect(manifest.auditChainHead?.hash).toMatch(/^[0-9a-f]{64}$/);
    // The backup is in the audit, named as the service identity that ran it.
    expect(services.store.audit.list(50).find((entry) => entry.action === 'backup-made')).toMatchObject({ actor: manifest.createdBy, subject: backupDir, outcome: 'success' });
    for (const file of instances.slice(0, 20)) expect(readFileSync(contentPath(backupDir, file.sha256))).toEqual(readFileSync(join(services.store.root, file.path)));
  }, 180_000);

  it('a second backup copies only what arrived since, and cac backup verify finds it whole', async () => {
    const run = await cac(['backup', backupDir, '--archive', services.store.root, '--json']);
    expect(run.code).toBe(0);
    const summary = JSON.parse(run.stdout);
    const newInstances = instanceCount() - duringSend.manifest.tables.instances;
    expect(summary.copied.files).toBe(newInstances);
    expect(summary.reused.files).toBe(duringSend.manifest.files.length);
    const verify = await cac(['backup', 'verify', backupDir]);
    expect(verify.code).toBe(0);
    expect(verify.stdout).toMatch(/is whole: snapshot .* files .* present with their SHA-256, manifest consistent with the database/);
  }, 120_000);

  it('cac restore refuses the running archive, then restores the snapshot taken during the send into a new data directory', async () => {
    const refused = await cac(['restore', backupDir, '--archive', services.store.root]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/is not empty .*add --force/);

    const dataDir = join(temp.dir, 'restored-data');
    const run = await cac(['restore', backupDir, '--data-dir', dataDir, '--snapshot', duringSend.manifest.snapshot]);
    expect(run.stderr).toMatch(/^acting as workstation service \(cac restore, run by .+\)/);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`Restored snapshot ${duringSend.manifest.snapshot}`);
    expect(run.stdout).toContain('the archive opened and checked cleanly');

    const restoredServices = await createServices(dataDir, { demoStudy: false });
    // The accounts came back with the archive: the same person logs in with the same password.
    restored = { services: restoredServices, handlers: await signedIn(createApiHandlers(restoredServices), restoredServices), dataDir };
    expect(restoredServices.store.root).toBe(join(dataDir, 'archive'));
    expect(restoredServices.settings.get().pacsNodes.map((node) => node.name)).toEqual(['Hospital PACS']);
  }, 120_000);

  it('the restored workstation has every study, object, score, signed report, dose record, note and audit entry of the snapshot', async () => {
    const live = services.store.db;
    const back = restored!.services.store.db;
    const snapshot = new Database(join(snapshotDir(backupDir, duringSend.manifest.snapshot), 'archive.sqlite'), { readonly: true });
    try {
      // Objects: exactly the snapshot's, byte for byte; nothing that arrived after it.
      const instancesSql = 'SELECT sop_instance_uid, path, sha256, size_bytes FROM instances ORDER BY sop_instance_uid';
      expect(rowsOf(back, instancesSql)).toEqual(rowsOf(snapshot, instancesSql));
      expect((rowsOf(back, instancesSql) as unknown[]).length).toBeLessThan(instanceCount());
      for (const row of rowsOf(back, instancesSql) as Array<{ path: string }>) {
        expect(readFileSync(join(restored!.services.store.root, row.path)).equals(readFileSync(join(services.store.root, row.path))), row.path).toBe(true);
      }
      // Studies, series and every table that does not grow with receiving: as in the live archive.
      for (const sql of [
        'SELECT * FROM patients ORDER BY id',
        'SELECT * FROM readings ORDER BY id',
        'SELECT * FROM reports ORDER BY id',
        'SELECT * FROM report_versions ORDER BY id',
        'SELECT * FROM dose_records ORDER BY id',
        'SELECT * FROM procedure_notes ORDER BY id',
        // The restored queue resumes sending (attempts move on): what is queued, for whom, is the same.
        'SELECT id, sop_instance_uid, path, sha256, size_bytes, destination, report_id, report_version FROM outbound_items ORDER BY id',
        'SELECT * FROM users ORDER BY id',
      ]) {
        expect(rowsOf(back, sql), sql).toEqual(rowsOf(snapshot, sql));
      }
      const studies = (await call(handlers, 'studies.list', {})).studies;
      const restoredStudies = (await call(restored!.handlers, 'studies.list', {})).studies;
      const snapshotStudies = new Set(rowsOf(snapshot, 'SELECT study_instance_uid AS uid FROM studies').map((row) => (row as { uid: string }).uid));
      expect(restoredStudies.map((study) => study.studyInstanceUid).sort()).toEqual([...snapshotStudies].sort());
      // (A study is marked complete when nothing arrived for a while: either side may have done so since.)
      const withoutCompletion = ({ completeAt, ...study }: (typeof studies)[number]) => (void completeAt, study);
      expect(withoutCompletion(restoredStudies.find((study) => study.studyInstanceUid === imported.studyInstanceUid)!)).toEqual(
        withoutCompletion(studies.find((study) => study.studyInstanceUid === imported.studyInstanceUid)!),
      );
      const studiesSql = 'SELECT id, study_instance_uid, patient_ref, study_date, status, received_at, last_received_at FROM studies ORDER BY id';
      expect(rowsOf(back, studiesSql)).toEqual(rowsOf(snapshot, studiesSql));
      expect(rowsOf(back, 'SELECT * FROM series ORDER BY id')).toEqual(rowsOf(snapshot, 'SELECT * FROM series ORDER BY id'));

      // The reading's scores, the signed report and its files byte for byte.
      const liveReport = (await call(handlers, 'report.get', { seriesInstanceUid: imported.seriesInstanceUid })).report!;
      const backReport = (await call(restored!.handlers, 'report.get', { seriesInstanceUid: imported.seriesInstanceUid })).report!;
      expect(backReport.versions).toEqual(liveReport.versions);
      expect(backReport.current.content.scores.arteries.LAD.agatston).toBeGreaterThan(0);
      for (const name of ['report.pdf', 'report-sr.dcm', 'report-pdf.dcm']) {
        const path = join('reports', String(report.reportId), `v${report.current.version}`, name);
        expect(readFileSync(join(restored!.services.store.root, path)).equals(readFileSync(join(services.store.root, path))), path).toBe(true);
      }
      const livePdf = await call(handlers, 'report.pdf', { reportId: report.reportId, version: report.current.version });
      const backPdf = await call(restored!.handlers, 'report.pdf', { reportId: report.reportId, version: report.current.version });
      expect(Buffer.from(backPdf).equals(Buffer.from(livePdf))).toBe(true);
      for (const row of rowsOf(back, 'SELECT path FROM outbound_items') as Array<{ path: string }>) expect(existsSync(join(restored!.services.store.root, row.path))).toBe(true);

      // Dose and notes through the API.
      expect(await call(restored!.handlers, 'dose.get', { studyInstanceUid: imported.studyInstanceUid })).toMatchObject({ current: (await call(handlers, 'dose.get', { studyInstanceUid: imported.studyInstanceUid })).current });
      expect((await call(restored!.handlers, 'notes.get', { studyInstanceUid: imported.studyInstanceUid })).versions).toEqual((await call(handlers, 'notes.get', { studyInstanceUid: imported.studyInstanceUid })).versions);

      // Every audit entry of the snapshot, unchanged, then the restore itself; the chain verifies.
      const head = duringSend.manifest.auditChainHead!;
      const auditSql = `SELECT * FROM audit_events WHERE id <= ${head.count} ORDER BY id`;
      expect(rowsOf(back, auditSql)).toEqual(rowsOf(live, auditSql));
      expect(back.prepare(`SELECT actor, action FROM audit_events WHERE id = ${head.count + 1}`).get()).toEqual({ actor: expect.stringMatching(/^workstation service \(cac restore, run by /), action: 'archive-restored' });
      expect(verifyAuditChain(back, restored!.services.store.audit.headFile)).toMatchObject({ ok: true });
    } finally {
      snapshot.close();
    }
  }, 120_000);

  it('cac backup verify names a tampered file and exits 1', async () => {
    const victim = duringSend.manifest.files.find((file) => file.kind === 'instance')!;
    const stored = contentPath(backupDir, victim.sha256);
    const bytes = readFileSync(stored);
    bytes[bytes.length - 10] ^= 0x5a;
    await writeFile(stored, bytes);
    const run = await cac(['backup', 'verify', backupDir, '--snapshot', duringSend.manifest.snapshot]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('is not whole: 1 problem');
    expect(run.stderr).toContain(`${victim.path}: damaged in the backup`);
  }, 60_000);

  it('cac restore refuses a backup made by a newer workstation, saying what to install', async () => {
    const newest = (await completeSnapshots(backupDir)).at(-1)!;
    const db = new Database(join(snapshotDir(backupDir, newest), 'archive.sqlite'));
    db.pragma(`user_version = ${readMigrations().length + 1}`);
    db.close();
    const target = join(temp.dir, 'newer-data');
    await mkdir(target);
    const run = await cac(['restore', backupDir, '--data-dir', target]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(new RegExp(`archive database version ${readMigrations().length + 1}; this workstation \\(.*\\) knows versions up to ${readMigrations().length}: install CAC Workstation .* or newer`));
    expect(existsSync(join(target, 'archive'))).toBe(false);
  }, 60_000);
});
