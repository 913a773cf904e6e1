/**
 * Plaques and lesions (CLINICAL.md 2, items 1-3), found once per series. Pure: no I/O.
 *
 * Plaque: an 8-connected 2D component of voxels >= the lowest density bound on one slice; plaques
 * below the minimum area are noise and dropped from every score. Lesion: a 3D component of kept
 * plaque voxels, 8-connected in-plane and face-connected through-plane (plaques on adjacent slices
 * that share an (i, j) pixel belong together).
 *
 * Everything is stored per plaque in typed arrays: a click relabels plaques and the scores are
 * sums over plaques, so no per-voxel label volume is needed to score.
 */
import type { HuArray } from '../dicom/huRescale.js';
import { Growable } from './growableArray.js';
import { densityWeight, type WeightBounds } from './thresholds.js';

export interface CandidateSearch {
  columns: number;
  rows: number;
  slices: number;
  pixelSpacingMm: readonly [number, number];
  bounds: WeightBounds;
  minAreaMm2: number;
  /**
   * Whether slice k touches slice k - 1 (index 0 unused). Slices across a missing-slice gap do not
   * join lesions. Default: every slice touches its predecessor.
   */
  adjacentToPrevious?: Uint8Array;
}

export interface CalciumCandidates {
  plaqueCount: number;
  lesionCount: number;
  /** Per plaque. */
  plaqueSlice: Int32Array;
  plaqueFirstPixel: Int32Array;
  plaquePixelCount: Int32Array;
  plaquePeakHu: Float64Array;
  plaqueSumHu: Float64Array;
  plaqueWeight: Uint8Array;
  plaqueLesion: Int32Array;
  /** In-slice pixel indices (j * columns + i) of every kept plaque, plaque after plaque. */
  plaquePixels: Int32Array;
  /** Plaques of slice k are [sliceFirstPlaque[k], sliceFirstPlaque[k + 1]). */
  sliceFirstPlaque: Int32Array;
  /** Plaques of lesion l are lesionPlaques[lesionFirstPlaque[l] .. lesionFirstPlaque[l + 1]). */
  lesionFirstPlaque: Int32Array;
  lesionPlaques: Int32Array;
}

/** Keeps "area >= A_min" exact when pixel area x count is a hair below A_min in binary floating point. */
const AREA_EPSILON = 1e-9;

export function minimumPlaquePixels(pixelSpacingMm: readonly [number, number], minAreaMm2: number): number {
  const pixelArea = pixelSpacingMm[0] * pixelSpacingMm[1];
  let pixels = Math.max(1, Math.floor(minAreaMm2 / pixelArea));
  while (pixels > 1 && (pixels - 1) * pixelArea >= minAreaMm2 - AREA_EPSILON * Math.max(1, minAreaMm2)) pixels--;
  while (pixels * pixelArea < minAreaMm2 - AREA_EPSILON * Math.max(1, minAreaMm2)) pixels++;
  return pixels;
}

