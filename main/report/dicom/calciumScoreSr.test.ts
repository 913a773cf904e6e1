/**
 * The calcium score SR judged by the real tools: dciodvfy (dicom3tools) for the IOD, dsrdump (dcmtk)
 * for the numbers a PACS user would see, dcmdump for the header and references.
 */
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cacCategory, cacDrs, categoryWording, classicCategory } from '../../../native-worker/risk/categories.js';
import { ARTERIES, type Artery } from '../../../native-worker/scoring/arteries.js';
import type { CalciumScore } from '../../../native-worker/scoring/scores.js';
import { sampleReportContent, sampleScores, sampleSignedVersion } from '../../../test/support/reportFixture.js';
import { haveTool } from '../../../test/support/sharedData.js';
import { makeTempDir } from '../../../test/support/tempDir.js';
import type { ReportContent, ReportVersion } from '../reportContent.js';
import { ReportDicomError, decimalString, writeCalciumScoreSr } from './calciumScoreSr.js';
import { MAX_UT_BYTES } from './dicomCommon.js';
import { readSrScores } from './readBack.js';
import { COMPREHENSIVE_SR_STORAGE, ReportUidError, reportObjectUids } from './reportUids.js';
import { ARTERY_CODES, SR_CODES } from './srCodes.js';
import { dciodvfy, dcmdump, dsrdumpScores, dsrdumpTree, dumpCode, dumpNumber, dumpText, dumpValues, findDumpItems, runTool } from './testing/dicomTools.js';

const TOOLS = ['dciodvfy', 'dsrdump', 'dcmdump', 'dcmodify'];
const ready = TOOLS.every((tool) => haveTool(tool));

/**
 * dciodvfy warnings we accept, each for a reason: the private code scheme of the concepts DICOM has
 * no code for (declared in the Coding Scheme Identification Sequence, which dciodvfy does not
 * consult), and the empty Study ID when the caller does not pass the images' Study ID.
 */
const ACCEPTED_WARNINGS = [/Unrecognized defined term <99CACWS>.*Coding Scheme Designator/, /needed to build DICOMDIR - Study ID/];

function unexpectedWarnings(warnings: string[], alsoAccepted: RegExp[] = []): string[] {
  return warnings.filter((warning) => ![...ACCEPTED_WARNINGS, ...alsoAccepted].some((accepted) => accepted.test(warning)));
}

function withScores(arteries: Record<Artery, CalciumScore>, total: CalciumScore, extra: Partial<ReportContent> = {}): ReportContent {
  const drs = cacDrs(arteries, total.agatston);
  const kept = total.agatston > 0;
  return sampleReportContent({
    scores: { arteries, total },
    categories: {
      seed: cacCategory(total.agatston, kept),
      classic: classicCategory(total.agatston, kept),
      cacDrs: drs,
      wording: categoryWording('cacDrs', drs.grade),
    },
    ...extra,
  });
}

/** The per-artery and total numbers as dsrdump prints them, found by the vessel codes. */
function expectScoresClose(found: { agatston: number; volumeMm3: number; massMg: number | null; lesions: number }, expected: CalciumScore, where: string): void {
  expect(Math.abs(found.agatston - expected.agatston), `${where} Agatston`).toBeLessThanOrEqual(0.005);
  expect(Math.abs(found.volumeMm3 - expected.volumeMm3), `${where} volume`).toBeLessThanOrEqual(0.005);
  if (expected.massMg === null) expect(found.massMg, `${where} mass`).toBeNull();
  else expect(Math.abs((found.massMg as number) - expected.massMg), `${where} mass`).toBeLessThanOrEqual(0.005);
  expect(found.lesions, `${where} lesions`).toBe(expected.lesions);
}

