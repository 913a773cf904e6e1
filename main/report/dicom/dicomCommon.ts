/**
 * What the report's DICOM objects share: the patient and study modules copied from the report
 * content, the general equipment, DICOM date/time/person-name formatting with the length and
 * character checks dcmjs does not enforce, and the Part 10 writer (Explicit VR Little Endian).
 * Every value comes from the report version (never the clock), so a rewrite gives the same bytes.
 */
import { data as dcmjsData } from 'dcmjs';
import type { ReportVersion } from '../reportContent.js';
// One Implementation Class UID for everything this workstation writes (received files and reports alike).
import { IMPLEMENTATION_CLASS_UID, IMPLEMENTATION_VERSION_NAME } from '../../dimse/part10File.js';

export const EXPLICIT_VR_LITTLE_ENDIAN = '1.2.840.10008.1.2.1';

/** Bad report input for a DICOM object: the message says which field and what to fix. */
export class ReportDicomError extends Error {
  override name = 'ReportDicomError';
}

export interface ReportDicomOptions {
  institutionName?: string;
  stationName?: string;
  /**
   * The images' Study ID (0020,0010), when the caller knows it (the archive does; ReportContent
   * does not carry it). Left empty otherwise: a made-up Study ID would disagree with the images.
   */
  studyId?: string;
}

export type Dataset = Record<string, unknown>;

// Value length limits (PS3.5 Table 6.2-1), in characters.
const MAX_CHARS = { SH: 16, LO: 64, PN: 64, LT: 10240, ST: 1024 } as const;
/** UT holds up to 2^32-2 bytes; we refuse absurd text far below that (a report is a few pages). */
export const MAX_UT_BYTES = 1_000_000;

// Control characters other than ESC are forbidden in SH/LO/PN; UT/LT/ST allow CR, LF, FF, TAB.
const SINGLE_LINE_FORBIDDEN = /[\u0000-\u001a\u001c-\u001f\\]/;
const TEXT_FORBIDDEN = /[\u0000-\u0008\u000b\u000e-\u001a\u001c-\u001f]/;

export function checkedString(value: string, vr: 'SH' | 'LO', field: string): string {
  const trimmed = value.trim();
  if (SINGLE_LINE_FORBIDDEN.test(trimmed)) throw new ReportDicomError(`${field} contains a backslash or a control character, which DICOM ${vr} does not allow: "${trimmed}"`);
  if ([...trimmed].length > MAX_CHARS[vr]) {
    throw new ReportDicomError(`${field} is ${[...trimmed].length} characters, DICOM ${vr} allows at most ${MAX_CHARS[vr]}: "${trimmed}"`);
  }
  return trimmed;
}

export function optionalString(value: string | null | undefined, vr: 'SH' | 'LO', field: string): string {
  return value == null ? '' : checkedString(value, vr, field);
}

/** Free text for UT (Text Value): newlines kept, other control characters refused. */
export function checkedText(value: string, field: string): string {
  if (TEXT_FORBIDDEN.test(value)) throw new ReportDicomError(`${field} contains a control character that DICOM text cannot hold`);
  const bytes = Buffer.byteLength(value, 'utf8');
  if (bytes > MAX_UT_BYTES) throw new ReportDicomError(`${field} is ${bytes} bytes, more than the ${MAX_UT_BYTES} a report text may hold: shorten it`);
  return value.replace(/\s+$/, '');
}

const NAME_PREFIXES = new Set(['dr', 'dr.', 'prof', 'prof.', 'mr', 'mr.', 'mrs', 'mrs.', 'ms', 'ms.', 'miss']);

/**
 * A person name as DICOM PN. "FAMILY^GIVEN" stays as is; free text ("Dr Jane Reader") is split into
 * components (Reader^Jane^^Dr: last word family, a leading title the prefix), because a PN with
 * spaces and no "^" is the retired ACR-NEMA form that validators flag and viewers may misorder.
 */
