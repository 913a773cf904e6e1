/**
 * The findings and impression a draft starts with, from its scores and category. The reader edits
 * them; a draft whose text still equals the prefill of its own content is refreshed when the scores
 * change, an edited one is left alone.
 */
import type { Artery } from '../../native-worker/scoring/arteries.js';
import { arteryRows, type ArteryRow } from './arteryRows.js';
import type { ReportContent } from './reportContent.js';

const ARTERY_NAMES: Readonly<Record<Artery, string>> = { LM: 'left main (LM)', LAD: 'LAD', LCX: 'LCX', RCA: 'RCA' };

export function formatAgatston(agatston: number): string {
  return agatston.toFixed(1);
}

function listed(names: string[]): string {
  return names.length <= 1 ? names.join('') : `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`;
}

export function prefilledFindings(content: Pick<ReportContent, 'scores' | 'lmWithLad'>): string {
  const { scores } = content;
  // The same rows as the score table: LM counted with the LAD when the site reports them together.
  const withCalcium = arteryRows(scores.arteries, content.lmWithLad ?? false).filter((row) => row.score.agatston > 0);
  if (withCalcium.length === 0) return 'No calcified plaque was detected in the coronary arteries (Agatston score 0).';
  const name = (row: ArteryRow) => (row.label === row.artery ? ARTERY_NAMES[row.artery] : 'left main and LAD');
  const perArtery = withCalcium.map((row) => `${name(row)} ${formatAgatston(row.score.agatston)}`);
  const mass = scores.total.massMg === null ? '' : `, mass ${scores.total.massMg.toFixed(1)} mg`;
  return (
    `Calcified plaque in the ${listed(withCalcium.map(name))} ` +
    `(${scores.total.lesions} ${scores.total.lesions === 1 ? 'lesion' : 'lesions'}). ` +
    `Agatston score per artery: ${perArtery.join('; ')}. ` +
    `Total Agatston score ${formatAgatston(scores.total.agatston)}, volume ${scores.total.volumeMm3.toFixed(1)} mm³${mass}.`
  );
}

export function prefilledImpression(content: Pick<ReportContent, 'categories'>): string {
  const { seed, cacDrs, wording } = content.categories;
  return `${seed.label} (${cacDrs.text}). ${wording.text}`;
}
