import { describe, expect, it } from 'vitest';
import { PduLengthGuard } from './pduLengthGuard.js';

const pdu = (type: number, length: number) => {
  const bytes = Buffer.alloc(6 + length);
  bytes.writeUInt8(type, 0);
  bytes.writeUInt32BE(length, 2);
  return bytes;
};

describe('PduLengthGuard', () => {
  it('follows PDU boundaries across arbitrary chunks and flags the first P-DATA above the limit', () => {
    const guard = new PduLengthGuard(() => 1000);
    const stream = Buffer.concat([pdu(0x01, 300), pdu(0x04, 1000), pdu(0x04, 1006), pdu(0x04, 5000)]);
    const violations = [];
    for (let at = 0; at < stream.length; at += 7) {
      const violation = guard.inspect(stream.subarray(at, at + 7));
      if (violation) {
        violations.push(violation);
        break;
      }
    }
    expect(violations).toEqual([{ pduType: 0x04, declaredLength: 5000, allowedLength: 1006 }]);
  });

  it('refuses an association request declaring megabytes', () => {
    expect(new PduLengthGuard(() => 16384).inspect(pdu(0x01, 0).fill(0xff, 2, 6))).toMatchObject({ pduType: 0x01, declaredLength: 0xffffffff });
  });
});
