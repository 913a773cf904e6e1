/**
 * The archive: every received DICOM object kept byte for byte under a path made from its validated
 * UIDs, recorded in SQLite once its file is durable. Re-sending the same object is a no-op; the
 * same SOP Instance UID with other bytes is kept aside and reported; what cannot be accepted goes
 * to quarantine with the reason. Nothing received is lost.
 */
import { EventEmitter } from 'node:events';
import { chmodSync, mkdirSync } from 'node:fs';
import { mkdir, readFile, readdir, rename, rm } from 'node:fs/promises';
import { basename, dirname, join, relative, sep } from 'node:path';
import { openArchiveDatabase, type ArchiveDatabase } from '../../db/archiveDatabase.js';
import { ArchiveConflictError, ArchiveRepository, type InstanceRecord } from '../../db/archiveRepository.js';
import { AuditTrail } from '../audit/auditTrail.js';
import { ImportJobRepository } from '../../db/importJobRepository.js';
import { QuarantineRepository } from '../../db/quarantineRepository.js';
import { DicomLoadError } from '../../native-worker/dicom/loadIssues.js';
import { describeParseFailure } from '../../native-worker/dicom/dicomFile.js';
import { readArchiveHeader, type ArchiveHeader } from './archiveHeader.js';
import { PARTIAL_SUFFIX, PATIENT_FOLDER_MODE, syncDirectory } from './atomicFile.js';
import { isValidUid } from './dicomUid.js';
import { sameDataSet } from './dataSetIdentity.js';
import { ArchiveWriterPool, sha256Hex } from './archiveWriterPool.js';

export type IngestStatus = 'stored' | 'duplicate' | 'conflict' | 'quarantined';

export interface IngestOrigin {
  /** The file name or a description of where the bytes came from, for messages. */
  name: string;
  /** e.g. "folder /media/cdrom", "C-STORE from CT_SCANNER@10.0.0.5". */
  source: string;
  importJobId?: number;
  /**
   * The caller hands its buffer over: it is moved to the writer thread without a copy and must not
   * be used after ingest() is called.
   */
  handOverBytes?: boolean;
}

export interface IngestOutcome {
  status: IngestStatus;
  name: string;
  sizeBytes: number;
  sopInstanceUid?: string;
  seriesInstanceUid?: string;
  studyInstanceUid?: string;
  modality?: string;
  seriesDescription?: string;
  /** Why it was quarantined or kept aside. */
  reason?: string;
  code?: string;
}

export interface RecoveryReport {
  partialFilesRemoved: number;
  orphansFinished: string[];
  orphansRemoved: string[];
  missingFilesForgotten: string[];
  interruptedImports: number;
}

export const DATABASE_FILE = 'archive.sqlite';
const STUDIES_DIR = 'studies';
const INCOMING_DIR = 'incoming';
const QUARANTINE_DIR = 'quarantine';
const CONFLICTS_DIR = 'conflicts';

export declare interface ArchiveStore {
  on(event: 'stored', listener: (outcome: IngestOutcome) => void): this;
}

export class ArchiveStore extends EventEmitter {
  readonly db: ArchiveDatabase;
  readonly instances: ArchiveRepository;
  readonly importJobs: ImportJobRepository;
  readonly quarantine: QuarantineRepository;
  /** The hash-chained audit trail (main/audit): every record() is chained and its head written. */
  readonly audit: AuditTrail;
  /** Ingests of one SOP Instance UID run one after the other (two associations may race). */
  private readonly uidLocks = new Map<string, Promise<unknown>>();
  private readonly writers = new ArchiveWriterPool();
  /** Rows of durable files waiting for the next group commit. */
  private pendingRows: Array<{ record: InstanceRecord; settle: (failure: Error | undefined) => void }> = [];
  private commitScheduled = false;

  private readonly scratchDir: string;

