/**
 * Load one CT series into a Hounsfield-unit volume: read each file once, decode its pixels
 * (native or compressed), rescale into the slot its position gives it. I/O and routing only;
 * the rescale and checks are pure functions elsewhere.
 */
import { readDicomFile } from './dicomFile.js';
import { checkAcquisition } from './acquisitionChecks.js';
import { checkContrast } from './contrastCheck.js';
import { implausibleHeaderError, implausibleRescaleError } from './headerPlausibility.js';
import { huStorageFor, rescaleSlice, type HuArray } from './huRescale.js';
import { DicomLoadError, type LoadIssue } from './loadIssues.js';
import { decodeFrame, frameBytesFromDataSet } from './pixelDecoders.js';
import { orderSeries } from './seriesGeometry.js';
import type { SliceHeader } from './sliceHeader.js';
import { TRANSFER_SYNTAXES, transferSyntaxRefusal } from './transferSyntax.js';
import type { VolumeGeometry } from '../geometry/volumeGeometry.js';

export interface LoadedSeries {
  seriesInstanceUid: string;
  studyInstanceUid: string;
  seriesDescription?: string;
  transferSyntaxUid: string;
  kvp?: number;
  sliceThicknessMm?: number;
  geometry: VolumeGeometry;
  /** HU, column fastest, then row, then slice (index k along the normal). */
  hu: HuArray;
  /** The slices in volume order. */
  slices: SliceHeader[];
  issues: LoadIssue[];
}

export interface LoadOptions {
  signal?: AbortSignal;
  onProgress?: (slicesDone: number, slicesTotal: number) => void;
  /**
   * Called once the slices are ordered; the function it returns gets each slice as soon as it is
   * in the volume (in slice order), so work on it overlaps with reading the next files.
   */
  prepareSliceConsumer?: (geometry: VolumeGeometry, slices: SliceHeader[]) => (hu: HuArray, k: number) => void;
}

/** Slices read ahead of the one being rescaled. */
const READ_AHEAD = 4;

export async function loadSeries(headers: SliceHeader[], options: LoadOptions = {}): Promise<LoadedSeries> {
  // Nonsense in the header (slope 0, High Bit 0, negative thickness...) refuses the series before
  // any of it is used: a wrong score is worse than none.
  const implausible = headers.find((header) => header.implausibleValues?.length);
  if (implausible) throw implausibleHeaderError(implausible.file, implausible.implausibleValues!);
  const ordered = orderSeries(headers);
  const { geometry, slices } = ordered;
  for (const slice of slices) checkPixelFormat(slice);

  const pixelsPerSlice = geometry.columns * geometry.rows;
  const storage = huStorageFor(slices);
  const hu: HuArray =
    storage === 'int16' ? new Int16Array(pixelsPerSlice * slices.length) : new Float32Array(pixelsPerSlice * slices.length);
  const consumeSlice = options.prepareSliceConsumer?.(geometry, slices);
  let clamped = 0;
  // Reads run ahead of the rescale so disk (or page-cache copies) and CPU overlap.
  const pending = new Map<number, Promise<ArrayLike<number>>>();
  const readAhead = (k: number) => {
    if (k >= slices.length) return;
    const read = readStoredPixels(slices[k]);
    // A read may fail before its turn comes: it is awaited (and reported) then, not flagged now.
    read.catch(() => undefined);
    pending.set(k, read);
  };
  for (let k = 0; k < READ_AHEAD; k++) readAhead(k);
  for (let k = 0; k < slices.length; k++) {
    options.signal?.throwIfAborted();
    const stored = await pending.get(k)!;
    pending.delete(k);
    readAhead(k + READ_AHEAD);
    clamped += rescaleSlice(stored, slices[k], hu, k * pixelsPerSlice, pixelsPerSlice);
    consumeSlice?.(hu, k);
    options.onProgress?.(k + 1, slices.length);
  }

  const rescaleRefusal = implausibleRescaleError(hu, clamped, slices[0]);
  if (rescaleRefusal) throw rescaleRefusal;
  const issues: LoadIssue[] = [...checkAcquisition(ordered), ...checkContrast(hu, geometry)];
  if (clamped > 0) {
    issues.push({
      code: 'hu-clamped',
      severity: 'note',
      // Clamped values stay above every threshold: Agatston and volume are exact, mass is a lower bound.
      message: `${clamped} pixels above 32767 HU or below -32768 HU were clamped (metal); Agatston and volume scores are not affected, the mass of a lesion touching them is underestimated`,
    });
  }
  const first = slices[0];
  return {
    seriesInstanceUid: first.seriesInstanceUid,
    studyInstanceUid: first.studyInstanceUid,
    seriesDescription: first.seriesDescription,
    transferSyntaxUid: first.transferSyntaxUid,
    kvp: first.kvp,
    sliceThicknessMm: first.sliceThicknessMm,
    geometry,
    hu,
    slices,
    issues,
  };
}

