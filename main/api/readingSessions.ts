/**
 * Readings as the API serves them: a saved reading (db/readingRepository) brought to life in the
 * scoring worker. The worker holds one series at a time and may crash, so the saved assignments
 * are the truth: whenever the worker does not hold this reading at this revision, the series is
 * loaded again with the saved assignments replayed. Every assign/undo/redo is checked against the
 * caller's revision before the worker is touched and saved in the same request.
 */
import { dirname } from 'node:path';
import type { ArchiveStore } from '../archive/archiveStore.js';
import type { ScoringWorkerClient } from '../worker/scoringWorkerClient.js';
import { ReadingRepository, type ReadingRecord } from '../../db/readingRepository.js';
import { ALGORITHM_VERSION } from '../../native-worker/algorithmVersion.js';
import type { LoadResult, ScoringOptions } from '../../native-worker/protocol.js';
import { ARTERIES, type Assignment } from '../../native-worker/scoring/arteries.js';
import type { CalciumScore } from '../../native-worker/scoring/scores.js';
import type { ScoreSheet } from '../../native-worker/scoring/scoringSession.js';
import { ApiFailure, CONFLICT_MESSAGE } from './apiError.js';
import { actorId, actorLabel } from '../auth/actor.js';
import type { AssignResponse, GeometryView, LesionIndexView, OtherReading, ReadingView, RestoredWork, UndoResponse } from './contract.js';
import type { EmitApiEvent } from './eventHub.js';
import type { Settings } from './settings.js';

/** What the worker holds now: which reading, at which revision, and which saved assignments took effect. */
interface WorkerHolds {
  readingId: number;
  sessionId: number;
  revision: number;
  /** Parallel to the saved assignments: false where a replayed assignment found no calcium. */
  applied: boolean[];
}

/** A reading some window has open: the series facts and the HU volume it fetches. */
interface OpenReading {
  view: Omit<ReadingView, 'revision' | 'scores' | 'assignments' | 'redoDepth' | 'restored' | 'otherReadings' | 'takenOverFrom'>;
  hu: ArrayBuffer;
  /** Windows that have it open (a second window on the same study shares it). */
  windows: number;
  /** Changes saved since it was opened: the audit records the first and, at close, the last. */
  changes?: { count: number; firstRevision: number; lastRevision: number };
}

export interface ReadingSessionsOptions {
  store: ArchiveStore;
  worker: ScoringWorkerClient;
  settings: () => Settings;
  emit: EmitApiEvent;
}

