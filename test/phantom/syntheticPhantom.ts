/**
 * Synthetic CT phantom: writes a real DICOM CT series (one file per slice, CT Image Storage) whose
 * every voxel is known in advance, so the loader and the calcium scores can be tested against
 * analytic expectations instead of against themselves.
 *
 * Geometry (LPS, mm). rowDir and columnDir are the two triplets of ImageOrientationPatient,
 * normal = rowDir x columnDir. PixelSpacing[0] is the distance between rows (along columnDir),
 * PixelSpacing[1] between columns (along rowDir). Voxel (i, j, k) = (column, row, slice index) has
 * its centre at
 *   origin + i * PixelSpacing[1] * rowDir + j * PixelSpacing[0] * columnDir + k * sliceStep,
 *   sliceStep = increment * normal                                  (no tilt)
 *   sliceStep = increment * normal - increment * tan(tilt) * columnDir   (gantry tilt)
 * so consecutive slices are always `sliceIncrementMm` apart along the normal; a tilt only shears
 * the stack sideways. With ImageOrientationPatient = tiltedAxialOrientation(tilt) the slices then
 * step along the patient z axis only, which is what tilted scanners write.
 *
 * Which voxels an object covers: its centre must be inside. Boxes (and the length of a cylinder)
 * are half-open [low, high) on each axis, each edge moved by VOXEL_EPSILON_MM towards -infinity
 * to absorb floating-point error, so a 10 mm box with 0.5 mm pixels covers exactly 20 pixels
 * wherever it sits (a closed [low, high] box would cover 21 when its edges fall on pixel centres).
 * Radial boundaries (sphere, cylinder radius) are closed: distance <= radius + VOXEL_EPSILON_MM.
 *
 * Nothing here imports project code: the expectations it produces are independent of the loader
 * and of the scoring under test.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { data as dcmjsData } from 'dcmjs';
import { TRANSFER_SYNTAX_UIDS, transcodeFile, type TestTransferSyntax } from '../support/transcode.js';

export type Vec3 = [number, number, number];

export type PhantomObject =
  /** Axis-aligned in the image axes: sizeMm = [along rowDir, along columnDir, along the normal]. */
  | { kind: 'box'; centerMm: Vec3; sizeMm: Vec3; hu: number }
  /** Axis along the slice normal. */
  | { kind: 'cylinder'; centerMm: Vec3; radiusMm: number; lengthMm: number; hu: number }
  | { kind: 'sphere'; centerMm: Vec3; radiusMm: number; hu: number }
  /** Exact per-voxel values, for golden tests. */
  | { kind: 'voxels'; voxels: Array<{ i: number; j: number; k: number; hu: number }> };

export type PhantomTransferSyntax = TestTransferSyntax;

export interface PhantomSpec {
  /** Default 64. */
  rows?: number;
  /** Default 64. */
  columns?: number;
  /** [row spacing, column spacing], as DICOM PixelSpacing. */
  pixelSpacingMm: [number, number];
  slices: number;
  /** Written to SliceThickness. */
  sliceThicknessMm: number;
  /** Distance between consecutive ImagePositionPatient along the slice normal. */
  sliceIncrementMm: number;
  /** ImagePositionPatient of slice index 0. Default [0, 0, 0]. */
  originMm?: Vec3;
  /** ImageOrientationPatient, default axial 1,0,0,0,1,0. Must be orthonormal to 1e-6. */
  orientation?: [number, number, number, number, number, number];
  /** Written to GantryDetectorTilt (default 0); shears the slice positions (see the file header). */
  gantryTiltDeg?: number;
  backgroundHu: number;
  /** Gaussian noise added to every voxel (objects included), reproducible for a given seed. */
  noiseSdHu?: number;
  /** Seeds the noise and the shuffled instance numbers. Default 1. */
  seed?: number;
  /** Painted in order: later objects overwrite earlier ones. */
  objects: PhantomObject[];
  /**
   * A disk of contrast-filled blood (for a "contrast present" case), centred in every image and
   * painted before `objects`. Radius defaults to a quarter of the smaller image extent.
   */
  bloodPool?: { hu: number; radiusMm?: number };
  /** Default 120. */
  kvp?: number;
  /** Default 1. */
  rescaleSlope?: number;
  /** Default -1024. */
  rescaleIntercept?: number;
  /** Default 1 (signed). */
  pixelRepresentation?: 0 | 1;
  /** 12 to 16, default 16. */
  bitsStored?: number;
  /**
   * What the bits above HighBit hold when BitsStored < 16: 'sign-extend' (default for signed data,
   * what most scanners write) or 'zero' (a loader must mask and sign-extend from HighBit itself).
   */
  unusedHighBits?: 'sign-extend' | 'zero';
  /** Written to (0028,0120); the stored value of voxels outside the circular FOV. */
  pixelPaddingValue?: number;
  /** Radius of the reconstructed field of view, centred in each image; needs pixelPaddingValue. */
  fovRadiusMm?: number;
  /** Default 'explicit'. Anything but implicit/explicit goes through transcodeFile. */
  transferSyntax?: PhantomTransferSyntax;
  /**
   * 'random-hex' (default): 8 upper-case hex digits, no extension, like the real QRM phantom;
   * 'instance': the InstanceNumber, unpadded ("10" sorts before "2");
   * 'with-extension': 8 hex digits + ".dcm".
   */
  fileNames?: 'random-hex' | 'instance' | 'with-extension';
  /**
   * Default 'ascending' (k + 1). Numbers are given over all slice indices before skipping, so a
   * skipped slice leaves a gap like a lost file. 'shuffled' is a seeded permutation.
   */
  instanceNumbers?: 'ascending' | 'descending' | 'shuffled';
  /** Slice indices not written (their voxels are still in huVolume). */
  skipSliceIndices?: number[];
  studyInstanceUid?: string;
  seriesInstanceUid?: string;
  frameOfReferenceUid?: string;
  seriesDescription?: string;
  patientName?: string;
  patientId?: string;
  /**
   * Extra dcmjs naturalized attributes, written last (they override the generated ones), e.g.
   * { CalciumScoringMassFactorDevice: [0.7, 0.72, 0.74], ReconstructionDiameter: '250' }.
   * Unknown keywords are rejected. Overriding geometry makes huVolume disagree with the file.
   */
  extraAttributes?: Record<string, unknown>;
}

