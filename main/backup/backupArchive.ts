/**
 * Backing up the archive while the workstation runs and receives: the database through SQLite's
 * online backup API (one consistent snapshot), then every object file that snapshot refers to,
 * copied into the backup folder's content store with its SHA-256 checked against the database.
 * Files that arrive after the snapshot are not part of it (the next backup takes them). A file
 * that is missing or does not match its recorded hash stops the backup with its name: a backup
 * that silently skipped it would be found incomplete only on the day it is needed.
 */
import Database from 'better-sqlite3';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { chmod, copyFile, mkdir, open, readdir, readFile, rename, rm, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join, resolve, sep } from 'node:path';
import { syncDirectory } from '../archive/atomicFile.js';
import { sha256Hex } from '../archive/archiveWriterPool.js';
import { chainHeadPath, readChainHead } from '../audit/chainHead.js';
import { DATABASE_FILE, type ArchiveStore } from '../archive/archiveStore.js';
import { BackupError } from './backupError.js';
import type { BackupProgress, BackupSummary } from './backupContract.js';
import {
  BACKUP_FORMAT,
  completeSnapshots,
  contentPath,
  FILE_MODE,
  FILES_DIR,
  FOLDER_MODE,
  LOCK_FILE,
  makeOwnerOnlyFolder,
  MANIFEST_FILE,
  readManifest,
  SNAPSHOT_DATABASE,
  snapshotDir,
  snapshotName,
  SNAPSHOTS_DIR,
  writeDurably,
  type AuditChainHead,
  type BackupManifest,
  type ManifestFile,
} from './backupLayout.js';
import { auditChainHeadOf, referencedFiles, schemaVersion, signedReportVersions, tableCounts } from './snapshotContents.js';


export interface BackupOptions {
  onProgress?: (progress: BackupProgress) => void;
  signal?: AbortSignal;
  /** Who runs it, for the manifest (the caller records the audit event). */
  actor?: string;
  /** settings.json of the data directory, kept with the snapshot when given and present. */
  settingsFile?: string;
  /** Files copied at the same time (default 4: the libuv thread pool's size). */
  concurrency?: number;
}

/** One file to put into the snapshot: its hash from the database, or to be computed (report files, settings). */
interface PendingFile {
  path: string;
  kind: ManifestFile['kind'];
  source: string;
  sha256?: string;
  sizeBytes: number;
  mtimeMs?: number;
}

