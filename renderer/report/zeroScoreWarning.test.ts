import { describe, expect, it } from 'vitest';
import { zeroScoreWarning } from './zeroScoreWarning.js';

describe('zeroScoreWarning', () => {
  it('asks to confirm a 0 while candidate lesions are unassigned', () => {
    expect(zeroScoreWarning({ totalAgatston: 0, assignments: 0, unassignedLesions: 11 })).toBe(
      'No calcium assigned; 11 candidate lesions unassigned. The report will say CAC 0: check that none of them is coronary calcium.',
    );
    expect(zeroScoreWarning({ totalAgatston: 0, assignments: 2, unassignedLesions: 1 })).toMatch(/^No calcium assigned; 1 candidate lesion unassigned\./);
  });

  it('asks to confirm a reading with no assignment at all, even without candidates', () => {
    expect(zeroScoreWarning({ totalAgatston: 0, assignments: 0, unassignedLesions: 0 })).toMatch(/^No calcium assigned: nothing was assigned/);
  });

  it('does not ask when calcium is scored, or every candidate was excluded', () => {
    expect(zeroScoreWarning({ totalAgatston: 966.63, assignments: 7, unassignedLesions: 3 })).toBeUndefined();
    expect(zeroScoreWarning({ totalAgatston: 0, assignments: 4, unassignedLesions: 0 })).toBeUndefined();
  });
});