export interface PhantomSlice {
  /** Slice index along the normal (position order). */
  k: number;
  file: string;
  instanceNumber: number;
  sopInstanceUid: string;
  imagePositionPatient: Vec3;
}

export interface PhantomSeries {
  dir: string;
  /** Absolute paths of the written files, in slice-position order (same order as `slices`). */
  files: string[];
  slices: PhantomSlice[];
  seriesInstanceUid: string;
  studyInstanceUid: string;
  frameOfReferenceUid: string;
  transferSyntaxUid: string;
  /** The intended HU per voxel (i fastest, then j, then k, all slices), before storage rounding. */
  huVolume: Float64Array;
  /** The stored pixel values (same layout), after rounding and clamping. */
  storedValues: Int32Array;
  /** 1 where the voxel is outside the FOV and holds PixelPaddingValue; absent without a FOV. */
  paddingMask?: Uint8Array;
}

export const CT_IMAGE_STORAGE = '1.2.840.10008.5.1.4.1.1.2';
/** Tolerance of the object boundaries, mm (see the file header). */
export const VOXEL_EPSILON_MM = 1e-6;

// Fixed for this generator (a 2.25 UUID-derived root), as ImplementationClassUID should be.
const IMPLEMENTATION_CLASS_UID = '2.25.186969819602856667788281758206869039074';
const IMPLEMENTATION_VERSION_NAME = 'CAC_PHANTOM_1';
// Fixed dates and times keep the bytes of a series a function of the spec and its UIDs.
const STUDY_DATE = '20240301';
const STUDY_TIME = '101500';

export function transferSyntaxUid(syntax: PhantomTransferSyntax): string {
  return TRANSFER_SYNTAX_UIDS[syntax];
}

// ---------------------------------------------------------------------------------------------
// Small vector maths (local on purpose: no dependency on the geometry code under test).

function dot(a: Vec3, b: Vec3): number {
  return a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
}
function cross(a: Vec3, b: Vec3): Vec3 {
  return [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]];
}
function sub(a: Vec3, b: Vec3): Vec3 {
  return [a[0] - b[0], a[1] - b[1], a[2] - b[2]];
}

// ---------------------------------------------------------------------------------------------
// Geometry of a spec.

export interface PhantomAxes {
  origin: Vec3;
  rowDir: Vec3;
  columnDir: Vec3;
  normal: Vec3;
  /** Displacement between consecutive slice origins (includes the tilt shear). */
  sliceStepMm: Vec3;
  /** Spacing along rowDir (PixelSpacing[1]) and along columnDir (PixelSpacing[0]). */
  columnSpacingMm: number;
  rowSpacingMm: number;
}

export function phantomAxes(spec: PhantomSpec): PhantomAxes {
  const orientation = spec.orientation ?? [1, 0, 0, 0, 1, 0];
  const rowDir: Vec3 = [orientation[0], orientation[1], orientation[2]];
  const columnDir: Vec3 = [orientation[3], orientation[4], orientation[5]];
  const tolerance = 1e-6;
  if (
    Math.abs(dot(rowDir, rowDir) - 1) > tolerance ||
    Math.abs(dot(columnDir, columnDir) - 1) > tolerance ||
    Math.abs(dot(rowDir, columnDir)) > tolerance
  ) {
    throw new Error(`orientation ${orientation.join('\\')} is not orthonormal: use exact cosines`);
  }
  const normal = cross(rowDir, columnDir);
  const increment = spec.sliceIncrementMm;
  const shear = -increment * Math.tan(((spec.gantryTiltDeg ?? 0) * Math.PI) / 180);
  const sliceStepMm: Vec3 = [
    increment * normal[0] + shear * columnDir[0],
    increment * normal[1] + shear * columnDir[1],
    increment * normal[2] + shear * columnDir[2],
  ];
  return {
    origin: spec.originMm ?? [0, 0, 0],
    rowDir,
    columnDir,
    normal,
    sliceStepMm,
    columnSpacingMm: spec.pixelSpacingMm[1],
    rowSpacingMm: spec.pixelSpacingMm[0],
  };
}

