/**
 * The one API the renderer calls, whatever carries it (Electron preload IPC or the browser-mode
 * host's HTTP + WebSocket): per channel a zod schema for the request (validated at the boundary,
 * in the handler table) and the TypeScript type of the response, plus the events pushed to the UI.
 * This file has no Node imports beyond types, so the preload and the renderer can share it.
 */
import { z } from 'zod';
import type { SeriesSummary, StudySummary } from '../../db/archiveRepository.js';
import type { ImportProgress, ImportSummary } from '../import/folderImport.js';
import type { StudyMatch } from '../pacs/pacsMatches.js';
import { studyQuerySchema } from '../pacs/pacsMatches.js';
import type { RetrieveSummary } from '../pacs/retrieveJob.js';
import type { LoadIssue } from '../../native-worker/dicom/loadIssues.js';
import type { SeriesFacts, ScoringOptions } from '../../native-worker/protocol.js';
import type { Assignment } from '../../native-worker/scoring/arteries.js';
import type { AssignmentOutcome, ScoreSheet } from '../../native-worker/scoring/scoringSession.js';
import { settingsPatchSchema, type Settings } from './settings.js';
import { uidSchema } from './uidSchema.js';
export { uidSchema };
// ---- dose log and procedure notes (issue 5): imports
import { doseRequestSchemas, type DoseResponseByChannel } from '../dose/doseLogContract.js';
import { notesRequestSchemas, type NotesResponseByChannel } from '../notes/notesContract.js';
export type * from '../dose/doseLogContract.js';
export type * from '../notes/notesContract.js';
export type { ProcedureChecklist } from '../notes/procedureChecklist.js';
export type { ReferenceLevel, ReferenceCheck, DoseSettings } from '../dose/referenceLevels.js';
// ---- end dose log and procedure notes imports
// ---- reports and outbound delivery (issue 6): imports
import { reportRequestSchemas, type ReportEvents, type ReportResponseByChannel } from '../report/reportContract.js';
export type * from '../report/reportContract.js';
export type { ReportContent, ReportVersion } from '../report/reportContent.js';
// ---- end reports imports
import { authRequestSchemas, type AuthResponseByChannel } from '../auth/authContract.js';
import { auditRequestSchemas, type AuditResponseByChannel } from '../audit/auditContract.js';
import { backupRequestSchemas, type BackupEvents, type BackupResponseByChannel } from '../backup/backupContract.js';
export type * from '../auth/authContract.js';
export type * from '../audit/auditContract.js';
export type * from '../backup/backupContract.js';
export type { Role } from '../auth/roles.js';

// ---------------------------------------------------------------- request schemas

/** A finite number: NaN and Infinity (possible over IPC, not over JSON) are refused. */
const coordinateMm = z.number().refine(Number.isFinite, 'a coordinate must be a finite number (mm)');

export const assignmentSchema = z.strictObject({
  artery: z.enum(['LM', 'LAD', 'LCX', 'RCA', 'excluded']),
  /** Where the reader clicked, LPS mm. */
  point: z.tuple([coordinateMm, coordinateMm, coordinateMm]),
  scope: z.enum(['lesion', 'slice']),
});

const readingIdSchema = z.number().int().positive();
const revisionSchema = z.number().int().nonnegative();
const pacsNameSchema = z.string().trim().min(1, 'name the PACS (as in settings)').max(64);
const noRequest = z.strictObject({});
const retrieveJobIdSchema = z.string().regex(/^[A-Za-z0-9-]{1,64}$/, 'a retrieve job id is 1 to 64 letters, digits or dashes');

