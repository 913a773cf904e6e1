import { describe, expect, it } from 'vitest';
import { mergeSettings, defaultSettings } from '../../main/api/settings.js';
import { friendlyProblem, linesOf, numberText, parseNumber, parseOptionalNumber, problemsByPath } from './settingsText.js';

describe('settings text', () => {
  it('parses typed numbers, with a decimal comma, and names what is wrong', () => {
    expect(parseNumber('130', { integer: true })).toEqual({ value: 130 });
    expect(parseNumber(' 1,5 ')).toEqual({ value: 1.5 });
    expect(parseNumber('')).toEqual({ problem: 'enter a value' });
    expect(parseNumber('abc')).toEqual({ problem: '"abc" is not a number' });
    expect(parseNumber('130.5', { integer: true })).toEqual({ problem: 'enter a whole number' });
    expect(parseOptionalNumber('  ')).toEqual({ value: null });
    expect(parseOptionalNumber('0.8')).toEqual({ value: 0.8 });
  });

  it('shows numbers without binary noise and splits lines', () => {
    expect(numberText(0.1 + 0.2)).toBe('0.3');
    expect(numberText(null)).toBe('');
    expect(linesOf('CT_1\n\n  CT_2@10.0.0.5 \r\n')).toEqual(['CT_1', 'CT_2@10.0.0.5']);
  });

  it("rewords the API's real range refusals with the unit, per field path", () => {
    const result = mergeSettings(defaultSettings(), { scoring: { thresholdHu: 50, minAreaMm2: 20, massFactor: 0 } });
    expect('problems' in result).toBe(true);
    const problems = problemsByPath('problems' in result ? result.problems : []);
    expect(friendlyProblem(problems.get('scoring.thresholdHu')!, 'HU')).toBe('must be at least 100 HU');
    expect(friendlyProblem(problems.get('scoring.minAreaMm2')!, 'mm²')).toBe('must be at most 10 mm²');
    expect(friendlyProblem(problems.get('scoring.massFactor')!)).toBe('must be more than 0');
    // The schema's own words pass through.
    expect(friendlyProblem('name the reference level')).toBe('name the reference level');
  });
});

describe('problems by path', () => {
  it("puts the request check's path (patch.scoring...) and the merged check's path on the same field", () => {
    const byPath = problemsByPath(['patch.scoring.thresholdHu: Too small: expected number to be >=100', 'report.sendTo: not in the list', 'patch.scoring.thresholdHu: second'], 'patch.');
    expect([...byPath]).toEqual([
      ['scoring.thresholdHu', 'Too small: expected number to be >=100; second'],
      ['report.sendTo', 'not in the list'],
    ]);
  });
});
