import { describe, expect, it } from 'vitest';
import {
  cacCategory,
  cacDrs,
  categoryWording,
  classicCategory,
  DEFAULT_CATEGORY_WORDING,
  type CacCategoryCode,
  type ClassicCategoryCode,
  type PerArteryAgatston,
} from './categories.js';

describe('cacCategory (seed categories)', () => {
  const golden: Array<[number, boolean, CacCategoryCode]> = [
    [0, false, 'zero'],
    [0.01, true, 'mild'],
    [0.4, true, 'mild'], // rounds to 0 but there is kept plaque
    [1, true, 'mild'],
    [10, true, 'mild'],
    [10.01, true, 'mild'],
    [99.99, true, 'mild'],
    [100, true, 'moderate'],
    [100.01, true, 'moderate'],
    [299.99, true, 'moderate'],
    [300, true, 'moderate'],
    [399.99, true, 'moderate'],
    [400, true, 'extensive'],
    [400.01, true, 'extensive'],
    [5000, true, 'extensive'],
  ];
  it.each(golden)('%s (kept plaque: %s) -> %s', (agatston, kept, code) => {
    expect(cacCategory(agatston, kept).code).toBe(code);
  });

  it('gives human labels', () => {
    expect(cacCategory(0, false)).toEqual({ code: 'zero', label: 'No detectable calcified plaque' });
    expect(cacCategory(50, true)).toEqual({ code: 'mild', label: 'Mild calcified plaque' });
    expect(cacCategory(150, true).label).toBe('Moderate calcified plaque');
    expect(cacCategory(450, true).label).toBe('Extensive calcified plaque');
  });

  it('refuses inconsistent or invalid input instead of guessing', () => {
    expect(() => cacCategory(0.5, false)).toThrow(RangeError);
    expect(() => cacCategory(0, true)).toThrow(RangeError);
    expect(() => cacCategory(-1, true)).toThrow(RangeError);
    expect(() => cacCategory(Number.NaN, true)).toThrow(RangeError);
    expect(() => cacCategory(Number.POSITIVE_INFINITY, true)).toThrow(RangeError);
  });
});

describe('classicCategory (five-tier)', () => {
  const golden: Array<[number, boolean, ClassicCategoryCode]> = [
    [0, false, 'zero'],
    [0.01, true, 'minimal'],
    [1, true, 'minimal'],
    [10, true, 'minimal'],
    [10.01, true, 'mild'],
    [10.5, true, 'mild'],
    [11, true, 'mild'],
    [99.99, true, 'mild'],
    [100, true, 'mild'],
    [100.01, true, 'moderate'],
    [101, true, 'moderate'],
    [299.99, true, 'moderate'],
    [300, true, 'moderate'],
    [399.99, true, 'moderate'],
    [400, true, 'moderate'],
    [400.01, true, 'severe'],
  ];
  it.each(golden)('%s (kept plaque: %s) -> %s', (agatston, kept, code) => {
    expect(classicCategory(agatston, kept).code).toBe(code);
  });

  it('gives human labels', () => {
    expect(classicCategory(0, false).label).toBe('No calcified plaque');
    expect(classicCategory(5, true).label).toBe('Minimal calcified plaque');
    expect(classicCategory(500, true).label).toBe('Severe calcified plaque');
  });

  it('refuses inconsistent input', () => {
    expect(() => classicCategory(3, false)).toThrow(RangeError);
    expect(() => classicCategory(0, true)).toThrow(RangeError);
  });
});

function arteries(lm: number, lad: number, lcx: number, rca: number): PerArteryAgatston {
  return { LM: { agatston: lm }, LAD: { agatston: lad }, LCX: { agatston: lcx }, RCA: { agatston: rca } };
}

