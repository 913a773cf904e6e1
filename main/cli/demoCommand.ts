/**
 * `cac demo`: what a new user runs first. Scores the shared QRM phantom with the seven detectable
 * inserts assigned (the published FQM table is the reference); without ../shared it writes a
 * synthetic phantom with known inserts to a temporary folder and scores that.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openScoringSession } from '../../native-worker/openScoringSession.js';
import { toScoreReport } from '../../native-worker/scoreReport.js';
import type { Assignment } from '../../native-worker/scoring/arteries.js';
import { qrmInserts, qrmMassFactor, qrmPhantomDir } from '../../test/support/sharedData.js';
import { SYNTHETIC_DEMO_DESCRIPTION, SYNTHETIC_DEMO_SEEDS, writeSyntheticDemoPhantom } from '../demo/syntheticDemoPhantom.js';
import { formatScoreTable } from './scoreCommand.js';

const QRM_ARTERIES: Assignment['artery'][] = ['LM', 'LAD', 'LCX', 'RCA', 'LAD', 'RCA', 'LCX'];

export async function demoCommand(_args: string[], out: (text: string) => void): Promise<void> {
  if (existsSync(qrmPhantomDir)) {
    out(`Demo: the QRM calcium phantom (Canon, 120 kVp, 3 mm) from ${qrmPhantomDir}`);
    out('The seven detectable inserts are assigned; the published FQM total is Agatston 966.63, volume 870.18 mm3, mass 205.61 mg.\n');
    const seeds = qrmInserts.map((insert, index): Assignment => ({ artery: QRM_ARTERIES[index], point: [...insert.point], scope: 'lesion' }));
    return scoreAndPrint(qrmPhantomDir, seeds, qrmMassFactor, out);
  }
  const dir = await mkdtemp(join(tmpdir(), 'cac-demo-'));
  try {
    out(`Demo: ../shared is not here, so a synthetic phantom is written to ${dir}`);
    out(`${SYNTHETIC_DEMO_DESCRIPTION}\n`);
    await writeSyntheticDemoPhantom(dir);
    await scoreAndPrint(dir, SYNTHETIC_DEMO_SEEDS, undefined, out);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function scoreAndPrint(path: string, seeds: Assignment[], massFactor: number | undefined, out: (text: string) => void): Promise<void> {
  const { opened, session, issues } = await openScoringSession(path, { massFactor });
  for (const seed of seeds) session.assign(seed);
  out(formatScoreTable(toScoreReport(opened.series, session.scores(), issues)));
}
