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
import { scoringSettingsSchema } from '../api/settings.js';

/** The app's range for the threshold (settings scoring.thresholdHu), so the command line scores nothing the app would refuse. */
const THRESHOLD_RANGE = { min: scoringSettingsSchema.shape.thresholdHu.minValue ?? 100, max: scoringSettingsSchema.shape.thresholdHu.maxValue ?? 1000 };

export const SCORE_USAGE =
  'usage: cac score <folder> [--series UID] [--seeds seeds.json] [--min-area 1.0] [--threshold 130] [--kv-adjusted] [--mass-factor F] [--json]';

export const SCORE_HELP = [
  SCORE_USAGE,
  '  <folder>          a folder (any depth) or one DICOM file; --series UID when it holds several CT series',
  '  --seeds FILE      the reader\'s assignments: [{"artery": "LAD", "point": [x, y, z], "scope": "lesion"}] (LPS mm);',
  '                    without it nothing is assigned and every artery scores 0 (the candidates are still listed)',
  '  --min-area MM2    smallest plaque area (default 1.0)',
  `  --threshold HU    lowest HU of calcium, ${THRESHOLD_RANGE.min}..${THRESHOLD_RANGE.max} as in the app (default 130); or --kv-adjusted for the kVp-adjusted threshold`,
  '  --mass-factor F   the phantom calibration (mg HA/cm3 per HU); without it the mass is not calibrated',
  '  --json            one JSON object on stdout (scores rounded to 0.01)',
].join('\n');

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
  const thresholdHu = values.threshold === undefined ? 130 : Number(values.threshold);
  if (!Number.isInteger(thresholdHu) || thresholdHu < THRESHOLD_RANGE.min || thresholdHu > THRESHOLD_RANGE.max) {
    throw new CliError(`--threshold must be a whole number of HU from ${THRESHOLD_RANGE.min} to ${THRESHOLD_RANGE.max} (the app's range; 130 is the standard), got "${values.threshold}"`, USAGE_EXIT);
  }
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
  // Without seeds the scores are 0 because nothing was assigned, not because there is no calcium: say so.
  if (seeds.length === 0) {
    issues.push({ code: 'nothing-assigned', severity: 'warning', message: 'no seeds given (--seeds): nothing was assigned to an artery, so every artery scores 0; the candidate calcium is listed below' });
  }
  const report = toScoreReport(series, session.scores(), issues);
  if (seeds.length === 0 && values.json) process.stderr.write('cac score: nothing was assigned (no --seeds): every artery scores 0\n');
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