/**
 * ImageOrientationPatient of an axial stack acquired with the gantry tilted by `tiltDeg`: the
 * column direction leans by the tilt, and with the shear of phantomAxes the slice origins then
 * step along the patient z axis only (table travel = increment / cos(tilt)). The sign pairing is
 * this generator's convention; DICOM does not define GantryDetectorTilt for computation.
 */
export function tiltedAxialOrientation(tiltDeg: number): [number, number, number, number, number, number] {
  const radians = (tiltDeg * Math.PI) / 180;
  return [1, 0, 0, 0, Math.cos(radians), -Math.sin(radians)];
}

/** Centre of voxel (i, j, k) in LPS mm. */
export function voxelCenterMm(spec: PhantomSpec, i: number, j: number, k: number): Vec3 {
  return voxelCenterFromAxes(phantomAxes(spec), i, j, k);
}

function voxelCenterFromAxes(axes: PhantomAxes, i: number, j: number, k: number): Vec3 {
  const { origin, rowDir, columnDir, sliceStepMm } = axes;
  const alongRow = i * axes.columnSpacingMm;
  const alongColumn = j * axes.rowSpacingMm;
  return [
    origin[0] + alongRow * rowDir[0] + alongColumn * columnDir[0] + k * sliceStepMm[0],
    origin[1] + alongRow * rowDir[1] + alongColumn * columnDir[1] + k * sliceStepMm[1],
    origin[2] + alongRow * rowDir[2] + alongColumn * columnDir[2] + k * sliceStepMm[2],
  ];
}

/** Index of voxel (i, j, k) in huVolume / storedValues. */
export function voxelIndex(spec: PhantomSpec, i: number, j: number, k: number): number {
  const columns = spec.columns ?? 64;
  const rows = spec.rows ?? 64;
  return i + columns * (j + rows * k);
}

// ---------------------------------------------------------------------------------------------
// Analytic helpers for tests: pure geometry, independent of the per-voxel painting below and of
// any scoring code.

export interface BoxVoxelCount {
  /** Pixel centres the box covers along rowDir (columns i), along columnDir (rows j, on each slice
   * when the stack is tilted) and along the normal (slices k), clipped to the image. */
  alongRow: number;
  alongColumn: number;
  alongNormal: number;
  /** Voxels covered, before later objects overwrite any (a tilted stack clips each slice alone). */
  total: number;
}

/**
 * How many voxel centres `box` covers, from its extents and the spacings alone: on an axis where
 * the centres sit at a + n * s (n = 0 .. N-1) and the box spans [low, high), the covered n are
 * ceil((low - eps - a) / s) .. ceil((high - eps - a) / s) - 1, clipped to [0, N).
 */
export function boxVoxelCount(spec: PhantomSpec, box: Extract<PhantomObject, { kind: 'box' }>): BoxVoxelCount {
  const axes = phantomAxes(spec);
  const columns = spec.columns ?? 64;
  const rows = spec.rows ?? 64;
  const offset = sub(axes.origin, box.centerMm);
  const span = (first: number, spacing: number, halfSize: number, count: number): [number, number] => {
    const low = Math.ceil((-halfSize - VOXEL_EPSILON_MM - first) / spacing);
    const high = Math.ceil((halfSize - VOXEL_EPSILON_MM - first) / spacing) - 1;
    return [Math.max(0, low), Math.min(count - 1, high)];
  };
  const width = ([low, high]: [number, number]): number => Math.max(0, high - low + 1);

  const iSpan = span(dot(offset, axes.rowDir), axes.columnSpacingMm, box.sizeMm[0] / 2, columns);
  const kSpan = span(dot(offset, axes.normal), spec.sliceIncrementMm, box.sizeMm[2] / 2, spec.slices);
  // The tilt shifts each slice along columnDir by k * (sliceStep . columnDir).
  const shearPerSlice = dot(axes.sliceStepMm, axes.columnDir);
  const jSpanAt = (k: number): [number, number] =>
    span(dot(offset, axes.columnDir) + k * shearPerSlice, axes.rowSpacingMm, box.sizeMm[1] / 2, rows);
  let total = 0;
  for (let k = kSpan[0]; k <= kSpan[1]; k++) total += width(iSpan) * width(jSpanAt(k));
  const firstSlice = width(kSpan) > 0 ? kSpan[0] : 0;
  return { alongRow: width(iSpan), alongColumn: width(jSpanAt(firstSlice)), alongNormal: width(kSpan), total };
}