function checkPixelFormat(slice: SliceHeader): void {
  const refusal = transferSyntaxRefusal(slice.transferSyntaxUid);
  if (refusal) throw new DicomLoadError('unsupported-transfer-syntax', `${slice.file} cannot be decoded: ${refusal}`, slice.file);
  const problems: string[] = [];
  if (slice.samplesPerPixel !== 1) problems.push(`${slice.samplesPerPixel} samples per pixel (CT is greyscale)`);
  if (slice.photometricInterpretation && !slice.photometricInterpretation.startsWith('MONOCHROME')) {
    problems.push(`photometric interpretation ${slice.photometricInterpretation}`);
  }
  if (![8, 16, 32].includes(slice.bitsAllocated)) problems.push(`${slice.bitsAllocated} bits allocated`);
  if (slice.bitsStored > slice.bitsAllocated || slice.highBit >= slice.bitsAllocated) problems.push(`bits stored ${slice.bitsStored}, high bit ${slice.highBit}`);
  if (slice.numberOfFrames !== 1) problems.push(`${slice.numberOfFrames} frames`);
  if (problems.length) {
    throw new DicomLoadError(
      'unsupported-pixel-format',
      `${slice.file} is not a plain greyscale CT slice (${problems.join(', ')}): it cannot be scored`,
      slice.file,
    );
  }
}

async function readStoredPixels(slice: SliceHeader): Promise<ArrayLike<number>> {
  const { dataSet } = await readDicomFile(slice.file);
  const element = dataSet.elements.x7fe00010;
  if (!element) throw new DicomLoadError('truncated-file', `${slice.file} has no pixel data: it is incomplete; copy it again`, slice.file);
  const encoding = TRANSFER_SYNTAXES[slice.transferSyntaxUid]?.encoding ?? 'native';
  const pixelCount = slice.rows * slice.columns;

  if (element.encapsulatedPixelData || encoding !== 'native') {
    if (encoding === 'native') {
      throw new DicomLoadError('unsupported-transfer-syntax', `${slice.file} has compressed pixel data in a native transfer syntax`, slice.file);
    }
    try {
      const frame = frameBytesFromDataSet(dataSet, element);
      const stored = await decodeFrame(encoding, frame, slice);
      if (stored.length < pixelCount) throw new Error(`${stored.length} pixels decoded, ${pixelCount} expected`);
      return stored;
    } catch (reason) {
      if (reason instanceof DicomLoadError) throw reason;
      const message = reason instanceof Error ? reason.message : String(reason);
      throw new DicomLoadError('truncated-file', `${slice.file}: its ${TRANSFER_SYNTAXES[slice.transferSyntaxUid].name} pixel data cannot be decoded (${message}); the file is damaged`, slice.file);
    }
  }

  const bytesPerPixel = slice.bitsAllocated / 8;
  const expected = pixelCount * bytesPerPixel;
  const available = Math.min(element.length, dataSet.byteArray.length - element.dataOffset);
  if (available < expected) {
    throw new DicomLoadError(
      'truncated-file',
      `${slice.file} is truncated: its pixel data has ${Math.max(0, available)} of ${expected} bytes; copy it again from the source`,
      slice.file,
    );
  }
  const bytes = dataSet.byteArray;
  const start = bytes.byteOffset + element.dataOffset;
  // Typed views need aligned offsets; odd offsets (rare) are copied once.
  const source = start % bytesPerPixel === 0 ? bytes.buffer : bytes.slice(element.dataOffset, element.dataOffset + expected).buffer;
  const offset = start % bytesPerPixel === 0 ? start : 0;
  const signed = slice.pixelRepresentation === 1;
  switch (bytesPerPixel) {
    case 1:
      return new Uint8Array(source, offset, pixelCount);
    case 2:
      return signed ? new Int16Array(source, offset, pixelCount) : new Uint16Array(source, offset, pixelCount);
    default:
      return signed ? new Int32Array(source, offset, pixelCount) : new Uint32Array(source, offset, pixelCount);
  }
}