  private constructor(readonly root: string) {
    super();
    this.scratchDir = join(root, INCOMING_DIR);
    // Owner-only (0700) whatever the umask, the root included: it holds the database and every object.
    for (const dir of ['', STUDIES_DIR, INCOMING_DIR, QUARANTINE_DIR, CONFLICTS_DIR]) {
      mkdirSync(join(root, dir), { recursive: true, mode: PATIENT_FOLDER_MODE });
      try {
        chmodSync(join(root, dir), PATIENT_FOLDER_MODE);
      } catch {
        // A file system without Unix modes (a FAT disk): nothing to tighten.
      }
    }
    this.db = openArchiveDatabase(join(root, DATABASE_FILE));
    this.instances = new ArchiveRepository(this.db);
    this.importJobs = new ImportJobRepository(this.db);
    this.quarantine = new QuarantineRepository(this.db);
    this.audit = new AuditTrail(this.db, root);
  }

  /** Open (creating on first use) the archive in `root`. Call recover() before taking new objects. */
  static open(root: string): ArchiveStore {
    return new ArchiveStore(root);
  }

  close(): void {
    this.db.close();
    void this.writers.close();
  }

  absolutePath(relativePath: string): string {
    return join(this.root, relativePath);
  }

  /** Store one DICOM object. Storage failures (disk full) throw ArchiveWriteError; bad objects are quarantined. */
  async ingest(bytes: Uint8Array, origin: IngestOrigin): Promise<IngestOutcome> {
    let header: ArchiveHeader;
    try {
      header = readArchiveHeader(bytes, origin.name);
    } catch (reason) {
      const message = reason instanceof DicomLoadError ? reason.message : `${origin.name} cannot be read as DICOM: ${describeParseFailure(reason)}`;
      const code = reason instanceof DicomLoadError ? reason.code : 'unreadable-file';
      return this.putInQuarantine(bytes, origin, code, message);
    }
    if (header.isDicomdir) return this.putInQuarantine(bytes, origin, 'dicomdir', `${origin.name} is a DICOMDIR (a media index), not an object to archive`);
    for (const [label, uid] of [
      ['SOP Instance UID', header.sopInstanceUid],
      ['SOP Class UID', header.sopClassUid],
      ['Study Instance UID', header.studyInstanceUid],
      ['Series Instance UID', header.seriesInstanceUid],
    ] as const) {
      if (!isValidUid(uid)) {
        const shown = uid === undefined ? 'missing' : JSON.stringify(uid.slice(0, 80));
        return this.putInQuarantine(bytes, origin, 'invalid-uid', `${origin.name}: its ${label} is ${shown}, not a valid DICOM UID; the object cannot be filed`);
      }
    }
    const sopInstanceUid = header.sopInstanceUid!;
    return this.withUidLock(sopInstanceUid, () => this.file(bytes, header, origin));
  }

  private async file(bytes: Uint8Array, header: ArchiveHeader, origin: IngestOrigin): Promise<IngestOutcome> {
    const sopInstanceUid = header.sopInstanceUid!;
    const base = {
      name: origin.name,
      sizeBytes: bytes.length,
      sopInstanceUid,
      seriesInstanceUid: header.seriesInstanceUid,
      studyInstanceUid: header.studyInstanceUid,
      modality: header.modality,
      seriesDescription: header.seriesDescription,
    };
    const existing = this.instances.findInstance(sopInstanceUid);
    if (existing) {
      const sha256 = await this.writers.run(bytes);
      // Identity is the data set: the same object with another file header (a CD, then C-STORE) is a duplicate.
      if (existing.sha256 === sha256 || (existing.transferSyntaxUid === header.transferSyntaxUid && (await this.sameDataSetAsArchived(existing.path, bytes)))) return { ...base, status: 'duplicate' };
      return this.keepConflict(bytes, sha256, origin, base, `SOP Instance UID ${sopInstanceUid} is already archived with different content: the new copy is kept aside, the archived one is unchanged`);
    }
    const path = [STUDIES_DIR, header.studyInstanceUid!, header.seriesInstanceUid!, `${sopInstanceUid}.dcm`].join('/');
    const sha256 = await this.writers.run(bytes, { target: this.absolutePath(path), scratchDir: this.scratchDir, syncFolder: false, transfer: origin.handOverBytes === true });
    // The file's bytes are durable; the group commit makes its name durable (one folder fsync for
    // the batch) and then records its row. A crash in between leaves an orphan file that
    // recover() completes.
    const failure = await this.recordInGroupCommit({
      ...header,
      studyInstanceUid: header.studyInstanceUid!,
      seriesInstanceUid: header.seriesInstanceUid!,
      sopInstanceUid,
      sopClassUid: header.sopClassUid!,
      path,
      sizeBytes: base.sizeBytes,
      sha256,
      importJobId: origin.importJobId,
    });
    if (failure) {
      if (failure instanceof ArchiveConflictError) return this.moveAsideAsConflict(path, sha256, origin, base, `${origin.name}: ${failure.message}`);
      await rm(this.absolutePath(path), { force: true });
      throw failure;
    }
    const outcome: IngestOutcome = { ...base, status: 'stored' };
    this.emit('stored', outcome);
    return outcome;
  }