export function personName(value: string | null | undefined, field: string): string {
  if (value == null) return '';
  const trimmed = value.trim().replace(/\s+/g, ' ');
  if (SINGLE_LINE_FORBIDDEN.test(trimmed) || trimmed.includes('=')) {
    throw new ReportDicomError(`${field} "${trimmed}" contains a backslash, "=" or a control character, which a DICOM person name cannot hold`);
  }
  let name = trimmed;
  if (!trimmed.includes('^') && trimmed.includes(' ')) {
    const words = trimmed.split(' ');
    const prefix = NAME_PREFIXES.has(words[0].toLowerCase()) ? words.shift() ?? '' : '';
    const family = words.pop() ?? '';
    name = [family, words.join(' '), '', prefix].join('^').replace(/\^+$/, '');
  }
  const groupLength = [...name].length;
  if (groupLength > MAX_CHARS.PN) throw new ReportDicomError(`${field} is ${groupLength} characters, a DICOM person name allows at most ${MAX_CHARS.PN}: "${trimmed}"`);
  return name;
}

/** "YYYY-MM-DD" or "YYYYMMDD" -> "YYYYMMDD"; null -> "" (Type 2 attributes stay present, empty). */
export function dicomDate(value: string | null | undefined, field: string): string {
  if (value == null || value.trim() === '') return '';
  const match = /^(\d{4})-?(\d{2})-?(\d{2})$/.exec(value.trim());
  const date = match ? new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3]))) : null;
  if (!match || !date || date.getUTCMonth() !== Number(match[2]) - 1 || date.getUTCDate() !== Number(match[3])) {
    throw new ReportDicomError(`${field} "${value}" is not a date (expected YYYY-MM-DD)`);
  }
  return `${match[1]}${match[2]}${match[3]}`;
}

/** "HHMMSS", "HH:MM:SS" or with a fraction -> DICOM TM; null -> "". */
export function dicomTime(value: string | null | undefined, field: string): string {
  if (value == null || value.trim() === '') return '';
  const compact = value.trim().replace(/:/g, '');
  const match = /^([01]\d|2[0-3])([0-5]\d)?([0-5]\d)?(\.\d{1,6})?$/.exec(compact);
  if (!match || (match[3] === undefined && match[4] !== undefined)) throw new ReportDicomError(`${field} "${value}" is not a time (expected HHMMSS)`);
  return compact;
}

export interface UtcDateTime {
  date: string;
  time: string;
  /** DICOM DT with an explicit UTC offset. */
  dateTime: string;
}

/** An ISO timestamp (signedAt, createdAt) as DICOM date, time and DT, in UTC. */
export function utcDateTime(iso: string, field: string): UtcDateTime {
  const ms = Date.parse(iso);
  if (!Number.isFinite(ms)) throw new ReportDicomError(`${field} "${iso}" is not a timestamp`);
  const d = new Date(ms);
  const pad = (n: number, width = 2): string => String(n).padStart(width, '0');
  const date = `${pad(d.getUTCFullYear(), 4)}${pad(d.getUTCMonth() + 1)}${pad(d.getUTCDate())}`;
  const millis = d.getUTCMilliseconds();
  const time = `${pad(d.getUTCHours())}${pad(d.getUTCMinutes())}${pad(d.getUTCSeconds())}${millis ? `.${pad(millis, 3)}` : ''}`;
  return { date, time, dateTime: `${date}${time}+0000` };
}

function sexCode(value: string | null): string {
  if (value == null || value.trim() === '') return '';
  const upper = value.trim().toUpperCase();
  if (upper === 'M' || upper === 'MALE') return 'M';
  if (upper === 'F' || upper === 'FEMALE') return 'F';
  if (upper === 'O' || upper === 'OTHER') return 'O';
  throw new ReportDicomError(`patient sex "${value}" is not M, F or O`);
}

