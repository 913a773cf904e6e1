/**
 * Reading a DICOMDIR (the index on a CD or USB export): the files its records reference, so an
 * import finds them even where a folder walk would not (upper-case 8.3 names, deep trees).
 * A DICOMDIR is input from outside like any file: a reference is followed only when it resolves
 * (links included) inside the medium's folder to a regular file of bounded size. Anything else is
 * a note naming the reference and is never read (a device file would grow the import without
 * bound, a named pipe would hang it, a system file would end up in quarantine).
 */
import dicomParser from 'dicom-parser';
import { readFile, realpath, stat } from 'node:fs/promises';
import { dirname, isAbsolute, relative, resolve, sep } from 'node:path';
import { parseDicomBytes } from '../../native-worker/dicom/dicomFile.js';
import { describeNonRegularFile, MAX_IMPORT_FILE_BYTES, formatGiB } from './mediumFile.js';

export interface DicomdirReferences {
  /** Absolute, resolved paths of the referenced files that may be read. */
  files: string[];
  /** How many records reference a file. */
  referenced: number;
  /** One line per reference not followed (missing, outside the medium, not a regular file, too large). */
  notes: string[];
}

/** Read the DICOMDIR and check every file it references. */
export async function readDicomdirReferences(dicomdirPath: string): Promise<DicomdirReferences> {
  const bytes = new Uint8Array(await readFile(dicomdirPath));
  const dataSet = parseDicomBytes(bytes, dicomdirPath);
  const records = dataSet.elements.x00041220?.items ?? [];
  const base = resolve(dirname(dicomdirPath));
  const realBase = await realpath(base);
  const result: DicomdirReferences = { files: [], referenced: 0, notes: [] };
  for (const record of records) {
    const fileId = (record.dataSet as dicomParser.DataSet | undefined)?.string('x00041500')?.trim();
    if (!fileId) continue;
    result.referenced++;
    const checked = await checkReference(dicomdirPath, base, realBase, fileId);
    if ('file' in checked) result.files.push(checked.file);
    else result.notes.push(checked.note);
  }
  return result;
}

/** Absolute paths of the files the DICOMDIR references that are safe to read. */
export async function filesReferencedByDicomdir(dicomdirPath: string): Promise<string[]> {
  return (await readDicomdirReferences(dicomdirPath)).files;
}

async function checkReference(dicomdirPath: string, base: string, realBase: string, fileId: string): Promise<{ file: string } | { note: string }> {
  const shown = JSON.stringify(fileId.slice(0, 200));
  const refuse = (why: string) => ({ note: `${dicomdirPath} lists ${shown}, which ${why}: not read` });
  // Components are separated by backslashes (PS3.10); a slash inside one is read as a separator
  // too, so "A/../../.." cannot hide a climb inside one component.
  const parts = fileId.split(/[\\/]/).filter((part) => part && part !== '.');
  if (parts.length === 0) return refuse('names no file');
  const candidate = resolve(base, ...parts);
  if (!isInside(base, candidate)) return refuse('climbs out of the medium');
  let real: string;
  try {
    real = await realpath(candidate);
  } catch {
    return { note: `${dicomdirPath} lists ${candidate}, which is not on the medium` };
  }
  if (!isInside(realBase, real)) return refuse(`is a link that leads out of the medium (to ${real})`);
  const info = await stat(real).catch(() => undefined);
  if (!info) return { note: `${dicomdirPath} lists ${candidate}, which is not on the medium` };
  if (!info.isFile()) return refuse(`is ${describeNonRegularFile(info)}, not a regular file`);
  if (info.size > MAX_IMPORT_FILE_BYTES) return refuse(`is ${formatGiB(info.size)}, above the ${formatGiB(MAX_IMPORT_FILE_BYTES)} limit for one file`);
  // The name under the medium (not the resolved one), so the folder walk's copy of it is the same entry.
  return { file: candidate };
}

function isInside(folder: string, path: string): boolean {
  const rel = relative(folder, path);
  return rel !== '' && rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel);
}
