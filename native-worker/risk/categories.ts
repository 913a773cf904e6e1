/**
 * Score categories for the report (CLINICAL.md section 3): the seed categories patients are told,
 * the classic five-tier scale, CAC-DRS (SCCT 2018), and neutral default wording per category.
 *
 * Rules shared by every scheme:
 * - "0" means no kept plaque, not "a total that rounds to 0". A kept plaque has area >= A_min > 0
 *   and weight >= 1, so its Agatston score is always > 0, but it can be below 1 (one 1 mm2 plaque at
 *   dz = 0.5 mm scores 1 x 1 x 0.5/3 = 0.17). Such a study is in the lowest non-zero category, so the
 *   report should print a score below 1 as "<1", never as "0".
 * - Boundaries are applied to the unrounded score. The published integer ranges are read as
 *   half-open or half-closed intervals exactly as each source's integer ranges imply (see each
 *   function), so a score between two integer bounds (99.99, 10.5) has exactly one category.
 * - "Kept plaque" means plaque assigned to a coronary artery (LM, LAD, LCX, RCA): excluded
 *   (non-coronary) calcium is never scored, so it never makes a study non-zero.
 *
 * Inconsistent input (a negative or non-finite score, a positive score without kept plaque, or
 * kept plaque with a score of 0) is a bug upstream, not a patient result: these functions throw a
 * RangeError rather than guess a category.
 */

import { ARTERIES, type Artery } from '../scoring/arteries.js';

export type CacCategoryCode = 'zero' | 'mild' | 'moderate' | 'extensive';
export type ClassicCategoryCode = 'zero' | 'minimal' | 'mild' | 'moderate' | 'severe';
export type CacDrsGrade = 'A0' | 'A1' | 'A2' | 'A3';

export interface Category<Code extends string> {
  code: Code;
  label: string;
}

const CAC_CATEGORY_LABELS: Readonly<Record<CacCategoryCode, string>> = {
  zero: 'No detectable calcified plaque',
  mild: 'Mild calcified plaque',
  moderate: 'Moderate calcified plaque',
  extensive: 'Extensive calcified plaque',
};

const CLASSIC_CATEGORY_LABELS: Readonly<Record<ClassicCategoryCode, string>> = {
  zero: 'No calcified plaque',
  minimal: 'Minimal calcified plaque',
  mild: 'Mild calcified plaque',
  moderate: 'Moderate calcified plaque',
  severe: 'Severe calcified plaque',
};

function checkScore(agatston: number, hasKeptPlaque: boolean, what: string): void {
  if (!Number.isFinite(agatston) || agatston < 0) {
    throw new RangeError(`${what}: Agatston score must be a finite number >= 0, got ${agatston}`);
  }
  if (!hasKeptPlaque && agatston > 0) {
    throw new RangeError(`${what}: Agatston score ${agatston} without any kept plaque`);
  }
  if (hasKeptPlaque && agatston === 0) {
    throw new RangeError(`${what}: kept plaque with an Agatston score of 0 (a kept plaque always scores > 0)`);
  }
}

/**
 * Seed categories (what patients are told): zero = no kept plaque; then on the unrounded score
 * mild (0, 100), moderate [100, 400), extensive [400, inf). The published 1-99 / 100-399 / >= 400
 * put 100 and 400 in the higher category, hence the half-open bins: 99.99 is mild, 100 is
 * moderate, and 0.4 from a kept plaque is mild (there is calcified plaque, so it is not "zero").
 */
export function cacCategory(agatston: number, hasKeptPlaque: boolean): Category<CacCategoryCode> {
  checkScore(agatston, hasKeptPlaque, 'cacCategory');
  let code: CacCategoryCode;
  if (!hasKeptPlaque) code = 'zero';
  else if (agatston < 100) code = 'mild';
  else if (agatston < 400) code = 'moderate';
  else code = 'extensive';
  return { code, label: CAC_CATEGORY_LABELS[code] };
}

/**
 * Classic five-tier scale: zero = no kept plaque; then on the unrounded score minimal (0, 10],
 * mild (10, 100], moderate (100, 400], severe (400, inf). The published 1-10 / 11-100 / 101-400 /
 * > 400 put 10, 100 and 400 in the lower category, hence bins closed on the right: 10 is minimal,
 * 10.01 (and 10.5) mild, 100 mild, 100.01 moderate, 400 moderate, 400.01 severe.
 * Note the opposite convention to the seed categories (100 is moderate there, mild here): each
 * follows its own published integer ranges.
 */
export function classicCategory(agatston: number, hasKeptPlaque: boolean): Category<ClassicCategoryCode> {
  checkScore(agatston, hasKeptPlaque, 'classicCategory');
  let code: ClassicCategoryCode;
  if (!hasKeptPlaque) code = 'zero';
  else if (agatston <= 10) code = 'minimal';
  else if (agatston <= 100) code = 'mild';
  else if (agatston <= 400) code = 'moderate';
  else code = 'severe';
  return { code, label: CLASSIC_CATEGORY_LABELS[code] };
}

export type PerArteryAgatston = Readonly<Record<Artery, { readonly agatston: number }>>;

