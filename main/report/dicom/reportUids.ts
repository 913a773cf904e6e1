/**
 * Deterministic UIDs for the DICOM objects of a report version. A retry or a resend of one report
 * version must be the SAME object for the PACS (same SOP Instance UID, same bytes), so nothing here
 * depends on the clock or on randomness: each UID is a UUID (RFC 9562 version 8, "custom") made
 * from SHA-256 over the study, the report id, the version and the kind of object, written as
 * "2.25." + the UUID as one decimal integer (DICOM PS3.5 B.2, ITU-T X.667).
 */
import { createHash } from 'node:crypto';

export type ReportObjectKind = 'sr' | 'pdf' | 'keyImages';
/** Kinds with one object per report version; 'keyImages' has one per image (keyImageObjectUids). */
export type SingleObjectKind = Exclude<ReportObjectKind, 'keyImages'>;

export interface ReportObjectUids {
  sopInstanceUid: string;
  seriesInstanceUid: string;
  seriesNumber: number;
  /** = the report version, so the PACS lists versions in order (key images: see keyImageObjectUids). */
  instanceNumber: number;
}

export interface ReportUids {
  sr: ReportObjectUids;
  pdf: ReportObjectUids;
}

/** Series numbers high enough not to collide with the scanner's series in the same study. */
export const REPORT_SERIES_NUMBER: Readonly<Record<ReportObjectKind, number>> = { sr: 9901, pdf: 9902, keyImages: 9903 };

export const COMPREHENSIVE_SR_STORAGE = '1.2.840.10008.5.1.4.1.1.88.33';
export const ENCAPSULATED_PDF_STORAGE = '1.2.840.10008.5.1.4.1.1.104.1';
export const SECONDARY_CAPTURE_IMAGE_STORAGE = '1.2.840.10008.5.1.4.1.1.7';

/** A UID as DICOM allows it: <= 64 characters, digits and dots, no empty or leading-zero component. */
export const UID_PATTERN = /^(0|[1-9][0-9]*)(\.(0|[1-9][0-9]*))*$/;

export function isValidUid(uid: string): boolean {
  return uid.length > 0 && uid.length <= 64 && UID_PATTERN.test(uid);
}

/** "2.25." + a version-8 UUID derived from SHA-256 of the parts (joined with a separator no part holds). */
export function hashUid(parts: readonly string[]): string {
  const digest = createHash('sha256').update(parts.join('\u0000'), 'utf8').digest();
  const bytes = Buffer.from(digest.subarray(0, 16));
  bytes[6] = (bytes[6] & 0x0f) | 0x80; // version 8
  bytes[8] = (bytes[8] & 0x3f) | 0x80; // RFC variant
  const uid = `2.25.${BigInt(`0x${bytes.toString('hex')}`).toString(10)}`;
  return uid;
}

export class ReportUidError extends Error {
  override name = 'ReportUidError';
}

function checkInputs(studyInstanceUid: string, reportId: number, version: number): void {
  if (!isValidUid(studyInstanceUid)) {
    throw new ReportUidError(`Study Instance UID "${studyInstanceUid}" is not a valid DICOM UID: the report cannot be placed in the images' study`);
  }
  if (!Number.isSafeInteger(reportId) || reportId < 1) throw new ReportUidError(`report id must be a positive integer, got ${reportId}`);
  if (!Number.isSafeInteger(version) || version < 1) throw new ReportUidError(`report version must be a positive integer, got ${version}`);
}

/** The series of one kind of report object: one per report, the same for all its versions. */
export function reportSeriesUid(studyInstanceUid: string, reportId: number, kind: ReportObjectKind): string {
  checkInputs(studyInstanceUid, reportId, 1);
  return hashUid(['cac-report-series', studyInstanceUid, String(reportId), kind]);
}

/** The SOP Instance UID of one kind of object of one report version. */
export function reportSopInstanceUid(studyInstanceUid: string, reportId: number, version: number, kind: SingleObjectKind): string {
  checkInputs(studyInstanceUid, reportId, version);
  return hashUid(['cac-report-instance', studyInstanceUid, String(reportId), String(version), kind]);
}

export function reportObjectUids(studyInstanceUid: string, reportId: number, version: number, kind: SingleObjectKind): ReportObjectUids {
  return {
    sopInstanceUid: reportSopInstanceUid(studyInstanceUid, reportId, version, kind),
    seriesInstanceUid: reportSeriesUid(studyInstanceUid, reportId, kind),
    seriesNumber: REPORT_SERIES_NUMBER[kind],
    instanceNumber: version,
  };
}

/** Key images per version the instance numbers leave room for (v1: 1..99, v2: 101..199, ...). */
export const KEY_IMAGES_PER_VERSION = 99;

/**
 * One key image (Secondary Capture) of a report version: all versions share the report's key image
 * series; the instance UID adds the image's 0-based index (a part the single-object kinds do not
 * have, so it cannot equal theirs). Instance number = (version - 1) * 100 + index + 1, so the
 * versions' images never share a number in the one series and a PACS lists them version by version.
 */
export function keyImageObjectUids(studyInstanceUid: string, reportId: number, version: number, imageIndex: number): ReportObjectUids {
  checkInputs(studyInstanceUid, reportId, version);
  if (!Number.isSafeInteger(imageIndex) || imageIndex < 0 || imageIndex >= KEY_IMAGES_PER_VERSION) {
    throw new ReportUidError(`key image index must be a whole number from 0 to ${KEY_IMAGES_PER_VERSION - 1}, got ${imageIndex}`);
  }
  return {
    sopInstanceUid: hashUid(['cac-report-instance', studyInstanceUid, String(reportId), String(version), 'keyImages', String(imageIndex)]),
    seriesInstanceUid: reportSeriesUid(studyInstanceUid, reportId, 'keyImages'),
    seriesNumber: REPORT_SERIES_NUMBER.keyImages,
    instanceNumber: (version - 1) * 100 + imageIndex + 1,
  };
}

export function reportUids(studyInstanceUid: string, reportId: number, version: number): ReportUids {
  return {
    sr: reportObjectUids(studyInstanceUid, reportId, version, 'sr'),
    pdf: reportObjectUids(studyInstanceUid, reportId, version, 'pdf'),
  };
}
