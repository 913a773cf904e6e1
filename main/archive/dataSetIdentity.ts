/**
 * An object's identity is its data set, not its file header: the same image from a CD and by
 * C-STORE differs only in the File Meta Information (group 0002: Implementation Class UID, Source
 * AE Title...), which every writer fills in its own way. The archive keeps the bytes as received;
 * comparing what follows group 0002 tells a re-sent object (a duplicate) from a changed one.
 */
import { hasPart10Prefix } from '../../native-worker/dicom/dicomFile.js';

/** VRs whose explicit-VR header has 2 reserved bytes and a 4-byte length. */
const LONG_LENGTH_VRS = new Set(['OB', 'OD', 'OF', 'OL', 'OV', 'OW', 'SQ', 'SV', 'UC', 'UN', 'UR', 'UT', 'UV']);

/** Offset of the first byte after the File Meta Information (0 when the file has none). */
export function dataSetOffset(bytes: Uint8Array): number {
  if (!hasPart10Prefix(bytes)) return 0;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let position = 132;
  // Group 0002 is always explicit VR little endian (PS3.10 7.1).
  while (position + 8 <= bytes.length && view.getUint16(position, true) === 0x0002) {
    const vr = String.fromCharCode(bytes[position + 4], bytes[position + 5]);
    if (LONG_LENGTH_VRS.has(vr)) {
      if (position + 12 > bytes.length) return bytes.length;
      position += 12 + view.getUint32(position + 8, true);
    } else {
      position += 8 + view.getUint16(position + 6, true);
    }
  }
  return Math.min(position, bytes.length);
}

/** True when both hold the same data set byte for byte, whatever their File Meta Information. */
export function sameDataSet(a: Uint8Array, b: Uint8Array): boolean {
  const dataSetA = a.subarray(dataSetOffset(a));
  const dataSetB = b.subarray(dataSetOffset(b));
  return dataSetA.length > 0 && Buffer.from(dataSetA.buffer, dataSetA.byteOffset, dataSetA.byteLength).equals(Buffer.from(dataSetB.buffer, dataSetB.byteOffset, dataSetB.byteLength));
}
