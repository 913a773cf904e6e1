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

export async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Folders known to exist: mkdir is skipped for them (an archive writes many files per folder). */
const knownFolders = new Set<string>();

/**
 * Write `bytes` to `target` atomically and durably; `scratchDir` must be on the same disk. With
 * syncFolder false the caller fsyncs the target's folder itself (once for many files) before it
 * relies on the new name.
 */
export async function writeFileAtomic(target: string, bytes: Uint8Array, scratchDir: string, { syncFolder = true } = {}): Promise<void> {
  const temporary = join(scratchDir, `${randomUUID()}${PARTIAL_SUFFIX}`);
  try {
    const folder = dirname(target);
    if (!knownFolders.has(folder)) {
      await mkdir(folder, { recursive: true });
      knownFolders.add(folder);
    }
    const handle = await open(temporary, 'wx');
    try {
      await handle.writeFile(bytes);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temporary, target).catch(async (reason: NodeJS.ErrnoException) => {
      // The folder was removed since we cached it (e.g. emptied by a recovery): make it again.
      if (reason.code !== 'ENOENT') throw reason;
      await mkdir(folder, { recursive: true });
      await rename(temporary, target);
    });
    if (syncFolder) await syncDirectory(folder);
  } catch (reason) {
    knownFolders.delete(dirname(target));
    await rm(temporary, { force: true }).catch(() => undefined);
    const error = reason as NodeJS.ErrnoException;
    throw new ArchiveWriteError(describeWriteFailure(error, target), error);
  }
}
