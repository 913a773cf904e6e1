/**
 * The MESA risk factors of the study (the score comes from the reading; the age from the study, or
 * typed here when the study has no birth date, else MESA could never be computed). The
 * API validates them with their units; its messages are shown beside the fields, and the entries
 * stay in the form. Saving refreshes the draft so the MESA line appears in the preview.
 */
import { useEffect, useState } from 'react';
import type { EnteredRiskFactors } from '../../db/reportRepository.js';
import { ApiCallError, cacClient } from '../api/cacClient.js';

type YesNoKey = 'diabetes' | 'currentSmoker' | 'lipidMedication' | 'bpMedication' | 'familyHistoryMi';
type NumberKey = 'totalCholesterolMgDl' | 'hdlMgDl' | 'systolicBpMmHg';

const YES_NO: Array<[YesNoKey, string]> = [
  ['diabetes', 'Diabetes'],
  ['currentSmoker', 'Current smoker'],
  ['lipidMedication', 'Lipid-lowering medication'],
  ['bpMedication', 'Blood-pressure medication'],
  ['familyHistoryMi', 'Family history of heart attack'],
];
const NUMBERS: Array<[NumberKey, string, string]> = [
  ['totalCholesterolMgDl', 'Total cholesterol', 'mg/dL'],
  ['hdlMgDl', 'HDL cholesterol', 'mg/dL'],
  ['systolicBpMmHg', 'Systolic blood pressure', 'mmHg'],
];

/** The form holds text (what was typed), turned into numbers only when saving. */
type FormState = {
  ageYears: string;
  sex: string;
  race: string;
} & Record<YesNoKey, string> &
  Record<NumberKey, string>;

const EMPTY: FormState = { ageYears: '', sex: '', race: '', diabetes: '', currentSmoker: '', lipidMedication: '', bpMedication: '', familyHistoryMi: '', totalCholesterolMgDl: '', hdlMgDl: '', systolicBpMmHg: '' };

function toForm(factors: EnteredRiskFactors | null): FormState {
  if (!factors) return EMPTY;
  const yesNo = (value: boolean | null | undefined) => (value === true ? 'yes' : value === false ? 'no' : '');
  const num = (value: number | null | undefined) => (value === null || value === undefined ? '' : String(value));
  return {
    ageYears: num(factors.ageYears),
    sex: factors.sex ?? '',
    race: factors.race ?? '',
    diabetes: yesNo(factors.diabetes),
    currentSmoker: yesNo(factors.currentSmoker),
    lipidMedication: yesNo(factors.lipidMedication),
    bpMedication: yesNo(factors.bpMedication),
    familyHistoryMi: yesNo(factors.familyHistoryMi),
    totalCholesterolMgDl: num(factors.totalCholesterolMgDl),
    hdlMgDl: num(factors.hdlMgDl),
    systolicBpMmHg: num(factors.systolicBpMmHg),
  };
}

/** Text to the request; a number field that is not a number is refused here with its label and unit. */
function toFactors(form: FormState): { factors: EnteredRiskFactors } | { problems: Partial<Record<keyof FormState, string>> } {
  const problems: Partial<Record<keyof FormState, string>> = {};
  const factors: EnteredRiskFactors = {
    sex: form.sex === '' ? null : (form.sex as 'male' | 'female'),
    race: form.race === '' ? null : (form.race as EnteredRiskFactors['race']),
  };
  for (const [key] of YES_NO) factors[key] = form[key] === '' ? null : form[key] === 'yes';
  const age = form.ageYears.trim();
  if (age === '') factors.ageYears = null;
  else if (!/^\d+$/.test(age)) problems.ageYears = 'age must be a whole number of years';
  else factors.ageYears = Number(age);
  for (const [key, label, unit] of NUMBERS) {
    const text = form[key].trim().replace(',', '.');
    if (text === '') factors[key] = null;
    else if (!/^\d+(\.\d+)?$/.test(text)) problems[key] = `${label} must be a number in ${unit}`;
    else factors[key] = Number(text);
  }
  return Object.keys(problems).length ? { problems } : { factors };
}

