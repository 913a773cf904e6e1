/**
 * Search keys and the matches a PACS returns, the same whether the answer came by C-FIND or by
 * QIDO-RS, so the worklist shows one kind of row whatever way the PACS was reached.
 */
import { z } from 'zod';

const dicomDate = z.string().regex(/^\d{8}$/, 'a date is written YYYYMMDD');
/** Free text sent as a DICOM matching key: no backslash (a value separator) and no control characters. */
const matchingText = z
  .string()
  .trim()
  .max(64)
  .regex(/^[^\\\x00-\x1f]*$/, 'a search value cannot contain a backslash or control characters');

export const studyQuerySchema = z
  .object({
    /** DICOM PN matching; `*` and `?` are wildcards ("DOE*"). */
    patientName: matchingText.optional(),
    patientId: matchingText.optional(),
    studyDateFrom: dicomDate.optional(),
    studyDateTo: dicomDate.optional(),
    modality: z
      .string()
      .trim()
      .regex(/^[A-Z0-9_]{1,16}$/i, 'a modality is a short code such as CT')
      .transform((modality) => modality.toUpperCase())
      .optional(),
    accessionNumber: matchingText.optional(),
    studyInstanceUid: z.string().regex(/^[0-9.]{1,64}$/, 'not a DICOM UID').optional(),
  })
  .refine((query) => !query.studyDateFrom || !query.studyDateTo || query.studyDateFrom <= query.studyDateTo, {
    message: 'the "from" date is after the "to" date',
  });

export type StudyQuery = z.input<typeof studyQuerySchema>;

export interface StudyMatch {
  studyInstanceUid: string;
  /** DICOM form, components separated by ^ ("DOE^JANE"). */
  patientName?: string;
  patientId?: string;
  patientBirthDate?: string;
  patientSex?: string;
  studyDate?: string;
  studyTime?: string;
  studyDescription?: string;
  accessionNumber?: string;
  modalitiesInStudy: string[];
  numberOfSeries?: number;
  numberOfInstances?: number;
}

export interface SeriesMatch {
  studyInstanceUid: string;
  seriesInstanceUid: string;
  seriesNumber?: number;
  modality?: string;
  seriesDescription?: string;
  numberOfInstances?: number;
}

export interface InstanceMatch {
  studyInstanceUid: string;
  seriesInstanceUid: string;
  sopInstanceUid: string;
  sopClassUid?: string;
  instanceNumber?: number;
}

/** The DICOM range form: "from-to", "from-", "-to" (PS3.4 C.2.2.2.5). */
export function dateRange(from?: string, to?: string): string | undefined {
  if (!from && !to) return undefined;
  if (from && to && from === to) return from;
  return `${from ?? ''}-${to ?? ''}`;
}

/** Validated keys, ready to send; throws a ZodError with readable issues. */
export function normaliseStudyQuery(query: StudyQuery): z.output<typeof studyQuerySchema> {
  return studyQuerySchema.parse(query);
}

// ---- values as dcmjs naturalizes them (C-FIND) and as DICOM JSON carries them (QIDO-RS) ----

/** dcmjs gives PN as [{Alphabetic: "A^B"}], strings, numbers or arrays of them. */
export function textValue(value: unknown): string | undefined {
  const first = Array.isArray(value) ? value[0] : value;
  if (first === undefined || first === null) return undefined;
  if (typeof first === 'object') {
    const alphabetic = (first as { Alphabetic?: unknown }).Alphabetic;
    return typeof alphabetic === 'string' && alphabetic.trim() ? alphabetic.trim() : undefined;
  }
  const text = String(first).trim();
  return text ? text : undefined;
}

export function textValues(value: unknown): string[] {
  if (value === undefined || value === null || value === '') return [];
  const values = Array.isArray(value) ? value : String(value).split('\\');
  return values.map((entry) => textValue(entry)).filter((entry): entry is string => entry !== undefined);
}

export function numberValue(value: unknown): number | undefined {
  const text = textValue(value);
  if (text === undefined) return undefined;
  const number = Number(text);
  return Number.isFinite(number) ? number : undefined;
}

/** A DICOM JSON data set (PS3.18 F.2): tag -> {vr, Value}. */
export type DicomJsonDataSet = Record<string, { vr?: string; Value?: unknown[]; BulkDataURI?: string } | undefined>;

