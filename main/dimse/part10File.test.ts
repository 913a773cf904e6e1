import { describe, expect, it } from 'vitest';
import { parseDicomBytes } from '../../native-worker/dicom/dicomFile.js';
import { buildPart10File, dataSetOffset, IMPLEMENTATION_CLASS_UID } from './part10File.js';

/** A tiny implicit VR data set: (0008,0018) SOP Instance UID and (0010,0020) Patient ID "ID 7" with DS-like text kept as is. */
function implicitDataSet(sopInstanceUid: string): Buffer {
  const element = (group: number, element: number, value: string, pad: string) => {
    const padded = value.length % 2 ? value + pad : value;
    const header = Buffer.alloc(8);
    header.writeUInt16LE(group, 0);
    header.writeUInt16LE(element, 2);
    header.writeUInt32LE(padded.length, 4);
    return Buffer.concat([header, Buffer.from(padded, 'latin1')]);
  };
  return Buffer.concat([element(0x0008, 0x0016, '1.2.840.10008.5.1.4.1.1.2', '\0'), element(0x0008, 0x0018, sopInstanceUid, '\0'), element(0x0018, 0x0050, '3.0', ' ')]);
}

describe('buildPart10File', () => {
  it('writes a meta group dicom-parser reads, and appends the data set bytes untouched', () => {
    const dataSet = implicitDataSet('1.2.3.45');
    const file = buildPart10File(
      { mediaStorageSopClassUid: '1.2.840.10008.5.1.4.1.1.2', mediaStorageSopInstanceUid: '1.2.3.45', transferSyntaxUid: '1.2.840.10008.1.2', sourceApplicationEntityTitle: 'CT_SCANNER' },
      [dataSet.subarray(0, 10), dataSet.subarray(10)],
    );
    const offset = dataSetOffset(file);
    expect(Buffer.from(file.subarray(offset))).toEqual(dataSet);
    expect(offset % 2).toBe(0);
    const parsed = parseDicomBytes(file, 'test');
    expect(parsed.string('x00020002')).toBe('1.2.840.10008.5.1.4.1.1.2');
    expect(parsed.string('x00020003')).toBe('1.2.3.45');
    expect(parsed.string('x00020010')).toBe('1.2.840.10008.1.2');
    expect(parsed.string('x00020012')).toBe(IMPLEMENTATION_CLASS_UID);
    expect(parsed.string('x00020016')).toBe('CT_SCANNER');
    expect(parsed.string('x00080018')).toBe('1.2.3.45');
    // The DS value is the sender's text, not a re-encoded number.
    expect(parsed.string('x00180050')).toBe('3.0');
  });

  it('keeps the header parseable when a hostile sender sends an absurd UID', () => {
    const file = buildPart10File({ mediaStorageSopClassUid: '1.2', mediaStorageSopInstanceUid: 'x'.repeat(70_000), transferSyntaxUid: '1.2.840.10008.1.2' }, [implicitDataSet('1.2.3')]);
    expect(parseDicomBytes(file, 'test').string('x00080018')).toBe('1.2.3');
  });
});
