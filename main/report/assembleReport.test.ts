import { describe, expect, it } from 'vitest';
import type { ScoreSheet } from '../../native-worker/scoring/scoringSession.js';
import { sampleReportContent, sampleScores } from '../../test/support/reportFixture.js';
import { ageAtStudy, assembleReportContent, editedText, isoDate, type ReportSources } from './assembleReport.js';

function sheet(scores = sampleScores()): ScoreSheet {
  return {
    ...scores,
    candidates: { plaques: 9, lesions: 7, agatston: scores.total.agatston, volumeMm3: scores.total.volumeMm3 },
    params: { thresholdHu: 130, weightBoundsHu: [130, 200, 300, 400], thresholdSource: 'standard', minAreaMm2: 1, massFactor: 0.72205, massFactorSource: 'calibration' },
    algorithmVersion: 'cac-scoring/1.0.0',
  } as ScoreSheet;
}

function sources(overrides: Partial<ReportSources> = {}): ReportSources {
  const fixture = sampleReportContent();
  return {
    study: {
      studyInstanceUid: fixture.study.studyInstanceUid,
      patientId: 'PAT-1',
      patientName: 'DOE^JOHN',
      patientBirthDate: '19551121',
      patientSex: 'M',
      studyDate: '20251120',
      studyTime: '093015',
      studyDescription: 'CT CALCIUM SCORE',
      accessionNumber: 'A1',
      referringPhysician: null,
    },
    series: fixture.series,
    reading: { readingId: 1, revision: 4, reader: 'dr a' },
    scores: sheet(),
    warnings: [],
    software: 'CAC Workstation 0.1.0',
    riskFactors: null,
    prior: null,
    dose: null,
    procedureNotes: [],
    ...overrides,
  };
}

describe('assembleReportContent', () => {
  it('counts age in birthdays and reads DICOM dates strictly', () => {
    expect(ageAtStudy('19551121', '20251120')).toBe(69);
    expect(ageAtStudy('19551120', '20251120')).toBe(70);
    expect(ageAtStudy(null, '20251120')).toBeNull();
    expect(isoDate('20250230')).toBeNull();
    expect(isoDate('2025-02-28')).toBe('2025-02-28');
  });

  it('prefills findings and impression from the scores and categories', () => {
    const content = assembleReportContent(sources());
    expect(content.categories.cacDrs.text).toBe('CAC-DRS A2/N3');
    expect(content.findings).toContain('LAD, LCX and RCA');
    expect(content.findings).toContain('Total Agatston score 187.8');
    expect(content.impression).toMatch(/^Moderate calcified plaque \(CAC-DRS A2\/N3\)\. /);
    expect(content.risk).toBeNull();
    expect(content.patient.ageYears).toBe(69);
    expect(editedText(content)).toBeUndefined();
    expect(editedText({ ...content, impression: 'My words.' })).toEqual({ findings: content.findings, impression: 'My words.' });
  });

  it('computes MESA with the age of the study and the score (CLINICAL.md test case)', () => {
    const zero = sampleScores();
    for (const artery of ['LM', 'LAD', 'LCX', 'RCA'] as const) zero.arteries[artery] = { agatston: 0, volumeMm3: 0, massMg: 0, lesions: 0 };
    zero.total = { agatston: 0, volumeMm3: 0, massMg: 0, lesions: 0 };
    const content = assembleReportContent(
      sources({
        scores: sheet(zero),
        study: { ...sources().study, patientBirthDate: '19550101' },
        riskFactors: { race: 'hispanic', systolicBpMmHg: 130, hdlMgDl: 50, totalCholesterolMgDl: 190, bpMedication: true, currentSmoker: false, diabetes: false, familyHistoryMi: false, lipidMedication: false },
      }),
    );
    expect(content.risk?.factors).toMatchObject({ ageYears: 70, sex: 'male', cacAgatston: 0 });
    expect(content.risk?.mesa.ok && content.risk.mesa.tenYearRiskPercent).toBeCloseTo(3.06, 2);
    expect(content.findings).toContain('No calcified plaque');
    expect(content.categories.cacDrs.text).toBe('CAC-DRS 0');
  });

  it('uses the entered age when the study has none, and the study age when it has one', () => {
    const factors = { ageYears: 62, sex: 'male' as const, race: 'white' as const, systolicBpMmHg: 130, hdlMgDl: 50, totalCholesterolMgDl: 190, bpMedication: false, currentSmoker: false, diabetes: false, familyHistoryMi: false, lipidMedication: false };
    const noBirthDate = assembleReportContent(sources({ study: { ...sources().study, patientBirthDate: null }, riskFactors: factors }));
    expect(noBirthDate.patient.ageYears).toBeNull();
    expect(noBirthDate.risk?.factors.ageYears).toBe(62);
    expect(noBirthDate.risk?.mesa.ok).toBe(true);
    const withBirthDate = assembleReportContent(sources({ riskFactors: factors }));
    expect(withBirthDate.risk?.factors.ageYears).toBe(69);
    const neither = assembleReportContent(sources({ study: { ...sources().study, patientBirthDate: null }, riskFactors: { ...factors, ageYears: null } }));
    expect(neither.risk?.mesa.ok === false && neither.risk.mesa.missingFactors).toContain('ageYears');
  });

  it('marks the content for LM with LAD only when the site asks for it (older content and its hash stay as they were)', () => {
    const lm = sampleScores();
    lm.arteries.LM = { agatston: 10, volumeMm3: 8, massMg: 2, lesions: 1 };
    const merged = assembleReportContent(sources({ lmWithLad: true, scores: sheet(lm) }));
    expect(merged.lmWithLad).toBe(true);
    expect(merged.findings).toMatch(/Agatston score per artery: left main and LAD 12\d\.\d; /);
    expect(assembleReportContent(sources({ scores: sheet(lm) })).findings).toMatch(/Agatston score per artery: left main \(LM\) 10\.0; LAD /);
    expect('lmWithLad' in assembleReportContent(sources({ lmWithLad: false }))).toBe(false);
  });

  it('gives the reason instead of a MESA number when a factor is missing', () => {
    const content = assembleReportContent(sources({ riskFactors: { race: 'white' } }));
    expect(content.risk?.mesa.ok).toBe(false);
    expect(content.risk?.mesa.ok === false && content.risk.mesa.missingFactors).toContain('hdlMgDl');
  });

  it('compares with the prior study (Hokanson) and keeps the reader text', () => {
    const content = assembleReportContent(
      sources({ prior: { studyInstanceUid: '1.2.3', studyDate: '2022-11-20', agatston: 50, volumeMm3: 40, massMg: 9 }, text: { findings: 'F.', impression: 'I.' } }),
    );
    expect(content.progression?.result.intervalYears).toBeCloseTo(3.0, 1);
    expect(content.progression?.result.progression).toBe(true);
    expect(content.findings).toBe('F.');
    expect(content.impression).toBe('I.');
  });
});
