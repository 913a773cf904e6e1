/**
 * `cac dose` on a folder with one damaged image (issue 11): every other study is still read and the
 * damaged file is one `problems` entry naming it; exit 0. The damage is a byte-patched copy of a
 * real image from shared/data (two bytes flipped inside its header).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { copyFile, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { scanDoses } from '../../main/cli/doseCommand.js';
import { ctRdsrDir, haveSharedData, projectRoot, qrmPhantomDir } from '../support/sharedData.js';
import { makeTempDir } from '../support/tempDir.js';

const execFileAsync = promisify(execFile);
const haveData = haveSharedData(ctRdsrDir) && haveSharedData(qrmPhantomDir);

/** Offsets in the phantom's first image where a flip made the whole command fail before the fix. */
const DAMAGE_OFFSETS = [1353, 1563, 1584];

describe.skipIf(!haveData)('cac dose with a damaged image', () => {
  let temp: { dir: string; remove: () => Promise<void> };
  let reportStudies: number;
  beforeAll(async () => {
    temp = await makeTempDir('dose-damaged');
    reportStudies = (await scanDoses(ctRdsrDir)).studies.length;
  });
  afterAll(async () => temp.remove());

  async function folderWithDamage(offset: number, name = 'scan'): Promise<string> {
    const folder = join(temp.dir, `${name}-${offset}`);
    await mkdir(join(folder, 'reports'), { recursive: true });
    await mkdir(join(folder, 'images'));
    for (const name of await readdir(ctRdsrDir)) await copyFile(join(ctRdsrDir, name), join(folder, 'reports', name));
    const names = (await readdir(qrmPhantomDir)).sort();
    for (const name of names.slice(1, 4)) await copyFile(join(qrmPhantomDir, name), join(folder, 'images', name));
    const damaged = Buffer.from(await readFile(join(qrmPhantomDir, names[0])));
    damaged[offset] ^= 0xff;
    damaged[offset + 1] ^= 0x7f;
    await writeFile(join(folder, 'images', 'damaged.dcm'), damaged);
    return folder;
  }

  it.each(DAMAGE_OFFSETS)('flip at byte %i: every study still read, the damaged file is one problem naming it', async (offset) => {
    const scan = await scanDoses(await folderWithDamage(offset));
    // The RDSR studies and the phantom study (from its three intact image headers).
    expect(scan.studies).toHaveLength(reportStudies + 1);
    expect(scan.problems).toEqual([{ file: join('images', 'damaged.dcm'), message: expect.stringMatching(/^images\/damaged\.dcm: /) }]);
    expect(scan.problems[0].message).not.toMatch(/dicomParser|undefined|Cannot read properties/);
    for (const study of scan.studies) expect(study.dlpTotalMgyCm === null || study.dlpTotalMgyCm >= 0).toBe(true);
  });

  it('as a process: exit 0, the problem on stderr and in the JSON', async () => {
    const folder = await folderWithDamage(1563, 'process');
    const run = await execFileAsync(process.execPath, ['--import', 'tsx', 'main/cli/cac.ts', 'dose', folder, '--json'], { cwd: projectRoot, maxBuffer: 64 * 1024 * 1024 }).then(
      ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
      (error: { code: number; stdout: string; stderr: string }) => ({ code: error.code, stdout: error.stdout, stderr: error.stderr }),
    );
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(/^cac dose: skipped images\/damaged\.dcm: /);
    const result = JSON.parse(run.stdout);
    expect(result.studies).toHaveLength(reportStudies + 1);
    expect(result.problems.map((problem: { file: string }) => problem.file)).toEqual([join('images', 'damaged.dcm')]);
  });
});
