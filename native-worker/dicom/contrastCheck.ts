/**
 * Is there contrast in the blood pool? Calcium scoring assumes a non-contrast scan: with iodine the
 * heart chambers and aorta sit at 200-500 HU and would be counted as calcium. Pure: no I/O.
 *
 * Heuristic: on the middle slices, the area of tissue between 150 and 600 HU (enhanced blood)
 * inside the central half of the field. Non-contrast blood is about 40 HU; the spine and sternum
 * together stay well under the limit, while enhanced chambers and aorta exceed it several times.
 */
import type { HuArray } from './huRescale.js';
import type { LoadIssue } from './loadIssues.js';
import type { VolumeGeometry } from '../geometry/volumeGeometry.js';

const ENHANCED_LOW_HU = 150;
const ENHANCED_HIGH_HU = 600;
/** 40 cm2: about twice a vertebral body plus sternum; a contrast-filled heart is far larger. */
const ENHANCED_AREA_LIMIT_MM2 = 4000;

export function checkContrast(hu: HuArray, geometry: VolumeGeometry): LoadIssue[] {
  const { columns, rows, slices } = geometry;
  const pixelArea = geometry.pixelSpacingMm[0] * geometry.pixelSpacingMm[1];
  const sampled = [Math.floor(slices * 0.4), Math.floor(slices * 0.5), Math.floor(slices * 0.6)];
  const areas = [...new Set(sampled)].map((k) => {
    let count = 0;
    const base = k * columns * rows;
    for (let j = rows >> 2; j < rows - (rows >> 2); j++) {
      for (let i = columns >> 2; i < columns - (columns >> 2); i++) {
        const value = hu[base + j * columns + i];
        if (value >= ENHANCED_LOW_HU && value <= ENHANCED_HIGH_HU) count++;
      }
    }
    return count * pixelArea;
  });
  const typical = areas.sort((a, b) => a - b)[areas.length >> 1];
  if (typical < ENHANCED_AREA_LIMIT_MM2) return [];
  return [
    {
      code: 'contrast-suspected',
      severity: 'warning',
      message: `contrast appears to be present (${Math.round(typical / 100)} cm2 of tissue at 150-600 HU on the middle slices): calcium scoring needs a non-contrast scan; enhanced blood would be counted as calcium`,
    },
  ];
}
