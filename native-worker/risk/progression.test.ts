import { describe, expect, it } from 'vitest';
import { progressionFromPrior, type StudyScores } from './progression.js';

function study(volumeMm3: number, studyDate: string | Date, agatston = 100, massMg: number | null = 20): StudyScores {
  return { agatston, volumeMm3, massMg, studyDate };
}

describe('progressionFromPrior: Hokanson threshold', () => {
  it('prior 100 mm3 -> current (10 + 2.5)^2 = 156.25 mm3 is progression (exactly 2.5)', () => {
    const result = progressionFromPrior(study(100, '2020-01-01'), study(156.25, '2022-01-01'));
    expect(result.sqrtVolumeChange).toBe(2.5);
    expect(result.progression).toBe(true);
  });

  it('prior 100 mm3 -> current 156.24 mm3 is not progression', () => {
    const result = progressionFromPrior(study(100, '2020-01-01'), study(156.24, '2022-01-01'));
    expect(result.sqrtVolumeChange).toBeCloseTo(Math.sqrt(156.24) - 10, 12);
    expect(result.sqrtVolumeChange).toBeLessThan(2.5);
    expect(result.progression).toBe(false);
  });

  it('a difference of exactly 2.5 that floating point puts an ulp below still counts', () => {
    const current = (Math.sqrt(3) + 2.5) ** 2; // sqrt(current) - sqrt(3) evaluates to 2.4999999999999996
    expect(progressionFromPrior(study(3, '2020-01-01'), study(current, '2021-01-01')).progression).toBe(true);
  });

  it('from zero volume: 6.25 mm3 is progression, 6.2 is not', () => {
    expect(progressionFromPrior(study(0, '2020-01-01', 0), study(6.25, '2021-01-01')).progression).toBe(true);
    expect(progressionFromPrior(study(0, '2020-01-01', 0), study(6.2, '2021-01-01')).progression).toBe(false);
  });

  it('a decrease is not progression', () => {
    const result = progressionFromPrior(study(200, '2020-01-01'), study(150, '2021-01-01'));
    expect(result.sqrtVolumeChange).toBeLessThan(0);
    expect(result.progression).toBe(false);
  });
});

describe('progressionFromPrior: interval and changes', () => {
  it('interval in days / 365.25 and absolute and annualised change of each score', () => {
    const prior: StudyScores = { agatston: 120, volumeMm3: 100, massMg: 25, studyDate: '2020-03-01' };
    const current: StudyScores = { agatston: 180, volumeMm3: 150, massMg: 40, studyDate: '2023-03-01' };
    const result = progressionFromPrior(prior, current);
    // 2020-03-01 -> 2023-03-01: the 2020 leap day is before the start, so 3 x 365 days.
    expect(result.intervalDays).toBe(365 + 365 + 365);
    const years = 1095 / 365.25;
    expect(result.intervalYears).toBeCloseTo(years, 12);
    expect(result.agatston).toEqual({ prior: 120, current: 180, absoluteChange: 60, annualisedChange: 60 / years });
    expect(result.volumeMm3).toEqual({ prior: 100, current: 150, absoluteChange: 50, annualisedChange: 50 / years });
    expect(result.massMg).toEqual({ prior: 25, current: 40, absoluteChange: 15, annualisedChange: 15 / years });
    expect(result.annualisedUnavailableReason).toBeNull();
    expect(result.sqrtVolumeChange).toBeCloseTo(Math.sqrt(150) - 10, 12);
    expect(result.progression).toBe(false);
  });

  it('counts a leap day', () => {
    const result = progressionFromPrior(study(100, '2024-01-01'), study(100, '2025-01-01'));
    expect(result.intervalDays).toBe(366);
    expect(result.intervalYears).toBeCloseTo(366 / 365.25, 12);
  });

  it('mass is null when either study has no mass score; the other scores are unaffected', () => {
    const noPriorMass = progressionFromPrior(study(100, '2020-01-01', 100, null), study(120, '2021-01-01', 130, 30));
    expect(noPriorMass.massMg).toEqual({ prior: null, current: 30, absoluteChange: null, annualisedChange: null });
    expect(noPriorMass.agatston.absoluteChange).toBe(30);
    const noCurrentMass = progressionFromPrior(study(100, '2020-01-01', 100, 20), study(120, '2021-01-01', 130, null));
    expect(noCurrentMass.massMg).toEqual({ prior: 20, current: null, absoluteChange: null, annualisedChange: null });
  });

  it('same day: absolute changes, no annualised change, and the reason', () => {
    const result = progressionFromPrior(study(100, '2022-05-05', 100), study(110, '2022-05-05', 115));
    expect(result.intervalDays).toBe(0);
    expect(result.intervalYears).toBe(0);
    expect(result.agatston).toEqual({ prior: 100, current: 115, absoluteChange: 15, annualisedChange: null });
    expect(result.volumeMm3.annualisedChange).toBeNull();
    expect(result.massMg.annualisedChange).toBeNull();
    expect(result.annualisedUnavailableReason).toContain('same day');
  });

  it('current study older than the prior: negative interval, no annualised change, and the reason', () => {
    const result = progressionFromPrior(study(100, '2023-01-01'), study(156.25, '2022-01-01'));
    expect(result.intervalDays).toBe(-365);
    expect(result.intervalYears).toBeCloseTo(-365 / 365.25, 12);
    expect(result.agatston.annualisedChange).toBeNull();
    expect(result.volumeMm3.annualisedChange).toBeNull();
    expect(result.volumeMm3.absoluteChange).toBe(56.25);
    expect(result.annualisedUnavailableReason).toContain('dated before the prior');
  });

  it('accepts Date objects by their UTC calendar date, mixed with strings', () => {
    const result = progressionFromPrior(
      study(100, new Date('2020-01-01')),
      study(100, new Date('2021-01-01T23:30:00Z')),
    );
    expect(result.intervalDays).toBe(366);
    const mixed = progressionFromPrior(study(100, '2020-01-01'), study(100, new Date(Date.UTC(2020, 0, 31, 8))));
    expect(mixed.intervalDays).toBe(30);
  });

  it.each(['2023-02-30', '2023-13-01', '20230201', '2023-2-1', '', '2023-02-01T00:00:00Z'])(
    'refuses the study date "%s"',
    (studyDate) => {
      expect(() => progressionFromPrior(study(100, studyDate), study(100, '2024-01-01'))).toThrow(RangeError);
    },
  );

  it('refuses an invalid Date and invalid scores', () => {
    expect(() => progressionFromPrior(study(100, new Date('nope')), study(100, '2024-01-01'))).toThrow(RangeError);
    expect(() => progressionFromPrior(study(-1, '2020-01-01'), study(100, '2024-01-01'))).toThrow(RangeError);
    expect(() => progressionFromPrior(study(100, '2020-01-01'), study(Number.NaN, '2024-01-01'))).toThrow(RangeError);
    expect(() => progressionFromPrior(study(100, '2020-01-01', -5), study(100, '2024-01-01'))).toThrow(RangeError);
    expect(() => progressionFromPrior(study(100, '2020-01-01', 5, -1), study(100, '2024-01-01'))).toThrow(RangeError);
  });
});
