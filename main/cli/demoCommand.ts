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
import { writePhantomSeries } from '../../test/phantom/syntheticPhantom.js';
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
    out('Two inserts, 4 x 4 mm on three 3 mm slices at 450 HU (LAD) and 250 HU (RCA): expected Agatston 192 + 96 = 288.\n');
    await writePhantomSeries(dir, {
      rows: 128,
      columns: 128,
      pixelSpacingMm: [0.5, 0.5],
      slices: 8,
      sliceThicknessMm: 3,
      sliceIncrementMm: 3,
      backgroundHu: 40,
      noiseSdHu: 10,
      objects: [
        { kind: 'box', centerMm: [20.25, 20.25, 9], sizeMm: [4, 4, 9], hu: 450 },
        { kind: 'box', centerMm: [40.25, 40.25, 9], sizeMm: [4, 4, 9], hu: 250 },
      ],
    });
    const seeds: Assignment[] = [
      { artery: 'LAD', point: [20.3, 20.3, 9], scope: 'lesion' },
      { artery: 'RCA', point: [40.3, 40.3, 9], scope: 'lesion' },
    ];
    await scoreAndPrint(dir, seeds, undefined, out);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function scoreAndPrint(path: string, seeds: Assignment[], massFactor: number | undefined, out: (text: string) => void): Promise<void> {
  const { opened, session, issues } = await openScoringSession(path, { massFactor });
  for (const seed of seeds) session.assign(seed);
  out(formatScoreTable(toScoreReport(opened.series, session.scores(), issues)));
}
