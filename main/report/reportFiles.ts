/**
 * The signed outputs of a report version, kept beside the archive: reports/<id>/v<version>/ with
 * the PDF, the structured report and the Encapsulated PDF exactly as they were sent, so an export
 * or a resend years later gives the same bytes.
 */
import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { syncDirectory } from '../archive/atomicFile.js';

export const REPORT_FILE_NAMES = { pdf: 'report.pdf', sr: 'report-sr.dcm', encapsulatedPdf: 'report-pdf.dcm' } as const;
export type ReportFileKind = keyof typeof REPORT_FILE_NAMES;
export type ReportFiles = Record<ReportFileKind, Uint8Array>;

export function reportFolder(archiveRoot: string, reportId: number, version: number): string {
  return join(archiveRoot, 'reports', String(reportId), `v${version}`);
}

/** Temporary name, fsync, rename, fsync of the folder: a crash leaves the old file or the new one. */
export async function writeFileDurably(path: string, bytes: Uint8Array): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const partial = `${path}.part`;
  const handle = await open(partial, 'w');
  try {
    await handle.writeFile(bytes);
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await rename(partial, path);
  } catch (error) {
    await rm(partial, { force: true });
    throw error;
  }
  await syncDirectory(dirname(path));
}

export async function writeReportFiles(folder: string, files: ReportFiles): Promise<void> {
  for (const kind of Object.keys(REPORT_FILE_NAMES) as ReportFileKind[]) await writeFileDurably(join(folder, REPORT_FILE_NAMES[kind]), files[kind]);
}

export async function readReportFiles(folder: string): Promise<ReportFiles> {
  const entries = await Promise.all(
    (Object.keys(REPORT_FILE_NAMES) as ReportFileKind[]).map(async (kind) => [kind, new Uint8Array(await readFile(join(folder, REPORT_FILE_NAMES[kind])))] as const),
  );
  return Object.fromEntries(entries) as ReportFiles;
}
