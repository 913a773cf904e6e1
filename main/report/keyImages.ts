/**
 * Key images for the report (CLINICAL.md 6), rendered in Node as PNG from the HU volume and the
 * label volume: the axial slices that show each artery's calcium best, and a "3D map" made of two
 * maximum-intensity projections (anterior and left lateral) of the coronary calcium, coloured by
 * artery, over a faint projection of the body. The vtk.js 3D view lives in the renderer; the report
 * must be made without a window, so the map is drawn here.
 *
 * Only the coronary labels (LM, LAD, LCX, RCA) are coloured: unassigned calcium includes bone and
 * excluded calcium is non-coronary, and both would hide the arteries in a projection.
 */
import { PNG } from 'pngjs';
import { ARTERIES, LABEL_CODE, type Artery } from '../../native-worker/scoring/arteries.js';
// The workstation's artery colours (no DOM in that module), so the report matches the screen.
import { LABEL_RGB } from '../../renderer/reading/palette.js';

export interface KeyImage {
  kind: 'axial' | 'map';
  title: string;
  png: Uint8Array;
  widthPx: number;
  heightPx: number;
  /** For axial images: the 0-based slice index (shown 1-based in the title, as in the slice view). */
  sliceIndex?: number;
}

export interface KeyImageVolume {
  /** HU, column fastest, then row, then slice (the worker's volume layout). */
  hu: Int16Array | Float32Array;
  /** Label codes, same layout: 0 background, 1 LM, 2 LAD, 3 LCX, 4 RCA, 5 excluded, 6 unassigned. */
  labels: Uint8Array;
  columns: number;
  rows: number;
  slices: number;
  /** DICOM PixelSpacing order: [between rows, between columns], mm. */
  pixelSpacingMm: [number, number];
  sliceIncrementMm: number;
  /** Per slice, e.g. "z = -112.5 mm", printed in the axial titles. */
  sliceLabels?: string[];
}

export interface KeyImageOptions {
  /** Most axial slices to show; default 4. */
  maxAxial?: number;
}

export class KeyImageInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'KeyImageInputError';
  }
}

/** Soft tissue stays mid-grey, calcium (>= 130 HU) light, bone and dense calcium white. */
export const AXIAL_WINDOW = { widthHu: 800, levelHu: 200 } as const;
/** Share of the artery colour inside a labelled region; the region's edge is drawn in pure colour. */
export const LABEL_BLEND = 0.6;
/** HU above which a voxel counts as body (not air) when cropping. */
const BODY_HU = -400;
const CROP_MARGIN_MM = 8;
/** The body projection is kept faint (grey 0..MAP_BODY_MAX_GREY) so the calcium stands out. */
const MAP_BODY_MAX_GREY = 110;
const MAP_BODY_WINDOW = { lowHu: -300, highHu: 1200 } as const;

const CORONARY_CODES: readonly number[] = ARTERIES.map((artery) => LABEL_CODE[artery]);

function checkInput(input: KeyImageVolume, maxAxial: number): void {
  const { columns, rows, slices, pixelSpacingMm, sliceIncrementMm } = input;
  for (const [name, value] of [['columns', columns], ['rows', rows], ['slices', slices]] as const) {
    if (!Number.isInteger(value) || value < 1) throw new KeyImageInputError(`key images: ${name} must be a whole number >= 1, got ${value}`);
  }
  const voxels = columns * rows * slices;
  if (input.hu.length !== voxels) {
    throw new KeyImageInputError(`key images: the HU volume has ${input.hu.length} voxels, expected ${columns} x ${rows} x ${slices} = ${voxels}`);
  }
  if (input.labels.length !== voxels) {
    throw new KeyImageInputError(`key images: the label volume has ${input.labels.length} voxels, expected ${columns} x ${rows} x ${slices} = ${voxels}`);
  }
  const spacings = [pixelSpacingMm[0], pixelSpacingMm[1], sliceIncrementMm];
  if (spacings.some((s) => !Number.isFinite(s) || s <= 0)) {
    throw new KeyImageInputError(`key images: pixel spacing and slice increment must be > 0 mm, got ${spacings.join(', ')}`);
  }
  if (input.sliceLabels !== undefined && input.sliceLabels.length !== slices) {
    throw new KeyImageInputError(`key images: ${input.sliceLabels.length} slice labels for ${slices} slices`);
  }
  if (!Number.isInteger(maxAxial) || maxAxial < 0) throw new KeyImageInputError(`key images: maxAxial must be a whole number >= 0, got ${maxAxial}`);
}

