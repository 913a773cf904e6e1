/**
 * A received C-STORE data set becomes a DICOM Part 10 file: 128-byte preamble, "DICM", a File Meta
 * Information group written here (explicit VR little endian, PS3.10 7.1), then the data set bytes
 * exactly as they came off the wire. The data set is never decoded or re-encoded, so what the
 * scanner sent is what the archive keeps (and a resend hashes the same).
 */

/** This workstation's Implementation Class UID (a fixed UUID-derived 2.25 UID, PS3.5 B.2). */
export const IMPLEMENTATION_CLASS_UID = '2.25.139210731048618756066558341190409010936';
/** At most 16 characters (SH). */
export const IMPLEMENTATION_VERSION_NAME = 'CACWS_0_1';

export interface FileMetaInformation {
  /** From the C-STORE request's Affected SOP Class UID. */
  mediaStorageSopClassUid: string;
  /** From the C-STORE request's Affected SOP Instance UID. */
  mediaStorageSopInstanceUid: string;
  /** The transfer syntax accepted for the presentation context the data set came on. */
  transferSyntaxUid: string;
  /** The calling AE title of the association. */
  sourceApplicationEntityTitle?: string;
}

const PREAMBLE_BYTES = 128;
/** The largest value a 16-bit explicit VR length can carry (even). */
const MAX_SHORT_VALUE_BYTES = 0xfffe;

/**
 * One explicit VR little endian element with a 16-bit length; the value padded to even length
 * (UI with NUL, text VRs with a space, PS3.5 6.2). Oversized values (only hostile senders produce
 * them) are cut so the header stays parseable; the archive then quarantines the object for its UIDs.
 */
function shortElement(element: number, vr: 'UI' | 'SH' | 'AE', value: string): Buffer {
  let bytes = Buffer.from(value, 'latin1');
  if (bytes.length > MAX_SHORT_VALUE_BYTES) bytes = bytes.subarray(0, MAX_SHORT_VALUE_BYTES);
  const padded = bytes.length % 2 === 0 ? bytes : Buffer.concat([bytes, Buffer.from([vr === 'UI' ? 0x00 : 0x20])]);
  const header = Buffer.alloc(8);
  header.writeUInt16LE(0x0002, 0);
  header.writeUInt16LE(element, 2);
  header.write(vr, 4, 'latin1');
  header.writeUInt16LE(padded.length, 6);
  return Buffer.concat([header, padded]);
}

/** The File Meta Information group (0002,xxxx), its group length first. */
export function encodeFileMetaInformation(meta: FileMetaInformation): Buffer {
  // (0002,0001) OB: VR, two reserved bytes, 32-bit length, value 00\01.
  const version = Buffer.from([0x02, 0x00, 0x01, 0x00, 0x4f, 0x42, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01]);
  const elements = [
    version,
    shortElement(0x0002, 'UI', meta.mediaStorageSopClassUid),
    shortElement(0x0003, 'UI', meta.mediaStorageSopInstanceUid),
    shortElement(0x0010, 'UI', meta.transferSyntaxUid),
    shortElement(0x0012, 'UI', IMPLEMENTATION_CLASS_UID),
    shortElement(0x0013, 'SH', IMPLEMENTATION_VERSION_NAME),
  ];
  const aeTitle = meta.sourceApplicationEntityTitle?.trim();
  if (aeTitle) elements.push(shortElement(0x0016, 'AE', aeTitle.slice(0, 16)));
  const body = Buffer.concat(elements);
  const groupLength = Buffer.alloc(12);
  groupLength.writeUInt16LE(0x0002, 0);
  groupLength.writeUInt16LE(0x0000, 2);
  groupLength.write('UL', 4, 'latin1');
  groupLength.writeUInt16LE(4, 6);
  groupLength.writeUInt32LE(body.length, 8);
  return Buffer.concat([groupLength, body]);
}

/** The whole Part 10 file; `dataSetChunks` are the received data set bytes, in order, untouched. */
export function buildPart10File(meta: FileMetaInformation, dataSetChunks: readonly Uint8Array[]): Uint8Array {
  const prefix = Buffer.alloc(PREAMBLE_BYTES + 4);
  prefix.write('DICM', PREAMBLE_BYTES, 'latin1');
  const file = Buffer.concat([prefix, encodeFileMetaInformation(meta), ...dataSetChunks]);
  return new Uint8Array(file.buffer, file.byteOffset, file.byteLength);
}

/**
 * Where the data set starts in a Part 10 file: after the meta group, whose length is in
 * (0002,0000). For tests and tools comparing data sets across differently written meta headers.
 */
export function dataSetOffset(file: Uint8Array): number {
  const view = Buffer.from(file.buffer, file.byteOffset, file.byteLength);
  if (view.length < PREAMBLE_BYTES + 16 || view.toString('latin1', PREAMBLE_BYTES, PREAMBLE_BYTES + 4) !== 'DICM') {
    throw new Error('not a DICOM Part 10 file (no DICM prefix)');
  }
  const at = PREAMBLE_BYTES + 4;
  if (view.readUInt16LE(at) !== 0x0002 || view.readUInt16LE(at + 2) !== 0x0000 || view.toString('latin1', at + 4, at + 6) !== 'UL') {
    throw new Error('the file meta information does not start with its group length (0002,0000)');
  }
  return at + 12 + view.readUInt32LE(at + 8);
}
