/**
 * The signed outputs of a report version, kept beside the archive: reports/<id>/v<version>/ with
 * the PDF, the structured report, the Encapsulated PDF and the key images (Secondary Capture)
 * exactly as they were sent, so an export or a resend years later gives the same bytes.
 */
import { mkdir, readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileDurably } from '../outbound/durableFile.js';

export const REPORT_FILE_NAMES = { pdf: 'report.pdf', sr: 'report-sr.dcm', encapsulatedPdf: 'report-pdf.dcm' } as const;
export type ReportFileKind = keyof typeof REPORT_FILE_NAMES;
export type ReportFiles = Record<ReportFileKind, Uint8Array> & { keyImages: Uint8Array[] };

/** key-image-01.dcm, key-image-02.dcm ... in the order of the key images. */
const KEY_IMAGE_NAME = /^key-image-(\d{2})\.dcm$/;
export const keyImageFileName = (index: number): string => `key-image-${String(index + 1).padStart(2, '0')}.dcm`;

/** Every file of a version with its name: what is exported and, but for the PDF, sent. */
export function reportFileEntries(files: ReportFiles): Array<{ name: string; bytes: Uint8Array }> {
  return [
    ...(Object.keys(REPORT_FILE_NAMES) as ReportFileKind[]).map((kind) => ({ name: REPORT_FILE_NAMES[kind], bytes: files[kind] })),
    ...files.keyImages.map((bytes, index) => ({ name: keyImageFileName(index), bytes })),
  ];
}

/** The DICOM objects of a version, what goes to PACS: the SR, the Encapsulated PDF and the key images. */
export function reportDicomObjects(files: ReportFiles): Array<{ bytes: Uint8Array }> {
  return [files.sr, files.encapsulatedPdf, ...files.keyImages].map((bytes) => ({ bytes }));
}

export function reportFolder(archiveRoot: string, reportId: number, version: number): string {
  return join(archiveRoot, 'reports', String(reportId), `v${version}`);
}

/** Written before the signature is committed: a sign that failed before its commit may leave files, which the next sign replaces. */
export async function writeReportFiles(folder: string, files: ReportFiles): Promise<void> {
  await mkdir(folder, { recursive: true, mode: 0o700 });
  for (const { name, bytes } of reportFileEntries(files)) await writeFileDurably(join(folder, name), bytes, { replace: true });
}

export async function readReportFiles(folder: string): Promise<ReportFiles> {
  const read = async (name: string) => new Uint8Array(await readFile(join(folder, name)));
  const keyImageNames = (await readdir(folder)).filter((name) => KEY_IMAGE_NAME.test(name)).sort();
  return {
    pdf: await read(REPORT_FILE_NAMES.pdf),
    sr: await read(REPORT_FILE_NAMES.sr),
    encapsulatedPdf: await read(REPORT_FILE_NAMES.encapsulatedPdf),
    keyImages: await Promise.all(keyImageNames.map(read)),
  };
}
