/**
 * The header facts of one CT image that loading, geometry, checks and scoring need, read from a
 * dicom-parser DataSet into a plain typed record.
 */
import type { DataSet } from './dicomFile.js';
import type { Vec3 } from '../geometry/volumeGeometry.js';
import { findImplausibleValues, type ImplausibleValue } from './headerPlausibility.js';

export const CT_IMAGE_STORAGE = '1.2.840.10008.5.1.4.1.1.2';
export const ENHANCED_CT_IMAGE_STORAGE = '1.2.840.10008.5.1.4.1.1.2.1';
export const MEDIA_STORAGE_DIRECTORY = '1.2.840.10008.1.3.10';

export interface SliceHeader {
  file: string;
  fileSizeBytes: number;
  transferSyntaxUid: string;
  sopClassUid: string;
  sopInstanceUid: string;
  studyInstanceUid: string;
  seriesInstanceUid: string;
  frameOfReferenceUid?: string;
  modality?: string;
  seriesNumber?: number;
  seriesDescription?: string;
  instanceNumber?: number;
  patientName?: string;
  patientId?: string;
  studyDate?: string;
  manufacturer?: string;

  rows: number;
  columns: number;
  samplesPerPixel: number;
  bitsAllocated: number;
  bitsStored: number;
  highBit: number;
  pixelRepresentation: 0 | 1;
  photometricInterpretation?: string;
  numberOfFrames: number;
  hasPixelData: boolean;

  pixelSpacingMm?: [number, number];
  imagePositionPatient?: Vec3;
  imageOrientationPatient?: [number, number, number, number, number, number];
  sliceThicknessMm?: number;
  kvp?: number;
  gantryTiltDeg?: number;
  reconstructionDiameterMm?: number;
  ctdiVolMgy?: number;

  rescaleSlope: number;
  rescaleIntercept: number;
  pixelPaddingValue?: number;
  pixelPaddingRangeLimit?: number;

  /** (0018,9352) Calcium Scoring Mass Factor Device: small, medium, large patient. */
  massFactorDevice?: number[];
  /** (0018,9351) Calcium Scoring Mass Factor Patient. */
  massFactorPatient?: number;
  /** Values out of their physical range (headerPlausibility.ts): the series is refused when loaded. */
  implausibleValues?: ImplausibleValue[];
}

/** A string attribute, trimmed; undefined when absent or empty. */
export function text(dataSet: DataSet, tag: string): string | undefined {
  const value = dataSet.string(tag)?.trim();
  return value ? value : undefined;
}

function decimals(dataSet: DataSet, tag: string): number[] | undefined {
  const raw = text(dataSet, tag);
  if (raw === undefined) return undefined;
  const values = raw.split('\\').map((part) => Number(part.trim()));
  return values.every(Number.isFinite) ? values : undefined;
}

function decimal(dataSet: DataSet, tag: string): number | undefined {
  return decimals(dataSet, tag)?.[0];
}

function unsignedShort(dataSet: DataSet, tag: string): number | undefined {
  return dataSet.elements[tag] && dataSet.elements[tag].length >= 2 ? dataSet.uint16(tag) : undefined;
}

/** FL values: in implicit VR the parser does not know the VR, so read them as 4-byte floats. */
function floats(dataSet: DataSet, tag: string): number[] | undefined {
  const element = dataSet.elements[tag];
  if (!element || element.length < 4) return undefined;
  const values: number[] = [];
  for (let index = 0; index < element.length / 4; index++) {
    const value = dataSet.float(tag, index);
    if (value !== undefined && Number.isFinite(value)) values.push(value);
  }
  return values.length > 0 ? values : undefined;
}

function doubles(dataSet: DataSet, tag: string): number | undefined {
  const element = dataSet.elements[tag];
  return element && element.length >= 8 ? dataSet.double(tag) : undefined;
}