export function RiskFactorsForm({
  studyInstanceUid,
  readOnly,
  onSaved,
  studyAgeYears,
}: {
  studyInstanceUid: string;
  readOnly: boolean;
  onSaved: () => Promise<void>;
  /** The patient's age at the study from its DICOM dates; null when the study does not give it. */
  studyAgeYears: number | null;
}) {
  const [form, setForm] = useState<FormState>(EMPTY);
  const [saved, setSaved] = useState<FormState>(EMPTY);
  const [entered, setEntered] = useState<string>();
  const [problems, setProblems] = useState<Partial<Record<keyof FormState, string>>>({});
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    cacClient.call('report.riskFactors', { studyInstanceUid }).then(
      ({ factors, enteredBy, enteredAt }) => {
        setForm(toForm(factors));
        setSaved(toForm(factors));
        setEntered(enteredBy && enteredAt ? `entered by ${enteredBy} at ${enteredAt.slice(0, 16).replace('T', ' ')} UTC` : undefined);
      },
      (reason: Error) => setError(reason.message),
    );
  }, [studyInstanceUid]);

  const dirty = JSON.stringify(form) !== JSON.stringify(saved);
  const set = (key: keyof FormState, value: string) => {
    setForm((current) => ({ ...current, [key]: value }));
    setProblems((current) => ({ ...current, [key]: undefined }));
  };

  const save = async () => {
    const parsed = toFactors(form);
    if ('problems' in parsed) {
      setProblems(parsed.problems);
      setError('Check the marked fields.');
      return;
    }
    setBusy(true);
    try {
      const answer = await cacClient.call('report.saveRiskFactors', { studyInstanceUid, factors: parsed.factors });
      setSaved(form);
      setProblems({});
      setError(undefined);
      setEntered(`entered by ${answer.enteredBy} at ${answer.enteredAt.slice(0, 16).replace('T', ' ')} UTC`);
      await onSaved();
    } catch (reason) {
      // The API names the field ("factors.hdlMgDl: HDL cholesterol must be at most 200 mg/dL ...").
      const fieldProblems: Partial<Record<keyof FormState, string>> = {};
      for (const detail of reason instanceof ApiCallError ? (reason.details ?? []) : []) {
        const match = /^factors\.(\w+): (.*)$/.exec(detail);
        if (match && match[1] in EMPTY) fieldProblems[match[1] as keyof FormState] = match[2];
      }
      setProblems(fieldProblems);
      setError((reason as Error).message);
    } finally {
      setBusy(false);
    }
  };

  const fieldClass = (key: keyof FormState) => `field${problems[key] ? ' invalid' : ''}`;
  const problem = (key: keyof FormState) =>
    problems[key] && (
      <span className="field-error" data-testid={`risk-error-${key}`}>
        {problems[key]}
      </span>
    );

  return (
    <section className="report-section report-risk" data-testid="risk-factors">
      <h3>
        Risk factors (MESA) {dirty && <span className="report-unsaved-mark" data-testid="risk-unsaved">unsaved</span>}
      </h3>
      <div className="report-risk-grid">
        <label className={fieldClass('ageYears')}>
          <span className="field-label">Age</span>
          {studyAgeYears !== null ? (
            <span className="with-unit" data-testid="risk-age-from-study">
              {studyAgeYears} years <span className="unit">from the study</span>
            </span>
          ) : (
            <span className="with-unit">
              <input data-testid="risk-ageYears" inputMode="numeric" placeholder="not in the study" value={form.ageYears} disabled={readOnly} onChange={(event) => set('ageYears', event.target.value)} />
              <span className="unit">years</span>
            </span>
          )}
          {problem('ageYears')}
        </label>
        <label className={fieldClass('sex')}>
          <span className="field-label">Sex</span>
          <select data-testid="risk-sex" value={form.sex} disabled={readOnly} onChange={(event) => set('sex', event.target.value)}>
            <option value="">not entered</option>
            <option value="female">female</option>
            <option value="male">male</option>
          </select>
          {problem('sex')}
        </label>
        <label className={fieldClass('race')}>
          <span className="field-label">Race/ethnicity</span>
          <select data-testid="risk-race" value={form.race} disabled={readOnly} onChange={(event) => set('race', event.target.value)}>
            <option value="">not entered</option>
            <option value="white">White</option>
            <option value="chinese">Chinese</option>
            <option value="african-american">African American</option>
            <option value="hispanic">Hispanic</option>
          </select>
          {problem('race')}
        </label>
        {NUMBERS.map(([key, label, unit]) => (
          <label key={key} className={fieldClass(key)}>
            <span className="field-label">{label}</span>
            <span className="with-unit">
              <input data-testid={`risk-${key}`} inputMode="decimal" value={form[key]} disabled={readOnly} onChange={(event) => set(key, event.target.value)} />
              <span className="unit">{unit}</span>
            </span>
            {problem(key)}
          </label>
        ))}
        {YES_NO.map(([key, label]) => (
          <label key={key} className={fieldClass(key)}>
            <span className="field-label">{label}</span>
            <select data-testid={`risk-${key}`} value={form[key]} disabled={readOnly} onChange={(event) => set(key, event.target.value)}>
              <option value="">not entered</option>
              <option value="yes">yes</option>
              <option value="no">no</option>
            </select>
            {problem(key)}
          </label>
        ))}
      </div>
      {error && (
        <div className="error" role="alert" data-testid="risk-error">
          {error}
        </div>
      )}
      <div className="form-footer">
        <button className="primary" data-testid="risk-save" disabled={readOnly || busy || !dirty} onClick={() => void save()}>
          Save risk factors
        </button>
        <span className="muted" data-testid="risk-entered">
          {readOnly ? 'The report is signed: amend it to change the risk factors in the report.' : (entered ?? 'not entered yet')} · {studyAgeYears !== null ? 'age is taken from the study' : 'the study has no age: enter it for MESA'}
        </span>
      </div>
    </section>
  );
}
