import { describe, expect, it } from 'vitest';
import { mesaTenYearChdRisk, type MesaInput, type MesaResult } from './mesa.js';

/**
 * The model written out independently of the code under test:
 * risk % = 100 x (1 - 0.99833 ^ exp(LP)).
 */
function riskPercentFromLp(lp: number): number {
  return 100 * (1 - 0.99833 ** Math.exp(lp));
}

/** CLINICAL.md 3 test case: 70-year-old Hispanic man, ..., CAC 0 -> 3.06 %. */
const clinicalCase: MesaInput = {
  ageYears: 70,
  sex: 'male',
  race: 'hispanic',
  diabetes: false,
  currentSmoker: false,
  totalCholesterolMgDl: 190,
  hdlMgDl: 50,
  lipidMedication: false,
  systolicBpMmHg: 130,
  bpMedication: true,
  familyHistoryMi: false,
  cacAgatston: 0,
};

// Every term of the clinical case, in CLINICAL.md order; the cases below change one term.
const AGE = 0.0172 * 70;
const MALE = 0.4079 * 1;
const HISPANIC = -0.0222 * 1;
const TOTAL_CHOLESTEROL = 0.0043 * 190;
const HDL = -0.0114 * 50;
const SBP = 0.0066 * 130;
const BP_MEDICATION = 0.2278 * 1;
const CAC = 0.2743 * Math.log(0 + 1);
const CLINICAL_LP = AGE + MALE + HISPANIC + TOTAL_CHOLESTEROL + HDL + SBP + BP_MEDICATION + CAC;

function expectOk(result: MesaResult): { tenYearRiskPercent: number; linearPredictor: number } {
  if (!result.ok) throw new Error(`expected a risk, got: ${result.reason}`);
  return result;
}

function expectRefused(result: MesaResult): { reason: string; missingFactors: string[] } {
  if (result.ok) throw new Error(`expected a refusal, got ${result.tenYearRiskPercent} %`);
  return result;
}

describe('mesaTenYearChdRisk: the CLINICAL.md test case', () => {
  it('gives 3.06 % (to 0.01)', () => {
    const result = expectOk(mesaTenYearChdRisk(clinicalCase));
    expect(CLINICAL_LP).toBeCloseTo(2.9225, 10);
    expect(result.linearPredictor).toBeCloseTo(2.9225, 10);
    expect(Math.abs(result.tenYearRiskPercent - 3.06)).toBeLessThan(0.005);
    expect(result.tenYearRiskPercent).toBeCloseTo(riskPercentFromLp(2.9225), 10);
  });
});

