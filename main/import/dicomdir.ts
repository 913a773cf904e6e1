/**
 * Reading a DICOMDIR (the index on a CD or USB export): the files its records reference, so an
 * import finds them even where a folder walk would not (upper-case 8.3 names, deep trees).
 */
import dicomParser from 'dicom-parser';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { parseDicomBytes } from '../../native-worker/dicom/dicomFile.js';

/** Absolute paths of the files the DICOMDIR references (they may or may not exist). */
export async function filesReferencedByDicomdir(dicomdirPath: string): Promise<string[]> {
  const bytes = new Uint8Array(await readFile(dicomdirPath));
  const dataSet = parseDicomBytes(bytes, dicomdirPath);
  const records = dataSet.elements.x00041220?.items ?? [];
  const base = dirname(dicomdirPath);
  const files: string[] = [];
  for (const record of records) {
    const fileId = (record.dataSet as dicomParser.DataSet | undefined)?.string('x00041500');
    if (!fileId) continue;
    // Components are separated by backslashes; never let one climb out of the medium.
    const parts = fileId.trim().split('\\').filter((part) => part && part !== '.' && part !== '..');
    if (parts.length) files.push(join(base, ...parts));
  }
  return files;
}