export async function backupArchive(source: string | ArchiveStore, backupDir: string, options: BackupOptions = {}): Promise<BackupSummary> {
  const started = performance.now();
  const archiveRoot = typeof source === 'string' ? source : source.root;
  const inside = (child: string, parent: string) => resolve(child) === resolve(parent) || resolve(child).startsWith(resolve(parent) + sep);
  if (inside(backupDir, archiveRoot) || inside(archiveRoot, backupDir)) {
    throw new BackupError('bad-folder', `the backup folder ${backupDir} and the archive ${archiveRoot} must be apart (neither inside the other): choose a folder on another disk`);
  }
  const ownDb = typeof source === 'string' ? openLiveDatabase(archiveRoot) : undefined;
  const liveDb = ownDb ?? (source as ArchiveStore).db;
  let releaseLock: () => Promise<void>;
  try {
    await makeOwnerOnlyFolder(join(backupDir, FILES_DIR));
    await makeOwnerOnlyFolder(join(backupDir, SNAPSHOTS_DIR));
    releaseLock = await takeLock(backupDir);
  } catch (reason) {
    ownDb?.close();
    throw reason;
  }
  let snapshotFolder: string | undefined;
  let finished = false;
  try {
    // Copies an interrupted backup left half-done (the lock says no other backup is running).
    for (const name of await readdir(join(backupDir, FILES_DIR))) if (name.startsWith('.incoming-')) await unlink(join(backupDir, FILES_DIR, name)).catch(() => undefined);
    const previous = await newestManifest(backupDir);
    const notes: string[] = [];
    const auditHeadFile = readAuditHead(archiveRoot, notes);
    const createdAt = new Date();
    const snapshot = await makeSnapshotFolder(backupDir, createdAt);
    snapshotFolder = snapshotDir(backupDir, snapshot);
    const progress: BackupProgress = { phase: 'database', filesDone: 0, filesTotal: 0, bytesDone: 0, bytesTotal: 0 };
    options.onProgress?.({ ...progress });

    // The snapshot: every page in one step, so a writer in another process cannot make it restart.
    const databaseFile = join(snapshotFolder, SNAPSHOT_DATABASE);
    await (await open(databaseFile, 'wx', FILE_MODE)).close();
    await liveDb.backup(databaseFile, { progress: () => 0x7fffffff });
    await chmod(databaseFile, FILE_MODE);
    const snapshotDb = new Database(databaseFile);
    let contents;
    try {
      // One self-contained file: no -wal beside it, readable from a read-only medium.
      snapshotDb.pragma('journal_mode = DELETE');
      contents = {
        schemaVersion: schemaVersion(snapshotDb),
        tables: tableCounts(snapshotDb),
        files: referencedFiles(snapshotDb),
        reports: signedReportVersions(snapshotDb),
        auditChainHead: auditChainHeadOf(snapshotDb),
      };
    } finally {
      snapshotDb.close();
    }
    throwIfAborted(options.signal);

    const problems: string[] = [];
    const reportFiles: PendingFile[] = [];
    for (const version of contents.reports) {
      const folder = join(archiveRoot, version.folder);
      const names = await readdir(folder).catch(() => undefined);
      if (!names) {
        problems.push(`${version.folder}: the files of signed report ${version.reportId} version ${version.version} are missing`);
        continue;
      }
      for (const name of names.sort()) {
        if (name.startsWith('.') || name.endsWith('.part')) continue;
        const found = await stat(join(folder, name));
        if (found.isFile()) reportFiles.push({ path: `${version.folder}/${name}`, kind: 'report', source: join(folder, name), sizeBytes: found.size, mtimeMs: found.mtimeMs });
      }
    }
    const recordedFiles: PendingFile[] = contents.files.map((file) => ({ ...file, source: join(archiveRoot, file.path) }));
    const extraFiles: PendingFile[] = [];
    if (options.settingsFile) {
      const found = await stat(options.settingsFile).catch(() => undefined);
      if (found?.isFile()) extraFiles.push({ path: 'settings.json', kind: 'settings', source: options.settingsFile, sizeBytes: found.size });
    }
    const all = [...reportFiles, ...recordedFiles, ...extraFiles];
    Object.assign(progress, { phase: 'files', filesTotal: all.length, bytesTotal: all.reduce((sum, file) => sum + file.sizeBytes, 0) });
    options.onProgress?.({ ...progress });

    const store = new ContentStore(backupDir, previous);
    const done: ManifestFile[] = [];
    const copyAll = async (files: PendingFile[]) =>
      runPool(files, options.concurrency ?? 4, async (file) => {
        throwIfAborted(options.signal);
        try {
          const entry = await store.put(file, liveDb);
          if (entry) done.push(entry);
        } catch (reason) {
          if (reason instanceof FileProblem) problems.push(reason.message);
          else if (reason instanceof SkippedFile) notes.push(reason.message);
          else throw reason;
        }
        progress.filesDone++;
        progress.bytesDone += file.sizeBytes;
        options.onProgress?.({ ...progress });
      });
    // Report files first: the outbound queue's copies are the same bytes, and may be deleted
    // (sent) while the backup runs; by then their content is in the store.
    await copyAll(reportFiles);
    await copyAll([...recordedFiles, ...extraFiles]);
    throwIfAborted(options.signal);
    if (problems.length > 0) {
      throw new BackupError('files-damaged', `the backup was not made: ${problems.length} file${problems.length === 1 ? '' : 's'} of the archive ${problems.length === 1 ? 'is' : 'are'} missing or damaged (see the list); repair the archive or restore those studies, then back up again`, problems);
    }

    progress.phase = 'manifest';
    options.onProgress?.({ ...progress });
    await store.makeDurable();
    const databaseBytes = await readFile(databaseFile);
    await syncFile(databaseFile);
    const order = new Map(all.map((file, index) => [file.path, index]));
    done.sort((a, b) => order.get(a.path)! - order.get(b.path)!);
    const manifest: BackupManifest = {
      format: BACKUP_FORMAT,
      snapshot,
      createdAt: createdAt.toISOString(),
      createdBy: options.actor ?? 'workstation service',
      appVersion: appVersion(),
      schemaVersion: contents.schemaVersion,
      archiveRoot,
      database: { file: SNAPSHOT_DATABASE, sizeBytes: databaseBytes.length, sha256: sha256Hex(databaseBytes) },
      tables: contents.tables,
      files: done,
      totalBytes: done.reduce((sum, file) => sum + file.sizeBytes, databaseBytes.length),
      auditChainHead: contents.auditChainHead,
      auditHeadFile,
      copied: store.copied,
      reused: store.reused,
    };
    await writeDurably(join(snapshotFolder, MANIFEST_FILE), `${JSON.stringify(manifest, null, 1)}\n`);
    await syncDirectory(join(backupDir, SNAPSHOTS_DIR));
    finished = true;
    return {
      backupDir,
      snapshot,
      createdAt: manifest.createdAt,
      createdBy: manifest.createdBy,
      appVersion: manifest.appVersion,
      schemaVersion: manifest.schemaVersion,
      files: done.length,
      totalBytes: manifest.totalBytes,
      copied: manifest.copied,
      reused: manifest.reused,
      tables: manifest.tables,
      auditChainHead: manifest.auditChainHead,
      durationMs: Math.round(performance.now() - started),
      notes,
    };
  } finally {
    // An unfinished snapshot is removed; content files already copied are whole and stay for the next run.
    if (!finished && snapshotFolder) await rm(snapshotFolder, { recursive: true, force: true });
    await releaseLock();
    ownDb?.close();
  }
}

