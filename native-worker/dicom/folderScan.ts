/**
 * Find the CT series in a folder (or a single file): any file names, any depth, DICOMDIR and
 * non-image objects ignored with a note, damaged files reported by name. Only headers are read.
 */
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { describeParseFailure, readDicomHeader } from './dicomFile.js';
import { DicomLoadError, describeFileSystemFailure, type LoadIssue } from './loadIssues.js';
import {
  CT_IMAGE_STORAGE,
  ENHANCED_CT_IMAGE_STORAGE,
  MEDIA_STORAGE_DIRECTORY,
  readSliceHeader,
  type SliceHeader,
} from './sliceHeader.js';

export interface SeriesSummary {
  seriesInstanceUid: string;
  studyInstanceUid: string;
  seriesNumber?: number;
  seriesDescription?: string;
  modality?: string;
  slices: SliceHeader[];
}

export interface FolderScan {
  series: SeriesSummary[];
  /** Files that were ignored (notes) or could not be read (errors), each naming its file. */
  issues: LoadIssue[];
  filesSeen: number;
}

export interface ScanOptions {
  signal?: AbortSignal;
  onProgress?: (filesDone: number, filesTotal: number) => void;
}

/** Header reads in flight at once: enough to hide file-system latency, few enough for a CD. */
const CONCURRENT_READS = 8;

export async function listFiles(path: string): Promise<string[]> {
  const info = await stat(path);
  if (info.isFile()) return [path];
  const files: string[] = [];
  const entries = await readdir(path, { withFileTypes: true, recursive: true });
  for (const entry of entries) {
    if (entry.isFile()) files.push(join(entry.parentPath ?? (entry as unknown as { path: string }).path, entry.name));
  }
  // A stable order makes notes and ties reproducible; slice order never depends on it.
  return files.sort();
}

export async function scanFolder(path: string, options: ScanOptions = {}): Promise<FolderScan> {
  const files = await listFiles(path);
  const headers: SliceHeader[] = [];
  const issues: LoadIssue[] = [];
  let next = 0;
  let done = 0;

  async function readNext(): Promise<void> {
    while (next < files.length) {
      options.signal?.throwIfAborted();
      const file = files[next++];
      const outcome = await classifyFile(file);
      if ('header' in outcome) headers.push(outcome.header);
      else issues.push(outcome.issue);
      options.onProgress?.(++done, files.length);
    }
  }
  await Promise.all(Array.from({ length: Math.min(CONCURRENT_READS, files.length) }, readNext));

  return { series: groupBySeries(headers), issues: sortIssues(issues), filesSeen: files.length };
}

type Classified = { header: SliceHeader } | { issue: LoadIssue };

async function classifyFile(file: string): Promise<Classified> {
  try {
    const parsed = await readDicomHeader(file);
    const header = readSliceHeader(parsed.dataSet, file, parsed.fileSizeBytes);
    const sopClass = header.sopClassUid;
    if (sopClass === MEDIA_STORAGE_DIRECTORY || parsed.dataSet.elements.x00041220 !== undefined) {
      return { issue: { code: 'dicomdir', severity: 'note', message: `${file} is a DICOMDIR (a CD index): ignored, the images are read directly`, file } };
    }
    if (sopClass === ENHANCED_CT_IMAGE_STORAGE) {
      return {
        issue: {
          code: 'unsupported-pixel-format',
          severity: 'warning',
          message: `${file} is an Enhanced (multi-frame) CT image, which is not supported yet: ask the scanner for a classic single-frame CT series`,
          file,
        },
      };
    }
    if (sopClass === CT_IMAGE_STORAGE && !header.hasPixelData) {
      return {
        issue: {
          code: 'truncated-file',
          severity: 'error',
          message: `${file} is a CT image without pixel data: it is truncated or damaged (${parsed.fileSizeBytes} bytes); copy it again from the source`,
          file,
        },
      };
    }
    if (sopClass !== CT_IMAGE_STORAGE) {
      return { issue: { code: 'not-an-image', severity: 'note', message: `${file} is not a CT image (SOP class ${sopClass || 'missing'}): ignored`, file } };
    }
    if (!header.seriesInstanceUid) {
      return { issue: { code: 'unreadable-file', severity: 'error', message: `${file} has no Series Instance UID and cannot be placed in a series`, file } };
    }
    return { header };
  } catch (reason) {
    if (reason instanceof DicomLoadError) {
      return { issue: { ...reason.toIssue(), severity: reason.code === 'not-dicom' ? 'note' : 'error' } };
    }
    const why = describeFileSystemFailure(reason) ?? describeParseFailure(reason);
    return { issue: { code: 'unreadable-file', severity: 'error', message: `${file} cannot be read: ${why}`, file } };
  }
}

function groupBySeries(headers: SliceHeader[]): SeriesSummary[] {
  const bySeries = new Map<string, SeriesSummary>();
  for (const header of headers) {
    let series = bySeries.get(header.seriesInstanceUid);
    if (!series) {
      series = {
        seriesInstanceUid: header.seriesInstanceUid,
        studyInstanceUid: header.studyInstanceUid,
        seriesNumber: header.seriesNumber,
        seriesDescription: header.seriesDescription,
        modality: header.modality,
        slices: [],
      };
      bySeries.set(header.seriesInstanceUid, series);
    }
    series.slices.push(header);
  }
  return [...bySeries.values()].sort((a, b) => (a.seriesNumber ?? 0) - (b.seriesNumber ?? 0) || a.seriesInstanceUid.localeCompare(b.seriesInstanceUid));
}

function sortIssues(issues: LoadIssue[]): LoadIssue[] {
  return issues.sort((a, b) => (a.file ?? '').localeCompare(b.file ?? ''));
}