describe('mesaTenYearChdRisk: each coefficient moves the risk the right way', () => {
  const base = riskPercentFromLp(CLINICAL_LP);

  const cases: Array<{ name: string; change: MesaInput; lp: number; direction: 'up' | 'down' }> = [
    {
      name: 'age 70 -> 71 (+0.0172 per year)',
      change: { ageYears: 71 },
      lp: 0.0172 * 71 + MALE + HISPANIC + TOTAL_CHOLESTEROL + HDL + SBP + BP_MEDICATION + CAC,
      direction: 'up',
    },
    {
      name: 'male -> female (drops +0.4079)',
      change: { sex: 'female' },
      lp: AGE + 0 + HISPANIC + TOTAL_CHOLESTEROL + HDL + SBP + BP_MEDICATION + CAC,
      direction: 'down',
    },
    {
      name: 'Hispanic -> white (drops -0.0222; white is the reference)',
      change: { race: 'white' },
      lp: AGE + MALE + 0 + TOTAL_CHOLESTEROL + HDL + SBP + BP_MEDICATION + CAC,
      direction: 'up',
    },
    {
      name: 'Hispanic -> Chinese (-0.3475 instead of -0.0222)',
      change: { race: 'chinese' },
      lp: AGE + MALE + -0.3475 + TOTAL_CHOLESTEROL + HDL + SBP + BP_MEDICATION + CAC,
      direction: 'down',
    },
    {
      name: 'Hispanic -> African American (+0.0353 instead of -0.0222)',
      change: { race: 'african-american' },
      lp: AGE + MALE + 0.0353 + TOTAL_CHOLESTEROL + HDL + SBP + BP_MEDICATION + CAC,
      direction: 'up',
    },
    {
      name: 'diabetes (+0.3892)',
      change: { diabetes: true },
      lp: CLINICAL_LP + 0.3892,
      direction: 'up',
    },
    {
      name: 'current smoker (+0.3717)',
      change: { currentSmoker: true },
      lp: CLINICAL_LP + 0.3717,
      direction: 'up',
    },
    {
      name: 'total cholesterol 190 -> 240 mg/dL (+0.0043 per mg/dL)',
      change: { totalCholesterolMgDl: 240 },
      lp: AGE + MALE + HISPANIC + 0.0043 * 240 + HDL + SBP + BP_MEDICATION + CAC,
      direction: 'up',
    },
    {
      name: 'HDL 50 -> 70 mg/dL (-0.0114 per mg/dL)',
      change: { hdlMgDl: 70 },
      lp: AGE + MALE + HISPANIC + TOTAL_CHOLESTEROL + -0.0114 * 70 + SBP + BP_MEDICATION + CAC,
      direction: 'down',
    },
    {
      name: 'lipid medication (+0.1206)',
      change: { lipidMedication: true },
      lp: CLINICAL_LP + 0.1206,
      direction: 'up',
    },
    {
      name: 'systolic BP 130 -> 160 mmHg (+0.0066 per mmHg)',
      change: { systolicBpMmHg: 160 },
      lp: AGE + MALE + HISPANIC + TOTAL_CHOLESTEROL + HDL + 0.0066 * 160 + BP_MEDICATION + CAC,
      direction: 'up',
    },
    {
      name: 'no BP medication (drops +0.2278)',
      change: { bpMedication: false },
      lp: AGE + MALE + HISPANIC + TOTAL_CHOLESTEROL + HDL + SBP + 0 + CAC,
      direction: 'down',
    },
    {
      name: 'family history of MI (+0.3239)',
      change: { familyHistoryMi: true },
      lp: CLINICAL_LP + 0.3239,
      direction: 'up',
    },
    {
      name: 'CAC 0 -> 100 (+0.2743 x ln(101))',
      change: { cacAgatston: 100 },
      lp: AGE + MALE + HISPANIC + TOTAL_CHOLESTEROL + HDL + SBP + BP_MEDICATION + 0.2743 * Math.log(100 + 1),
      direction: 'up',
    },
    {
      name: 'CAC 0 -> 0.4, unrounded (+0.2743 x ln(1.4))',
      change: { cacAgatston: 0.4 },
      lp: AGE + MALE + HISPANIC + TOTAL_CHOLESTEROL + HDL + SBP + BP_MEDICATION + 0.2743 * Math.log(0.4 + 1),
      direction: 'up',
    },
  ];

  it.each(cases)('$name', ({ change, lp, direction }) => {
    const result = expectOk(mesaTenYearChdRisk({ ...clinicalCase, ...change }));
    expect(result.linearPredictor).toBeCloseTo(lp, 12);
    expect(result.tenYearRiskPercent).toBeCloseTo(riskPercentFromLp(lp), 10);
    if (direction === 'up') expect(result.tenYearRiskPercent).toBeGreaterThan(base);
    else expect(result.tenYearRiskPercent).toBeLessThan(base);
  });

  it('a high-risk profile, all terms written out', () => {
    const input: MesaInput = {
      ageYears: 62,
      sex: 'male',
      race: 'african-american',
      diabetes: true,
      currentSmoker: true,
      totalCholesterolMgDl: 240,
      hdlMgDl: 35,
      lipidMedication: true,
      systolicBpMmHg: 155,
      bpMedication: true,
      familyHistoryMi: true,
      cacAgatston: 450,
    };
    const lp =
      0.0172 * 62 + 0.4079 + 0.0353 + 0.3892 + 0.3717 + 0.0043 * 240 - 0.0114 * 35 + 0.1206 + 0.0066 * 155 + 0.2278 +
      0.3239 + 0.2743 * Math.log(451);
    const result = expectOk(mesaTenYearChdRisk(input));
    expect(result.linearPredictor).toBeCloseTo(lp, 12);
    expect(result.tenYearRiskPercent).toBeCloseTo(riskPercentFromLp(lp), 10);
  });
});

