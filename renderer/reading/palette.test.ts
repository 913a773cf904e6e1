import { describe, expect, it } from 'vitest';
import { overlayAlpha, TARGET_CODE } from './palette.js';

describe('overlayAlpha', () => {
  it('draws arteries at the set opacity and unassigned or excluded calcium fainter', () => {
    expect(overlayAlpha(TARGET_CODE.LAD, 0.5)).toBe(0.5);
    expect(overlayAlpha(6, 0.5)).toBeCloseTo(0.325);
    expect(overlayAlpha(TARGET_CODE.excluded, 1)).toBeCloseTo(0.65);
  });

  it('leaves the slice untouched at 0 and where there is no calcium', () => {
    expect(overlayAlpha(TARGET_CODE.RCA, 0)).toBe(0);
    expect(overlayAlpha(0, 1)).toBe(0);
    expect(overlayAlpha(TARGET_CODE.LM, 7)).toBe(1);
  });
});
