/**
 * Header values that make no physical sense for a CT image refuse the series instead of giving a
 * silently wrong score (Rescale Slope 0 scores a calcified patient 0; High Bit 0 gives millions).
 * The values are read raw from the data set here, before sliceHeader.ts's defaults can hide them
 * (a "NaN" slope would otherwise read as absent, i.e. 1). Pure: no I/O.
 *
 * Bounds, chosen wide enough for every CT scanner and narrow enough to exclude nonsense:
 * - Rescale Slope (0028,1053): finite, 0.001 to 100 (CT writes 1; a few write 0.5 or 2).
 * - Rescale Intercept (0028,1052): finite, -32768 to 32768 (CT writes -1024, -1000, -8192 or 0;
 *   beyond that no stored value maps into the HU range at all).
 * - Bits Allocated (0028,0100) 8, 16 or 32; Bits Stored (0028,0101) 1 to Bits Allocated;
 *   High Bit (0028,0102) from Bits Stored - 1 to Bits Allocated - 1 (PS3.5 8.1.1).
 * - Pixel Representation (0028,0103) 0 (unsigned) or 1 (two's complement), nothing else.
 * - Slice Thickness (0018,0050): finite, above 0 and at most 20 mm.
 * - Pixel Spacing (0028,0030): finite, 0.05 to 10 mm each (clinical CT is 0.2 to 1.5 mm).
 * - Image Position / Orientation (Patient) (0020,0032/0037): finite numbers.
 */
import type { DataSet } from './dicomFile.js';
import { DicomLoadError } from './loadIssues.js';

export const RESCALE_SLOPE_RANGE = { min: 0.001, max: 100 } as const;
export const RESCALE_INTERCEPT_RANGE = { min: -32768, max: 32768 } as const;
export const SLICE_THICKNESS_RANGE_MM = { min: 0, max: 20 } as const;
export const PIXEL_SPACING_RANGE_MM = { min: 0.05, max: 10 } as const;

/** One value out of its physical range: which element, what it holds, what was expected. */
export interface ImplausibleValue {
  /** "(0028,1053)". */
  tag: string;
  /** "RescaleSlope". */
  keyword: string;
  /** As written in the file. */
  value: string;
  /** "must be between 0.001 and 100". */
  expected: string;
}

const formatTag = (tag: string): string => `(${tag.slice(1, 5).toUpperCase()},${tag.slice(5, 9).toUpperCase()})`;

function rawText(dataSet: DataSet, tag: string): string | undefined {
  const element = dataSet.elements[tag];
  if (!element || element.length === 0) return undefined;
  const value = dataSet.string(tag)?.trim();
  return value ? value : undefined;
}

function rawUint16(dataSet: DataSet, tag: string): number | undefined {
  const element = dataSet.elements[tag];
  return element && element.length >= 2 ? dataSet.uint16(tag) : undefined;
}

function decimalValues(raw: string): number[] {
  return raw.split('\\').map((part) => (part.trim() === '' ? Number.NaN : Number(part.trim())));
}

