/**
 * Reading one DICOM Part 10 file with dicom-parser: the bytes, the parse, and the clear error
 * when the file is not DICOM, is a DICOMDIR, or is damaged. No maths here.
 */
import { open, readFile } from 'node:fs/promises';
import { inflateRawSync } from 'node:zlib';
import dicomParser from 'dicom-parser';
import { DicomLoadError } from './loadIssues.js';

export type DataSet = dicomParser.DataSet;

const PREAMBLE_BYTES = 128;
/** Enough for the header of every CT image seen in practice; larger headers are re-read whole. */
const HEADER_PROBE_BYTES = 16 * 1024;
const IMPLICIT_LITTLE_ENDIAN = '1.2.840.10008.1.2';

export interface ParsedFile {
  dataSet: DataSet;
  /** False when the Pixel Data was deliberately not read (header-only parse). */
  complete: boolean;
  fileSizeBytes: number;
}

export function hasPart10Prefix(bytes: Uint8Array): boolean {
  return (
    bytes.length >= PREAMBLE_BYTES + 4 &&
    bytes[PREAMBLE_BYTES] === 0x44 && // D
    bytes[PREAMBLE_BYTES + 1] === 0x49 && // I
    bytes[PREAMBLE_BYTES + 2] === 0x43 && // C
    bytes[PREAMBLE_BYTES + 3] === 0x4d // M
  );
}

/**
 * Old exports without preamble start straight with a group 0008 element in implicit little endian.
 * Accepting them is what a workstation is expected to do; anything else is not DICOM.
 */
function looksLikeRawImplicitDataSet(bytes: Uint8Array): boolean {
  return bytes.length >= 8 && bytes[0] === 0x08 && bytes[1] === 0x00 && bytes[3] === 0x00;
}

function rawParseFailure(reason: unknown): string {
  if (reason instanceof Error) return reason.message;
  if (typeof reason === 'string') return reason;
  if (reason && typeof reason === 'object' && 'exception' in reason) return String((reason as { exception: unknown }).exception);
  return String(reason);
}

/**
 * What a dicom-parser exception means, in words a technologist can act on; its own text
 * ("dicomParser.readFixedString: attempt to read past end of buffer") is never shown.
 */
export function describeParseFailure(reason: unknown): string {
  const raw = rawParseFailure(reason);
  if (/past end of buffer|buffer overread|beyond the end|out of range|offset is outside/i.test(raw)) return 'it ends in the middle of an element';
  if (/inflate|deflate|zlib|incorrect header check|invalid (block|stored|distance)/i.test(raw)) return 'its compressed (deflated) data set cannot be unpacked';
  if (/basic offset table|fragment|encapsulated/i.test(raw)) return 'its compressed pixel data is malformed';
  if (/sequence|item|delimit/i.test(raw)) return 'a sequence in it is malformed';
  if (/transfer syntax/i.test(raw)) return 'its transfer syntax cannot be read';
  return 'its contents do not follow the DICOM format';
}

/**
 * Deflated data sets: dicom-parser's own Node path expects a Buffer; inflate the bytes after the
 * file meta header ourselves and hand back header + inflated data set.
 */
export function inflateDataSet(bytes: Uint8Array, position: number): Uint8Array {
  const inflated = inflateRawSync(bytes.subarray(position));
  const whole = new Uint8Array(position + inflated.length);
  whole.set(bytes.subarray(0, position));
  whole.set(inflated, position);
  return whole;
}

function parse(bytes: Uint8Array, untilPixelData: boolean): DataSet {
  const options: dicomParser.ParseDicomOptions & { inflater?: (bytes: Uint8Array, position: number) => Uint8Array } = {
    inflater: inflateDataSet,
  };
  if (untilPixelData) options.untilTag = 'x7fe00010';
  if (!hasPart10Prefix(bytes)) options.TransferSyntaxUID = IMPLICIT_LITTLE_ENDIAN;
  return dicomParser.parseDicom(bytes, options);
}

