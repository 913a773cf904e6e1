/**
 * The dose log as CSV (RFC 4180: CRLF line ends, fields with a comma, quote or line break quoted,
 * quotes doubled), units in the header, and safe to open in a spreadsheet: a text cell that starts
 * like a formula (= + - @, tab, carriage return) gets a leading apostrophe so it stays text.
 */
import type { DoseLogRow } from './doseLogContract.js';

const HEADER = [
  'Study date',
  'Patient ID',
  'Patient name',
  'Study Instance UID',
  'Protocol',
  'Scanner',
  'Source',
  'CTDIvol (mGy)',
  'DLP (mGy.cm)',
  'Effective dose (mSv)',
  'k (mSv/(mGy.cm))',
  'Reference level',
  'Reference CTDIvol (mGy)',
  'Reference DLP (mGy.cm)',
  'Above reference',
  'Reason',
];

/** One CSV field: text neutralised against formula injection, then quoted when it must be. */
export function csvField(value: string | number | boolean | null): string {
  if (value === null) return '';
  let text: string;
  if (typeof value === 'number') text = Number.isFinite(value) ? String(Number(value.toPrecision(12))) : '';
  else if (typeof value === 'boolean') text = value ? 'yes' : 'no';
  else text = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function doseLogCsv(rows: readonly DoseLogRow[]): string {
  const lines = [HEADER.map(csvField).join(',')];
  for (const row of rows) {
    lines.push(
      [
        row.studyDate,
        row.patientId,
        row.patientName,
        row.studyInstanceUid,
        row.protocol,
        row.scanner,
        row.source,
        row.ctdivolMgy,
        row.dlpMgyCm,
        row.effectiveDoseMsv === null ? null : Number(row.effectiveDoseMsv.toFixed(3)),
        row.kFactor,
        row.referenceLevel?.name ?? null,
        row.referenceLevel?.ctdivolMgy ?? null,
        row.referenceLevel?.dlpMgyCm ?? null,
        row.referenceLevel ? row.aboveReference : null,
        row.reason,
      ]
        .map(csvField)
        .join(','),
    );
  }
  return `${lines.join('\r\n')}\r\n`;
}
