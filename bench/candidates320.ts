/**
 * Budget 2: plaques + lesions (findCalciumCandidates) for a 512 x 512 x 320 volume at 0.5 mm in
 * under 0.5 s. Baseline: the same function on the phantom's own 47-slice HU volume, interleaved.
 * The work is a threshold scan plus flood fills per slice, so time should grow with the slice
 * count: 320 / 47 = 6.8x, i.e. about 1.0x per slice.
 */
import type { HuArray } from '../native-worker/dicom/huRescale.js';
import type { VolumeGeometry } from '../native-worker/geometry/volumeGeometry.js';
import { findCalciumCandidates, type CalciumCandidates, type CandidateSearch } from '../native-worker/scoring/calciumCandidates.js';
import { phantomScoring } from './qrmPhantom.js';
import { budget, describeCheck, describeTimings, formatMs, formatRatio, heading, line, median, timeInterleaved, type BudgetCheck } from './stats.js';
import type { TiledVolume } from './tiledPhantom.js';

export const CANDIDATES_320_BUDGET_MS = 500;

function searchFor(geometry: VolumeGeometry): CandidateSearch {
  return {
    columns: geometry.columns,
    rows: geometry.rows,
    slices: geometry.slices,
    pixelSpacingMm: geometry.pixelSpacingMm,
    bounds: phantomScoring.threshold.bounds,
    minAreaMm2: phantomScoring.minAreaMm2,
  };
}

export async function benchCandidates320(phantom: { hu: HuArray; geometry: VolumeGeometry }, tiled: TiledVolume): Promise<BudgetCheck[]> {
  const { columns, rows, slices } = tiled.geometry;
  heading(`2. plaques + lesions on ${columns} x ${rows} x ${slices} (${tiled.geometry.sliceIncrementMm} mm) vs the ${phantom.geometry.slices}-slice phantom`);
  const found: { phantom?: CalciumCandidates; tiled?: CalciumCandidates } = {};
  const search47 = searchFor(phantom.geometry);
  const search320 = searchFor(tiled.geometry);
  const timings = await timeInterleaved(
    {
      phantom: () => (found.phantom = findCalciumCandidates(phantom.hu, search47)),
      tiled: () => (found.tiled = findCalciumCandidates(tiled.hu, search320)),
    },
    { warmupRuns: 3, runs: 11 },
  );

  const phantomMs = median(timings.phantom);
  const tiledMs = median(timings.tiled);
  const growth = tiledMs / phantomMs;
  const perSlice = tiledMs / slices / (phantomMs / phantom.geometry.slices);
  line('volume', `tiled from the real phantom: ${found.tiled!.plaqueCount} plaques, ${found.tiled!.lesionCount} lesions`);
  line(`baseline: ${phantom.geometry.slices} slices`, `${describeTimings(timings.phantom)}; ${found.phantom!.plaqueCount} plaques, ${found.phantom!.lesionCount} lesions`);
  line(`${slices} slices`, describeTimings(timings.tiled));
  line(`ratio ${slices} / ${phantom.geometry.slices} slices`, `${formatRatio(growth)} (linear: ${formatRatio(slices / phantom.geometry.slices)})`);
  line('ratio per slice', `${formatRatio(perSlice)} (linear: 1.00x); ${formatMs(tiledMs / slices)} vs ${formatMs(phantomMs / phantom.geometry.slices)} a slice`);
  const check = budget(`2 candidates ${slices} slices`, `findCalciumCandidates ${slices} slices (median)`, tiledMs, CANDIDATES_320_BUDGET_MS, formatMs);
  console.log(`   ${describeCheck(check)}`);
  return [check];
}
