/**
 * The dose log's part of the API contract: request schemas (zod, validated at the boundary) and
 * response types of the dose.* channels. main/api/contract.ts spreads these into the one channel
 * table. No Node imports: the preload and the renderer share this file.
 */
import { z } from 'zod';
import type { DoseCheckAlert, DoseEvent, DoseSource, StudyDose } from './doseTypes.js';
import { K_FACTOR_CHOICES, type ReferenceCheck, type ReferenceLevel } from './referenceLevels.js';

import { uidSchema as studyUidSchema } from '../api/uidSchema.js';

/**
 * A measured value with its plausible range: every refusal names the value and its unit, so the
 * technologist knows what to correct ("CTDIvol must be more than 0 mGy").
 */
function measured(label: string, unit: string, range: { above?: number; min?: number; max: number }) {
  let schema = z.number({
    error: (issue) => (issue.input === undefined ? `${label} is missing: enter it in ${unit}` : `${label} must be a number in ${unit}`),
  });
  if (range.above !== undefined) schema = schema.gt(range.above, `${label} must be more than ${range.above} ${unit}`);
  if (range.min !== undefined) schema = schema.min(range.min, `${label} must be at least ${range.min} ${unit}`);
  return schema.max(range.max, `${label} must be at most ${range.max} ${unit} (check the unit)`);
}

const optionalText = (label: string, max: number) =>
  z
    .string({ error: `${label} must be text` })
    .trim()
    .max(max, `${label} has at most ${max} characters`)
    .nullable()
    .optional();

/** One irradiation event as the technologist reads it from the scanner's dose page. */
export const manualDoseEventSchema = z.strictObject({
  ctdivolMgy: measured('CTDIvol', 'mGy', { above: 0, max: 200 }),
  dlpMgyCm: measured('DLP', 'mGy·cm', { above: 0, max: 5000 }),
  kvp: measured('kVp', 'kV', { min: 70, max: 150 }).nullable().optional(),
  tubeCurrentMa: measured('tube current', 'mA', { above: 0, max: 2000 }).nullable().optional(),
  exposureTimeS: measured('exposure time', 's', { above: 0, max: 120 }).nullable().optional(),
  scanLengthMm: measured('scan length', 'mm', { above: 0, max: 2000 }).nullable().optional(),
  phantom: z.enum(['body-32', 'head-16'], { error: 'the CTDI phantom is body-32 (32 cm body) or head-16 (16 cm head)' }).optional(),
  acquisitionType: optionalText('the acquisition type', 64),
  protocol: optionalText('the protocol', 64),
});

export const manualDoseSchema = z.strictObject({
  studyInstanceUid: studyUidSchema,
  events: z.array(manualDoseEventSchema, { error: 'events: give at least one irradiation event' }).min(1, 'give at least one irradiation event').max(20, 'at most 20 events'),
  /** DLP total from the dose page; the sum of the events' DLP when not given. */
  dlpTotalMgyCm: measured('total DLP', 'mGy·cm', { above: 0, max: 5000 }).nullable().optional(),
  scanner: optionalText('the scanner', 64),
  /** Why the entry was made or corrected ("RDSR not sent", "typo in the first entry"). */
  comment: optionalText('the comment', 500),
}).superRefine((entry, context) => {
  // The total may include events not typed in (scouts), but it cannot be less than what was typed in.
  const sumMgyCm = entry.events.reduce((sum, event) => sum + event.dlpMgyCm, 0);
  if (entry.dlpTotalMgyCm != null && entry.dlpTotalMgyCm < sumMgyCm * 0.99) {
    context.addIssue({
      code: 'custom',
      path: ['dlpTotalMgyCm'],
      message: `the total DLP (${entry.dlpTotalMgyCm} mGy·cm) is less than the sum of the events' DLP (${Number(sumMgyCm.toFixed(2))} mGy·cm): check both`,
    });
  }
});

export type ManualDoseEntry = z.output<typeof manualDoseSchema>;

const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'a date is written YYYY-MM-DD');

export const doseLogFilterSchema = z.strictObject({
  from: isoDate.optional(),
  to: isoDate.optional(),
  /** Case-insensitive part of the protocol name. */
  protocol: z.string().trim().max(64).optional(),
  /** Case-insensitive part of the scanner (manufacturer, model or station name). */
  scanner: z.string().trim().max(64).optional(),
  limit: z.number().int().min(1).max(10_000).optional(),
});

export type DoseLogFilter = z.output<typeof doseLogFilterSchema>;

