/** How dose values, their sources and times are written in the technologist's views (units always shown). */
import type { DoseSource } from '../../main/dose/doseTypes.js';

export const SOURCE_LABEL: Record<DoseSource, string> = { rdsr: 'RDSR', 'image-header': 'image header', manual: 'manual entry' };

/** A number with a fixed number of decimals, or an em dash when unknown. */
export function formatValue(value: number | null | undefined, decimals = 1): string {
  return value === null || value === undefined || !Number.isFinite(value) ? '—' : value.toFixed(decimals);
}

/** A value with its unit ("12.3 mGy"), or an em dash when unknown. */
export function withUnit(value: number | null | undefined, unit: string, decimals = 1): string {
  const shown = formatValue(value, decimals);
  return shown === '—' ? shown : `${shown} ${unit}`;
}

/** An ISO time as local "YYYY-MM-DD HH:MM". */
export function formatTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  const time = new Date(iso);
  if (Number.isNaN(time.getTime())) return iso;
  const pad = (part: number) => String(part).padStart(2, '0');
  return `${time.getFullYear()}-${pad(time.getMonth() + 1)}-${pad(time.getDate())} ${pad(time.getHours())}:${pad(time.getMinutes())}`;
}

/** A DICOM date (YYYYMMDD) or ISO date as YYYY-MM-DD. */
export function formatStudyDate(date: string | null | undefined): string {
  if (!date) return '—';
  return /^\d{8}$/.test(date) ? `${date.slice(0, 4)}-${date.slice(4, 6)}-${date.slice(6, 8)}` : date;
}

/** DICOM person name "FAMILY^GIVEN" as "FAMILY, GIVEN". */
export function formatPersonName(name: string | null | undefined): string {
  return (name ?? '(no name)').replace(/\^+/g, ', ').replace(/, $/, '');
}

export function errorMessage(reason: unknown): string {
  return reason instanceof Error ? reason.message : String(reason);
}

/**
 * The API's validation details ("events.0.ctdivolMgy: CTDIvol must be more than 0 mGy") by field
 * path, so each message can stand next to its input; `prefix` drops a leading path part ("checklist.").
 */
export function problemsByField(details: readonly string[] | undefined, prefix = ''): Map<string, string> {
  const byField = new Map<string, string>();
  for (const detail of details ?? []) {
    const colon = detail.indexOf(': ');
    if (colon < 0) continue;
    let path = detail.slice(0, colon);
    if (prefix && path.startsWith(prefix)) path = path.slice(prefix.length);
    const message = detail.slice(colon + 2);
    byField.set(path, byField.has(path) ? `${byField.get(path)}; ${message}` : message);
  }
  return byField;
}
