/**
 * What the scoring worker does with each request, independent of how messages travel (child
 * process, worker thread, Electron utilityProcess). One series is open at a time.
 */
import { describeSeries, SeriesChoiceError } from './openSeries.js';
import { openScoringSession } from './openScoringSession.js';
import type { ScoringSession } from './scoring/scoringSession.js';
import { ASSIGNMENT_TARGETS, type Assignment } from './scoring/arteries.js';
import { DicomLoadError } from './dicom/loadIssues.js';
import {
  PROTOCOL_VERSION,
  type LoadResult,
  type WorkerErrorCode,
  type WorkerMessage,
  type WorkerRequest,
} from './protocol.js';

export type Send = (message: WorkerMessage, transfer?: ArrayBuffer[]) => void;

class RequestError extends Error {
  constructor(
    readonly code: WorkerErrorCode,
    message: string,
    readonly details?: string[],
  ) {
    super(message);
  }
}

export class WorkerCore {
  private session?: ScoringSession;
  private sessionId = 0;
  private readonly running = new Map<number, AbortController>();

  constructor(private readonly send: Send) {}

  async handle(request: WorkerRequest): Promise<void> {
    try {
      if (request.version !== PROTOCOL_VERSION) {
        throw new RequestError('bad-request', `protocol version ${request.version} is not ${PROTOCOL_VERSION}: the worker and the app are from different builds`);
      }
      switch (request.type) {
        case 'load':
          return await this.load(request);
        case 'assign': {
          const session = this.current(request.sessionId);
          checkAssignment(request.assignment);
          const outcome = session.assign(request.assignment);
          return this.reply(request.requestId, { outcome, scores: session.scores() });
        }
        case 'undo': {
          const session = this.current(request.sessionId);
          const undone = session.undo() ?? null;
          return this.reply(request.requestId, { undone, scores: session.scores() });
        }
        case 'score':
          return this.reply(request.requestId, { scores: this.current(request.sessionId).scores() });
        case 'labels': {
          const labels = this.current(request.sessionId).labelVolume();
          return this.reply(request.requestId, { labels: labels.buffer as ArrayBuffer }, [labels.buffer as ArrayBuffer]);
        }
        case 'cancel': {
          const controller = this.running.get(request.targetRequestId);
          controller?.abort();
          return this.reply(request.requestId, { cancelled: controller !== undefined });
        }
        default:
          throw new RequestError('bad-request', `unknown request type ${(request as { type: unknown }).type}`);
      }
    } catch (reason) {
      this.fail(request.requestId, reason);
    }
  }

  private async load(request: Extract<WorkerRequest, { type: 'load' }>): Promise<void> {
    const controller = new AbortController();
    this.running.set(request.requestId, controller);
    try {
      const { opened, session, issues } = await openScoringSession(request.path, request.options, {
        seriesInstanceUid: request.seriesInstanceUid,
        signal: controller.signal,
        onProgress: ({ phase, done, total }) => this.send({ type: 'progress', requestId: request.requestId, phase, done, total }),
      });
      controller.signal.throwIfAborted();
      const { series } = opened;
      const replayed = (request.assignments ?? []).map((assignment) => {
        checkAssignment(assignment);
        return session.assign(assignment);
      });
      this.session = session;
      this.sessionId++;
      const c = session.candidates;
      const hu = series.hu.buffer as ArrayBuffer;
      const result: LoadResult = {
        sessionId: this.sessionId,
        series: {
          seriesInstanceUid: series.seriesInstanceUid,
          studyInstanceUid: series.studyInstanceUid,
          seriesDescription: series.seriesDescription,
          transferSyntaxUid: series.transferSyntaxUid,
          kvp: series.kvp,
          sliceThicknessMm: series.sliceThicknessMm,
          sopInstanceUids: series.slices.map((slice) => slice.sopInstanceUid),
        },
        geometry: series.geometry,
        hu,
        huType: series.hu instanceof Int16Array ? 'int16' : 'float32',
        issues,
        lesions: {
          plaqueCount: c.plaqueCount,
          lesionCount: c.lesionCount,
          plaqueSlice: c.plaqueSlice,
          plaqueLesion: c.plaqueLesion,
          plaquePeakHu: c.plaquePeakHu,
        },
        replayed,
        scores: session.scores(),
      };
      // The volume moves to the caller: the session needs only its candidates from here on.
      this.reply(request.requestId, result, [hu]);
    } finally {
      this.running.delete(request.requestId);
    }
  }

  private current(sessionId: number): ScoringSession {
    if (!this.session) throw new RequestError('no-session', 'no series is open in the scoring worker: open the series again');
    if (sessionId !== this.sessionId) {
      throw new RequestError('no-session', `session ${sessionId} is closed (another series was opened since): reopen the series`);
    }
    return this.session;
  }

  private reply(requestId: number, result: unknown, transfer?: ArrayBuffer[]): void {
    this.send({ type: 'result', requestId, result } as WorkerMessage, transfer);
  }

  private fail(requestId: number, reason: unknown): void {
    let code: WorkerErrorCode = 'internal';
    let details: string[] | undefined;
    let message = reason instanceof Error ? reason.message : String(reason);
    if (reason instanceof RequestError) {
      code = reason.code;
      details = reason.details;
    } else if (reason instanceof SeriesChoiceError) {
      code = 'choose-series';
      details = reason.series.map(describeSeries);
    } else if (reason instanceof DicomLoadError || reason instanceof RangeError) {
      code = 'load-failed';
    } else if (reason instanceof Error && reason.name === 'AbortError') {
      code = 'cancelled';
      message = 'loading was cancelled';
    } else if ((reason as NodeJS.ErrnoException)?.code === 'ENOENT') {
      code = 'load-failed';
      message = `no such file or folder: ${(reason as NodeJS.ErrnoException).path}`;
    }
    this.send({ type: 'error', requestId, code, message, details });
  }
}

function checkAssignment(assignment: Assignment): void {
  const valid =
    assignment &&
    ASSIGNMENT_TARGETS.includes(assignment.artery) &&
    (assignment.scope === 'lesion' || assignment.scope === 'slice') &&
    Array.isArray(assignment.point) &&
    assignment.point.length === 3 &&
    assignment.point.every(Number.isFinite);
  if (!valid) throw new RequestError('bad-request', `invalid assignment ${JSON.stringify(assignment)}: expected {artery, point: [x, y, z], scope}`);
}
