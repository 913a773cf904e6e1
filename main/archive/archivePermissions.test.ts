/**
 * Patient data is owner-only whatever the umask (issue 11): under the common umask 022 every folder
 * the archive creates is 0700 and every file 0600 (objects, quarantine, conflicts, the database and
 * its -wal/-shm), and quarantine never widens a copied file's mode.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { chmod, copyFile, lstat, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { ArchiveStore } from './archiveStore.js';
import { importFolder } from '../import/folderImport.js';
import { writeFileDurably } from '../outbound/durableFile.js';
import { haveSharedData, qrmPhantomDir } from '../../test/support/sharedData.js';
import { makeTempDir } from '../../test/support/tempDir.js';

async function modesUnder(root: string): Promise<Array<{ path: string; kind: 'folder' | 'file'; mode: string }>> {
  const found: Array<{ path: string; kind: 'folder' | 'file'; mode: string }> = [];
  const rootInfo = await lstat(root);
  found.push({ path: '.', kind: 'folder', mode: (rootInfo.mode & 0o777).toString(8) });
  for (const entry of await readdir(root, { withFileTypes: true, recursive: true })) {
    const path = join(entry.parentPath, entry.name);
    const info = await lstat(path);
    found.push({ path: relative(root, path), kind: info.isDirectory() ? 'folder' : 'file', mode: (info.mode & 0o777).toString(8) });
  }
  return found;
}

describe.skipIf(!haveSharedData(qrmPhantomDir))('owner-only patient data', () => {
  let temp: { dir: string; remove: () => Promise<void> };
  let previousUmask: number;
  beforeEach(async () => {
    previousUmask = process.umask(0o022);
    temp = await makeTempDir('modes');
  });
  afterEach(async () => {
    process.umask(previousUmask);
    await temp.remove();
  });

  it('every folder the archive creates is 0700 and every file 0600 after an import, a quarantine and a conflict', async () => {
    const source = join(temp.dir, 'source');
    await mkdir(source);
    const names = (await readdir(qrmPhantomDir)).sort().slice(0, 3);
    for (const name of names) {
      await copyFile(join(qrmPhantomDir, name), join(source, name));
      await chmod(join(source, name), 0o644);
    }
    // Garbage behind a DICM marker goes to quarantine; world-readable and -writable at the source.
    const garbage = Buffer.alloc(2048, 0xee);
    garbage.write('DICM', 128, 'latin1');
    await writeFile(join(source, 'garbage.dcm'), garbage);
    await chmod(join(source, 'garbage.dcm'), 0o666);

    const root = join(temp.dir, 'archive');
    const store = ArchiveStore.open(root);
    try {
      await store.recover();
      const summary = await importFolder(store, source);
      expect(summary.counts).toMatchObject({ stored: 3, quarantined: 1 });
      // Same SOP Instance UID, other pixels: kept aside in conflicts/.
      const changed = new Uint8Array(await readFile(join(source, names[0])));
      changed[changed.length - 1] ^= 0xff;
      const conflict = await store.ingest(changed, { name: 'changed.dcm', source: 'test' });
      expect(conflict.status).toBe('conflict');

      const entries = await modesUnder(root);
      const paths = entries.map((entry) => entry.path);
      expect(paths).toEqual(expect.arrayContaining(['archive.sqlite', 'archive.sqlite-wal', 'archive.sqlite-shm', 'quarantine', 'conflicts', 'studies']));
      expect(paths.some((name) => name.startsWith('quarantine/'))).toBe(true);
      expect(paths.some((name) => name.startsWith('conflicts/') && name.endsWith('.dcm'))).toBe(true);
      expect(paths.filter((name) => name.startsWith('studies/') && name.endsWith('.dcm'))).toHaveLength(3);
      const wrong = entries.filter((entry) => entry.mode !== (entry.kind === 'folder' ? '700' : '600'));
      expect(wrong).toEqual([]);
    } finally {
      store.close();
    }
  });

  it('files written durably (outbound copies, signed report files) are 0600', async () => {
    const target = join(temp.dir, 'outbound-object.dcm');
    await writeFileDurably(target, new Uint8Array([1, 2, 3]), { replace: true });
    expect(((await lstat(target)).mode & 0o777).toString(8)).toBe('600');
  });
});
