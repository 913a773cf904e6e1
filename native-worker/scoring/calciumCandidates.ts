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
import type { VolumeGeometry } from '../geometry/volumeGeometry.js';
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
  /** The search that found them: scores must use the same bounds and minimum area. */
  bounds: WeightBounds;
  minAreaMm2: number;
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
  const finder = new CandidateFinder(search);
  for (let k = 0; k < search.slices; k++) finder.addSlice(hu, k);
  return finder.finish();
}

/**
 * Finds plaques slice by slice, in slice order, so a loader can hand over each slice as soon as it
 * is decoded (the search then overlaps with reading the next files).
 */
export class CandidateFinder {
  private readonly pixelsPerSlice: number;
  private readonly threshold: number;
  private readonly minPixels: number;
  private nextSlice = 0;
  // Slice stamps (k + 1) instead of clearing per slice: each buffer is written once per visit.
  private readonly visitedOnSlice: Int32Array;
  private readonly keptOnSlice: Int32Array;
  private readonly keptPlaque: Int32Array;
  private readonly stack: Int32Array;
  private readonly component: Int32Array;
  private readonly componentStats = new Float64Array(2);
  private readonly plaqueSlice = new Growable(Int32Array);
  private readonly plaqueFirstPixel = new Growable(Int32Array);
  private readonly plaquePixelCount = new Growable(Int32Array);
  private readonly plaquePeakHu = new Growable(Float64Array);
  private readonly plaqueSumHu = new Growable(Float64Array);
  private readonly plaquePixels = new Growable(Int32Array, 16 * 1024);
  private readonly parent = new Growable(Int32Array);
  private readonly sliceFirstPlaque: Int32Array;

  constructor(private readonly search: CandidateSearch) {
    this.pixelsPerSlice = search.columns * search.rows;
    this.threshold = search.bounds[0];
    this.minPixels = minimumPlaquePixels(search.pixelSpacingMm, search.minAreaMm2);
    this.visitedOnSlice = new Int32Array(this.pixelsPerSlice);
    this.keptOnSlice = new Int32Array(this.pixelsPerSlice);
    this.keptPlaque = new Int32Array(this.pixelsPerSlice);
    this.stack = new Int32Array(this.pixelsPerSlice);
    this.component = new Int32Array(this.pixelsPerSlice);
    this.sliceFirstPlaque = new Int32Array(search.slices + 1);
  }

  /** Find the plaques of slice k (slices must come in order) in `hu`, which holds at least slices 0..k. */
  addSlice(hu: HuArray, k: number): void {
    const { columns, adjacentToPrevious } = this.search;
    const { pixelsPerSlice, threshold, minPixels, visitedOnSlice, keptOnSlice, keptPlaque, component, componentStats } = this;
    if (k !== this.nextSlice) throw new RangeError(`slice ${k} added out of order (expected ${this.nextSlice})`);
    if (hu.length < (k + 1) * pixelsPerSlice) throw new RangeError(`HU volume has ${hu.length} voxels, slice ${k} needs ${(k + 1) * pixelsPerSlice}`);
    this.nextSlice++;
    this.sliceFirstPlaque[k] = this.plaqueSlice.length;
    const stamp = k + 1;
    const base = k * pixelsPerSlice;
    const linksToPrevious = k > 0 && (adjacentToPrevious ? adjacentToPrevious[k] === 1 : true);

    for (let p = nextCandidate(hu, base, 0, pixelsPerSlice, threshold); p < pixelsPerSlice; p = nextCandidate(hu, base, p + 1, pixelsPerSlice, threshold)) {
      if (visitedOnSlice[p] === stamp) continue;
      const count = fillComponent(hu, base, p, columns, pixelsPerSlice, threshold, stamp, visitedOnSlice, this.stack, component, componentStats);
      if (count < minPixels) continue;

      const plaque = this.plaqueSlice.push(k);
      this.plaqueFirstPixel.push(this.plaquePixels.length);
      this.plaquePixelCount.push(count);
      this.plaquePeakHu.push(componentStats[0]);
      this.plaqueSumHu.push(componentStats[1]);
      this.parent.push(plaque);
      const pixels = this.plaquePixels.reserve(this.plaquePixels.length + count);
      pixels.set(component.subarray(0, count), this.plaquePixels.length);
      this.plaquePixels.length += count;
      // Neighbouring pixels mostly touch the same plaque below: union only when it changes.
      let lastLinked = -1;
      for (let c = 0; c < count; c++) {
        const q = component[c];
        if (linksToPrevious && keptOnSlice[q] === k && keptPlaque[q] !== lastLinked) {
          lastLinked = keptPlaque[q];
          union(this.parent, plaque, lastLinked);
        }
        keptOnSlice[q] = stamp;
        keptPlaque[q] = plaque;
      }
    }
  }

