/**
 * The physical range of each dose quantity read from a dose report or an image header. A value
 * outside it (negative, 1e17 mGy, 1e308, not a number) is a writer's error, not a dose: it is
 * refused with its unit and the range, never recorded or summed.
 *
 * The bounds are wide on purpose (far above any clinical CT), narrow enough to catch garbage:
 * - CTDIvol 0 to 1000 mGy per event (a CT perfusion run is a few hundred mGy; IEC 60601-2-44
 *   dose check notification levels are in the tens to about 1000 mGy);
 * - DLP 0 to 100000 mGy cm per event and in total (a long interventional study stays below 20000);
 * - accumulated forward estimates and configured levels of a dose check: 0 to 10000 mGy (CTDIvol)
 *   and 0 to 1000000 mGy cm (DLP), as they add up over a whole examination;
 * - tube voltage 40 to 160 kV (CT tubes run 70 to 150 kV);
 * - tube current 0 to 2000 mA; scanning length 0 to 3000 mm; exposure time 0 to 86400 s (one day:
 *   real reports hold odd totals, e.g. 11912 s in a Philips 4D CT report, which must still be read);
 * - slice thickness above 0 and at most 20 mm (for the DLP estimate from image headers).
 */
export interface DoseRange {
  min: number;
  max: number;
  unit: string;
  /** The minimum itself is not allowed (a thickness of 0). */
  minExclusive?: boolean;
}

export const DOSE_RANGES = {
  ctdivolMgy: { min: 0, max: 1000, unit: 'mGy' },
  dlpMgyCm: { min: 0, max: 100000, unit: 'mGy cm' },
  accumulatedCtdivolMgy: { min: 0, max: 10000, unit: 'mGy' },
  accumulatedDlpMgyCm: { min: 0, max: 1000000, unit: 'mGy cm' },
  kvp: { min: 40, max: 160, unit: 'kV' },
  tubeCurrentMa: { min: 0, max: 2000, unit: 'mA' },
  exposureTimeS: { min: 0, max: 86400, unit: 's' },
  scanLengthMm: { min: 0, max: 3000, unit: 'mm' },
  sliceThicknessMm: { min: 0, max: 20, unit: 'mm', minExclusive: true },
} as const satisfies Record<string, DoseRange>;

/** Null when `value` is within `range`, else the sentence that says why it is refused. */
export function outOfRange(label: string, value: number, range: DoseRange): string | null {
  const low = range.minExclusive ? value > range.min : value >= range.min;
  if (Number.isFinite(value) && low && value <= range.max) return null;
  return `${label} is ${Number.isFinite(value) ? `${value} ${range.unit}` : `${value} (not a finite number)`}, outside the physical range ${range.minExclusive ? 'above ' : ''}${range.min} to ${range.max} ${range.unit}`;
}
