/**
 * Procedure notes: the technologist's checklist of a study, one immutable row per version (the
 * database refuses UPDATE and DELETE). A save names the version it was made on; when another
 * version was saved since, nothing is written and the caller is told (optimistic concurrency).
 */
import type { ArchiveDatabase } from './archiveDatabase.js';
import type { ProcedureNoteVersion } from '../main/notes/notesContract.js';
import { procedureChecklistSchema, type ProcedureChecklist } from '../main/notes/procedureChecklist.js';

/** The checklist cannot be saved as given; every problem names its item. */
export class ProcedureNoteError extends Error {
  constructor(readonly problems: string[]) {
    super(`the procedure note is not valid: ${problems.join('; ')}`);
    this.name = 'ProcedureNoteError';
  }
}

export type NoteSaveOutcome = { saved: ProcedureNoteVersion } | { conflict: { currentVersion: number } };

interface NoteRow {
  version: number;
  checklist: string;
  author: string;
  recordedAt: string;
}

export class ProcedureNoteRepository {
  constructor(private readonly db: ArchiveDatabase) {}

  /** Every version of the study's note, newest first. */
  versions(studyInstanceUid: string): ProcedureNoteVersion[] {
    const rows = this.db
      .prepare(`SELECT version, checklist, author, recorded_at AS recordedAt FROM procedure_notes WHERE study_instance_uid = ? ORDER BY version DESC`)
      .all(studyInstanceUid) as NoteRow[];
    return rows.map(toVersion);
  }

  current(studyInstanceUid: string): ProcedureNoteVersion | undefined {
    const row = this.db
      .prepare(`SELECT version, checklist, author, recorded_at AS recordedAt FROM procedure_notes WHERE study_instance_uid = ? ORDER BY version DESC LIMIT 1`)
      .get(studyInstanceUid) as NoteRow | undefined;
    return row && toVersion(row);
  }

  /**
   * Save the checklist as the version after `baseVersion` (0: the first). Validated first; a stale
   * base version writes nothing and reports the version now current.
   */
  save(studyInstanceUid: string, baseVersion: number, checklist: unknown, author: string): NoteSaveOutcome {
    const parsed = procedureChecklistSchema.safeParse(checklist);
    if (!parsed.success) throw new ProcedureNoteError(parsed.error.issues.map((issue) => `${issue.path.join('.') || 'checklist'}: ${issue.message}`));
    if (!author.trim()) throw new ProcedureNoteError(['author: a note needs its author']);
    return this.db
      .transaction((): NoteSaveOutcome => {
        const currentVersion = (this.db.prepare('SELECT coalesce(max(version), 0) FROM procedure_notes WHERE study_instance_uid = ?').pluck().get(studyInstanceUid) as number) ?? 0;
        if (currentVersion !== baseVersion) return { conflict: { currentVersion } };
        const row = this.db
          .prepare(
            `INSERT INTO procedure_notes (study_instance_uid, version, checklist, author, recorded_at) VALUES (?, ?, ?, ?, ?)
             RETURNING version, checklist, author, recorded_at AS recordedAt`,
          )
          .get(studyInstanceUid, baseVersion + 1, JSON.stringify(parsed.data), author, new Date().toISOString()) as NoteRow;
        return { saved: toVersion(row) };
      })
      .immediate();
  }
}

function toVersion(row: NoteRow): ProcedureNoteVersion {
  return { version: row.version, checklist: JSON.parse(row.checklist) as ProcedureChecklist, author: row.author, recordedAt: row.recordedAt };
}
