/**
 * Header values that make no physical sense (issue 11, "found when attacked from outside"): the
 * series is refused with the element, its value and the file named, through the loader and through
 * `cac score` (non-zero exit, no negative Agatston, no "null"), never scored silently.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { openSeries } from '../../native-worker/openSeries.js';
import { DicomLoadError } from '../../native-worker/dicom/loadIssues.js';
import { writePhantomSeries, type PhantomSpec } from '../phantom/syntheticPhantom.js';
import { projectRoot } from '../support/sharedData.js';
import { makeTempDir } from '../support/tempDir.js';

const execFileAsync = promisify(execFile);

function spec(extraAttributes: Record<string, unknown>, overrides: Partial<PhantomSpec> = {}): PhantomSpec {
  return {
    rows: 32,
    columns: 32,
    pixelSpacingMm: [0.5, 0.5],
    slices: 4,
    sliceThicknessMm: 3,
    sliceIncrementMm: 3,
    backgroundHu: 40,
    objects: [{ kind: 'box', centerMm: [8, 8, 4.5], sizeMm: [3, 3, 6], hu: 450 }],
    extraAttributes,
    ...overrides,
  };
}

/** [case, attributes written over the good ones, text the refusal must hold]. */
const cases: Array<[string, Record<string, unknown>, RegExp]> = [
  ['slope 0', { RescaleSlope: '0' }, /RescaleSlope \(0028,1053\) is "0"/],
  ['negative slope', { RescaleSlope: '-1' }, /RescaleSlope \(0028,1053\) is "-1"/],
  ['slope NaN', { RescaleSlope: 'NaN' }, /RescaleSlope \(0028,1053\) is "NaN"/],
  ['extreme slope', { RescaleSlope: '5000' }, /RescaleSlope \(0028,1053\) is "5000".*between|RescaleSlope \(0028,1053\) is "5000"/],
  ['extreme intercept', { RescaleIntercept: '-1000000' }, /RescaleIntercept \(0028,1052\) is "-1000000"/],
  ['High Bit 0', { HighBit: 0 }, /HighBit \(0028,0102\) is "0"/],
  ['High Bit >= Bits Allocated', { HighBit: 16 }, /HighBit \(0028,0102\) is "16"/],
  ['Bits Stored > Bits Allocated', { BitsStored: 20, HighBit: 15 }, /BitsStored \(0028,0101\) is "20"/],
  ['Pixel Representation 2', { PixelRepresentation: 2 }, /PixelRepresentation \(0028,0103\) is "2"/],
  ['negative slice thickness', { SliceThickness: '-3' }, /SliceThickness \(0018,0050\) is "-3"/],
  ['zero slice thickness', { SliceThickness: '0' }, /SliceThickness \(0018,0050\) is "0"/],
  ['absurd slice thickness', { SliceThickness: '1e6' }, /SliceThickness \(0018,0050\) is "1e6"/],
  ['huge pixel spacing', { PixelSpacing: ['1e20', '1e20'] }, /PixelSpacing \(0028,0030\) is "1e20\\1e20"/],
  ['zero pixel spacing', { PixelSpacing: ['0', '0.5'] }, /PixelSpacing \(0028,0030\) is "0\\0.5"/],
  ['negative pixel spacing', { PixelSpacing: ['-0.5', '-0.5'] }, /PixelSpacing \(0028,0030\) is "-0.5\\-0.5"/],
  ['NaN position', { ImagePositionPatient: ['NaN', '0', '0'] }, /ImagePositionPatient \(0020,0032\) is "NaN\\0\\0"/],
];

let temp: { dir: string; remove: () => Promise<void> };
beforeAll(async () => {
  temp = await makeTempDir('implausible');
});
afterAll(async () => temp.remove());

async function refusal(folder: string): Promise<DicomLoadError> {
  try {
    await openSeries(folder);
  } catch (reason) {
    if (reason instanceof DicomLoadError) return reason;
    throw reason;
  }
  throw new Error(`${folder} was loaded; it must be refused`);
}

describe('header values that make no physical sense', () => {
  it('a plausible series still loads (the control)', async () => {
    const folder = join(temp.dir, 'control');
    await writePhantomSeries(folder, spec({}));
    const opened = await openSeries(folder);
    expect(opened.series.geometry.slices).toBe(4);
  });

  it.each(cases)('%s: refused by the loader, naming the element, the value and the file', async (name, attributes, expected) => {
    const folder = join(temp.dir, name.replace(/\W+/g, '-'));
    const written = await writePhantomSeries(folder, spec(attributes));
    const error = await refusal(folder);
    expect(error.code).toBe('implausible-header');
    expect(error.message).toMatch(expected);
    expect(written.slices.some((slice) => error.message.includes(slice.file))).toBe(true);
  });

  it.each([
    ['intercept +30000 (air becomes calcium)', { RescaleIntercept: '30000' }, /(of the pixels are at calcium density|fall outside -32768 to 32767 HU).*Rescale Intercept|Rescale Intercept \(0028,1052\) "30000"/],
    ['slope 90 with a dense object (most pixels clamped)', { RescaleSlope: '90' }, /Rescale Slope \(0028,1053\) "90".*(fall outside -32768 to 32767 HU|calcium density)/],
  ] as const)('in-range values that combine into nonsense are refused after the rescale: %s', async (name, attributes, expected) => {
    const folder = join(temp.dir, `combined-${name.replace(/\W+/g, '-')}`);
    await writePhantomSeries(folder, spec(attributes));
    const error = await refusal(folder);
    expect(error.code).toBe('implausible-header');
    expect(error.message).toMatch(expected);
  });

  it('slices metres apart are refused (the Agatston factor scales with the increment)', async () => {
    const folder = join(temp.dir, 'far-apart');
    await writePhantomSeries(folder, spec({}, { sliceIncrementMm: 5000, sliceThicknessMm: 3 }));
    const error = await refusal(folder);
    expect(error.code).toBe('implausible-header');
    expect(error.message).toMatch(/Image Position \(Patient\) \(0020,0032\).*5000 mm apart/);
  });

  it.each([
    ['slope 0', { RescaleSlope: '0' }, /RescaleSlope \(0028,1053\) is "0"/],
    ['negative slice thickness', { SliceThickness: '-3' }, /SliceThickness \(0018,0050\) is "-3"/],
    ['huge pixel spacing', { PixelSpacing: ['1e20', '1e20'] }, /PixelSpacing \(0028,0030\)/],
  ] as const)('cac score refuses %s with a non-zero exit and the element named', async (name, attributes, expected) => {
    const folder = join(temp.dir, `cli-${name.replace(/\W+/g, '-')}`);
    await writePhantomSeries(folder, spec(attributes));
    const run = await execFileAsync(process.execPath, ['--import', 'tsx', 'main/cli/cac.ts', 'score', folder, '--json'], { cwd: projectRoot }).then(
      ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
      (error: { code: number; stdout: string; stderr: string }) => ({ code: error.code, stdout: error.stdout, stderr: error.stderr }),
    );
    expect(run.code).not.toBe(0);
    expect(run.stderr).toMatch(expected);
    expect(run.stderr).toContain(folder);
    expect(run.stdout).not.toMatch(/null|agatston/i);
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });
});