/** Smallest and largest stored value for the spec's BitsStored and PixelRepresentation. */
export function storedValueRange(spec: PhantomSpec): { min: number; max: number } {
  const bitsStored = spec.bitsStored ?? 16;
  const signed = (spec.pixelRepresentation ?? 1) === 1;
  return signed ? { min: -(2 ** (bitsStored - 1)), max: 2 ** (bitsStored - 1) - 1 } : { min: 0, max: 2 ** bitsStored - 1 };
}

/** round((HU - intercept) / slope), clamped to the representable range (Math.round: .5 goes up). */
export function huToStoredValue(spec: PhantomSpec, hu: number): number {
  const slope = spec.rescaleSlope ?? 1;
  const intercept = spec.rescaleIntercept ?? -1024;
  const { min, max } = storedValueRange(spec);
  return Math.min(max, Math.max(min, Math.round((hu - intercept) / slope)));
}

export function storedValueToHu(spec: PhantomSpec, stored: number): number {
  return stored * (spec.rescaleSlope ?? 1) + (spec.rescaleIntercept ?? -1024);
}

// ---------------------------------------------------------------------------------------------
// Value formatting and UIDs.

/**
 * A number as a DICOM DS value: at most 16 characters, the most significant digits that fit.
 * Exponent forms such as "1e-7" are valid DS.
 */
export function formatDecimalString(value: number): string {
  if (!Number.isFinite(value)) throw new Error(`cannot write ${value} as a DICOM decimal string`);
  if (value === 0) return '0'; // also turns -0 into "0"
  // The most significant digits that fit, in plain or exponent form (small values like
  // -0.000123456789 keep more digits as -1.23456789e-4).
  for (let digits = 16; digits >= 1; digits--) {
    const plain = String(Number(value.toPrecision(digits)));
    if (plain.length <= 16) return plain;
    const exponent = value.toExponential(digits - 1).replace(/\.?0+e/, 'e');
    if (exponent.length <= 16) return exponent;
  }
  throw new Error(`cannot fit ${value} in 16 characters`);
}

/** A fresh UID under the 2.25 (UUID-derived) root: 128 random bits as a decimal integer. */
export function createUid(): string {
  const bits = randomBytes(16);
  bits[6] = (bits[6] & 0x0f) | 0x40; // make it a valid version-4 UUID, as 2.25 expects
  bits[8] = (bits[8] & 0x3f) | 0x80;
  return `2.25.${BigInt(`0x${bits.toString('hex')}`).toString()}`;
}

// ---------------------------------------------------------------------------------------------
// Seeded randomness (mulberry32): the noise and the shuffled order depend on the seed only.

function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Standard normal deviates by Box-Muller, both of each pair used. */
function seededGaussian(seed: number): () => number {
  const uniform = seededRandom(seed);
  let spare: number | undefined;
  return () => {
    if (spare !== undefined) {
      const value = spare;
      spare = undefined;
      return value;
    }
    const u1 = 1 - uniform(); // (0, 1]: log is finite
    const u2 = uniform();
    const radius = Math.sqrt(-2 * Math.log(u1));
    spare = radius * Math.sin(2 * Math.PI * u2);
    return radius * Math.cos(2 * Math.PI * u2);
  };
}

// ---------------------------------------------------------------------------------------------
// Painting the volume.

interface Dimensions {
  columns: number;
  rows: number;
  slices: number;
}

/** Whether a point (LPS) is inside an object, by the boundary rules in the file header. */
function insideTest(object: Exclude<PhantomObject, { kind: 'voxels' }>, axes: PhantomAxes): (point: Vec3) => boolean {
  const eps = VOXEL_EPSILON_MM;
  const halfOpen = (t: number, half: number): boolean => t >= -half - eps && t < half - eps;
  switch (object.kind) {
    case 'box': {
      const [sizeRow, sizeColumn, sizeNormal] = object.sizeMm;
      return (point) => {
        const d = sub(point, object.centerMm);
        return (
          halfOpen(dot(d, axes.rowDir), sizeRow / 2) &&
          halfOpen(dot(d, axes.columnDir), sizeColumn / 2) &&
          halfOpen(dot(d, axes.normal), sizeNormal / 2)
        );
      };
    }
    case 'cylinder': {
      const limit = (object.radiusMm + eps) ** 2;
      return (point) => {
        const d = sub(point, object.centerMm);
        const u = dot(d, axes.rowDir);
        const v = dot(d, axes.columnDir);
        return u * u + v * v <= limit && halfOpen(dot(d, axes.normal), object.lengthMm / 2);
      };
    }
    case 'sphere': {
      const limit = (object.radiusMm + eps) ** 2;
      return (point) => {
        const d = sub(point, object.centerMm);
        return dot(d, d) <= limit;
      };
    }
  }
}

function boundingRadiusMm(object: Exclude<PhantomObject, { kind: 'voxels' }>): number {
  switch (object.kind) {
    case 'box':
      return Math.hypot(...object.sizeMm) / 2;
    case 'cylinder':
      return Math.hypot(object.radiusMm, object.lengthMm / 2);
    case 'sphere':
      return object.radiusMm;
  }
}

