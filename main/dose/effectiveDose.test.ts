import { describe, expect, it } from 'vitest';
import { DEFAULT_K_FACTOR, effectiveDoseMsv, isKFactorChoice, K_FACTORS } from './effectiveDose.js';

describe('effective dose = k x DLP (CLINICAL.md 4)', () => {
  it('holds the two k factors with their sources, adult chest as the default', () => {
    expect(K_FACTORS['adult-chest'].kFactor).toBe(0.014);
    expect(K_FACTORS.cardiac).toEqual({ kFactor: 0.026, source: 'Trattner et al., JACC CV Imaging 2018' });
    expect(K_FACTORS['adult-chest'].source).toMatch(/chest/);
    expect(DEFAULT_K_FACTOR).toBe('adult-chest');
  });

  it('gives a calcium-score dose of about 1-3 mSv for a typical DLP of 100 mGy cm', () => {
    expect(effectiveDoseMsv(100, K_FACTORS['adult-chest'].kFactor)).toBeCloseTo(1.4, 12);
    expect(effectiveDoseMsv(100, K_FACTORS.cardiac.kFactor)).toBeCloseTo(2.6, 12);
    // The Siemens study of the shared RDSRs: DLP total 236.09 mGy cm.
    expect(effectiveDoseMsv(236.09, 0.014)).toBeCloseTo(3.30526, 10);
  });

  it('is unknown when the DLP is unknown, and zero for a zero DLP', () => {
    expect(effectiveDoseMsv(null, 0.014)).toBeNull();
    expect(effectiveDoseMsv(0, 0.014)).toBe(0);
  });

  it('refuses a k or a DLP that cannot be a dose', () => {
    expect(() => effectiveDoseMsv(100, 0)).toThrow(RangeError);
    expect(() => effectiveDoseMsv(100, Number.NaN)).toThrow(/k factor/);
    expect(() => effectiveDoseMsv(-5, 0.014)).toThrow(/DLP must be a non-negative/);
  });

  it('recognises the k factor names the CLI accepts', () => {
    expect(isKFactorChoice('cardiac')).toBe(true);
    expect(isKFactorChoice('adult-chest')).toBe(true);
    expect(isKFactorChoice('toString')).toBe(false);
    expect(isKFactorChoice('head')).toBe(false);
  });
});