export class ReadingSessions {
  readonly readings: ReadingRepository;
  private holds?: WorkerHolds;
  private readonly open = new Map<number, OpenReading>();
  /** Worker requests and reading saves run one at a time: the worker has one session, the revision one truth. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly options: ReadingSessionsOptions) {
    this.readings = new ReadingRepository(options.store.db);
    // A crashed worker forgot its session: the next request loads the reading again.
    options.worker.on('crash', () => {
      this.holds = undefined;
    });
  }

  private serial<T>(work: () => Promise<T>): Promise<T> {
    const result = this.queue.then(work, work);
    this.queue = result.catch(() => undefined);
    return result;
  }

  openReading(studyInstanceUid: string, seriesInstanceUid: string, start: ReadingStart = 'own'): Promise<ReadingView> {
    return this.serial(async () => {
      const { store } = this.options;
      const instances = store.instances.listInstances(seriesInstanceUid);
      if (instances.length === 0 || instances[0].studyInstanceUid !== studyInstanceUid) {
        throw new ApiFailure('not-found', `series ${seriesInstanceUid} of study ${studyInstanceUid} is not in the archive`);
      }
      const reading = this.chooseReading(studyInstanceUid, seriesInstanceUid, start);
      const already = this.open.get(reading.id);
      let scores: ScoreSheet;
      let restored: RestoredWork;
      if (already && this.holdsCurrent(reading)) {
        // A second window on a reading the worker holds: no reload, the same volume.
        scores = (await this.options.worker.request('score', { sessionId: this.holds!.sessionId })).scores;
        already.windows++;
        restored = restoredWork(reading, scores, []);
      } else {
        const loaded = await this.load(reading);
        scores = loaded.scores;
        restored = restoredWork(reading, scores, loaded.replayed.filter((outcome) => !outcome.applied));
        const view = describeLoad(reading, loaded);
        this.open.set(reading.id, { view, hu: loaded.hu, windows: (already?.windows ?? 0) + 1 });
        if (reading.scores === null) this.readings.recordScores(reading.id, scores);
      }
      store.audit.record({
        actor: reading.reader,
        action: 'reading-opened',
        subject: seriesInstanceUid,
        details: { studyInstanceUid, readingId: reading.id, revision: reading.revision, assignments: reading.assignments.length },
      });
      return {
        ...this.open.get(reading.id)!.view,
        revision: reading.revision,
        scores,
        assignments: reading.assignments,
        redoDepth: reading.redoStack.length,
        restored,
        otherReadings: this.readings.listForSeries(seriesInstanceUid).filter((other) => other.id !== reading.id).map(otherReading),
        takenOverFrom: this.takenOverFrom(reading),
      };
    });
  }

  /**
   * Which reading the signed-in reader opens (issue 10): their own; never silently a new empty one
   * over another reader's saved work: that is an explicit 'new', or a take-over (audited).
   */
  private chooseReading(studyInstanceUid: string, seriesInstanceUid: string, start: ReadingStart): ReadingRecord {
    const owner = { reader: actorLabel(), readerUserId: actorId() };
    const own = this.readings.findOwn(seriesInstanceUid, owner);
    const others = this.readings.listForSeries(seriesInstanceUid).filter((other) => other.id !== own?.id);
    const fresh = () =>
      this.readings.findOrCreate({ studyInstanceUid, seriesInstanceUid, ...owner, parameters: scoringOptionsFrom(this.options.settings()), algorithmVersion: ALGORITHM_VERSION });
    if (start === 'own') {
      if (own) return own;
      if (others.length === 0) return fresh();
      const listed = others.map(otherReading);
      throw new ApiFailure(
        'conflict',
        `${others.map((other) => other.reader).join(', ')} already ${others.length === 1 ? 'has a saved reading' : 'have saved readings'} of this series: continue one (take it over) or start your own`,
        listed.map((other) => `reading ${other.readingId} by ${other.reader}: ${other.assignments} assignments, saved ${other.updatedAt}`),
        listed,
      );
    }
    if (start === 'new') {
      if (own) throw new ApiFailure('conflict', `you already have a reading of this series (${own.assignments.length} assignments): open it`);
      return fresh();
    }
    const source = others.find((other) => other.id === start.takeOver);
    if (!source) throw new ApiFailure('not-found', `reading ${start.takeOver} is not another reader's reading of this series`);
    if (own && (own.assignments.length > 0 || own.redoStack.length > 0)) {
      throw new ApiFailure('conflict', `you already have your own reading of this series with ${own.assignments.length} assignments: continue it, or ask for it to be set aside before taking over ${source.reader}'s`);
    }
    const taken = this.readings.takeOver(source, owner);
    this.options.store.audit.record({
      actor: owner.reader,
      action: 'reading-taken-over',
      subject: seriesInstanceUid,
      details: { studyInstanceUid, from: { readingId: source.id, reader: source.reader, revision: source.revision }, to: { readingId: taken.id, reader: taken.reader }, assignments: taken.assignments.length },
    });
    return taken;
  }

  private takenOverFrom(reading: ReadingRecord): ReadingView['takenOverFrom'] {
    if (reading.takenOverFrom === null) return null;
    const source = this.readings.get(reading.takenOverFrom);
    return { readingId: reading.takenOverFrom, reader: source?.reader ?? 'unknown reader' };
  }