export const doseRequestSchemas = {
  'dose.get': z.strictObject({ studyInstanceUid: studyUidSchema }),
  'dose.recordManual': manualDoseSchema,
  'dose.setReason': z.strictObject({
    studyInstanceUid: studyUidSchema,
    reason: z.string({ error: 'give the reason as text' }).trim().min(3, 'give the reason the study is above its reference level').max(1000, 'the reason has at most 1000 characters'),
  }),
  'dose.log': doseLogFilterSchema,
  'dose.patientHistory': z.strictObject({ patientId: z.string().trim().min(1, 'give the patient ID').max(64) }),
  'dose.exportCsv': doseLogFilterSchema,
} as const;

// ---------------------------------------------------------------- responses

export type KFactorChoice = (typeof K_FACTOR_CHOICES)[number];

export interface EffectiveDoseView {
  effectiveDoseMsv: number;
  /** mSv per mGy·cm, as applied when the record was made. */
  kFactor: number;
  kFactorChoice: KFactorChoice;
  /** Where k comes from (publication), as stored with the record. */
  kFactorSource: string;
}

/** One recorded dose of a study (records are never changed; corrections are new records). */
export interface DoseRecordView {
  id: number;
  studyInstanceUid: string;
  source: DoseSource;
  /** Where each value came from (all the record's source today; kept per value for the display). */
  valueSources: { ctdivolMgy: DoseSource | null; dlpTotalMgyCm: DoseSource | null; events: DoseSource };
  sourceSopInstanceUids: string[];
  events: DoseEvent[];
  dlpTotalMgyCm: number | null;
  /** The highest event CTDIvol: what is compared with the reference level. */
  ctdivolMaxMgy: number | null;
  protocol: string | null;
  scanner: StudyDose['scanner'];
  studyDate: string | null;
  patientId: string | null;
  effectiveDose: EffectiveDoseView | null;
  alerts: DoseCheckAlert[];
  reference: ReferenceCheck;
  comment: string | null;
  recordedBy: string;
  recordedAt: string;
}

export interface DoseReasonView {
  reason: string;
  doseRecordId: number;
  recordedBy: string;
  recordedAt: string;
}

export interface DoseView {
  studyInstanceUid: string;
  /** The record in effect: the newest of the most preferred source (RDSR, then manual, then image header). */
  current: DoseRecordView | null;
  /** Set when there is no record ("no dose recorded: enter it manually") or values are missing. */
  message: string | null;
  /** Every record, newest first. */
  history: DoseRecordView[];
  /** The technologist's reason for a study above its reference level (the newest). */
  reason: DoseReasonView | null;
  /** Above the level and no reason given yet. */
  reasonNeeded: boolean;
}

export interface DoseLogRow {
  studyInstanceUid: string;
  patientId: string | null;
  patientName: string | null;
  studyDate: string | null;
  protocol: string | null;
  scanner: string | null;
  source: DoseSource;
  ctdivolMgy: number | null;
  dlpMgyCm: number | null;
  effectiveDoseMsv: number | null;
  kFactor: number | null;
  referenceLevel: ReferenceLevel | null;
  aboveReference: boolean;
  reason: string | null;
}

export interface DoseQuartiles {
  min: number;
  q1: number;
  median: number;
  q3: number;
  max: number;
}

export interface ProtocolDoseDistribution {
  protocol: string;
  studies: number;
  ctdivolMgy: DoseQuartiles | null;
  dlpMgyCm: DoseQuartiles | null;
  /** The level of this protocol under the current settings. */
  referenceLevel: ReferenceLevel | null;
}

export interface DoseLogResponse {
  /** Oldest study first (chart order). */
  rows: DoseLogRow[];
  protocols: ProtocolDoseDistribution[];
  /** The reference levels in the settings now (the lines on the charts). */
  referenceLevels: ReferenceLevel[];
}

export interface PatientDoseStudy {
  studyInstanceUid: string;
  studyDate: string | null;
  protocol: string | null;
  source: DoseSource | null;
  dlpMgyCm: number | null;
  effectiveDoseMsv: number | null;
  kFactor: number | null;
  cumulativeDlpMgyCm: number;
  cumulativeEffectiveDoseMsv: number;
}

export interface PatientDoseHistory {
  patientId: string;
  patientName: string | null;
  /** Oldest first; studies without a recorded dose are listed and add nothing. */
  studies: PatientDoseStudy[];
  totalDlpMgyCm: number;
  totalEffectiveDoseMsv: number;
  studiesWithoutDose: number;
}

export interface DoseResponseByChannel {
  'dose.get': DoseView;
  'dose.recordManual': DoseView;
  'dose.setReason': DoseView;
  'dose.log': DoseLogResponse;
  'dose.patientHistory': PatientDoseHistory;
  'dose.exportCsv': { fileName: string; csv: string; rows: number };
}