function paintObject(
  volume: Float64Array,
  object: Exclude<PhantomObject, { kind: 'voxels' }>,
  axes: PhantomAxes,
  size: Dimensions,
): void {
  const inside = insideTest(object, axes);
  // Only visit voxels whose centre can be within the object's bounding sphere.
  const radius = boundingRadiusMm(object) + 2 * VOXEL_EPSILON_MM;
  const fromOrigin = sub(object.centerMm, axes.origin);
  const increment = dot(axes.sliceStepMm, axes.normal);
  const kCentre = dot(fromOrigin, axes.normal) / increment;
  const kFirst = Math.max(0, Math.floor(kCentre - radius / increment) - 1);
  const kLast = Math.min(size.slices - 1, Math.ceil(kCentre + radius / increment) + 1);
  for (let k = kFirst; k <= kLast; k++) {
    const inSlice: Vec3 = [
      fromOrigin[0] - k * axes.sliceStepMm[0],
      fromOrigin[1] - k * axes.sliceStepMm[1],
      fromOrigin[2] - k * axes.sliceStepMm[2],
    ];
    const iCentre = dot(inSlice, axes.rowDir) / axes.columnSpacingMm;
    const jCentre = dot(inSlice, axes.columnDir) / axes.rowSpacingMm;
    const iFirst = Math.max(0, Math.floor(iCentre - radius / axes.columnSpacingMm) - 1);
    const iLast = Math.min(size.columns - 1, Math.ceil(iCentre + radius / axes.columnSpacingMm) + 1);
    const jFirst = Math.max(0, Math.floor(jCentre - radius / axes.rowSpacingMm) - 1);
    const jLast = Math.min(size.rows - 1, Math.ceil(jCentre + radius / axes.rowSpacingMm) + 1);
    for (let j = jFirst; j <= jLast; j++) {
      for (let i = iFirst; i <= iLast; i++) {
        if (inside(voxelCenterFromAxes(axes, i, j, k))) {
          volume[i + size.columns * (j + size.rows * k)] = object.hu;
        }
      }
    }
  }
}

/** Calls `visit(i, j)` for each in-plane pixel whose distance from the image centre is (not) within `radiusMm`. */
function forEachPixelByDistance(axes: PhantomAxes, size: Dimensions, radiusMm: number, inside: boolean, visit: (i: number, j: number) => void): void {
  const iCentre = (size.columns - 1) / 2;
  const jCentre = (size.rows - 1) / 2;
  const limit = radiusMm ** 2;
  for (let j = 0; j < size.rows; j++) {
    for (let i = 0; i < size.columns; i++) {
      const x = (i - iCentre) * axes.columnSpacingMm;
      const y = (j - jCentre) * axes.rowSpacingMm;
      if (x * x + y * y <= limit === inside) visit(i, j);
    }
  }
}

/** 1 where the in-plane distance from the image centre exceeds the FOV radius. */
function outsideFovMask(axes: PhantomAxes, size: Dimensions, radiusMm: number): Uint8Array {
  const mask = new Uint8Array(size.columns * size.rows * size.slices);
  forEachPixelByDistance(axes, size, radiusMm, false, (i, j) => {
    for (let k = 0; k < size.slices; k++) mask[i + size.columns * (j + size.rows * k)] = 1;
  });
  return mask;
}

function paintBloodPool(volume: Float64Array, axes: PhantomAxes, size: Dimensions, hu: number, radiusMm: number): void {
  forEachPixelByDistance(axes, size, radiusMm, true, (i, j) => {
    for (let k = 0; k < size.slices; k++) volume[i + size.columns * (j + size.rows * k)] = hu;
  });
}

// ---------------------------------------------------------------------------------------------
// Validation.

