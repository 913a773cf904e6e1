/**
 * Pixel <-> patient (LPS mm) on an axial slice, from the reading's geometry: the same mapping as
 * native-worker's pointToIndex (i along the row direction, j along the column direction).
 */
import type { GeometryView } from '../../main/api/contract.js';

export type Vec3 = [number, number, number];

export function indexToPoint(geometry: GeometryView, i: number, j: number, k: number): Vec3 {
  const o = geometry.sliceOrigins;
  const [rowSpacing, columnSpacing] = geometry.pixelSpacingMm;
  const r = geometry.rowDirection;
  const c = geometry.columnDirection;
  return [0, 1, 2].map((axis) => o[3 * k + axis] + i * columnSpacing * r[axis] + j * rowSpacing * c[axis]) as Vec3;
}

export function pointToIndex(geometry: GeometryView, point: Vec3): { i: number; j: number; k: number } {
  const dot = (a: readonly number[], b: readonly number[]) => a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
  const position = dot(point, geometry.normal);
  let k = 0;
  for (let s = 1; s < geometry.slicePositionsMm.length; s += 1) {
    if (Math.abs(geometry.slicePositionsMm[s] - position) < Math.abs(geometry.slicePositionsMm[k] - position)) k = s;
  }
  const o = geometry.sliceOrigins;
  const relative = [point[0] - o[3 * k], point[1] - o[3 * k + 1], point[2] - o[3 * k + 2]];
  return { i: dot(relative, geometry.rowDirection) / geometry.pixelSpacingMm[1], j: dot(relative, geometry.columnDirection) / geometry.pixelSpacingMm[0], k };
}

/** The on-screen transform of the slice canvas: image pixel -> CSS pixel inside the canvas. */
export interface ViewTransform {
  scale: number;
  offsetX: number;
  offsetY: number;
}

export function fitTransform(columns: number, rows: number, width: number, height: number): ViewTransform {
  const scale = Math.min(width / columns, height / rows);
  return { scale, offsetX: (width - columns * scale) / 2, offsetY: (height - rows * scale) / 2 };
}
