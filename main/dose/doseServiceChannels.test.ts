/**
 * The dose.* and notes.* channels through the real handler table: a real temp data directory and
 * archive, the shared vendor RDSRs imported as a scanner would send them (the Siemens study's
 * RDSR three times as it grew), a synthetic series carrying CTDIvol in its headers, the GE
 * headers without any dose, settings changed through the API.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { createServices, type WorkstationServices } from '../api/createServices.js';
import { createApiHandlers } from '../api/handlers.js';
import { importFolder } from '../import/folderImport.js';
import { ctRdsrDir, geSmartScoreDir, haveSharedData } from '../../test/support/sharedData.js';
import { makeTempDir } from '../../test/support/tempDir.js';
import { writePhantomSeries } from '../../test/phantom/syntheticPhantom.js';
import { emptyChecklist, type ProcedureChecklist } from '../notes/procedureChecklist.js';
import { DEFAULT_REFERENCE_LEVELS } from './referenceLevels.js';
import { CAPTURED_FROM_HEADERS, CAPTURED_FROM_RDSR, currentDoseForStudy, NO_DOSE_MESSAGE } from './doseService.js';
import { doseServiceOf } from './doseServiceChannels.js';
import { call, failure, type Handlers } from '../../test/support/apiCalls.js';
import { signedIn, TEST_READER_LABEL } from '../../test/support/accounts.js';

// Study Instance UIDs and values as dcmdump / dsrdump -Ph show them for the shared files.
const SIEMENS_MULTI_STUDY = '1.3.6.1.4.1.5962.99.1.792239193.1702185591.1516915727449.3.0';
const TOSHIBA_DOSE_CHECK_STUDY = '1.3.6.1.4.1.5962.99.1.4226553877.745998417.1511760107541.3.0';
/** Patient of both the Siemens multi study (2018-01-05) and the Toshiba Dose Check study (2017-11-15). */
const SHARED_PATIENT = '4018119567876617';
const GE_STUDY = '1.3.6.1.4.1.5962.1.1.0.0.0.1194734704.16302.0.1';
const PHANTOM_STUDY = '2.25.998877665544332211';
/** Reference level set before the import: the Siemens "4DCT" events (8.13 and 7.02 mGy) are above 5 mGy. */
const FOUR_D_LEVEL = { name: '4D CT (test)', match: '4dct', ctdivolMgy: 5, dlpMgyCm: 1000 };

const checklist = (overrides: Partial<ProcedureChecklist> = {}): ProcedureChecklist => ({
  ...emptyChecklist(),
  identityChecked: true,
  insuranceChecked: true,
  ecg: { electrodesPlaced: true, gatingQuality: 'good' },
  heartRateBpm: 64,
  breathHold: { instructed: true, compliance: 'good' },
  metalRemoved: true,
  pregnancy: { asked: true, answer: 'not-applicable' },
  contrastGiven: false,
  anxiety: { present: false, whatHelped: '' },
  scanCompleted: true,
  timeInRoomMinutes: 15,
  ...overrides,
});

