import { describe, expect, it } from 'vitest';
import { sampleReportContent } from '../../../test/support/reportFixture.js';
import { backgroundEquivalent, patientScoreText, patientSummary } from './patientSummary.js';

const allText = (content = sampleReportContent()): string =>
  patientSummary(content)
    .sections.flatMap((s) => [s.heading, ...s.paragraphs])
    .join(' ');

describe('patientSummary', () => {
  it('covers every point of CLINICAL.md 6 for the fixture', () => {
    const text = allText();
    expect(text).toContain('measured calcium in the walls of the arteries that supply your heart');
    expect(text).toContain('Your coronary calcium score (Agatston score) is 188.');
    expect(text).toContain('"Moderate calcified plaque"');
    expect(text).toContain('It does not see soft (non-calcified) plaque, and it does not show whether an artery is narrowed');
    expect(text).toContain('would lower the risk of heart problems but would not remove it');
    expect(text).toContain('about 0.7 mSv');
    expect(text).toContain('about 3 months of natural background radiation');
    expect(text).toContain('Your doctor will discuss these results with you');
    expect(text).toContain('It is not medical advice');
  });

  it('leaves out the comparison without a prior and says when the dose is unknown', () => {
    const text = allText(sampleReportContent({ progression: null, dose: null }));
    expect(text).not.toContain('previous scan');
    expect(text).toContain('The radiation dose of this scan is not recorded in this report');
  });
});

describe('backgroundEquivalent', () => {
  it('picks days, weeks, months or years', () => {
    expect(backgroundEquivalent(0.005)).toBe('less than a day of natural background radiation');
    expect(backgroundEquivalent(0.05)).toBe('about 6 days of natural background radiation');
    expect(backgroundEquivalent(0.2)).toBe('about 3 weeks of natural background radiation');
    expect(backgroundEquivalent(0.7378)).toBe('about 3 months of natural background radiation');
    expect(backgroundEquivalent(3)).toBe('about 12 months of natural background radiation');
    expect(backgroundEquivalent(9)).toBe('about 3.0 years of natural background radiation');
    expect(() => backgroundEquivalent(-1)).toThrow(RangeError);
  });
});

describe('patientScoreText', () => {
  it('rounds to whole numbers but never shows calcium as 0', () => {
    expect(patientScoreText(0)).toBe('0');
    expect(patientScoreText(0.17)).toBe('less than 1');
    expect(patientScoreText(187.8125)).toBe('188');
  });
});