export const requestSchemas = {
  'app.info': noRequest,
  'studies.list': z.strictObject({
    text: z.string().max(128).optional(),
    limit: z.number().int().min(1).max(5000).optional(),
  }),
  'studies.series': z.strictObject({ studyInstanceUid: uidSchema }),
  'import.start': z.strictObject({
    path: z
      .string()
      .trim()
      .min(1, 'choose a folder or file to import')
      .max(4096)
      // Absolute only: a relative path would be read against wherever the app happened to start.
      .regex(/^(\/|[A-Za-z]:[\\/]|\\\\)/, 'give the full path of the folder or file (e.g. /media/cdrom or D:\\)'),
  }),
  'import.cancel': z.strictObject({ importJobId: z.number().int().positive() }),
  'pacs.echo': z.strictObject({ pacs: pacsNameSchema }),
  'pacs.findStudies': z.strictObject({
    pacs: pacsNameSchema,
    query: studyQuerySchema,
    /** DICOMweb (QIDO-RS) when the PACS has a DICOMweb URL and this is set; C-FIND otherwise. */
    via: z.enum(['dimse', 'dicomweb']).optional(),
  }),
  'pacs.retrieve': z.strictObject({
    pacs: pacsNameSchema,
    studyInstanceUid: uidSchema,
    seriesInstanceUid: uidSchema.optional(),
    method: z.enum(['C-GET', 'C-MOVE', 'WADO-RS']).optional(),
    /** Chosen by the caller so it can match retrieve.progress events (and cancel) before the answer comes. */
    jobId: retrieveJobIdSchema.optional(),
  }),
  'pacs.cancel': z.strictObject({ jobId: retrieveJobIdSchema }),
  /**
   * start (issue 10, readings per account): 'own' (default) opens your reading of the series, or a new
   * one when nobody has read it, else fails with a conflict listing the others' readings (otherReadings);
   * 'new' starts your own empty reading; takeOver continues another reader's reading as yours (audited).
   */
  'reading.open': z.strictObject({
    studyInstanceUid: uidSchema,
    seriesInstanceUid: uidSchema,
    start: z.union([z.enum(['own', 'new']), z.strictObject({ takeOver: readingIdSchema })]).optional(),
  }),
  'reading.assign': z.strictObject({ readingId: readingIdSchema, revision: revisionSchema, assignment: assignmentSchema }),
  'reading.undo': z.strictObject({ readingId: readingIdSchema, revision: revisionSchema }),
  'reading.redo': z.strictObject({ readingId: readingIdSchema, revision: revisionSchema }),
  'reading.volume': z.strictObject({ readingId: readingIdSchema }),
  'reading.labels': z.strictObject({ readingId: readingIdSchema }),
  'reading.close': z.strictObject({ readingId: readingIdSchema }),
  'settings.get': noRequest,
  'settings.update': z.strictObject({ patch: settingsPatchSchema }),
  // ---- dose log and procedure notes (issue 5): dose.get, dose.recordManual, dose.setReason,
  // dose.log, dose.patientHistory, dose.exportCsv, notes.get, notes.save
  ...doseRequestSchemas,
  ...notesRequestSchemas,
  // ---- end dose log and procedure notes
  // ---- reports and outbound delivery (issue 6)
  ...reportRequestSchemas,
  // ---- end reports
  ...authRequestSchemas,
  ...auditRequestSchemas,
  ...backupRequestSchemas,
} as const;

export type Channel = keyof typeof requestSchemas;
export const CHANNELS = Object.keys(requestSchemas) as Channel[];

/** Channels whose response is bytes (an ArrayBuffer), not JSON: the host serves them as octet-stream. */
export const BINARY_CHANNELS = ['reading.volume', 'reading.labels', 'report.pdf'] as const satisfies readonly Channel[];
export type BinaryChannel = (typeof BINARY_CHANNELS)[number];

export function isChannel(name: unknown): name is Channel {
  return typeof name === 'string' && Object.prototype.hasOwnProperty.call(requestSchemas, name);
}

// ---------------------------------------------------------------- responses

export interface AppInfo {
  productName: string;
  version: string;
  algorithmVersion: string;
  dataDirectory: string;
  archiveFolder: string;
  /** Who is signed in ("Anna Smith (asmith)"), or empty before login. */
  reader: string;
  /** Set when the archive was checked after an unclean stop. */
  recovery?: string;
  /** Things the user should know about this start (settings file kept aside, archive repaired). */
  notices: string[];
  /** The DICOM receiver (C-STORE from scanners, C-MOVE results) as the settings asked for it. */
  receiver: ReceiverStatus;
  /** The demo study imported on first start, if any. */
  demoStudy?: { studyInstanceUid: string; source: 'qrm-phantom' | 'synthetic-phantom' };
}

export interface ReceiverStatus {
  enabled: boolean;
  listening: boolean;
  aeTitle: string;
  port: number;
  /** Why it is not listening although enabled (port in use, no rights for the port). */
  problem?: string;
}

