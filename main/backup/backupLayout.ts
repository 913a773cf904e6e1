/**
 * The layout of a backup folder, chosen so a second backup to the same place copies only new files
 * and an older backup stays restorable after a newer one:
 *
 *   <dir>/files/<sha256[0..2]>/<sha256>          every object file once, named by its content
 *   <dir>/snapshots/<UTC time>/archive.sqlite    the database as of that backup (online backup API)
 *   <dir>/snapshots/<UTC time>/manifest.json     written last: a snapshot without it is incomplete
 *
 * Content addressing makes incremental backups a lookup (a hash the previous manifest lists is
 * already there and checked), dedupes the outbound queue's copies against the signed report files
 * they were made from, and lets every snapshot share the files: keeping the history costs one
 * database copy per backup, and damage found late (a study deleted by mistake, a tampered audit
 * table) can still be undone from an earlier snapshot. A single "current" snapshot would have to
 * overwrite the only good copy while it takes the new one.
 */
import { mkdir, open, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileDurably } from '../outbound/durableFile.js';

export const BACKUP_FORMAT = 'cac-backup/1';
export const FILES_DIR = 'files';
export const SNAPSHOTS_DIR = 'snapshots';
export const MANIFEST_FILE = 'manifest.json';
export const SNAPSHOT_DATABASE = 'archive.sqlite';
export const LOCK_FILE = 'backup.lock';
/** Owner-only: a backup holds patient data. */
export const FOLDER_MODE = 0o700;
export const FILE_MODE = 0o600;

/** Where an object file of the archive comes from in the database. */
export type BackedUpFileKind = 'instance' | 'quarantine' | 'outbound' | 'report' | 'settings';

export interface ManifestFile {
  /** Relative to the archive root, with forward slashes (for 'settings': settings.json of the data directory). */
  path: string;
  kind: BackedUpFileKind;
  sizeBytes: number;
  sha256: string;
  /** Report files have no hash in the database: their modification time lets the next backup reuse the entry. */
  mtimeMs?: number;
}

export interface AuditChainHead {
  count: number;
  hash: string | null;
}

export interface BackupManifest {
  format: typeof BACKUP_FORMAT;
  snapshot: string;
  createdAt: string;
  createdBy: string;
  appVersion: string;
  /** PRAGMA user_version of the snapshot database: the number of migrations applied. */
  schemaVersion: number;
  archiveRoot: string;
  database: { file: typeof SNAPSHOT_DATABASE; sizeBytes: number; sha256: string };
  /** Rows per table of the snapshot database. */
  tables: Record<string, number>;
  files: ManifestFile[];
  /** The object files' bytes plus the database's. */
  totalBytes: number;
  /** The audit hash chain's head as of the snapshot (null when the archive has no chain yet). */
  auditChainHead: AuditChainHead | null;
  /**
   * <archive>/audit-head.json as read just before the snapshot, for the record. The head above is
   * the one to check against: the file is written just before each entry commits, so it may run one
   * entry ahead of what the snapshot saw.
   */
  auditHeadFile: AuditChainHead | null;
  /** This run: what was copied and what an earlier backup to the same place already held. */
  copied: { files: number; bytes: number };
  reused: { files: number; bytes: number };
}

export function contentPath(backupDir: string, sha256: string): string {
  return join(backupDir, FILES_DIR, sha256.slice(0, 2), sha256);
}

export function snapshotDir(backupDir: string, snapshot: string): string {
  return join(backupDir, SNAPSHOTS_DIR, snapshot);
}

/** 2026-12-05T08-01-02-123Z: sorts by time and is a valid folder name everywhere. */
export function snapshotName(at: Date): string {
  return at.toISOString().replace(/[:.]/g, '-');
}

/** The complete snapshots of a backup folder (those with a manifest), oldest first. */
export async function completeSnapshots(backupDir: string): Promise<string[]> {
  const names = await readdir(join(backupDir, SNAPSHOTS_DIR)).catch(() => [] as string[]);
  const complete: string[] = [];
  for (const name of names.sort()) {
    const manifest = await open(join(backupDir, SNAPSHOTS_DIR, name, MANIFEST_FILE), 'r').catch(() => undefined);
    if (!manifest) continue;
    await manifest.close();
    complete.push(name);
  }
  return complete;
}

export async function readManifest(backupDir: string, snapshot: string): Promise<BackupManifest> {
  const text = await readFile(join(snapshotDir(backupDir, snapshot), MANIFEST_FILE), 'utf8');
  const manifest = JSON.parse(text) as BackupManifest;
  if (manifest?.format !== BACKUP_FORMAT) throw new Error(`snapshot ${snapshot}: manifest.json is not a ${BACKUP_FORMAT} manifest`);
  return manifest;
}

/** Temporary name, write, fsync, rename, fsync the folder (the one durable writer): after a crash the file is absent or whole. */
export async function writeDurably(target: string, bytes: Uint8Array | string): Promise<void> {
  await writeFileDurably(target, typeof bytes === 'string' ? Buffer.from(bytes, 'utf8') : bytes, { replace: true });
}

export async function makeOwnerOnlyFolder(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: FOLDER_MODE });
}