describe('cacDrs', () => {
  it('zero: no calcium in any vessel is "CAC-DRS 0" with N0', () => {
    expect(cacDrs(arteries(0, 0, 0, 0), 0)).toEqual({ grade: 'A0', vessels: 0, text: 'CAC-DRS 0' });
  });

  const golden: Array<[number, 'A1' | 'A2' | 'A3']> = [
    [0.01, 'A1'],
    [0.4, 'A1'],
    [99.99, 'A1'],
    [100, 'A2'],
    [100.01, 'A2'],
    [299.99, 'A2'],
    [300, 'A3'],
    [399.99, 'A3'],
    [400, 'A3'],
    [400.01, 'A3'],
  ];
  it.each(golden)('total %s in the LAD only -> %s/N1', (total, grade) => {
    expect(cacDrs(arteries(0, total, 0, 0), total)).toEqual({ grade, vessels: 1, text: `CAC-DRS ${grade}/N1` });
  });

  it('counts LM, LAD, LCX and RCA as separate vessels', () => {
    expect(cacDrs(arteries(5, 0, 0, 0), 5).text).toBe('CAC-DRS A1/N1');
    expect(cacDrs(arteries(5, 100, 0, 0), 105).text).toBe('CAC-DRS A2/N2');
    expect(cacDrs(arteries(0, 100, 20, 30), 150).text).toBe('CAC-DRS A2/N3');
    expect(cacDrs(arteries(10, 200, 50, 140), 400)).toEqual({ grade: 'A3', vessels: 4, text: 'CAC-DRS A3/N4' });
  });

  it('a vessel with a score below 1 still counts', () => {
    expect(cacDrs(arteries(0, 0.17, 0, 50), 50.17).text).toBe('CAC-DRS A1/N2');
  });

  it('accepts a total that differs slightly from the per-artery sum (split plaques)', () => {
    expect(cacDrs(arteries(0, 60, 41, 0), 99.5).text).toBe('CAC-DRS A1/N2');
  });

  it('refuses a total that disagrees with the vessels about zero, and invalid scores', () => {
    expect(() => cacDrs(arteries(0, 0, 0, 0), 12)).toThrow(RangeError);
    expect(() => cacDrs(arteries(0, 12, 0, 0), 0)).toThrow(RangeError);
    expect(() => cacDrs(arteries(0, -1, 0, 0), 5)).toThrow(RangeError);
    expect(() => cacDrs(arteries(0, Number.NaN, 0, 0), 5)).toThrow(RangeError);
  });
});

describe('categoryWording', () => {
  it('uses the neutral default when the site has no text', () => {
    expect(categoryWording('seed', 'moderate')).toEqual({
      text: DEFAULT_CATEGORY_WORDING.seed.moderate,
      fromSite: false,
    });
    expect(categoryWording('cacDrs', 'A2', { A1: 'site text for A1' })).toEqual({
      text: DEFAULT_CATEGORY_WORDING.cacDrs.A2,
      fromSite: false,
    });
  });

  it("uses the site's text when configured for that category", () => {
    expect(categoryWording('seed', 'extensive', { extensive: 'Our clinic recommends ...' })).toEqual({
      text: 'Our clinic recommends ...',
      fromSite: true,
    });
    expect(categoryWording('classic', 'minimal', { minimal: 'Site minimal text' })).toEqual({
      text: 'Site minimal text',
      fromSite: true,
    });
  });

  it('falls back to the default for blank site text', () => {
    expect(categoryWording('seed', 'zero', { zero: '   ' })).toEqual({
      text: DEFAULT_CATEGORY_WORDING.seed.zero,
      fromSite: false,
    });
  });

  it('default wording states a risk level for every category and gives no drug advice', () => {
    const all = Object.values(DEFAULT_CATEGORY_WORDING).flatMap((scheme) => Object.values(scheme));
    expect(all).toHaveLength(4 + 5 + 4);
    for (const text of all) {
      expect(text).toMatch(/risk/i);
      expect(text).not.toMatch(/statin|aspirin|medication|medicine|drug|therapy|treat|prescri/i);
    }
  });
});