export interface CacDrs {
  grade: CacDrsGrade;
  /** Number of vessels with calcium among LM, LAD, LCX, RCA; 0 exactly when the grade is A0. */
  vessels: 0 | 1 | 2 | 3 | 4;
  /** "CAC-DRS 0" for zero, otherwise e.g. "CAC-DRS A2/N3". */
  text: string;
}

/**
 * CAC-DRS (SCCT 2018, Hecht et al., J Cardiovasc Comput Tomogr): on the unrounded total Agatston,
 * A0 = no kept plaque, A1 (0, 100), A2 [100, 300), A3 [300, inf) (published 1-99 / 100-299 / >= 300,
 * so 100 and 300 go up, as in the seed categories). N counts LM, LAD, LCX and RCA separately.
 *
 * "Kept plaque" comes from the per-artery scores: a vessel has calcium exactly when its score is
 * > 0 (a kept plaque always scores > 0). The total must agree (> 0 exactly when some vessel is),
 * but it need not equal the sum of the vessels: a plaque split between arteries is weighted by
 * each part's own peak, so the per-artery sum can differ slightly from the total.
 */
export function cacDrs(perArtery: PerArteryAgatston, totalAgatston: number): CacDrs {
  let vessels = 0;
  // CAC-DRS counts the vessels LM, LAD, LCX, RCA, LM separately (CLINICAL.md 2.8 and 3).
  for (const artery of ARTERIES) {
    const score = perArtery[artery].agatston;
    if (!Number.isFinite(score) || score < 0) {
      throw new RangeError(`cacDrs: ${artery} Agatston score must be a finite number >= 0, got ${score}`);
    }
    if (score > 0) vessels += 1;
  }
  checkScore(totalAgatston, vessels > 0, 'cacDrs total');

  let grade: CacDrsGrade;
  if (vessels === 0) grade = 'A0';
  else if (totalAgatston < 100) grade = 'A1';
  else if (totalAgatston < 300) grade = 'A2';
  else grade = 'A3';

  const text = grade === 'A0' ? 'CAC-DRS 0' : `CAC-DRS ${grade}/N${vessels}`;
  return { grade, vessels: vessels as CacDrs['vessels'], text };
}

export type CategoryScheme = 'seed' | 'classic' | 'cacDrs';

interface SchemeCodes {
  seed: CacCategoryCode;
  classic: ClassicCategoryCode;
  cacDrs: CacDrsGrade;
}

export type CategoryCode<S extends CategoryScheme> = SchemeCodes[S];

/** A site's own text per category of one scheme; categories left out use the default. */
export type SiteWording<S extends CategoryScheme> = Partial<Record<CategoryCode<S>, string>>;

/**
 * Neutral default wording: the risk level of each category and nothing else. Treatment advice
 * belongs to the site (CLINICAL.md 3), so no drug, test or referral is named here.
 * The CAC-DRS risk levels are those of the SCCT 2018 document.
 */
export const DEFAULT_CATEGORY_WORDING: { readonly [S in CategoryScheme]: Readonly<Record<CategoryCode<S>, string>> } = {
  seed: {
    zero: 'No calcified plaque was detected in the coronary arteries. This indicates a very low risk of a coronary event; a zero score lowers but does not remove risk.',
    mild: 'A mild amount of calcified plaque was found in the coronary arteries. This indicates a mildly increased risk of a coronary event.',
    moderate: 'A moderate amount of calcified plaque was found in the coronary arteries. This indicates a moderately increased risk of a coronary event.',
    extensive: 'An extensive amount of calcified plaque was found in the coronary arteries. This indicates a high risk of a coronary event.',
  },
  classic: {
    zero: 'No calcified plaque was detected in the coronary arteries. This indicates a very low risk of a coronary event; a zero score lowers but does not remove risk.',
    minimal: 'A minimal amount of calcified plaque was found in the coronary arteries. This indicates a low risk of a coronary event.',
    mild: 'A mild amount of calcified plaque was found in the coronary arteries. This indicates a mildly increased risk of a coronary event.',
    moderate: 'A moderate amount of calcified plaque was found in the coronary arteries. This indicates a moderately increased risk of a coronary event.',
    severe: 'A large amount of calcified plaque was found in the coronary arteries. This indicates a high risk of a coronary event.',
  },
  cacDrs: {
    A0: 'No coronary artery calcium: very low risk.',
    A1: 'Mild coronary artery calcium: mildly increased risk.',
    A2: 'Moderate coronary artery calcium: moderately increased risk.',
    A3: 'Moderate to severe coronary artery calcium: moderately to severely increased risk.',
  },
};

export interface CategoryWording {
  text: string;
  /** True when the text is the site's own; the report version records which text it used. */
  fromSite: boolean;
}

/**
 * The wording to print for one category: the site's text when it configured one (blank text
 * counts as not configured, so an emptied field falls back instead of printing nothing),
 * otherwise the neutral default.
 */
export function categoryWording<S extends CategoryScheme>(
  scheme: S,
  code: CategoryCode<S>,
  siteWording?: SiteWording<S>,
): CategoryWording {
  const siteText: string | undefined = siteWording?.[code];
  if (siteText !== undefined && siteText.trim() !== '') return { text: siteText, fromSite: true };
  const defaults: Readonly<Record<CategoryCode<S>, string>> = DEFAULT_CATEGORY_WORDING[scheme];
  return { text: defaults[code], fromSite: false };
}