/** Every implausible value in one image's header (empty when all is well). */
export function findImplausibleValues(dataSet: DataSet): ImplausibleValue[] {
  const found: ImplausibleValue[] = [];
  const add = (tag: string, keyword: string, value: string | number, expected: string) =>
    found.push({ tag: formatTag(tag), keyword, value: String(value), expected });

  const decimalInRange = (tag: string, keyword: string, range: { min: number; max: number }, lowOpen: boolean) => {
    const raw = rawText(dataSet, tag);
    if (raw === undefined) return;
    const values = decimalValues(raw);
    const ok = values.every((value) => Number.isFinite(value) && (lowOpen ? value > range.min : value >= range.min) && value <= range.max);
    if (!ok) add(tag, keyword, raw, `must be ${lowOpen ? 'above' : 'from'} ${range.min}${lowOpen ? ' and at most' : ' to'} ${range.max}`);
  };
  decimalInRange('x00281053', 'RescaleSlope', RESCALE_SLOPE_RANGE, false);
  decimalInRange('x00281052', 'RescaleIntercept', RESCALE_INTERCEPT_RANGE, false);
  decimalInRange('x00180050', 'SliceThickness', SLICE_THICKNESS_RANGE_MM, true);
  decimalInRange('x00280030', 'PixelSpacing', PIXEL_SPACING_RANGE_MM, false);

  for (const [tag, keyword, count] of [
    ['x00200032', 'ImagePositionPatient', 3],
    ['x00200037', 'ImageOrientationPatient', 6],
  ] as const) {
    const raw = rawText(dataSet, tag);
    if (raw === undefined) continue;
    const values = decimalValues(raw);
    if (values.length < count || !values.every(Number.isFinite)) add(tag, keyword, raw, `must be ${count} finite numbers`);
  }

  const bitsAllocated = rawUint16(dataSet, 'x00280100');
  const bitsStored = rawUint16(dataSet, 'x00280101');
  const highBit = rawUint16(dataSet, 'x00280102');
  const pixelRepresentation = rawUint16(dataSet, 'x00280103');
  if (bitsAllocated !== undefined && ![8, 16, 32].includes(bitsAllocated)) add('x00280100', 'BitsAllocated', bitsAllocated, 'must be 8, 16 or 32');
  const allocated = bitsAllocated ?? 16;
  if (bitsStored !== undefined && (bitsStored < 1 || bitsStored > allocated)) add('x00280101', 'BitsStored', bitsStored, `must be from 1 to Bits Allocated (${allocated})`);
  const stored = bitsStored ?? allocated;
  if (highBit !== undefined && (highBit < stored - 1 || highBit > allocated - 1)) {
    add('x00280102', 'HighBit', highBit, `must be from Bits Stored - 1 (${stored - 1}) to Bits Allocated - 1 (${allocated - 1})`);
  }
  if (pixelRepresentation !== undefined && pixelRepresentation !== 0 && pixelRepresentation !== 1) {
    add('x00280103', 'PixelRepresentation', pixelRepresentation, 'must be 0 (unsigned) or 1 (signed)');
  }
  return found;
}

/** The refusal for a slice whose header holds implausible values, naming each element, value and the file. */
export function implausibleHeaderError(file: string, values: ImplausibleValue[]): DicomLoadError {
  const listed = values.map((entry) => `${entry.keyword} ${entry.tag} is "${entry.value}" (${entry.expected})`).join('; ');
  return new DicomLoadError(
    'implausible-header',
    `${file} has header values that make no physical sense: ${listed}. The series is refused rather than scored wrongly; have the scanner or PACS export it again`,
    file,
  );
}

/** More than this share of voxels clamped to the Int16 range is a wrong rescale, not metal. */
export const MAX_CLAMPED_FRACTION = 0.001;
/** More than this share of voxels at calcium density (130 HU or more) is not a chest CT. */
export const MAX_CALCIUM_DENSITY_FRACTION = 0.5;

/**
 * After the rescale: slope and intercept within their bounds can still combine into nonsense (an
 * intercept of +30000 makes air calcium). Metal clamps a few voxels and bone is a small part of a
 * chest; when the volume says otherwise the rescale is wrong and the series is refused.
 */
export function implausibleRescaleError(
  hu: ArrayLike<number>,
  clamped: number,
  slice: { file: string; rescaleSlope: number; rescaleIntercept: number },
): DicomLoadError | undefined {
  const rescale = `Rescale Slope (0028,1053) "${slice.rescaleSlope}" and Rescale Intercept (0028,1052) "${slice.rescaleIntercept}"`;
  const percent = (share: number) => `${Number((share * 100).toFixed(1))}%`;
  if (hu.length > 0 && clamped / hu.length > MAX_CLAMPED_FRACTION) {
    return new DicomLoadError(
      'implausible-header',
      `${slice.file}: with ${rescale}, ${percent(clamped / hu.length)} of the pixels fall outside -32768 to 32767 HU: the rescale makes no physical sense and the series is refused rather than scored wrongly`,
      slice.file,
    );
  }
  let dense = 0;
  for (let index = 0; index < hu.length; index++) if (hu[index] >= 130) dense++;
  if (hu.length > 0 && dense / hu.length > MAX_CALCIUM_DENSITY_FRACTION) {
    return new DicomLoadError(
      'implausible-header',
      `${slice.file}: with ${rescale}, ${percent(dense / hu.length)} of the pixels are at calcium density (130 HU or more), which no chest CT is: the rescale makes no physical sense and the series is refused rather than scored wrongly`,
      slice.file,
    );
  }
  return undefined;
}
