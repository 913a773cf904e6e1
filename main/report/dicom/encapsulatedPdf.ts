/**
 * The signed report PDF as a DICOM Encapsulated PDF (1.2.840.10008.5.1.4.1.1.104.1), in the images'
 * study, its own series (Modality DOC), so a PACS without an SR viewer still shows the report as
 * the clinician received it. Deterministic: UIDs from reportUids, dates from the report version.
 */
import type { ReportVersion } from '../reportContent.js';
import { scoredImagesReference } from './calciumScoreSr.js';
import {
  ReportDicomError,
  checkedString,
  contentMoment,
  equipment,
  patientAndStudy,
  utcDateTime,
  writePart10,
  type Dataset,
  type ReportDicomOptions,
} from './dicomCommon.js';
import { ENCAPSULATED_PDF_STORAGE, reportObjectUids } from './reportUids.js';
import { SR_CODES } from './srCodes.js';

export interface EncapsulatedPdfOptions extends ReportDicomOptions {
  /** Document Title, default "Coronary artery calcium score report". */
  documentTitle?: string;
}

/** A PDF up to this size is accepted; reports with key images are a few MB at most. */
export const MAX_PDF_BYTES = 256 * 1024 * 1024;

function checkPdf(pdf: Uint8Array): void {
  if (pdf.byteLength === 0) throw new ReportDicomError('the report PDF is empty: render the PDF before writing the Encapsulated PDF');
  if (pdf.byteLength > MAX_PDF_BYTES) throw new ReportDicomError(`the report PDF is ${pdf.byteLength} bytes, more than ${MAX_PDF_BYTES}`);
  const head = Buffer.from(pdf.subarray(0, 5)).toString('latin1');
  if (head !== '%PDF-') throw new ReportDicomError('the bytes given as the report PDF do not start with "%PDF-": not a PDF');
}

/** The scored images the report was made from (validated as for the SR's evidence). */
function sourceInstances(version: ReportVersion): Dataset[] {
  scoredImagesReference(version);
  const { series } = version.content;
  return series.sopInstanceUids.map((uid) => ({ ReferencedSOPClassUID: series.sopClassUid, ReferencedSOPInstanceUID: uid }));
}

/** The Encapsulated PDF of one report version as a Part 10 file (Explicit VR Little Endian). */
export function writeEncapsulatedPdf(version: ReportVersion, pdf: Uint8Array, options: EncapsulatedPdfOptions = {}): Uint8Array {
  checkPdf(pdf);
  const uids = reportObjectUids(version.content.study.studyInstanceUid, version.reportId, version.version, 'pdf');
  const moment = contentMoment(version);
  const created = utcDateTime(version.createdAt, 'created at');
  // OB must have even length: pad with one NUL, and say how long the PDF really is.
  const padded = new Uint8Array(pdf.byteLength + (pdf.byteLength % 2));
  padded.set(pdf);
  const title = checkedString(options.documentTitle ?? 'Coronary artery calcium score report', 'LO' /* Document Title is ST; the LO limit keeps it short enough for PACS lists */, 'document title');
  const signed = Boolean(version.signedAt && version.signedBy);
  const dataset: Dataset = {
    SOPClassUID: ENCAPSULATED_PDF_STORAGE,
    SOPInstanceUID: uids.sopInstanceUid,
    InstanceCreationDate: moment.date,
    InstanceCreationTime: moment.time,
    ...patientAndStudy(version, options),
    Modality: 'DOC',
    SeriesInstanceUID: uids.seriesInstanceUid,
    SeriesNumber: String(uids.seriesNumber),
    SeriesDescription: 'Calcium score report (PDF)',
    SeriesDate: created.date,
    SeriesTime: created.time,
    ...equipment(version, options),
    ConversionType: 'WSD',
    InstanceNumber: String(uids.instanceNumber),
    ContentDate: moment.date,
    ContentTime: moment.time,
    AcquisitionDateTime: moment.dateTime,
    BurnedInAnnotation: 'YES',
    RecognizableVisualFeatures: 'NO',
    SourceInstanceSequence: sourceInstances(version),
    DocumentTitle: title,
    ConceptNameCodeSequence: [{ CodeValue: SR_CODES.documentTitle.value, CodingSchemeDesignator: SR_CODES.documentTitle.scheme, CodeMeaning: SR_CODES.documentTitle.meaning }],
    VerificationFlag: signed ? 'VERIFIED' : 'UNVERIFIED',
    MIMETypeOfEncapsulatedDocument: 'application/pdf',
    EncapsulatedDocument: padded.buffer,
    EncapsulatedDocumentLength: pdf.byteLength,
  };
  return writePart10(dataset, ENCAPSULATED_PDF_STORAGE, uids.sopInstanceUid);
}