  private async sameDataSetAsArchived(path: string, bytes: Uint8Array): Promise<boolean> {
    const archived = await readFile(this.absolutePath(path)).catch(() => undefined);
    return archived !== undefined && sameDataSet(new Uint8Array(archived.buffer, archived.byteOffset, archived.byteLength), bytes);
  }

  /** Rows queued in one turn of the event loop are committed together: one fsync for all. */
  private recordInGroupCommit(record: InstanceRecord): Promise<Error | undefined> {
    return new Promise((settle) => {
      this.pendingRows.push({ record, settle });
      if (this.commitScheduled) return;
      this.commitScheduled = true;
      setImmediate(() => void this.commitPendingRows());
    });
  }

  private async commitPendingRows(): Promise<void> {
    this.commitScheduled = false;
    const batch = this.pendingRows;
    this.pendingRows = [];
    let failures: Array<Error | undefined>;
    try {
      const folders = new Set(batch.map((entry) => dirname(this.absolutePath(entry.record.path))));
      await Promise.all([...folders].map((folder) => syncDirectory(folder)));
      failures = this.instances.recordInstances(batch.map((entry) => entry.record));
    } catch (reason) {
      const error = reason instanceof Error ? reason : new Error(String(reason));
      failures = batch.map(() => error);
    }
    batch.forEach((entry, index) => entry.settle(failures[index]));
  }

  /** A file already written under its archive name whose row was refused: move it to conflicts/. */
  private async moveAsideAsConflict(path: string, sha256: string, origin: IngestOrigin, base: Omit<IngestOutcome, 'status'>, reason: string): Promise<IngestOutcome> {
    const aside = conflictPath(base.sopInstanceUid!, sha256);
    await mkdir(dirname(this.absolutePath(aside)), { recursive: true, mode: PATIENT_FOLDER_MODE });
    await rename(this.absolutePath(path), this.absolutePath(aside));
    await syncDirectory(dirname(this.absolutePath(aside)));
    return this.recordConflict(aside, sha256, origin, base, reason);
  }

  /** New bytes for an archived SOP Instance UID: kept in conflicts/, the archived file untouched. */
  private async keepConflict(bytes: Uint8Array, sha256: string, origin: IngestOrigin, base: Omit<IngestOutcome, 'status'>, reason: string): Promise<IngestOutcome> {
    const aside = conflictPath(base.sopInstanceUid!, sha256);
    await this.writers.run(bytes, { target: this.absolutePath(aside), scratchDir: this.scratchDir });
    return this.recordConflict(aside, sha256, origin, base, reason);
  }

  private recordConflict(storedPath: string, sha256: string, origin: IngestOrigin, base: Omit<IngestOutcome, 'status'>, reason: string): IngestOutcome {
    this.quarantine.add({
      originalName: origin.name,
      storedPath,
      code: 'conflict',
      reason,
      sopInstanceUid: base.sopInstanceUid,
      sizeBytes: base.sizeBytes,
      sha256,
      source: origin.source,
      importJobId: origin.importJobId,
    });
    return { ...base, status: 'conflict', code: 'conflict', reason };
  }

