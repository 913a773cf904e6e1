/**
 * What the outbound queue and the export need to know about a report object before it leaves:
 * its identity (SOP class and instance, study), its transfer syntax and where its data set starts.
 * Only whole, valid Part 10 files with valid UIDs get through (a UID becomes a file name).
 */
import { createHash } from 'node:crypto';
import { readArchiveHeader } from '../archive/archiveHeader.js';
import { isValidUid } from '../archive/dicomUid.js';
import { dataSetOffset } from '../dimse/part10File.js';

export class OutboundObjectError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OutboundObjectError';
  }
}

export interface OutboundObjectHeader {
  sopClassUid: string;
  sopInstanceUid: string;
  studyInstanceUid: string;
  transferSyntaxUid: string;
  /** Where the data set starts (after the File Meta Information). */
  dataSetOffset: number;
  sha256: string;
}

/** `label` names the object in messages ("object 2 of 3"). */
export function readOutboundObject(bytes: Uint8Array, label: string): OutboundObjectHeader {
  let offset: number;
  let header: ReturnType<typeof readArchiveHeader>;
  try {
    offset = dataSetOffset(bytes);
    header = readArchiveHeader(bytes, label);
  } catch (reason) {
    throw new OutboundObjectError(`${label} is not a complete DICOM Part 10 file (${reason instanceof Error ? reason.message : String(reason)}); it cannot be sent or exported`);
  }
  const uids = { sopClassUid: header.sopClassUid, sopInstanceUid: header.sopInstanceUid, studyInstanceUid: header.studyInstanceUid, transferSyntaxUid: header.transferSyntaxUid };
  const names = { sopClassUid: 'SOP Class UID', sopInstanceUid: 'SOP Instance UID', studyInstanceUid: 'Study Instance UID', transferSyntaxUid: 'Transfer Syntax UID' };
  for (const [key, uid] of Object.entries(uids)) {
    const name = names[key as keyof typeof names];
    if (!isValidUid(uid)) throw new OutboundObjectError(`${label} has ${uid ? `an invalid ${name} "${uid}"` : `no ${name}`}; it cannot be sent or exported`);
  }
  return {
    sopClassUid: uids.sopClassUid!,
    sopInstanceUid: uids.sopInstanceUid!,
    studyInstanceUid: uids.studyInstanceUid!,
    transferSyntaxUid: uids.transferSyntaxUid,
    dataSetOffset: offset,
    sha256: createHash('sha256').update(bytes).digest('hex'),
  };
}
