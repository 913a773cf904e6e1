/**
 * Identity is the data set, not the file header (issue 11): the same study imported again with
 * other File Meta Information (another writer's Implementation Class UID, as a C-STORE receiver or
 * a CD burner writes it) is a duplicate, not a conflict; the archived bytes are left as received.
 * A changed data set is still a conflict.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ArchiveStore } from './archiveStore.js';
import { dataSetOffset, sameDataSet } from './dataSetIdentity.js';
import { importFolder } from '../import/folderImport.js';
import { haveSharedData, haveTool, qrmPhantomDir } from '../../test/support/sharedData.js';
import { makeTempDir } from '../../test/support/tempDir.js';

const run = promisify(execFile);
const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
const COUNT = 8;

describe.skipIf(!haveSharedData(qrmPhantomDir) || !haveTool('dcmconv'))('identity by data set', () => {
  let temp: { dir: string; remove: () => Promise<void> };
  let store: ArchiveStore;
  beforeEach(async () => {
    temp = await makeTempDir('identity');
    store = ArchiveStore.open(join(temp.dir, 'archive'));
    await store.recover();
  });
  afterEach(async () => {
    store.close();
    await temp.remove();
  });

  it('a copy whose File Meta Information was rewritten is N duplicates, 0 conflicts, and the stored bytes are unchanged', async () => {
    const names = (await readdir(qrmPhantomDir)).sort().slice(0, COUNT);
    const first = join(temp.dir, 'first');
    const rewritten = join(temp.dir, 'rewritten');
    await mkdir(first);
    await mkdir(rewritten);
    for (const name of names) {
      await writeFile(join(first, name), await readFile(join(qrmPhantomDir, name)));
      // dcmconv writes its own meta header (DCMTK's Implementation Class UID and version name).
      await run('dcmconv', [join(qrmPhantomDir, name), join(rewritten, name)]);
    }
    const original = new Uint8Array(await readFile(join(first, names[0])));
    const copy = new Uint8Array(await readFile(join(rewritten, names[0])));
    // The precondition: files differ, data sets do not.
    expect(sha256(original)).not.toBe(sha256(copy));
    expect(sameDataSet(original, copy)).toBe(true);
    expect(dataSetOffset(original)).toBeGreaterThan(132);

    const stored = await importFolder(store, first);
    expect(stored.counts).toMatchObject({ stored: COUNT, conflicts: 0 });
    const hashesBefore = store.instances.listInstances(store.instances.listSeries(store.instances.listStudies()[0].studyInstanceUid)[0].seriesInstanceUid).map((i) => i.sha256).sort();

    const again = await importFolder(store, rewritten);
    expect(again.counts).toMatchObject({ stored: 0, duplicates: COUNT, conflicts: 0, quarantined: 0 });
    expect(again.conflicts).toEqual([]);
    expect(store.quarantine.list()).toEqual([]);
    // Kept byte for byte as first received.
    const instances = store.instances.listInstances(store.instances.listSeries(store.instances.listStudies()[0].studyInstanceUid)[0].seriesInstanceUid);
    expect(instances.map((i) => i.sha256).sort()).toEqual(hashesBefore);
    for (const instance of instances) expect(sha256(await readFile(store.absolutePath(instance.path)))).toBe(instance.sha256);
  });

  it('a changed data set under the same SOP Instance UID is still a conflict', async () => {
    const [name] = (await readdir(qrmPhantomDir)).sort();
    const bytes = new Uint8Array(await readFile(join(qrmPhantomDir, name)));
    expect((await store.ingest(bytes.slice(), { name, source: 'test' })).status).toBe('stored');
    const changed = bytes.slice();
    changed[changed.length - 1] ^= 0x01;
    expect((await store.ingest(changed, { name, source: 'test' })).status).toBe('conflict');
  });
});
