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
  /** The x range of the points with a margin each side (so a single date still has an axis). */
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
  if (series.xMinMs !== null && series.xMaxMs !== null) {
    // A margin so the first and last points are not cut by the chart's edge (a day at least).
    const margin = Math.max(DAY_MS, (series.xMaxMs - series.xMinMs) * 0.04);
    series.xMinMs -= margin;
    series.xMaxMs += margin;
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

/**
 * Date ticks at calendar boundaries (1 January of every n-th year, or the 1st of every n-th month,
 * or every n-th day) so the axis reads "2016, 2018 ..." instead of arbitrary milliseconds.
 */
export function dateTicks(minMs: number, maxMs: number, maxTicks = 8): { ticks: number[]; format: (ms: number) => string } {
  const spanDays = (maxMs - minMs) / DAY_MS;
  const start = new Date(minMs);
  const ticks: number[] = [];
  if (spanDays > 3 * 365) {
    const years = spanDays / 365.25;
    const step = [1, 2, 5, 10, 20, 50].find((candidate) => years / candidate <= maxTicks) ?? 100;
    for (let year = Math.ceil(start.getUTCFullYear() / step) * step; Date.UTC(year, 0, 1) <= maxMs; year += step) {
      if (Date.UTC(year, 0, 1) >= minMs) ticks.push(Date.UTC(year, 0, 1));
    }
    return { ticks, format: (ms) => String(new Date(ms).getUTCFullYear()) };
  }
  if (spanDays > 60) {
    const months = spanDays / 30.44;
    const step = [1, 2, 3, 6, 12].find((candidate) => months / candidate <= maxTicks) ?? 12;
    let year = start.getUTCFullYear();
    let month = Math.ceil(start.getUTCMonth() / step) * step;
    for (;;) {
      const ms = Date.UTC(year, month, 1);
      if (ms > maxMs) break;
      if (ms >= minMs) ticks.push(ms);
      month += step;
      if (month >= 12) {
        year += Math.floor(month / 12);
        month %= 12;
      }
    }
    return { ticks, format: (ms) => new Date(ms).toISOString().slice(0, 7) };
  }
  const step = Math.max(1, Math.ceil(spanDays / maxTicks));
  for (let ms = Math.ceil(minMs / DAY_MS) * DAY_MS; ms <= maxMs; ms += step * DAY_MS) ticks.push(ms);
  return { ticks, format: (ms) => new Date(ms).toISOString().slice(0, 10) };
}

/** A long protocol name is cut for the axis (the tooltip has it whole). */
export function shortLabel(text: string, max = 22): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