/** VolumeGeometry with its typed arrays as plain arrays (JSON-safe over both transports). */
export interface GeometryView {
  columns: number;
  rows: number;
  slices: number;
  pixelSpacingMm: [number, number];
  rowDirection: [number, number, number];
  columnDirection: [number, number, number];
  normal: [number, number, number];
  sliceOrigins: number[];
  slicePositionsMm: number[];
  sliceIncrementMm: number;
}

export interface LesionIndexView {
  plaqueCount: number;
  lesionCount: number;
  plaqueSlice: number[];
  plaqueLesion: number[];
  plaquePeakHu: number[];
}

/** How to fetch the HU volume: `channel` over IPC, `path` (with the token) over HTTP. */
export interface VolumeHandle {
  channel: 'reading.volume';
  path: string;
  byteLength: number;
  huType: 'int16' | 'float32';
}

export interface RestoredWork {
  /** Saved assignments replayed on open. */
  assignments: number;
  /** Saved assignments that found no calcium when replayed (the series or the algorithm changed). */
  missed: AssignmentOutcome[];
  /** The saved scores equal the replayed ones (always true unless the algorithm changed). */
  scoresMatchSaved: boolean;
  /** Set when the reading was saved by another algorithm version than the one running now. */
  algorithmVersionChanged?: { saved: string; current: string; message: string };
}

export interface ReadingView {
  readingId: number;
  revision: number;
  reader: string;
  series: SeriesFacts;
  geometry: GeometryView;
  volume: VolumeHandle;
  issues: LoadIssue[];
  lesions: LesionIndexView;
  parameters: ScoringOptions;
  assignments: Assignment[];
  /** How many undone assignments reading.redo can bring back. */
  redoDepth: number;
  scores: ScoreSheet;
  restored: RestoredWork;
  /** Saved readings of this series by other readers (issue 10): never hidden, whoever opens it. */
  otherReadings: OtherReading[];
  /** The reading this one continues, when it was taken over from another reader. */
  takenOverFrom: { readingId: number; reader: string } | null;
}

/** Another reader's saved reading of the series, with its author. */
export interface OtherReading {
  readingId: number;
  /** The author as the records name them: "Anna Smith (asmith)". */
  reader: string;
  assignments: number;
  updatedAt: string;
}

export interface ReadingChange {
  revision: number;
  scores: ScoreSheet;
  assignments: number;
  redoDepth: number;
}

export interface AssignResponse extends ReadingChange {
  outcome: AssignmentOutcome;
}

export interface UndoResponse extends ReadingChange {
  /** What was taken back (or brought back, for redo); null when there was nothing to do. */
  assignment: Assignment | null;
}

export interface SettingsResponse {
  settings: Settings;
  /** Changes that take effect only after a restart (e.g. the archive folder). */
  restartRequired: boolean;
  /** The DICOM receiver after the settings were applied (it restarts when its settings change). */
  receiver?: ReceiverStatus;
}

export interface ResponseByChannel extends DoseResponseByChannel, NotesResponseByChannel, ReportResponseByChannel, AuthResponseByChannel, AuditResponseByChannel, BackupResponseByChannel {
  'app.info': AppInfo;
  'studies.list': { studies: StudySummary[] };
  'studies.series': { series: SeriesSummary[] };
  'import.start': { importJobId: number };
  'import.cancel': { cancelled: boolean };
  'pacs.echo': { elapsedMs: number };
  'pacs.findStudies': { studies: StudyMatch[] };
  'pacs.retrieve': RetrieveSummary;
  'pacs.cancel': { cancelled: boolean };
  'reading.open': ReadingView;
  'reading.assign': AssignResponse;
  'reading.undo': UndoResponse;
  'reading.redo': UndoResponse;
  /** HU voxels, column fastest, then row, then slice (ascending position); see VolumeHandle.huType. */
  'reading.volume': ArrayBuffer;
  /** One byte a voxel: 0 background, 1 LM, 2 LAD, 3 LCX, 4 RCA, 5 excluded, 6 unassigned calcium. */
  'reading.labels': ArrayBuffer;
  'reading.close': { closed: boolean };
  'settings.get': SettingsResponse;
  'settings.update': SettingsResponse;
}

