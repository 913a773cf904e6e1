/**
 * How the report prints numbers, dates and coded values. One place, so the PDF, its tests and any
 * other printed output round the same way. Scores are stored unrounded and rounded only here.
 */
import type { MesaInput } from '../../../native-worker/risk/mesa.js';
import type { DoseSource } from '../../dose/doseTypes.js';
import { DLP_ESTIMATE_LABEL } from '../../dose/doseNotes.js';

/**
 * Agatston, volume and mass with one decimal. A score above 0 never prints as "0.0": calcium
 * that scores below 0.05 is still calcium (categories.ts), so it prints "<0.1".
 */
export function formatScore(value: number): string {
  if (value === 0) return '0.0';
  if (value > 0 && value < 0.05) return '<0.1';
  return value.toFixed(1);
}

export function formatMass(massMg: number | null): string {
  return massMg === null ? 'not calibrated' : formatScore(massMg);
}

/** A change with its sign: "+67.3", "-2.0", "0.0". */
export function formatChange(value: number | null, decimals = 1): string {
  if (value === null) return '-';
  const text = Math.abs(value).toFixed(decimals);
  if (Number(text) === 0) return (0).toFixed(decimals);
  return `${value > 0 ? '+' : '-'}${text}`;
}

/** "2025-11-20T10:15:42.000Z" -> "2025-11-20 10:15 UTC" (the PDF must not depend on the machine's zone). */
export function formatTimestamp(iso: string): string {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return iso;
  const d = new Date(ms);
  return `${d.toISOString().slice(0, 10)} ${d.toISOString().slice(11, 16)} UTC`;
}

/** ISO "YYYY-MM-DD" as is; DICOM "YYYYMMDD" made readable; null -> "not recorded". */
export function formatDate(date: string | null): string {
  if (date === null || date.trim() === '') return 'not recorded';
  const dicom = /^(\d{4})(\d{2})(\d{2})$/.exec(date.trim());
  return dicom ? `${dicom[1]}-${dicom[2]}-${dicom[3]}` : date.trim();
}

/** DICOM TM "093015.123" -> "09:30"; anything else as given. */
export function formatTime(time: string | null): string | null {
  if (time === null || time.trim() === '') return null;
  const match = /^(\d{2})(\d{2})/.exec(time.trim());
  return match ? `${match[1]}:${match[2]}` : time.trim();
}

export function formatSex(sex: string | null): string {
  switch ((sex ?? '').trim().toUpperCase()) {
    case 'M':
    case 'MALE':
      return 'Male';
    case 'F':
    case 'FEMALE':
      return 'Female';
    case 'O':
    case 'OTHER':
      return 'Other';
    case '':
      return 'not recorded';
    default:
      return sex!.trim();
  }
}

export const DOSE_SOURCE_TEXT: Readonly<Record<DoseSource, string>> = {
  rdsr: 'Radiation Dose Structured Report (RDSR)',
  'image-header': 'CTDIvol in the image headers',
  manual: 'entered by the technologist',
};

/** The total DLP as the report prints it, marked when the workstation estimated it from the image headers. */
export function formatDlpTotal(dose: { source: DoseSource; dlpTotalMgyCm: number | null }): string {
  if (dose.dlpTotalMgyCm === null) return 'not recorded';
  return `${dose.dlpTotalMgyCm.toFixed(1)} mGy·cm${dose.source === 'image-header' ? ` (${DLP_ESTIMATE_LABEL})` : ''}`;
}

const RACE_TEXT: Readonly<Record<string, string>> = {
  white: 'White',
  chinese: 'Chinese',
  'african-american': 'African American',
  hispanic: 'Hispanic',
};

function yesNo(value: boolean | null | undefined): string {
  return value === null || value === undefined ? 'not entered' : value ? 'yes' : 'no';
}

function numberOrMissing(value: number | null | undefined, unit: string): string {
  return value === null || value === undefined ? 'not entered' : `${value}${unit === '' ? '' : ` ${unit}`}`;
}

/** The MESA inputs as the reader entered them, one phrase each, for the report. */
export function mesaInputPhrases(factors: MesaInput): string[] {
  return [
    `age ${numberOrMissing(factors.ageYears, 'years')}`,
    `sex ${factors.sex ?? 'not entered'}`,
    `race/ethnicity ${factors.race ? (RACE_TEXT[factors.race] ?? factors.race) : 'not entered'}`,
    `total cholesterol ${numberOrMissing(factors.totalCholesterolMgDl, 'mg/dL')}`,
    `HDL ${numberOrMissing(factors.hdlMgDl, 'mg/dL')}`,
    `systolic BP ${numberOrMissing(factors.systolicBpMmHg, 'mmHg')}`,
    `BP medication ${yesNo(factors.bpMedication)}`,
    `lipid-lowering medication ${yesNo(factors.lipidMedication)}`,
    `diabetes ${yesNo(factors.diabetes)}`,
    `current smoker ${yesNo(factors.currentSmoker)}`,
    `family history of MI ${yesNo(factors.familyHistoryMi)}`,
    `CAC ${factors.cacAgatston === null || factors.cacAgatston === undefined ? 'not entered' : formatScore(factors.cacAgatston)}`,
  ];
}

const MASS_FACTOR_SOURCE_TEXT: Readonly<Record<string, string>> = {
  calibration: 'phantom calibration for this scanner and kVp',
  'dicom-device': 'DICOM Calcium Scoring Mass Factor Device (0018,9352)',
  'dicom-patient': 'DICOM Calcium Scoring Mass Factor Patient (0018,9351)',
};

/** Where the mass factor came from, in words (massFactor.ts source codes; unknown codes as given). */
export function massFactorSourceText(source: string): string {
  return MASS_FACTOR_SOURCE_TEXT[source] ?? source;
}

/** Which density bounds were used (thresholds.ts source codes; unknown codes as given). */
export function thresholdSourceText(source: string, kvp: number | null): string {
  switch (source) {
    case 'standard':
      return 'standard';
    case 'custom-threshold':
      return 'custom threshold set by the site';
    case 'kv-adjusted':
      return `kV-adjusted bounds${kvp === null ? '' : ` for ${kvp} kVp`}, Grani et al., EHJ-CVI 2018`;
    default:
      return source;
  }
}
