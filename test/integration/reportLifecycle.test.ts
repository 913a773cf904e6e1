/**
 * The report's life cycle through the one handler table, on real services (SQLite file, scoring
 * worker process, the synthetic demo phantom with LAD 192 + RCA 96): draft from the reading, text,
 * risk factors, signing with the role and the seen content checked, immutability through the API
 * and in SQL, amendment, the PDF and DICOM outputs kept and exported.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { createServices, type WorkstationServices } from '../../main/api/createServices.js';
import { createApiHandlers } from '../../main/api/handlers.js';
import type { CacResponse, ReportSummary } from '../../main/api/contract.js';
import { reportFolder } from '../../main/report/reportFiles.js';
import { readSrScores } from '../../main/report/dicom/readBack.js';
import { haveTool } from '../support/sharedData.js';
import { makeTempDir } from '../support/tempDir.js';
import { call, failure, type Handlers } from '../support/apiCalls.js';
import { asSession, logIn, signedIn, TEST_PASSWORD, TEST_READER_LABEL } from '../support/accounts.js';

describe('report life cycle through the API (synthetic phantom, real worker and SQLite)', () => {
  let temp: { dir: string; remove: () => Promise<void> };
  let services: WorkstationServices;
  let handlers: Handlers;
  let readingId: number;
  let studyInstanceUid: string;
  let seriesInstanceUid: string;
  let report: ReportSummary;

  beforeAll(async () => {
    temp = await makeTempDir('report-life');
    services = await createServices(join(temp.dir, 'data'), { demoStudy: 'synthetic' });
    handlers = await signedIn(createApiHandlers(services), services);
    studyInstanceUid = (await call(handlers, 'app.info')).demoStudy!.studyInstanceUid;
    seriesInstanceUid = (await call(handlers, 'studies.series', { studyInstanceUid })).series[0].seriesInstanceUid;
    const reading = await call(handlers, 'reading.open', { studyInstanceUid, seriesInstanceUid });
    readingId = reading.readingId;
    const lad = await call(handlers, 'reading.assign', { readingId, revision: 0, assignment: { artery: 'LAD', point: [20.3, 20.3, 9], scope: 'lesion' } });
    await call(handlers, 'reading.assign', { readingId, revision: lad.revision, assignment: { artery: 'RCA', point: [40.3, 40.3, 9], scope: 'lesion' } });
  }, 120_000);

  afterAll(async () => {
    await handlers?.shutdown();
    await services?.close();
    await temp?.remove();
  });

  it('has no report until one is drafted; the draft carries the saved scores and a prefilled text', async () => {
    // The first saved assignment moved the study from "new" to "in progress".
    expect((await call(handlers, 'studies.list', {})).studies.find((entry) => entry.studyInstanceUid === studyInstanceUid)?.status).toBe('in-progress');
    expect((await call(handlers, 'report.get', { seriesInstanceUid })).report).toBeNull();
    report = (await call(handlers, 'report.draft', { readingId })).report;
    expect(report.current).toMatchObject({ version: 1, status: 'draft', signedAt: null });
    const { content } = report.current;
    expect(content.scores.arteries.LAD.agatston).toBeCloseTo(192, 6);
    expect(content.scores.arteries.RCA.agatston).toBeCloseTo(96, 6);
    expect(content.categories.cacDrs.text).toBe('CAC-DRS A2/N2');
    expect(content.findings).toContain('Total Agatston score 288.0');
    expect(content.method).toMatchObject({ thresholdHu: 130, minAreaMm2: 1, algorithmVersion: expect.stringMatching(/^cac-scoring\//) });
    expect(content.series.sopInstanceUids).toHaveLength(8);
    expect(content.risk).toBeNull();
  });

  it('risk factors are validated with their units and go into the refreshed draft', async () => {
    const refused = await failure(handlers, 'report.saveRiskFactors', { studyInstanceUid, factors: { hdlMgDl: 5000 } });
    expect(refused.code).toBe('bad-request');
    expect(refused.message).toContain('HDL cholesterol must be at most 200 mg/dL');
    expect((await call(handlers, 'report.riskFactors', { studyInstanceUid })).factors).toBeNull();
    await call(handlers, 'report.saveRiskFactors', {
      studyInstanceUid,
      factors: { sex: 'female', race: 'white', diabetes: false, currentSmoker: true, totalCholesterolMgDl: 200, hdlMgDl: 55, lipidMedication: false, systolicBpMmHg: 128, bpMedication: false, familyHistoryMi: false },
    });
    report = (await call(handlers, 'report.draft', { readingId })).report;
    expect(report.current.version).toBe(1);
    // The synthetic phantom has no birth date: MESA says why instead of a number.
    expect(report.current.content.risk?.mesa).toMatchObject({ ok: false, missingFactors: ['ageYears'] });
  });

  it('keeps the reader text when the draft is refreshed', async () => {
    report = (await call(handlers, 'report.saveText', { reportId: report.reportId, version: 1, findings: 'Two calcified lesions.', impression: 'Moderate CAC.' })).report;
    report = (await call(handlers, 'report.draft', { readingId })).report;
    expect(report.current.content).toMatchObject({ findings: 'Two calcified lesions.', impression: 'Moderate CAC.' });
  });

  it('only a physician signs, and only the draft as seen', async () => {
    const technologist = asSession(createApiHandlers(services), await logIn(services.accounts, { username: 'tech', displayName: 'Tom Tech', roles: ['technologist'] }));
    const notAllowed = await failure(technologist, 'report.sign', { reportId: report.reportId, version: 1, contentSha256: report.currentSha256, password: TEST_PASSWORD });
    expect(notAllowed).toMatchObject({ code: 'not-permitted', message: expect.stringMatching(/radiologist or cardiologist/) });
    expect((await call(technologist, 'report.get', { seriesInstanceUid })).report?.signing.allowed).toBe(false);
    const unseen = await failure(handlers, 'report.sign', { reportId: report.reportId, version: 1, contentSha256: 'f'.repeat(64), password: TEST_PASSWORD });
    expect(unseen).toMatchObject({ code: 'conflict', message: expect.stringContaining('review it again') });
  });

  it('signs nothing when the signed files cannot be kept, and signs once they can', async () => {
    // A file where the report's folder must go: as a full or broken disk would, the write fails.
    const blocker = join(services.store.root, 'reports', String(report.reportId));
    mkdirSync(dirname(blocker), { recursive: true });
    writeFileSync(blocker, 'not a folder');
    try {
      const refused = await failure(handlers, 'report.sign', { reportId: report.reportId, version: 1, contentSha256: report.currentSha256, password: TEST_PASSWORD });
      expect(refused.message).toMatch(/^the report was not signed: its files could not be kept in /);
      expect((await call(handlers, 'report.get', { seriesInstanceUid })).report?.current).toMatchObject({ version: 1, status: 'draft' });
    } finally {
      rmSync(blocker);
    }
  });

  it('signs once (a second click is refused), keeps the outputs and marks the study signed', async () => {
    const [first, second] = await Promise.all([
      handlers['report.sign']({ reportId: report.reportId, version: 1, contentSha256: report.currentSha256, password: TEST_PASSWORD }),
      handlers['report.sign']({ reportId: report.reportId, version: 1, contentSha256: report.currentSha256, password: TEST_PASSWORD }),
    ]);
    expect(first.ok).toBe(true);
    expect(second.ok === false && second.error).toMatchObject({ code: 'conflict', message: expect.stringContaining('already signed') });
    report = (first as { ok: true; value: { report: ReportSummary } }).value.report;
    expect(report.current).toMatchObject({ version: 1, status: 'signed', signedBy: TEST_READER_LABEL });
    expect(report.current.contentSha256).toBe(report.currentSha256);
    const folder = reportFolder(services.store.root, report.reportId, 1);
    // The synthetic phantom's key images: one axial slice per artery with calcium (LAD, RCA on the same slices) and the two calcium maps.
    const names = readdirSync(folder).sort();
    expect(names.filter((name) => !name.startsWith('key-image-'))).toEqual(['report-pdf.dcm', 'report-sr.dcm', 'report.pdf']);
    expect(names.filter((name) => name.startsWith('key-image-')).length).toBeGreaterThanOrEqual(3);
    const sr = readSrScores(new Uint8Array(readFileSync(join(folder, 'report-sr.dcm'))));
    expect(sr.total.agatston).toBeCloseTo(288, 2);
    const study = (await call(handlers, 'studies.list', {})).studies.find((entry) => entry.studyInstanceUid === studyInstanceUid);
    expect(study?.status).toBe('signed');
  });

  it('a signed report cannot be changed through the API, nor in SQL', async () => {
    const text = await failure(handlers, 'report.saveText', { reportId: report.reportId, version: 1, findings: 'x', impression: 'y' });
    expect(text.code).toBe('conflict');
    const redraft = await failure(handlers, 'report.draft', { readingId });
    expect(redraft.message).toMatch(/signed and cannot be changed: amend it/);
    expect(() => services.store.db.prepare(`UPDATE report_versions SET content = '{}' WHERE report_ref = ?`).run(report.reportId)).toThrow(/signed report cannot be changed/);
    expect(() => services.store.db.prepare(`DELETE FROM report_versions WHERE report_ref = ?`).run(report.reportId)).toThrow(/cannot be deleted/);
  });

  it('an amendment is a new version linked to the old one, with its reason; every version stays retrievable', async () => {
    const noReason = await failure(handlers, 'report.amend', { reportId: report.reportId, readingId, reason: '' });
    expect(noReason.code).toBe('bad-request');
    // The reader reassigns the RCA lesion to the LCX, then amends.
    const view = await call(handlers, 'reading.open', { studyInstanceUid, seriesInstanceUid });
    await call(handlers, 'reading.assign', { readingId, revision: view.revision, assignment: { artery: 'LCX', point: [40.3, 40.3, 9], scope: 'lesion' } });
    report = (await call(handlers, 'report.amend', { reportId: report.reportId, readingId, reason: 'the second lesion is in the LCX, not the RCA' })).report;
    expect(report.current).toMatchObject({ version: 2, status: 'draft', amends: { version: 1, reason: 'the second lesion is in the LCX, not the RCA' } });
    expect(report.current.content.scores.arteries.LCX.agatston).toBeCloseTo(96, 6);
    expect(report.current.content.findings).toBe('Two calcified lesions.');
    const draftPdf = await call(handlers, 'report.pdf', { reportId: report.reportId, version: 2 });
    expect(Buffer.from(draftPdf.slice(0, 5)).toString()).toBe('%PDF-');
    // A PACS to send to whose queue cannot take the objects (a file where the outbound folder goes):
    // the report is signed all the same, and the answer says what was not queued.
    await call(handlers, 'settings.update', { patch: { pacsNodes: [{ name: 'Hospital PACS', aeTitle: 'PACS', host: '127.0.0.1', port: 1 }], report: { sendTo: ['Hospital PACS'] } } });
    const outboundFolder = join(services.store.root, 'outbound');
    writeFileSync(outboundFolder, 'not a folder');
    let signed: CacResponse<'report.sign'>;
    try {
      signed = await call(handlers, 'report.sign', { reportId: report.reportId, version: 2, contentSha256: report.currentSha256, password: TEST_PASSWORD });
    } finally {
      rmSync(outboundFolder);
      await call(handlers, 'settings.update', { patch: { report: { sendTo: [] } } });
    }
    expect(signed.queued).toBe(0);
    expect(signed.deliveryProblems).toEqual([expect.stringMatching(/^not queued for Hospital PACS: /)]);
    report = signed.report;
    expect(report.versions.map((version) => version.status)).toEqual(['superseded', 'signed']);
    expect(report.versions[0].content.scores.arteries.RCA.agatston).toBeCloseTo(96, 6);
    const firstPdf = await call(handlers, 'report.pdf', { reportId: report.reportId, version: 1 });
    expect(Buffer.from(firstPdf).equals(readFileSync(join(reportFolder(services.store.root, report.reportId, 1), 'report.pdf')))).toBe(true);
    const audit = services.store.db.prepare(`SELECT action FROM audit_events WHERE action LIKE 'report-%'`).pluck().all();
    expect(audit).toEqual(expect.arrayContaining(['report-drafted', 'report-signed', 'report-amendment-started', 'report-pdf-viewed']));
  });

  it('exports a signed version to a folder, never overwriting other content', async () => {
    const folder = join(temp.dir, 'usb');
    const { files } = await call(handlers, 'report.export', { reportId: report.reportId, version: 2, folder });
    const keyImages = readdirSync(reportFolder(services.store.root, report.reportId, 2)).filter((name) => name.startsWith('key-image-')).length;
    expect(files).toHaveLength(3 + keyImages);
    for (const file of files) expect(existsSync(file)).toBe(true);
    // Again: the same bytes are already there, nothing to do.
    expect((await call(handlers, 'report.export', { reportId: report.reportId, version: 2, folder })).files).toEqual(files);
    if (haveTool('dciodvfy')) {
      const srFile = files.find((file) => file.endsWith('report-sr.dcm'))!;
      const output = execFileSync('sh', ['-c', `dciodvfy "${srFile}" 2>&1 || true`]).toString();
      expect(output.split('\n').filter((line) => /^Error/.test(line))).toEqual([]);
    }
    // Another file under the same name is never overwritten.
    const other = join(temp.dir, 'usb-other');
    mkdirSync(other);
    writeFileSync(join(other, basename(files[0])), 'someone else\'s file');
    const refused = await failure(handlers, 'report.export', { reportId: report.reportId, version: 2, folder: other });
    expect(refused).toMatchObject({ code: 'conflict', message: expect.stringContaining('already exists with other content') });
    expect(readFileSync(join(other, basename(files[0])), 'utf8')).toBe('someone else\'s file');
    const underAFile = join(other, basename(files[0]), 'sub');
    const unwritable = await failure(handlers, 'report.export', { reportId: report.reportId, version: 2, folder: underAFile });
    expect(unwritable.message).toBe(`cannot create the folder ${underAFile}: part of the path is a file, not a folder`);
    const draft = await failure(handlers, 'report.export', { reportId: report.reportId, version: 9, folder });
    expect(draft.message).toMatch(/sign it first/);
    const unknownPacs = await failure(handlers, 'report.send', { reportId: report.reportId, version: 2, pacs: 'Nowhere' });
    expect(unknownPacs).toMatchObject({ code: 'not-found', message: 'there is no PACS named "Nowhere" in the settings' });
  });
});
