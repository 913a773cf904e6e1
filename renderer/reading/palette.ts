/** One fixed artery palette for the slice overlay, the legend, the score table and the 3D map. */
import type { AssignmentTarget } from '../../native-worker/scoring/arteries.js';

export const TARGET_KEYS: ReadonlyArray<{ key: string; target: AssignmentTarget }> = [
  { key: '1', target: 'LM' },
  { key: '2', target: 'LAD' },
  { key: '3', target: 'LCX' },
  { key: '4', target: 'RCA' },
  { key: 'X', target: 'excluded' },
];

/** RGB per label code (0 background, 1 LM, 2 LAD, 3 LCX, 4 RCA, 5 excluded, 6 unassigned calcium). */
export const LABEL_RGB: ReadonlyArray<readonly [number, number, number]> = [
  [0, 0, 0],
  [255, 214, 10], // LM  yellow
  [0, 200, 255], // LAD cyan
  [60, 220, 90], // LCX green
  [255, 70, 70], // RCA red
  [150, 150, 150], // excluded grey
  [255, 140, 0], // unassigned calcium: orange tint
];

export const TARGET_CODE: Readonly<Record<AssignmentTarget, number>> = { LM: 1, LAD: 2, LCX: 3, RCA: 4, excluded: 5 };

export function cssColour(code: number): string {
  const [r, g, b] = LABEL_RGB[code] ?? [255, 255, 255];
  return `rgb(${r}, ${g}, ${b})`;
}

/**
 * How strongly a label code's colour covers the grey of the slice, for the overlay opacity the site
 * set (display.overlayOpacity, 0-1): arteries at that opacity, unassigned calcium and excluded
 * plaque fainter, so what the reader has assigned stands out.
 */
export function overlayAlpha(code: number, overlayOpacity: number): number {
  if (code === 0) return 0;
  const opacity = Math.min(1, Math.max(0, overlayOpacity));
  return code >= 5 ? opacity * 0.65 : opacity;
}