  assign(readingId: number, revision: number, assignment: Assignment): Promise<AssignResponse> {
    return this.serial(async () => {
      const reading = this.current(readingId, revision);
      const holds = await this.ensureHeld(reading);
      const { outcome, scores } = await this.options.worker.request('assign', { sessionId: holds.sessionId, assignment });
      if (!outcome.applied) {
        // A click on no calcium changes nothing: nothing to save, the revision stays.
        return { outcome, scores, revision: reading.revision, assignments: reading.assignments.length, redoDepth: reading.redoStack.length };
      }
      const assignments = [...reading.assignments, assignment];
      const saved = this.save(reading, assignments, [], scores, [...holds.applied, true]);
      return { outcome, scores, ...saved };
    });
  }

  undo(readingId: number, revision: number): Promise<UndoResponse> {
    return this.serial(async () => {
      const reading = this.current(readingId, revision);
      const holds = await this.ensureHeld(reading);
      const last = reading.assignments.at(-1);
      if (!last) {
        const { scores } = await this.options.worker.request('score', { sessionId: holds.sessionId });
        return { assignment: null, scores, revision: reading.revision, assignments: 0, redoDepth: reading.redoStack.length };
      }
      // A replayed assignment that found no calcium is not in the worker's history: only forget it.
      const { scores } = holds.applied.at(-1)
        ? await this.options.worker.request('undo', { sessionId: holds.sessionId })
        : await this.options.worker.request('score', { sessionId: holds.sessionId });
      const saved = this.save(reading, reading.assignments.slice(0, -1), [...reading.redoStack, last], scores, holds.applied.slice(0, -1));
      return { assignment: last, scores, ...saved };
    });
  }

  redo(readingId: number, revision: number): Promise<UndoResponse> {
    return this.serial(async () => {
      const reading = this.current(readingId, revision);
      const holds = await this.ensureHeld(reading);
      const next = reading.redoStack.at(-1);
      if (!next) {
        const { scores } = await this.options.worker.request('score', { sessionId: holds.sessionId });
        return { assignment: null, scores, revision: reading.revision, assignments: reading.assignments.length, redoDepth: 0 };
      }
      const { outcome, scores } = await this.options.worker.request('assign', { sessionId: holds.sessionId, assignment: next });
      const saved = this.save(reading, [...reading.assignments, next], reading.redoStack.slice(0, -1), scores, [...holds.applied, outcome.applied]);
      return { assignment: next, scores, ...saved };
    });
  }

  /** The HU volume of an open reading. The same buffer every time: transports must copy, never transfer it. */
  volume(readingId: number): ArrayBuffer {
    const open = this.open.get(readingId);
    if (!open) throw new ApiFailure('not-found', `reading ${readingId} is not open: open the series first`);
    this.options.store.audit.record({ actor: actorLabel(), action: 'reading-volume-read', subject: open.view.series.seriesInstanceUid, details: { readingId } });
    return open.hu;
  }

  labels(readingId: number): Promise<ArrayBuffer> {
    return this.serial(async () => {
      if (!this.open.has(readingId)) throw new ApiFailure('not-found', `reading ${readingId} is not open: open the series first`);
      const reading = this.readings.get(readingId);
      if (!reading) throw new ApiFailure('not-found', `there is no reading ${readingId}`);
      const holds = await this.ensureHeld(reading);
      return (await this.options.worker.request('labels', { sessionId: holds.sessionId })).labels;
    });
  }

  /**
   * Everything a report needs of an open reading, consistent at one revision: the saved reading,
   * its series facts and warnings, the HU volume and the label volume (key images).
   */
  reportSnapshot(readingId: number): Promise<{ reading: ReadingRecord; view: OpenReading['view']; hu: ArrayBuffer; labels: ArrayBuffer }> {
    return this.serial(async () => {
      const open = this.open.get(readingId);
      if (!open) throw new ApiFailure('not-found', `reading ${readingId} is not open: open the series first`);
      const reading = this.readings.get(readingId);
      if (!reading) throw new ApiFailure('not-found', `there is no reading ${readingId}`);
      const holds = await this.ensureHeld(reading);
      const { labels } = await this.options.worker.request('labels', { sessionId: holds.sessionId });
      return { reading, view: open.view, hu: open.hu, labels };
    });
  }

