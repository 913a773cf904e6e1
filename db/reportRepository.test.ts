import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { openArchiveDatabase, type ArchiveDatabase } from './archiveDatabase.js';
import { ReportRepository } from './reportRepository.js';
import { reportContentSha256 } from '../main/report/reportHash.js';
import { bindSignature, checkSignature, SIGNATURE_MEANING } from '../main/report/signature.js';
import { sampleReportContent } from '../test/support/reportFixture.js';
import { makeTempDir } from '../test/support/tempDir.js';

const content = sampleReportContent();
const SIGNATURE = { signedBy: 'Dr Jane Reader', signerRole: 'radiologist', signedAt: '2025-11-20T10:15:42.000Z', contentSha256: reportContentSha256(content) };

describe('ReportRepository', () => {
  let temp: { dir: string; remove: () => Promise<void> };
  let db: ArchiveDatabase;
  let reports: ReportRepository;
  let reportId: number;

  beforeEach(async () => {
    temp = await makeTempDir('reports');
    db = openArchiveDatabase(join(temp.dir, 'archive.sqlite'));
    reports = new ReportRepository(db);
    reportId = reports.findOrCreate({ studyInstanceUid: content.study.studyInstanceUid, seriesInstanceUid: content.series.seriesInstanceUid, patientId: content.patient.patientId }).id;
  });
  afterEach(async () => {
    db.close();
    await temp.remove();
  });

  it('keeps one draft, edited in place, until it is signed', () => {
    const first = reports.saveDraft(reportId, content, 'Dr Jane Reader');
    const edited = reports.saveDraft(reportId, { ...content, impression: 'Edited.' }, 'Dr Jane Reader');
    expect(first.version).toBe(1);
    expect(edited.version).toBe(1);
    expect(reports.versions(reportId)).toHaveLength(1);
    expect(reports.draft(reportId)?.content.impression).toBe('Edited.');

    const signed = reports.sign(reportId, 1, SIGNATURE);
    expect(signed?.status).toBe('signed');
    expect(signed?.signedBy).toBe('Dr Jane Reader');
    expect(reports.draft(reportId)).toBeUndefined();
    // Signing again (a second click) changes nothing.
    expect(reports.sign(reportId, 1, SIGNATURE)).toBeUndefined();
  });

  it('refuses to change or delete a signed version in SQL, whatever the code does', () => {
    reports.saveDraft(reportId, content, 'Dr Jane Reader');
    reports.sign(reportId, 1, SIGNATURE);
    expect(() => db.prepare(`UPDATE report_versions SET content = '{}' WHERE report_ref = ?`).run(reportId)).toThrow(/signed report cannot be changed/);
    expect(() => db.prepare(`UPDATE report_versions SET status = 'draft' WHERE report_ref = ?`).run(reportId)).toThrow(/signed report cannot be changed/);
    expect(() => db.prepare(`DELETE FROM report_versions WHERE report_ref = ?`).run(reportId)).toThrow(/cannot be deleted/);
    expect(() => db.prepare(`DELETE FROM reports WHERE id = ?`).run(reportId)).toThrow(/cannot be deleted/);
    expect(() => db.prepare(`UPDATE reports SET study_instance_uid = '1.2.3' WHERE id = ?`).run(reportId)).toThrow(/cannot be moved/);
    expect(() =>
      db
        .prepare(`INSERT INTO report_versions (report_ref, version, status, content, created_at, created_by, signed_at, signed_by, content_sha256) VALUES (?, 5, 'signed', '{}', 'now', 'x', 'now', 'x', ?)`)
        .run(reportId, 'b'.repeat(64)),
    ).toThrow(/created as a draft/);
    expect(reports.version(reportId, 1)?.content).toEqual(content);
    // The draft saver cannot touch it either: it starts a new version instead.
    expect(reports.saveDraft(reportId, { ...content, impression: 'changed' }, 'x').version).toBe(2);
    expect(reports.version(reportId, 1)?.content.impression).toBe(content.impression);
  });

  it('links an amendment to the signed version it replaces, which becomes superseded', () => {
    reports.saveDraft(reportId, content, 'Dr Jane Reader');
    reports.sign(reportId, 1, SIGNATURE);
    expect(() => reports.saveDraft(reportId, content, 'x', { version: 7, reason: 'typo' })).toThrow(/must name a signed version/);
    expect(() => reports.saveDraft(reportId, content, 'x', { version: 1, reason: '  ' })).toThrow(/CHECK constraint/);
    const amended = { ...content, impression: 'Corrected impression.' };
    const draft = reports.saveDraft(reportId, amended, 'Dr Jane Reader', { version: 1, reason: 'LCX lesion was a mitral annulus calcification' });
    expect(draft).toMatchObject({ version: 2, status: 'draft', amends: { version: 1, reason: 'LCX lesion was a mitral annulus calcification' } });
    expect(reports.version(reportId, 1)?.status).toBe('signed');
    reports.sign(reportId, 2, { ...SIGNATURE, contentSha256: reportContentSha256(amended) });
    expect(reports.versions(reportId).map((version) => version.status)).toEqual(['superseded', 'signed']);
    expect(reports.latestSigned(reportId)?.content.impression).toBe('Corrected impression.');
    expect(reports.signedReportsOfPatient(content.patient.patientId).map((version) => version.version)).toEqual([2]);
  });

  it('allows one draft per report only', () => {
    reports.saveDraft(reportId, content, 'x');
    expect(() =>
      db.prepare(`INSERT INTO report_versions (report_ref, version, status, content, created_at, created_by) VALUES (?, 2, 'draft', '{}', 'now', 'x')`).run(reportId),
    ).toThrow(/UNIQUE/);
  });

  it('stores the risk factors per study, replacing the previous entry', () => {
    reports.saveRiskFactors('1.2.3', { sex: 'female', diabetes: false }, 'tech a');
    const saved = reports.saveRiskFactors('1.2.3', { sex: 'female', diabetes: true }, 'tech b');
    expect(saved).toMatchObject({ factors: { sex: 'female', diabetes: true }, enteredBy: 'tech b' });
  });

  it('hashes the content independent of key order', () => {
    const reordered = Object.fromEntries(Object.entries(content).reverse()) as typeof content;
    expect(reportContentSha256(reordered)).toBe(reportContentSha256(content));
    expect(reportContentSha256({ ...content, impression: 'x' })).not.toBe(reportContentSha256(content));
  });

  it('keeps the electronic signature with the signed version, in one transaction, and never changes it', () => {
    db.prepare(`INSERT INTO users (username, display_name, roles, password_hash, created_at, created_by, updated_at, updated_by, password_changed_at)
                VALUES ('jane', 'Jane Reader', '["radiologist"]', 'x', 't', 't', 't', 't', 't')`).run();
    reports.saveDraft(reportId, content, 'Jane Reader (jane)');
    const electronic = bindSignature({
      reportId, version: 1, studyInstanceUid: content.study.studyInstanceUid, signerUserId: 1, printedName: 'Jane Reader', role: 'radiologist',
      signedAtUtc: SIGNATURE.signedAt, signedAtLocal: '2025-11-20T11:15:42+01:00', timeZone: 'Europe/Berlin', meaning: SIGNATURE_MEANING, contentSha256: SIGNATURE.contentSha256,
    });
    const signed = reports.sign(reportId, 1, SIGNATURE, electronic)!;
    expect(signed.signature).toEqual(electronic);
    expect(checkSignature({ ...signed, studyInstanceUid: content.study.studyInstanceUid }, signed.signature, reports.isLegacySigned(reportId, 1))).toEqual({ status: 'valid' });
    expect(() => db.prepare(`UPDATE report_signatures SET meaning = 'seen'`).run()).toThrow(/signature cannot be changed/);
    expect(() => db.prepare(`DELETE FROM report_signatures`).run()).toThrow(/signature cannot be deleted/);
    // A version signed again is refused as a whole: no second signature row, no status change.
    expect(reports.sign(reportId, 1, SIGNATURE, electronic)).toBeUndefined();
    expect(db.prepare(`SELECT count(*) FROM report_signatures`).pluck().get()).toBe(1);
  });
});
