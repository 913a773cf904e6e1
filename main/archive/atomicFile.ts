/**
 * Durable writes of archive files (done on writer threads, archiveWriterPool.ts): temporary name,
 * write, fsync, rename, fsync the folder. After a crash a file is either absent or complete under
 * its final name; leftovers have the .part suffix. This module holds what the main thread needs.
 */
import { open } from 'node:fs/promises';

export const PARTIAL_SUFFIX = '.part';

/**
 * Patient data is owner-only whatever the umask: folders 0700, files 0600. Modes are given at
 * creation (open/mkdir), so no file is ever readable by others, even for a moment.
 */
export const PATIENT_FOLDER_MODE = 0o700;
export const PATIENT_FILE_MODE = 0o600;

export class ArchiveWriteError extends Error {
  constructor(
    message: string,
    readonly failure: NodeJS.ErrnoException,
  ) {
    super(message);
    this.name = 'ArchiveWriteError';
  }
}

export function describeWriteFailure(error: NodeJS.ErrnoException, target: string): string {
  switch (error.code) {
    case 'ENOSPC':
      return `the archive disk is full while writing ${target}: free some space, then send or import again (nothing was stored)`;
    case 'EACCES':
    case 'EPERM':
      return `the archive folder is not writable (${target}): check its permissions`;
    case 'EROFS':
      return `the archive folder is on a read-only disk (${target})`;
    default:
      return `cannot write ${target}: ${error.message}`;
  }
}

export async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
