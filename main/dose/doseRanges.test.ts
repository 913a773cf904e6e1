/**
 * Dose values out of any physical range (issue 11): an RDSR edited with dcmodify (copies of the real
 * report in shared/data) to hold a negative CTDIvol, 1e17 mGy, 1e308 or NaN is refused with the unit
 * and the range; an image header with such a CTDIvol is refused the same way.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { copyFile, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ctRdsrDir, haveSharedData, haveTool, qrmPhantomDir } from '../../test/support/sharedData.js';
import { makeTempDir } from '../../test/support/tempDir.js';
import { DoseReportError, readDoseReport } from './rdsrParser.js';
import { readImageDose } from './headerDose.js';
import { outOfRange, DOSE_RANGES } from './doseRanges.js';

/** Siemens-Multi-3: the second CT Acquisition's CT Dose; [0] is Mean CTDIvol, [2] DLP. */
const CT_DOSE_OF_EVENT_2 = '(0040,a730)[13].(0040,a730)[6]';

function refusal(bytes: Uint8Array, label: string): DoseReportError {
  try {
    readDoseReport(bytes, label);
  } catch (reason) {
    if (reason instanceof DoseReportError) return reason;
    throw reason;
  }
  throw new Error(`${label} was accepted`);
}

describe('dose ranges', () => {
  it('says the value, the unit and the range', () => {
    expect(outOfRange('CTDIvol', 5, DOSE_RANGES.ctdivolMgy)).toBeNull();
    expect(outOfRange('CTDIvol', -1, DOSE_RANGES.ctdivolMgy)).toBe('CTDIvol is -1 mGy, outside the physical range 0 to 1000 mGy');
    expect(outOfRange('CTDIvol', Number.NaN, DOSE_RANGES.ctdivolMgy)).toBe('CTDIvol is NaN (not a finite number), outside the physical range 0 to 1000 mGy');
    expect(outOfRange('Slice Thickness', 0, DOSE_RANGES.sliceThicknessMm)).toMatch(/above 0 to 20 mm/);
  });
});

describe.skipIf(!haveSharedData(ctRdsrDir) || !haveSharedData(qrmPhantomDir) || !haveTool('dcmodify'))('out-of-range dose values are refused', () => {
  let temp: { dir: string; remove: () => Promise<void> };
  beforeAll(async () => {
    temp = await makeTempDir('dose-ranges');
  });
  afterAll(async () => temp.remove());

  async function edited(name: string, element: string, value: string): Promise<Uint8Array> {
    const file = join(temp.dir, name);
    await copyFile(join(ctRdsrDir, 'CT-RDSR-Siemens-Multi-3.dcm'), file);
    execFileSync('dcmodify', ['-nb', '-m', `${element}=${value}`, file]);
    return new Uint8Array(await readFile(file));
  }

  it.each([
    ['-5', /Mean CTDIvol \(113830\) is -5 mGy, outside the physical range 0 to 1000 mGy/],
    ['1e17', /Mean CTDIvol \(113830\) is 100000000000000000 mGy, outside the physical range 0 to 1000 mGy/],
    ['1e308', /Mean CTDIvol \(113830\) is 1e\+308 mGy, outside the physical range 0 to 1000 mGy/],
    ['NaN', /Mean CTDIvol \(113830\) is not a number/],
  ])('an RDSR whose CTDIvol is %s is refused with the unit and the range', async (value, expected) => {
    const label = `ctdivol-${value}.dcm`;
    const bytes = await edited(label, `${CT_DOSE_OF_EVENT_2}.(0040,a730)[0].(0040,a300)[0].(0040,a30a)`, value);
    const error = refusal(bytes, label);
    expect(error.message).toMatch(new RegExp(`^${label.replace(/[.+]/g, '\\$&')}: irradiation event 2: `));
    expect(error.message).toMatch(expected);
  });

  it('an RDSR whose DLP is negative is refused in mGy cm', async () => {
    const bytes = await edited('dlp.dcm', `${CT_DOSE_OF_EVENT_2}.(0040,a730)[2].(0040,a300)[0].(0040,a30a)`, '-69.81');
    expect(refusal(bytes, 'dlp.dcm').message).toMatch(/DLP \(113838\) is -69\.81 mGy cm, outside the physical range 0 to 100000 mGy cm/);
  });

  it('an image whose CTDIvol (0018,9345) is negative is refused, naming the file', async () => {
    const [name] = (await readdir(qrmPhantomDir)).sort();
    const file = join(temp.dir, 'image.dcm');
    await copyFile(join(qrmPhantomDir, name), file);
    execFileSync('dcmodify', ['-nb', '-m', '(0018,9345)=-3.5', file]);
    const bytes = new Uint8Array(await readFile(file));
    expect(() => readImageDose(bytes, 'image.dcm')).toThrow(
      /^image\.dcm: CTDIvol \(0018,9345\) is -3\.5 mGy, outside the physical range 0 to 1000 mGy/,
    );
  });
});
