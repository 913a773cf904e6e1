/**
 * The audit trail as CSV (RFC 4180, formula cells neutralised: the dose log's csvField), one row
 * per entry with its hash, so a site can keep the export beside its own records.
 */
import { csvField } from '../dose/doseLogCsv.js';
import type { AuditEventView } from './auditContract.js';

const HEADER = ['Entry', 'Time (UTC)', 'User', 'Account id', 'Action', 'Outcome', 'Object', 'Study Instance UIDs', 'Details'];

export function auditCsv(events: readonly AuditEventView[]): string {
  const lines = [HEADER.map(csvField).join(',')];
  for (const event of events) {
    lines.push(
      [event.id, event.at, event.actor, event.actorId, event.action, event.outcome, event.subject, studiesOf(event).join(' ') || null, event.details ? JSON.stringify(event.details) : null]
        .map(csvField)
        .join(','),
    );
  }
  return `${lines.join('\r\n')}\r\n`;
}

const UID = /^[0-9]+(\.[0-9]+)*$/;

/** Every study an entry is about (an import or an association may bring several). */
export function studiesOf(event: Pick<AuditEventView, 'action' | 'subject' | 'details'>): string[] {
  const listed = event.details?.studyInstanceUids;
  const studies = Array.isArray(listed) ? listed.filter((uid): uid is string => typeof uid === 'string' && UID.test(uid)) : [];
  const single = studyOf(event);
  return single && !studies.includes(single) ? [single, ...studies] : studies;
}

/** Actions whose UID subject is a series or an instance, not a study. */
const NOT_A_STUDY_SUBJECT = /^(reading-|report-object-sent$)/;

/** The study an entry is about: details.studyInstanceUid, else a subject that is a study UID. */
export function studyOf(event: Pick<AuditEventView, 'action' | 'subject' | 'details'>): string | undefined {
  const fromDetails = event.details?.studyInstanceUid;
  if (typeof fromDetails === 'string' && UID.test(fromDetails)) return fromDetails;
  if (NOT_A_STUDY_SUBJECT.test(event.action)) return undefined;
  return event.subject && UID.test(event.subject) ? event.subject : undefined;
}
