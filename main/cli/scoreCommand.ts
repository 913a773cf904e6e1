/**
 * `cac score <folder> [--series UID] [--seeds seeds.json] [--min-area 1.0] [--threshold 130]
 *  [--kv-adjusted] [--mass-factor F] [--json]`
 */
import { parseArgs } from 'node:util';
import { describeSeries, SeriesChoiceError } from '../../native-worker/openSeries.js';
import { openScoringSession } from '../../native-worker/openScoringSession.js';
import { toScoreReport, type ScoreReport } from '../../native-worker/scoreReport.js';
import { ARTERIES } from '../../native-worker/scoring/arteries.js';
import type { LoadIssue } from '../../native-worker/dicom/loadIssues.js';
import { CliError, USAGE_EXIT } from './cliError.js';
import { readSeedsFile } from './seedsFile.js';

export const SCORE_USAGE =
  'usage: cac score <folder> [--series UID] [--seeds seeds.json] [--min-area 1.0] [--threshold 130] [--kv-adjusted] [--mass-factor F] [--json]';

function positiveNumber(name: string, text: string | undefined, fallback?: number): number | undefined {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0) throw new CliError(`--${name} must be a positive number, got "${text}"`, USAGE_EXIT);
  return value;
}

export async function scoreCommand(args: string[], out: (text: string) => void): Promise<void> {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      options: {
        series: { type: 'string' },
        seeds: { type: 'string' },
        'min-area': { type: 'string' },
        threshold: { type: 'string' },
        'kv-adjusted': { type: 'boolean', default: false },
        'mass-factor': { type: 'string' },
        json: { type: 'boolean', default: false },
      },
    });
  } catch (reason) {
    throw new CliError(`${(reason as Error).message}; ${SCORE_USAGE}`, USAGE_EXIT);
  }
  const { values, positionals } = parsed;
  if (positionals.length !== 1) throw new CliError(SCORE_USAGE, USAGE_EXIT);
  if (values['kv-adjusted'] && values.threshold !== undefined) {
    throw new CliError('--kv-adjusted and --threshold cannot be used together', USAGE_EXIT);
  }
  const minAreaMm2 = positiveNumber('min-area', values['min-area'], 1.0)!;
  const thresholdHu = positiveNumber('threshold', values.threshold, 130)!;
  const massFactor = positiveNumber('mass-factor', values['mass-factor']);
  const seeds = values.seeds ? await readSeedsFile(values.seeds) : [];

  let reading;
  try {
    reading = await openScoringSession(
      positionals[0],
      { thresholdHu: values['kv-adjusted'] ? undefined : thresholdHu, kvAdjusted: values['kv-adjusted'], minAreaMm2, massFactor },
      { seriesInstanceUid: values.series },
    );
  } catch (reason) {
    if (reason instanceof SeriesChoiceError) {
      throw new CliError(reason.message, USAGE_EXIT, reason.series.map(describeSeries));
    }
    if (reason instanceof RangeError) throw new CliError(reason.message, USAGE_EXIT);
    throw reason;
  }
  const { session } = reading;
  const { series } = reading.opened;
  const issues: LoadIssue[] = [...reading.issues];
  for (const seed of seeds) {
    const outcome = session.assign(seed);
    if (!outcome.applied) issues.push({ code: 'assignment-missed', severity: 'warning', message: `seed ${seed.artery}: ${outcome.message}` });
  }
  const report = toScoreReport(series, session.scores(), issues);
  out(values.json ? JSON.stringify(report) : formatScoreTable(report));
}

const fixed = (value: number | null, digits = 2): string => (value === null ? 'n/a' : value.toFixed(digits));

export function formatScoreTable(report: ScoreReport): string {
  const s = report.series;
  const lines = [
    `Series ${s.seriesInstanceUid}`,
    `  ${s.slices} slices ${s.columns}x${s.rows}, pixel ${s.pixelSpacingMm.join(' x ')} mm, increment ${s.sliceIncrementMm} mm, thickness ${s.sliceThicknessMm ?? '?'} mm, ${s.kvp ?? '?'} kVp`,
    `  threshold ${report.params.thresholdHu} HU, minimum plaque area ${report.params.minAreaMm2} mm2, mass factor ${report.params.massFactor ?? 'not calibrated'} (${report.params.massFactorSource})`,
    '',
    `${'artery'.padEnd(8)}${'Agatston'.padStart(12)}${'volume mm3'.padStart(14)}${'mass mg'.padStart(12)}${'lesions'.padStart(10)}`,
  ];
  const row = (name: string, score: ScoreReport['total']) =>
    `${name.padEnd(8)}${fixed(score.agatston).padStart(12)}${fixed(score.volumeMm3).padStart(14)}${fixed(score.massMg).padStart(12)}${String(score.lesions).padStart(10)}`;
  for (const artery of ARTERIES) lines.push(row(artery, report.arteries[artery]));
  lines.push(row('total', report.total));
  lines.push('');
  lines.push(
    `candidates (all calcium above threshold, unassigned included): ${report.candidates.plaques} plaques, ${report.candidates.lesions} lesions, Agatston ${fixed(report.candidates.agatston)}`,
  );
  if (report.warnings.length) {
    lines.push('', 'warnings:');
    for (const warning of report.warnings) lines.push(`  [${warning.code}] ${warning.message}`);
  }
  lines.push('', `algorithm ${report.algorithmVersion}`);
  return lines.join('\n');
}