export function jsonValue(dataSet: DicomJsonDataSet, tag: string): unknown {
  return dataSet[tag]?.Value;
}

/** Names used in C-FIND identifiers (dcmjs keywords) and their tags for DICOM JSON. */
export const TAGS = {
  SpecificCharacterSet: '00080005',
  StudyDate: '00080020',
  StudyTime: '00080030',
  AccessionNumber: '00080050',
  Modality: '00080060',
  ModalitiesInStudy: '00080061',
  StudyDescription: '00081030',
  SeriesDescription: '0008103E',
  PatientName: '00100010',
  PatientID: '00100020',
  PatientBirthDate: '00100030',
  PatientSex: '00100040',
  StudyInstanceUID: '0020000D',
  SeriesInstanceUID: '0020000E',
  SeriesNumber: '00200011',
  InstanceNumber: '00200013',
  SOPClassUID: '00080016',
  SOPInstanceUID: '00080018',
  NumberOfStudyRelatedSeries: '00201206',
  NumberOfStudyRelatedInstances: '00201208',
  NumberOfSeriesRelatedInstances: '00201209',
} as const;

export type KeywordReader = (keyword: keyof typeof TAGS) => unknown;

export function readStudyMatch(read: KeywordReader): StudyMatch | undefined {
  const studyInstanceUid = textValue(read('StudyInstanceUID'));
  if (!studyInstanceUid) return undefined;
  return withoutUndefined({
    studyInstanceUid,
    patientName: textValue(read('PatientName')),
    patientId: textValue(read('PatientID')),
    patientBirthDate: textValue(read('PatientBirthDate')),
    patientSex: textValue(read('PatientSex')),
    studyDate: textValue(read('StudyDate')),
    studyTime: textValue(read('StudyTime')),
    studyDescription: textValue(read('StudyDescription')),
    accessionNumber: textValue(read('AccessionNumber')),
    modalitiesInStudy: textValues(read('ModalitiesInStudy')),
    numberOfSeries: numberValue(read('NumberOfStudyRelatedSeries')),
    numberOfInstances: numberValue(read('NumberOfStudyRelatedInstances')),
  });
}

export function readSeriesMatch(read: KeywordReader, studyInstanceUid: string): SeriesMatch | undefined {
  const seriesInstanceUid = textValue(read('SeriesInstanceUID'));
  if (!seriesInstanceUid) return undefined;
  return withoutUndefined({
    studyInstanceUid: textValue(read('StudyInstanceUID')) ?? studyInstanceUid,
    seriesInstanceUid,
    seriesNumber: numberValue(read('SeriesNumber')),
    modality: textValue(read('Modality')),
    seriesDescription: textValue(read('SeriesDescription')),
    numberOfInstances: numberValue(read('NumberOfSeriesRelatedInstances')),
  });
}

export function readInstanceMatch(read: KeywordReader, studyInstanceUid: string, seriesInstanceUid: string): InstanceMatch | undefined {
  const sopInstanceUid = textValue(read('SOPInstanceUID'));
  if (!sopInstanceUid) return undefined;
  return withoutUndefined({
    studyInstanceUid: textValue(read('StudyInstanceUID')) ?? studyInstanceUid,
    seriesInstanceUid: textValue(read('SeriesInstanceUID')) ?? seriesInstanceUid,
    sopInstanceUid,
    sopClassUid: textValue(read('SOPClassUID')),
    instanceNumber: numberValue(read('InstanceNumber')),
  });
}

function withoutUndefined<T extends object>(value: T): T {
  for (const key of Object.keys(value) as (keyof T)[]) if (value[key] === undefined) delete value[key];
  return value;
}

/** Studies newest first, then by patient: the order a worklist shows. */
export function sortStudies(studies: StudyMatch[]): StudyMatch[] {
  return studies.sort((a, b) => (b.studyDate ?? '').localeCompare(a.studyDate ?? '') || (a.patientName ?? '').localeCompare(b.patientName ?? ''));
}

export function sortSeries(series: SeriesMatch[]): SeriesMatch[] {
  return series.sort((a, b) => (a.seriesNumber ?? Infinity) - (b.seriesNumber ?? Infinity) || a.seriesInstanceUid.localeCompare(b.seriesInstanceUid));
}