  close(readingId: number): Promise<{ closed: boolean }> {
    return this.serial(async () => {
      const open = this.open.get(readingId);
      if (!open) return { closed: false };
      open.windows--;
      if (open.windows <= 0) {
        this.open.delete(readingId);
        if (open.changes) {
          const saved = this.readings.get(readingId);
          this.options.store.audit.record({
            actor: actorLabel(),
            action: 'assignments-ended',
            subject: open.view.series.seriesInstanceUid,
            details: { studyInstanceUid: saved?.studyInstanceUid, readingId, changes: open.changes.count, firstRevision: open.changes.firstRevision, lastRevision: open.changes.lastRevision, assignments: saved?.assignments.length },
          });
        }
        // Let go of the worker's session too: reopening replays the saved work from the database.
        if (this.holds?.readingId === readingId) this.holds = undefined;
      }
      this.options.store.audit.record({ actor: actorLabel(), action: 'reading-closed', subject: open.view.series.seriesInstanceUid, details: { readingId } });
      return { closed: true };
    });
  }

  /** The saved reading, if the caller saw its latest revision. */
  private current(readingId: number, revision: number): ReadingRecord {
    const reading = this.readings.get(readingId);
    if (!reading) throw new ApiFailure('not-found', `there is no reading ${readingId}: open the series again`);
    if (reading.revision !== revision) throw new ApiFailure('conflict', CONFLICT_MESSAGE);
    // Only its owner changes a reading (issue 10): another reader takes it over first, which is audited.
    if (reading.readerUserId !== actorId()) {
      throw new ApiFailure('not-permitted', `reading ${readingId} is ${reading.reader}'s: open the series and take it over, or start your own reading`);
    }
    return reading;
  }

  private holdsCurrent(reading: ReadingRecord): boolean {
    return this.holds?.readingId === reading.id && this.holds.revision === reading.revision;
  }

  private async ensureHeld(reading: ReadingRecord): Promise<WorkerHolds> {
    if (!this.holdsCurrent(reading)) {
      const loaded = await this.load(reading);
      // The reload brings a fresh volume (the old one may have gone with a crashed worker's series).
      const open = this.open.get(reading.id);
      if (open) open.hu = loaded.hu;
    }
    return this.holds!;
  }

  private async load(reading: ReadingRecord): Promise<LoadResult> {
    this.holds = undefined;
    const instances = this.options.store.instances.listInstances(reading.seriesInstanceUid);
    if (instances.length === 0) throw new ApiFailure('not-found', `series ${reading.seriesInstanceUid} is no longer in the archive`);
    // Archived files sit in one folder per series (studies/<study>/<series>/), named by validated UIDs.
    const folder = this.options.store.absolutePath(dirname(instances[0].path));
    const loaded = await this.options.worker.request('load', {
      path: folder,
      seriesInstanceUid: reading.seriesInstanceUid,
      options: reading.parameters,
      assignments: reading.assignments,
    });
    this.holds = { readingId: reading.id, sessionId: loaded.sessionId, revision: reading.revision, applied: loaded.replayed.map((outcome) => outcome.applied) };
    return loaded;
  }

  private save(reading: ReadingRecord, assignments: Assignment[], redoStack: Assignment[], scores: ScoreSheet, applied: boolean[]): { revision: number; assignments: number; redoDepth: number } {
    const revision = this.readings.save(reading.id, reading.revision, { assignments, redoStack, scores, algorithmVersion: scores.algorithmVersion });
    if (revision === undefined) {
      // Another process saved first: the worker's state is ahead of the database, so drop it.
      this.holds = undefined;
      throw new ApiFailure('conflict', CONFLICT_MESSAGE);
    }
    this.holds = { ...this.holds!, revision, applied };
    this.auditAssignmentSession(reading, revision, assignments.length);
    this.options.emit('reading.changed', { readingId: reading.id, revision });
    // The worklist shows who has started: a new study becomes "in progress" with its first saved change.
    const started = this.options.store.db.prepare(`UPDATE studies SET status = 'in-progress' WHERE study_instance_uid = ? AND status = 'new'`).run(reading.studyInstanceUid).changes;
    if (started) this.options.emit('studies.changed', { studyInstanceUids: [reading.studyInstanceUid], reason: 'status' });
    return { revision, assignments: assignments.length, redoDepth: redoStack.length };
  }

