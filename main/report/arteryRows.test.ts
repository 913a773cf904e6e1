import { describe, expect, it } from 'vitest';
import { arteryRows } from './arteryRows.js';

const score = (agatston: number, volumeMm3: number, massMg: number | null, lesions: number) => ({ agatston, volumeMm3, massMg, lesions });
const arteries = { LM: score(10.5, 12, 2, 1), LAD: score(100, 90, 20, 3), LCX: score(5, 6, 1, 1), RCA: score(0, 0, 0, 0) };

describe('arteryRows', () => {
  it('lists the four arteries as scored by default', () => {
    expect(arteryRows(arteries, false).map((row) => [row.label, row.score.agatston])).toEqual([
      ['LM', 10.5],
      ['LAD', 100],
      ['LCX', 5],
      ['RCA', 0],
    ]);
  });

  it('counts LM with LAD when the site reports them together; the total is unchanged', () => {
    const rows = arteryRows(arteries, true);
    expect(rows.map((row) => row.label)).toEqual(['LM + LAD', 'LCX', 'RCA']);
    expect(rows[0]).toEqual({ artery: 'LAD', label: 'LM + LAD', score: score(110.5, 102, 22, 4) });
    const sum = (list: typeof rows) => list.reduce((total, row) => total + row.score.agatston, 0);
    expect(sum(rows)).toBe(sum(arteryRows(arteries, false)));
  });

  it('keeps mass "not calibrated" when either part has none', () => {
    expect(arteryRows({ ...arteries, LM: score(1, 1, null, 1) }, true)[0].score.massMg).toBeNull();
  });
});
