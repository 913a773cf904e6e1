/**
 * Agatston, volume and mass scores as sums over plaques (CLINICAL.md 2, items 4-7). Pure.
 * A plaque carries one label, so every voxel is counted once whatever clicks touched it.
 */
import { ARTERIES, LABEL_CODE, type Artery } from './arteries.js';
import type { CalciumCandidates } from './calciumCandidates.js';

export interface CalciumScore {
  agatston: number;
  volumeMm3: number;
  /** null when no calibration factor is known ("not calibrated"). */
  massMg: number | null;
  lesions: number;
}

export interface CandidateSummary {
  plaques: number;
  lesions: number;
  agatston: number;
  volumeMm3: number;
  /** Lesions no plaque of which is assigned (artery or excluded): what signing a CAC 0 must mention. Absent in sheets saved before it existed. */
  unassignedLesions?: number;
}

export interface ScoreScale {
  pixelSpacingMm: readonly [number, number];
  sliceIncrementMm: number;
  /** mg HA / cm3 per HU, or null. */
  massFactor: number | null;
}

/** Agatston's reference slice increment: other increments are scaled by dz / 3 mm. */
const REFERENCE_INCREMENT_MM = 3;

interface Sums {
  weightedAreaPixels: number;
  voxels: number;
  sumHu: number;
  lesions: number;
}

function toScore(sums: Sums, scale: ScoreScale): CalciumScore {
  const pixelArea = scale.pixelSpacingMm[0] * scale.pixelSpacingMm[1];
  const voxelVolume = pixelArea * scale.sliceIncrementMm;
  return {
    agatston: (scale.sliceIncrementMm / REFERENCE_INCREMENT_MM) * sums.weightedAreaPixels * pixelArea,
    volumeMm3: sums.voxels * voxelVolume,
    // HU x mm3 / 1000 = HU x cm3; times mg/cm3 per HU gives mg.
    massMg: scale.massFactor === null ? null : (scale.massFactor * sums.sumHu * voxelVolume) / 1000,
    lesions: sums.lesions,
  };
}

/** Scores per artery and in total from the per-plaque labels (LABEL_CODE values, 0 unassigned). */
export function scoreByArtery(candidates: CalciumCandidates, plaqueLabel: Uint8Array, scale: ScoreScale): { arteries: Record<Artery, CalciumScore>; total: CalciumScore } {
  const perArtery = ARTERIES.map((): Sums => ({ weightedAreaPixels: 0, voxels: 0, sumHu: 0, lesions: 0 }));
  const total: Sums = { weightedAreaPixels: 0, voxels: 0, sumHu: 0, lesions: 0 };
  // Lesions are counted once per artery and once in the total, however many plaques they have.
  const lesionSeenByArtery = new Int32Array(candidates.lesionCount).fill(0);
  const lesionSeenInTotal = new Uint8Array(candidates.lesionCount);

  for (let plaque = 0; plaque < candidates.plaqueCount; plaque++) {
    const code = plaqueLabel[plaque];
    if (code < LABEL_CODE.LM || code > LABEL_CODE.RCA) continue;
    const sums = perArtery[code - 1];
    const pixels = candidates.plaquePixelCount[plaque];
    const weighted = pixels * candidates.plaqueWeight[plaque];
    const sumHu = candidates.plaqueSumHu[plaque];
    sums.weightedAreaPixels += weighted;
    sums.voxels += pixels;
    sums.sumHu += sumHu;
    total.weightedAreaPixels += weighted;
    total.voxels += pixels;
    total.sumHu += sumHu;
    const lesion = candidates.plaqueLesion[plaque];
    const bit = 1 << code;
    if ((lesionSeenByArtery[lesion] & bit) === 0) {
      lesionSeenByArtery[lesion] |= bit;
      sums.lesions++;
    }
    if (!lesionSeenInTotal[lesion]) {
      lesionSeenInTotal[lesion] = 1;
      total.lesions++;
    }
  }
  return {
    arteries: Object.fromEntries(ARTERIES.map((artery, index) => [artery, toScore(perArtery[index], scale)])) as Record<Artery, CalciumScore>,
    total: toScore(total, scale),
  };
}

/** Every kept plaque, assigned or not: what thresholding alone finds (bones and noise included). */
export function summarizeCandidates(candidates: CalciumCandidates, scale: ScoreScale): CandidateSummary {
  let weighted = 0;
  let voxels = 0;
  for (let plaque = 0; plaque < candidates.plaqueCount; plaque++) {
    weighted += candidates.plaquePixelCount[plaque] * candidates.plaqueWeight[plaque];
    voxels += candidates.plaquePixelCount[plaque];
  }
  const score = toScore({ weightedAreaPixels: weighted, voxels, sumHu: 0, lesions: candidates.lesionCount }, scale);
  return { plaques: candidates.plaqueCount, lesions: candidates.lesionCount, agatston: score.agatston, volumeMm3: score.volumeMm3 };
}

/** How many lesions have no plaque assigned to an artery or excluded (plaqueLabel 0 throughout). */
export function countUnassignedLesions(candidates: Pick<CalciumCandidates, 'plaqueCount' | 'lesionCount' | 'plaqueLesion'>, plaqueLabel: Uint8Array): number {
  const touched = new Uint8Array(candidates.lesionCount);
  for (let plaque = 0; plaque < candidates.plaqueCount; plaque++) {
    if (plaqueLabel[plaque] !== 0) touched[candidates.plaqueLesion[plaque]] = 1;
  }
  let unassigned = 0;
  for (const seen of touched) if (!seen) unassigned++;
  return unassigned;
}