/** One pass over the volume: per-slice artery counts, the body extent and both projections. */
interface VolumeSummary {
  /** [slice * 4 + artery index] coronary voxel counts. */
  arteryVoxelsPerSlice: Int32Array;
  /** Max HU along rows (anterior view), [slice * columns + column]. */
  anteriorBodyHu: Float32Array;
  /** Max HU along columns (lateral view), [slice * rows + row]. */
  lateralBodyHu: Float32Array;
  /** HU and label code of the densest coronary voxel along each ray (label 0: none). */
  anteriorCalciumHu: Float32Array;
  anteriorCalciumLabel: Uint8Array;
  lateralCalciumHu: Float32Array;
  lateralCalciumLabel: Uint8Array;
}

function summarise(input: KeyImageVolume): VolumeSummary {
  const { hu, labels, columns, rows, slices } = input;
  const arteryOfCode = new Int8Array(256).fill(-1);
  CORONARY_CODES.forEach((code, index) => (arteryOfCode[code] = index));
  const s: VolumeSummary = {
    arteryVoxelsPerSlice: new Int32Array(slices * 4),
    anteriorBodyHu: new Float32Array(slices * columns).fill(-Infinity),
    lateralBodyHu: new Float32Array(slices * rows).fill(-Infinity),
    anteriorCalciumHu: new Float32Array(slices * columns).fill(-Infinity),
    anteriorCalciumLabel: new Uint8Array(slices * columns),
    lateralCalciumHu: new Float32Array(slices * rows).fill(-Infinity),
    lateralCalciumLabel: new Uint8Array(slices * rows),
  };
  // Hoisted to locals: this loop runs once per voxel (12 M for a 512 x 512 x 47 series).
  const { arteryVoxelsPerSlice, anteriorBodyHu, lateralBodyHu, anteriorCalciumHu, anteriorCalciumLabel, lateralCalciumHu, lateralCalciumLabel } = s;
  for (let k = 0; k < slices; k++) {
    const antBase = k * columns;
    const latBase = k * rows;
    for (let j = 0; j < rows; j++) {
      let rowMax = -Infinity;
      const voxelBase = (k * rows + j) * columns;
      for (let i = 0; i < columns; i++) {
        const v = hu[voxelBase + i];
        if (v > rowMax) rowMax = v;
        if (v > anteriorBodyHu[antBase + i]) anteriorBodyHu[antBase + i] = v;
        const code = labels[voxelBase + i];
        if (code === 0) continue;
        const artery = arteryOfCode[code];
        if (artery < 0) continue;
        arteryVoxelsPerSlice[k * 4 + artery] += 1;
        if (v > anteriorCalciumHu[antBase + i]) {
          anteriorCalciumHu[antBase + i] = v;
          anteriorCalciumLabel[antBase + i] = code;
        }
        if (v > lateralCalciumHu[latBase + j]) {
          lateralCalciumHu[latBase + j] = v;
          lateralCalciumLabel[latBase + j] = code;
        }
      }
      lateralBodyHu[latBase + j] = rowMax;
    }
  }
  return s;
}

/**
 * Slices to show: for each artery with calcium (LM, LAD, LCX, RCA) the slice with most of its
 * voxels, then the slices with the most coronary calcium left; at most maxAxial, in slice order.
 */
export function chooseAxialSlices(arteryVoxelsPerSlice: Int32Array, slices: number, maxAxial: number): number[] {
  const chosen: number[] = [];
  for (let a = 0; a < 4 && chosen.length < maxAxial; a++) {
    let best = -1;
    let bestCount = 0;
    for (let k = 0; k < slices; k++) {
      const count = arteryVoxelsPerSlice[k * 4 + a];
      if (count > bestCount) {
        best = k;
        bestCount = count;
      }
    }
    if (best >= 0 && !chosen.includes(best)) chosen.push(best);
  }
  const totals = Array.from({ length: slices }, (_, k) => ({
    k,
    count: arteryVoxelsPerSlice[k * 4] + arteryVoxelsPerSlice[k * 4 + 1] + arteryVoxelsPerSlice[k * 4 + 2] + arteryVoxelsPerSlice[k * 4 + 3],
  }));
  totals.sort((x, y) => y.count - x.count || x.k - y.k);
  for (const { k, count } of totals) {
    if (chosen.length >= maxAxial || count === 0) break;
    if (!chosen.includes(k)) chosen.push(k);
  }
  return chosen.sort((x, y) => x - y);
}