/** Request and response per channel: what the preload exposes and the renderer calls. */
export type CacApi = {
  [C in Channel]: { request: z.input<(typeof requestSchemas)[C]>; response: ResponseByChannel[C] };
};

export type CacRequest<C extends Channel> = CacApi[C]['request'];
export type CacResponse<C extends Channel> = CacApi[C]['response'];

// ---------------------------------------------------------------- errors

export type ApiErrorCode =
  | 'bad-request'
  | 'not-found'
  /** The reading was changed in another window (stale revision): reload. */
  | 'conflict'
  /** The scoring worker stopped; it has restarted and the next request works. */
  | 'worker-crashed'
  /** The series cannot be loaded for scoring (missing slices, not a CT, several series ...). */
  | 'load-failed'
  /** The PACS could not be reached or refused: the message says which PACS and what to check. */
  | 'pacs-failed'
  | 'internal'
  /** Browser mode only, from the host before any handler runs: no or a wrong token (HTTP 401). */
  | 'unauthorized'
  /** Browser mode only: another Host or Origin than the workstation's own page (HTTP 403/421). */
  | 'forbidden'
  /** No session, or it ended (logout, restart, account disabled): log in. */
  | 'login-required'
  /** The session is locked (idle or on demand): unlock with the password. */
  | 'session-locked'
  /** The account must set a new password before anything else (after an admin reset it). */
  | 'password-change-required'
  /** A wrong user name or password, or an account locked after failed attempts or disabled. */
  | 'bad-credentials'
  /** The signed-in account's roles do not allow this (the message names the roles that do). */
  | 'not-permitted';

export interface ApiError {
  code: ApiErrorCode;
  /** A sentence a technologist can act on; never a stack trace. */
  message: string;
  details?: string[];
  /** reading.open with start 'own' when only other readers have readings of the series: the readings to choose from. */
  otherReadings?: OtherReading[];
}

export type ApiResult<T> = { ok: true; value: T } | { ok: false; error: ApiError };

// ---------------------------------------------------------------- events

export interface CacEvents extends ReportEvents, BackupEvents {
  'import.progress': { importJobId: number; progress: ImportProgress };
  'import.done': { importJobId: number; summary: ImportSummary };
  /** The archive stored objects of these studies, they completed (nothing arrived for a while), or their reading status moved on. */
  'studies.changed': { studyInstanceUids: string[]; reason: 'stored' | 'complete' | 'import' | 'retrieve' | 'status' };
  'worker.crashed': { message: string; exitCode: number | null; signal: string | null };
  /** Another window saved a change to this reading: its revision moved on. */
  'reading.changed': { readingId: number; revision: number };
  /** A PACS retrieve moved on (at most every 100 ms, and its last counts). */
  'retrieve.progress': RetrieveProgressEvent;
  /** A PACS retrieve ended: its summary, or the error that stopped it. */
  'retrieve.done': { jobId: string; studyInstanceUid: string; summary?: RetrieveSummary; error?: ApiError };
}

export interface RetrieveProgressEvent {
  jobId: string;
  studyInstanceUid: string;
  /** Instances asked for in this run (0 until the PACS says, when it lists none). */
  requested: number;
  /** Sub-operations (C-GET/C-MOVE) or parts (WADO-RS) the PACS has done. */
  completed: number;
  remaining: number;
  failed: number;
  /** Newly stored in the archive. */
  stored: number;
  /** Already in the archive: not asked for again. */
  skipped: number;
}

export type CacEventName = keyof CacEvents;
export type CacEvent = { [E in CacEventName]: { type: E; payload: CacEvents[E] } }[CacEventName];
/** Every event once (a Record, so an event added to CacEvents and not here fails the build). */
const EVENTS: Record<CacEventName, true> = {
  'import.progress': true,
  'import.done': true,
  'studies.changed': true,
  'worker.crashed': true,
  'reading.changed': true,
  'retrieve.progress': true,
  'retrieve.done': true,
  'report.changed': true,
  'outbound.changed': true,
  'backup.progress': true,
  'backup.done': true,
};
export const EVENT_NAMES = Object.keys(EVENTS) as readonly CacEventName[];