export function findCalciumCandidates(hu: HuArray, search: CandidateSearch): CalciumCandidates {
  const { columns, rows, slices, bounds } = search;
  const pixelsPerSlice = columns * rows;
  if (hu.length < pixelsPerSlice * slices) throw new RangeError(`HU volume has ${hu.length} voxels, expected ${pixelsPerSlice * slices}`);
  const threshold = bounds[0];
  const minPixels = minimumPlaquePixels(search.pixelSpacingMm, search.minAreaMm2);

  // Slice stamps (k + 1) instead of clearing per slice: each buffer is written once per visit.
  const visitedOnSlice = new Int32Array(pixelsPerSlice);
  const keptOnSlice = new Int32Array(pixelsPerSlice);
  const keptPlaque = new Int32Array(pixelsPerSlice);
  const stack = new Int32Array(pixelsPerSlice);
  const component = new Int32Array(pixelsPerSlice);
  const componentStats = new Float64Array(2);

  const plaqueSlice = new Growable(Int32Array);
  const plaqueFirstPixel = new Growable(Int32Array);
  const plaquePixelCount = new Growable(Int32Array);
  const plaquePeakHu = new Growable(Float64Array);
  const plaqueSumHu = new Growable(Float64Array);
  const plaquePixels = new Growable(Int32Array, 16 * 1024);
  const parent = new Growable(Int32Array);
  const sliceFirstPlaque = new Int32Array(slices + 1);

  for (let k = 0; k < slices; k++) {
    sliceFirstPlaque[k] = plaqueSlice.length;
    const stamp = k + 1;
    const base = k * pixelsPerSlice;
    const linksToPrevious = k > 0 && (search.adjacentToPrevious ? search.adjacentToPrevious[k] === 1 : true);

    // Most voxels are far below threshold: test four at a time and look closer only at hits.
    const wholeChunks = pixelsPerSlice - (pixelsPerSlice % 4);
    for (let p = 0; p < pixelsPerSlice; p++) {
      if (p < wholeChunks && (p & 3) === 0 && hu[base + p] < threshold && hu[base + p + 1] < threshold && hu[base + p + 2] < threshold && hu[base + p + 3] < threshold) {
        p += 3;
        continue;
      }
      if (hu[base + p] < threshold || visitedOnSlice[p] === stamp) continue;

      const count = fillComponent(hu, base, p, columns, pixelsPerSlice, threshold, stamp, visitedOnSlice, stack, component, componentStats);
      const peak = componentStats[0];
      const sum = componentStats[1];
      if (count < minPixels) continue;

      const plaque = plaqueSlice.push(k);
      plaqueFirstPixel.push(plaquePixels.length);
      plaquePixelCount.push(count);
      plaquePeakHu.push(peak);
      plaqueSumHu.push(sum);
      parent.push(plaque);
      const pixels = plaquePixels.reserve(plaquePixels.length + count);
      pixels.set(component.subarray(0, count), plaquePixels.length);
      plaquePixels.length += count;
      for (let c = 0; c < count; c++) {
        const q = component[c];
        if (linksToPrevious && keptOnSlice[q] === k) union(parent, plaque, keptPlaque[q]);
        keptOnSlice[q] = stamp;
        keptPlaque[q] = plaque;
      }
    }
  }
  sliceFirstPlaque[slices] = plaqueSlice.length;

  const plaqueCount = plaqueSlice.length;
  const peaks = plaquePeakHu.toArray();
  const plaqueWeight = new Uint8Array(plaqueCount);
  for (let plaque = 0; plaque < plaqueCount; plaque++) plaqueWeight[plaque] = densityWeight(peaks[plaque], bounds);
  const lesions = groupLesions(parent, plaqueCount);

  return {
    plaqueCount,
    lesionCount: lesions.lesionCount,
    plaqueSlice: plaqueSlice.toArray(),
    plaqueFirstPixel: plaqueFirstPixel.toArray(),
    plaquePixelCount: plaquePixelCount.toArray(),
    plaquePeakHu: peaks,
    plaqueSumHu: plaqueSumHu.toArray(),
    plaqueWeight,
    plaqueLesion: lesions.plaqueLesion,
    plaquePixels: plaquePixels.toArray(),
    sliceFirstPlaque,
    lesionFirstPlaque: lesions.lesionFirstPlaque,
    lesionPlaques: lesions.lesionPlaques,
  };
}

/**
 * Flood-fill the 8-connected component of voxels >= threshold that contains `seed` on one slice.
 * Its pixels go to `component`; returns their count, with peak and sum of HU in stats[0], stats[1].
 * A top-level function (not a closure) so the hot loops keep their variables in registers.
 */