function validate(spec: PhantomSpec, size: Dimensions): void {
  const positiveInteger = (value: number, name: string): void => {
    if (!Number.isInteger(value) || value < 1 || value > 65535) throw new Error(`${name} must be an integer 1..65535, got ${value}`);
  };
  positiveInteger(size.rows, 'rows');
  positiveInteger(size.columns, 'columns');
  positiveInteger(size.slices, 'slices');
  for (const [name, value] of [
    ['pixelSpacingMm[0]', spec.pixelSpacingMm[0]],
    ['pixelSpacingMm[1]', spec.pixelSpacingMm[1]],
    ['sliceThicknessMm', spec.sliceThicknessMm],
    ['sliceIncrementMm', spec.sliceIncrementMm],
  ] as const) {
    if (!(value > 0)) throw new Error(`${name} must be positive, got ${value}`);
  }
  const bitsStored = spec.bitsStored ?? 16;
  if (!Number.isInteger(bitsStored) || bitsStored < 12 || bitsStored > 16) {
    throw new Error(`bitsStored must be 12..16 (CT Image IOD with BitsAllocated 16), got ${bitsStored}`);
  }
  if ((spec.rescaleSlope ?? 1) <= 0) throw new Error('rescaleSlope must be positive');
  if (Math.abs(spec.gantryTiltDeg ?? 0) >= 60) throw new Error('gantryTiltDeg must be within +-60 degrees');
  if (spec.fovRadiusMm !== undefined && spec.pixelPaddingValue === undefined) {
    throw new Error('fovRadiusMm needs pixelPaddingValue: the voxels outside the FOV hold it');
  }
  if (spec.pixelPaddingValue !== undefined) {
    const { min, max } = storedValueRange(spec);
    if (!Number.isInteger(spec.pixelPaddingValue) || spec.pixelPaddingValue < min || spec.pixelPaddingValue > max) {
      throw new Error(`pixelPaddingValue ${spec.pixelPaddingValue} is not a stored value in [${min}, ${max}]`);
    }
  }
  for (const k of spec.skipSliceIndices ?? []) {
    if (!Number.isInteger(k) || k < 0 || k >= size.slices) throw new Error(`skipSliceIndices: ${k} is not a slice index`);
  }
  for (const object of spec.objects) {
    if (object.kind !== 'voxels') continue;
    for (const { i, j, k } of object.voxels) {
      if (![i, j, k].every(Number.isInteger) || i < 0 || j < 0 || k < 0 || i >= size.columns || j >= size.rows || k >= size.slices) {
        throw new Error(`voxel (${i}, ${j}, ${k}) is outside the ${size.columns}x${size.rows}x${size.slices} volume`);
      }
    }
  }
  const nameMap = dcmjsData.DicomMetaDictionary.nameMap;
  for (const keyword of Object.keys(spec.extraAttributes ?? {})) {
    if (!Object.hasOwn(nameMap, keyword)) throw new Error(`extraAttributes: ${keyword} is not a DICOM keyword dcmjs knows`);
  }
}

// ---------------------------------------------------------------------------------------------
// Files.

function instanceNumberBySlice(spec: PhantomSpec, slices: number): number[] {
  const order = spec.instanceNumbers ?? 'ascending';
  if (order === 'ascending') return Array.from({ length: slices }, (_, k) => k + 1);
  if (order === 'descending') return Array.from({ length: slices }, (_, k) => slices - k);
  // Fisher-Yates with the seeded generator; re-drawn if it happens to equal position order.
  const random = seededRandom((spec.seed ?? 1) ^ 0x5f3759df);
  for (let attempt = 0; ; attempt++) {
    const numbers = Array.from({ length: slices }, (_, k) => k + 1);
    for (let n = slices - 1; n > 0; n--) {
      const m = Math.floor(random() * (n + 1));
      [numbers[n], numbers[m]] = [numbers[m], numbers[n]];
    }
    const monotonic = numbers.every((value, k) => k === 0 || value > numbers[k - 1]) || numbers.every((value, k) => k === 0 || value < numbers[k - 1]);
    if (!monotonic || slices < 3 || attempt > 20) return numbers;
  }
}

function fileNamer(spec: PhantomSpec, taken: Set<string>): (instanceNumber: number) => string {
  const style = spec.fileNames ?? 'random-hex';
  const randomHex = (): string => {
    for (;;) {
      const name = randomBytes(4).toString('hex').toUpperCase();
      if (!taken.has(name) && !taken.has(`${name}.dcm`)) return name;
    }
  };
  return (instanceNumber) => {
    const name = style === 'instance' ? String(instanceNumber) : style === 'with-extension' ? `${randomHex()}.dcm` : randomHex();
    if (taken.has(name)) throw new Error(`${name} already exists in the series folder`);
    taken.add(name);
    return name;
  };
}

function isAscii(text: string): boolean {
  return /^[\x20-\x7e]*$/.test(text);
}

interface SliceAttributes {
  sopInstanceUid: string;
  instanceNumber: number;
  imagePositionPatient: Vec3;
  sliceLocationMm: number;
  pixelData: ArrayBuffer;
}

