/**
 * The content tree of a DICOM Structured Report read from a dicom-parser DataSet: value type, concept
 * name, coded / numeric / text values, children. Codes are compared by Code Value + Coding Scheme
 * Designator, with the meaning as a fallback for writers that leave the code empty (seen in the
 * Spectrum Dynamics RDSR). No dose knowledge here.
 */
import type dicomParser from 'dicom-parser';

type DataSet = dicomParser.DataSet;

export interface Code {
  value: string;
  scheme: string;
  meaning: string;
}

export interface ContentItem {
  valueType: string;
  concept: Code | null;
  dataSet: DataSet;
  children: ContentItem[];
}

/** A coded concept we look for: DCM codes unless said otherwise. */
export interface KnownCode {
  value: string;
  meaning: string;
  scheme?: string;
}

const CONTENT_SEQUENCE = 'x0040a730';
const CONCEPT_NAME_CODE_SEQUENCE = 'x0040a043';
const CONCEPT_CODE_SEQUENCE = 'x0040a168';
const MEASURED_VALUE_SEQUENCE = 'x0040a300';
const MEASUREMENT_UNITS_CODE_SEQUENCE = 'x004008ea';

const utf8 = new TextDecoder('utf-8', { fatal: true });
const latin1 = new TextDecoder('latin1');

/**
 * A string value, trimmed. Bytes that are valid UTF-8 are read as UTF-8 (ISO_IR 192, and writers that
 * put UTF-8 in a Latin-1 file, as the Siemens TAP RDSR does), anything else as Latin-1.
 */
export function text(dataSet: DataSet, tag: string): string | null {
  const element = dataSet.elements[tag];
  if (!element || element.length === 0 || element.items) return null;
  const end = Math.min(element.dataOffset + element.length, dataSet.byteArray.length);
  const bytes = dataSet.byteArray.subarray(element.dataOffset, end);
  let value: string;
  try {
    value = utf8.decode(bytes);
  } catch {
    value = latin1.decode(bytes);
  }
  value = value.replace(/\0/g, '').trim();
  return value ? value : null;
}

/** The first item of a code sequence as a Code (Code Value, Long Code Value or URN Code Value). */
export function readCode(dataSet: DataSet, sequenceTag: string): Code | null {
  const item = dataSet.elements[sequenceTag]?.items?.[0]?.dataSet;
  if (!item) return null;
  return {
    value: text(item, 'x00080100') ?? text(item, 'x00080119') ?? text(item, 'x00080120') ?? '',
    scheme: text(item, 'x00080102') ?? '',
    meaning: text(item, 'x00080104') ?? '',
  };
}

export function codeMatches(code: Code | null, known: KnownCode): boolean {
  if (!code) return false;
  const scheme = known.scheme ?? 'DCM';
  if (code.value === known.value && (code.scheme === scheme || code.scheme === '')) return true;
  return code.value === '' && code.meaning.toLowerCase() === known.meaning.toLowerCase();
}

export function contentItems(dataSet: DataSet): ContentItem[] | null {
  const element = dataSet.elements[CONTENT_SEQUENCE];
  if (!element) return null;
  return (element.items ?? []).flatMap((item) => (item.dataSet ? [readItem(item.dataSet)] : []));
}

function readItem(dataSet: DataSet): ContentItem {
  return {
    valueType: text(dataSet, 'x0040a040') ?? '',
    concept: readCode(dataSet, CONCEPT_NAME_CODE_SEQUENCE),
    dataSet,
    children: contentItems(dataSet) ?? [],
  };
}

export function documentTitle(dataSet: DataSet): Code | null {
  return readCode(dataSet, CONCEPT_NAME_CODE_SEQUENCE);
}

export function findChild(items: ContentItem[], known: KnownCode): ContentItem | undefined {
  return items.find((item) => codeMatches(item.concept, known));
}

export function findChildren(items: ContentItem[], known: KnownCode): ContentItem[] {
  return items.filter((item) => codeMatches(item.concept, known));
}

export function codedValue(item: ContentItem | undefined): Code | null {
  return item ? readCode(item.dataSet, CONCEPT_CODE_SEQUENCE) : null;
}

export function textValue(item: ContentItem | undefined): string | null {
  if (!item) return null;
  return text(item.dataSet, 'x0040a160') ?? text(item.dataSet, 'x0040a124') ?? text(item.dataSet, 'x0040a123') ?? text(item.dataSet, 'x0040a120');
}

export interface Measurement {
  value: number;
  /** UCUM code of the unit as written ('' when absent). */
  unit: string;
}

/**
 * The value of a NUM item: Numeric Value (DS; a multi-valued DS gives its first value) or the
 * Floating Point Value beside it. Null when the item carries no value (e.g. a Numeric Value Qualifier).
 */
/** True when the item holds a numeric value at all, even one that is not a finite number. */
export function hasMeasuredValue(item: ContentItem | undefined): boolean {
  const measured = item?.dataSet.elements[MEASURED_VALUE_SEQUENCE]?.items?.[0]?.dataSet;
  return measured !== undefined && (measured.elements.x0040a30a !== undefined || measured.elements.x0040a161 !== undefined);
}

export function measurement(item: ContentItem | undefined): Measurement | null {
  const measured = item?.dataSet.elements[MEASURED_VALUE_SEQUENCE]?.items?.[0]?.dataSet;
  if (!measured) return null;
  let value = measured.elements.x0040a30a ? measured.floatString('x0040a30a', 0) : undefined;
  if ((value === undefined || Number.isNaN(value)) && measured.elements.x0040a161) value = measured.double('x0040a161');
  if (value === undefined || !Number.isFinite(value)) return null;
  const unit = readCode(measured, MEASUREMENT_UNITS_CODE_SEQUENCE);
  return { value, unit: unit?.value || unit?.meaning || '' };
}
