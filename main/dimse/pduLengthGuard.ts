/**
 * Watches the PDU headers on an incoming connection (PS3.8 9.3: type, reserved, 32-bit big-endian
 * length) and reports the first PDU longer than allowed, before its body is buffered. dcmjs-dimse
 * would otherwise accumulate a PDU of any declared length (up to 4 GiB) in memory.
 */

const P_DATA_TF = 0x04;
const PDU_HEADER_BYTES = 6;
/** Association PDUs (RQ with many contexts, user identity) are small; anything near this is hostile. */
export const MAX_CONTROL_PDU_BYTES = 256 * 1024;
/**
 * Some senders count the 6-byte PDU header into the advertised maximum; the guard is there against
 * memory exhaustion, not to drop such a scanner, so it tolerates that much.
 */
const OFF_BY_HEADER_TOLERANCE = PDU_HEADER_BYTES;

export interface PduViolation {
  pduType: number;
  declaredLength: number;
  allowedLength: number;
}

export class PduLengthGuard {
  private header = Buffer.alloc(PDU_HEADER_BYTES);
  private headerBytes = 0;
  private bodyBytesLeft = 0;

  /** `maxPDataLength()` is the Maximum Length we advertised (read when each P-DATA header arrives). */
  constructor(private readonly maxPDataLength: () => number) {}

  /** Feed the next received bytes; returns the violation when a PDU is declared too long. */
  inspect(chunk: Buffer): PduViolation | undefined {
    let at = 0;
    while (at < chunk.length) {
      if (this.bodyBytesLeft > 0) {
        const skipped = Math.min(this.bodyBytesLeft, chunk.length - at);
        this.bodyBytesLeft -= skipped;
        at += skipped;
        continue;
      }
      const copied = chunk.copy(this.header, this.headerBytes, at, Math.min(chunk.length, at + PDU_HEADER_BYTES - this.headerBytes));
      this.headerBytes += copied;
      at += copied;
      if (this.headerBytes < PDU_HEADER_BYTES) break;
      this.headerBytes = 0;
      const pduType = this.header.readUInt8(0);
      const declaredLength = this.header.readUInt32BE(2);
      const allowedLength = pduType === P_DATA_TF ? this.maxPDataLength() + OFF_BY_HEADER_TOLERANCE : MAX_CONTROL_PDU_BYTES;
      if (declaredLength > allowedLength) return { pduType, declaredLength, allowedLength };
      this.bodyBytesLeft = declaredLength;
    }
    return undefined;
  }
}

/** A-ABORT from the service provider (source 2) with reason "invalid PDU parameter value" (6). */
export function abortPdu(reason = 6): Buffer {
  return Buffer.from([0x07, 0x00, 0x00, 0x00, 0x00, 0x04, 0x00, 0x00, 0x02, reason]);
}
