/**
 * The identifying header of any DICOM object the archive receives (image, dose report, ...),
 * parsed from its bytes with dicom-parser. A full parse also proves the file is complete.
 */
import dicomParser from 'dicom-parser';
import { parseDicomBytes } from '../../native-worker/dicom/dicomFile.js';
import { text } from '../../native-worker/dicom/sliceHeader.js';

export interface ArchiveHeader {
  sopClassUid?: string;
  sopInstanceUid?: string;
  studyInstanceUid?: string;
  seriesInstanceUid?: string;
  transferSyntaxUid: string;
  patientId: string;
  issuerOfPatientId?: string;
  patientName?: string;
  patientBirthDate?: string;
  patientSex?: string;
  studyDate?: string;
  studyTime?: string;
  studyDescription?: string;
  accessionNumber?: string;
  referringPhysician?: string;
  seriesNumber?: number;
  modality?: string;
  seriesDescription?: string;
  instanceNumber?: number;
  isDicomdir: boolean;
}

function integer(dataSet: dicomParser.DataSet, tag: string): number | undefined {
  const value = text(dataSet, tag);
  const parsed = value === undefined ? NaN : Number.parseInt(value, 10);
  return Number.isFinite(parsed) ? parsed : undefined;
}

/** Throws DicomLoadError ('not-dicom' or 'truncated-file') when the bytes are not a whole DICOM file. */
export function readArchiveHeader(bytes: Uint8Array, name: string): ArchiveHeader {
  const dataSet = parseDicomBytes(bytes, name);
  const sopClassUid = text(dataSet, 'x00080016') ?? text(dataSet, 'x00020002');
  return {
    sopClassUid,
    sopInstanceUid: text(dataSet, 'x00080018') ?? text(dataSet, 'x00020003'),
    studyInstanceUid: text(dataSet, 'x0020000d'),
    seriesInstanceUid: text(dataSet, 'x0020000e'),
    transferSyntaxUid: text(dataSet, 'x00020010') ?? '1.2.840.10008.1.2',
    patientId: text(dataSet, 'x00100020') ?? '',
    issuerOfPatientId: text(dataSet, 'x00100021'),
    patientName: text(dataSet, 'x00100010'),
    patientBirthDate: text(dataSet, 'x00100030'),
    patientSex: text(dataSet, 'x00100040'),
    studyDate: text(dataSet, 'x00080020'),
    studyTime: text(dataSet, 'x00080030'),
    studyDescription: text(dataSet, 'x00081030'),
    accessionNumber: text(dataSet, 'x00080050'),
    referringPhysician: text(dataSet, 'x00080090'),
    seriesNumber: integer(dataSet, 'x00200011'),
    modality: text(dataSet, 'x00080060'),
    seriesDescription: text(dataSet, 'x0008103e'),
    instanceNumber: integer(dataSet, 'x00200013'),
    isDicomdir: sopClassUid === '1.2.840.10008.1.3.10' || dataSet.elements.x00041220 !== undefined,
  };
}
