/**
 * The command line contract: `npm run -s cac -- score ...`, run as a real process.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { copyFile, mkdir, readdir, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { geSmartScoreDir, haveSharedData, projectRoot, qrmInserts, qrmPhantomDir } from '../support/sharedData.js';
import { makeTempDir } from '../support/tempDir.js';

const execFileAsync = promisify(execFile);

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** The npm script itself, as users and later issues call it. */
async function npmCac(args: string[]): Promise<Run> {
  return execFileAsync('npm', ['run', '-s', 'cac', '--', ...args], { cwd: projectRoot, maxBuffer: 64 * 1024 * 1024 }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (error: { code: number; stdout: string; stderr: string }) => ({ code: error.code, stdout: error.stdout, stderr: error.stderr }),
  );
}

/** The same entry without npm's start-up cost, for the error cases. */
async function cac(args: string[]): Promise<Run> {
  return execFileAsync(process.execPath, ['--import', 'tsx', 'main/cli/cac.ts', ...args], { cwd: projectRoot, maxBuffer: 64 * 1024 * 1024 }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (error: { code: number; stdout: string; stderr: string }) => ({ code: error.code, stdout: error.stdout, stderr: error.stderr }),
  );
}

const haveData = haveSharedData(qrmPhantomDir) && haveSharedData(geSmartScoreDir);

describe.skipIf(!haveData)('cac score', () => {
  let temp: { dir: string; remove: () => Promise<void> };
  let seedsFile: string;
  beforeAll(async () => {
    temp = await makeTempDir('cli');
    seedsFile = join(temp.dir, 'seeds.json');
    const arteries = ['LM', 'LAD', 'LCX', 'RCA', 'LAD', 'RCA', 'LCX'];
    await writeFile(seedsFile, JSON.stringify(qrmInserts.map((insert, index) => ({ artery: arteries[index], point: insert.point, scope: 'lesion' }))));
  });
  afterAll(async () => temp.remove());

  it('--json prints exactly one JSON object with the contract fields and the FQM total', async () => {
    const run = await npmCac(['score', qrmPhantomDir, '--seeds', seedsFile, '--mass-factor', '0.72205', '--json']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout);
    expect(Object.keys(report).sort()).toEqual(['algorithmVersion', 'arteries', 'candidates', 'params', 'series', 'total', 'warnings']);
    expect(Object.keys(report.series).sort()).toEqual(
      ['columns', 'kvp', 'pixelSpacingMm', 'rows', 'seriesInstanceUid', 'sliceIncrementMm', 'sliceThicknessMm', 'slices', 'transferSyntaxUid'].sort(),
    );
    expect(report.series).toMatchObject({ slices: 47, rows: 512, columns: 512, pixelSpacingMm: [0.488, 0.488], sliceIncrementMm: 3, sliceThicknessMm: 3, kvp: 120, transferSyntaxUid: '1.2.840.10008.1.2' });
    expect(report.params).toEqual({ thresholdHu: 130, minAreaMm2: 1, massFactor: 0.72205, massFactorSource: 'calibration' });
    expect(Object.keys(report.arteries)).toEqual(['LM', 'LAD', 'LCX', 'RCA']);
    expect(Object.keys(report.total).sort()).toEqual(['agatston', 'lesions', 'massMg', 'volumeMm3']);
    expect(Object.keys(report.candidates).sort()).toEqual(['agatston', 'lesions', 'plaques', 'volumeMm3']);
    expect(report.total.agatston.toFixed(2)).toBe('966.63');
    expect(report.total.volumeMm3.toFixed(2)).toBe('870.18');
    expect(report.total.massMg.toFixed(2)).toBe('205.61');
    expect(report.total.lesions).toBe(7);
    expect(report.arteries.LM.agatston.toFixed(2)).toBe('402.94');
    expect(report.warnings).toEqual([]);
    expect(report.algorithmVersion).toMatch(/^cac-scoring\/\d+\.\d+\.\d+$/);
  });

  it('prints a readable table without --json, with mass "not calibrated" when no factor is known', async () => {
    const run = await cac(['score', qrmPhantomDir, '--seeds', seedsFile]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^total\s+966\.63\s+870\.18\s+n\/a\s+7$/m);
    expect(run.stdout).toMatch(/mass factor not calibrated \(none\)/);
  });

  it('exits 2 and lists the series when a folder holds several', async () => {
    const folder = join(temp.dir, 'two');
    await mkdir(join(folder, 'qrm'), { recursive: true });
    await mkdir(join(folder, 'ge'));
    for (const name of (await readdir(qrmPhantomDir)).slice(0, 3)) await copyFile(join(qrmPhantomDir, name), join(folder, 'qrm', name));
    for (const name of await readdir(geSmartScoreDir)) await copyFile(join(geSmartScoreDir, name), join(folder, 'ge', name));
    const run = await cac(['score', folder, '--json']);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    const lines = run.stderr.trim().split('\n');
    expect(lines[0]).toMatch(/holds 2 CT series .*choose one with --series/);
    expect(lines.slice(1).join('\n')).toMatch(/1\.3\.6\.1\.4\.1\.5962\.1\.1\.0\.0\.0\.1194734704\.16302\.0\.6\s+5 images.*SmartScore/);
    const chosen = await cac(['score', folder, '--series', '1.3.6.1.4.1.5962.1.1.0.0.0.1194734704.16302.0.6', '--json']);
    expect(chosen.code).toBe(0);
    const report = JSON.parse(chosen.stdout);
    expect(report.series.slices).toBe(5);
    expect(report.warnings.map((warning: { code: string }) => warning.code)).toEqual(expect.arrayContaining(['mixed-series', 'pixel-spacing-inconsistent', 'slice-thickness-not-3mm']));
  });

  it('fails with one clear line for a missing folder, a bad seeds file, bad options and a damaged file', async () => {
    const missing = await cac(['score', join(temp.dir, 'nope')]);
    expect(missing.code).toBe(1);
    expect(missing.stderr.trim().split('\n')).toHaveLength(1);
    expect(missing.stderr).toMatch(/no such file or folder/);

    const badSeeds = join(temp.dir, 'bad-seeds.json');
    await writeFile(badSeeds, JSON.stringify([{ artery: 'LAD', point: [1, 2, 3] }, { artery: 'AORTA', point: [1, 2, 3] }]));
    const seeds = await cac(['score', qrmPhantomDir, '--seeds', badSeeds]);
    expect(seeds.code).toBe(1);
    expect(seeds.stderr.trim()).toMatch(/^cac score: seeds file .*bad-seeds\.json: item 2 artery: artery must be one of LM, LAD, LCX, RCA, excluded$/);

    const option = await cac(['score', qrmPhantomDir, '--min-area', 'big']);
    expect(option.code).toBe(2);
    expect(option.stderr.trim()).toBe('cac score: --min-area must be a positive number, got "big"');

    const damaged = join(temp.dir, 'damaged');
    await mkdir(damaged);
    const names = (await readdir(qrmPhantomDir)).slice(0, 4);
    for (const name of names) await copyFile(join(qrmPhantomDir, name), join(damaged, name));
    await truncate(join(damaged, names[2]), 1000);
    const run = await cac(['score', damaged]);
    expect(run.code).toBe(1);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toContain(names[2]);
  });
});

