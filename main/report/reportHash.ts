/** The SHA-256 a signature covers: of the report content as canonical JSON (keys sorted), so key order never changes it. */
import { createHash } from 'node:crypto';
import type { ReportContent } from './reportContent.js';

export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, entry: unknown) =>
    entry && typeof entry === 'object' && !Array.isArray(entry)
      ? Object.fromEntries(Object.entries(entry as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : entry,
  );
}

export function reportContentSha256(content: ReportContent): string {
  return createHash('sha256').update(canonicalJson(content)).digest('hex');
}
