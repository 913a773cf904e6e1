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
  parameters: string;
  algorithmVersion: string;
  assignments: string;
  redoStack: string;
  scores: string | null;
  revision: number;
  createdAt: string;
  updatedAt: string;
}

const SELECT = `SELECT id, study_instance_uid AS studyInstanceUid, series_instance_uid AS seriesInstanceUid, reader, parameters,
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

  /** The reader's reading of this series: the saved one, or a new empty one at revision 0. */
  findOrCreate(reading: NewReading): ReadingRecord {
    const at = new Date().toISOString();
    // INSERT OR IGNORE: two windows opening the same new series at once get the same row.
    this.db
      .prepare(
        `INSERT INTO readings (study_instance_uid, series_instance_uid, reader, parameters, algorithm_version, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (series_instance_uid, reader) DO NOTHING`,
      )
      .run(reading.studyInstanceUid, reading.seriesInstanceUid, reading.reader, JSON.stringify(reading.parameters), reading.algorithmVersion, at, at);
    return this.find(reading.seriesInstanceUid, reading.reader)!;
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
