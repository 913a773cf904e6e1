/**
 * MESA 10-year CHD risk with CAC (McClelland et al., JACC 2015;66:1643, Table 2), exactly as
 * CLINICAL.md section 3 gives it:
 *   risk = 1 - S0 ^ exp(LP), S0 = 0.99833,
 *   LP = sum of coefficient x factor, with ln(CAC + 1) for the calcium score.
 * The model is refused (with the reason, never a number) outside ages 45-85, with any factor
 * missing, or with a value no patient can have, because a printed risk from a guessed input looks
 * as trustworthy as a real one.
 *
 * MESA age/sex/race CAC percentiles are deliberately absent: they were estimated
 * non-parametrically and no closed form is published (CLINICAL.md 3).
 */

export type MesaSex = 'male' | 'female';
export type MesaRace = 'white' | 'chinese' | 'african-american' | 'hispanic';

/** Risk factors as entered; undefined or null means "not entered". */
export interface MesaInput {
  ageYears?: number | null;
  sex?: MesaSex | null;
  race?: MesaRace | null;
  diabetes?: boolean | null;
  currentSmoker?: boolean | null;
  totalCholesterolMgDl?: number | null;
  hdlMgDl?: number | null;
  /** On lipid-lowering medication. */
  lipidMedication?: boolean | null;
  systolicBpMmHg?: number | null;
  /** On blood-pressure medication. */
  bpMedication?: boolean | null;
  /** Family history of myocardial infarction. */
  familyHistoryMi?: boolean | null;
  /** Total Agatston score of this study, unrounded. */
  cacAgatston?: number | null;
}

export type MesaFactor = keyof MesaInput;

export type MesaResult =
  | { ok: true; tenYearRiskPercent: number; linearPredictor: number }
  | { ok: false; reason: string; missingFactors: MesaFactor[] };

/** Baseline 10-year CHD-free survival of the model. */
export const MESA_BASELINE_SURVIVAL = 0.99833;

/** Table 2 coefficients; white and female are the reference groups (coefficient 0). */
export const MESA_COEFFICIENTS = {
  ageYears: 0.0172,
  male: 0.4079,
  chinese: -0.3475,
  africanAmerican: 0.0353,
  hispanic: -0.0222,
  diabetes: 0.3892,
  currentSmoker: 0.3717,
  totalCholesterolMgDl: 0.0043,
  hdlMgDl: -0.0114,
  lipidMedication: 0.1206,
  systolicBpMmHg: 0.0066,
  bpMedication: 0.2278,
  familyHistoryMi: 0.3239,
  lnCacPlusOne: 0.2743,
} as const;

export const MESA_AGE_RANGE_YEARS = { min: 45, max: 85 } as const;

/** Names a reader recognises, in the order the form shows them. */
const FACTOR_NAMES: Readonly<Record<MesaFactor, string>> = {
  ageYears: 'age',
  sex: 'sex',
  race: 'race/ethnicity',
  diabetes: 'diabetes',
  currentSmoker: 'current smoking',
  totalCholesterolMgDl: 'total cholesterol',
  hdlMgDl: 'HDL cholesterol',
  lipidMedication: 'lipid-lowering medication',
  systolicBpMmHg: 'systolic blood pressure',
  bpMedication: 'blood-pressure medication',
  familyHistoryMi: 'family history of heart attack',
  cacAgatston: 'CAC score',
};

const SEXES: readonly string[] = ['male', 'female'] satisfies readonly MesaSex[];
const RACES: readonly string[] = ['white', 'chinese', 'african-american', 'hispanic'] satisfies readonly MesaRace[];

type NumericFactor = 'ageYears' | 'totalCholesterolMgDl' | 'hdlMgDl' | 'systolicBpMmHg' | 'cacAgatston';
type BooleanFactor = 'diabetes' | 'currentSmoker' | 'lipidMedication' | 'bpMedication' | 'familyHistoryMi';

/** Plausible ranges (inclusive): outside them the value is a typing or unit error, not a patient. */
const PLAUSIBLE: Readonly<Record<Exclude<NumericFactor, 'ageYears'>, { min: number; max: number; unit: string }>> = {
  totalCholesterolMgDl: { min: 50, max: 500, unit: 'mg/dL' },
  hdlMgDl: { min: 10, max: 150, unit: 'mg/dL' },
  systolicBpMmHg: { min: 60, max: 260, unit: 'mmHg' },
  cacAgatston: { min: 0, max: Number.POSITIVE_INFINITY, unit: '' },
};

/** All inputs present and checked: the narrowed form the formula needs. */
type CompleteMesaInput = { [K in MesaFactor]-?: NonNullable<MesaInput[K]> };