/** Throws a DicomLoadError naming the file when it is not DICOM at all. */
function checkIsDicom(bytes: Uint8Array, file: string): void {
  if (!hasPart10Prefix(bytes) && !looksLikeRawImplicitDataSet(bytes)) {
    throw new DicomLoadError('not-dicom', `${file} is not a DICOM file (no DICM marker): ignored`, file);
  }
}

/**
 * Parse the header of a file (everything before Pixel Data), reading only its first bytes when
 * they suffice. A damaged file gives a DicomLoadError that names it.
 */
export async function readDicomHeader(file: string): Promise<ParsedFile> {
  const handle = await open(file, 'r');
  let probe: Uint8Array;
  let fileSizeBytes: number;
  try {
    fileSizeBytes = (await handle.stat()).size;
    const length = Math.min(fileSizeBytes, HEADER_PROBE_BYTES);
    probe = new Uint8Array(length);
    if (length > 0) await handle.read(probe, 0, length, 0);
  } finally {
    await handle.close();
  }
  if (fileSizeBytes === 0) throw new DicomLoadError('not-dicom', `${file} is empty (0 bytes): ignored`, file);
  checkIsDicom(probe, file);
  if (probe.length < fileSizeBytes) {
    try {
      return { dataSet: parse(probe, true), complete: false, fileSizeBytes };
    } catch {
      // The header runs past the probe, or the data set is deflated: parse the whole file.
    }
  }
  const whole = probe.length < fileSizeBytes ? asBytes(await readFile(file)) : probe;
  return { dataSet: parseWhole(whole, file, true), complete: false, fileSizeBytes };
}

/** Parse a whole file, pixel data included. */
export async function readDicomFile(file: string): Promise<ParsedFile> {
  const bytes = asBytes(await readFile(file));
  if (bytes.length === 0) throw new DicomLoadError('not-dicom', `${file} is empty (0 bytes)`, file);
  checkIsDicom(bytes, file);
  return { dataSet: parseWhole(bytes, file, false), complete: true, fileSizeBytes: bytes.length };
}

/**
 * dicom-parser accepts a file cut inside its last element (typically the pixel data) without
 * complaint: an element that claims more bytes than the file holds means the file is truncated.
 */
/**
 * dicom-parser accepts an element that claims more bytes than the file holds: that is a cut file.
 * Says which element and how short it is, or null when every element is whole.
 */
export function truncatedElement(dataSet: DataSet): string | null {
  const available = dataSet.byteArray.length;
  for (const element of Object.values(dataSet.elements)) {
    if (!element.hadUndefinedLength && element.dataOffset + element.length > available) {
      return `element ${element.tag} needs ${element.length} bytes, ${Math.max(0, available - element.dataOffset)} are there`;
    }
  }
  return null;
}

function checkComplete(dataSet: DataSet, file: string): void {
  const truncated = truncatedElement(dataSet);
  if (truncated) throw new DicomLoadError('truncated-file', `${file} is truncated or damaged and cannot be read (${truncated}); copy it again from the source`, file);
}

/** Parse DICOM bytes already in memory (e.g. received over the network), pixel data included. */
export function parseDicomBytes(bytes: Uint8Array, name: string): DataSet {
  if (bytes.length === 0) throw new DicomLoadError('not-dicom', `${name} is empty (0 bytes)`, name);
  checkIsDicom(bytes, name);
  return parseWhole(bytes, name, false);
}

/** A view on the Buffer's bytes (no copy). */
function asBytes(buffer: Buffer): Uint8Array {
  return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
}

function parseWhole(bytes: Uint8Array, file: string, untilPixelData: boolean): DataSet {
  try {
    const dataSet = parse(bytes, untilPixelData);
    if (!untilPixelData) checkComplete(dataSet, file);
    return dataSet;
  } catch (reason) {
    if (reason instanceof DicomLoadError) throw reason;
    throw new DicomLoadError(
      'truncated-file',
      `${file} is truncated or damaged and cannot be read (${describeParseFailure(reason)}); copy it again from the source`,
      file,
    );
  }
}
