/**
 * A hostile DICOMDIR (issue 11): references that climb out of the medium, named pipes, device files,
 * links out of the medium and oversized files are notes naming the reference, never read, never
 * quarantined; the real images are imported and the job finishes.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdir, readdir, readFile, symlink, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ArchiveStore } from '../archive/archiveStore.js';
import { importFolder } from './folderImport.js';
import { readDicomdirReferences } from './dicomdir.js';
import { haveSharedData, haveTool, qrmPhantomDir } from '../../test/support/sharedData.js';
import { makeTempDir } from '../../test/support/tempDir.js';

const run = promisify(execFile);
const haveData = haveSharedData(qrmPhantomDir) && haveTool('dcmmkdir') && haveTool('dcmodify') && haveTool('mkfifo');

/** Enough ".." to reach / from any temporary folder (extra ones stay at /). */
const climb = (target: string) => [...Array(12).fill('..'), ...target.split('/').filter(Boolean)].join('\\');

describe.skipIf(!haveData)('a DICOMDIR from outside', () => {
  let temp: { dir: string; remove: () => Promise<void> };
  let store: ArchiveStore;
  beforeEach(async () => {
    temp = await makeTempDir('dicomdir');
    store = ArchiveStore.open(join(temp.dir, 'archive'));
    await store.recover();
  });
  afterEach(async () => {
    store.close();
    await temp.remove();
  });

  /** A medium of `count` phantom images indexed by dcmmkdir, then records 3+offset.. re-pointed with dcmodify. */
  async function hostileMedium(hostileReferences: string[], prepare: (cd: string) => Promise<void> = async () => undefined) {
    const cd = join(temp.dir, 'cd');
    await mkdir(join(cd, 'DICOM'), { recursive: true });
    const names = (await readdir(qrmPhantomDir)).sort().slice(0, hostileReferences.length + 2);
    for (const name of names) await run('dcmconv', ['+te', join(qrmPhantomDir, name), join(cd, 'DICOM', name)]);
    await run('dcmmkdir', ['--recurse', '--output-file', 'DICOMDIR', 'DICOM'], { cwd: cd });
    // Records 0-2 are patient, study, series; the images follow. The last ones are re-pointed.
    const edits = hostileReferences.flatMap((reference, index) => ['-m', `(0004,1220)[${5 + index}].(0004,1500)=${reference}`]);
    await run('dcmodify', ['-nb', '-nrc', ...edits, 'DICOMDIR'], { cwd: cd });
    await prepare(cd);
    return { cd, images: names.length };
  }

  it('refuses references out of the medium, pipes, devices, links out and oversized files by name; imports the rest', async () => {
    const references = [
      climb('/etc/passwd'),
      'A/../../../../../../../../../../../../etc/passwd',
      'DICOM\\PIPE',
      climb('/dev/zero'),
      'DICOM\\ZERO',
      'DICOM\\PASSWD',
      'DICOM\\HUGE',
    ];
    const { cd, images } = await hostileMedium(references, async (medium) => {
      await run('mkfifo', [join(medium, 'DICOM', 'PIPE')]);
      await symlink('/dev/zero', join(medium, 'DICOM', 'ZERO'));
      await symlink('/etc/passwd', join(medium, 'DICOM', 'PASSWD'));
      // Sparse: 3 GiB on paper, no space on disk.
      await writeFile(join(medium, 'DICOM', 'HUGE'), '');
      await truncate(join(medium, 'DICOM', 'HUGE'), 3 * 1024 ** 3);
    });

    const read = await readDicomdirReferences(join(cd, 'DICOMDIR'));
    expect(read.referenced).toBe(images);
    expect(read.files).toHaveLength(images - references.length);

    const summary = await importFolder(store, cd);
    expect(summary.status).toBe('done');
    expect(store.importJobs.get(summary.importJobId)?.status).toBe('done');
    expect(summary.counts).toMatchObject({ stored: images, quarantined: 0, conflicts: 0 });
    const notes = summary.notes.join('\n');
    expect(notes).toContain(`"${climb('/etc/passwd').replace(/\\/g, '\\\\')}", which climbs out of the medium: not read`);
    expect(notes).toContain('"A/../../../../../../../../../../../../etc/passwd", which climbs out of the medium');
    expect(notes).toMatch(/"DICOM\\\\PIPE", which is a named pipe, not a regular file: not read/);
    expect(notes).toContain(`"${climb('/dev/zero').replace(/\\/g, '\\\\')}", which climbs out of the medium`);
    expect(notes).toMatch(/"DICOM\\\\ZERO", which is a link that leads out of the medium \(to \/dev\/zero\): not read/);
    expect(notes).toMatch(/"DICOM\\\\PASSWD", which is a link that leads out of the medium \(to \/etc\/passwd\)/);
    expect(notes).toMatch(/"DICOM\\\\HUGE", which is 3 GiB, above the 2 GiB limit for one file: not read/);
    // The folder walk finds HUGE too: refused by its size when read, not read whole.
    expect(notes).toMatch(/DICOM\/HUGE is 3 GiB, above the 2 GiB limit for one file: not read/);
    // Nothing from outside the medium reached the archive.
    const passwd = await readFile('/etc/passwd');
    expect(store.quarantine.list().filter((entry) => entry.sizeBytes === passwd.length)).toEqual([]);
    expect(await readdir(join(store.root, 'quarantine'))).toEqual([]);
  }, 60_000);

  it('a named pipe in the import folder itself does not hang the import', async () => {
    const folder = join(temp.dir, 'with-pipe');
    await mkdir(folder);
    await run('mkfifo', [join(folder, 'pipe.dcm')]);
    await run('dcmconv', ['+te', join(qrmPhantomDir, (await readdir(qrmPhantomDir)).sort()[0]), join(folder, 'image.dcm')]);
    const summary = await importFolder(store, folder);
    expect(summary.status).toBe('done');
    expect(summary.counts).toMatchObject({ stored: 1, quarantined: 0 });
  }, 30_000);
});
