/**
 * Per-protocol dose reference (notification) levels, NEMA XR-25 style (CLINICAL.md section 4), and
 * the dose settings section they live in. A study whose CTDIvol or DLP is above the level of its
 * protocol is flagged; the technologist records why. No Node imports: settings and the renderer
 * share these.
 */
import { z } from 'zod';
import type { KFactorChoice } from './effectiveDose.js';

/** The k factors of effectiveDose.ts K_FACTORS (checked at compile time), as a setting. */
export const K_FACTOR_CHOICES = ['adult-chest', 'cardiac'] as const satisfies readonly KFactorChoice[];
type MissingChoice = Exclude<KFactorChoice, (typeof K_FACTOR_CHOICES)[number]>;
const everyChoiceListed: [MissingChoice] extends [never] ? true : { missing: MissingChoice } = true;
void everyChoiceListed;

export const referenceLevelSchema = z.strictObject({
  /** How the level is shown ("Calcium score"). */
  name: z.string().trim().min(1, 'name the reference level').max(64),
  /**
   * Case-insensitive text looked for in the protocol name (else the study description); several
   * alternatives separated by "|" ("calcium|cascore|smartscore").
   */
  match: z.string().trim().min(1, 'give the text that identifies the protocol').max(200),
  ctdivolMgy: z.number().positive('the CTDIvol level must be more than 0 mGy').max(200, 'the CTDIvol level must be at most 200 mGy'),
  dlpMgyCm: z.number().positive('the DLP level must be more than 0 mGy·cm').max(5000, 'the DLP level must be at most 5000 mGy·cm'),
});

export type ReferenceLevel = z.output<typeof referenceLevelSchema>;

export const doseSettingsSchema = z.strictObject({
  /** Which k converts DLP to effective dose for new records (see effectiveDose.ts K_FACTORS). */
  kFactor: z.enum(K_FACTOR_CHOICES),
  /** Checked in order: the first level whose text matches is the study's level. */
  referenceLevels: z.array(referenceLevelSchema).max(50),
});

export type DoseSettings = z.output<typeof doseSettingsSchema>;

/**
 * Site-set EXAMPLE values that each site must review: not a published diagnostic reference level.
 * They sit above the typical calcium-score dose of CLINICAL.md section 4 (about 1-3 mSv, i.e. about
 * 70-215 mGy·cm at k = 0.014) so that only an unusual study is flagged; a site replaces them with its
 * own or national reference levels (e.g. its dose registry's 75th percentile for the protocol).
 */
export const DEFAULT_REFERENCE_LEVELS: ReferenceLevel[] = [
  { name: 'Calcium score', match: 'calcium|cascore|ca score|ca-score|smartscore|cac', ctdivolMgy: 10, dlpMgyCm: 200 },
];

export function defaultDoseSettings(): DoseSettings {
  return { kFactor: 'adult-chest', referenceLevels: DEFAULT_REFERENCE_LEVELS.map((level) => ({ ...level })) };
}

/** The first level whose text matches the protocol name, else the study description; null when none does. */
export function referenceLevelFor(levels: readonly ReferenceLevel[], protocol: string | null, studyDescription: string | null): ReferenceLevel | null {
  for (const candidate of [protocol, studyDescription]) {
    if (!candidate) continue;
    const haystack = candidate.toLowerCase();
    const level = levels.find((entry) =>
      entry.match
        .toLowerCase()
        .split('|')
        .map((part) => part.trim())
        .some((part) => part.length > 0 && haystack.includes(part)),
    );
    if (level) return level;
  }
  return null;
}

export interface ReferenceCheck {
  /** The level as it was when the check was made (a later settings change does not rewrite it). */
  level: ReferenceLevel | null;
  /** null: no level, or the value is not known. */
  ctdivolAbove: boolean | null;
  dlpAbove: boolean | null;
  /** Either value above its level. */
  above: boolean;
}

export function checkReferenceLevel(level: ReferenceLevel | null, ctdivolMgy: number | null, dlpMgyCm: number | null): ReferenceCheck {
  const ctdivolAbove = level && ctdivolMgy !== null ? ctdivolMgy > level.ctdivolMgy : null;
  const dlpAbove = level && dlpMgyCm !== null ? dlpMgyCm > level.dlpMgyCm : null;
  return { level: level ? { ...level } : null, ctdivolAbove, dlpAbove, above: ctdivolAbove === true || dlpAbove === true };
}
