import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { openArchiveDatabase, type ArchiveDatabase } from './archiveDatabase.js';
import { DoseEntryError, DoseRepository, mainProtocol, type DoseRecordingContext } from './doseRepository.js';
import type { DoseEvent, StudyDose } from '../main/dose/doseTypes.js';
import { DEFAULT_REFERENCE_LEVELS } from '../main/dose/referenceLevels.js';
import { makeTempDir } from '../test/support/tempDir.js';

const STUDY = '1.2.826.0.1.3680043.8.498.1';

function event(overrides: Partial<DoseEvent> = {}): DoseEvent {
  return {
    irradiationEventUid: null,
    ctdivolMgy: 3.2,
    dlpMgyCm: 48,
    phantom: 'body-32',
    kvp: 120,
    tubeCurrentMa: 80,
    exposureTimeS: 0.3,
    scanLengthMm: 150,
    acquisitionType: 'Sequenced Acquisition',
    protocol: 'CaScore',
    targetRegion: 'Chest',
    startedAt: null,
    ...overrides,
  };
}

function rdsrDose(events: DoseEvent[], dlpTotalMgyCm: number | null): StudyDose {
  return {
    studyInstanceUid: STUDY,
    source: 'rdsr',
    sourceSopInstanceUids: ['1.2.3.99'],
    events,
    dlpTotalMgyCm,
    scanner: { manufacturer: 'SIEMENS', model: 'Definition Flash', stationName: 'CT1', deviceSerial: '123' },
    alerts: [],
    studyDate: '2026-11-27',
  };
}

const context = (overrides: Partial<DoseRecordingContext> = {}): DoseRecordingContext => ({
  kFactorChoice: 'adult-chest',
  referenceLevels: DEFAULT_REFERENCE_LEVELS,
  studyDescription: 'CT Calcium Score',
  patientId: 'P1',
  studyDate: '2026-11-27',
  recordedBy: 'tech a',
  ...overrides,
});

const validManual = {
  studyInstanceUid: STUDY,
  events: [
    { ctdivolMgy: 0.1, dlpMgyCm: 5, kvp: 120, protocol: 'Topogram' },
    { ctdivolMgy: 3.4, dlpMgyCm: 55.5, kvp: 120, tubeCurrentMa: 90, exposureTimeS: 0.28, scanLengthMm: 140, protocol: 'CaScore' },
  ],
};

