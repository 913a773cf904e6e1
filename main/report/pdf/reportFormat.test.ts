import { describe, expect, it } from 'vitest';
import { formatChange, formatDate, formatMass, formatScore, formatSex, formatTime, formatTimestamp, massFactorSourceText, mesaInputPhrases, thresholdSourceText } from './reportFormat.js';

describe('report number and date formats', () => {
  it('prints scores with one decimal and never prints calcium as 0', () => {
    expect(formatScore(0)).toBe('0.0');
    expect(formatScore(0.04)).toBe('<0.1');
    expect(formatScore(0.17)).toBe('0.2');
    expect(formatScore(112.4375)).toBe('112.4');
    expect(formatMass(null)).toBe('not calibrated');
    expect(formatMass(21.34)).toBe('21.3');
  });

  it('signs changes and does not print "-0.0"', () => {
    expect(formatChange(67.3125)).toBe('+67.3');
    expect(formatChange(-2)).toBe('-2.0');
    expect(formatChange(-0.01)).toBe('0.0');
    expect(formatChange(null)).toBe('-');
    expect(formatChange(2.4034, 2)).toBe('+2.40');
  });

  it('prints times in UTC whatever the machine zone, and DICOM dates readably', () => {
    expect(formatTimestamp('2025-11-20T10:15:42.000Z')).toBe('2025-11-20 10:15 UTC');
    expect(formatTimestamp('2025-11-20T11:15:42+01:00')).toBe('2025-11-20 10:15 UTC');
    expect(formatDate('19630214')).toBe('1963-02-14');
    expect(formatDate(null)).toBe('not recorded');
    expect(formatTime('093015.123')).toBe('09:30');
    expect(formatSex('F')).toBe('Female');
    expect(formatSex(null)).toBe('not recorded');
  });

  it('names missing MESA inputs instead of printing blanks', () => {
    const phrases = mesaInputPhrases({ ageYears: 70, sex: 'male', race: 'hispanic', bpMedication: true });
    expect(phrases).toContain('age 70 years');
    expect(phrases).toContain('race/ethnicity Hispanic');
    expect(phrases).toContain('BP medication yes');
    expect(phrases).toContain('HDL not entered');
  });

  it('names where the threshold and the mass factor came from', () => {
    expect(thresholdSourceText('kv-adjusted', 100)).toBe('kV-adjusted bounds for 100 kVp, Grani et al., EHJ-CVI 2018');
    expect(thresholdSourceText('standard', 120)).toBe('standard');
    expect(massFactorSourceText('dicom-device')).toBe('DICOM Calcium Scoring Mass Factor Device (0018,9352)');
    expect(massFactorSourceText('site-phantom-2025')).toBe('site-phantom-2025');
  });
});