/** US or SS depending on Pixel Representation: read the 16 bits and apply the sign ourselves. */
function pixelValue16(dataSet: DataSet, tag: string, signed: boolean): number | undefined {
  const value = unsignedShort(dataSet, tag);
  if (value === undefined) return undefined;
  return signed && value >= 0x8000 ? value - 0x10000 : value;
}

export function readSliceHeader(dataSet: DataSet, file: string, fileSizeBytes: number): SliceHeader {
  const pixelRepresentation = unsignedShort(dataSet, 'x00280103') === 1 ? 1 : 0;
  const bitsAllocated = unsignedShort(dataSet, 'x00280100') ?? 16;
  const bitsStored = unsignedShort(dataSet, 'x00280101') ?? bitsAllocated;
  const spacing = decimals(dataSet, 'x00280030');
  const position = decimals(dataSet, 'x00200032');
  const orientation = decimals(dataSet, 'x00200037');
  const implausibleValues = findImplausibleValues(dataSet);
  return {
    file,
    fileSizeBytes,
    transferSyntaxUid: text(dataSet, 'x00020010') ?? '1.2.840.10008.1.2',
    sopClassUid: text(dataSet, 'x00080016') ?? text(dataSet, 'x00020002') ?? '',
    sopInstanceUid: text(dataSet, 'x00080018') ?? text(dataSet, 'x00020003') ?? '',
    studyInstanceUid: text(dataSet, 'x0020000d') ?? '',
    seriesInstanceUid: text(dataSet, 'x0020000e') ?? '',
    frameOfReferenceUid: text(dataSet, 'x00200052'),
    modality: text(dataSet, 'x00080060'),
    seriesNumber: decimal(dataSet, 'x00200011'),
    seriesDescription: text(dataSet, 'x0008103e'),
    instanceNumber: decimal(dataSet, 'x00200013'),
    patientName: text(dataSet, 'x00100010'),
    patientId: text(dataSet, 'x00100020'),
    studyDate: text(dataSet, 'x00080020'),
    manufacturer: text(dataSet, 'x00080070'),
    rows: unsignedShort(dataSet, 'x00280010') ?? 0,
    columns: unsignedShort(dataSet, 'x00280011') ?? 0,
    samplesPerPixel: unsignedShort(dataSet, 'x00280002') ?? 1,
    bitsAllocated,
    bitsStored,
    highBit: unsignedShort(dataSet, 'x00280102') ?? bitsStored - 1,
    pixelRepresentation,
    photometricInterpretation: text(dataSet, 'x00280004'),
    numberOfFrames: decimal(dataSet, 'x00280008') ?? 1,
    hasPixelData: dataSet.elements.x7fe00010 !== undefined,
    pixelSpacingMm: spacing && spacing.length >= 2 ? [spacing[0], spacing[1]] : undefined,
    imagePositionPatient: position && position.length >= 3 ? [position[0], position[1], position[2]] : undefined,
    imageOrientationPatient:
      orientation && orientation.length >= 6
        ? [orientation[0], orientation[1], orientation[2], orientation[3], orientation[4], orientation[5]]
        : undefined,
    sliceThicknessMm: decimal(dataSet, 'x00180050'),
    kvp: decimal(dataSet, 'x00180060'),
    gantryTiltDeg: decimal(dataSet, 'x00181120'),
    reconstructionDiameterMm: decimal(dataSet, 'x00181100'),
    ctdiVolMgy: doubles(dataSet, 'x00189345'),
    rescaleSlope: decimal(dataSet, 'x00281053') ?? 1,
    rescaleIntercept: decimal(dataSet, 'x00281052') ?? 0,
    pixelPaddingValue: pixelValue16(dataSet, 'x00280120', pixelRepresentation === 1),
    pixelPaddingRangeLimit: pixelValue16(dataSet, 'x00280121', pixelRepresentation === 1),
    massFactorDevice: floats(dataSet, 'x00189352'),
    massFactorPatient: floats(dataSet, 'x00189351')?.[0],
    ...(implausibleValues.length > 0 ? { implausibleValues } : {}),
  };
}
