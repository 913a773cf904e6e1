/**
 * The RDSR reader against the real reports of several vendors (shared/data/ct-rdsr). Every expected
 * number below was read with dcmtk (`dsrdump -Ph +Pc -Ee -Ev -Er FILE`; for SpectrumDynamics, which
 * dsrdump cannot walk (value type "PERSON NAME"), with `dcmdump +L`), not from this reader.
 */
import { describe, expect, it, beforeAll, afterAll } from 'vitest';
import { execFileSync } from 'node:child_process';
import { copyFile, readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { ctRdsrDir, geSmartScoreDir, haveSharedData, haveTool } from '../../test/support/sharedData.js';
import { makeTempDir } from '../../test/support/tempDir.js';
import { DoseReportError, readDoseReport } from './rdsrParser.js';
import { mergeStudyDoses } from './studyDoses.js';
import type { StudyDose } from './doseTypes.js';

/** [Mean CTDIvol mGy, DLP mGy cm, phantom, KVP] per irradiation event, in report order; null where the report has none. */
type EventRow = [number | null, number | null, string | null, number | null];

const SCOUT: EventRow = [null, null, null, 120];
const EXPECTED: Record<string, { dlpTotalMgyCm: number; events: EventRow[] }> = {
  // GE VCT Enhanced SR: 27 events, scouts (Constant Angle) carry no CT Dose; 113813 = 2002.39 mGycm.
  'CT-ESR-GE_VCT.dcm': {
    dlpTotalMgyCm: 2002.39,
    events: [
      SCOUT, SCOUT, SCOUT, SCOUT,
      [32.83, 16.41, 'body-32', 120], [8.74, 429.19, 'body-32', 120], [4.93, 246.69, 'body-32', 120],
      SCOUT, SCOUT, SCOUT, SCOUT,
      [6.23, 3.12, 'head-16', 120], [22.26, 890.26, 'head-16', 120],
      SCOUT, SCOUT, SCOUT, SCOUT, SCOUT, SCOUT, SCOUT, SCOUT,
      [5.84, 2.92, 'body-32', 120], [176.12, 352.24, 'body-32', 120], [29.31, 14.66, 'body-32', 120],
      [29.31, 14.66, 'body-32', 120], [31.66, 15.83, 'body-32', 120], [32.83, 16.41, 'body-32', 120],
    ],
  },
  // GE converted by PixelMed: the first event has no KVP.
  'CT-RDSR-GEPixelMed.dcm': { dlpTotalMgyCm: 586.34, events: [[60.41, 475.04, 'head-16', null], [222.59, 111.3, 'head-16', 120]] },
  'CT-RDSR-Philips_BigBore4DCT.dcm': { dlpTotalMgyCm: 541.1, events: [[23.7, 541.1, 'body-32', 120]] },
  'CT-RDSR-Siemens-Multi-1.dcm': { dlpTotalMgyCm: 7.46, events: [[0.15, 7.46, 'body-32', 120]] },
  'CT-RDSR-Siemens-Multi-2.dcm': { dlpTotalMgyCm: 77.27, events: [[0.15, 7.46, 'body-32', 120], [8.13, 69.81, 'body-32', 120]] },
  'CT-RDSR-Siemens-Multi-3.dcm': {
    dlpTotalMgyCm: 236.09,
    events: [[0.15, 7.46, 'body-32', 120], [8.13, 69.81, 'body-32', 120], [7.02, 158.82, 'body-32', 120]],
  },
  // Dual source: tubes A and B; the higher KVP is the event's (DE_laser align: A 100 kV, B 140 kV).
  'CT-RDSR-Siemens_Flash-QA-DS.dcm': {
    dlpTotalMgyCm: 1590,
    events: [
      [15.45, 29.67, 'body-32', 140], [21.95, 84.28, 'body-32', 120], [5.52, 21.18, 'body-32', 120],
      [33.83, 129.89, 'body-32', 140], [13.17, 50.58, 'body-32', 100], [6.26, 24.05, 'body-32', 80],
      [17.1, 65.68, 'body-32', 120], [65.47, 815.33, 'body-32', 120], [29.67, 369.34, 'body-32', 120],
    ],
  },
  'CT-RDSR-Siemens_Flash-TAP-SS.dcm': {
    dlpTotalMgyCm: 724.52,
    events: [[0.14, 11.51, 'body-32', 120], [1.2, 1.2, 'body-32', 120], [3.61, 3.61, 'body-32', 120], [9.91, 708.2, 'body-32', 120]],
  },
  // Read with dcmdump +L: the first event is a scout without CT Dose.
  'CT-RDSR-SpectrumDynamics.dcm': {
    dlpTotalMgyCm: 187.339,
    events: [SCOUT, [10.7753, 21.5506, 'body-32', 120], [12.7189, 25.4378, 'body-32', 120], [14.3344, 68.8053, 'body-32', 120], [16.2604, 71.5456, 'body-32', 120]],
  },
  // Toshiba by PixelMed: no source parameters, so no KVP.
  'CT-RDSR-ToshibaPixelMed.dcm': { dlpTotalMgyCm: 349.7, events: [[null, null, null, null], [25.4, 208.5, 'body-32', null], [24.7, 141.2, 'body-32', null]] },
  'CT-RDSR-Toshiba_DoseCheck.dcm': { dlpTotalMgyCm: 502.4, events: [[5.3, 251.2, 'body-32', 120], [5.3, 251.2, 'body-32', 120]] },
  'CT-RDSR-Toshiba_MultiValSD.dcm': { dlpTotalMgyCm: 136.9, events: [SCOUT, SCOUT, [3.2, 136.9, 'body-32', 120]] },
};

const haveData = haveSharedData(ctRdsrDir);

async function readReport(name: string): Promise<StudyDose | null> {
  return readDoseReport(new Uint8Array(await readFile(join(ctRdsrDir, name))), name);
}

function readError(bytes: Uint8Array, label: string): DoseReportError {
  try {
    readDoseReport(bytes, label);
  } catch (reason) {
    if (reason instanceof DoseReportError) return reason;
    throw reason;
  }
  throw new Error(`${label} was read without a DoseReportError`);
}

describe.skipIf(!haveData)('readDoseReport on real RDSRs', () => {
  it('knows every file of the folder (a new file must get its expected values here)', async () => {
    expect((await readdir(ctRdsrDir)).filter((name) => name.endsWith('.dcm')).sort()).toEqual(Object.keys(EXPECTED).sort());
  });

  for (const [name, expected] of Object.entries(EXPECTED)) {
    it(`${name}: ${expected.events.length} events, CTDIvol, DLP, phantom, kVp and the DLP total as dsrdump shows them`, async () => {
      const dose = (await readReport(name))!;
      expect(dose).not.toBeNull();
      expect(dose.source).toBe('rdsr');
      expect(dose.events.map((event): EventRow => [event.ctdivolMgy, event.dlpMgyCm, event.phantom, event.kvp])).toEqual(expected.events);
      expect(dose.dlpTotalMgyCm).toBeCloseTo(expected.dlpTotalMgyCm, 6);
      expect(dose.studyInstanceUid).toMatch(/^[0-9.]+$/);
      expect(dose.sourceSopInstanceUids).toHaveLength(1);
      // Each event carries its Irradiation Event UID, all distinct.
      expect(new Set(dose.events.map((event) => event.irradiationEventUid)).size).toBe(expected.events.length);
    });
  }

  it('reads the event details of the Siemens report (protocol, type, region, mA, time, length) and the scanner', async () => {
    const dose = (await readReport('CT-RDSR-Siemens-Multi-3.dcm'))!;
    expect(dose.events[1]).toEqual({
      irradiationEventUid: '1.3.6.1.4.1.5962.99.1.792239193.1702185591.1516915727449.5.0',
      ctdivolMgy: 8.13,
      dlpMgyCm: 69.81,
      phantom: 'body-32',
      kvp: 120,
      tubeCurrentMa: 22,
      exposureTimeS: 26.91,
      scanLengthMm: 92,
      acquisitionType: 'Spiral Acquisition',
      protocol: '4DCT',
      targetRegion: 'Chest',
      startedAt: null,
    });
    expect(dose.studyInstanceUid).toBe('1.3.6.1.4.1.5962.99.1.792239193.1702185591.1516915727449.3.0');
    expect(dose.studyDate).toBe('2018-01-05');
    expect(dose.scanner).toEqual({ manufacturer: 'SIEMENS', model: 'SOMATOM Confidence', stationName: 'CTAWP12345', deviceSerial: '989801' });
    // A CTDIvol alert level of 1000 mGy is configured but was never reached: no alert.
    expect(dose.alerts).toEqual([]);
  });

  it('takes the higher tube current of a dual-source event (Flash DS axial std: A 511 mA, B 509 mA)', async () => {
    const dose = (await readReport('CT-RDSR-Siemens_Flash-QA-DS.dcm'))!;
    expect(dose.events[1].tubeCurrentMa).toBe(511);
    expect(dose.events[1].protocol).toBe('DS axial std');
    expect(dose.events[1].targetRegion).toBe('Heart');
  });

  it('reads UTF-8 text in a Latin-1 file as the scanner meant it (Siemens TAP protocol "testæøå")', async () => {
    expect((await readReport('CT-RDSR-Siemens_Flash-TAP-SS.dcm'))!.events[0].protocol).toBe('testæøå');
  });

  it('reads the Dose Check alerts of the Toshiba report (OpenREM: DLP level 100, CTDIvol level 10, estimates 251.2, 502.4, 10.60, "Luuk")', async () => {
    const dose = (await readReport('CT-RDSR-Toshiba_DoseCheck.dcm'))!;
    const [first, second] = dose.events.map((event) => event.irradiationEventUid);
    expect(dose.alerts).toEqual([
      { kind: 'alert', quantity: 'dlp', levelValue: 100, forwardEstimate: 251.2, reason: null, person: 'Luuk', irradiationEventUid: first },
      { kind: 'alert', quantity: 'dlp', levelValue: 100, forwardEstimate: 502.4, reason: null, person: 'Luuk', irradiationEventUid: second },
      { kind: 'alert', quantity: 'ctdivol', levelValue: 10, forwardEstimate: 10.6, reason: null, person: 'Luuk', irradiationEventUid: second },
    ]);
  });

  it('ignores forward estimates written without a configured level (Spectrum Dynamics: "Configured = No")', async () => {
    expect((await readReport('CT-RDSR-SpectrumDynamics.dcm'))!.alerts).toEqual([]);
  });

  it('merges the re-sent Siemens report: one study, three events, the total of the fullest report', async () => {
    const doses = await Promise.all(['CT-RDSR-Siemens-Multi-1.dcm', 'CT-RDSR-Siemens-Multi-2.dcm', 'CT-RDSR-Siemens-Multi-3.dcm'].map(readReport));
    const merged = mergeStudyDoses(doses as StudyDose[]);
    expect(merged).toHaveLength(1);
    expect(merged[0].events.map((event) => event.dlpMgyCm)).toEqual([7.46, 69.81, 158.82]);
    expect(merged[0].dlpTotalMgyCm).toBe(236.09);
    expect(merged[0].sourceSopInstanceUids).toHaveLength(3);
  });

  it('returns null for a CT image', async () => {
    const name = (await readdir(geSmartScoreDir))[0];
    expect(readDoseReport(new Uint8Array(await readFile(join(geSmartScoreDir, name))), name)).toBeNull();
  });

  it('returns null for bytes that are not DICOM', () => {
    expect(readDoseReport(new TextEncoder().encode('just a text file, not DICOM at all'), 'notes.txt')).toBeNull();
  });

  it('refuses a truncated report, naming the file', async () => {
    const whole = new Uint8Array(await readFile(join(ctRdsrDir, 'CT-RDSR-Siemens-Multi-3.dcm')));
    const error = readError(whole.subarray(0, 12000), 'CT-RDSR-cut.dcm');
    expect(error.message).toMatch(/^CT-RDSR-cut\.dcm: the dose report is truncated or damaged \(12000 bytes/);
    expect(error.fileLabel).toBe('CT-RDSR-cut.dcm');
  });
});

/** Real reports edited with dcmtk's dcmodify, as a broken scanner or converter would write them. */
describe.skipIf(!haveData || !haveTool('dcmodify'))('readDoseReport on edited reports', () => {
  let temp: { dir: string; remove: () => Promise<void> };
  beforeAll(async () => {
    temp = await makeTempDir('rdsr');
  });
  afterAll(async () => temp.remove());

  /** Siemens-Multi-3 root content: item [13] is the second CT Acquisition, its [6] the CT Dose, whose [0] is Mean CTDIvol. */
  const CTDIVOL_OF_EVENT_2 = '(0040,a730)[13].(0040,a730)[6].(0040,a730)[0]';

  async function edited(name: string, ...dcmodifyArgs: string[]): Promise<Uint8Array> {
    const file = join(temp.dir, name);
    await copyFile(join(ctRdsrDir, 'CT-RDSR-Siemens-Multi-3.dcm'), file);
    execFileSync('dcmodify', ['-nb', ...dcmodifyArgs, file]);
    return new Uint8Array(await readFile(file));
  }

  it('refuses an event whose Mean CTDIvol is missing', async () => {
    const bytes = await edited('no-ctdivol.dcm', '-m', `${CTDIVOL_OF_EVENT_2}.(0040,a043)[0].(0008,0100)=999999`);
    expect(readError(bytes, 'no-ctdivol.dcm').message).toBe('no-ctdivol.dcm: irradiation event 2 has no Mean CTDIvol (113830)');
  });

  it('refuses a CTDIvol in a unit that is not a dose in mGy', async () => {
    const bytes = await edited('msv.dcm', '-m', `${CTDIVOL_OF_EVENT_2}.(0040,a300)[0].(0040,08ea)[0].(0008,0100)=mSv`);
    expect(readError(bytes, 'msv.dcm').message).toBe('msv.dcm: irradiation event 2: Mean CTDIvol (113830) is given in "mSv", expected mGy');
  });

  it('converts a CTDIvol given in Gy to mGy', async () => {
    const bytes = await edited('gy.dcm', '-m', `${CTDIVOL_OF_EVENT_2}.(0040,a300)[0].(0040,08ea)[0].(0008,0100)=Gy`, '-m', `${CTDIVOL_OF_EVENT_2}.(0040,a300)[0].(0040,a30a)=0.00813`);
    expect(readDoseReport(bytes, 'gy.dcm')!.events[1].ctdivolMgy).toBeCloseTo(8.13, 9);
  });

  it('refuses a report without its content', async () => {
    const bytes = await edited('empty.dcm', '-e', '(0040,a730)');
    expect(readError(bytes, 'empty.dcm').message).toBe('empty.dcm: the dose report has no content (Content Sequence (0040,A730) is missing)');
  });

  it('returns null for a Comprehensive SR that is not a dose report', async () => {
    const file = join(temp.dir, 'other-sr.dcm');
    await copyFile(join(ctRdsrDir, 'CT-ESR-GE_VCT.dcm'), file);
    execFileSync('dcmodify', ['-nb', '-m', '(0040,a043)[0].(0008,0100)=126000', '-m', '(0040,a043)[0].(0008,0104)=Imaging Measurement Report', file]);
    expect(readDoseReport(new Uint8Array(await readFile(file)), 'other-sr.dcm')).toBeNull();
  });
});