  private async putInQuarantine(bytes: Uint8Array, origin: IngestOrigin, code: string, reason: string): Promise<IngestOutcome> {
    let storedPath: string | null = null;
    let sha256: string | undefined;
    const sizeBytes = bytes.length;
    if (sizeBytes > 0) {
      const safeName = basename(origin.name).replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 80) || 'unnamed';
      // Named by content: the same bad file imported twice is kept once.
      sha256 = sha256Hex(bytes);
      storedPath = [QUARANTINE_DIR, `${sha256.slice(0, 16)}-${safeName}`].join('/');
      await this.writers.run(bytes, { target: this.absolutePath(storedPath), scratchDir: this.scratchDir, transfer: true });
    }
    this.quarantine.add({ originalName: origin.name, storedPath, code, reason, sizeBytes, sha256, source: origin.source, importJobId: origin.importJobId });
    return { status: 'quarantined', name: origin.name, sizeBytes, code, reason };
  }

  private async withUidLock<T>(uid: string, work: () => Promise<T>): Promise<T> {
    const previous = this.uidLocks.get(uid) ?? Promise.resolve();
    const current = previous.then(work, work);
    const settled = current.catch(() => undefined);
    this.uidLocks.set(uid, settled);
    try {
      return await current;
    } finally {
      if (this.uidLocks.get(uid) === settled) this.uidLocks.delete(uid);
    }
  }

  /**
   * Make the folder and the database agree after a crash: partial writes are removed; a complete
   * file without its row (killed between rename and commit) is finished if it is a valid object
   * filed under its own UIDs, otherwise removed; rows whose file is gone are forgotten.
   */
  async recover(): Promise<RecoveryReport> {
    const report: RecoveryReport = { partialFilesRemoved: 0, orphansFinished: [], orphansRemoved: [], missingFilesForgotten: [], interruptedImports: 0 };
    for (const dir of [INCOMING_DIR, STUDIES_DIR, QUARANTINE_DIR, CONFLICTS_DIR]) {
      for (const file of await walk(join(this.root, dir))) {
        if (file.endsWith(PARTIAL_SUFFIX)) {
          await rm(file, { force: true });
          report.partialFilesRemoved++;
        }
      }
    }
    const recorded = this.instances.instancePaths();
    const onDisk = new Set<string>();
    for (const file of await walk(join(this.root, STUDIES_DIR))) {
      const path = relative(this.root, file).split(sep).join('/');
      onDisk.add(path);
      if (recorded.has(path)) continue;
      if (await this.finishOrphan(file, path)) report.orphansFinished.push(path);
      else {
        await rm(file, { force: true });
        report.orphansRemoved.push(path);
      }
    }
    for (const [path, uid] of recorded) {
      if (onDisk.has(path)) continue;
      this.instances.forgetInstance(uid);
      report.missingFilesForgotten.push(path);
    }
    report.interruptedImports = this.importJobs.markInterrupted();
    await removeEmptyFolders(join(this.root, STUDIES_DIR));
    return report;
  }

  private async finishOrphan(file: string, path: string): Promise<boolean> {
    try {
      const bytes = new Uint8Array(await readFile(file));
      const header = readArchiveHeader(bytes, file);
      const expected = [STUDIES_DIR, header.studyInstanceUid, header.seriesInstanceUid, `${header.sopInstanceUid}.dcm`].join('/');
      if (expected !== path || !isValidUid(header.sopInstanceUid) || this.instances.findInstance(header.sopInstanceUid!)) return false;
      this.instances.recordInstance({
        ...header,
        studyInstanceUid: header.studyInstanceUid!,
        seriesInstanceUid: header.seriesInstanceUid!,
        sopInstanceUid: header.sopInstanceUid!,
        sopClassUid: header.sopClassUid!,
        path,
        sizeBytes: bytes.length,
        sha256: sha256Hex(bytes),
      });
      return true;
    } catch {
      return false;
    }
  }
}

function conflictPath(sopInstanceUid: string, sha256: string): string {
  return [CONFLICTS_DIR, sopInstanceUid, `${sha256}.dcm`].join('/');
}

async function walk(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true }).catch(() => []);
  return entries.filter((entry) => entry.isFile()).map((entry) => join(entry.parentPath, entry.name));
}

async function removeEmptyFolders(dir: string): Promise<boolean> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  let empty = true;
  for (const entry of entries) {
    if (entry.isDirectory() && (await removeEmptyFolders(join(dir, entry.name)))) await rm(join(dir, entry.name), { recursive: true, force: true });
    else empty = false;
  }
  return empty;
}
