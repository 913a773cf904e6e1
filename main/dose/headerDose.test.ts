/**
 * Dose from image headers, on the real GE SmartScore headers (which carry no CTDIvol: the fallback
 * must say "nothing" rather than invent a dose) and on copies given a CTDIvol with dcmtk's dcmodify.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { copyFile, readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { ctRdsrDir, geSmartScoreDir, haveSharedData, haveTool } from '../../test/support/sharedData.js';
import { makeTempDir } from '../../test/support/tempDir.js';
import { readImageDose, studyDoseFromImages, type ImageDose } from './headerDose.js';

const haveData = haveSharedData(geSmartScoreDir);

async function readImages(dir: string): Promise<ImageDose[]> {
  const names = (await readdir(dir)).sort();
  return Promise.all(names.map(async (name) => readImageDose(new Uint8Array(await readFile(join(dir, name))))!));
}

describe.skipIf(!haveData)('readImageDose on the GE SmartScore headers', () => {
  it('reads kVp, tube current, exposure time (ms to s), series description as protocol, positions and thickness', async () => {
    const images = await readImages(geSmartScoreDir);
    expect(images).toHaveLength(5);
    const first = images[0];
    expect(first).toMatchObject({ ctdivolMgy: null, kvp: 120, tubeCurrentMa: 300, exposureTimeS: 0.326, sliceThicknessMm: 2.5, protocol: 'SmartScore - Gated 0.5 sec' });
    expect(images.map((image) => image.slicePositionMm).sort((a, b) => a! - b!)).toEqual([-1.2375, 1.2625, 3.7625, 6.2625, 8.7625]);
    expect(new Set(images.map((image) => image.seriesInstanceUid)).size).toBe(1);
  });

  it('gives no study dose when no image carries CTDIvol (0018,9345)', async () => {
    expect(studyDoseFromImages(await readImages(geSmartScoreDir))).toBeNull();
  });

  it('returns null for a dose report (not an image)', async () => {
    expect(readImageDose(new Uint8Array(await readFile(join(ctRdsrDir, 'CT-RDSR-Siemens-Multi-1.dcm'))))).toBeNull();
  });
});

describe.skipIf(!haveData || !haveTool('dcmodify'))('studyDoseFromImages with CTDIvol in the headers', () => {
  let temp: { dir: string; remove: () => Promise<void> };
  beforeAll(async () => {
    temp = await makeTempDir('header-dose');
    const names = (await readdir(geSmartScoreDir)).sort();
    for (const name of names) await copyFile(join(geSmartScoreDir, name), join(temp.dir, name));
    // All five slices: CTDIvol 2.1 mGy. The last two become a second series with 4.0 mGy.
    execFileSync('dcmodify', ['-nb', '-i', '(0018,9345)=2.1', ...names.map((name) => join(temp.dir, name))]);
    execFileSync('dcmodify', ['-nb', '-m', '(0018,9345)=4.0', '-m', '(0020,000e)=1.2.826.0.1.3680043.8.498.1', ...names.slice(3).map((name) => join(temp.dir, name))]);
  });
  afterAll(async () => temp.remove());

  it('gives one event per series, DLP estimated as CTDIvol x covered length', async () => {
    const images = await readImages(temp.dir);
    const dose = studyDoseFromImages(images)!;
    expect(dose.source).toBe('image-header');
    expect(dose.events).toHaveLength(2);
    const bySeries = dose.events.sort((a, b) => a.ctdivolMgy! - b.ctdivolMgy!);
    // 2062, 2392, 2693 (sorted names) are at z 8.7625, 6.2625, 3.7625: span 5 mm + 2.5 mm thickness = 7.5 mm.
    expect(bySeries[0].scanLengthMm).toBeCloseTo(7.5, 9);
    expect(bySeries[0]).toMatchObject({ ctdivolMgy: 2.1, kvp: 120, tubeCurrentMa: 300, protocol: 'SmartScore - Gated 0.5 sec', phantom: null, irradiationEventUid: null });
    expect(bySeries[0].dlpMgyCm).toBeCloseTo(2.1 * 0.75, 9);
    // 3023, 3353 at z 1.2625, -1.2375: span 2.5 + 2.5 = 5 mm.
    expect(bySeries[1].ctdivolMgy).toBe(4);
    expect(bySeries[1].dlpMgyCm).toBeCloseTo(4 * 0.5, 9);
    expect(dose.dlpTotalMgyCm).toBeCloseTo(2.1 * 0.75 + 2, 9);
    expect(dose.sourceSopInstanceUids).toHaveLength(5);
    expect(dose.scanner.manufacturer).toBe('GE MEDICAL SYSTEMS');
  });

  it('refuses images of several studies in one call', async () => {
    const images = await readImages(temp.dir);
    expect(() => studyDoseFromImages([...images, { ...images[0], studyInstanceUid: '1.2.3' }])).toThrow(/2 studies/);
  });
});
