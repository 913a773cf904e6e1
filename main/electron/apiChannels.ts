/**
 * The API's channel and event names for the IPC whitelist. Repeated here rather than imported as
 * values from main/api/contract.ts because the contract pulls in zod and the PACS query schema,
 * which the sandboxed preload bundle does not need; the type checks below fail the build when the
 * contract gains or loses a name, and channelWhitelist.test.ts compares them with the contract at run time.
 */
import type { BinaryChannel, CacEventName, Channel } from '../api/contract.js';
import { createChannelWhitelist } from './channelWhitelist.js';

const INVOKE_CHANNELS = [
  'app.info',
  'studies.list',
  'studies.series',
  'import.start',
  'import.cancel',
  'pacs.echo',
  'pacs.findStudies',
  'pacs.retrieve',
  'pacs.cancel',
  'reading.open',
  'reading.assign',
  'reading.undo',
  'reading.redo',
  'reading.volume',
  'reading.labels',
  'reading.close',
  'settings.get',
  'settings.update',
  // dose log and procedure notes (issue 5)
  'dose.get',
  'dose.recordManual',
  'dose.setReason',
  'dose.log',
  'dose.patientHistory',
  'dose.exportCsv',
  'notes.get',
  'notes.save',
  'report.get',
  'report.draft',
  'report.saveText',
  'report.riskFactors',
  'report.saveRiskFactors',
  'report.sign',
  'report.amend',
  'report.discardDraft',
  'report.pdf',
  'report.export',
  'report.send',
  'outbound.list',
  'outbound.retry',
  // accounts, audit trail, backup (issue 10)
  'auth.status',
  'auth.setupFirstAdmin',
  'auth.login',
  'auth.logout',
  'auth.lock',
  'auth.unlock',
  'auth.touch',
  'auth.changePassword',
  'users.list',
  'users.add',
  'users.update',
  'users.resetPassword',
  'audit.list',
  'audit.exportCsv',
  'audit.exportAtna',
  'audit.verify',
  'backup.start',
  'backup.verify',
] as const satisfies readonly Channel[];

const BINARY_CHANNELS = ['reading.volume', 'reading.labels', 'report.pdf'] as const satisfies readonly BinaryChannel[];

const EVENT_NAMES = ['import.progress', 'import.done', 'studies.changed', 'worker.crashed', 'reading.changed', 'retrieve.progress', 'retrieve.done', 'report.changed', 'outbound.changed', 'backup.progress', 'backup.done'] as const satisfies readonly CacEventName[];

/** Shell events: the menu's File > Import Folder… hands the chosen folder to the page, which starts the import. */
export const SHELL_EVENTS = ['shell.importFolder'] as const;
export type ShellEvents = { 'shell.importFolder': { path: string } };

// Compile-time completeness: a name added to the contract and not here is a type error.
type Missing<All, Listed> = [Exclude<All, Listed>] extends [never] ? true : { missing: Exclude<All, Listed> };
const invokeComplete: Missing<Channel, (typeof INVOKE_CHANNELS)[number]> = true;
const binaryComplete: Missing<BinaryChannel, (typeof BINARY_CHANNELS)[number]> = true;
const eventsComplete: Missing<CacEventName, (typeof EVENT_NAMES)[number]> = true;
void [invokeComplete, binaryComplete, eventsComplete];

export const API_CHANNEL_NAMES = {
  invoke: INVOKE_CHANNELS,
  events: [...EVENT_NAMES, ...SHELL_EVENTS],
  binary: BINARY_CHANNELS,
};

export const apiWhitelist = createChannelWhitelist(API_CHANNEL_NAMES);
