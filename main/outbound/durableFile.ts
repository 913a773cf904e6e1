/**
 * Writing one file so that after a crash it is either absent or complete under its final name:
 * a temporary name beside it (.part), write, fsync, then rename (or link, to never replace an
 * existing file), fsync the folder. Used for the outbound copies, the signed report files and their export to a folder.
 */
import { randomBytes } from 'node:crypto';
import { link, open, readFile, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { PARTIAL_SUFFIX, PATIENT_FILE_MODE, syncDirectory } from '../archive/atomicFile.js';

export type DurableWriteResult = 'written' | 'identical' | 'different';

/**
 * Write `bytes` to `target`. With `replace: false` an existing file is never touched: the result
 * says whether it already held the same bytes ('identical') or others ('different').
 * Errors are the file system's (ErrnoException), for the caller to put in words.
 */
export async function writeFileDurably(target: string, bytes: Uint8Array, options: { replace: boolean }): Promise<DurableWriteResult> {
  const folder = dirname(target);
  if (!options.replace) {
    const existing = await readExisting(target);
    if (existing) return Buffer.compare(existing, bytes) === 0 ? 'identical' : 'different';
  }
  const temporary = join(folder, `.${basename(target)}.${process.pid}.${randomBytes(4).toString('hex')}${PARTIAL_SUFFIX}`);
  // Patient data: owner-only whatever the umask.
  const handle = await open(temporary, 'wx', PATIENT_FILE_MODE);
  try {
    await handle.writeFile(bytes);
    await handle.sync();
  } catch (error) {
    await handle.close().catch(() => undefined);
    await unlink(temporary).catch(() => undefined);
    throw error;
  }
  await handle.close();
  try {
    if (options.replace) await rename(temporary, target);
    else {
      try {
        // link() fails when the name exists: two writers racing can never replace each other's file.
        await link(temporary, target);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
        const existing = await readFile(target);
        return Buffer.compare(existing, bytes) === 0 ? 'identical' : 'different';
      }
    }
  } finally {
    // After a rename it is gone already; after a link the file has two names, drop the temporary one.
    await unlink(temporary).catch(() => undefined);
  }
  await syncDirectory(folder);
  return 'written';
}

async function readExisting(path: string): Promise<Buffer | undefined> {
  try {
    return await readFile(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}
