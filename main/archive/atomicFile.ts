/**
 * Durable file writes: temporary name, write, fsync, rename, fsync the folder. After a crash a
 * file is either absent or complete under its final name; leftovers have the .part suffix.
 */
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { randomUUID } from 'node:crypto';

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

function describeWriteFailure(error: NodeJS.ErrnoException, target: string): string {
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

async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Write `bytes` to `target` atomically and durably; `scratchDir` must be on the same disk. */
export async function writeFileAtomic(target: string, bytes: Uint8Array, scratchDir: string): Promise<void> {
  const temporary = join(scratchDir, `${randomUUID()}${PARTIAL_SUFFIX}`);
  try {
    await mkdir(dirname(target), { recursive: true });
    const handle = await open(temporary, 'wx');
    try {
      await handle.writeFile(bytes);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temporary, target);
    await syncDirectory(dirname(target));
  } catch (reason) {
    await rm(temporary, { force: true }).catch(() => undefined);
    const error = reason as NodeJS.ErrnoException;
    throw new ArchiveWriteError(describeWriteFailure(error, target), error);
  }
}
