/**
 * The audit trail as DICOM Audit Messages (PS3.15 A.5.1, the IHE ATNA record) for sites that
 * collect audits centrally: per entry an AuditMessage with EventIdentification (the DCM event code
 * of the action, action code, time, outcome), the person (ActiveParticipant), this workstation
 * (AuditSourceIdentification) and the study or other object (ParticipantObjectIdentification).
 * The file holds the messages one after the other inside an <AuditMessages> element.
 */
import type { AuditEventView } from './auditContract.js';
import { studiesOf } from './auditCsv.js';

interface Coded {
  code: string;
  system: 'DCM' | 'RFC-3881';
  meaning: string;
}

const dcm = (code: string, meaning: string): Coded => ({ code, system: 'DCM', meaning });

export const EVENT_IDS = {
  applicationActivity: dcm('110100', 'Application Activity'),
  auditLogUsed: dcm('110101', 'Audit Log Used'),
  instancesAccessed: dcm('110103', 'DICOM Instances Accessed'),
  instancesTransferred: dcm('110104', 'DICOM Instances Transferred'),
  export: dcm('110106', 'Export'),
  import: dcm('110107', 'Import'),
  patientRecord: dcm('110110', 'Patient Record'),
  query: dcm('110112', 'Query'),
  securityAlert: dcm('110113', 'Security Alert'),
  userAuthentication: dcm('110114', 'User Authentication'),
} as const;

const EVENT_TYPES = {
  login: dcm('110122', 'Login'),
  logout: dcm('110123', 'Logout'),
  softwareConfiguration: dcm('110131', 'Software Configuration'),
  restrictedFunction: dcm('110132', 'Use of Restricted Function'),
  securityRolesChanged: dcm('110136', 'Security Roles Changed'),
  userSecurityAttributesChanged: dcm('110137', 'User security Attributes Changed'),
  objectSecurityAttributesChanged: dcm('110135', 'Object Security Attributes Changed'),
} as const;

/** C create, R read, U update, D delete, E execute. */
type ActionCode = 'C' | 'R' | 'U' | 'D' | 'E';

export interface AtnaEvent {
  eventId: Coded;
  actionCode: ActionCode;
  eventType?: Coded;
}

/** The DCM event of a workstation action (unknown actions are Application Activity). */
export function atnaEventOf(action: string, outcome: 'success' | 'failure'): AtnaEvent {
  if (/^(login|session-unlocked|password-confirmed)$/.test(action)) return { eventId: EVENT_IDS.userAuthentication, actionCode: 'E', eventType: EVENT_TYPES.login };
  if (/^(logout|session-locked)$/.test(action)) return { eventId: EVENT_IDS.userAuthentication, actionCode: 'E', eventType: EVENT_TYPES.logout };
  if (/^(user-|account-|password-)/.test(action)) {
    return { eventId: EVENT_IDS.securityAlert, actionCode: 'E', eventType: action === 'user-updated' ? EVENT_TYPES.securityRolesChanged : EVENT_TYPES.userSecurityAttributesChanged };
  }
  if (action === 'access-refused' || action === 'deny') return { eventId: EVENT_IDS.securityAlert, actionCode: 'E', eventType: EVENT_TYPES.restrictedFunction };
  if (action === 'audit-chain-mismatch') return { eventId: EVENT_IDS.securityAlert, actionCode: 'E', eventType: EVENT_TYPES.objectSecurityAttributesChanged };
  if (/^audit-(viewed|verified|listed)/.test(action)) return { eventId: EVENT_IDS.auditLogUsed, actionCode: 'R' };
  if (/-exported$|^backup-made$/.test(action)) return { eventId: EVENT_IDS.export, actionCode: 'R' };
  if (action === 'archive-restored') return { eventId: EVENT_IDS.import, actionCode: 'C' };
  if (/^(import-|receive-|pacs-retrieved)/.test(action)) return { eventId: EVENT_IDS.instancesTransferred, actionCode: 'C' };
  if (action === 'report-object-sent') return { eventId: EVENT_IDS.instancesTransferred, actionCode: 'R' };
  if (/^(reading-|study-opened|opened-study|series-listed|report-viewed|report-pdf-viewed)/.test(action)) return { eventId: EVENT_IDS.instancesAccessed, actionCode: 'R' };
  if (/^(studies-listed|pacs-searched)$/.test(action)) return { eventId: EVENT_IDS.query, actionCode: 'E' };
  if (/^(dose-|notes-|report-|risk-factors-)/.test(action)) {
    const actionCode: ActionCode = /viewed$/.test(action) ? 'R' : /discarded$/.test(action) ? 'D' : /(drafted|recorded-manually|amendment-started)$/.test(action) ? 'C' : 'U';
    return { eventId: EVENT_IDS.patientRecord, actionCode };
  }
  if (action === 'settings-changed') return { eventId: EVENT_IDS.applicationActivity, actionCode: 'E', eventType: EVENT_TYPES.softwareConfiguration };
  void outcome;
  return { eventId: EVENT_IDS.applicationActivity, actionCode: 'E' };
}

export interface AtnaSource {
  /** AuditSourceID: this workstation (host name). */
  sourceId: string;
  /** The application, as the second ActiveParticipant (product name and version). */
  application: string;
  /** The machine's network name, for NetworkAccessPointID. */
  hostName: string;
}

