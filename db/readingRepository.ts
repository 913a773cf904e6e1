/**
 * Readings: a reader's assignments on one series with the redo stack, the scoring parameters, the
 * algorithm version and the latest scores. Every change is one UPDATE guarded by the revision the
 * caller last saw (optimistic concurrency): a stale revision changes nothing and is reported, so a
 * second window can never silently overwrite the first one's work.
 */
import type { ArchiveDatabase } from './archiveDatabase.js';
import type { Assignment } from '../native-worker/scoring/arteries.js';
import type { ScoreSheet } from '../native-worker/scoring/scoringSession.js';
import type { ScoringOptions } from '../native-worker/openScoringSession.js';

export interface ReadingRecord {
  id: number;
  studyInstanceUid: string;
  seriesInstanceUid: string;
  reader: string;
  /** The account the reading belongs to (migration 009); null for readings made before accounts. */
  readerUserId: number | null;
  /** The reading this one continues (taken over from another reader), if any. */
  takenOverFrom: number | null;
  parameters: ScoringOptions;
  algorithmVersion: string;
  assignments: Assignment[];
  /** Undone assignments; the last one is redone first. */
  redoStack: Assignment[];
  scores: ScoreSheet | null;
  revision: number;
  createdAt: string;
  updatedAt: string;
}

export interface NewReading {
  studyInstanceUid: string;
  seriesInstanceUid: string;
  reader: string;
  /** The owning account; without it the reading is keyed by the reader label alone (the workstation service, old callers). */
  readerUserId?: number | null;
  parameters: ScoringOptions;
  algorithmVersion: string;
}

export interface ReadingChangeRecord {
  assignments: Assignment[];
  redoStack: Assignment[];
  scores: ScoreSheet;
  algorithmVersion: string;
}

interface ReadingRow {
  id: number;
  studyInstanceUid: string;
  seriesInstanceUid: string;
  reader: string;
  readerUserId: number | null;
  takenOverFrom: number | null;
  parameters: string;
  algorithmVersion: string;
  assignments: string;
  redoStack: string;
  scores: string | null;
  revision: number;
  createdAt: string;
  updatedAt: string;
}

const SELECT = `SELECT id, study_instance_uid AS studyInstanceUid, series_instance_uid AS seriesInstanceUid, reader,
                       reader_user_id AS readerUserId, taken_over_from AS takenOverFrom, parameters,
                       algorithm_version AS algorithmVersion, assignments, redo_stack AS redoStack, scores, revision,
                       created_at AS createdAt, updated_at AS updatedAt
                  FROM readings`;

export class ReadingRepository {
  constructor(private readonly db: ArchiveDatabase) {}

  get(id: number): ReadingRecord | undefined {
    const row = this.db.prepare(`${SELECT} WHERE id = ?`).get(id) as ReadingRow | undefined;
    return row && toRecord(row);
  }

  find(seriesInstanceUid: string, reader: string): ReadingRecord | undefined {
    const row = this.db.prepare(`${SELECT} WHERE series_instance_uid = ? AND reader = ?`).get(seriesInstanceUid, reader) as ReadingRow | undefined;
    return row && toRecord(row);
  }

  /** The owner's reading of this series: by account, or (no account) by the label of a reading that has no account. */
  findOwn(seriesInstanceUid: string, owner: { readerUserId?: number | null; reader: string }): ReadingRecord | undefined {
    const row = (
      owner.readerUserId != null
        ? this.db.prepare(`${SELECT} WHERE series_instance_uid = ? AND reader_user_id = ?`).get(seriesInstanceUid, owner.readerUserId)
        : this.db.prepare(`${SELECT} WHERE series_instance_uid = ? AND reader = ? AND reader_user_id IS NULL`).get(seriesInstanceUid, owner.reader)
    ) as ReadingRow | undefined;
    return row && toRecord(row);
  }

  /** Every reading of a series, newest change first. */
  listForSeries(seriesInstanceUid: string): ReadingRecord[] {
    const rows = this.db.prepare(`${SELECT} WHERE series_instance_uid = ? ORDER BY updated_at DESC, id DESC`).all(seriesInstanceUid) as ReadingRow[];
    return rows.map(toRecord);
  }

