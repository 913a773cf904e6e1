/**
 * DICOM UIDs (PS3.5 9.1): dot-separated numbers, no leading zeros, at most 64 characters.
 * Only a valid UID ever becomes part of a file name, so a hostile "../" can never leave the archive.
 */
export const UID_PATTERN = /^(0|[1-9][0-9]*)(\.(0|[1-9][0-9]*))+$/;

export function isValidUid(uid: string | undefined): boolean {
  return typeof uid === 'string' && uid.length > 0 && uid.length <= 64 && UID_PATTERN.test(uid);
}
