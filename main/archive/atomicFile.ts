/**
 * Durable writes of archive files (done on writer threads, archiveWriterPool.ts): temporary name,
 * write, fsync, rename, fsync the folder. After a crash a file is either absent or complete under
 * its final name; leftovers have the .part suffix. This module holds what the main thread needs.
 */
import { open } from 'node:fs/promises';

export const PARTIAL_SUFFIX = '.part';

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
