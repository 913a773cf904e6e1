/**
 * The shared real phantom as the benchmarks use it: where it is, the scoring parameters of its
 * protocol.
 */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { ScoringParameters } from '../native-worker/scoring/scoringSession.js';
import { standardThreshold } from '../native-worker/scoring/thresholds.js';
import { haveSharedData, qrmMassFactor, qrmPhantomDir } from '../test/support/sharedData.js';

export { qrmInserts, qrmPhantomDir } from '../test/support/sharedData.js';

/** CLINICAL.md defaults: 130 HU, 1 mm2, the phantom's own mass calibration. */
export const phantomScoring: ScoringParameters = {
  threshold: standardThreshold(130),
  minAreaMm2: 1,
  massFactor: { calibrated: qrmMassFactor },
};

export function requirePhantom(): void {
  if (!haveSharedData(qrmPhantomDir)) {
    throw new Error(`the benchmarks need the shared QRM phantom at ${qrmPhantomDir}`);
  }
}

export async function phantomFiles(): Promise<string[]> {
  return (await readdir(qrmPhantomDir)).sort().map((name) => join(qrmPhantomDir, name));
}
