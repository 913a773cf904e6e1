/**
 * The score result as the command line prints it with --json (the stable contract later features
 * build on), made from a loaded series and a scoring session. Pure.
 */
import type { LoadIssue } from './dicom/loadIssues.js';
import type { LoadedSeries } from './dicom/seriesLoader.js';
import type { Artery } from './scoring/arteries.js';
import type { CalciumScore, CandidateSummary } from './scoring/scores.js';
import type { ScoreSheet } from './scoring/scoringSession.js';

export interface ScoreReport {
  series: {
    seriesInstanceUid: string;
    slices: number;
    rows: number;
    columns: number;
    pixelSpacingMm: [number, number];
    sliceIncrementMm: number;
    sliceThicknessMm: number | null;
    kvp: number | null;
    transferSyntaxUid: string;
  };
  params: { thresholdHu: number; minAreaMm2: number; massFactor: number | null; massFactorSource: string };
  warnings: Array<{ code: string; message: string }>;
  arteries: Record<Artery, CalciumScore>;
  total: CalciumScore;
  candidates: CandidateSummary;
  algorithmVersion: string;
}

/**
 * Scores to 0.01, as the published tables (and the app's report) give them: more digits are noise
 * of the floating-point sums, not precision of the measurement.
 */
const round = (value: number): number => Math.round(value * 100) / 100;

function roundScore(score: CalciumScore): CalciumScore {
  return {
    agatston: round(score.agatston),
    volumeMm3: round(score.volumeMm3),
    massMg: score.massMg === null ? null : round(score.massMg),
    lesions: score.lesions,
  };
}

export function toScoreReport(series: LoadedSeries, sheet: ScoreSheet, issues: LoadIssue[]): ScoreReport {
  const g = series.geometry;
  return {
    series: {
      seriesInstanceUid: series.seriesInstanceUid,
      slices: g.slices,
      rows: g.rows,
      columns: g.columns,
      pixelSpacingMm: [g.pixelSpacingMm[0], g.pixelSpacingMm[1]],
      sliceIncrementMm: g.sliceIncrementMm,
      sliceThicknessMm: series.sliceThicknessMm ?? null,
      kvp: series.kvp ?? null,
      transferSyntaxUid: series.transferSyntaxUid,
    },
    params: {
      thresholdHu: sheet.params.thresholdHu,
      minAreaMm2: sheet.params.minAreaMm2,
      massFactor: sheet.params.massFactor,
      massFactorSource: sheet.params.massFactorSource,
    },
    warnings: issues.map((issue) => ({ code: issue.code, message: issue.message })),
    arteries: Object.fromEntries(Object.entries(sheet.arteries).map(([artery, score]) => [artery, roundScore(score)])) as Record<Artery, CalciumScore>,
    total: roundScore(sheet.total),
    candidates: {
      plaques: sheet.candidates.plaques,
      lesions: sheet.candidates.lesions,
      agatston: round(sheet.candidates.agatston),
      volumeMm3: round(sheet.candidates.volumeMm3),
    },
    algorithmVersion: sheet.algorithmVersion,
  };
}
