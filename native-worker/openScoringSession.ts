/**
 * Open a series and its scoring session in one go, the plaque search running while the files are
 * read. The command line, the worker process and the benchmarks all start a reading this way.
 */
import { openSeries, type OpenedSeries, type OpenSeriesOptions } from './openSeries.js';
import { ScoringSession } from './scoring/scoringSession.js';
import { kvAdjustedThreshold, standardThreshold, type ThresholdChoice } from './scoring/thresholds.js';
import type { LoadIssue } from './dicom/loadIssues.js';

export interface ScoringOptions {
  /** Lowest Agatston bound; default 130 HU. Ignored when kvAdjusted is set. */
  thresholdHu?: number;
  /** Use the published kV-adjusted bounds for the series' kVp. */
  kvAdjusted?: boolean;
  /** Default 1.0 mm2. */
  minAreaMm2?: number;
  /** A phantom calibration for this scanner and kVp (mg HA/cm3 per HU). */
  massFactor?: number;
}

export interface OpenedScoringSession {
  opened: OpenedSeries;
  session: ScoringSession;
  /** Load issues, then what choosing the mass factor had to say. */
  issues: LoadIssue[];
}

export function chooseThreshold(options: ScoringOptions, kvp: number | undefined): ThresholdChoice {
  return options.kvAdjusted ? kvAdjustedThreshold(kvp ?? 120) : standardThreshold(options.thresholdHu ?? 130);
}

export async function openScoringSession(
  path: string,
  scoring: ScoringOptions,
  options: Omit<OpenSeriesOptions, 'candidateSearch'> = {},
): Promise<OpenedScoringSession> {
  const minAreaMm2 = scoring.minAreaMm2 ?? 1;
  // Validate the threshold before reading any pixels: a bad option should fail fast.
  if (!scoring.kvAdjusted) chooseThreshold(scoring, undefined);
  const opened = await openSeries(path, { ...options, candidateSearch: { threshold: (kvp) => chooseThreshold(scoring, kvp), minAreaMm2 } });
  const first = opened.series.slices[0];
  const session = new ScoringSession(opened.candidates!, opened.series.geometry, {
    threshold: opened.threshold!,
    minAreaMm2,
    massFactor: { calibrated: scoring.massFactor, device: first.massFactorDevice, patient: first.massFactorPatient },
  });
  return { opened, session, issues: [...opened.issues, ...session.massFactor.issues] };
}
