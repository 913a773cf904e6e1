/**
 * What the dose log's charts draw, from the dose.log answer: points over time split by the
 * reference check, the reference lines, and per protocol the quartile boxes. Pure (no chart.js, no
 * DOM): tested beside it.
 */
import type { DoseLogRow, ProtocolDoseDistribution, ReferenceLevel } from '../../main/api/contract.js';

export type DoseQuantity = 'dlp' | 'ctdivol';

export const QUANTITY: Record<DoseQuantity, { label: string; unit: string; axisTitle: string }> = {
  dlp: { label: 'DLP', unit: 'mGy·cm', axisTitle: 'DLP (mGy·cm)' },
  ctdivol: { label: 'CTDIvol', unit: 'mGy', axisTitle: 'CTDIvol (mGy)' },
};

export interface DosePoint {
  /** Study date as ms since the epoch (UTC midnight). */
  x: number;
  y: number;
  studyInstanceUid: string;
  /** Shown in the tooltip. */
  label: string;
}

/** "YYYY-MM-DD" or "YYYYMMDD" as UTC ms; null when not a date. */
export function studyDateMs(date: string | null): number | null {
  if (!date) return null;
  const match = /^(\d{4})-?(\d{2})-?(\d{2})/.exec(date);
  if (!match) return null;
  const ms = Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3]));
  return Number.isNaN(ms) ? null : ms;
}

export function valueOf(row: DoseLogRow, quantity: DoseQuantity): number | null {
  return quantity === 'dlp' ? row.dlpMgyCm : row.ctdivolMgy;
}

export function levelValue(level: ReferenceLevel, quantity: DoseQuantity): number {
  return quantity === 'dlp' ? level.dlpMgyCm : level.ctdivolMgy;
}

export interface DoseTimeSeries {
  within: DosePoint[];
  above: DosePoint[];
  /** Studies left off the chart: no study date, or no value of this quantity. */
  undated: number;
  withoutValue: number;
  /** The x range of the points (one day wide at least, so a single date still has an axis). */
  xMinMs: number | null;
  xMaxMs: number | null;
}

const DAY_MS = 86_400_000;

export function doseTimeSeries(rows: readonly DoseLogRow[], quantity: DoseQuantity): DoseTimeSeries {
  const series: DoseTimeSeries = { within: [], above: [], undated: 0, withoutValue: 0, xMinMs: null, xMaxMs: null };
  for (const row of rows) {
    const y = valueOf(row, quantity);
    if (y === null) {
      series.withoutValue += 1;
      continue;
    }
    const x = studyDateMs(row.studyDate);
    if (x === null) {
      series.undated += 1;
      continue;
    }
    const label = `${row.patientName ?? row.patientId ?? 'unknown patient'} · ${row.protocol ?? 'no protocol'}`;
    (row.aboveReference ? series.above : series.within).push({ x, y, studyInstanceUid: row.studyInstanceUid, label });
    series.xMinMs = series.xMinMs === null ? x : Math.min(series.xMinMs, x);
    series.xMaxMs = series.xMaxMs === null ? x : Math.max(series.xMaxMs, x);
  }
  if (series.xMinMs !== null && series.xMaxMs !== null && series.xMaxMs - series.xMinMs < DAY_MS) {
    series.xMinMs -= DAY_MS;
    series.xMaxMs += DAY_MS;
  }
  return series;
}

export interface ProtocolBoxes {
  protocols: string[];
  /** [min, max] per protocol (null: no value). */
  whiskers: Array<[number, number] | null>;
  /** [Q1, Q3] per protocol. */
  boxes: Array<[number, number] | null>;
  medians: Array<number | null>;
  references: Array<number | null>;
  studies: number[];
}

export function protocolBoxes(protocols: readonly ProtocolDoseDistribution[], quantity: DoseQuantity): ProtocolBoxes {
  const shown = protocols.filter((entry) => (quantity === 'dlp' ? entry.dlpMgyCm : entry.ctdivolMgy) !== null);
  const quartiles = shown.map((entry) => (quantity === 'dlp' ? entry.dlpMgyCm : entry.ctdivolMgy)!);
  return {
    protocols: shown.map((entry) => entry.protocol),
    whiskers: quartiles.map((q) => [q.min, q.max]),
    // A box of zero height (one study) would not show: widen it to a hairline around the median.
    boxes: quartiles.map((q) => (q.q3 > q.q1 ? [q.q1, q.q3] : [q.q1 - Math.max(q.q1 * 0.005, 0.01), q.q3 + Math.max(q.q3 * 0.005, 0.01)])),
    medians: quartiles.map((q) => q.median),
    references: shown.map((entry) => (entry.referenceLevel ? levelValue(entry.referenceLevel, quantity) : null)),
    studies: shown.map((entry) => entry.studies),
  };
}

/** A long protocol name is cut for the axis (the tooltip has it whole). */
export function shortLabel(text: string, max = 22): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
