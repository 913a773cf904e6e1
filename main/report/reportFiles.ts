/**
 * The signed outputs of a report version, kept beside the archive: reports/<id>/v<version>/ with
 * the PDF, the structured report and the Encapsulated PDF exactly as they were sent, so an export
 * or a resend years later gives the same bytes.
 */
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileDurably } from '../outbound/durableFile.js';

export const REPORT_FILE_NAMES = { pdf: 'report.pdf', sr: 'report-sr.dcm', encapsulatedPdf: 'report-pdf.dcm' } as const;
export type ReportFileKind = keyof typeof REPORT_FILE_NAMES;
export type ReportFiles = Record<ReportFileKind, Uint8Array>;

export function reportFolder(archiveRoot: string, reportId: number, version: number): string {
  return join(archiveRoot, 'reports', String(reportId), `v${version}`);
}

/** Written before the signature is committed: a sign that failed before its commit may leave files, which the next sign replaces. */
export async function writeReportFiles(folder: string, files: ReportFiles): Promise<void> {
  await mkdir(folder, { recursive: true });
  for (const kind of Object.keys(REPORT_FILE_NAMES) as ReportFileKind[]) await writeFileDurably(join(folder, REPORT_FILE_NAMES[kind]), files[kind], { replace: true });
}

export async function readReportFiles(folder: string): Promise<ReportFiles> {
  const entries = await Promise.all(
    (Object.keys(REPORT_FILE_NAMES) as ReportFileKind[]).map(async (kind) => [kind, new Uint8Array(await readFile(join(folder, REPORT_FILE_NAMES[kind])))] as const),
  );
  return Object.fromEntries(entries) as ReportFiles;
}