/** [first, last] index where the profile is body, widened by a margin; the whole range when none. */
function bodyExtent(maxHuAlong: (index: number) => number, length: number, spacingMm: number): [number, number] {
  let first = -1;
  let last = -1;
  for (let n = 0; n < length; n++) {
    if (maxHuAlong(n) > BODY_HU) {
      if (first < 0) first = n;
      last = n;
    }
  }
  if (first < 0) return [0, length - 1];
  const margin = Math.round(CROP_MARGIN_MM / spacingMm);
  return [Math.max(0, first - margin), Math.min(length - 1, last + margin)];
}

function grey(huValue: number): number {
  const low = AXIAL_WINDOW.levelHu - AXIAL_WINDOW.widthHu / 2;
  const g = ((huValue - low) / AXIAL_WINDOW.widthHu) * 255;
  return g <= 0 ? 0 : g >= 255 ? 255 : Math.round(g);
}

function encodePng(width: number, height: number, rgba: Buffer): Uint8Array {
  const png = new PNG({ width, height, colorType: 6 });
  rgba.copy(png.data);
  return new Uint8Array(PNG.sync.write(png, { colorType: 2, filterType: 4 }));
}

function arteriesOnSlice(counts: Int32Array, k: number): Artery[] {
  return ARTERIES.filter((_, a) => counts[k * 4 + a] > 0);
}

function renderAxial(input: KeyImageVolume, k: number, crop: { i0: number; i1: number; j0: number; j1: number }): { png: Uint8Array; width: number; height: number } {
  const { hu, labels, columns, rows, pixelSpacingMm } = input;
  const width = crop.i1 - crop.i0 + 1;
  const croppedRows = crop.j1 - crop.j0 + 1;
  // Square pixels in mm: rows are repeated or skipped (nearest) when the row spacing differs from
  // the column spacing, so the PDF, which shows pixels square, keeps the anatomy's proportions.
  const height = Math.max(1, Math.round((croppedRows * pixelSpacingMm[0]) / pixelSpacingMm[1]));
  const rgba = Buffer.alloc(width * height * 4);
  const sliceBase = k * rows * columns;
  const isCoronary = (code: number): boolean => code >= 1 && code <= 4;
  for (let y = 0; y < height; y++) {
    const j = crop.j0 + Math.min(croppedRows - 1, Math.floor(((y + 0.5) * croppedRows) / height));
    for (let x = 0; x < width; x++) {
      const i = crop.i0 + x;
      const voxel = sliceBase + j * columns + i;
      const g = grey(hu[voxel]);
      const code = labels[voxel];
      let r = g;
      let gg = g;
      let b = g;
      if (isCoronary(code)) {
        const [cr, cg, cb] = LABEL_RGB[code];
        // The edge of a labelled region (a 4-neighbour with another code) is drawn in pure colour,
        // so small plaques stay visible; inside, the colour is blended over the grey.
        const edge =
          i === 0 || i === columns - 1 || j === 0 || j === rows - 1 ||
          labels[voxel - 1] !== code || labels[voxel + 1] !== code || labels[voxel - columns] !== code || labels[voxel + columns] !== code;
        const f = edge ? 1 : LABEL_BLEND;
        r = Math.round(f * cr + (1 - f) * g);
        gg = Math.round(f * cg + (1 - f) * g);
        b = Math.round(f * cb + (1 - f) * g);
      }
      const p = (y * width + x) * 4;
      rgba[p] = r;
      rgba[p + 1] = gg;
      rgba[p + 2] = b;
      rgba[p + 3] = 255;
    }
  }
  return { png: encodePng(width, height, rgba), width, height };
}

/**
 * One projection image: horizontal = the in-plane axis kept (cropped), vertical = slices with the
 * most superior at the top, resampled so that a pixel is square in mm (aspect-correct). Each output
 * row takes the maximum over the slices it covers, so thin-slice calcium is never skipped.
 */