class FileProblem extends Error {}
class SkippedFile extends Error {}

/** The backup folder's files/ store: what is there already is reused, what is new is copied durably. */
class ContentStore {
  readonly copied = { files: 0, bytes: 0 };
  readonly reused = { files: 0, bytes: 0 };
  /** Hashes listed by the previous manifest: checked when they were copied. */
  private readonly known: Set<string>;
  private readonly previousReports = new Map<string, ManifestFile>();
  private readonly inFlight = new Map<string, Promise<void>>();
  private readonly madeFolders = new Set<string>();
  private readonly writtenFolders = new Set<string>();
  private readonly writtenFiles: string[] = [];
  private nextTemporary = 0;

  constructor(
    private readonly backupDir: string,
    previous: BackupManifest | undefined,
  ) {
    this.known = new Set(previous?.files.map((file) => file.sha256) ?? []);
    for (const file of previous?.files ?? []) if (file.kind === 'report') this.previousReports.set(file.path, file);
  }

  async put(file: PendingFile, liveDb: Database.Database): Promise<ManifestFile | undefined> {
    const entry = (sha256: string, sizeBytes: number): ManifestFile => ({
      path: file.path,
      kind: file.kind,
      sizeBytes,
      sha256,
      ...(file.mtimeMs !== undefined ? { mtimeMs: file.mtimeMs } : {}),
    });
    // A signed report file does not change: same size and time as last backup is the same file.
    const before = this.previousReports.get(file.path);
    if (file.kind === 'report' && before && before.sizeBytes === file.sizeBytes && before.mtimeMs === file.mtimeMs && (await this.has(before.sha256))) {
      this.count(this.reused, file.sizeBytes);
      return entry(before.sha256, file.sizeBytes);
    }
    if (file.sha256 && this.known.has(file.sha256)) {
      // Listed before, checked when it was copied: only whether the archive still has the file is
      // asked, from one listing per folder (10,000 files must not cost 20,000 system calls).
      if (!(await this.sourceListed(file.source))) this.checkVanished(file, liveDb);
      if ((await this.storeIndex()).has(file.sha256) || (await this.has(file.sha256))) {
        this.count(this.reused, file.sizeBytes);
        return entry(file.sha256, file.sizeBytes);
      }
    }
    // Copied by the kernel (copy_file_range: no pass through this process), then the copy is
    // hashed: what is checked against the database is what the backup holds.
    const temporary = await this.temporaryName();
    try {
      await copyFile(file.source, temporary);
    } catch (reason) {
      await unlink(temporary).catch(() => undefined);
      const sourceIsThere = (reason as NodeJS.ErrnoException).code !== 'ENOENT' || (await stat(file.source).catch(() => undefined)) !== undefined;
      if (sourceIsThere) throw reason; // the backup side failed (disk full, not writable): the whole backup stops
      this.checkVanished(file, liveDb);
      // An outbound copy sent and deleted meanwhile: its bytes are in the store already (the signed report's).
      if (file.sha256 && (await this.has(file.sha256))) {
        this.count(this.reused, file.sizeBytes);
        return entry(file.sha256, file.sizeBytes);
      }
      throw new SkippedFile(`${file.path} was sent to every PACS and removed from the queue while the backup ran; it is not in this backup`);
    }
    const bytes = await readFile(temporary);
    const sha256 = sha256Hex(bytes);
    if (file.sha256 && sha256 !== file.sha256) {
      await unlink(temporary).catch(() => undefined);
      throw new FileProblem(`${file.path}: its content does not match the SHA-256 the archive recorded (${file.sha256.slice(0, 12)}..., the file now gives ${sha256.slice(0, 12)}...): the file is damaged`);
    }
    if (file.sha256 && bytes.length !== file.sizeBytes) {
      await unlink(temporary).catch(() => undefined);
      throw new FileProblem(`${file.path}: its size is ${bytes.length} bytes, the archive recorded ${file.sizeBytes}`);
    }
    await this.commit(sha256, temporary, bytes.length);
    return entry(sha256, bytes.length);
  }

