/**
 * Effective dose from DLP (CLINICAL.md 4): E = k x DLP. Each value is stored with its k and the
 * source of k, because the same DLP gives quite different mSv with the chest and the cardiac factor.
 */
import { bodyPhantomDlpMgyCm, type DoseForNotes } from './doseNotes.js';

/** k in mSv per mGy cm, with where it comes from. */
export const K_FACTORS = {
  'adult-chest': { kFactor: 0.014, source: 'AAPM Report 96 (2008), adult chest' },
  cardiac: { kFactor: 0.026, source: 'Trattner et al., JACC CV Imaging 2018' },
} as const;

export type KFactorChoice = keyof typeof K_FACTORS;

/** The usual default (CLINICAL.md 4). */
export const DEFAULT_K_FACTOR: KFactorChoice = 'adult-chest';

export function isKFactorChoice(name: string): name is KFactorChoice {
  return Object.hasOwn(K_FACTORS, name);
}

/** Effective dose in mSv; null when the DLP is unknown. A negative or non-finite input is a bug upstream. */
export function effectiveDoseMsv(dlpMgyCm: number | null, kFactor: number): number | null {
  if (!Number.isFinite(kFactor) || kFactor <= 0) throw new RangeError(`k factor must be a positive number of mSv/(mGy cm), got ${kFactor}`);
  if (dlpMgyCm === null) return null;
  if (!Number.isFinite(dlpMgyCm) || dlpMgyCm < 0) throw new RangeError(`DLP must be a non-negative number of mGy cm, got ${dlpMgyCm}`);
  return dlpMgyCm * kFactor;
}

/** A study's effective dose: k applies to body-phantom DLP, so a head-phantom part is converted first (doseNotes.ts). */
export function studyEffectiveDoseMsv(dose: Pick<DoseForNotes, 'events' | 'dlpTotalMgyCm'>, kFactor: number): number | null {
  return effectiveDoseMsv(bodyPhantomDlpMgyCm(dose), kFactor);
}
