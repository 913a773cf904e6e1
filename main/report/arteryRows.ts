/**
 * The per-artery rows of a score table, as the site wants them read: the four arteries, or (setting
 * display.reportLmWithLad) LM counted with the LAD it feeds, as some sites and older papers report.
 * Pure and browser-safe: the reading view, the report preview and the PDF list the same rows.
 */
import { ARTERIES, type Artery } from '../../native-worker/scoring/arteries.js';
import type { CalciumScore } from '../../native-worker/scoring/scores.js';

export interface ArteryRow {
  /** The artery the row stands for (LAD for the merged row). */
  artery: Artery;
  /** "LM", "LAD", or "LM + LAD" for the merged row. */
  label: string;
  score: CalciumScore;
}

export function arteryRows(arteries: Readonly<Record<Artery, CalciumScore>>, lmWithLad: boolean): ArteryRow[] {
  if (!lmWithLad) return ARTERIES.map((artery) => ({ artery, label: artery, score: arteries[artery] }));
  const lm = arteries.LM;
  const lad = arteries.LAD;
  const merged: CalciumScore = {
    agatston: lm.agatston + lad.agatston,
    volumeMm3: lm.volumeMm3 + lad.volumeMm3,
    massMg: lm.massMg === null || lad.massMg === null ? null : lm.massMg + lad.massMg,
    lesions: lm.lesions + lad.lesions,
  };
  return ARTERIES.filter((artery) => artery !== 'LM').map((artery) => (artery === 'LAD' ? { artery, label: 'LM + LAD', score: merged } : { artery, label: artery, score: arteries[artery] }));
}