  /** A file the snapshot refers to is gone: an error, unless it is an outbound copy sent since the snapshot. */
  private checkVanished(file: PendingFile, liveDb: Database.Database): void {
    if (file.kind === 'outbound') {
      const unsent = liveDb.prepare(`SELECT count(*) FROM outbound_items WHERE path = ? AND status <> 'sent'`).pluck().get(file.path) as number;
      if (unsent === 0) return;
    }
    throw new FileProblem(`${file.path}: the file is missing from the archive folder`);
  }

  private async has(sha256: string): Promise<boolean> {
    const pending = this.inFlight.get(sha256);
    if (pending) {
      await pending;
      return true;
    }
    return (await stat(contentPath(this.backupDir, sha256)).catch(() => undefined))?.isFile() === true;
  }

  private storeListing?: Promise<Set<string>>;
  private readonly sourceListings = new Map<string, Promise<Set<string>>>();

  /** The hashes in files/ when the backup began: one listing per prefix folder. */
  private storeIndex(): Promise<Set<string>> {
    this.storeListing ??= (async () => {
      const present = new Set<string>();
      const root = join(this.backupDir, FILES_DIR);
      for (const prefix of await readdir(root)) {
        if (prefix.length !== 2) continue;
        for (const name of await readdir(join(root, prefix)).catch(() => [] as string[])) present.add(name);
      }
      return present;
    })();
    return this.storeListing;
  }

  private async sourceListed(source: string): Promise<boolean> {
    const folder = dirname(source);
    let listing = this.sourceListings.get(folder);
    if (!listing) {
      listing = readdir(folder).then((names) => new Set(names), () => new Set<string>());
      this.sourceListings.set(folder, listing);
    }
    return (await listing).has(basename(source));
  }

  private count(counter: { files: number; bytes: number }, bytes: number): void {
    counter.files++;
    counter.bytes += bytes;
  }

  private async temporaryName(): Promise<string> {
    const folder = join(this.backupDir, FILES_DIR);
    return join(folder, `.incoming-${process.pid}-${this.nextTemporary++}.part`);
  }

  /** The checked copy under its content name, unless the store has those bytes already. */
  private async commit(sha256: string, temporary: string, sizeBytes: number): Promise<void> {
    const pending = this.inFlight.get(sha256);
    if (pending) {
      await pending;
      await unlink(temporary).catch(() => undefined);
      this.count(this.reused, sizeBytes);
      return;
    }
    const run = (async () => {
      const target = contentPath(this.backupDir, sha256);
      // Left by an interrupted backup (not in a manifest): reuse it only if its bytes are right.
      const existing = await readFile(target).catch(() => undefined);
      if (existing && sha256Hex(existing) === sha256) {
        await unlink(temporary).catch(() => undefined);
        this.count(this.reused, sizeBytes);
        return;
      }
      const folder = join(this.backupDir, FILES_DIR, sha256.slice(0, 2));
      if (!this.madeFolders.has(folder)) {
        await mkdir(folder, { recursive: true, mode: FOLDER_MODE });
        this.madeFolders.add(folder);
      }
      // Made durable all at once before the manifest is written (makeDurable): until then no
      // manifest lists it, and a file no manifest lists is re-hashed before it is ever reused.
      await chmod(temporary, FILE_MODE);
      await rename(temporary, target);
      this.writtenFolders.add(folder);
      this.writtenFiles.push(target);
      this.count(this.copied, sizeBytes);
    })();
    this.inFlight.set(sha256, run);
    await run;
  }

  /**
   * The new files and their names durable, before the manifest that lists them: on Linux one
   * syncfs of the backup's file system (`sync -f`), which lets the disk take the writes in one
   * journal commit instead of one per file; elsewhere (or if that fails) an fsync per file. Then
   * one fsync per folder written to.
   */
  async makeDurable(): Promise<void> {
    if (this.writtenFiles.length > 0 && !(await syncFileSystem(this.backupDir))) {
      await runPool(this.writtenFiles, 8, (file) => syncFile(file));
    }
    await runPool([...this.writtenFolders], 4, (folder) => syncDirectory(folder));
    await syncDirectory(join(this.backupDir, FILES_DIR));
  }
}

