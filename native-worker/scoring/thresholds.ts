/**
 * Agatston density thresholds: the lower HU bound of each weight 1..4.
 * Standard at 120 kVp: 130 / 200 / 300 / 400 (half-open bins). kV-adjusted bounds from
 * Grani et al., EHJ-CVI 2018 (CLINICAL.md 2.1).
 */

export type WeightBounds = readonly [number, number, number, number];

export const STANDARD_BOUNDS: WeightBounds = [130, 200, 300, 400];

export const KV_ADJUSTED_BOUNDS: Readonly<Record<number, WeightBounds>> = {
  70: [207, 318, 477, 636],
  80: [177, 271, 408, 544],
  100: [145, 222, 334, 446],
  120: STANDARD_BOUNDS,
  135: [119, 183, 274, 364],
};

export interface ThresholdChoice {
  bounds: WeightBounds;
  /** How the bounds were chosen, printed with the scores. */
  source: 'standard' | 'custom-threshold' | 'kv-adjusted';
  kvp?: number;
}

/** The standard bins with the lowest bound replaced (the `--threshold` option). */
export function standardThreshold(thresholdHu = 130): ThresholdChoice {
  if (!Number.isFinite(thresholdHu) || thresholdHu <= 0 || thresholdHu >= STANDARD_BOUNDS[1]) {
    throw new RangeError(`threshold ${thresholdHu} HU is outside (0, ${STANDARD_BOUNDS[1]}) HU; the standard is 130 HU`);
  }
  return {
    bounds: [thresholdHu, STANDARD_BOUNDS[1], STANDARD_BOUNDS[2], STANDARD_BOUNDS[3]],
    source: thresholdHu === 130 ? 'standard' : 'custom-threshold',
  };
}

/** The published kV-adjusted bounds, or a RangeError naming the voltages that have them. */
export function kvAdjustedThreshold(kvp: number): ThresholdChoice {
  const bounds = KV_ADJUSTED_BOUNDS[Math.round(kvp)];
  if (!bounds) {
    const known = Object.keys(KV_ADJUSTED_BOUNDS).join(', ');
    throw new RangeError(`no kV-adjusted thresholds are published for ${kvp} kVp (known: ${known} kVp)`);
  }
  return { bounds, source: 'kv-adjusted', kvp: Math.round(kvp) };
}

/** Agatston weight of a plaque from its peak HU: half-open bins [b1,b2) -> 1 ... [b4,inf) -> 4. */
export function densityWeight(peakHu: number, bounds: WeightBounds): number {
  if (peakHu >= bounds[3]) return 4;
  if (peakHu >= bounds[2]) return 3;
  if (peakHu >= bounds[1]) return 2;
  if (peakHu >= bounds[0]) return 1;
  return 0;
}