describe.skipIf(!ready)('calcium score SR (dciodvfy, dsrdump, dcmdump)', () => {
  let dir = '';
  let remove: () => Promise<void> = async () => {};
  beforeAll(async () => {
    ({ dir, remove } = await makeTempDir('report-sr'));
  });
  afterAll(() => remove());

  async function write(name: string, version: ReportVersion, options?: Parameters<typeof writeCalciumScoreSr>[1]): Promise<string> {
    const file = join(dir, `${name}.dcm`);
    await writeFile(file, writeCalciumScoreSr(version, options));
    return file;
  }

  function expectValid(file: string, alsoAccepted: RegExp[] = []): string[] {
    const verdict = dciodvfy(file);
    expect(verdict.output).toMatch(/ComprehensiveSR/);
    expect(verdict.errors, verdict.output).toEqual([]);
    expect(unexpectedWarnings(verdict.warnings, alsoAccepted), verdict.output).toEqual([]);
    return verdict.warnings;
  }

  it('is a valid Comprehensive SR for the fixture; only the accepted warnings remain', async () => {
    const file = await write('fixture', sampleSignedVersion(), { institutionName: 'Heart Centre', stationName: 'CACWS1' });
    const warnings = expectValid(file);
    expect(warnings.length).toBeGreaterThan(0); // the 99CACWS and Study ID warnings, listed in the report
    // With the images' Study ID, the DICOMDIR warning goes away.
    const withStudyId = await write('fixture-studyid', sampleSignedVersion(), { studyId: '4711' });
    expect(dciodvfy(withStudyId).warnings.filter((w) => /Study ID/.test(w))).toEqual([]);
  });

  it('the validator does catch a broken SR (the check above is not vacuous)', async () => {
    const file = await write('broken', sampleSignedVersion());
    const run = runTool('dcmodify', ['-nb', '-ea', '(0040,a491)', file]); // delete Completion Flag
    expect(run.status).toBe(0);
    expect(dciodvfy(file).errors.length).toBeGreaterThan(0);
  });

  it('dsrdump reads back every artery and the total equal to the signed scores (within 0.005)', async () => {
    const version = sampleSignedVersion();
    const file = await write('numbers', version);
    const tree = dsrdumpTree(file);
    expect(tree.stderr.trim()).toBe('');
    const found = dsrdumpScores(tree.items);
    for (const artery of ARTERIES) expectScoresClose(found[artery], version.content.scores.arteries[artery], artery);
    expectScoresClose(found.total, version.content.scores.total, 'total');

    // Method, categories, observer and text as dsrdump shows them.
    const root = tree.items[0];
    const method = findDumpItems(root.children, SR_CODES.scoringMethod.value)[0];
    expect(dumpNumber(findDumpItems(method.children, SR_CODES.agatstonThreshold.value)[0])).toEqual({ value: 130, unit: "[hnsf'U]" });
    expect(dumpNumber(findDumpItems(method.children, SR_CODES.minimumLesionArea.value)[0])).toEqual({ value: 1, unit: 'mm2' });
    expect(dumpNumber(findDumpItems(method.children, SR_CODES.massCalibrationFactor.value)[0]).value).toBe(0.72205);
    expect(dumpText(findDumpItems(method.children, SR_CODES.algorithmName.value)[0])).toBe('CAC Workstation 0.1.0');
    expect(dumpText(findDumpItems(method.children, SR_CODES.algorithmVersion.value)[0])).toBe('cac-scoring/1.0.0');
    const categories = findDumpItems(root.children, SR_CODES.categories.value)[0];
    expect(dumpText(findDumpItems(categories.children, SR_CODES.cacDrs.value)[0])).toBe('CAC-DRS A2/N3');
    expect(dumpText(findDumpItems(root.children, SR_CODES.personObserverName.value)[0])).toBe('Reader^Jane^^Dr');
    const narrative = findDumpItems(root.children, SR_CODES.findings.value)[0];
    expect(dumpText(findDumpItems(narrative.children, SR_CODES.finding.value)[0])).toBe(version.content.findings);
    expect(dumpText(findDumpItems(narrative.children, SR_CODES.impression.value)[0])).toBe(version.content.impression);

    // The project's own reader agrees with dsrdump.
    const read = readSrScores(readFileSync(file));
    for (const artery of ARTERIES) expectScoresClose(read.arteries[artery], version.content.scores.arteries[artery], `readBack ${artery}`);
    expectScoresClose(read.total, version.content.scores.total, 'readBack total');
    expect(read.thresholdHu).toBe(130);
  });

  it('sits in the images\' study and references the scored images (dcmdump)', async () => {
    const version = sampleSignedVersion();
    const file = await write('header', version, { institutionName: 'Heart Centre' });
    const dump = dcmdump(file);
    const { content } = version;
    expect(dumpValues(dump, '0020,000d')[0]).toBe(content.study.studyInstanceUid);
    expect(dumpValues(dump, '0008,0016')).toEqual([COMPREHENSIVE_SR_STORAGE]);
    expect(dumpValues(dump, '0002,0010')).toEqual(['1.2.840.10008.1.2.1']);
    expect(dumpValues(dump, '0008,0060')).toEqual(['SR']);
    const uids = reportObjectUids(content.study.studyInstanceUid, version.reportId, version.version, 'sr');
    expect(dumpValues(dump, '0008,0018')).toEqual([uids.sopInstanceUid]);
    expect(dumpValues(dump, '0020,000e')).toContain(uids.seriesInstanceUid);
    expect(dumpValues(dump, '0020,000e')).toContain(content.series.seriesInstanceUid);
    expect(dumpValues(dump, '0020,0013')).toEqual(['1']);
    expect(dumpValues(dump, '0010,0010')).toEqual(['DOE^JOHN']);
    expect(dumpValues(dump, '0010,0020')).toEqual(['PAT-0042']);
    expect(dumpValues(dump, '0010,0030')).toEqual(['19630214']);
    expect(dumpValues(dump, '0010,0040')).toEqual(['M']);
    expect(dumpValues(dump, '0008,0020')).toEqual(['20251120']);
    expect(dumpValues(dump, '0008,0030')).toEqual(['093015']);
    expect(dumpValues(dump, '0008,0050')).toEqual(['ACC-77881']);
    expect(dumpValues(dump, '0008,0090')).toEqual(['SMITH^ANNA']);
    expect(dumpValues(dump, '0040,a491')).toEqual(['COMPLETE']);
    expect(dumpValues(dump, '0040,a493')).toEqual(['VERIFIED']);
    expect(dumpValues(dump, '0040,a075')).toEqual(['Reader^Jane^^Dr']);
    expect(dumpValues(dump, '0040,a027')).toEqual(['Heart Centre']);
    expect(dumpValues(dump, '0040,a030')).toEqual(['20251120101542+0000']);
    expect(dumpValues(dump, '0008,0023')).toEqual(['20251120']);
    expect(dumpValues(dump, '0008,0033')).toEqual(['101542']);
    expect(dump).not.toMatch(/\(0008,0005\)/); // all ASCII: no Specific Character Set needed
    // Current Requested Procedure Evidence: every scored image, with its SOP class.
    expect(dumpValues(dump, '0008,1155')).toEqual(content.series.sopInstanceUids);
    expect(new Set(dumpValues(dump, '0008,1150'))).toEqual(new Set([content.series.sopClassUid]));
    expect(dump).toMatch(/\(0040,a375\) SQ/);
    expect(dump).not.toMatch(/\(0040,a360\)/); // no predecessor for version 1
  });

  it('an amendment references the SR of the version it amends (Predecessor Documents Sequence)', async () => {
    const original = sampleSignedVersion();
    const originalFile = await write('v1', original);
    const amended: ReportVersion = {
      ...sampleSignedVersion(sampleReportContent({ impression: 'Moderate coronary artery calcium (CAC-DRS A2/N3). Amended: LAD lesion confirmed.' })),
      version: 2,
      signedAt: '2025-11-21T08:00:00.000Z',
      amends: { version: 1, reason: 'LAD lesion confirmed' },
    };
    const amendedFile = await write('v2', amended);
    expectValid(amendedFile);
    const originalDump = dcmdump(originalFile);
    const amendedDump = dcmdump(amendedFile);
    const originalSop = dumpValues(originalDump, '0008,0018')[0];
    const originalSeries = dumpValues(originalDump, '0020,000e')[0];
    expect(dumpValues(amendedDump, '0008,0018')[0]).not.toBe(originalSop);
    expect(dumpValues(amendedDump, '0020,000e')[0]).toBe(originalSeries); // same series, next instance
    expect(dumpValues(amendedDump, '0020,0013')).toEqual(['2']);
    const predecessor = amendedDump.slice(amendedDump.indexOf('(0040,a360)'));
    expect(amendedDump).toMatch(/\(0040,a360\) SQ/);
    expect(dumpValues(predecessor, '0008,1155')[0]).toBe(originalSop);
    expect(dumpValues(predecessor, '0008,1150')[0]).toBe(COMPREHENSIVE_SR_STORAGE);
    expect(dumpValues(predecessor, '0020,000e')[0]).toBe(originalSeries);
    expect(dumpValues(predecessor, '0020,000d')[0]).toBe(original.content.study.studyInstanceUid);
    expect(dumpValues(amendedDump, '0040,a030')).toEqual(['20251121080000+0000']);
  });

  it('is deterministic: the same version gives byte-identical files (a resend is the same object)', () => {
    const a = writeCalciumScoreSr(sampleSignedVersion(), { institutionName: 'Heart Centre' });
    const b = writeCalciumScoreSr(sampleSignedVersion(), { institutionName: 'Heart Centre' });
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(true);
    // A superseded version (status changed after an amendment) is still the same object.
    const superseded = writeCalciumScoreSr({ ...sampleSignedVersion(), status: 'superseded' }, { institutionName: 'Heart Centre' });
    expect(Buffer.from(superseded).equals(Buffer.from(a))).toBe(true);
  });

  it('non-ASCII names: ISO_IR 192, valid, names read back intact', async () => {
    const content = sampleReportContent({
      patient: { name: 'Müller-Lüdenscheidt^Zoë', patientId: 'PAT-ÄÖ1', birthDate: '1950-01-01', sex: 'F', ageYears: 75 },
      reading: { readingId: 7, revision: 12, reader: 'Dr Łukasz Żółć' },
    });
    const version = { ...sampleSignedVersion(content), signedBy: 'Dr Łukasz Żółć' };
    const file = await write('utf8', version);
    expectValid(file);
    const dump = dcmdump(file);
    expect(dumpValues(dump, '0008,0005')).toEqual(['ISO_IR 192']);
    expect(dumpValues(dump, '0010,0010')).toEqual(['Müller-Lüdenscheidt^Zoë']);
    expect(dumpValues(dump, '0040,a075')).toEqual(['Żółć^Łukasz^^Dr']);
    const tree = dsrdumpTree(file);
    expect(dumpText(findDumpItems(tree.items[0].children, SR_CODES.personObserverName.value)[0])).toBe('Żółć^Łukasz^^Dr');
    // dcmtk 3.6.7's VR checker cannot check UTF-8 strings and says so; nothing else may be reported.
    const complaints = tree.stderr.split('\n').filter((line) => line.trim() && !/VR checker does not support this Specific Character Set: ISO_IR 192/.test(line));
    expect(complaints).toEqual([]);
  });

  it('null patient and study fields stay present and empty (Type 2) and the SR is valid', async () => {
    const content = sampleReportContent({
      patient: { name: null, patientId: 'PAT-0042', birthDate: null, sex: null, ageYears: null },
      study: { ...sampleReportContent().study, studyDate: null, studyTime: null, accessionNumber: null, description: null, referringPhysician: null },
    });
    const file = await write('nulls', sampleSignedVersion(content));
    // An unknown study date/time is legal (Type 2, empty); only DICOMDIR building would miss it.
    expectValid(file, [/needed to build DICOMDIR - Study (Date|Time)/]);
    const dump = dcmdump(file);
    for (const tag of ['0010,0010', '0010,0030', '0010,0040', '0008,0020', '0008,0030', '0008,0050', '0008,0090']) {
      expect(dumpValues(dump, tag), tag).toEqual(['']);
    }
    expect(dump).not.toMatch(/\(0008,1030\)/);
  });

  it('null mass (not calibrated): no Calcium Mass item, a comment instead; valid', async () => {
    const base = sampleScores();
    const noMass = (s: CalciumScore): CalciumScore => ({ ...s, massMg: null });
    const arteries = Object.fromEntries(ARTERIES.map((a) => [a, noMass(base.arteries[a])])) as Record<Artery, CalciumScore>;
    const content = withScores(arteries, noMass(base.total), { method: { ...sampleReportContent().method, massFactor: null, massFactorSource: 'not calibrated' } });
    const file = await write('nomass', sampleSignedVersion(content));
    expectValid(file);
    const found = dsrdumpScores(dsrdumpTree(file).items);
    for (const artery of ARTERIES) expectScoresClose(found[artery], arteries[artery], artery);
    expect(found.total.massMg).toBeNull();
    expect(readSrScores(readFileSync(file)).total.massMg).toBeNull();
    const tree = dsrdumpTree(file);
    const method = findDumpItems(tree.items[0].children, SR_CODES.scoringMethod.value)[0];
    expect(findDumpItems(method.children, SR_CODES.massCalibrationFactor.value)).toEqual([]);
    expect(tree.output).toMatch(/not calibrated/);
  });

  it('zero score (CAC-DRS 0): valid, zeros read back', async () => {
    const zero: CalciumScore = { agatston: 0, volumeMm3: 0, massMg: 0, lesions: 0 };
    const arteries = Object.fromEntries(ARTERIES.map((a) => [a, zero])) as Record<Artery, CalciumScore>;
    const content = withScores(arteries, zero, { findings: 'No coronary artery calcium.', impression: 'CAC-DRS 0.' });
    const file = await write('zero', sampleSignedVersion(content));
    expectValid(file);
    const found = dsrdumpScores(dsrdumpTree(file).items);
    for (const key of [...ARTERIES, 'total'] as const) expectScoresClose(found[key], zero, key);
    expect(dsrdumpTree(file).output).toMatch(/"CAC-DRS 0"/);
  });

  it('very long findings go into UT and read back whole; absurd lengths are refused clearly', async () => {
    const paragraph = 'Calcified plaque in the proximal LAD, partly obscured by motion; the reading was repeated.\n';
    const findings = paragraph.repeat(3000); // ~ 270 kB, far beyond LT's 10240 characters
    const file = await write('long', sampleSignedVersion(sampleReportContent({ findings })));
    expectValid(file);
    const tree = dsrdumpTree(file);
    const narrative = findDumpItems(tree.items[0].children, SR_CODES.findings.value)[0];
    // dsrdump prints line breaks as "\n"; with +Pl the whole value.
    const dumped = dumpText(findDumpItems(narrative.children, SR_CODES.finding.value)[0]).replace(/\\n/g, '\n');
    expect(dumped.length).toBe(findings.trimEnd().length);
    expect(dumped).toBe(findings.trimEnd());
    const read = readFileSync(file);
    expect(read.includes(Buffer.from(findings.trimEnd(), 'utf8'))).toBe(true);
    expect(() => writeCalciumScoreSr(sampleSignedVersion(sampleReportContent({ findings: 'x'.repeat(MAX_UT_BYTES + 1) })))).toThrow(/findings is .* bytes/);
  });

  it('a draft is UNVERIFIED, without verifying observer, and valid', async () => {
    const draft: ReportVersion = { ...sampleSignedVersion(), status: 'draft', signedAt: null, signedBy: null, contentSha256: null };
    const file = await write('draft', draft);
    expectValid(file);
    const dump = dcmdump(file);
    expect(dumpValues(dump, '0040,a493')).toEqual(['UNVERIFIED']);
    expect(dump).not.toMatch(/\(0040,a073\)/);
    expect(dumpValues(dump, '0008,0023')).toEqual(['20251120']);
    expect(dumpValues(dump, '0008,0033')).toEqual(['100200']); // createdAt
  });
});

