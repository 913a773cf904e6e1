/**
 * Reading one file of an imported folder or medium with bounds: regular files only (a device file
 * would grow the import without bound, a named pipe would hang it), at most 2 GiB (a CT image is
 * well under 1 GiB; even a long multi-frame object stays far below). The file is opened without
 * blocking and checked on the open descriptor, so a name swapped for a pipe after the folder walk
 * is refused as well.
 */
import { constants, type Stats } from 'node:fs';
import { open } from 'node:fs/promises';

/** The largest single file an import reads. */
export const MAX_IMPORT_FILE_BYTES = 2 * 1024 ** 3;

/** A file of the medium that is not read, with the sentence that says why. */
export class MediumFileRefusal extends Error {
  constructor(
    readonly file: string,
    reason: string,
  ) {
    super(`${file} ${reason}: not read`);
    this.name = 'MediumFileRefusal';
  }
}

export function formatGiB(bytes: number): string {
  return `${Number((bytes / 1024 ** 3).toFixed(2))} GiB`;
}

export function describeNonRegularFile(info: Stats): string {
  if (info.isDirectory()) return 'a folder';
  if (info.isFIFO()) return 'a named pipe';
  if (info.isCharacterDevice() || info.isBlockDevice()) return 'a device file';
  if (info.isSocket()) return 'a socket';
  if (info.isSymbolicLink()) return 'a link';
  return 'a special file';
}

/** The bytes of `file`, or a MediumFileRefusal when it is not a regular file or is too large. */
export async function readMediumFile(file: string, maxBytes = MAX_IMPORT_FILE_BYTES): Promise<Uint8Array> {
  // O_NONBLOCK: opening a named pipe must not wait for a writer.
  const handle = await open(file, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    const info = await handle.stat();
    if (!info.isFile()) throw new MediumFileRefusal(file, `is ${describeNonRegularFile(info)}, not a regular file`);
    if (info.size > maxBytes) throw new MediumFileRefusal(file, `is ${formatGiB(info.size)}, above the ${formatGiB(maxBytes)} limit for one file`);
    // Read what the size says, no more: a file that grows while read cannot grow the import.
    const bytes = new Uint8Array(info.size);
    let filled = 0;
    while (filled < bytes.length) {
      const { bytesRead } = await handle.read(bytes, filled, bytes.length - filled, filled);
      if (bytesRead === 0) break;
      filled += bytesRead;
    }
    return filled === bytes.length ? bytes : bytes.slice(0, filled);
  } finally {
    await handle.close();
  }
}
