/**
 * The scoring worker's message protocol (version 1). Requests go in, progress/result/error come
 * out, each tagged with the request id. Volumes travel as ArrayBuffers in the transfer list.
 */
import type { Assignment, AssignmentTarget, ClickScope } from './scoring/arteries.js';
import type { AssignmentOutcome, ScoreSheet } from './scoring/scoringSession.js';
import type { LoadIssue } from './dicom/loadIssues.js';
import type { VolumeGeometry } from './geometry/volumeGeometry.js';
import type { ScoringOptions } from './openScoringSession.js';

export const PROTOCOL_VERSION = 1;

export type { ScoringOptions };

export type WorkerRequest =
  | { type: 'load'; version: number; requestId: number; path: string; seriesInstanceUid?: string; options: ScoringOptions; assignments?: Assignment[] }
  | { type: 'assign'; version: number; requestId: number; sessionId: number; assignment: Assignment }
  | { type: 'undo'; version: number; requestId: number; sessionId: number }
  | { type: 'score'; version: number; requestId: number; sessionId: number }
  | { type: 'labels'; version: number; requestId: number; sessionId: number }
  | { type: 'cancel'; version: number; requestId: number; targetRequestId: number };

export type WorkerRequestType = WorkerRequest['type'];

export interface SeriesFacts {
  seriesInstanceUid: string;
  studyInstanceUid: string;
  seriesDescription?: string;
  transferSyntaxUid: string;
  kvp?: number;
  sliceThicknessMm?: number;
  sopInstanceUids: string[];
}

/** The lesion index: enough for a display to find and outline each lesion without the worker. */
export interface LesionIndex {
  plaqueCount: number;
  lesionCount: number;
  plaqueSlice: Int32Array;
  plaqueLesion: Int32Array;
  plaquePeakHu: Float64Array;
}

export interface LoadResult {
  sessionId: number;
  series: SeriesFacts;
  geometry: VolumeGeometry;
  /** HU volume (Int16 or Float32 elements, see huType), transferred. */
  hu: ArrayBuffer;
  huType: 'int16' | 'float32';
  issues: LoadIssue[];
  lesions: LesionIndex;
  /** Assignments replayed at load (restored work) with their outcomes. */
  replayed: AssignmentOutcome[];
  scores: ScoreSheet;
}

export interface AssignResult {
  outcome: AssignmentOutcome;
  scores: ScoreSheet;
}

export interface UndoResult {
  undone: Assignment | null;
  scores: ScoreSheet;
}

export interface LabelsResult {
  labels: ArrayBuffer;
}

export interface ResultByType {
  load: LoadResult;
  assign: AssignResult;
  undo: UndoResult;
  score: { scores: ScoreSheet };
  labels: LabelsResult;
  cancel: { cancelled: boolean };
}

export type WorkerErrorCode = 'load-failed' | 'choose-series' | 'cancelled' | 'no-session' | 'bad-request' | 'worker-crashed' | 'internal';

export type WorkerMessage =
  | { type: 'ready'; version: number; pid: number }
  | { type: 'progress'; requestId: number; phase: 'scan' | 'load' | 'score'; done: number; total: number }
  | { type: 'result'; requestId: number; result: ResultByType[WorkerRequestType] }
  | { type: 'error'; requestId: number; code: WorkerErrorCode; message: string; details?: string[] };

export type { Assignment, AssignmentTarget, ClickScope };