function renderProjection(
  bodyHu: Float32Array,
  calciumHu: Float32Array,
  calciumLabel: Uint8Array,
  lineLength: number,
  slices: number,
  from: number,
  to: number,
  horizontalSpacingMm: number,
  sliceIncrementMm: number,
): { png: Uint8Array; width: number; height: number } {
  const width = to - from + 1;
  const height = Math.max(1, Math.round((slices * sliceIncrementMm) / horizontalSpacingMm));
  const rgba = Buffer.alloc(width * height * 4);
  const { lowHu, highHu } = MAP_BODY_WINDOW;
  for (let y = 0; y < height; y++) {
    // Output row y (top = superior) covers slices [kLow, kHigh] counted from the top.
    const topLow = Math.floor((y * slices) / height);
    const topHigh = Math.max(topLow, Math.ceil(((y + 1) * slices) / height) - 1);
    for (let x = 0; x < width; x++) {
      const n = from + x;
      let body = -Infinity;
      let calcium = -Infinity;
      let code = 0;
      for (let t = topLow; t <= topHigh; t++) {
        const k = slices - 1 - t;
        const index = k * lineLength + n;
        if (bodyHu[index] > body) body = bodyHu[index];
        if (calciumLabel[index] !== 0 && calciumHu[index] > calcium) {
          calcium = calciumHu[index];
          code = calciumLabel[index];
        }
      }
      const p = (y * width + x) * 4;
      if (code !== 0) {
        const [cr, cg, cb] = LABEL_RGB[code];
        rgba[p] = cr;
        rgba[p + 1] = cg;
        rgba[p + 2] = cb;
      } else {
        const f = (body - lowHu) / (highHu - lowHu);
        const g = f <= 0 ? 0 : f >= 1 ? MAP_BODY_MAX_GREY : Math.round(f * MAP_BODY_MAX_GREY);
        rgba[p] = g;
        rgba[p + 1] = g;
        rgba[p + 2] = g;
      }
      rgba[p + 3] = 255;
    }
  }
  return { png: encodePng(width, height, rgba), width, height };
}

/**
 * The report's key images: up to maxAxial axial slices (in slice order), then the anterior and the
 * left lateral calcium map. Deterministic: the same volumes give the same PNG bytes.
 */
export function renderKeyImages(input: KeyImageVolume, options: KeyImageOptions = {}): KeyImage[] {
  const maxAxial = options.maxAxial ?? 4;
  checkInput(input, maxAxial);
  const { columns, rows, slices, pixelSpacingMm, sliceIncrementMm } = input;
  const [rowSpacingMm, columnSpacingMm] = pixelSpacingMm;
  const summary = summarise(input);

  // Crop to the body: columns from the anterior projection, rows from the lateral one.
  const columnMax = (i: number): number => {
    let m = -Infinity;
    for (let k = 0; k < slices; k++) m = Math.max(m, summary.anteriorBodyHu[k * columns + i]);
    return m;
  };
  const rowMax = (j: number): number => {
    let m = -Infinity;
    for (let k = 0; k < slices; k++) m = Math.max(m, summary.lateralBodyHu[k * rows + j]);
    return m;
  };
  const [i0, i1] = bodyExtent(columnMax, columns, columnSpacingMm);
  const [j0, j1] = bodyExtent(rowMax, rows, rowSpacingMm);

  const images: KeyImage[] = [];
  for (const k of chooseAxialSlices(summary.arteryVoxelsPerSlice, slices, maxAxial)) {
    const { png, width, height } = renderAxial(input, k, { i0, i1, j0, j1 });
    const where = input.sliceLabels ? ` (${input.sliceLabels[k]})` : '';
    const arteries = arteriesOnSlice(summary.arteryVoxelsPerSlice, k).join(', ');
    images.push({ kind: 'axial', title: `Slice ${k + 1}${where}: ${arteries}`, png, widthPx: width, heightPx: height, sliceIndex: k });
  }

  const anterior = renderProjection(summary.anteriorBodyHu, summary.anteriorCalciumHu, summary.anteriorCalciumLabel, columns, slices, i0, i1, columnSpacingMm, sliceIncrementMm);
  images.push({
    kind: 'map',
    title: "Calcium map, anterior view (patient's right on the left)",
    png: anterior.png,
    widthPx: anterior.width,
    heightPx: anterior.height,
  });
  const lateral = renderProjection(summary.lateralBodyHu, summary.lateralCalciumHu, summary.lateralCalciumLabel, rows, slices, j0, j1, rowSpacingMm, sliceIncrementMm);
  images.push({
    kind: 'map',
    title: 'Calcium map, left lateral view (anterior on the left)',
    png: lateral.png,
    widthPx: lateral.width,
    heightPx: lateral.height,
  });
  return images;
}
