/**
 * Export report objects to a folder (a USB stick, a share): each file written durably under its
 * name, never replacing a different file of the same name (the same bytes again is fine).
 */
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileDurably } from './durableFile.js';
import { readOutboundObject } from './outboundObject.js';

export class ExportError extends Error {
  constructor(
    readonly code: 'bad-name' | 'different-file' | 'not-writable' | 'disk-full' | 'write-failed',
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'ExportError';
  }
}

export interface ExportedFile {
  fileName: string;
  path: string;
  /** 'identical': the folder already held this exact file. */
  result: 'written' | 'identical';
  sopInstanceUid: string;
}

/** A plain file name: no folders, nothing hidden, characters every file system takes. */
const FILE_NAME_PATTERN = /^[A-Za-z0-9_][A-Za-z0-9._ -]{0,200}$/;

/**
 * Write `objects` into `folder` (created if missing). A file name defaults to
 * "<SOP Instance UID>.dcm". All names are checked, and the folder for files of the same name with
 * other content, before anything is written.
 */
export async function exportObjectsToFolder(objects: Array<{ bytes: Uint8Array; fileName?: string }>, folder: string): Promise<ExportedFile[]> {
  const planned = objects.map((object, index) => {
    const header = readOutboundObject(object.bytes, `object ${index + 1} of ${objects.length}`);
    const fileName = object.fileName ?? `${header.sopInstanceUid}.dcm`;
    if (!FILE_NAME_PATTERN.test(fileName) || fileName.endsWith('.')) {
      throw new ExportError('bad-name', `"${fileName}" cannot be used as a file name: use letters, digits, dots, dashes and underscores, without folders`);
    }
    return { bytes: object.bytes, fileName, path: join(folder, fileName), sopInstanceUid: header.sopInstanceUid };
  });
  const seen = new Map<string, Uint8Array>();
  for (const file of planned) {
    const lower = file.fileName.toLowerCase();
    const earlier = seen.get(lower);
    if (earlier && Buffer.compare(earlier, file.bytes) !== 0) {
      throw new ExportError('different-file', `two different objects would both be exported as "${file.fileName}": give them different file names`);
    }
    seen.set(lower, file.bytes);
  }

  try {
    await mkdir(folder, { recursive: true });
  } catch (error) {
    throw describeFailure(error as NodeJS.ErrnoException, folder, 'create the export folder');
  }
  for (const file of planned) {
    const existing = await readFile(file.path).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return undefined;
      throw describeFailure(error, file.path, 'read');
    });
    if (existing && Buffer.compare(existing, file.bytes) !== 0) throw differentFile(file.path, 0);
  }
  const exported: ExportedFile[] = [];
  for (const file of planned) {
    let result;
    try {
      result = await writeFileDurably(file.path, file.bytes, { replace: false });
    } catch (error) {
      throw describeFailure(error as NodeJS.ErrnoException, file.path, 'write');
    }
    // Someone wrote it between the check and now.
    if (result === 'different') throw differentFile(file.path, exported.length);
    exported.push({ fileName: file.fileName, path: file.path, result, sopInstanceUid: file.sopInstanceUid });
  }
  return exported;
}

function differentFile(path: string, exportedBefore: number): ExportError {
  const before = exportedBefore ? ` (${exportedBefore} file(s) were exported before it)` : ' (nothing was exported)';
  return new ExportError('different-file', `${path} already exists with other content and was left as it is: choose another folder, or move that file away${before}`);
}

function describeFailure(error: NodeJS.ErrnoException, target: string, doing: string): ExportError {
  switch (error.code) {
    case 'EACCES':
    case 'EPERM':
      return new ExportError('not-writable', `cannot ${doing} ${target}: permission denied; choose a folder you can write to`, { cause: error });
    case 'EROFS':
      return new ExportError('not-writable', `cannot ${doing} ${target}: the disk is read-only (a write-protected stick or CD?)`, { cause: error });
    case 'ENOTDIR':
    case 'EEXIST':
      return new ExportError('not-writable', `cannot ${doing} ${target}: a file is in the way where a folder is expected; choose another folder`, { cause: error });
    case 'ENOSPC':
    case 'EDQUOT':
      return new ExportError('disk-full', `cannot ${doing} ${target}: the disk is full; free some space or use another disk`, { cause: error });
    default:
      return new ExportError('write-failed', `cannot ${doing} ${target}: ${error.message}`, { cause: error });
  }
}
