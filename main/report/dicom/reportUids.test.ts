import { describe, expect, it } from 'vitest';
import { ReportUidError, hashUid, isValidUid, reportSeriesUid, reportSopInstanceUid, reportUids } from './reportUids.js';

const STUDY = '1.2.826.0.1.3680043.8.498.2002';

describe('reportUids', () => {
  it('gives the same UIDs for the same report version, every time', () => {
    expect(reportUids(STUDY, 3, 1)).toEqual(reportUids(STUDY, 3, 1));
    expect(reportSopInstanceUid(STUDY, 3, 2, 'sr')).toBe(reportSopInstanceUid(STUDY, 3, 2, 'sr'));
  });

  it('gives valid UIDs: <= 64 characters, 2.25 root, no leading zeros, UUID version 8', () => {
    for (let version = 1; version <= 200; version += 1) {
      const uids = reportUids(STUDY, 7, version);
      for (const uid of [uids.sr.sopInstanceUid, uids.sr.seriesInstanceUid, uids.pdf.sopInstanceUid, uids.pdf.seriesInstanceUid]) {
        expect(isValidUid(uid), uid).toBe(true);
        expect(uid.length).toBeLessThanOrEqual(64);
        expect(uid).toMatch(/^2\.25\.[1-9][0-9]*$/);
        const hex = BigInt(uid.slice(5)).toString(16).padStart(32, '0');
        expect(hex[12]).toBe('8'); // version nibble
        expect(['8', '9', 'a', 'b']).toContain(hex[16]); // RFC variant
      }
    }
  });

  it('differs by object kind, version, report and study', () => {
    const all = new Set([
      reportSopInstanceUid(STUDY, 3, 1, 'sr'),
      reportSopInstanceUid(STUDY, 3, 1, 'pdf'),
      reportSopInstanceUid(STUDY, 3, 2, 'sr'),
      reportSopInstanceUid(STUDY, 4, 1, 'sr'),
      reportSopInstanceUid(`${STUDY}.1`, 3, 1, 'sr'),
      reportSeriesUid(STUDY, 3, 'sr'),
      reportSeriesUid(STUDY, 3, 'pdf'),
    ]);
    expect(all.size).toBe(7);
    // Report 31 version 1 must not collide with report 3 version 11 (the parts are separated).
    expect(reportSopInstanceUid(STUDY, 31, 1, 'sr')).not.toBe(reportSopInstanceUid(STUDY, 3, 11, 'sr'));
  });

  it('keeps one series per report and kind across versions, instance number = version', () => {
    const v1 = reportUids(STUDY, 3, 1);
    const v2 = reportUids(STUDY, 3, 2);
    expect(v2.sr.seriesInstanceUid).toBe(v1.sr.seriesInstanceUid);
    expect(v2.pdf.seriesInstanceUid).toBe(v1.pdf.seriesInstanceUid);
    expect(v2.sr.sopInstanceUid).not.toBe(v1.sr.sopInstanceUid);
    expect([v1.sr.instanceNumber, v2.pdf.instanceNumber]).toEqual([1, 2]);
    expect(v1.sr.seriesNumber).not.toBe(v1.pdf.seriesNumber);
  });

  it('is a pure function of its parts (known value pinned)', () => {
    // Pinned so that a change of the derivation, which would make resends new objects, is seen.
    expect(hashUid(['a', 'b'])).toBe(hashUid(['a', 'b']));
    expect(hashUid(['a', 'b'])).not.toBe(hashUid(['ab']));
    expect(reportSopInstanceUid(STUDY, 3, 1, 'sr')).toBe('2.25.64683860291316357583131691327569997871');
  });

  it('refuses an invalid study UID, report id or version with a clear error', () => {
    expect(() => reportUids('1.2.03', 3, 1)).toThrow(ReportUidError);
    expect(() => reportUids('1.2.3.', 3, 1)).toThrow(/not a valid DICOM UID/);
    expect(() => reportUids(`1.${'2'.repeat(64)}`, 3, 1)).toThrow(/not a valid DICOM UID/);
    expect(() => reportUids(STUDY, 0, 1)).toThrow(/report id/);
    expect(() => reportUids(STUDY, 3, 1.5)).toThrow(/version/);
  });

  it('validates UIDs', () => {
    expect(isValidUid('1.2.840.10008.5.1.4.1.1.88.33')).toBe(true);
    expect(isValidUid('0.1')).toBe(true);
    expect(isValidUid('1.02')).toBe(false);
    expect(isValidUid('')).toBe(false);
    expect(isValidUid('1..2')).toBe(false);
    expect(isValidUid('1.2a')).toBe(false);
  });
});
