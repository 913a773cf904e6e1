/**
 * Import a folder, CD or single file into the archive: every file (any name, any depth, and what
 * a DICOMDIR references) is read and handed to the archive; bad files go to quarantine with the
 * reason and the import goes on. Progress can drive a progress bar; an AbortSignal cancels.
 */
import { stat } from 'node:fs/promises';
import { basename } from 'node:path';
import type { ArchiveStore, IngestOutcome } from '../archive/archiveStore.js';
import { listFiles } from '../../native-worker/dicom/folderScan.js';
import { describeFileSystemFailure } from '../../native-worker/dicom/loadIssues.js';
import type { ImportCounts } from '../../db/importJobRepository.js';
import { readDicomdirReferences } from './dicomdir.js';
import { MediumFileRefusal, readMediumFile } from './mediumFile.js';
import { actorLabel } from '../auth/actor.js';

export interface ImportProgress extends ImportCounts {
  bytesTotal: number;
  currentFile?: string;
  /** The series the last stored file belongs to, for "Importing: CT Calcium Score (47 images)". */
  currentSeries?: string;
}

export interface ImportSummary {
  importJobId: number;
  status: 'done' | 'cancelled' | 'failed';
  studies: number;
  series: number;
  counts: ImportCounts;
  quarantined: Array<{ file: string; reason: string }>;
  conflicts: Array<{ file: string; reason: string }>;
  /** Files a DICOMDIR names that are not on the medium, and other notes. */
  notes: string[];
  error?: string;
}

export interface FolderImportOptions {
  signal?: AbortSignal;
  onProgress?: (progress: ImportProgress) => void;
  /** Files read and stored at once. */
  concurrency?: number;
}

export async function importFolder(store: ArchiveStore, path: string, options: FolderImportOptions = {}): Promise<ImportSummary> {
  const jobId = store.importJobs.start('folder', path);
  store.audit.record({ actor: actorLabel(), action: 'import-started', subject: path, details: { importJobId: jobId } });
  const notes: string[] = [];
  const counts: ImportCounts = { filesTotal: 0, filesDone: 0, bytesDone: 0, stored: 0, duplicates: 0, conflicts: 0, quarantined: 0 };
  const quarantined: ImportSummary['quarantined'] = [];
  const conflicts: ImportSummary['conflicts'] = [];
  const studies = new Set<string>();
  const series = new Set<string>();
  let status: ImportSummary['status'] = 'done';
  let error: string | undefined;

  try {
    const files = await filesToImport(path, notes);
    const sizes = await Promise.all(files.map((file) => stat(file).then((info) => info.size, () => 0)));
    const bytesTotal = sizes.reduce((sum, size) => sum + size, 0);
    counts.filesTotal = files.length;
    const progress: ImportProgress = { ...counts, bytesTotal };
    const report = (currentFile?: string, currentSeries?: string) => {
      Object.assign(progress, counts, { currentFile, currentSeries: currentSeries ?? progress.currentSeries });
      options.onProgress?.({ ...progress });
    };
    report();

    let next = 0;
    let lastSaved = 0;
    const worker = async () => {
      while (next < files.length) {
        options.signal?.throwIfAborted();
        const file = files[next++];
        let bytes: Uint8Array;
        try {
          bytes = await readMediumFile(file);
        } catch (reason) {
          // A pipe, device or oversized file is a note, never read and never quarantined.
          if (reason instanceof MediumFileRefusal) {
            notes.push(reason.message);
            counts.filesDone++;
            report(file);
            continue;
          }
          // Unreadable (gone, no permission): quarantined as an empty object with the reason, as before.
          bytes = new Uint8Array(0);
        }
        const size = bytes.length;
        const outcome = await store.ingest(bytes, { name: file, source: `folder ${path}`, importJobId: jobId, handOverBytes: true });
        tally(outcome, file);
        counts.filesDone++;
        counts.bytesDone += size;
        report(file, outcome.seriesDescription ?? outcome.seriesInstanceUid);
        if (counts.filesDone - lastSaved >= 50) {
          lastSaved = counts.filesDone;
          store.importJobs.update(jobId, counts);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, Math.min(options.concurrency ?? 8, files.length)) }, worker));
  } catch (reason) {
    if (options.signal?.aborted) {
      status = 'cancelled';
    } else {
      status = 'failed';
      const why = describeFileSystemFailure(reason);
      error = why ? `${path} cannot be imported: ${why}` : reason instanceof Error ? reason.message : String(reason);
    }
  }

  function tally(outcome: IngestOutcome, file: string): void {
    switch (outcome.status) {
      case 'stored':
        counts.stored++;
        break;
      case 'duplicate':
        counts.duplicates++;
        break;
      case 'conflict':
        counts.conflicts++;
        conflicts.push({ file, reason: outcome.reason ?? '' });
        break;
      case 'quarantined':
        counts.quarantined++;
        quarantined.push({ file, reason: outcome.reason ?? '' });
        return;
    }
    if (outcome.studyInstanceUid) studies.add(outcome.studyInstanceUid);
    if (outcome.seriesInstanceUid) series.add(outcome.seriesInstanceUid);
  }

  store.importJobs.finish(jobId, status, counts, error);
  store.audit.record({ actor: actorLabel(), action: `import-${status}`, outcome: status === 'failed' ? 'failure' : 'success', subject: path, details: { importJobId: jobId, studyInstanceUids: [...studies], ...counts } });
  return { importJobId: jobId, status, studies: studies.size, series: series.size, counts, quarantined, conflicts, notes, error };
}

/** Every file under `path`, DICOMDIR-referenced files included; DICOMDIRs themselves are read, not imported. */
async function filesToImport(path: string, notes: string[]): Promise<string[]> {
  const walked = await listFiles(path);
  const files = new Set<string>();
  for (const file of walked) {
    if (basename(file).toUpperCase() !== 'DICOMDIR') {
      files.add(file);
      continue;
    }
    try {
      const references = await readDicomdirReferences(file);
      for (const ref of references.files) files.add(ref);
      notes.push(...references.notes);
      notes.push(`${file}: DICOMDIR read, ${references.referenced} files referenced`);
    } catch (reason) {
      notes.push(`${file}: DICOMDIR could not be read (${(reason as Error).message}); the folder is imported file by file`);
    }
  }
  return [...files].sort();
}