/** syncfs(2) of the file system holding `dir` through coreutils `sync -f`; false where that is not available. */
function syncFileSystem(dir: string): Promise<boolean> {
  if (process.platform !== 'linux') return Promise.resolve(false);
  return new Promise((resolve) => execFile('sync', ['-f', dir], (error) => resolve(!error)));
}

function openLiveDatabase(archiveRoot: string): Database.Database {
  try {
    const db = new Database(join(archiveRoot, DATABASE_FILE), { fileMustExist: true });
    db.pragma('busy_timeout = 10000');
    return db;
  } catch (reason) {
    throw new BackupError('not-a-backup', `there is no archive in ${archiveRoot} (no ${DATABASE_FILE}): give the archive folder with --archive`, [(reason as Error).message]);
  }
}

/** One backup per folder at a time: a lock file naming the process, taken over when that process is gone. */
async function takeLock(backupDir: string): Promise<() => Promise<void>> {
  const lockFile = join(backupDir, LOCK_FILE);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const handle = await open(lockFile, 'wx', FILE_MODE);
      await handle.writeFile(JSON.stringify({ pid: process.pid, since: new Date().toISOString() }));
      await handle.close();
      return () => unlink(lockFile).catch(() => undefined);
    } catch (reason) {
      if ((reason as NodeJS.ErrnoException).code !== 'EEXIST') throw reason;
      const holder = await readFile(lockFile, 'utf8')
        .then((text) => JSON.parse(text) as { pid?: number; since?: string })
        .catch(() => ({}) as { pid?: number; since?: string });
      if (holder.pid && holder.pid !== process.pid && processIsAlive(holder.pid)) {
        throw new BackupError('busy', `another backup into ${backupDir} is running (process ${holder.pid}, since ${holder.since ?? 'unknown'}): wait for it to finish`);
      }
      if (holder.pid === process.pid) throw new BackupError('busy', `a backup into ${backupDir} is already running: wait for it to finish`);
      await unlink(lockFile).catch(() => undefined);
    }
  }
  throw new BackupError('busy', `cannot take the lock ${lockFile}: another backup may be starting`);
}

function processIsAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (reason) {
    return (reason as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function newestManifest(backupDir: string): Promise<BackupManifest | undefined> {
  const snapshots = await completeSnapshots(backupDir);
  for (const snapshot of snapshots.reverse()) {
    const manifest = await readManifest(backupDir, snapshot).catch(() => undefined);
    if (manifest) return manifest;
  }
  return undefined;
}

async function makeSnapshotFolder(backupDir: string, at: Date): Promise<string> {
  for (let suffix = 0; ; suffix++) {
    const name = snapshotName(at) + (suffix ? `-${suffix}` : '');
    try {
      await mkdir(snapshotDir(backupDir, name), { mode: FOLDER_MODE });
      return name;
    } catch (reason) {
      if ((reason as NodeJS.ErrnoException).code !== 'EEXIST' || suffix > 100) throw reason;
    }
  }
}

/** The archive's audit chain head file, read just before the snapshot (a note when it is damaged). */
function readAuditHead(archiveRoot: string, notes: string[]): AuditChainHead | null {
  try {
    return readChainHead(chainHeadPath(archiveRoot)) ?? null;
  } catch (reason) {
    notes.push(`${reason instanceof Error ? reason.message : String(reason)}: run "cac audit verify"`);
    return null;
  }
}

async function syncFile(file: string): Promise<void> {
  const handle = await open(file, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** The archive's own hash of an object (what the instances table records). */
export { sha256Hex };

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new BackupError('cancelled', 'the backup was cancelled: nothing of it is kept but the files already copied, which the next backup reuses');
}

/** Run `work` over the items, at most `limit` at a time; the first failure stops taking new ones. */
export async function runPool<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let failed = false;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (!failed && next < items.length) {
      const item = items[next++];
      try {
        await work(item);
      } catch (error) {
        failed = true;
        throw error;
      }
    }
  });
  const results = await Promise.allSettled(lanes);
  const rejected = results.find((result) => result.status === 'rejected');
  if (rejected) throw (rejected as PromiseRejectedResult).reason;
}

let cachedVersion: string | undefined;
export function appVersion(): string {
  if (cachedVersion) return cachedVersion;
  try {
    const packageJson = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: unknown };
    cachedVersion = typeof packageJson.version === 'string' ? packageJson.version : 'unknown';
  } catch {
    cachedVersion = 'unknown';
  }
  return cachedVersion;
}
