import { describe, expect, it } from 'vitest';
import { TOWARDS_FEET, wheelSliceStep } from './slicePaging.js';

describe('wheelSliceStep', () => {
  it('pages towards the feet on wheel down (lower index: slices ascend towards the head) and back on wheel up', () => {
    expect(TOWARDS_FEET).toBe(-1);
    expect(wheelSliceStep(100)).toBe(-1);
    expect(wheelSliceStep(-3)).toBe(1);
    expect(wheelSliceStep(0)).toBe(0);
  });
});
