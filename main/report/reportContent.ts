/**
 * What a report says (CLINICAL.md sections 3 and 6): one immutable snapshot per report version,
 * assembled from the saved reading, the archive, the dose log and the procedure notes. The PDF,
 * the DICOM SR and the patient summary are all drawn from this one object, so they cannot disagree.
 * No Node imports: the renderer previews the same object.
 */
import type { Artery } from '../../native-worker/scoring/arteries.js';
import type { CalciumScore } from '../../native-worker/scoring/scores.js';
import type { CacCategoryCode, CacDrs, Category, ClassicCategoryCode } from '../../native-worker/risk/categories.js';
import type { MesaInput, MesaResult } from '../../native-worker/risk/mesa.js';
import type { Progression } from '../../native-worker/risk/progression.js';
import type { DoseSource } from '../dose/doseTypes.js';

export const REPORT_CONTENT_VERSION = 1;

export interface ReportPatient {
  name: string | null;
  patientId: string;
  birthDate: string | null;
  sex: string | null;
  /** Age at the study date, whole years, when birth and study dates are known. */
  ageYears: number | null;
}

export interface ReportStudy {
  studyInstanceUid: string;
  /** "YYYY-MM-DD" */
  studyDate: string | null;
  studyTime: string | null;
  accessionNumber: string | null;
  description: string | null;
  referringPhysician: string | null;
}

export interface ReportSeries {
  seriesInstanceUid: string;
  seriesNumber: number | null;
  slices: number;
  sliceThicknessMm: number | null;
  sliceIncrementMm: number;
  pixelSpacingMm: [number, number];
  kvp: number | null;
  /** SOP Instance UIDs of the scored images (the SR references them), in slice order. */
  sopInstanceUids: string[];
  /** SOP Class UID of the scored images. */
  sopClassUid: string;
}

export interface ReportMethod {
  thresholdHu: number;
  weightBoundsHu: number[];
  thresholdSource: string;
  minAreaMm2: number;
  massFactor: number | null;
  massFactorSource: string;
  /** "CAC Workstation 0.1.0" */
  software: string;
  /** "cac-scoring/1.0.0" */
  algorithmVersion: string;
}

export interface ReportDose {
  source: DoseSource;
  /** Largest CTDIvol of the study's events, mGy. */
  ctdivolMgy: number | null;
  dlpTotalMgyCm: number | null;
  effectiveDoseMsv: number | null;
  kFactor: number;
  kFactorSource: string;
  /** True when the study was above the protocol's reference level, with the recorded reason. */
  aboveReference: boolean;
  aboveReferenceReason: string | null;
  /**
   * What must be said with the DLP (main/dose/doseNotes.ts): estimated from the image headers,
   * head- and body-phantom DLP. Absent in reports made before it existed.
   */
  notes?: string[];
}

export interface ReportContent {
  contentVersion: typeof REPORT_CONTENT_VERSION;
  patient: ReportPatient;
  study: ReportStudy;
  series: ReportSeries;
  /** The reading the scores come from. */
  reading: { readingId: number; revision: number; reader: string };
  method: ReportMethod;
  /** Per artery and total, unrounded (rounded only when printed). */
  scores: { arteries: Record<Artery, CalciumScore>; total: CalciumScore };
  /** Printed with LM counted in the LAD row (setting display.reportLmWithLad when drafted; arteryRows.ts). Absent: the four arteries. */
  lmWithLad?: boolean;
  categories: {
    seed: Category<CacCategoryCode>;
    classic: Category<ClassicCategoryCode>;
    cacDrs: CacDrs;
    /** The wording printed for the CAC-DRS category, and whether it was the site's own text. */
    wording: { text: string; fromSite: boolean };
  };
  /** Acquisition warnings printed on the report. */
  warnings: Array<{ code: string; message: string }>;
  /** Risk factors as entered and the MESA result (a reason instead of a number when not computable). */
  risk: { factors: MesaInput; mesa: MesaResult } | null;
  /** Against the newest earlier scored study of the same patient. */
  progression: {
    prior: { studyInstanceUid: string; studyDate: string; agatston: number; volumeMm3: number; massMg: number | null };
    result: Progression;
  } | null;
  dose: ReportDose | null;
  /** Procedure notes the reader must know (claustrophobia, incomplete scan ...), one sentence each. */
  procedureNotes: string[];
  findings: string;
  impression: string;
}

/** A stored report version. Signed and amended versions are immutable (enforced in SQLite). */
export interface ReportVersion {
  reportId: number;
  version: number;
  status: 'draft' | 'signed' | 'superseded';
  content: ReportContent;
  createdAt: string;
  createdBy: string;
  signedAt: string | null;
  signedBy: string | null;
  /** The signed version this one amends, and why. */
  amends: { version: number; reason: string } | null;
  /** SHA-256 of the canonical content JSON at signing. */
  contentSha256: string | null;
  /** The electronic signature (issue 10): null for drafts and for versions signed before it existed. */
  signature?: ReportSignature | null;
  /** How the signature stood when this version was read (set on every read of a signed version). */
  signatureCheck?: SignatureCheck;
}

/** What an electronic signature binds (main/report/signature.ts makes and checks it). */
export interface ReportSignature {
  reportId: number;
  version: number;
  studyInstanceUid: string;
  signerUserId: number;
  /** The account's display name at signing: the name printed on the report. */
  printedName: string;
  /** The signing role the signer held (radiologist or cardiologist). */
  role: string;
  /** ISO 8601 in UTC ("2026-12-05T08:03:09.123Z"). */
  signedAtUtc: string;
  /** The same instant in the site's time zone, with its offset ("2026-12-05T09:03:09+01:00"). */
  signedAtLocal: string;
  /** IANA name of the site's zone ("Europe/Berlin"). */
  timeZone: string;
  /** What the signer declared ("Reviewed and approved as the reading physician"). */
  meaning: string;
  contentSha256: string;
  /** SHA-256 of the canonical JSON of all the fields above. */
  bindingSha256: string;
}

/** How a signed version's signature stands, checked on read. */
export type SignatureCheck =
  | { status: 'valid' }
  /** Signed before electronic signatures existed: a name, no password confirmation, no binding. */
  | { status: 'legacy'; message: string }
  /** The signature does not belong to this content or version: the version must not be used. */
  | { status: 'mismatch'; message: string }
  /** A signed version whose signature row is gone. */
  | { status: 'missing'; message: string };
