/**
 * The plain-language summary page for the patient (CLINICAL.md 6), from the same report content as
 * the clinician's report: what was measured, what the number and the category mean, what the test
 * cannot see, that a zero lowers but does not remove risk, the dose against natural background
 * radiation, and that the results are discussed with their clinician and are not medical advice.
 * Pure wording, no PDF: the renderer's preview can show the same text.
 */
import { DEFAULT_CATEGORY_WORDING } from '../../../native-worker/risk/categories.js';
import type { ReportContent } from '../reportContent.js';

/** Average natural background radiation, mSv a year (CLINICAL.md 4). */
export const NATURAL_BACKGROUND_MSV_PER_YEAR = 3;

export interface PatientSummarySection {
  heading: string;
  paragraphs: string[];
}

export interface PatientSummary {
  title: string;
  sections: PatientSummarySection[];
}

/** A whole score for patients; "less than 1" for calcium that rounds to 0 (it is not a zero). */
export function patientScoreText(agatston: number): string {
  if (agatston === 0) return '0';
  if (agatston < 0.5) return 'less than 1';
  return String(Math.round(agatston));
}

function plural(n: number, unit: string): string {
  return `${n} ${unit}${n === 1 ? '' : 's'}`;
}

/**
 * How long natural background radiation takes to give the same dose, in words a patient reads
 * without a calculator: "about 3 months of natural background radiation".
 */
export function backgroundEquivalent(effectiveDoseMsv: number): string {
  if (!Number.isFinite(effectiveDoseMsv) || effectiveDoseMsv < 0) {
    throw new RangeError(`effective dose must be a finite number >= 0 mSv, got ${effectiveDoseMsv}`);
  }
  const days = (effectiveDoseMsv / NATURAL_BACKGROUND_MSV_PER_YEAR) * 365.25;
  let span: string;
  if (days < 1) span = 'less than a day';
  else if (days < 14) span = `about ${plural(Math.round(days), 'day')}`;
  else if (days < 63) span = `about ${plural(Math.round(days / 7), 'week')}`;
  else if (days < 548) span = `about ${plural(Math.round(days / 30.4375), 'month')}`;
  else span = `about ${(days / 365.25).toFixed(1)} years`;
  return `${span} of natural background radiation`;
}

function formatDoseMsv(doseMsv: number): string {
  return doseMsv < 0.1 ? doseMsv.toFixed(2) : doseMsv.toFixed(1);
}

export function patientSummary(content: ReportContent): PatientSummary {
  const total = content.scores.total.agatston;
  const seed = content.categories.seed;
  const isZero = seed.code === 'zero';
  const sections: PatientSummarySection[] = [];

  sections.push({
    heading: 'What was measured',
    paragraphs: [
      'This CT scan measured calcium in the walls of the arteries that supply your heart muscle with blood (the coronary arteries). ' +
        'Calcium there is a sign of hardened plaque, a build-up in the artery wall that develops slowly over many years.',
    ],
  });

  const scoreText = patientScoreText(total);
  sections.push({
    heading: 'Your result',
    paragraphs: [
      `Your coronary calcium score (Agatston score) is ${scoreText}. This is in the category "${seed.label}".`,
      DEFAULT_CATEGORY_WORDING.seed[seed.code],
      'Scores are grouped as: 0, no calcified plaque found; 1 to 99, mild; 100 to 399, moderate; 400 or more, extensive. ' +
        'A higher score means more calcified plaque and a higher chance of a heart attack or other heart problem in the coming years.',
    ],
  });

  if (content.progression !== null) {
    const prior = content.progression.prior;
    const verdict = content.progression.result.progression
      ? 'The increase is larger than the small differences expected between two scans, so the amount of calcified plaque has grown.'
      : 'The change is within the small differences expected between two scans.';
    sections.push({
      heading: 'Compared with your previous scan',
      paragraphs: [`On your previous scan (${prior.studyDate}) the score was ${patientScoreText(prior.agatston)}; it is now ${scoreText}. ${verdict}`],
    });
  }

  sections.push({
    heading: 'What this test can and cannot show',
    paragraphs: [
      'The scan sees only plaque that has hardened with calcium. It does not see soft (non-calcified) plaque, and it does not show whether an artery is narrowed or blocked.',
      isZero
        ? 'Your score of 0 is reassuring: it lowers your risk of heart problems, but it does not remove it.'
        : 'A score of 0 would lower the risk of heart problems but would not remove it; a score above 0 shows that plaque is present.',
    ],
  });

  const dose = content.dose?.effectiveDoseMsv;
  sections.push({
    heading: 'Radiation',
    paragraphs: [
      dose !== null && dose !== undefined
        ? `The scan gave a radiation dose of about ${formatDoseMsv(dose)} mSv. Everyone receives about ${NATURAL_BACKGROUND_MSV_PER_YEAR} mSv a year from natural sources (the ground, the air, space), so this is ${backgroundEquivalent(dose)}.`
        : `The radiation dose of this scan is not recorded in this report. A calcium score scan usually gives about 1 to 3 mSv; everyone receives about ${NATURAL_BACKGROUND_MSV_PER_YEAR} mSv a year from natural sources.`,
    ],
  });

  sections.push({
    heading: 'What happens next',
    paragraphs: [
      'Your doctor will discuss these results with you, together with your other risk factors such as blood pressure, cholesterol, diabetes, smoking and family history.',
      'This summary explains your result in plain words. It is not medical advice: please do not start, stop or change any treatment because of it without talking to your doctor.',
    ],
  });

  return { title: 'Your heart calcium scan: a summary for you', sections };
}
