/** Files the archive could not accept, with the reason, kept so nothing received is lost. */
import type { ArchiveDatabase } from './archiveDatabase.js';

export interface QuarantineEntry {
  originalName: string;
  /** Relative to the archive folder; null when there were no bytes to keep (e.g. an empty file). */
  storedPath: string | null;
  code: string;
  reason: string;
  sopInstanceUid?: string;
  sizeBytes?: number;
  sha256?: string;
  source: string;
  importJobId?: number;
}

export interface QuarantinedFile extends Required<Omit<QuarantineEntry, 'sopInstanceUid' | 'sizeBytes' | 'sha256' | 'importJobId'>> {
  id: number;
  sopInstanceUid: string | null;
  sizeBytes: number | null;
  quarantinedAt: string;
}

export class QuarantineRepository {
  constructor(private readonly db: ArchiveDatabase) {}

  add(entry: QuarantineEntry): number {
    const row = this.db
      .prepare(
        `INSERT INTO quarantine (original_name, stored_path, reason, code, sop_instance_uid, size_bytes, sha256, source, import_job_ref, quarantined_at)
         VALUES (@originalName, @storedPath, @reason, @code, @sopInstanceUid, @sizeBytes, @sha256, @source, @importJobId, @at) RETURNING id`,
      )
      .get({
        ...entry,
        sopInstanceUid: entry.sopInstanceUid ?? null,
        sizeBytes: entry.sizeBytes ?? null,
        sha256: entry.sha256 ?? null,
        importJobId: entry.importJobId ?? null,
        at: new Date().toISOString(),
      }) as { id: number };
    return row.id;
  }

  list(importJobId?: number): QuarantinedFile[] {
    const where = importJobId === undefined ? '' : 'WHERE import_job_ref = @importJobId';
    return this.db
      .prepare(
        `SELECT id, original_name AS originalName, stored_path AS storedPath, code, reason, sop_instance_uid AS sopInstanceUid,
                size_bytes AS sizeBytes, source, quarantined_at AS quarantinedAt
           FROM quarantine ${where} ORDER BY id`,
      )
      .all({ importJobId: importJobId ?? null }) as QuarantinedFile[];
  }

  storedPaths(): Set<string> {
    const rows = this.db.prepare('SELECT stored_path AS path FROM quarantine WHERE stored_path IS NOT NULL').all() as Array<{ path: string }>;
    return new Set(rows.map((row) => row.path));
  }
}
