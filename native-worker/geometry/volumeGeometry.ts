/**
 * Where each voxel of a slice stack sits in patient coordinates (LPS, mm), and back.
 *
 * Slices keep their own ImagePositionPatient, so a sheared stack (gantry tilt) or a stack with a
 * missing slice still maps exactly; index k runs along the slice normal, lowest position first.
 */

export type Vec3 = [number, number, number];

export interface VolumeGeometry {
  columns: number;
  rows: number;
  slices: number;
  /** DICOM PixelSpacing order: [between rows (along columnDirection), between columns (along rowDirection)]. */
  pixelSpacingMm: [number, number];
  /** Direction of increasing column index i (ImageOrientationPatient, first triplet). */
  rowDirection: Vec3;
  /** Direction of increasing row index j (ImageOrientationPatient, second triplet). */
  columnDirection: Vec3;
  /** rowDirection x columnDirection: direction of increasing slice index k. */
  normal: Vec3;
  /** ImagePositionPatient of each slice, 3 numbers a slice, in slice order. */
  sliceOrigins: Float64Array;
  /** Position of each slice along the normal (mm), ascending. */
  slicePositionsMm: Float64Array;
  /** The nominal distance between consecutive slices (median of the increments), mm. */
  sliceIncrementMm: number;
}

export function dot(a: Vec3, b: Vec3): number {
  return a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
}

export function cross(a: Vec3, b: Vec3): Vec3 {
  return [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]];
}

export function normalize(v: Vec3): Vec3 {
  const length = Math.hypot(v[0], v[1], v[2]);
  return length === 0 ? [0, 0, 0] : [v[0] / length, v[1] / length, v[2] / length];
}

/** Voxel (i, j, k) (fractions allowed in-plane) to its centre in LPS mm. */
export function indexToPoint(geometry: VolumeGeometry, i: number, j: number, k: number): Vec3 {
  const { rowDirection: r, columnDirection: c, sliceOrigins: o, pixelSpacingMm } = geometry;
  const alongRow = i * pixelSpacingMm[1];
  const alongColumn = j * pixelSpacingMm[0];
  const base = 3 * k;
  return [
    o[base] + alongRow * r[0] + alongColumn * c[0],
    o[base + 1] + alongRow * r[1] + alongColumn * c[1],
    o[base + 2] + alongRow * r[2] + alongColumn * c[2],
  ];
}

export interface ContinuousIndex {
  /** Column and row index, fractional. */
  i: number;
  j: number;
  /** The nearest slice. */
  k: number;
  /** Distance from the point to that slice's plane, mm. */
  offPlaneMm: number;
}

/** A point in LPS mm to the nearest slice and the in-plane (fractional) index on it. */
export function pointToIndex(geometry: VolumeGeometry, point: Vec3): ContinuousIndex {
  const position = dot(point, geometry.normal);
  const k = nearestSlice(geometry.slicePositionsMm, position);
  const o = geometry.sliceOrigins;
  const relative: Vec3 = [point[0] - o[3 * k], point[1] - o[3 * k + 1], point[2] - o[3 * k + 2]];
  return {
    i: dot(relative, geometry.rowDirection) / geometry.pixelSpacingMm[1],
    j: dot(relative, geometry.columnDirection) / geometry.pixelSpacingMm[0],
    k,
    offPlaneMm: Math.abs(dot(relative, geometry.normal)),
  };
}

function nearestSlice(positions: Float64Array, position: number): number {
  let low = 0;
  let high = positions.length - 1;
  while (high - low > 1) {
    const middle = (low + high) >> 1;
    if (positions[middle] <= position) low = middle;
    else high = middle;
  }
  return Math.abs(positions[high] - position) < Math.abs(positions[low] - position) ? high : low;
}

/** In-plane area of one pixel, mm2. */
export function pixelAreaMm2(geometry: Pick<VolumeGeometry, 'pixelSpacingMm'>): number {
  return geometry.pixelSpacingMm[0] * geometry.pixelSpacingMm[1];
}