describe('DoseRepository (real SQLite file)', () => {
  let temp: { dir: string; remove: () => Promise<void> };
  let db: ArchiveDatabase;
  let doses: DoseRepository;
  const count = () => db.prepare('SELECT count(*) FROM dose_records').pluck().get() as number;

  beforeEach(async () => {
    temp = await makeTempDir('dose-repo');
    db = openArchiveDatabase(join(temp.dir, 'archive.sqlite'));
    doses = new DoseRepository(db);
  });
  afterEach(async () => {
    db.close();
    await temp.remove();
  });

  it('records the effective dose with k and its source as they were: a later k change does not rewrite old records', () => {
    const chest = doses.record(rdsrDose([event()], 48), context());
    expect(chest.effectiveDose).toEqual({ effectiveDoseMsv: 48 * 0.014, kFactor: 0.014, kFactorChoice: 'adult-chest', kFactorSource: expect.stringContaining('AAPM') });
    // The setting changes to the cardiac k: a new record uses it, the old one keeps its own.
    const cardiac = doses.record(rdsrDose([event(), event({ dlpMgyCm: 2 })], 50), context({ kFactorChoice: 'cardiac' }));
    expect(cardiac.effectiveDose).toMatchObject({ effectiveDoseMsv: 50 * 0.026, kFactor: 0.026, kFactorSource: expect.stringContaining('Trattner') });
    const history = doses.history(STUDY);
    expect(history.map((record) => record.effectiveDose?.kFactor)).toEqual([0.026, 0.014]);
    expect(history[1].effectiveDose?.effectiveDoseMsv).toBeCloseTo(0.672, 10);
    expect(doses.current(STUDY)?.id).toBe(cardiac.id);
  });

  it('refuses UPDATE and DELETE of a dose record (corrections are new rows)', () => {
    const record = doses.record(rdsrDose([event()], 48), context());
    expect(() => db.prepare('UPDATE dose_records SET k_factor = 0.026 WHERE id = ?').run(record.id)).toThrow(/cannot be changed/);
    expect(() => db.prepare('DELETE FROM dose_records WHERE id = ?').run(record.id)).toThrow(/cannot be deleted/);
    expect(doses.current(STUDY)?.effectiveDose?.kFactor).toBe(0.014);
  });

  it('flags a dose above the reference level matched by protocol, and keeps the level applied', () => {
    const above = doses.record(rdsrDose([event({ ctdivolMgy: 12.5, dlpMgyCm: 180 })], 180), context());
    expect(above.reference).toEqual({ level: DEFAULT_REFERENCE_LEVELS[0], ctdivolAbove: true, dlpAbove: false, above: true });
    expect(above.ctdivolMaxMgy).toBe(12.5);
    const unmatched = doses.record(rdsrDose([event({ protocol: 'Abdomen routine', ctdivolMgy: 12.5 })], 180), context({ studyDescription: 'Abdomen' }));
    expect(unmatched.reference).toEqual({ level: null, ctdivolAbove: null, dlpAbove: null, above: false });
  });

  it('prefers the RDSR over a newer manual entry, and a manual entry over image headers', () => {
    const header = doses.record({ ...rdsrDose([event({ dlpMgyCm: null })], null), source: 'image-header' }, context());
    expect(doses.current(STUDY)?.id).toBe(header.id);
    const manual = doses.recordManual(validManual, context());
    expect(doses.current(STUDY)?.id).toBe(manual.id);
    const rdsr = doses.record(rdsrDose([event()], 48), context());
    doses.recordManual(validManual, context());
    expect(doses.current(STUDY)?.id).toBe(rdsr.id);
    expect(doses.history(STUDY)).toHaveLength(4);
  });

  it('records a valid manual entry: events, DLP total as the sum, source manual per value', () => {
    const record = doses.recordManual(validManual, context());
    expect(record).toMatchObject({ source: 'manual', dlpTotalMgyCm: 60.5, ctdivolMaxMgy: 3.4, protocol: 'CaScore', recordedBy: 'tech a' });
    expect(record.valueSources).toEqual({ ctdivolMgy: 'manual', dlpTotalMgyCm: 'manual', events: 'manual' });
    expect(record.events[1]).toMatchObject({ ctdivolMgy: 3.4, dlpMgyCm: 55.5, kvp: 120, tubeCurrentMa: 90, phantom: 'body-32' });
    expect(record.effectiveDose?.effectiveDoseMsv).toBeCloseTo(60.5 * 0.014, 10);
  });

  const refusals: Array<[string, unknown, RegExp]> = [
    ['a negative CTDIvol', { ...validManual, events: [{ ctdivolMgy: -1, dlpMgyCm: 50 }] }, /events\.0\.ctdivolMgy: CTDIvol must be more than 0 mGy/],
    ['an absurd DLP', { ...validManual, events: [{ ctdivolMgy: 3, dlpMgyCm: 50000 }] }, /events\.0\.dlpMgyCm: DLP must be at most 5000 mGy·cm/],
    ['NaN', { ...validManual, events: [{ ctdivolMgy: Number.NaN, dlpMgyCm: 50 }] }, /CTDIvol must be a number in mGy/],
    ['a string', { ...validManual, events: [{ ctdivolMgy: '3.2', dlpMgyCm: 50 }] }, /CTDIvol must be a number in mGy/],
    ['a missing field', { ...validManual, events: [{ ctdivolMgy: 3.2 }] }, /events\.0\.dlpMgyCm: DLP is missing: enter it in mGy·cm/],
    ['a kVp out of range', { ...validManual, events: [{ ctdivolMgy: 3.2, dlpMgyCm: 50, kvp: 300 }] }, /kVp must be at most 150 kV/],
    ['no events', { ...validManual, events: [] }, /events: give at least one irradiation event/],
    ['a total below the events’ sum', { ...validManual, dlpTotalMgyCm: 50 }, /dlpTotalMgyCm: the total DLP \(50 mGy·cm\) is less than the sum of the events' DLP \(60\.5 mGy·cm\)/],
    ['an unknown field (wrong unit name)', { ...validManual, events: [{ ctdivolMgy: 3.2, dlpMgyCm: 50, dlpMGyM: 0.5 }] }, /dlpMGyM/],
  ];

  it.each(refusals)('refuses %s with a message naming the field, and saves nothing', (_what, entry, message) => {
    doses.record(rdsrDose([event()], 48), context({ studyDescription: null }));
    const before = count();
    let error: unknown;
    try {
      doses.recordManual(entry, context());
    } catch (reason) {
      error = reason;
    }
    expect(error).toBeInstanceOf(DoseEntryError);
    expect((error as Error).message).toMatch(message);
    expect(count()).toBe(before);
  });

  it('saves nothing of an entry with one good and one bad event (the whole entry is refused)', () => {
    const entry = { ...validManual, events: [{ ctdivolMgy: 3, dlpMgyCm: 40 }, { ctdivolMgy: 3, dlpMgyCm: -40 }] };
    expect(() => doses.recordManual(entry, context())).toThrow(/events\.1\.dlpMgyCm: DLP must be more than 0/);
    expect(count()).toBe(0);
  });

  it('keeps reasons append-only', () => {
    const record = doses.record(rdsrDose([event({ ctdivolMgy: 20 })], 300), context());
    doses.addReason(STUDY, record.id, 'obese patient, 140 kg', 'tech a');
    doses.addReason(STUDY, record.id, 'obese patient (140 kg), second tube current', 'tech b');
    expect(doses.latestReason(STUDY)).toMatchObject({ reason: 'obese patient (140 kg), second tube current', recordedBy: 'tech b', doseRecordId: record.id });
    expect(() => db.prepare('UPDATE dose_reasons SET reason = ?').run('x')).toThrow(/cannot be changed/);
    expect(() => db.prepare('DELETE FROM dose_reasons').run()).toThrow(/cannot be deleted/);
  });

  it('lists the record in effect per study with filters, oldest first', () => {
    const other = '1.2.826.0.1.3680043.8.498.2';
    doses.record({ ...rdsrDose([event()], 48), studyDate: '2026-01-10' }, context());
    doses.record({ ...rdsrDose([event({ protocol: 'Thorax', ctdivolMgy: 8 })], 300), studyInstanceUid: other, studyDate: '2025-06-01' }, context());
    doses.record({ ...rdsrDose([event({ dlpMgyCm: 60 })], 60), studyDate: '2026-01-10' }, context());
    const all = doses.log();
    expect(all.map((row) => [row.studyInstanceUid, row.dlpTotalMgyCm])).toEqual([
      [other, 300],
      [STUDY, 60],
    ]);
    expect(doses.log({ protocol: 'cascore' }).map((row) => row.studyInstanceUid)).toEqual([STUDY]);
    expect(doses.log({ from: '2026-01-01' }).map((row) => row.studyInstanceUid)).toEqual([STUDY]);
    expect(doses.log({ to: '2025-12-31' }).map((row) => row.studyInstanceUid)).toEqual([other]);
    expect(doses.log({ scanner: 'flash' })).toHaveLength(2);
    expect(doses.log({ scanner: 'philips' })).toHaveLength(0);
  });

  it('files a study under the protocol of its largest-DLP event', () => {
    expect(mainProtocol([event({ protocol: 'Topogram', dlpMgyCm: 5 }), event({ protocol: 'CaScore', dlpMgyCm: 50 })])).toBe('CaScore');
    expect(mainProtocol([event({ protocol: null })])).toBeNull();
  });
});
