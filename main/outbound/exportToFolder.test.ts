import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { chmod, mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ExportError, exportObjectsToFolder } from './exportToFolder.js';
import { makeComprehensiveSr, makeSecondaryCapture } from '../../test/integration/fixtures/outboundObjects.js';
import { makeTempDir } from '../../test/support/tempDir.js';

describe('exportObjectsToFolder', () => {
  let temp: { dir: string; remove: () => Promise<void> };
  beforeEach(async () => {
    temp = await makeTempDir('export');
  });
  afterEach(async () => {
    await chmod(temp.dir, 0o700).catch(() => undefined);
    await temp.remove();
  });

  it('makes the folder and writes each object under its name or its SOP Instance UID, leaving no temporary files', async () => {
    const sr = makeComprehensiveSr();
    const sc = makeSecondaryCapture();
    const folder = join(temp.dir, 'stick', 'CAC report');
    const exported = await exportObjectsToFolder([{ bytes: sr.bytes, fileName: 'REPORT_SR.dcm' }, { bytes: sc.bytes }], folder);
    expect(exported.map((file) => [file.fileName, file.result, file.sopInstanceUid])).toEqual([
      ['REPORT_SR.dcm', 'written', sr.sopInstanceUid],
      [`${sc.sopInstanceUid}.dcm`, 'written', sc.sopInstanceUid],
    ]);
    expect(Buffer.compare(await readFile(join(folder, 'REPORT_SR.dcm')), sr.bytes)).toBe(0);
    expect(Buffer.compare(await readFile(join(folder, `${sc.sopInstanceUid}.dcm`)), sc.bytes)).toBe(0);
    expect((await readdir(folder)).sort()).toEqual([`${sc.sopInstanceUid}.dcm`, 'REPORT_SR.dcm'].sort());
  });

  it('exports the same bytes again without complaint, and never overwrites a different file of the same name', async () => {
    const sr = makeComprehensiveSr();
    await exportObjectsToFolder([{ bytes: sr.bytes, fileName: 'REPORT.dcm' }], temp.dir);
    const again = await exportObjectsToFolder([{ bytes: sr.bytes, fileName: 'REPORT.dcm' }], temp.dir);
    expect(again[0].result).toBe('identical');

    const amended = makeComprehensiveSr({ text: 'amended' });
    const other = makeSecondaryCapture();
    const attempt = exportObjectsToFolder([{ bytes: other.bytes, fileName: 'KEY.dcm' }, { bytes: amended.bytes, fileName: 'REPORT.dcm' }], temp.dir);
    await expect(attempt).rejects.toMatchObject({ name: 'ExportError', code: 'different-file', message: expect.stringMatching(/REPORT\.dcm already exists with other content.*nothing was exported/) });
    expect(Buffer.compare(await readFile(join(temp.dir, 'REPORT.dcm')), sr.bytes)).toBe(0);
    // Checked before anything was written: the first object did not go out either.
    expect(existsSync(join(temp.dir, 'KEY.dcm'))).toBe(false);
  });

  it('refuses file names with folders in them and two different objects under one name', async () => {
    const sr = makeComprehensiveSr();
    await expect(exportObjectsToFolder([{ bytes: sr.bytes, fileName: '../escape.dcm' }], temp.dir)).rejects.toMatchObject({ code: 'bad-name' });
    await expect(exportObjectsToFolder([{ bytes: sr.bytes, fileName: 'A.dcm' }, { bytes: makeSecondaryCapture().bytes, fileName: 'a.dcm' }], temp.dir)).rejects.toMatchObject({
      code: 'different-file',
    });
    await expect(exportObjectsToFolder([{ bytes: new Uint8Array([1, 2, 3]) }], temp.dir)).rejects.toThrow(/not a complete DICOM Part 10 file/);
    expect(await readdir(temp.dir)).toEqual([]);
  });

  it('says so when the folder cannot be written', async () => {
    const sr = makeComprehensiveSr();
    const file = join(temp.dir, 'a-file');
    await writeFile(file, 'not a folder');
    const underFile = exportObjectsToFolder([{ bytes: sr.bytes }], join(file, 'export'));
    await expect(underFile).rejects.toBeInstanceOf(ExportError);
    await expect(underFile).rejects.toMatchObject({ code: 'not-writable', message: expect.stringMatching(/a file is in the way/) });

    // Root writes anywhere a mode allows nothing; /sys refuses even root.
    const locked = join(temp.dir, 'locked');
    await mkdir(locked);
    await chmod(locked, 0o500);
    const unwritable = process.getuid?.() === 0 ? '/sys' : locked;
    await expect(exportObjectsToFolder([{ bytes: sr.bytes }], unwritable)).rejects.toMatchObject({ code: 'not-writable', message: expect.stringMatching(/permission denied; choose a folder you can write to/) });
  });
});
