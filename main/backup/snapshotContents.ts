/**
 * What a snapshot database refers to: the object files it records (with their SHA-256 where the
 * database keeps one), the rows per table and the audit chain's head. Used by the backup (to know
 * what to copy) and by verify (to check the manifest against the database it describes).
 */
import type Database from 'better-sqlite3';
import type { AuditChainHead, BackedUpFileKind } from './backupLayout.js';

export interface ReferencedFile {
  path: string;
  kind: Exclude<BackedUpFileKind, 'report' | 'settings'>;
  sha256: string;
  sizeBytes: number;
}

/** A signed report version: its files are reports/<id>/v<version>/* (no per-file hash in the database). */
export interface SignedReportVersion {
  reportId: number;
  version: number;
  folder: string;
}

function tableNames(db: Database.Database): string[] {
  return (db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name`).pluck().all() as string[]);
}

function hasTable(db: Database.Database, name: string): boolean {
  return db.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?`).get(name) !== undefined;
}

export function schemaVersion(db: Database.Database): number {
  return db.pragma('user_version', { simple: true }) as number;
}

export function tableCounts(db: Database.Database): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const name of tableNames(db)) counts[name] = db.prepare(`SELECT count(*) FROM "${name.replace(/"/g, '""')}"`).pluck().get() as number;
  return counts;
}

/**
 * Object files with a hash in the database: archived instances, quarantined and conflicting
 * objects, and outbound copies still needed (a copy is deleted once every PACS has the object).
 */
export function referencedFiles(db: Database.Database): ReferencedFile[] {
  const files: ReferencedFile[] = [];
  const seen = new Set<string>();
  const add = (kind: ReferencedFile['kind'], rows: Array<{ path: string; sha256: string; sizeBytes: number }>) => {
    for (const row of rows) {
      if (seen.has(row.path)) continue;
      seen.add(row.path);
      files.push({ path: row.path, kind, sha256: row.sha256, sizeBytes: row.sizeBytes });
    }
  };
  add('instance', db.prepare('SELECT path, sha256, size_bytes AS sizeBytes FROM instances ORDER BY id').all() as never);
  add(
    'quarantine',
    db.prepare('SELECT stored_path AS path, sha256, size_bytes AS sizeBytes FROM quarantine WHERE stored_path IS NOT NULL AND sha256 IS NOT NULL ORDER BY id').all() as never,
  );
  if (hasTable(db, 'outbound_items')) {
    add(
      'outbound',
      db
        .prepare(`SELECT path, min(sha256) AS sha256, min(size_bytes) AS sizeBytes FROM outbound_items GROUP BY path HAVING sum(status <> 'sent') > 0 ORDER BY min(id)`)
        .all() as never,
    );
  }
  return files;
}

export function signedReportVersions(db: Database.Database): SignedReportVersion[] {
  if (!hasTable(db, 'report_versions')) return [];
  const rows = db.prepare(`SELECT report_ref AS reportId, version FROM report_versions WHERE status = 'signed' ORDER BY report_ref, version`).all() as Array<{ reportId: number; version: number }>;
  return rows.map((row) => ({ ...row, folder: `reports/${row.reportId}/v${row.version}` }));
}

/**
 * The audit hash chain's head in this database, as main/audit/chainHead.ts defines it: the count
 * (ids run 1..count, so the newest id) and the newest entry's entry_hash; the hash is null in an
 * archive from before the chain (migration 008).
 */
export function auditChainHeadOf(db: Database.Database): AuditChainHead | null {
  if (!hasTable(db, 'audit_events')) return null;
  const chained = (db.prepare(`SELECT name FROM pragma_table_info('audit_events')`).pluck().all() as string[]).includes('entry_hash');
  if (!chained) return { count: db.prepare('SELECT count(*) FROM audit_events').pluck().get() as number, hash: null };
  const last = db.prepare('SELECT id, entry_hash AS hash FROM audit_events ORDER BY id DESC LIMIT 1').get() as { id: number; hash: string | null } | undefined;
  return last ? { count: last.id, hash: last.hash } : { count: 0, hash: null };
}
