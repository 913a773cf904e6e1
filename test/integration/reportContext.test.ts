/**
 * The report draws on everything the workstation knows about the patient, on real services: a
 * prior study of the same patient signed two and a half years earlier (progression, Hokanson),
 * the technologist's manual dose and claustrophobia note, the risk factors with the age from the
 * study (MESA). The signed PDF says all of it (pdftotext).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { createServices, type WorkstationServices } from '../../main/api/createServices.js';
import { createApiHandlers } from '../../main/api/handlers.js';
import { importFolder } from '../../main/import/folderImport.js';
import { emptyChecklist } from '../../main/notes/procedureChecklist.js';
import { reportFolder } from '../../main/report/reportFiles.js';
import { writePhantomSeries, type PhantomSeries } from '../phantom/syntheticPhantom.js';
import { haveTool } from '../support/sharedData.js';
import { makeTempDir } from '../support/tempDir.js';
import { call, type Handlers } from '../support/apiCalls.js';
import { signedIn, TEST_PASSWORD } from '../support/accounts.js';

const PATIENT = { patientName: 'CONTEXT^PAT', patientId: 'CTX-0001' };

/** One square insert (side in mm) on three 3 mm slices at 450 HU: volume side^2 x 9 mm3 (144 mm3 for 4 mm, 324 for 6 mm). */
function writeStudy(dir: string, studyDate: string, insertSizeMm: number, studyInstanceUid: string): Promise<PhantomSeries> {
  return writePhantomSeries(dir, {
    rows: 96,
    columns: 96,
    pixelSpacingMm: [0.5, 0.5],
    slices: 8,
    sliceThicknessMm: 3,
    sliceIncrementMm: 3,
    backgroundHu: 40,
    noiseSdHu: 0,
    ...PATIENT,
    studyInstanceUid,
    objects: [{ kind: 'box', centerMm: [20.25, 20.25, 9], sizeMm: [insertSizeMm, insertSizeMm, 9], hu: 450 }],
    extraAttributes: { StudyDate: studyDate, PatientBirthDate: '19600310', PatientSex: 'M', AccessionNumber: `ACC-${studyDate}` },
  });
}

describe('report context: prior study, dose, procedure notes and MESA on real services', () => {
  let temp: { dir: string; remove: () => Promise<void> };
  let services: WorkstationServices;
  let handlers: Handlers;
  let prior: PhantomSeries;
  let current: PhantomSeries;

  const signReportOf = async (series: PhantomSeries) => {
    const reading = await call(handlers, 'reading.open', { studyInstanceUid: series.studyInstanceUid, seriesInstanceUid: series.seriesInstanceUid });
    await call(handlers, 'reading.assign', { readingId: reading.readingId, revision: reading.revision, assignment: { artery: 'LAD', point: [20.3, 20.3, 9], scope: 'lesion' } });
    const { report } = await call(handlers, 'report.draft', { readingId: reading.readingId });
    return report;
  };

  beforeAll(async () => {
    temp = await makeTempDir('report-context');
    services = await createServices(join(temp.dir, 'data'), { demoStudy: false });
    handlers = await signedIn(createApiHandlers(services), services);
    prior = await writeStudy(join(temp.dir, 'prior'), '20230515', 4, '1.2.826.0.1.3680043.8.498.5501');
    current = await writeStudy(join(temp.dir, 'current'), '20251120', 6, '1.2.826.0.1.3680043.8.498.5502');
    await importFolder(services.store, prior.dir);
    await importFolder(services.store, current.dir);
  }, 120_000);

  afterAll(async () => {
    await handlers?.shutdown();
    await services?.close();
    await temp?.remove();
  });

  it('signs the prior study first', async () => {
    const report = await signReportOf(prior);
    expect(report.current.content.progression).toBeNull();
    const signed = await call(handlers, 'report.sign', { reportId: report.reportId, version: report.current.version, contentSha256: report.currentSha256, password: TEST_PASSWORD });
    expect(signed.report.current.status).toBe('signed');
    expect(signed.report.current.content.scores.total.volumeMm3).toBeCloseTo(144, 6);
  });

  it('the current report carries the progression, the dose, the notes and MESA, and the PDF says so', async () => {
    const checklist = { ...emptyChecklist(), anxiety: { present: true, whatHelped: 'music' }, scanCompleted: false };
    await call(handlers, 'notes.save', { studyInstanceUid: current.studyInstanceUid, baseVersion: 0, checklist });
    await call(handlers, 'dose.recordManual', {
      studyInstanceUid: current.studyInstanceUid,
      events: [{ ctdivolMgy: 3.2, dlpMgyCm: 48.5, kvp: 120, protocol: 'Calcium score', phantom: 'body-32' }],
      comment: 'RDSR not sent by the scanner',
    });
    await call(handlers, 'report.saveRiskFactors', {
      studyInstanceUid: current.studyInstanceUid,
      factors: { race: 'white', diabetes: false, currentSmoker: false, totalCholesterolMgDl: 200, hdlMgDl: 50, lipidMedication: false, systolicBpMmHg: 130, bpMedication: false, familyHistoryMi: false },
    });

    const report = await signReportOf(current);
    const { content } = report.current;
    // 324 mm3 now, 144 mm3 before: sqrt(324) - sqrt(144) = 6 >= 2.5.
    expect(content.progression?.prior).toMatchObject({ studyInstanceUid: prior.studyInstanceUid, studyDate: '2023-05-15', volumeMm3: 144 });
    expect(content.progression?.result.intervalYears).toBeCloseTo(2.52, 2);
    expect(content.progression?.result.sqrtVolumeChange).toBeCloseTo(6, 6);
    expect(content.progression?.result.progression).toBe(true);
    expect(content.dose).toMatchObject({ source: 'manual', ctdivolMgy: 3.2, dlpTotalMgyCm: 48.5, kFactor: 0.014 });
    expect(content.dose?.effectiveDoseMsv).toBeCloseTo(48.5 * 0.014, 6);
    expect(content.procedureNotes).toEqual(['Claustrophobia/anxiety: scan not completed (helped: music)']);
    expect(content.patient.ageYears).toBe(65);
    expect(content.risk?.mesa.ok).toBe(true);
    expect(content.risk?.factors).toMatchObject({ ageYears: 65, sex: 'male', cacAgatston: content.scores.total.agatston });

    const signed = await call(handlers, 'report.sign', { reportId: report.reportId, version: report.current.version, contentSha256: report.currentSha256, password: TEST_PASSWORD });
    expect(signed.report.current.status).toBe('signed');
    if (haveTool('pdftotext')) {
      const pdf = join(reportFolder(services.store.root, report.reportId, report.current.version), 'report.pdf');
      const text = execFileSync('pdftotext', ['-layout', pdf, '-']).toString();
      expect(text).toContain('CTX-0001');
      expect(text).toMatch(/Claustrophobia\/anxiety: scan not completed/);
      expect(text).toMatch(/2023-05-15/);
      expect(text).toMatch(/progression/i);
      expect(text).toMatch(/48\.5/);
      expect(text).toMatch(/MESA/);
      expect(text).toContain(content.risk?.mesa.ok ? content.risk.mesa.tenYearRiskPercent.toFixed(1) : 'not computed');
    }
  });
});