function fillComponent(
  hu: HuArray,
  base: number,
  seed: number,
  columns: number,
  pixelsPerSlice: number,
  threshold: number,
  stamp: number,
  visited: Int32Array,
  stack: Int32Array,
  component: Int32Array,
  stats: Float64Array,
): number {
  let count = 0;
  let top = 0;
  let peak = -Infinity;
  let sum = 0;
  stack[top++] = seed;
  visited[seed] = stamp;
  while (top > 0) {
    const q = stack[--top];
    component[count++] = q;
    const value = hu[base + q];
    sum += value;
    if (value > peak) peak = value;
    const i = q % columns;
    const left = i > 0;
    const right = i < columns - 1;
    const up = q >= columns;
    const down = q < pixelsPerSlice - columns;
    let r: number;
    if (left && visited[(r = q - 1)] !== stamp && hu[base + r] >= threshold) {
      visited[r] = stamp;
      stack[top++] = r;
    }
    if (right && visited[(r = q + 1)] !== stamp && hu[base + r] >= threshold) {
      visited[r] = stamp;
      stack[top++] = r;
    }
    if (up) {
      if (visited[(r = q - columns)] !== stamp && hu[base + r] >= threshold) {
        visited[r] = stamp;
        stack[top++] = r;
      }
      if (left && visited[(r = q - columns - 1)] !== stamp && hu[base + r] >= threshold) {
        visited[r] = stamp;
        stack[top++] = r;
      }
      if (right && visited[(r = q - columns + 1)] !== stamp && hu[base + r] >= threshold) {
        visited[r] = stamp;
        stack[top++] = r;
      }
    }
    if (down) {
      if (visited[(r = q + columns)] !== stamp && hu[base + r] >= threshold) {
        visited[r] = stamp;
        stack[top++] = r;
      }
      if (left && visited[(r = q + columns - 1)] !== stamp && hu[base + r] >= threshold) {
        visited[r] = stamp;
        stack[top++] = r;
      }
      if (right && visited[(r = q + columns + 1)] !== stamp && hu[base + r] >= threshold) {
        visited[r] = stamp;
        stack[top++] = r;
      }
    }
  }
  stats[0] = peak;
  stats[1] = sum;
  return count;
}

function find(parent: Growable<Int32Array>, node: number): number {
  let current = node;
  while (parent.get(current) !== current) {
    const grandparent = parent.get(parent.get(current));
    parent.set(current, grandparent);
    current = grandparent;
  }
  return current;
}

function union(parent: Growable<Int32Array>, a: number, b: number): void {
  const rootA = find(parent, a);
  const rootB = find(parent, b);
  if (rootA === rootB) return;
  // The lower plaque index becomes the root, so lesion numbering follows slice order.
  if (rootA < rootB) parent.set(rootB, rootA);
  else parent.set(rootA, rootB);
}

/** Dense lesion numbers (in order of first plaque) and the plaques of each lesion. */
function groupLesions(parent: Growable<Int32Array>, plaqueCount: number) {
  const plaqueLesion = new Int32Array(plaqueCount);
  const lesionOfRoot = new Int32Array(plaqueCount).fill(-1);
  let lesionCount = 0;
  for (let plaque = 0; plaque < plaqueCount; plaque++) {
    const root = find(parent, plaque);
    if (lesionOfRoot[root] < 0) lesionOfRoot[root] = lesionCount++;
    plaqueLesion[plaque] = lesionOfRoot[root];
  }
  const lesionFirstPlaque = new Int32Array(lesionCount + 1);
  for (let plaque = 0; plaque < plaqueCount; plaque++) lesionFirstPlaque[plaqueLesion[plaque] + 1]++;
  for (let lesion = 0; lesion < lesionCount; lesion++) lesionFirstPlaque[lesion + 1] += lesionFirstPlaque[lesion];
  const fill = lesionFirstPlaque.slice(0, lesionCount);
  const lesionPlaques = new Int32Array(plaqueCount);
  for (let plaque = 0; plaque < plaqueCount; plaque++) lesionPlaques[fill[plaqueLesion[plaque]]++] = plaque;
  return { plaqueLesion, lesionCount, lesionFirstPlaque, lesionPlaques };
}