  /** The reader's reading of this series: the saved one, or a new empty one at revision 0. */
  findOrCreate(reading: NewReading): ReadingRecord {
    const at = new Date().toISOString();
    // DO NOTHING on any unique key: two windows opening the same new series at once get the same row.
    this.db
      .prepare(
        `INSERT INTO readings (study_instance_uid, series_instance_uid, reader, reader_user_id, parameters, algorithm_version, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
      )
      .run(reading.studyInstanceUid, reading.seriesInstanceUid, reading.reader, reading.readerUserId ?? null, JSON.stringify(reading.parameters), reading.algorithmVersion, at, at);
    const own = this.findOwn(reading.seriesInstanceUid, reading);
    if (!own) throw new Error(`a reading of series ${reading.seriesInstanceUid} is already kept under the name "${reading.reader}" by another account`);
    return own;
  }

  /**
   * Take another reader's reading over: the new owner continues a copy of its assignments, redo
   * stack and scores (the original stays as its author left it). An empty reading the new owner
   * already has is filled instead of a second one made.
   */
  takeOver(source: ReadingRecord, owner: { reader: string; readerUserId: number | null }): ReadingRecord {
    return this.db.transaction(() => {
      const at = new Date().toISOString();
      const own = this.findOwn(source.seriesInstanceUid, owner);
      const copied = [JSON.stringify(source.parameters), source.algorithmVersion, JSON.stringify(source.assignments), JSON.stringify(source.redoStack), source.scores === null ? null : JSON.stringify(source.scores), source.id];
      if (own) {
        this.db
          .prepare(`UPDATE readings SET parameters = ?, algorithm_version = ?, assignments = ?, redo_stack = ?, scores = ?, taken_over_from = ?, revision = revision + 1, updated_at = ? WHERE id = ?`)
          .run(...copied, at, own.id);
        return this.get(own.id)!;
      }
      const id = this.db
        .prepare(
          `INSERT INTO readings (study_instance_uid, series_instance_uid, reader, reader_user_id, parameters, algorithm_version, assignments, redo_stack, scores,
                                taken_over_from, created_at, updated_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(source.studyInstanceUid, source.seriesInstanceUid, owner.reader, owner.readerUserId, ...copied, at, at).lastInsertRowid;
      return this.get(Number(id))!;
    }).immediate();
  }

  /**
   * Save a change made on top of `expectedRevision`. Returns the new revision, or undefined when
   * the reading moved on since (another window saved first): nothing is written then.
   */
  save(id: number, expectedRevision: number, change: ReadingChangeRecord): number | undefined {
    const row = this.db
      .prepare(
        `UPDATE readings SET assignments = ?, redo_stack = ?, scores = ?, algorithm_version = ?, revision = revision + 1, updated_at = ?
          WHERE id = ? AND revision = ? RETURNING revision`,
      )
      .get(
        JSON.stringify(change.assignments),
        JSON.stringify(change.redoStack),
        JSON.stringify(change.scores),
        change.algorithmVersion,
        new Date().toISOString(),
        id,
        expectedRevision,
      ) as { revision: number } | undefined;
    return row?.revision;
  }

  /** Record the scores of a reopened reading without moving its revision (nothing the reader did changed). */
  recordScores(id: number, scores: ScoreSheet): void {
    this.db.prepare(`UPDATE readings SET scores = ? WHERE id = ? AND scores IS NULL`).run(JSON.stringify(scores), id);
  }

  listForStudy(studyInstanceUid: string): ReadingRecord[] {
    const rows = this.db.prepare(`${SELECT} WHERE study_instance_uid = ? ORDER BY id`).all(studyInstanceUid) as ReadingRow[];
    return rows.map(toRecord);
  }
}

function toRecord(row: ReadingRow): ReadingRecord {
  return {
    ...row,
    parameters: JSON.parse(row.parameters) as ScoringOptions,
    assignments: JSON.parse(row.assignments) as Assignment[],
    redoStack: JSON.parse(row.redoStack) as Assignment[],
    scores: row.scores === null ? null : (JSON.parse(row.scores) as ScoreSheet),
  };
}
