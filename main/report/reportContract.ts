/**
 * The report's part of the API contract: report.* and outbound.* request schemas (zod, validated
 * at the boundary) and response types. main/api/contract.ts spreads these into the one channel
 * table. No Node imports: the preload and the renderer share this file.
 */
import { z } from 'zod';
import type { ReportVersion } from './reportContent.js';
import type { EnteredRiskFactors } from '../../db/reportRepository.js';

import { uidSchema as uid } from '../api/uidSchema.js';
const reportId = z.number().int().positive();
const version = z.number().int().positive();
const readingId = z.number().int().positive();
const reportText = (label: string) => z.string({ error: `${label} must be text` }).max(20_000, `${label} has at most 20000 characters`);
const pacsName = z.string().trim().min(1, 'name the PACS (as in settings)').max(64);

/** A measured risk factor: the message names the factor and its unit. */
function factor(label: string, unit: string, min: number, max: number) {
  return z
    .number({ error: `${label} must be a number in ${unit}` })
    .min(min, `${label} must be at least ${min} ${unit}`)
    .max(max, `${label} must be at most ${max} ${unit} (check the unit)`)
    .nullable()
    .optional();
}
const yesNo = (label: string) => z.boolean({ error: `${label} is yes or no` }).nullable().optional();

/** The MESA inputs a person enters (the score comes from the reading; the age from the study, else as entered here). */
export const riskFactorsSchema = z.strictObject({
  ageYears: z
    .number({ error: 'age must be a number in years' })
    .int('age is in whole years')
    .min(18, 'age must be at least 18 years')
    .max(120, 'age must be at most 120 years (check the value)')
    .nullable()
    .optional(),
  sex: z.enum(['male', 'female']).nullable().optional(),
  race: z.enum(['white', 'chinese', 'african-american', 'hispanic']).nullable().optional(),
  diabetes: yesNo('diabetes'),
  currentSmoker: yesNo('current smoker'),
  totalCholesterolMgDl: factor('total cholesterol', 'mg/dL', 50, 600),
  hdlMgDl: factor('HDL cholesterol', 'mg/dL', 10, 200),
  lipidMedication: yesNo('lipid-lowering medication'),
  systolicBpMmHg: factor('systolic blood pressure', 'mmHg', 60, 260),
  bpMedication: yesNo('blood-pressure medication'),
  familyHistoryMi: yesNo('family history of heart attack'),
}) satisfies z.ZodType<EnteredRiskFactors>;

export const reportRequestSchemas = {
  /** The report of a series (null when none was started). */
  'report.get': z.strictObject({ seriesInstanceUid: uid }),
  /** Start the draft from an open reading, or refresh it with the reading's current scores. */
  'report.draft': z.strictObject({ readingId }),
  'report.saveText': z.strictObject({ reportId, version, findings: reportText('the findings'), impression: reportText('the impression') }),
  'report.riskFactors': z.strictObject({ studyInstanceUid: uid }),
  'report.saveRiskFactors': z.strictObject({ studyInstanceUid: uid, factors: riskFactorsSchema }),
  /** Sign the draft as shown: contentSha256 is the draft the reader saw, so a changed draft is not signed blind. */
  'report.sign': z.strictObject({
    reportId,
    version,
    contentSha256: z.string().regex(/^[0-9a-f]{64}$/, 'not a SHA-256'),
    /** The signer's password again: the second component of the electronic signature. */
    password: z.string({ error: 'enter your password to sign' }).min(1, 'enter your password to sign').max(256),
  }),
  /** Start an amendment of the signed report from the open reading. */
  'report.amend': z.strictObject({ reportId, readingId, reason: z.string().trim().min(3, 'give the reason for the amendment').max(1000) }),
  'report.discardDraft': z.strictObject({ reportId }),
  /** The PDF of a version (a draft is rendered with a DRAFT mark). */
  'report.pdf': z.strictObject({ reportId, version }),
  'report.export': z.strictObject({
    reportId,
    version,
    folder: z
      .string()
      .trim()
      .min(1, 'choose a folder')
      .max(4096)
      .regex(/^(\/|[A-Za-z]:[\\/]|\\\\)/, 'give the full path of the folder (e.g. /media/usb or E:\\)'),
  }),
  /** again: send once more what this PACS already has (a PACS that lost the study), not only what it lacks. */
  'report.send': z.strictObject({ reportId, version, pacs: pacsName, again: z.boolean().optional() }),
  /** Deliveries newest first; limit keeps the newest. */
  'outbound.list': z.strictObject({ studyInstanceUid: uid.optional(), limit: z.number().int().min(1).max(1000).optional() }),
  'outbound.retry': z.strictObject({ id: z.number().int().positive() }),
} as const;

export interface ReportSummary {
  reportId: number;
  studyInstanceUid: string;
  seriesInstanceUid: string;
  /** Every version, oldest first (drafts included). */
  versions: ReportVersion[];
  /** The draft if there is one, else the signed version in force. */
  current: ReportVersion;
  /** SHA-256 of current.content: what report.sign must be given to sign it. */
  currentSha256: string;
  /**
   * Whether this user may sign (role), and why not; the meaning shown before signing and bound into
   * the signature; who would sign (the signed-in account's display name and signing role).
   */
  signing: { allowed: boolean; reason?: string; meaning: string; signer: { displayName: string; role: string } | null };
  /** Signed versions whose signature does not hold (copied, content changed, missing): show loudly; their PDF, export and send are refused. */
  signatureProblems: string[];
  /** Deliveries of this report's objects to PACS. */
  deliveries: OutboundItem[];
}

export interface OutboundItem {
  id: number;
  sopInstanceUid: string;
  sopClassUid: string;
  studyInstanceUid: string;
  /** What the object is, for people: "Structured report v2", "PDF report v2". */
  description: string;
  destination: string;
  status: 'queued' | 'sending' | 'sent' | 'failed' | 'cancelled';
  attempts: number;
  nextAttemptAt: string | null;
  lastError: string | null;
  createdAt: string;
  sentAt: string | null;
  reportId: number | null;
  reportVersion: number | null;
}

export interface ReportResponseByChannel {
  'report.get': { report: ReportSummary | null };
  'report.draft': { report: ReportSummary };
  'report.saveText': { report: ReportSummary };
  'report.riskFactors': { factors: EnteredRiskFactors | null; enteredBy: string | null; enteredAt: string | null };
  'report.saveRiskFactors': { factors: EnteredRiskFactors; enteredBy: string; enteredAt: string };
  /** queued: objects queued for the PACS in settings.report.sendTo; deliveryProblems: those that could not be (the report is signed all the same). */
  'report.sign': { report: ReportSummary; queued: number; deliveryProblems: string[] };
  'report.amend': { report: ReportSummary };
  'report.discardDraft': { report: ReportSummary | null };
  'report.pdf': ArrayBuffer;
  'report.export': { files: string[] };
  /** queued: objects queued by this request; 0 when the PACS already has them all or they are on their way. */
  'report.send': { queued: number; objects: number };
  'outbound.list': { items: OutboundItem[] };
  'outbound.retry': { item: OutboundItem };
}

export interface ReportEvents {
  /** A report was drafted, signed or amended. */
  'report.changed': { reportId: number; studyInstanceUid: string; version: number; status: ReportVersion['status'] };
  /** A delivery to PACS moved on (queued, sending, sent, failed). */
  'outbound.changed': { item: OutboundItem };
}