describe('cac --help and option ranges (issue 12)', () => {
  const commands: string[][] = [
    ['score'], ['demo'], ['import'], ['receive'], ['pacs'], ['pacs', 'find'], ['pacs', 'move'], ['pacs', 'web-get'],
    ['dose'], ['users'], ['users', 'add'], ['users', 'list'], ['backup'], ['backup', 'verify'], ['restore'], ['audit'], ['audit', 'verify'],
  ];
  it.each(commands.map((command) => [command.join(' '), command]))('cac %s --help prints its usage on stdout and exits 0', async (_name, command) => {
    const run = await cac([...(command as string[]), '--help']);
    expect(run.code).toBe(0);
    expect(run.stderr).toBe('');
    expect(run.stdout).toMatch(new RegExp(`^usage: cac ${(command as string[])[0]}\\b`));
  });

  it('-h is the same as --help; the score help says what the threshold range and the seeds are', async () => {
    const run = await cac(['score', '-h']);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('100..1000');
    expect(run.stdout).toContain('nothing is assigned');
  });

  it.each(['50', '99', '1001', '130.5', '-130'])('--threshold %s outside the app range (100..1000 HU) is refused with the range, exit 2', async (threshold) => {
    const run = await cac(['score', 'no-such-folder', `--threshold=${threshold}`]);
    expect(run.code).toBe(2);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toMatch(/--threshold must be .*from 100 to 1000/);
  });
});

describe.skipIf(!haveSharedData(qrmPhantomDir))('cac score without seeds, and JSON numbers (issue 12)', () => {
  it('says that nothing was assigned (a warning in the JSON and a line on stderr) and prints scores to 0.01', async () => {
    const run = await cac(['score', qrmPhantomDir, '--json']);
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(/nothing was assigned/);
    const report = JSON.parse(run.stdout);
    expect(report.warnings.map((warning: { code: string }) => warning.code)).toContain('nothing-assigned');
    expect(report.total.agatston).toBe(0);
    // No float noise: every number of the scores has at most two decimals.
    const decimals = (value: number) => (String(value).split('.')[1] ?? '').length;
    expect(decimals(report.candidates.agatston)).toBeLessThanOrEqual(2);
    expect(decimals(report.candidates.volumeMm3)).toBeLessThanOrEqual(2);
    expect(report.candidates.agatston).toBeGreaterThan(0);

    const table = await cac(['score', qrmPhantomDir]);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/\[nothing-assigned\] no seeds given/);
  });

  it('the phantom with seeds: every score in the JSON has at most two decimals and the FQM values are unchanged', async () => {
    const temp = await makeTempDir('cli-round');
    try {
      const seedsFile = join(temp.dir, 'seeds.json');
      const arteries = ['LM', 'LAD', 'LCX', 'RCA', 'LAD', 'RCA', 'LCX'];
      await writeFile(seedsFile, JSON.stringify(qrmInserts.map((insert, index) => ({ artery: arteries[index], point: insert.point, scope: 'lesion' }))));
      const run = await cac(['score', qrmPhantomDir, '--seeds', seedsFile, '--mass-factor', '0.72205', '--json']);
      expect(run.code).toBe(0);
      expect(run.stderr).toBe('');
      const report = JSON.parse(run.stdout);
      expect(report.total).toEqual({ agatston: 966.63, volumeMm3: 870.18, massMg: 205.61, lesions: 7 });
      for (const artery of ['LM', 'LAD', 'LCX', 'RCA']) {
        for (const key of ['agatston', 'volumeMm3', 'massMg']) expect(String(report.arteries[artery][key])).toMatch(/^\d+(\.\d{1,2})?$/);
      }
    } finally {
      await temp.remove();
    }
  });
});
