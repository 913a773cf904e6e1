/**
 * Checking a backup without restoring it: every file of the snapshot present in the content store
 * with the size and SHA-256 the manifest lists, the database file the one the manifest names, and
 * the manifest consistent with that database (its tables' rows, every file the database refers
 * to, the schema version, the audit chain's head). Problems are collected, one sentence per file.
 */
import Database from 'better-sqlite3';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeChainHead } from '../audit/chainHead.js';
import { verifyAuditChain } from '../audit/verifyAuditChain.js';
import { BackupError } from './backupError.js';
import type { BackupVerification } from './backupContract.js';
import { completeSnapshots, contentPath, readManifest, SNAPSHOT_DATABASE, snapshotDir, type BackupManifest } from './backupLayout.js';
import { runPool } from './backupArchive.js';
import { auditChainHeadOf, referencedFiles, schemaVersion, signedReportVersions, tableCounts } from './snapshotContents.js';

export interface VerifyOptions {
  /** A snapshot by name (default the newest complete one). */
  snapshot?: string;
  onProgress?: (progress: { filesDone: number; filesTotal: number; bytesDone: number; bytesTotal: number }) => void;
  signal?: AbortSignal;
}

export interface VerifiedBackup extends BackupVerification {
  manifest: BackupManifest | null;
}

/** Which snapshot to use: the one named, or the newest complete one; a BackupError when there is none. */
export async function chooseSnapshot(backupDir: string, snapshot?: string): Promise<string> {
  const complete = await completeSnapshots(backupDir);
  if (snapshot) {
    if (!complete.includes(snapshot)) throw new BackupError('not-a-backup', `${backupDir} has no complete snapshot "${snapshot}"${complete.length ? ` (it has ${complete.join(', ')})` : ''}`);
    return snapshot;
  }
  if (complete.length === 0) throw new BackupError('not-a-backup', `${backupDir} holds no complete backup (no snapshots/<time>/manifest.json): choose the folder a backup was made into`);
  return complete[complete.length - 1];
}

export async function verifyBackup(backupDir: string, options: VerifyOptions = {}): Promise<VerifiedBackup> {
  const problems: string[] = [];
  const result: VerifiedBackup = { ok: false, backupDir, snapshot: null, createdAt: null, filesChecked: 0, bytesChecked: 0, problems, manifest: null };
  let snapshot: string;
  try {
    snapshot = await chooseSnapshot(backupDir, options.snapshot);
  } catch (reason) {
    problems.push((reason as Error).message);
    return result;
  }
  result.snapshot = snapshot;
  let manifest: BackupManifest;
  try {
    manifest = await readManifest(backupDir, snapshot);
  } catch (reason) {
    problems.push(`snapshot ${snapshot}: manifest.json cannot be read (${(reason as Error).message})`);
    return result;
  }
  result.manifest = manifest;
  result.createdAt = manifest.createdAt;

  const databaseFile = join(snapshotDir(backupDir, snapshot), SNAPSHOT_DATABASE);
  const databaseHash = await hashFile(databaseFile).catch(() => undefined);
  if (!databaseHash) problems.push(`snapshots/${snapshot}/${SNAPSHOT_DATABASE}: the database file is missing`);
  else if (databaseHash.sha256 !== manifest.database.sha256 || databaseHash.sizeBytes !== manifest.database.sizeBytes) {
    problems.push(`snapshots/${snapshot}/${SNAPSHOT_DATABASE}: the database does not match the SHA-256 in the manifest: it was changed or damaged`);
  } else {
    problems.push(...checkAgainstDatabase(databaseFile, manifest));
  }

  const bytesTotal = manifest.files.reduce((sum, file) => sum + file.sizeBytes, 0);
  let filesDone = 0;
  let bytesDone = 0;
  await runPool(manifest.files, 4, async (file) => {
    if (options.signal?.aborted) throw new BackupError('cancelled', 'the check was cancelled');
    const stored = contentPath(backupDir, file.sha256);
    const found = await hashFile(stored).catch(() => undefined);
    if (!found) problems.push(`${file.path}: missing from the backup (files/${file.sha256.slice(0, 2)}/${file.sha256})`);
    else if (found.sha256 !== file.sha256) problems.push(`${file.path}: damaged in the backup: its SHA-256 is not the one in the manifest (files/${file.sha256.slice(0, 2)}/${file.sha256})`);
    else if (found.sizeBytes !== file.sizeBytes) problems.push(`${file.path}: its size in the backup is ${found.sizeBytes} bytes, the manifest lists ${file.sizeBytes}`);
    filesDone++;
    bytesDone += file.sizeBytes;
    options.onProgress?.({ filesDone, filesTotal: manifest.files.length, bytesDone, bytesTotal });
  });
  result.filesChecked = filesDone;
  result.bytesChecked = bytesDone + (databaseHash?.sizeBytes ?? 0);
  result.ok = problems.length === 0;
  return result;
}