  finish(): CalciumCandidates {
    if (this.nextSlice !== this.search.slices) throw new RangeError(`only ${this.nextSlice} of ${this.search.slices} slices were searched`);
    this.sliceFirstPlaque[this.search.slices] = this.plaqueSlice.length;
    const plaqueCount = this.plaqueSlice.length;
    const peaks = this.plaquePeakHu.toArray();
    const plaqueWeight = new Uint8Array(plaqueCount);
    for (let plaque = 0; plaque < plaqueCount; plaque++) plaqueWeight[plaque] = densityWeight(peaks[plaque], this.search.bounds);
    const lesions = groupLesions(this.parent, plaqueCount);
    return {
      plaqueCount,
      lesionCount: lesions.lesionCount,
      plaqueSlice: this.plaqueSlice.toArray(),
      plaqueFirstPixel: this.plaqueFirstPixel.toArray(),
      plaquePixelCount: this.plaquePixelCount.toArray(),
      plaquePeakHu: peaks,
      plaqueSumHu: this.plaqueSumHu.toArray(),
      plaqueWeight,
      plaqueLesion: lesions.plaqueLesion,
      plaquePixels: this.plaquePixels.toArray(),
      sliceFirstPlaque: this.sliceFirstPlaque,
      lesionFirstPlaque: lesions.lesionFirstPlaque,
      lesionPlaques: lesions.lesionPlaques,
      bounds: this.search.bounds,
      minAreaMm2: this.search.minAreaMm2,
    };
  }
}

/**
 * The first in-slice index >= `from` whose HU reaches the threshold, or `end`. Most voxels are far
 * below it: eight are rejected at a time. A small function of its own so V8 optimises this hot loop
 * independently of the bookkeeping around it.
 */
function nextCandidate(hu: HuArray, base: number, from: number, end: number, threshold: number): number {
  let p = from;
  // Up to the next multiple of eight one by one, then eight at a time.
  while (p < end && (p & 7) !== 0) {
    if (hu[base + p] >= threshold) return p;
    p++;
  }
  // (v - threshold) is negative for every voxel below it: the AND of eight such differences keeps
  // its sign bit only if all eight are below, so one test rejects eight voxels. (Fractional HU
  // between threshold - 1 and threshold pass this test and are settled by the exact check below.)
  const lastBlock = end - 7;
  while (p < lastBlock) {
    const at = base + p;
    if (
      ((hu[at] - threshold) &
        (hu[at + 1] - threshold) &
        (hu[at + 2] - threshold) &
        (hu[at + 3] - threshold) &
        (hu[at + 4] - threshold) &
        (hu[at + 5] - threshold) &
        (hu[at + 6] - threshold) &
        (hu[at + 7] - threshold)) >=
      0
    ) {
      for (let q = p; q < p + 8; q++) if (hu[base + q] >= threshold) return q;
    }
    p += 8;
  }
  for (; p < end; p++) if (hu[base + p] >= threshold) return p;
  return end;
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

/** Slices join lesions only when they are consecutive in the acquisition (no missing slice between). */
export function sliceAdjacency(geometry: Pick<VolumeGeometry, 'slices' | 'slicePositionsMm' | 'sliceIncrementMm'>): Uint8Array {
  const adjacent = new Uint8Array(geometry.slices);
  const positions = geometry.slicePositionsMm;
  for (let k = 1; k < geometry.slices; k++) {
    adjacent[k] = positions[k] - positions[k - 1] <= 1.5 * geometry.sliceIncrementMm ? 1 : 0;
  }
  return adjacent;
}