function describeRange(min: number, max: number, unit: string): string {
  const u = unit === '' ? '' : ` ${unit}`;
  return max === Number.POSITIVE_INFINITY ? `at least ${min}${u}` : `between ${min} and ${max}${u}`;
}

/** Everything wrong with the input, so the reader can fix it in one pass. */
function validate(input: MesaInput): { problems: string[]; missing: MesaFactor[] } {
  const missing = (Object.keys(FACTOR_NAMES) as MesaFactor[]).filter((f) => input[f] === undefined || input[f] === null);
  const problems: string[] = [];
  if (missing.length > 0) problems.push(`missing ${missing.map((f) => FACTOR_NAMES[f]).join(', ')}`);

  const numbers: NumericFactor[] = ['ageYears', 'totalCholesterolMgDl', 'hdlMgDl', 'systolicBpMmHg', 'cacAgatston'];
  for (const f of numbers) {
    const value = input[f];
    if (value === undefined || value === null) continue;
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      problems.push(`${FACTOR_NAMES[f]} is not a number`);
      continue;
    }
    if (f === 'ageYears') {
      const { min, max } = MESA_AGE_RANGE_YEARS;
      if (value < min || value > max) {
        problems.push(`the MESA model is valid for ages ${min}-${max}; the patient is ${value} years old`);
      }
      continue;
    }
    const { min, max, unit } = PLAUSIBLE[f];
    if (value < min || value > max) {
      problems.push(`${FACTOR_NAMES[f]} ${value}${unit === '' ? '' : ` ${unit}`} is implausible (expected ${describeRange(min, max, unit)})`);
    }
  }

  const hdl = input.hdlMgDl;
  const total = input.totalCholesterolMgDl;
  // HDL is part of total cholesterol, so a larger HDL means the two were swapped or mistyped.
  if (typeof hdl === 'number' && typeof total === 'number' && hdl > total) {
    problems.push(`HDL cholesterol ${hdl} mg/dL exceeds total cholesterol ${total} mg/dL`);
  }

  // The types already forbid these; forms and stored JSON do not.
  if (input.sex !== undefined && input.sex !== null && !SEXES.includes(input.sex)) {
    problems.push(`sex "${String(input.sex)}" is not one of ${SEXES.join(', ')}`);
  }
  if (input.race !== undefined && input.race !== null && !RACES.includes(input.race)) {
    problems.push(`race/ethnicity "${String(input.race)}" is not one of ${RACES.join(', ')}`);
  }
  const booleans: BooleanFactor[] = ['diabetes', 'currentSmoker', 'lipidMedication', 'bpMedication', 'familyHistoryMi'];
  for (const f of booleans) {
    const value = input[f];
    if (value !== undefined && value !== null && typeof value !== 'boolean') {
      problems.push(`${FACTOR_NAMES[f]} must be yes or no`);
    }
  }
  return { problems, missing };
}

function linearPredictor(x: CompleteMesaInput): number {
  const c = MESA_COEFFICIENTS;
  const flag = (b: boolean): number => (b ? 1 : 0);
  return (
    c.ageYears * x.ageYears +
    c.male * flag(x.sex === 'male') +
    c.chinese * flag(x.race === 'chinese') +
    c.africanAmerican * flag(x.race === 'african-american') +
    c.hispanic * flag(x.race === 'hispanic') +
    c.diabetes * flag(x.diabetes) +
    c.currentSmoker * flag(x.currentSmoker) +
    c.totalCholesterolMgDl * x.totalCholesterolMgDl +
    c.hdlMgDl * x.hdlMgDl +
    c.lipidMedication * flag(x.lipidMedication) +
    c.systolicBpMmHg * x.systolicBpMmHg +
    c.bpMedication * flag(x.bpMedication) +
    c.familyHistoryMi * flag(x.familyHistoryMi) +
    c.lnCacPlusOne * Math.log(x.cacAgatston + 1)
  );
}

/**
 * The 10-year CHD risk in percent, unrounded (the report rounds for display), or the reason it
 * cannot be given. The CAC term uses the unrounded total Agatston score of the study.
 */
export function mesaTenYearChdRisk(input: MesaInput): MesaResult {
  const { problems, missing } = validate(input);
  if (problems.length > 0) {
    return { ok: false, reason: `MESA risk not calculated: ${problems.join('; ')}.`, missingFactors: missing };
  }
  const lp = linearPredictor(input as CompleteMesaInput);
  const risk = 1 - MESA_BASELINE_SURVIVAL ** Math.exp(lp);
  return { ok: true, tenYearRiskPercent: 100 * risk, linearPredictor: lp };
}
