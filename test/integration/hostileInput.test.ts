/**
 * Bad input gets a clear error that names the file, never a crash or a hang: truncated and garbage
 * files, empty files, a DICOMDIR, non-image objects, a transfer syntax that cannot be decoded.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyFile, mkdir, readdir, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { join } from 'node:path';
import { openSeries } from '../../native-worker/openSeries.js';
import { scanFolder } from '../../native-worker/dicom/folderScan.js';
import { DicomLoadError } from '../../native-worker/dicom/loadIssues.js';
import { ctRdsrDir, geSmartScoreDir, haveSharedData, haveTool, qrmPhantomDir } from '../support/sharedData.js';
import { makeTempDir } from '../support/tempDir.js';

const run = promisify(execFile);
const haveData = haveSharedData(qrmPhantomDir) && haveSharedData(ctRdsrDir) && haveSharedData(geSmartScoreDir);

async function copyPhantom(target: string, count = 47): Promise<string[]> {
  await mkdir(target, { recursive: true });
  const names = (await readdir(qrmPhantomDir)).sort().slice(0, count);
  await Promise.all(names.map((name) => copyFile(join(qrmPhantomDir, name), join(target, name))));
  return names;
}

async function loadError(path: string): Promise<DicomLoadError> {
  try {
    await openSeries(path);
  } catch (reason) {
    if (reason instanceof DicomLoadError) return reason;
    throw reason;
  }
  throw new Error(`expected ${path} to be refused`);
}

describe.skipIf(!haveData)('hostile input', () => {
  let temp: { dir: string; remove: () => Promise<void> };
  beforeAll(async () => {
    temp = await makeTempDir('hostile');
  });
  afterAll(async () => temp.remove());

  it('ignores garbage, empty, text, DICOMDIR and non-image files with a note, and scores the series', async () => {
    const folder = join(temp.dir, 'mixed-junk');
    await copyPhantom(join(folder, 'IMAGES', 'SUB'));
    await writeFile(join(folder, 'random.dcm'), Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919 + 13) % 256)));
    await writeFile(join(folder, 'empty.dcm'), '');
    await writeFile(join(folder, 'README.TXT'), 'burned by the CD writer\n');
    await copyFile(join(ctRdsrDir, 'CT-RDSR-GEPixelMed.dcm'), join(folder, 'dose-report'));
    const opened = await openSeries(folder);
    expect(opened.series.geometry.slices).toBe(47);
    const codes = Object.fromEntries(opened.scan.issues.map((issue) => [issue.file!.split('/').pop(), issue.code]));
    expect(codes).toEqual({ 'random.dcm': 'not-dicom', 'empty.dcm': 'not-dicom', 'README.TXT': 'not-dicom', 'dose-report': 'not-an-image' });
    expect(opened.scan.issues.every((issue) => issue.severity === 'note')).toBe(true);
  });

  it.skipIf(!haveTool('dcmmkdir'))('reads a CD with a DICOMDIR: the index is noted, the images are found', async () => {
    const cd = join(temp.dir, 'cd');
    await copyPhantom(join(cd, 'IMPLICIT'), 5);
    await mkdir(join(cd, 'DICOM'));
    // dcmmkdir wants Explicit VR files, as a CD's General Purpose profile does.
    for (const name of await readdir(join(cd, 'IMPLICIT'))) await run('dcmconv', ['+te', join(cd, 'IMPLICIT', name), join(cd, 'DICOM', name)]);
    await rm(join(cd, 'IMPLICIT'), { recursive: true });
    await run('dcmmkdir', ['--recurse', '--output-file', 'DICOMDIR', '--invent', 'DICOM'], { cwd: cd });
    const scan = await scanFolder(cd);
    expect(scan.series).toHaveLength(1);
    expect(scan.series[0].slices).toHaveLength(5);
    expect(scan.issues.map((issue) => issue.code)).toEqual(['dicomdir']);
  });

  it('refuses a truncated slice with an error that names the file', async () => {
    const folder = join(temp.dir, 'truncated');
    const names = await copyPhantom(folder, 6);
    await truncate(join(folder, names[3]), 300_000);
    const error = await loadError(folder);
    expect(error.code).toBe('truncated-file');
    expect(error.message).toContain(names[3]);
    expect(error.message).toMatch(/truncated/);
  });

  it('refuses a file cut inside its header', async () => {
    const folder = join(temp.dir, 'header-cut');
    const names = await copyPhantom(folder, 3);
    await truncate(join(folder, names[1]), 700);
    const error = await loadError(folder);
    expect(error.message).toContain(names[1]);
    expect(error.message).toMatch(/truncated or damaged/);
  });

  it('cut anywhere, a slice is either ignored as not DICOM or refused by name, never a crash', async () => {
    const [name] = (await readdir(qrmPhantomDir)).sort();
    const original = await readFile(join(qrmPhantomDir, name));
    for (const size of [1, 100, 131, 132, 133, 140, 200, 320, 700, 1500, 2563, 2566, 3000, 100_000, original.length - 1]) {
      const folder = join(temp.dir, `cut-${size}`);
      await mkdir(folder);
      await writeFile(join(folder, name), original.subarray(0, size));
      await copyFile(join(qrmPhantomDir, (await readdir(qrmPhantomDir)).sort()[1]), join(folder, 'intact'));
      const outcome = await openSeries(folder).then(
        (opened) => ({ loaded: opened.series.geometry.slices, notes: opened.scan.issues.map((issue) => issue.code) }),
        (reason: unknown) => ({ error: reason instanceof DicomLoadError ? reason.message : `unexpected ${String(reason)}` }),
      );
      if ('error' in outcome) expect(outcome.error, `cut at ${size}`).toContain(name);
      else expect(outcome, `cut at ${size}`).toEqual({ loaded: 1, notes: ['not-dicom'] });
    }
  });

  it('refuses garbage behind a valid DICM marker by name', async () => {
    const folder = join(temp.dir, 'fake-dicm');
    await mkdir(folder);
    const fake = Buffer.alloc(2048, 0xee);
    fake.write('DICM', 128, 'latin1');
    await writeFile(join(folder, 'fake.dcm'), fake);
    const error = await loadError(folder);
    expect(error.message).toContain('fake.dcm');
  });

  it('names the gap when a slice is missing', async () => {
    const folder = join(temp.dir, 'gap');
    await copyPhantom(folder);
    // Remove the slice at z = 603.875 mm (between 600.875 and 606.875).
    const names = await readdir(folder);
    let removed = '';
    for (const name of names) {
      const bytes = await readFile(join(folder, name));
      if (bytes.includes(Buffer.from('603.87500'))) {
        removed = name;
        await truncate(join(folder, name), 0);
      }
    }
    expect(removed).not.toBe('');
    const opened = await openSeries(folder);
    expect(opened.series.geometry.slices).toBe(46);
    const missing = opened.issues.find((issue) => issue.code === 'missing-slice');
    expect(missing?.message).toMatch(/missing between 600\.88 mm and 606\.88 mm/);
    expect(missing?.message).toMatch(/gap of 6 mm/);
  });

  it.skipIf(!haveTool('dcmconv'))('refuses a transfer syntax it cannot decode, naming it', async () => {
    const folder = join(temp.dir, 'big-endian');
    await mkdir(folder);
    const [first] = await readdir(qrmPhantomDir);
    await run('dcmconv', ['+tb', join(qrmPhantomDir, first), join(folder, 'big')]);
    const error = await loadError(folder);
    expect(error.code).toBe('unsupported-transfer-syntax');
    expect(error.message).toContain('Explicit VR Big Endian');
    expect(error.message).toContain('1.2.840.10008.1.2.2');
  });

  it('lists the series of a folder that mixes them', async () => {
    const folder = join(temp.dir, 'two-series');
    await copyPhantom(join(folder, 'a'), 4);
    await mkdir(join(folder, 'b'));
    for (const name of await readdir(geSmartScoreDir)) await copyFile(join(geSmartScoreDir, name), join(folder, 'b', name));
    const scan = await scanFolder(folder);
    expect(scan.series.map((series) => series.slices.length).sort()).toEqual([4, 5]);
    await expect(openSeries(folder)).rejects.toThrow(/holds 2 CT series/);
  });
});

describe.skipIf(!haveSharedData(geSmartScoreDir))('GE SmartScore headers', () => {
  it('reads the vendor headers and says the pixel spacing does not fit the 16 x 16 matrix', async () => {
    const opened = await openSeries(geSmartScoreDir);
    const { series } = opened;
    expect(series.seriesDescription).toBe('SmartScore - Gated 0.5 sec');
    expect(series.geometry.slices).toBe(5);
    expect(series.kvp).toBe(120);
    const codes = series.issues.map((issue) => issue.code);
    expect(codes).toContain('pixel-spacing-inconsistent');
    expect(codes).toContain('slice-thickness-not-3mm');
    const spacing = series.issues.find((issue) => issue.code === 'pixel-spacing-inconsistent')!;
    expect(spacing.message).toMatch(/16 columns x 0\.488281 mm = 7\.81 mm.*250 mm/);
    // Intercept -1024 applied; the padding value -2000 maps below any threshold.
    expect(Math.max(...series.hu)).toBeLessThan(5000);
    expect(Math.min(...series.hu)).toBeGreaterThanOrEqual(-3024);
  });
});