function naturalDataset(
  spec: PhantomSpec,
  size: Dimensions,
  uids: { study: string; series: string; frameOfReference: string },
  slice: SliceAttributes,
): Record<string, unknown> {
  const signed = (spec.pixelRepresentation ?? 1) === 1;
  const bitsStored = spec.bitsStored ?? 16;
  const patientName = spec.patientName ?? 'PHANTOM^SYNTHETIC';
  const patientId = spec.patientId ?? 'PHANTOM-0001';
  const seriesDescription = spec.seriesDescription ?? 'Synthetic calcium phantom';
  const texts = [patientName, patientId, seriesDescription, ...Object.values(spec.extraAttributes ?? {}).filter((value): value is string => typeof value === 'string')];
  const orientation = spec.orientation ?? [1, 0, 0, 0, 1, 0];
  const dataset: Record<string, unknown> = {
    // dcmjs writes strings as UTF-8, so declare it only when something is not plain ASCII.
    ...(texts.every(isAscii) ? {} : { SpecificCharacterSet: 'ISO_IR 192' }),
    ImageType: ['ORIGINAL', 'PRIMARY', 'AXIAL'],
    SOPClassUID: CT_IMAGE_STORAGE,
    SOPInstanceUID: slice.sopInstanceUid,
    StudyDate: STUDY_DATE,
    SeriesDate: STUDY_DATE,
    AcquisitionDate: STUDY_DATE,
    ContentDate: STUDY_DATE,
    StudyTime: STUDY_TIME,
    SeriesTime: STUDY_TIME,
    AcquisitionTime: STUDY_TIME,
    ContentTime: STUDY_TIME,
    AccessionNumber: '',
    Modality: 'CT',
    Manufacturer: 'CAC workstation tests',
    ManufacturerModelName: 'syntheticPhantom',
    ReferringPhysicianName: '',
    SeriesDescription: seriesDescription,
    PatientName: patientName,
    PatientID: patientId,
    PatientBirthDate: '',
    PatientSex: '',
    BodyPartExamined: 'CHEST',
    SliceThickness: formatDecimalString(spec.sliceThicknessMm),
    KVP: formatDecimalString(spec.kvp ?? 120),
    ReconstructionDiameter: formatDecimalString(Math.max(size.columns * spec.pixelSpacingMm[1], size.rows * spec.pixelSpacingMm[0])),
    GantryDetectorTilt: formatDecimalString(spec.gantryTiltDeg ?? 0),
    ConvolutionKernel: 'STANDARD',
    PatientPosition: 'HFS',
    StudyInstanceUID: uids.study,
    SeriesInstanceUID: uids.series,
    StudyID: '1',
    SeriesNumber: '1',
    AcquisitionNumber: '1',
    InstanceNumber: String(slice.instanceNumber),
    ImagePositionPatient: slice.imagePositionPatient.map(formatDecimalString),
    ImageOrientationPatient: orientation.map(formatDecimalString),
    FrameOfReferenceUID: uids.frameOfReference,
    PositionReferenceIndicator: '',
    SliceLocation: formatDecimalString(slice.sliceLocationMm),
    SamplesPerPixel: 1,
    PhotometricInterpretation: 'MONOCHROME2',
    Rows: size.rows,
    Columns: size.columns,
    PixelSpacing: spec.pixelSpacingMm.map(formatDecimalString),
    BitsAllocated: 16,
    BitsStored: bitsStored,
    HighBit: bitsStored - 1,
    PixelRepresentation: signed ? 1 : 0,
    ...(spec.pixelPaddingValue === undefined ? {} : { PixelPaddingValue: spec.pixelPaddingValue }),
    WindowCenter: '40',
    WindowWidth: '400',
    RescaleIntercept: formatDecimalString(spec.rescaleIntercept ?? -1024),
    RescaleSlope: formatDecimalString(spec.rescaleSlope ?? 1),
    RescaleType: 'HU',
    ...spec.extraAttributes,
    PixelData: [slice.pixelData],
  };
  // dcmjs cannot tell the VR of "US or SS" elements (PixelPaddingValue, SmallestImagePixelValue...)
  // nor of Pixel Data by itself: they follow PixelRepresentation and the native encoding.
  const vrMap: Record<string, string> = { PixelData: 'OW' };
  const nameMap = dcmjsData.DicomMetaDictionary.nameMap;
  for (const keyword of Object.keys(dataset)) {
    if (nameMap[keyword]?.vr === 'xs') vrMap[keyword] = signed ? 'SS' : 'US';
  }
  dataset._vrMap = vrMap;
  return dataset;
}

function part10File(dataset: Record<string, unknown>, sopInstanceUid: string, syntaxUid: string): Buffer {
  const meta = dcmjsData.DicomMetaDictionary.denaturalizeDataset({
    FileMetaInformationVersion: new Uint8Array([0, 1]).buffer,
    MediaStorageSOPClassUID: CT_IMAGE_STORAGE,
    MediaStorageSOPInstanceUID: sopInstanceUid,
    TransferSyntaxUID: syntaxUid,
    ImplementationClassUID: IMPLEMENTATION_CLASS_UID,
    ImplementationVersionName: IMPLEMENTATION_VERSION_NAME,
    _vrMap: { FileMetaInformationVersion: 'OB' },
  });
  const file = new dcmjsData.DicomDict(meta);
  file.dict = dcmjsData.DicomMetaDictionary.denaturalizeDataset(dataset);
  return Buffer.from(file.write());
}

/** Runs `work` on every item, at most `limit` at a time (each transcode is a child process). */
async function forEachLimited<T>(items: T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) await work(items[next++]);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

// ---------------------------------------------------------------------------------------------