/** The manifest against the snapshot database it describes. */
function checkAgainstDatabase(databaseFile: string, manifest: BackupManifest): string[] {
  const problems: string[] = [];
  let db: Database.Database;
  try {
    db = new Database(databaseFile, { readonly: true, fileMustExist: true });
  } catch (reason) {
    return [`${SNAPSHOT_DATABASE}: cannot be opened (${(reason as Error).message})`];
  }
  try {
    const integrity = db.pragma('quick_check', { simple: true });
    if (integrity !== 'ok') problems.push(`${SNAPSHOT_DATABASE}: SQLite finds it damaged (${String(integrity)})`);
    const version = schemaVersion(db);
    if (version !== manifest.schemaVersion) problems.push(`${SNAPSHOT_DATABASE}: schema version ${version}, the manifest says ${manifest.schemaVersion}`);
    const counts = tableCounts(db);
    for (const table of new Set([...Object.keys(counts), ...Object.keys(manifest.tables)])) {
      if (counts[table] !== manifest.tables[table]) problems.push(`table ${table}: ${counts[table] ?? 'no'} rows in the snapshot database, the manifest lists ${manifest.tables[table] ?? 'none'}`);
    }
    const listed = new Map(manifest.files.map((file) => [file.path, file]));
    for (const file of referencedFiles(db)) {
      const entry = listed.get(file.path);
      if (!entry) problems.push(`${file.path}: recorded in the database but not in the manifest`);
      else if (entry.sha256 !== file.sha256) problems.push(`${file.path}: the manifest's SHA-256 is not the one the database recorded`);
    }
    const reportFolders = new Set(manifest.files.filter((file) => file.kind === 'report').map((file) => file.path.slice(0, file.path.lastIndexOf('/'))));
    for (const version of signedReportVersions(db)) {
      if (!reportFolders.has(version.folder)) problems.push(`${version.folder}: signed report ${version.reportId} version ${version.version} has no files in the manifest`);
    }
    const head = auditChainHeadOf(db);
    const expected = manifest.auditChainHead;
    if (expected && (!head || head.count !== expected.count || head.hash !== expected.hash)) {
      problems.push(`audit trail: the snapshot database's chain ends at entry ${head?.count ?? 0} (${head?.hash?.slice(0, 12) ?? 'no hash'}), the manifest's chain head is entry ${expected.count} (${expected.hash?.slice(0, 12) ?? 'no hash'}): entries were removed or changed`);
    }
    if (expected?.hash) {
      // The whole chain, against the head the manifest keeps outside the database (verifyAuditChain reads it from a file).
      const dir = mkdtempSync(join(tmpdir(), 'cac-backup-head-'));
      let chain;
      try {
        writeChainHead(join(dir, 'audit-head.json'), { count: expected.count, hash: expected.hash });
        chain = verifyAuditChain(db, join(dir, 'audit-head.json'));
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
      if (!chain.ok && chain.firstBroken) problems.push(`audit trail in the snapshot: entry ${chain.firstBroken.id} is broken (${chain.firstBroken.reason}): ${chain.firstBroken.message}`);
      else if (!chain.ok) problems.push('audit trail in the snapshot: the chain does not end at the head the manifest lists');
    }
  } finally {
    db.close();
  }
  return problems;
}

export async function hashFile(file: string): Promise<{ sha256: string; sizeBytes: number }> {
  const found = await stat(file);
  if (!found.isFile()) throw new Error(`${file} is not a file`);
  const hash = createHash('sha256');
  let sizeBytes = 0;
  for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 })) {
    hash.update(chunk as Buffer);
    sizeBytes += (chunk as Buffer).length;
  }
  return { sha256: hash.digest('hex'), sizeBytes };
}
