/**
 * The one table of who may call which API channel, for both transports (IPC and the browser-mode
 * host): main enforces it in the handler table before any handler runs; the renderer only hides
 * what a role cannot do. A channel missing here fails the build (Record over every channel).
 */
import type { Channel } from '../api/contract.js';
import { auditChannelRoles } from '../audit/auditContract.js';
import { backupChannelRoles } from '../backup/backupContract.js';
import { authChannelRoles } from './authContract.js';
import { CLINICAL_ROLES, SIGNING_ROLES, type ChannelAccess, type Role } from './roles.js';

const clinical = CLINICAL_ROLES;
const signing = SIGNING_ROLES;
/** Technologists log dose and notes; physicians and physicists may correct them. */
const doseAndNotes: readonly Role[] = ['technologist', 'radiologist', 'cardiologist', 'physicist'];
/** Site settings: the administrator; the physicist for the scoring calibration and dose levels (checked per section). */
const siteSettings: readonly Role[] = ['admin', 'physicist'];
/** Reading draft reports: the physicians; technologists may enter the risk factors from the questionnaire. */
const riskFactors: readonly Role[] = ['technologist', 'radiologist', 'cardiologist'];

export const CHANNEL_ACCESS: Record<Channel, ChannelAccess> = {
  // The login screen shows the product, its version and the receiver: nothing about patients.
  'app.info': 'public',
  'studies.list': clinical,
  'studies.series': clinical,
  'import.start': clinical,
  'import.cancel': clinical,
  'pacs.echo': clinical,
  'pacs.findStudies': clinical,
  'pacs.retrieve': clinical,
  'pacs.cancel': clinical,
  'reading.open': clinical,
  'reading.assign': clinical,
  'reading.undo': clinical,
  'reading.redo': clinical,
  'reading.volume': clinical,
  'reading.labels': clinical,
  'reading.close': clinical,
  'settings.get': 'signed-in',
  'settings.update': siteSettings,
  'dose.get': clinical,
  'dose.recordManual': doseAndNotes,
  'dose.setReason': doseAndNotes,
  'dose.log': clinical,
  'dose.patientHistory': clinical,
  'dose.exportCsv': clinical,
  'notes.get': clinical,
  'notes.save': doseAndNotes,
  'report.get': clinical,
  'report.draft': signing,
  'report.saveText': signing,
  'report.riskFactors': clinical,
  'report.saveRiskFactors': riskFactors,
  'report.sign': signing,
  'report.amend': signing,
  'report.discardDraft': signing,
  'report.pdf': clinical,
  'report.export': clinical,
  'report.send': clinical,
  'outbound.list': clinical,
  'outbound.retry': clinical,
  ...authChannelRoles,
  ...auditChannelRoles,
  ...backupChannelRoles,
};

/** Settings sections a physicist may change (the rest of the site settings are the administrator's). */
export const PHYSICIST_SETTINGS: readonly string[] = ['scoring', 'dose', 'display'];

/** Why the roles do not allow a channel, in words; undefined when they do. */
export function accessProblem(channel: Channel, roles: readonly Role[]): string | undefined {
  const access = CHANNEL_ACCESS[channel];
  if (access === 'public' || access === 'signed-in') return undefined;
  if (roles.some((role) => access.includes(role))) return undefined;
  return `${channel} needs the role ${access.join(' or ')}; this account is ${roles.length ? roles.join(', ') : 'without a role'}`;
}
