/**
 * What the report panel says about a report, as pure functions (tested without a browser): its
 * status line, whether the draft lags behind the reading, which version outputs come from, the
 * PDF's file name, and live delivery updates merged into the list.
 */
import type { OutboundItem, ReportSummary } from '../../main/report/reportContract.js';
import type { ReportVersion } from '../../main/report/reportContent.js';
import { formatTimestamp } from '../../main/report/pdf/reportFormat.js';

/** "Draft v2 (amends v1)", "Signed by Dr A at 2026-11-27 10:15 UTC", "Superseded (v1 signed by ...)". */
export function versionStatusText(version: ReportVersion): string {
  const signature = version.signedBy && version.signedAt ? `signed by ${version.signedBy} at ${formatTimestamp(version.signedAt)}` : 'not signed';
  switch (version.status) {
    case 'draft':
      return `Draft v${version.version}${version.amends ? ` (amends v${version.amends.version})` : ''}: not signed`;
    case 'signed':
      return `${version.amends ? 'Amended, s' : 'S'}${signature.slice(1)} (v${version.version})`;
    case 'superseded':
      return `Superseded v${version.version} (${signature})`;
  }
}

export type Staleness =
  | { stale: false }
  | { stale: true; reportRevision: number; readingRevision: number; message: string };

/**
 * Whether the reading moved on since the report's current version was made. The draft can be
 * refreshed; a signed report needs an amendment to follow the reading.
 */
export function staleness(report: ReportSummary, readingId: number, readingRevision: number): Staleness {
  const made = report.current.content.reading;
  if (made.readingId === readingId && made.revision === readingRevision) return { stale: false };
  const what = made.readingId === readingId ? `revision ${made.revision}; the reading is now at revision ${readingRevision}` : `reading ${made.readingId}; this is reading ${readingId}`;
  const message =
    report.current.status === 'draft'
      ? `The scores changed since this draft was made (draft from ${what}): update the draft from the scores before signing.`
      : `The reading changed after signing (report from ${what}): amend the report to include the change.`;
  return { stale: true, reportRevision: made.revision, readingRevision, message };
}

/** The signed version in force (what is sent and exported), if any. */
export function signedVersion(report: ReportSummary): ReportVersion | undefined {
  return [...report.versions].reverse().find((version) => version.status === 'signed');
}

/** "CAC-report_PID123_2026-11-27_v2.pdf", "..._v3-DRAFT.pdf": safe on every file system. */
export function pdfFileName(version: ReportVersion): string {
  const safe = (text: string) => text.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^[_.]+|[_.]+$/g, '') || 'unknown'; // no hidden or empty names
  const date = version.content.study.studyDate ?? 'undated';
  const draft = version.status === 'draft' ? '-DRAFT' : version.status === 'superseded' ? '-superseded' : '';
  return `CAC-report_${safe(version.content.patient.patientId)}_${safe(date)}_v${version.version}${draft}.pdf`;
}

/** A delivery event applied to the report's list: replaced by id, or added when it is this report's. */
export function mergeDelivery(deliveries: OutboundItem[], item: OutboundItem, reportId: number): OutboundItem[] {
  if (item.reportId !== reportId) return deliveries;
  const index = deliveries.findIndex((existing) => existing.id === item.id);
  if (index < 0) return [...deliveries, item];
  const next = [...deliveries];
  next[index] = item;
  return next;
}

/** Retry is offered for what is not delivered yet and not being sent right now. */
export function canRetry(item: OutboundItem): boolean {
  return item.status === 'failed' || item.status === 'queued';
}
