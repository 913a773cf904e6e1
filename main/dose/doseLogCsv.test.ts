import { describe, expect, it } from 'vitest';
import { csvField, doseLogCsv } from './doseLogCsv.js';
import type { DoseLogRow } from './doseLogContract.js';
import { quartiles } from './doseService.js';

const row: DoseLogRow = {
  studyInstanceUid: '1.2.3',
  patientId: '-12',
  patientName: 'O"Brien, Pat',
  studyDate: '2026-11-27',
  protocol: '@SUM(A1)',
  scanner: 'line\nbreak',
  source: 'manual',
  ctdivolMgy: 3.2,
  dlpMgyCm: 48.1,
  effectiveDoseMsv: 48.1 * 0.014,
  kFactor: 0.014,
  referenceLevel: { name: 'Calcium score', match: 'calcium', ctdivolMgy: 10, dlpMgyCm: 200 },
  aboveReference: false,
  reason: '+1 retake',
};

describe('dose log CSV', () => {
  it('quotes per RFC 4180 (comma, quote, line break), ends lines with CRLF, units in the header', () => {
    const csv = doseLogCsv([row]);
    const [header, line, end] = csv.split('\r\n');
    expect(header).toContain('CTDIvol (mGy),DLP (mGy.cm),Effective dose (mSv),k (mSv/(mGy.cm))');
    expect(end).toBe('');
    expect(line).toBe(`2026-11-27,'-12,"O""Brien, Pat",1.2.3,'@SUM(A1),"line\nbreak",manual,3.2,48.1,0.673,0.014,Calcium score,10,200,no,'+1 retake`);
  });

  it('neutralises every text cell that a spreadsheet would run as a formula', () => {
    for (const start of ['=', '+', '-', '@', '\t', '\r']) expect(csvField(`${start}cmd|' /C calc'!A0`).replace(/^"/, '')).toMatch(/^'/);
    expect(csvField('=1+1,2')).toBe(`"'=1+1,2"`);
    expect(csvField('plain')).toBe('plain');
    expect(csvField(null)).toBe('');
    expect(csvField(0.1 + 0.2)).toBe('0.3');
  });
});

describe('quartiles', () => {
  it('gives min, quartiles (linear interpolation) and max, ignoring unknown values', () => {
    expect(quartiles([1, 2, 3, 4, null])).toEqual({ min: 1, q1: 1.75, median: 2.5, q3: 3.25, max: 4 });
    expect(quartiles([5])).toEqual({ min: 5, q1: 5, median: 5, q3: 5, max: 5 });
    expect(quartiles([null])).toBeNull();
  });
});
