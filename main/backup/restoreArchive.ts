/**
 * Restoring a backup onto a fresh install: the snapshot is checked whole first (every file with
 * its hash, the manifest against its database, a schema this workstation knows), then the
 * database and files are placed in a folder beside the archive and moved into place in one
 * rename, then the archive is opened and checked as at every start (ArchiveStore.open + recover).
 * A restore never mixes with what is there: a non-empty archive is refused unless forced, and a
 * forced restore moves it aside (kept, never deleted).
 */
import Database from 'better-sqlite3';
import { copyFile, mkdir, open, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { readMigrations } from '../../db/archiveDatabase.js';
import { syncDirectory } from '../archive/atomicFile.js';
import { ArchiveStore, DATABASE_FILE } from '../archive/archiveStore.js';
import { describeRecovery } from '../cli/openArchive.js';
import { defaultArchiveDirectory } from '../settings/dataDirectory.js';
import { SETTINGS_FILE } from '../api/settingsStore.js';
import { chainHeadPath, writeChainHead } from '../audit/chainHead.js';
import { appVersion, runPool, sha256Hex } from './backupArchive.js';
import { BackupError } from './backupError.js';
import { contentPath, FILE_MODE, FOLDER_MODE, readManifest, SNAPSHOT_DATABASE, snapshotDir, snapshotName, writeDurably, type BackupManifest } from './backupLayout.js';
import { chooseSnapshot, verifyBackup } from './verifyBackup.js';

export interface RestoreOptions {
  /** The archive folder to restore into. */
  archiveDir: string;
  /** The data directory: its settings.json is restored from the backup when it has none. */
  dataDir?: string;
  /** Restore over a non-empty archive, which is moved aside first. */
  force?: boolean;
  snapshot?: string;
  /** Who restores, for the audit entry written once the archive is open. */
  actor: string;
  onProgress?: (progress: { phase: 'verify' | 'place'; filesDone: number; filesTotal: number; bytesDone: number; bytesTotal: number }) => void;
}

export interface RestoreSummary {
  archiveDir: string;
  snapshot: string;
  createdAt: string;
  createdBy: string;
  files: number;
  totalBytes: number;
  schemaVersion: number;
  /** Where a non-empty archive was moved by --force. */
  movedAside: string | null;
  settingsRestored: boolean;
  notes: string[];
}

export async function restoreArchive(backupDir: string, options: RestoreOptions): Promise<RestoreSummary> {
  const archiveDir = resolve(options.archiveDir);
  const snapshot = await chooseSnapshot(backupDir, options.snapshot);
  const manifest = await readManifest(backupDir, snapshot).catch((reason: Error) => {
    throw new BackupError('not-a-backup', `snapshot ${snapshot}: manifest.json cannot be read (${reason.message})`);
  });
  refuseNewerSchema(backupDir, snapshot, manifest);

  const verification = await verifyBackup(backupDir, {
    snapshot,
    onProgress: (progress) => options.onProgress?.({ phase: 'verify', ...progress }),
  });
  if (!verification.ok) {
    throw new BackupError('files-damaged', `the backup in ${backupDir} (snapshot ${snapshot}) failed its check: nothing was restored`, verification.problems);
  }

  const present = await countFiles(archiveDir);
  const stamp = snapshotName(new Date());
  let movedAside: string | null = null;
  if (present > 0) {
    const aside = `${archiveDir}.before-restore-${stamp}`;
    if (!options.force) {
      throw new BackupError(
        'not-empty',
        `the archive folder ${archiveDir} is not empty (${present} file${present === 1 ? '' : 's'}): restore onto a fresh install, or add --force to move the present archive aside (to ${aside}) and restore in its place; close the workstation first`,
      );
    }
    movedAside = aside;
  }

  // Everything is placed in a folder beside the archive, then moved into place in one rename.
  const staging = `${archiveDir}.restoring-${stamp}`;
  await mkdir(dirname(archiveDir), { recursive: true, mode: FOLDER_MODE });
  await mkdir(staging, { mode: FOLDER_MODE });
  const notes: string[] = [];
  try {
    await placeFiles(backupDir, manifest, staging, options);
    const databaseTarget = join(staging, DATABASE_FILE);
    await copyFile(join(snapshotDir(backupDir, snapshot), SNAPSHOT_DATABASE), databaseTarget);
    await syncFile(databaseTarget, FILE_MODE);
    // The audit chain's head as of the snapshot, so "cac audit verify" agrees with the restored trail.
    if (manifest.auditChainHead?.hash) writeChainHead(chainHeadPath(staging), { count: manifest.auditChainHead.count, hash: manifest.auditChainHead.hash });
    await syncDirectory(staging);
    if (movedAside) await rename(archiveDir, movedAside);
    else await rm(archiveDir, { recursive: true, force: true }); // empty folders only (counted above)
    await rename(staging, archiveDir);
    await syncDirectory(dirname(archiveDir));
  } catch (reason) {
    await rm(staging, { recursive: true, force: true });
    if (movedAside) await rename(movedAside, archiveDir).catch(() => undefined);
    throw reason;
  }

  const settingsRestored = options.dataDir ? await restoreSettings(backupDir, manifest, options.dataDir, archiveDir, notes) : false;

  // Prove it works: opened and checked as at every start, then the restore is audited in it.
  const store = ArchiveStore.open(archiveDir);
  try {
    const recovery = await store.recover();
    const repaired = describeRecovery(recovery);
    if (recovery.missingFilesForgotten.length || recovery.orphansRemoved.length) {
      throw new BackupError('failed', `the restored archive did not open cleanly: ${repaired}`, [...recovery.missingFilesForgotten, ...recovery.orphansRemoved]);
    }
    if (repaired) notes.push(repaired);
    const instances = store.instances.instancePaths().size;
    const expected = manifest.files.filter((file) => file.kind === 'instance').length;
    if (instances !== expected) throw new BackupError('failed', `the restored archive holds ${instances} objects, the backup ${expected}`);
    store.audit.record({
      actor: options.actor,
      action: 'archive-restored',
      subject: archiveDir,
      details: { backupDir, snapshot, createdAt: manifest.createdAt, createdBy: manifest.createdBy, files: manifest.files.length, totalBytes: manifest.totalBytes, schemaVersion: manifest.schemaVersion, movedAside },
    });
  } finally {
    store.close();
  }
  return {
    archiveDir,
    snapshot,
    createdAt: manifest.createdAt,
    createdBy: manifest.createdBy,
    files: manifest.files.length,
    totalBytes: manifest.totalBytes,
    schemaVersion: manifest.schemaVersion,
    movedAside,
    settingsRestored,
    notes,
  };
}

/** A snapshot whose database has more migrations than this workstation knows cannot be opened by it. */
function refuseNewerSchema(backupDir: string, snapshot: string, manifest: BackupManifest): void {
  const known = readMigrations().length;
  let version = manifest.schemaVersion;
  try {
    const db = new Database(join(snapshotDir(backupDir, snapshot), SNAPSHOT_DATABASE), { readonly: true, fileMustExist: true });
    try {
      version = Math.max(version, db.pragma('user_version', { simple: true }) as number);
    } finally {
      db.close();
    }
  } catch {
    // A missing or unreadable database is reported by the check that follows.
  }
  if (version > known) {
    throw new BackupError(
      'newer-schema',
      `this backup was made by CAC Workstation ${manifest.appVersion} with archive database version ${version}; this workstation (${appVersion()}) knows versions up to ${known}: install CAC Workstation ${manifest.appVersion} or newer, then restore (nothing was restored)`,
    );
  }
}

async function placeFiles(backupDir: string, manifest: BackupManifest, staging: string, options: RestoreOptions): Promise<void> {
  const files = manifest.files.filter((file) => file.kind !== 'settings');
  const bytesTotal = files.reduce((sum, file) => sum + file.sizeBytes, 0);
  const folders = new Set<string>();
  let filesDone = 0;
  let bytesDone = 0;
  await runPool(files, 4, async (file) => {
    if (file.path.split('/').some((part) => part === '..' || part === '') || file.path.startsWith('/')) {
      throw new BackupError('files-damaged', `the manifest names a file outside the archive (${file.path}): nothing was restored`);
    }
    const bytes = await readFile(contentPath(backupDir, file.sha256));
    // Checked again as it is placed: the backup medium may have changed since the check.
    if (sha256Hex(bytes) !== file.sha256) throw new BackupError('files-damaged', `${file.path}: changed in the backup during the restore: nothing was restored`);
    const target = join(staging, file.path);
    const folder = dirname(target);
    if (!folders.has(folder)) {
      await mkdir(folder, { recursive: true, mode: FOLDER_MODE });
      folders.add(folder);
    }
    const handle = await open(target, 'wx', FILE_MODE);
    try {
      await handle.writeFile(bytes);
      await handle.datasync();
    } finally {
      await handle.close();
    }
    filesDone++;
    bytesDone += file.sizeBytes;
    options.onProgress?.({ phase: 'place', filesDone, filesTotal: files.length, bytesDone, bytesTotal });
  });
  // The names durable, deepest folders first.
  for (const folder of [...folders].sort((a, b) => b.length - a.length)) await syncDirectory(folder);
  // The archive's usual folders, present even when empty (the store makes them too).
  for (const name of ['studies', 'incoming', 'quarantine', 'conflicts']) await mkdir(join(staging, name), { recursive: true, mode: FOLDER_MODE });
}

/** settings.json from the backup into a data directory that has none, pointing at the restored archive. */
async function restoreSettings(backupDir: string, manifest: BackupManifest, dataDir: string, archiveDir: string, notes: string[]): Promise<boolean> {
  const entry = manifest.files.find((file) => file.kind === 'settings');
  if (!entry) return false;
  const target = join(dataDir, SETTINGS_FILE);
  if (await stat(target).catch(() => undefined)) {
    notes.push(`${target} exists and was kept; the backup's settings were not restored`);
    return false;
  }
  const settings = JSON.parse(await readFile(contentPath(backupDir, entry.sha256), 'utf8')) as Record<string, unknown>;
  settings.archiveFolder = resolve(archiveDir) === resolve(defaultArchiveDirectory(dataDir)) ? null : archiveDir;
  await mkdir(dataDir, { recursive: true, mode: FOLDER_MODE });
  await writeDurably(target, `${JSON.stringify(settings, null, 2)}\n`);
  return true;
}

async function countFiles(dir: string): Promise<number> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true }).catch(() => []);
  return entries.filter((entry) => !entry.isDirectory()).length;
}

async function syncFile(file: string, mode: number): Promise<void> {
  const handle = await open(file, 'r+');
  try {
    await handle.chmod(mode);
    await handle.sync();
  } finally {
    await handle.close();
  }
}
