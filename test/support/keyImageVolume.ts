/**
 * A small synthetic volume for key-image tests: a body (40 HU) in air, 96 x 80 x 10 voxels, with
 * labelled calcium boxes. ARTERY_BOXES: LAD 25 voxels on slice 3 and 4 on slice 4; LCX 6 on slice 7
 * and 4 on slice 6; RCA 9 on slice 6.
 */
import type { KeyImageVolume } from '../../main/report/keyImages.js';

export const KEY_IMAGE_VOLUME = { columns: 96, rows: 80, slices: 10 } as const;
export const CALCIUM_HU = 400;

/** Box [i0..i1] x [j0..j1] on slice k with a label code (2 LAD, 3 LCX, 4 RCA, 5 excluded, 6 unassigned). */
export type LabelledBox = { k: number; i0: number; i1: number; j0: number; j1: number; code: number; hu?: number };

export const ARTERY_BOXES: readonly LabelledBox[] = [
  { k: 3, i0: 30, i1: 34, j0: 30, j1: 34, code: 2 },
  { k: 4, i0: 30, i1: 31, j0: 30, j1: 31, code: 2 },
  { k: 7, i0: 50, i1: 52, j0: 40, j1: 41, code: 3 },
  { k: 6, i0: 50, i1: 51, j0: 40, j1: 41, code: 3 },
  { k: 6, i0: 60, i1: 62, j0: 45, j1: 47, code: 4 },
];

export function labelledBoxVolume(boxes: readonly LabelledBox[]): KeyImageVolume {
  const { columns, rows, slices } = KEY_IMAGE_VOLUME;
  const hu = new Int16Array(columns * rows * slices).fill(-1000);
  const labels = new Uint8Array(columns * rows * slices);
  for (let k = 0; k < slices; k++) {
    for (let j = 20; j <= 59; j++) for (let i = 20; i <= 75; i++) hu[(k * rows + j) * columns + i] = 40;
  }
  for (const box of boxes) {
    for (let j = box.j0; j <= box.j1; j++) {
      for (let i = box.i0; i <= box.i1; i++) {
        const v = (box.k * rows + j) * columns + i;
        hu[v] = box.hu ?? CALCIUM_HU;
        labels[v] = box.code;
      }
    }
  }
  return {
    hu,
    labels,
    columns,
    rows,
    slices,
    pixelSpacingMm: [0.6, 0.5],
    sliceIncrementMm: 3,
    sliceLabels: Array.from({ length: slices }, (_, k) => `z = ${(-120 + 3 * k).toFixed(1)} mm`),
  };
}