describe('calcium score SR input checks', () => {
  it('refuses bad input with a message that names the field', () => {
    const study = sampleReportContent().study;
    expect(() => writeCalciumScoreSr(sampleSignedVersion(sampleReportContent({ study: { ...study, studyInstanceUid: '1.2.03' } })))).toThrow(ReportUidError);
    expect(() => writeCalciumScoreSr(sampleSignedVersion(sampleReportContent({ study: { ...study, accessionNumber: 'ACC-1234567890123' } })))).toThrow(/accession number is 17 characters.*16/);
    expect(() => writeCalciumScoreSr(sampleSignedVersion(sampleReportContent({ study: { ...study, studyDate: '2025-02-30' } })))).toThrow(/study date "2025-02-30" is not a date/);
    const scores = sampleScores();
    const nan = { ...scores, total: { ...scores.total, agatston: Number.NaN } };
    expect(() => writeCalciumScoreSr(sampleSignedVersion({ ...sampleReportContent(), scores: nan }))).toThrow(ReportDicomError);
    expect(() => writeCalciumScoreSr({ ...sampleSignedVersion(), version: 2, amends: { version: 2, reason: 'x' } })).toThrow(/earlier version/);
    expect(() => writeCalciumScoreSr(sampleSignedVersion(sampleReportContent({ patient: { ...sampleReportContent().patient, patientId: ' ' } })))).toThrow(/Patient ID/);
    expect(() => writeCalciumScoreSr(sampleSignedVersion(sampleReportContent({ series: { ...sampleReportContent().series, sopInstanceUids: [] } })))).toThrow(/no scored images/);
  });

  it('writes decimals in at most 16 characters that read back within 0.005 (relative 1e-10 beyond 1e9)', () => {
    for (const value of [0, 1, 187.8125, 1e20, 12345678901234567890, 1 / 3, 2 / 3 * 1000, 123456.789012345, 98765432.123456, 1e-7, 0.004999, 4321.123456789012]) {
      const text = decimalString(value, 'test');
      expect(text.length, text).toBeLessThanOrEqual(16);
      // 0.005 absolute for any plausible score; beyond 1e9 only 16 characters' relative precision exists.
      expect(Math.abs(Number(text) - value), text).toBeLessThanOrEqual(Math.max(0.005, Math.abs(value) * 1e-10));
    }
    expect(decimalString(112.4375, 'x')).toBe('112.4375');
    expect(() => decimalString(Number.POSITIVE_INFINITY, 'Agatston')).toThrow(/Agatston is Infinity/);
  });
});
