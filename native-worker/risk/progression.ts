/**
 * Progression against a prior study of the same patient (CLINICAL.md 3; Hokanson et al., AJR 2004):
 * sqrt(volume now) - sqrt(volume before) >= 2.5 is progression beyond measurement noise. The
 * square root is used because interscan variability grows with the volume; on that scale it is
 * roughly constant. Also: the interval in years and the absolute and annualised change of each score.
 */

export interface StudyScores {
  agatston: number;
  volumeMm3: number;
  /** null when the study had no mass calibration ("not calibrated"). */
  massMg: number | null;
  /**
   * ISO calendar date "YYYY-MM-DD" (preferred: the DICOM StudyDate has no time zone), or a Date,
   * read as its UTC calendar date (what `new Date('YYYY-MM-DD')` produces), time of day ignored.
   */
  studyDate: string | Date;
}

export interface ScoreChange {
  prior: number | null;
  current: number | null;
  /** current - prior; null when either study lacks the score. */
  absoluteChange: number | null;
  /** absoluteChange per year; null when the score is missing or the interval cannot annualise. */
  annualisedChange: number | null;
}

export interface Progression {
  intervalDays: number;
  /** intervalDays / 365.25; negative when the "current" study is dated before the prior. */
  intervalYears: number;
  agatston: ScoreChange;
  volumeMm3: ScoreChange;
  massMg: ScoreChange;
  /** Why annualised changes are null for every score (interval of 0 or reversed dates), else null. */
  annualisedUnavailableReason: string | null;
  /** sqrt(current volume) - sqrt(prior volume), in sqrt(mm3) (mm^1.5). */
  sqrtVolumeChange: number;
  /** sqrtVolumeChange >= 2.5 (Hokanson). */
  progression: boolean;
}

export const HOKANSON_SQRT_VOLUME_THRESHOLD = 2.5;

const DAYS_PER_YEAR = 365.25;
const MS_PER_DAY = 86_400_000;

/**
 * sqrt() and the subtraction can land a few ulps below a true difference of exactly 2.5
 * (prior 3 mm3, current (sqrt(3) + 2.5)^2 gives 2.4999999999999996); this absorbs that rounding
 * and nothing a scanner could measure.
 */
const FLOAT_TOLERANCE = 1e-9;

/** Days since 1970-01-01 of the calendar date, so intervals are whole days whatever the zone. */
function epochDay(date: string | Date, which: string): number {
  if (date instanceof Date) {
    const ms = date.getTime();
    if (Number.isNaN(ms)) throw new RangeError(`${which} study date is an invalid Date`);
    return Math.floor(ms / MS_PER_DAY);
  }
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  if (match === null) throw new RangeError(`${which} study date "${date}" is not an ISO date YYYY-MM-DD`);
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const ms = Date.UTC(year, month - 1, day);
  // Date.UTC rolls 2023-02-30 over to March; a date that does not round-trip does not exist.
  const check = new Date(ms);
  if (check.getUTCFullYear() !== year || check.getUTCMonth() !== month - 1 || check.getUTCDate() !== day) {
    throw new RangeError(`${which} study date "${date}" is not a calendar date`);
  }
  return ms / MS_PER_DAY;
}

function checkScores(scores: StudyScores, which: string): void {
  const fields: Array<[string, number | null]> = [
    ['agatston', scores.agatston],
    ['volumeMm3', scores.volumeMm3],
    ['massMg', scores.massMg],
  ];
  for (const [name, value] of fields) {
    if (value === null && name === 'massMg') continue;
    if (value === null || !Number.isFinite(value) || value < 0) {
      throw new RangeError(`${which} ${name} must be a finite number >= 0, got ${value}`);
    }
  }
}

function change(prior: number | null, current: number | null, intervalYears: number | null): ScoreChange {
  if (prior === null || current === null) {
    return { prior, current, absoluteChange: null, annualisedChange: null };
  }
  const absoluteChange = current - prior;
  return {
    prior,
    current,
    absoluteChange,
    annualisedChange: intervalYears === null ? null : absoluteChange / intervalYears,
  };
}

export function progressionFromPrior(prior: StudyScores, current: StudyScores): Progression {
  checkScores(prior, 'prior');
  checkScores(current, 'current');
  const intervalDays = epochDay(current.studyDate, 'current') - epochDay(prior.studyDate, 'prior');
  const intervalYears = intervalDays / DAYS_PER_YEAR;

  let annualisedUnavailableReason: string | null = null;
  if (intervalDays === 0) {
    annualisedUnavailableReason = 'the two studies are on the same day, so no annual rate can be given';
  } else if (intervalDays < 0) {
    annualisedUnavailableReason = 'the current study is dated before the prior study; check which study is the prior';
  }
  const annualiseOver = annualisedUnavailableReason === null ? intervalYears : null;

  // Computed as given even when the dates are reversed: the reason above is shown with it.
  const sqrtVolumeChange = Math.sqrt(current.volumeMm3) - Math.sqrt(prior.volumeMm3);

  return {
    intervalDays,
    intervalYears,
    agatston: change(prior.agatston, current.agatston, annualiseOver),
    volumeMm3: change(prior.volumeMm3, current.volumeMm3, annualiseOver),
    massMg: change(prior.massMg, current.massMg, annualiseOver),
    annualisedUnavailableReason,
    sqrtVolumeChange,
    progression: sqrtVolumeChange >= HOKANSON_SQRT_VOLUME_THRESHOLD - FLOAT_TOLERANCE,
  };
}