/** Write the phantom described by `spec` into `dir` (created if needed), one file per slice. */
export async function writePhantomSeries(dir: string, spec: PhantomSpec): Promise<PhantomSeries> {
  const size: Dimensions = { columns: spec.columns ?? 64, rows: spec.rows ?? 64, slices: spec.slices };
  validate(spec, size);
  const axes = phantomAxes(spec);
  const voxelsPerSlice = size.columns * size.rows;
  const voxelCount = voxelsPerSlice * size.slices;

  const huVolume = new Float64Array(voxelCount).fill(spec.backgroundHu);
  if (spec.bloodPool) {
    const radius = spec.bloodPool.radiusMm ?? Math.min(size.columns * axes.columnSpacingMm, size.rows * axes.rowSpacingMm) / 4;
    paintBloodPool(huVolume, axes, size, spec.bloodPool.hu, radius);
  }
  for (const object of spec.objects) {
    if (object.kind === 'voxels') {
      for (const { i, j, k, hu } of object.voxels) huVolume[i + size.columns * (j + size.rows * k)] = hu;
    } else {
      paintObject(huVolume, object, axes, size);
    }
  }
  if (spec.noiseSdHu) {
    // One deviate per voxel in index order, whatever is skipped or padded, so a voxel's noise
    // depends on the seed and its index only.
    const gaussian = seededGaussian(spec.seed ?? 1);
    for (let n = 0; n < voxelCount; n++) huVolume[n] += spec.noiseSdHu * gaussian();
  }
  let paddingMask: Uint8Array | undefined;
  if (spec.fovRadiusMm !== undefined && spec.pixelPaddingValue !== undefined) {
    paddingMask = outsideFovMask(axes, size, spec.fovRadiusMm);
    const paddingHu = storedValueToHu(spec, spec.pixelPaddingValue);
    for (let n = 0; n < voxelCount; n++) if (paddingMask[n]) huVolume[n] = paddingHu;
  }

  const storedValues = new Int32Array(voxelCount);
  for (let n = 0; n < voxelCount; n++) storedValues[n] = huToStoredValue(spec, huVolume[n]);
  if (paddingMask && spec.pixelPaddingValue !== undefined) {
    for (let n = 0; n < voxelCount; n++) if (paddingMask[n]) storedValues[n] = spec.pixelPaddingValue;
  }

  const syntax = spec.transferSyntax ?? 'explicit';
  const finalSyntaxUid = TRANSFER_SYNTAX_UIDS[syntax];
  const directSyntax = syntax === 'implicit' || syntax === 'explicit';
  const writtenSyntaxUid = directSyntax ? finalSyntaxUid : TRANSFER_SYNTAX_UIDS.explicit;
  const uids = {
    study: spec.studyInstanceUid ?? createUid(),
    series: spec.seriesInstanceUid ?? createUid(),
    frameOfReference: spec.frameOfReferenceUid ?? createUid(),
  };

  await mkdir(dir, { recursive: true });
  const nameFor = fileNamer(spec, new Set(await readdir(dir)));
  const instanceNumbers = instanceNumberBySlice(spec, size.slices);
  const skipped = new Set(spec.skipSliceIndices ?? []);
  const signed = (spec.pixelRepresentation ?? 1) === 1;
  const highBitsMask = (spec.unusedHighBits ?? (signed ? 'sign-extend' : 'zero')) === 'zero' ? 2 ** (spec.bitsStored ?? 16) - 1 : 0xffff;

  const slices: PhantomSlice[] = [];
  const encoded: Array<{ slice: PhantomSlice; bytes: Buffer }> = [];
  for (let k = 0; k < size.slices; k++) {
    if (skipped.has(k)) continue;
    // Low 16 bits of the two's complement value: sign-extended unless the high bits are zeroed.
    const words = new Uint16Array(voxelsPerSlice);
    const offset = k * voxelsPerSlice;
    for (let n = 0; n < voxelsPerSlice; n++) words[n] = storedValues[offset + n] & highBitsMask;
    const imagePositionPatient = voxelCenterFromAxes(axes, 0, 0, k);
    const slice: PhantomSlice = {
      k,
      file: join(dir, nameFor(instanceNumbers[k])),
      instanceNumber: instanceNumbers[k],
      sopInstanceUid: createUid(),
      imagePositionPatient,
    };
    const dataset = naturalDataset(spec, size, uids, {
      sopInstanceUid: slice.sopInstanceUid,
      instanceNumber: slice.instanceNumber,
      imagePositionPatient,
      sliceLocationMm: dot(imagePositionPatient, axes.normal),
      pixelData: words.buffer,
    });
    slices.push(slice);
    encoded.push({ slice, bytes: part10File(dataset, slice.sopInstanceUid, writtenSyntaxUid) });
  }

  if (directSyntax) {
    await Promise.all(encoded.map(({ slice, bytes }) => writeFile(slice.file, bytes)));
  } else {
    // Compressed and deflated syntaxes come from real tools: write Explicit VR LE, then transcode.
    const staging = await mkdtemp(join(tmpdir(), 'cac-phantom-'));
    try {
      await forEachLimited(encoded, 4, async ({ slice, bytes }) => {
        const source = join(staging, `${slice.k}.dcm`);
        await writeFile(source, bytes);
        await transcodeFile(source, slice.file, syntax);
      });
    } finally {
      await rm(staging, { recursive: true, force: true });
    }
  }

  return {
    dir,
    files: slices.map((slice) => slice.file),
    slices,
    seriesInstanceUid: uids.series,
    studyInstanceUid: uids.study,
    frameOfReferenceUid: uids.frameOfReference,
    transferSyntaxUid: finalSyntaxUid,
    huVolume,
    storedValues,
    ...(paddingMask ? { paddingMask } : {}),
  };
}
