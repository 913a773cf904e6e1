/**
 * A complete, realistic report content for tests of the report outputs (PDF, DICOM SR, Encapsulated
 * PDF): three arteries with calcium, MESA computed, a prior study, an RDSR dose and a claustrophobia
 * note. The scores are built with the real category and risk functions, so they are consistent.
 */
import { cacCategory, cacDrs, categoryWording, classicCategory } from '../../native-worker/risk/categories.js';
import { mesaTenYearChdRisk, type MesaInput } from '../../native-worker/risk/mesa.js';
import { progressionFromPrior } from '../../native-worker/risk/progression.js';
import type { Artery } from '../../native-worker/scoring/arteries.js';
import type { CalciumScore } from '../../native-worker/scoring/scores.js';
import { REPORT_CONTENT_VERSION, type ReportContent, type ReportVersion } from '../../main/report/reportContent.js';

export function sampleScores(): { arteries: Record<Artery, CalciumScore>; total: CalciumScore } {
  const arteries: Record<Artery, CalciumScore> = {
    LM: { agatston: 0, volumeMm3: 0, massMg: 0, lesions: 0 },
    LAD: { agatston: 112.4375, volumeMm3: 98.5, massMg: 21.3, lesions: 3 },
    LCX: { agatston: 14.25, volumeMm3: 12.75, massMg: 2.1, lesions: 1 },
    RCA: { agatston: 61.125, volumeMm3: 55.25, massMg: 11.7, lesions: 2 },
  };
  const total: CalciumScore = { agatston: 187.8125, volumeMm3: 166.5, massMg: 35.1, lesions: 6 };
  return { arteries, total };
}

export function sampleReportContent(overrides: Partial<ReportContent> = {}): ReportContent {
  const scores = sampleScores();
  const drs = cacDrs(scores.arteries, scores.total.agatston);
  const factors: MesaInput = {
    ageYears: 62,
    sex: 'male',
    race: 'white',
    diabetes: false,
    currentSmoker: false,
    totalCholesterolMgDl: 210,
    hdlMgDl: 45,
    lipidMedication: false,
    systolicBpMmHg: 135,
    bpMedication: true,
    familyHistoryMi: true,
    cacAgatston: scores.total.agatston,
  };
  const prior = { studyInstanceUid: '1.2.826.0.1.3680043.8.498.1001', studyDate: '2023-05-10', agatston: 120.5, volumeMm3: 110.25, massMg: 22.4 };
  return {
    contentVersion: REPORT_CONTENT_VERSION,
    patient: { name: 'DOE^JOHN', patientId: 'PAT-0042', birthDate: '1963-02-14', sex: 'M', ageYears: 62 },
    study: {
      studyInstanceUid: '1.2.826.0.1.3680043.8.498.2002',
      studyDate: '2025-11-20',
      studyTime: '093015',
      accessionNumber: 'ACC-77881',
      description: 'CT CARDIAC CALCIUM SCORE',
      referringPhysician: 'SMITH^ANNA',
    },
    series: {
      seriesInstanceUid: '1.2.826.0.1.3680043.8.498.2002.3',
      seriesNumber: 3,
      slices: 3,
      sliceThicknessMm: 3,
      sliceIncrementMm: 3,
      pixelSpacingMm: [0.488281, 0.488281],
      kvp: 120,
      sopInstanceUids: ['1.2.826.0.1.3680043.8.498.2002.3.1', '1.2.826.0.1.3680043.8.498.2002.3.2', '1.2.826.0.1.3680043.8.498.2002.3.3'],
      sopClassUid: '1.2.840.10008.5.1.4.1.1.2',
    },
    reading: { readingId: 7, revision: 12, reader: 'Dr Jane Reader' },
    method: {
      thresholdHu: 130,
      weightBoundsHu: [130, 200, 300, 400],
      thresholdSource: 'standard',
      minAreaMm2: 1,
      massFactor: 0.72205,
      massFactorSource: 'calibration',
      software: 'CAC Workstation 0.1.0',
      algorithmVersion: 'cac-scoring/1.0.0',
    },
    scores,
    categories: {
      seed: cacCategory(scores.total.agatston, true),
      classic: classicCategory(scores.total.agatston, true),
      cacDrs: drs,
      wording: categoryWording('cacDrs', drs.grade),
    },
    warnings: [{ code: 'thickness', message: 'Slice thickness is 2.5 mm, not the 3 mm the Agatston score was defined for.' }],
    risk: { factors, mesa: mesaTenYearChdRisk(factors) },
    progression: {
      prior,
      result: progressionFromPrior(
        { agatston: prior.agatston, volumeMm3: prior.volumeMm3, massMg: prior.massMg, studyDate: prior.studyDate },
        { agatston: scores.total.agatston, volumeMm3: scores.total.volumeMm3, massMg: scores.total.massMg, studyDate: '2025-11-20' },
      ),
    },
    dose: {
      source: 'rdsr',
      ctdivolMgy: 3.1,
      dlpTotalMgyCm: 52.7,
      effectiveDoseMsv: 0.7378,
      kFactor: 0.014,
      kFactorSource: 'adult chest (CLINICAL.md 4)',
      aboveReference: false,
      aboveReferenceReason: null,
    },
    procedureNotes: ['Claustrophobia: anxious in the gantry; calmed by talking through the scan; scan completed.'],
    findings: 'Calcified plaque in the LAD, LCX and RCA. Total Agatston score 188 (volume 167 mm3).',
    impression: 'Moderate coronary artery calcium (CAC-DRS A2/N3).',
    ...overrides,
  };
}

export function sampleSignedVersion(content: ReportContent = sampleReportContent()): ReportVersion {
  return {
    reportId: 3,
    version: 1,
    status: 'signed',
    content,
    createdAt: '2025-11-20T10:02:00.000Z',
    createdBy: 'Dr Jane Reader',
    signedAt: '2025-11-20T10:15:42.000Z',
    signedBy: 'Dr Jane Reader',
    amends: null,
    contentSha256: 'a'.repeat(64),
  };
}