  /** An assignment session is audited by its first change (here) and its last (at close). */
  private auditAssignmentSession(reading: ReadingRecord, revision: number, assignments: number): void {
    const open = this.open.get(reading.id);
    if (!open) return;
    if (open.changes) {
      open.changes.count++;
      open.changes.lastRevision = revision;
      return;
    }
    open.changes = { count: 1, firstRevision: revision, lastRevision: revision };
    this.options.store.audit.record({
      actor: actorLabel(),
      action: 'assignments-started',
      subject: reading.seriesInstanceUid,
      details: { studyInstanceUid: reading.studyInstanceUid, readingId: reading.id, revision, assignments },
    });
  }
}

/** reading.open's choice: your own reading, a new one of your own, or another reader's taken over. */
export type ReadingStart = 'own' | 'new' | { takeOver: number };

function otherReading(reading: ReadingRecord): OtherReading {
  return { readingId: reading.id, reader: reading.reader, assignments: reading.assignments.length, updatedAt: reading.updatedAt };
}

export function scoringOptionsFrom(settings: Settings): ScoringOptions {
  const { thresholdHu, kvAdjusted, minAreaMm2, massFactor } = settings.scoring;
  return { thresholdHu, kvAdjusted, minAreaMm2, ...(massFactor === null ? {} : { massFactor }) };
}

function restoredWork(reading: ReadingRecord, scores: ScoreSheet, missed: RestoredWork['missed']): RestoredWork {
  const restored: RestoredWork = { assignments: reading.assignments.length, missed, scoresMatchSaved: reading.scores === null || sameScores(reading.scores, scores) };
  if (reading.algorithmVersion !== scores.algorithmVersion) {
    restored.algorithmVersionChanged = {
      saved: reading.algorithmVersion,
      current: scores.algorithmVersion,
      message: `this reading was saved by ${reading.algorithmVersion} and is now scored by ${scores.algorithmVersion}: check the scores before signing`,
    };
  }
  return restored;
}

function sameScores(saved: ScoreSheet, now: ScoreSheet): boolean {
  const close = (a: number | null, b: number | null) => (a === null || b === null ? a === b : Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a)));
  const same = (a: CalciumScore, b: CalciumScore | undefined) =>
    b !== undefined && close(a.agatston, b.agatston) && close(a.volumeMm3, b.volumeMm3) && close(a.massMg, b.massMg) && a.lesions === b.lesions;
  return same(saved.total, now.total) && ARTERIES.every((artery) => same(saved.arteries[artery], now.arteries[artery]));
}

function describeLoad(reading: ReadingRecord, loaded: LoadResult): OpenReading['view'] {
  const g = loaded.geometry;
  const geometry: GeometryView = {
    columns: g.columns,
    rows: g.rows,
    slices: g.slices,
    pixelSpacingMm: g.pixelSpacingMm,
    rowDirection: g.rowDirection,
    columnDirection: g.columnDirection,
    normal: g.normal,
    sliceOrigins: Array.from(g.sliceOrigins),
    slicePositionsMm: Array.from(g.slicePositionsMm),
    sliceIncrementMm: g.sliceIncrementMm,
  };
  const l = loaded.lesions;
  const lesions: LesionIndexView = {
    plaqueCount: l.plaqueCount,
    lesionCount: l.lesionCount,
    plaqueSlice: Array.from(l.plaqueSlice),
    plaqueLesion: Array.from(l.plaqueLesion),
    plaquePeakHu: Array.from(l.plaquePeakHu),
  };
  return {
    readingId: reading.id,
    reader: reading.reader,
    series: loaded.series,
    geometry,
    volume: { channel: 'reading.volume', path: `/api/volume/${reading.id}`, byteLength: loaded.hu.byteLength, huType: loaded.huType },
    issues: loaded.issues,
    lesions,
    parameters: reading.parameters,
  };
}