describe.skipIf(!haveSharedData(ctRdsrDir) || !haveSharedData(geSmartScoreDir))('dose and notes channels (real archive, shared RDSRs)', () => {
  let temp: { dir: string; remove: () => Promise<void> };
  let services: WorkstationServices;
  let handlers: Handlers;

  beforeAll(async () => {
    temp = await makeTempDir('dose-api');
    services = await createServices(join(temp.dir, 'data'), { demoStudy: false, studyQuietMs: 600_000, receiverHost: '127.0.0.1' });
    handlers = await signedIn(createApiHandlers(services), services);
    await call(handlers, 'settings.update', { patch: { dose: { referenceLevels: [...DEFAULT_REFERENCE_LEVELS, FOUR_D_LEVEL] } } });
    const rdsrImport = await importFolder(services.store, ctRdsrDir);
    expect(rdsrImport.counts.stored).toBe(12);
    await importFolder(services.store, geSmartScoreDir);
    // 10 slices, 3 mm apart and thick, CTDIvol 14 mGy in every header: DLP estimate 14 x 3.0 cm = 42 mGy cm.
    const phantomDir = join(temp.dir, 'phantom');
    await writePhantomSeries(phantomDir, {
      rows: 16,
      columns: 16,
      pixelSpacingMm: [1, 1],
      slices: 10,
      sliceThicknessMm: 3,
      sliceIncrementMm: 3,
      backgroundHu: 0,
      objects: [],
      studyInstanceUid: PHANTOM_STUDY,
      patientId: 'PHANTOM-DOSE',
      extraAttributes: { CTDIvol: 14 },
    });
    await importFolder(services.store, phantomDir);
  }, 120_000);

  afterAll(async () => {
    await handlers?.shutdown();
    await services?.close();
    await temp?.remove();
  });

  it('the RDSRs were read as the archive stored them (before anyone asked): one record per study, the Siemens one with 3 events', async () => {
    await doseServiceOf(services).idle();
    const captured = currentDoseForStudy(services.store, SIEMENS_MULTI_STUDY);
    expect(captured?.source).toBe('rdsr');
    expect(captured?.events).toHaveLength(3);
    // Read by the workstation itself, not entered by whoever happened to be logged in.
    expect(captured?.recordedBy).toBe(CAPTURED_FROM_RDSR);
    const studiesWithDose = services.store.db.prepare('SELECT count(DISTINCT study_instance_uid) FROM dose_records').pluck().get();
    expect(studiesWithDose).toBe(10);
  });

  it('dose.get: the Siemens RDSR sent three times as it grew is one study with three events, not six', async () => {
    const view = await call(handlers, 'dose.get', { studyInstanceUid: SIEMENS_MULTI_STUDY });
    const current = view.current!;
    expect(current.source).toBe('rdsr');
    expect(current.valueSources).toEqual({ ctdivolMgy: 'rdsr', dlpTotalMgyCm: 'rdsr', events: 'rdsr' });
    // dsrdump -Ph CT-RDSR-Siemens-Multi-3.dcm: Topogram 0.15 mGy / 7.46, 4DCT 8.13 / 69.81, 4DCT 7.02 / 158.82; total 236.09.
    expect(current.events.map((event) => [event.protocol, event.ctdivolMgy, event.dlpMgyCm])).toEqual([
      ['Topogram', 0.15, 7.46],
      ['4DCT', 8.13, 69.81],
      ['4DCT', 7.02, 158.82],
    ]);
    expect(current.dlpTotalMgyCm).toBe(236.09);
    expect(current.ctdivolMaxMgy).toBe(8.13);
    expect(current.sourceSopInstanceUids).toHaveLength(3);
    expect(current.effectiveDose).toMatchObject({ kFactor: 0.014, kFactorChoice: 'adult-chest' });
    expect(current.effectiveDose!.effectiveDoseMsv).toBeCloseTo(236.09 * 0.014, 10);
    expect(current.scanner.manufacturer).toBe('SIEMENS');
    expect(current.studyDate).toBe('2018-01-05');
    expect(view.history.length).toBeGreaterThanOrEqual(1);
    expect(view.history.length).toBeLessThanOrEqual(3);
    // Above the 4DCT test level: flagged, reason needed.
    expect(current.reference).toEqual({ level: FOUR_D_LEVEL, ctdivolAbove: true, dlpAbove: false, above: true });
    expect(view.reasonNeeded).toBe(true);
    expect(view.message).toBeNull();
  });

  it('dose.get: the Toshiba report keeps its Dose Check alerts (levels 100 mGy cm and 10 mGy, person "Luuk")', async () => {
    const { current } = await call(handlers, 'dose.get', { studyInstanceUid: TOSHIBA_DOSE_CHECK_STUDY });
    expect(current!.dlpTotalMgyCm).toBe(502.4);
    expect(current!.events).toHaveLength(2);
    expect(current!.alerts.length).toBeGreaterThanOrEqual(2);
    expect(current!.alerts.filter((alert) => alert.quantity === 'dlp').map((alert) => alert.levelValue)).toContain(100);
    expect(current!.alerts.every((alert) => alert.person === 'Luuk')).toBe(true);
  });

  it('the worklist flags the study above its reference level until and after the reason is given', async () => {
    const { studies } = await call(handlers, 'studies.list', {});
    const flagged = Object.fromEntries(studies.map((study) => [study.studyInstanceUid, study.doseAboveReference]));
    expect(flagged[SIEMENS_MULTI_STUDY]).toBe(true);
    expect(flagged[TOSHIBA_DOSE_CHECK_STUDY]).toBe(false);
    expect(studies.every((study) => Array.isArray(study.procedureAlerts))).toBe(true);

    const refused = await failure(handlers, 'dose.setReason', { studyInstanceUid: TOSHIBA_DOSE_CHECK_STUDY, reason: 'not needed' });
    expect(refused).toMatchObject({ code: 'bad-request', message: expect.stringContaining('not above its reference level') });
    const view = await call(handlers, 'dose.setReason', { studyInstanceUid: SIEMENS_MULTI_STUDY, reason: 'respiratory-gated 4D planning scan' });
    expect(view.reason).toMatchObject({ reason: 'respiratory-gated 4D planning scan', recordedBy: TEST_READER_LABEL, doseRecordId: view.current!.id });
    expect(view.reasonNeeded).toBe(false);
    expect(Date.parse(view.reason!.recordedAt)).not.toBeNaN();
  });

  it('dose.get falls back to CTDIvol in the image headers (source image-header, DLP estimated) and flags it above the calcium-score level', async () => {
    const view = await call(handlers, 'dose.get', { studyInstanceUid: PHANTOM_STUDY });
    const current = view.current!;
    expect(current.source).toBe('image-header');
    expect(current.recordedBy).toBe(CAPTURED_FROM_HEADERS);
    expect(current.valueSources.ctdivolMgy).toBe('image-header');
    expect(current.ctdivolMaxMgy).toBe(14);
    expect(current.dlpTotalMgyCm).toBeCloseTo(42, 6);
    expect(current.reference.level?.name).toBe('Calcium score');
    expect(current.reference.ctdivolAbove).toBe(true);
    expect(view.message).toMatch(/image headers/);
  });

  it('dose.get on a study with neither: "no dose recorded: enter it manually"; then manual entry', async () => {
    const empty = await call(handlers, 'dose.get', { studyInstanceUid: GE_STUDY });
    expect(empty.current).toBeNull();
    expect(empty.message).toBe(NO_DOSE_MESSAGE);

    const refused = await failure(handlers, 'dose.recordManual', { studyInstanceUid: GE_STUDY, events: [{ ctdivolMgy: 3.1, dlpMgyCm: -45 }] });
    expect(refused.code).toBe('bad-request');
    expect(refused.message).toContain('DLP must be more than 0 mGy·cm');
    expect(refused.details?.[0]).toMatch(/^events\.0\.dlpMgyCm/);
    const missing = await failure(handlers, 'dose.recordManual', { studyInstanceUid: GE_STUDY, events: [{ dlpMgyCm: 45 }] });
    expect(missing.message).toContain('CTDIvol is missing: enter it in mGy');
    expect((await call(handlers, 'dose.get', { studyInstanceUid: GE_STUDY })).history).toEqual([]);

    const view = await call(handlers, 'dose.recordManual', {
      studyInstanceUid: GE_STUDY,
      events: [{ ctdivolMgy: 2.9, dlpMgyCm: 41.5, kvp: 120, protocol: '=HYPERLINK("http://x","y")' }],
      scanner: 'GE LightSpeed',
      comment: 'no RDSR on the CD',
    });
    expect(view.current).toMatchObject({ source: 'manual', dlpTotalMgyCm: 41.5, ctdivolMaxMgy: 2.9, comment: 'no RDSR on the CD' });
    expect(view.current!.effectiveDose!.effectiveDoseMsv).toBeCloseTo(41.5 * 0.014, 10);
  });

  it('dose.recordManual is refused over the scanner RDSR, and for a study not in the archive', async () => {
    expect(await failure(handlers, 'dose.recordManual', { studyInstanceUid: SIEMENS_MULTI_STUDY, events: [{ ctdivolMgy: 3, dlpMgyCm: 40 }] })).toMatchObject({ code: 'conflict' });
    expect(await failure(handlers, 'dose.recordManual', { studyInstanceUid: '1.2.3.4.5.6.7', events: [{ ctdivolMgy: 3, dlpMgyCm: 40 }] })).toMatchObject({ code: 'not-found' });
    expect(await failure(handlers, 'dose.get', { studyInstanceUid: '../../etc' })).toMatchObject({ code: 'bad-request' });
    expect(await failure(handlers, 'dose.log', { from: '01/02/2020' })).toMatchObject({ code: 'bad-request', message: expect.stringContaining('YYYY-MM-DD') });
  });

  it('a later change of the k factor setting does not rewrite recorded doses; new records use it', async () => {
    await call(handlers, 'settings.update', { patch: { dose: { kFactor: 'cardiac' } } });
    try {
      const siemens = await call(handlers, 'dose.get', { studyInstanceUid: SIEMENS_MULTI_STUDY });
      expect(siemens.current!.effectiveDose).toMatchObject({ kFactor: 0.014, kFactorChoice: 'adult-chest' });
      const corrected = await call(handlers, 'dose.recordManual', { studyInstanceUid: GE_STUDY, events: [{ ctdivolMgy: 2.9, dlpMgyCm: 40, protocol: '=HYPERLINK("http://x","y")' }], comment: 'typo in DLP' });
      expect(corrected.current!.effectiveDose).toMatchObject({ kFactor: 0.026, kFactorChoice: 'cardiac', kFactorSource: expect.stringContaining('Trattner') });
      expect(corrected.current!.effectiveDose!.effectiveDoseMsv).toBeCloseTo(40 * 0.026, 10);
      expect(corrected.history.map((record) => record.dlpTotalMgyCm)).toEqual([40, 41.5]);
    } finally {
      await call(handlers, 'settings.update', { patch: { dose: { kFactor: 'adult-chest' } } });
    }
  });

  it('dose.log: one row per study, filters, and per-protocol quartiles with the reference level', async () => {
    const log = await call(handlers, 'dose.log', {});
    const uids = log.rows.map((row) => row.studyInstanceUid);
    expect(new Set(uids).size).toBe(uids.length);
    expect(uids.filter((uid) => uid === SIEMENS_MULTI_STUDY)).toHaveLength(1);
    // 12 RDSR files = 10 studies, the phantom and the GE study.
    expect(log.rows).toHaveLength(12);
    const dates = log.rows.map((row) => row.studyDate ?? '');
    expect(dates).toEqual([...dates].sort());
    const siemens = log.rows.find((row) => row.studyInstanceUid === SIEMENS_MULTI_STUDY)!;
    expect(siemens).toMatchObject({ protocol: '4DCT', ctdivolMgy: 8.13, dlpMgyCm: 236.09, aboveReference: true, reason: 'respiratory-gated 4D planning scan', source: 'rdsr' });
    const fourD = log.protocols.find((protocol) => protocol.protocol === '4DCT')!;
    expect(fourD.referenceLevel).toEqual(FOUR_D_LEVEL);
    expect(fourD.dlpMgyCm!.median).toBeGreaterThan(0);
    expect(fourD.dlpMgyCm!.q1).toBeLessThanOrEqual(fourD.dlpMgyCm!.median);
    expect(fourD.dlpMgyCm!.q3).toBeGreaterThanOrEqual(fourD.dlpMgyCm!.median);
    expect(log.referenceLevels).toContainEqual(FOUR_D_LEVEL);

    expect((await call(handlers, 'dose.log', { protocol: '4dct' })).rows.every((row) => row.protocol?.toLowerCase().includes('4dct'))).toBe(true);
    expect((await call(handlers, 'dose.log', { scanner: 'toshiba' })).rows.map((row) => row.scanner?.toUpperCase())).toEqual(expect.arrayContaining([expect.stringContaining('TOSHIBA')]));
    const in2018 = await call(handlers, 'dose.log', { from: '2018-01-01', to: '2018-12-31' });
    expect(in2018.rows.length).toBeGreaterThan(0);
    expect(in2018.rows.every((row) => row.studyDate! >= '2018-01-01' && row.studyDate! <= '2018-12-31')).toBe(true);
  });

  it('dose.patientHistory: cumulative DLP and effective dose over the patient’s studies, oldest first', async () => {
    const history = await call(handlers, 'dose.patientHistory', { patientId: SHARED_PATIENT });
    expect(history.studies.map((study) => [study.studyInstanceUid, study.dlpMgyCm])).toEqual([
      [TOSHIBA_DOSE_CHECK_STUDY, 502.4],
      [SIEMENS_MULTI_STUDY, 236.09],
    ]);
    expect(history.studies[1].cumulativeDlpMgyCm).toBeCloseTo(738.49, 6);
    expect(history.totalDlpMgyCm).toBeCloseTo(738.49, 6);
    expect(history.totalEffectiveDoseMsv).toBeCloseTo(738.49 * 0.014, 6);
    expect(history.studiesWithoutDose).toBe(0);
    expect(await failure(handlers, 'dose.patientHistory', { patientId: 'NOBODY' })).toMatchObject({ code: 'not-found' });
  });

  it('dose.exportCsv: RFC 4180, units in the header, formula cells neutralised, audited', async () => {
    const { fileName, csv, rows } = await call(handlers, 'dose.exportCsv', {});
    expect(fileName).toMatch(/^dose-log.*\.csv$/);
    const lines = csv.split('\r\n');
    expect(lines[0]).toBe(
      'Study date,Patient ID,Patient name,Study Instance UID,Protocol,Scanner,Source,CTDIvol (mGy),DLP (mGy.cm),Effective dose (mSv),k (mSv/(mGy.cm)),Reference level,Reference CTDIvol (mGy),Reference DLP (mGy.cm),Above reference,Reason',
    );
    expect(rows).toBe(12);
    expect(lines).toHaveLength(rows + 2); // header, rows, and the empty string after the last CRLF
    const siemensLine = lines.find((line) => line.includes(SIEMENS_MULTI_STUDY))!;
    expect(siemensLine).toContain(',4DCT,');
    expect(siemensLine).toContain(',rdsr,8.13,236.09,3.305,0.014,4D CT (test),5,1000,yes,respiratory-gated 4D planning scan');
    // The manual entry's protocol started with "=": kept as text, quoted because of its comma and quotes.
    expect(csv).toContain(`"'=HYPERLINK(""http://x"",""y"")"`);
    const actions = services.store.audit.list(500).map((event) => event.action);
    expect(actions).toEqual(expect.arrayContaining(['dose-viewed', 'dose-log-viewed', 'dose-log-exported', 'dose-recorded-manually', 'dose-reason-recorded', 'dose-history-viewed']));
  });

  it('notes: versions with author and time, a stale base version is a conflict, alerts reach the worklist', async () => {
    const empty = await call(handlers, 'notes.get', { studyInstanceUid: PHANTOM_STUDY });
    expect(empty).toEqual({ studyInstanceUid: PHANTOM_STUDY, current: null, versions: [], alerts: [] });

    const first = await call(handlers, 'notes.save', { studyInstanceUid: PHANTOM_STUDY, baseVersion: 0, checklist: checklist() });
    expect(first.current).toMatchObject({ version: 1, author: TEST_READER_LABEL });
    const second = await call(handlers, 'notes.save', {
      studyInstanceUid: PHANTOM_STUDY,
      baseVersion: 1,
      checklist: checklist({ anxiety: { present: true, whatHelped: 'talking, eyes closed' }, scanCompleted: false, freeText: 'stopped after the scout' }),
    });
    expect(second.versions.map((version) => version.version)).toEqual([2, 1]);
    expect(second.alerts).toEqual(['Claustrophobia/anxiety: scan not completed (helped: talking, eyes closed)']);

    const stale = await failure(handlers, 'notes.save', { studyInstanceUid: PHANTOM_STUDY, baseVersion: 1, checklist: checklist({ heartRateBpm: 99 }) });
    expect(stale).toMatchObject({ code: 'conflict', message: expect.stringContaining('reload') });
    const invalid = await failure(handlers, 'notes.save', { studyInstanceUid: PHANTOM_STUDY, baseVersion: 2, checklist: { ...checklist(), heartRateBpm: 'fast' } });
    expect(invalid).toMatchObject({ code: 'bad-request', message: expect.stringContaining('heart rate') });
    expect((await call(handlers, 'notes.get', { studyInstanceUid: PHANTOM_STUDY })).versions).toHaveLength(2);

    const { studies } = await call(handlers, 'studies.list', {});
    const phantom = studies.find((study) => study.studyInstanceUid === PHANTOM_STUDY)!;
    expect(phantom.procedureAlerts).toEqual(['Claustrophobia/anxiety: scan not completed (helped: talking, eyes closed)']);
    expect(phantom.doseAboveReference).toBe(true);
    expect(services.store.audit.list(500).map((event) => event.action)).toEqual(expect.arrayContaining(['notes-viewed', 'notes-saved']));
  });
});
