/** Import jobs: one row per folder import, receiver session or retrieve, with its counts. */
import type { ArchiveDatabase } from './archiveDatabase.js';

export type ImportKind = 'folder' | 'receive' | 'retrieve';
export type ImportStatus = 'running' | 'done' | 'cancelled' | 'failed' | 'interrupted';

export interface ImportCounts {
  filesTotal: number;
  filesDone: number;
  bytesDone: number;
  stored: number;
  duplicates: number;
  conflicts: number;
  quarantined: number;
}

export interface ImportJob extends ImportCounts {
  id: number;
  kind: ImportKind;
  source: string;
  status: ImportStatus;
  startedAt: string;
  finishedAt: string | null;
  error: string | null;
}

export class ImportJobRepository {
  constructor(private readonly db: ArchiveDatabase) {}

  start(kind: ImportKind, source: string): number {
    const row = this.db
      .prepare(`INSERT INTO import_jobs (kind, source, started_at) VALUES (?, ?, ?) RETURNING id`)
      .get(kind, source, new Date().toISOString()) as { id: number };
    return row.id;
  }

  update(id: number, counts: ImportCounts): void {
    this.db
      .prepare(
        `UPDATE import_jobs SET files_total = @filesTotal, files_done = @filesDone, bytes_done = @bytesDone, stored = @stored,
                duplicates = @duplicates, conflicts = @conflicts, quarantined = @quarantined WHERE id = @id`,
      )
      .run({ ...counts, id });
  }

  finish(id: number, status: Exclude<ImportStatus, 'running'>, counts: ImportCounts, error?: string): void {
    this.update(id, counts);
    this.db.prepare(`UPDATE import_jobs SET status = ?, finished_at = ?, error = ? WHERE id = ?`).run(status, new Date().toISOString(), error ?? null, id);
  }

  /** Jobs left 'running' by a process that died: they are marked interrupted at start-up. */
  markInterrupted(): number {
    return this.db.prepare(`UPDATE import_jobs SET status = 'interrupted', finished_at = ? WHERE status = 'running'`).run(new Date().toISOString()).changes;
  }

  get(id: number): ImportJob | undefined {
    return this.db
      .prepare(
        `SELECT id, kind, source, status, started_at AS startedAt, finished_at AS finishedAt, files_total AS filesTotal,
                files_done AS filesDone, bytes_done AS bytesDone, stored, duplicates, conflicts, quarantined, error
           FROM import_jobs WHERE id = ?`,
      )
      .get(id) as ImportJob | undefined;
  }
}