/** Patient and General Study modules, copied from the content so the objects join the images' study. */
export function patientAndStudy(version: ReportVersion, options: ReportDicomOptions = {}): Dataset {
  const { patient, study } = version.content;
  if (!patient.patientId || patient.patientId.trim() === '') throw new ReportDicomError('the patient has no Patient ID: the report cannot be filed in PACS');
  return {
    PatientName: personName(patient.name, 'patient name'),
    PatientID: checkedString(patient.patientId, 'LO', 'Patient ID'),
    PatientBirthDate: dicomDate(patient.birthDate, 'patient birth date'),
    PatientSex: sexCode(patient.sex),
    StudyInstanceUID: study.studyInstanceUid,
    StudyDate: dicomDate(study.studyDate, 'study date'),
    StudyTime: dicomTime(study.studyTime, 'study time'),
    ReferringPhysicianName: personName(study.referringPhysician, 'referring physician'),
    StudyID: optionalString(options.studyId, 'SH', 'Study ID'),
    AccessionNumber: optionalString(study.accessionNumber, 'SH', 'accession number'),
    ...(study.description ? { StudyDescription: checkedString(study.description, 'LO', 'study description') } : {}),
  };
}

/** General Equipment: who made the object (the workstation), and where, when the site says so. */
export function equipment(version: ReportVersion, options: ReportDicomOptions): Dataset {
  const software = version.content.method.software;
  return {
    Manufacturer: 'CAC Workstation',
    ...(options.institutionName ? { InstitutionName: checkedString(options.institutionName, 'LO', 'institution name') } : {}),
    ...(options.stationName ? { StationName: checkedString(options.stationName, 'SH', 'station name') } : {}),
    ManufacturerModelName: 'CAC Workstation',
    SoftwareVersions: [checkedString(software, 'LO', 'software version'), checkedString(version.content.method.algorithmVersion, 'LO', 'algorithm version')],
  };
}

/**
 * The time the object's content was fixed: the signature, or the draft's creation. In UTC, so the
 * bytes do not depend on the workstation's time zone; the DT attributes say "+0000" explicitly.
 * No Timezone Offset From UTC: it would also claim the scanner's local Study Date/Time were UTC.
 */
export function contentMoment(version: ReportVersion): UtcDateTime {
  return version.signedAt ? utcDateTime(version.signedAt, 'signed at') : utcDateTime(version.createdAt, 'created at');
}

function hasNonAscii(value: unknown): boolean {
  if (typeof value === 'string') return /[^\u0000-\u007f]/.test(value);
  if (Array.isArray(value)) return value.some(hasNonAscii);
  if (value && typeof value === 'object' && !(value instanceof ArrayBuffer) && !ArrayBuffer.isView(value)) {
    return Object.values(value).some(hasNonAscii);
  }
  return false;
}

/**
 * The Part 10 file. Specific Character Set is ISO_IR 192 (UTF-8, what dcmjs writes) only when some
 * text is not ASCII, so plain-ASCII objects stay readable by the oldest PACS. The report objects are
 * Explicit VR Little Endian; tests write other syntaxes.
 */
export function writePart10(dataset: Dataset, sopClassUid: string, sopInstanceUid: string, transferSyntaxUid = EXPLICIT_VR_LITTLE_ENDIAN): Uint8Array {
  const full: Dataset = hasNonAscii(dataset) ? { SpecificCharacterSet: 'ISO_IR 192', ...dataset } : dataset;
  const meta = dcmjsData.DicomMetaDictionary.denaturalizeDataset({
    FileMetaInformationVersion: new Uint8Array([0, 1]).buffer,
    MediaStorageSOPClassUID: sopClassUid,
    MediaStorageSOPInstanceUID: sopInstanceUid,
    TransferSyntaxUID: transferSyntaxUid,
    ImplementationClassUID: IMPLEMENTATION_CLASS_UID,
    ImplementationVersionName: IMPLEMENTATION_VERSION_NAME,
    _vrMap: { FileMetaInformationVersion: 'OB' },
  });
  const file = new dcmjsData.DicomDict(meta);
  file.dict = dcmjsData.DicomMetaDictionary.denaturalizeDataset(full);
  return new Uint8Array(file.write());
}