/** One AuditMessage per entry, in a UTF-8 XML document. */
export function atnaXml(events: readonly AuditEventView[], source: AtnaSource): string {
  const messages = events.map((event) => auditMessage(event, source));
  return `<?xml version="1.0" encoding="UTF-8"?>\n<AuditMessages>\n${messages.join('\n')}\n</AuditMessages>\n`;
}

export function auditMessage(event: AuditEventView, source: AtnaSource): string {
  const { eventId, actionCode, eventType } = atnaEventOf(event.action, event.outcome);
  const lines: string[] = ['<AuditMessage>'];
  // 0 success, 4 minor failure (the action did not happen; nothing was damaged).
  lines.push(`  <EventIdentification EventActionCode="${actionCode}" EventDateTime="${xml(event.at)}" EventOutcomeIndicator="${event.outcome === 'success' ? 0 : 4}">`);
  lines.push(`    ${coded('EventID', eventId)}`);
  if (eventType) lines.push(`    ${coded('EventTypeCode', eventType)}`);
  // The workstation's own name for the action, so nothing is lost in the mapping.
  lines.push(`    ${coded('EventTypeCode', dcm(event.action, event.action), 'CAC Workstation')}`);
  lines.push('  </EventIdentification>');

  const sender = senderOf(event);
  const person = `UserID="${xml(event.actor)}"${event.actorId !== null ? ` AlternativeUserID="${event.actorId}"` : ''}`;
  if (sender) {
    // A received association: the sending modality asked, this workstation received.
    lines.push(`  <ActiveParticipant UserID="${xml(sender.aeTitle)}" UserIsRequestor="true"${sender.address ? ` NetworkAccessPointID="${xml(sender.address)}" NetworkAccessPointTypeCode="2"` : ''}>`);
    lines.push(`    ${coded('RoleIDCode', dcm('110153', 'Source Role ID'))}`);
    lines.push('  </ActiveParticipant>');
    lines.push(`  <ActiveParticipant ${person} UserIsRequestor="false" NetworkAccessPointID="${xml(source.hostName)}" NetworkAccessPointTypeCode="1">`);
    lines.push(`    ${coded('RoleIDCode', dcm('110152', 'Destination Role ID'))}`);
    lines.push('  </ActiveParticipant>');
  } else {
    lines.push(`  <ActiveParticipant ${person} UserIsRequestor="true"/>`);
    lines.push(`  <ActiveParticipant UserID="${xml(source.application)}" UserIsRequestor="false" NetworkAccessPointID="${xml(source.hostName)}" NetworkAccessPointTypeCode="1">`);
    lines.push(`    ${coded('RoleIDCode', dcm('110150', 'Application'))}`);
    lines.push('  </ActiveParticipant>');
  }

  lines.push(`  <AuditSourceIdentification AuditSourceID="${xml(source.sourceId)}">`);
  lines.push(`    <AuditSourceTypeCode csd-code="1" codeSystemName="DCM" originalText="End-user display device, diagnostic display"/>`);
  lines.push('  </AuditSourceIdentification>');

  const studies = studiesOf(event);
  for (const study of studies) {
    lines.push(`  <ParticipantObjectIdentification ParticipantObjectID="${xml(study)}" ParticipantObjectTypeCode="2" ParticipantObjectTypeCodeRole="3">`);
    lines.push(`    ${coded('ParticipantObjectIDTypeCode', dcm('110180', 'Study Instance UID'))}`);
    lines.push('  </ParticipantObjectIdentification>');
  }
  if (studies.length === 0 && event.action === 'dose-history-viewed' && event.subject) {
    lines.push(`  <ParticipantObjectIdentification ParticipantObjectID="${xml(event.subject)}" ParticipantObjectTypeCode="1" ParticipantObjectTypeCodeRole="1">`);
    lines.push(`    ${coded('ParticipantObjectIDTypeCode', { code: '2', system: 'RFC-3881', meaning: 'Patient Number' })}`);
    lines.push('  </ParticipantObjectIdentification>');
  } else if (studies.length === 0 && event.subject) {
    lines.push(`  <ParticipantObjectIdentification ParticipantObjectID="${xml(event.subject)}" ParticipantObjectTypeCode="2" ParticipantObjectTypeCodeRole="13">`);
    lines.push(`    ${coded('ParticipantObjectIDTypeCode', { code: '12', system: 'RFC-3881', meaning: 'URI' })}`);
    lines.push('  </ParticipantObjectIdentification>');
  }
  lines.push('</AuditMessage>');
  return lines.join('\n');
}

/** The sending AE of a receive entry (details.callingAeTitle, details.peerAddress). */
function senderOf(event: AuditEventView): { aeTitle: string; address?: string } | undefined {
  if (!event.action.startsWith('receive-')) return undefined;
  const aeTitle = event.details?.callingAeTitle;
  if (typeof aeTitle !== 'string' || !aeTitle) return undefined;
  const address = event.details?.peerAddress;
  return { aeTitle, address: typeof address === 'string' ? address : undefined };
}

function coded(element: string, code: Coded, system: string = code.system): string {
  return `<${element} csd-code="${xml(code.code)}" codeSystemName="${xml(system)}" originalText="${xml(code.meaning)}"/>`;
}

/** Attribute text: markup escaped, characters XML 1.0 cannot hold dropped. */
export function xml(text: string): string {
  return text
    .replace(/[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}