describe('mesaTenYearChdRisk: refusals say why', () => {
  it('accepts the age bounds 45 and 85', () => {
    expect(mesaTenYearChdRisk({ ...clinicalCase, ageYears: 45 }).ok).toBe(true);
    expect(mesaTenYearChdRisk({ ...clinicalCase, ageYears: 85 }).ok).toBe(true);
  });

  it.each([44, 44.9, 85.1, 86, 30])('refuses age %s: the model is valid for 45-85', (ageYears) => {
    const { reason, missingFactors } = expectRefused(mesaTenYearChdRisk({ ...clinicalCase, ageYears }));
    expect(reason).toContain('valid for ages 45-85');
    expect(reason).toContain(String(ageYears));
    expect(missingFactors).toEqual([]);
  });

  it('names each missing factor', () => {
    const { reason, missingFactors } = expectRefused(
      mesaTenYearChdRisk({ ...clinicalCase, hdlMgDl: undefined, familyHistoryMi: null, race: undefined }),
    );
    expect(missingFactors).toEqual(['race', 'hdlMgDl', 'familyHistoryMi']);
    expect(reason).toBe(
      'MESA risk not calculated: missing race/ethnicity, HDL cholesterol, family history of heart attack.',
    );
  });

  it('names every factor when nothing was entered', () => {
    const { reason, missingFactors } = expectRefused(mesaTenYearChdRisk({}));
    expect(missingFactors).toHaveLength(12);
    for (const name of [
      'age',
      'sex',
      'race/ethnicity',
      'diabetes',
      'current smoking',
      'total cholesterol',
      'HDL cholesterol',
      'lipid-lowering medication',
      'systolic blood pressure',
      'blood-pressure medication',
      'family history of heart attack',
      'CAC score',
    ]) {
      expect(reason).toContain(name);
    }
  });

  it('treats false as an answer, not as missing', () => {
    expect(mesaTenYearChdRisk({ ...clinicalCase, diabetes: false, currentSmoker: false }).ok).toBe(true);
  });

  const implausible: Array<[string, MesaInput, string]> = [
    ['negative total cholesterol', { totalCholesterolMgDl: -190 }, 'total cholesterol -190 mg/dL is implausible'],
    ['total cholesterol 49', { totalCholesterolMgDl: 49 }, 'total cholesterol 49 mg/dL is implausible'],
    ['total cholesterol 501', { totalCholesterolMgDl: 501 }, 'total cholesterol 501 mg/dL is implausible'],
    ['SBP 59', { systolicBpMmHg: 59 }, 'systolic blood pressure 59 mmHg is implausible'],
    ['SBP 261', { systolicBpMmHg: 261 }, 'systolic blood pressure 261 mmHg is implausible'],
    ['HDL 9', { hdlMgDl: 9 }, 'HDL cholesterol 9 mg/dL is implausible'],
    ['HDL 151', { hdlMgDl: 151, totalCholesterolMgDl: 300 }, 'HDL cholesterol 151 mg/dL is implausible'],
    ['negative CAC', { cacAgatston: -1 }, 'CAC score -1 is implausible'],
    ['CAC not a number', { cacAgatston: Number.NaN }, 'CAC score is not a number'],
    ['age not a number', { ageYears: Number.NaN }, 'age is not a number'],
    ['HDL above total cholesterol', { hdlMgDl: 120, totalCholesterolMgDl: 110 }, 'HDL cholesterol 120 mg/dL exceeds total cholesterol 110 mg/dL'],
  ];
  it.each(implausible)('refuses %s', (_name, change, expected) => {
    const { reason } = expectRefused(mesaTenYearChdRisk({ ...clinicalCase, ...change }));
    expect(reason).toContain(expected);
  });

  it('accepts the plausibility bounds themselves', () => {
    for (const change of [
      { totalCholesterolMgDl: 50, hdlMgDl: 10 },
      { totalCholesterolMgDl: 500, hdlMgDl: 150 },
      { systolicBpMmHg: 60 },
      { systolicBpMmHg: 260 },
      { cacAgatston: 0 },
    ]) {
      expect(mesaTenYearChdRisk({ ...clinicalCase, ...change }).ok).toBe(true);
    }
  });

  it('reports every problem at once', () => {
    const { reason } = expectRefused(
      mesaTenYearChdRisk({ ...clinicalCase, ageYears: 40, sex: undefined, systolicBpMmHg: 300 }),
    );
    expect(reason).toContain('missing sex');
    expect(reason).toContain('valid for ages 45-85');
    expect(reason).toContain('systolic blood pressure 300 mmHg is implausible');
  });

  it('refuses values the types forbid but forms can send', () => {
    const fromForm = { ...clinicalCase, sex: 'M', diabetes: 'no' } as unknown as MesaInput;
    const { reason } = expectRefused(mesaTenYearChdRisk(fromForm));
    expect(reason).toContain('sex "M" is not one of male, female');
    expect(reason).toContain('diabetes must be yes or no');
  });
});
