/**
 * `cac dose` as a real process on the real RDSRs (shared/data/ct-rdsr) and image headers.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile, execFileSync } from 'node:child_process';
import { copyFile, mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ctRdsrDir, geSmartScoreDir, haveSharedData, haveTool, projectRoot } from '../support/sharedData.js';
import { makeTempDir } from '../support/tempDir.js';

const execFileAsync = promisify(execFile);

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

const settle = (run: Promise<{ stdout: string; stderr: string }>): Promise<Run> =>
  run.then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (error: { code: number; stdout: string; stderr: string }) => ({ code: error.code, stdout: error.stdout, stderr: error.stderr }),
  );

/** The npm script, as users call it. */
const npmCac = (args: string[]) => settle(execFileAsync('npm', ['run', '-s', 'cac', '--', ...args], { cwd: projectRoot, maxBuffer: 64 * 1024 * 1024 }));
/** The same entry without npm's start-up cost. */
const cac = (args: string[]) => settle(execFileAsync(process.execPath, ['--import', 'tsx', 'main/cli/cac.ts', ...args], { cwd: projectRoot, maxBuffer: 64 * 1024 * 1024 }));

const SIEMENS_STUDY = '1.3.6.1.4.1.5962.99.1.792239193.1702185591.1516915727449.3.0';

const haveData = haveSharedData(ctRdsrDir) && haveSharedData(geSmartScoreDir);

describe.skipIf(!haveData)('cac dose', () => {
  let temp: { dir: string; remove: () => Promise<void> };
  beforeAll(async () => {
    temp = await makeTempDir('dose-cli');
  });
  afterAll(async () => temp.remove());

  it('--json prints exactly one JSON object: 10 studies from 12 reports, the re-sent Siemens report once with 3 events', async () => {
    const run = await npmCac(['dose', ctRdsrDir, '--json']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const result = JSON.parse(run.stdout);
    expect(Object.keys(result).sort()).toEqual(['problems', 'studies']);
    expect(result.problems).toEqual([]);
    expect(result.studies).toHaveLength(10);
    for (const study of result.studies) {
      expect(Object.keys(study)).toEqual(expect.arrayContaining(['studyInstanceUid', 'source', 'events', 'dlpTotalMgyCm', 'effectiveDoseMsv', 'kFactor', 'kFactorSource', 'alerts']));
      expect(study.source).toBe('rdsr');
      expect(study.kFactor).toBe(0.014);
      for (const event of study.events) {
        expect(Object.keys(event)).toEqual(expect.arrayContaining(['ctdivolMgy', 'dlpMgyCm', 'phantom', 'kvp', 'protocol', 'acquisitionType']));
      }
    }
    const siemens = result.studies.filter((study: { studyInstanceUid: string }) => study.studyInstanceUid === SIEMENS_STUDY);
    expect(siemens).toHaveLength(1);
    expect(siemens[0].events.map((event: { dlpMgyCm: number }) => event.dlpMgyCm)).toEqual([7.46, 69.81, 158.82]);
    expect(siemens[0].dlpTotalMgyCm).toBe(236.09);
    expect(siemens[0].effectiveDoseMsv).toBeCloseTo(236.09 * 0.014, 10);
    expect(siemens[0].sourceSopInstanceUids).toHaveLength(3);
    const doseCheck = result.studies.find((study: { alerts: unknown[] }) => study.alerts.length > 0);
    expect(doseCheck.alerts.map((alert: { forwardEstimate: number }) => alert.forwardEstimate)).toEqual([251.2, 502.4, 10.6]);
  });

  it('--k cardiac uses 0.026 with its source', async () => {
    const run = await cac(['dose', join(ctRdsrDir, 'CT-RDSR-Siemens-Multi-3.dcm'), '--json', '--k', 'cardiac']);
    expect(run.code).toBe(0);
    const [study] = JSON.parse(run.stdout).studies;
    expect(study).toMatchObject({ kFactor: 0.026, kFactorSource: 'Trattner et al., JACC CV Imaging 2018' });
    expect(study.effectiveDoseMsv).toBeCloseTo(236.09 * 0.026, 10);
  });

  it('prints a readable table without --json', async () => {
    const run = await cac(['dose', ctRdsrDir]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`Study ${SIEMENS_STUDY}`);
    expect(run.stdout).toMatch(/^ {2}3\s+4DCT\s+Spiral Acquisition\s+120\s+7\.02\s+158\.82\s+body-32$/m);
    expect(run.stdout).toMatch(/total DLP 236\.09 mGy cm, effective dose 3\.31 mSv \(k = 0\.014/);
    expect(run.stdout).toMatch(/dose check alert: dlp forward estimate 502\.40 over level 100\.00, authorised by Luuk/);
  });

  it('reports a damaged report among good ones (stderr line, problems) and still prints the good study, exit 0', async () => {
    const folder = join(temp.dir, 'mixed');
    await mkdir(join(folder, 'a', 'b'), { recursive: true });
    for (const part of [1, 2, 3]) await copyFile(join(ctRdsrDir, `CT-RDSR-Siemens-Multi-${part}.dcm`), join(folder, 'a', 'b', `SR${part}`));
    const whole = await readFile(join(ctRdsrDir, 'CT-RDSR-Toshiba_DoseCheck.dcm'));
    await writeFile(join(folder, 'a', 'cut.dcm'), whole.subarray(0, 9000));
    await writeFile(join(folder, 'README.txt'), 'not DICOM');
    const run = await cac(['dose', folder, '--json']);
    expect(run.code).toBe(0);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toMatch(/^cac dose: skipped a\/cut\.dcm: the dose report is truncated or damaged/);
    const result = JSON.parse(run.stdout);
    expect(result.studies.map((study: { studyInstanceUid: string; events: unknown[] }) => [study.studyInstanceUid, study.events.length])).toEqual([[SIEMENS_STUDY, 3]]);
    expect(result.problems).toEqual([{ file: join('a', 'cut.dcm'), message: expect.stringMatching(/^a\/cut\.dcm: the dose report is truncated/) }]);
  });

  it('exits 1 with one clear line when only damaged reports are found', async () => {
    const folder = join(temp.dir, 'only-damaged');
    await mkdir(folder);
    const whole = await readFile(join(ctRdsrDir, 'CT-RDSR-Toshiba_DoseCheck.dcm'));
    await writeFile(join(folder, 'cut.dcm'), whole.subarray(0, 9000));
    const run = await cac(['dose', folder, '--json']);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/^cac dose: no dose could be read from .*only-damaged: 1 damaged dose report\(s\)\n {2}cut\.dcm: the dose report is truncated/);
  });

  it('exits 1 with a clear message for a folder without any dose (GE headers without CTDIvol)', async () => {
    const run = await cac(['dose', geSmartScoreDir, '--json']);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toBe(
      `cac dose: no CT dose information in ${geSmartScoreDir}: no radiation dose report (RDSR) and no image with CTDIvol (0018,9345); enter the dose manually\n`,
    );
  });

  it.skipIf(!haveTool('dcmodify'))('falls back to image headers when a study has no RDSR, DLP estimated', async () => {
    const folder = join(temp.dir, 'headers');
    await mkdir(folder);
    const names = (await readdir(geSmartScoreDir)).sort();
    for (const name of names) await copyFile(join(geSmartScoreDir, name), join(folder, name));
    execFileSync('dcmodify', ['-nb', '-i', '(0018,9345)=2.1', ...names.map((name) => join(folder, name))]);
    const run = await cac(['dose', folder, '--json']);
    expect(run.code).toBe(0);
    const [study] = JSON.parse(run.stdout).studies;
    expect(study.source).toBe('image-header');
    expect(study.events).toHaveLength(1);
    // Five slices from z -1.2375 to 8.7625 mm, 2.5 mm thick: 12.5 mm covered, DLP about 2.1 x 1.25.
    expect(study.dlpTotalMgyCm).toBeCloseTo(2.625, 9);
    expect(study.events[0]).toMatchObject({ ctdivolMgy: 2.1, kvp: 120, protocol: 'SmartScore - Gated 0.5 sec' });
    // Issue 12: the estimate is said so, in the JSON and in the table.
    expect(study.notes.join(' ')).toContain('DLP estimated from the image headers');
    const table = await cac(['dose', folder]);
    expect(table.stdout).toMatch(/total DLP 2\.63 mGy cm \(estimated from the image headers\)/);
  });

  it('GE dose reports: head- and body-phantom DLP are not added silently; k gets the body-phantom equivalent, with a note', async () => {
    const run = await cac(['dose', join(ctRdsrDir, 'CT-ESR-GE_VCT.dcm'), '--json']);
    expect(run.code).toBe(0);
    const [study] = JSON.parse(run.stdout).studies;
    expect(study.dlpTotalMgyCm).toBe(2002.39);
    // 1109.01 mGy cm in the 32 cm phantom + 893.38 mGy cm in the 16 cm phantom x 0.5.
    expect(study.effectiveDoseMsv).toBeCloseTo((2002.39 - 893.38 / 2) * 0.014, 6);
    expect(study.notes).toHaveLength(1);
    expect(study.notes[0]).toMatch(/1109\.0 mGy·cm in the 32 cm body phantom and 893\.4 mGy·cm in the 16 cm head phantom/);
    const table = await cac(['dose', join(ctRdsrDir, 'CT-RDSR-GEPixelMed.dcm')]);
    expect(table.stdout).toMatch(/note: DLP was measured in the 16 cm head phantom \(586\.3 mGy·cm\)/);
    expect(table.stdout).toMatch(/effective dose 4\.10 mSv/);
  });

  it('exits 1 for a path that does not exist and 2 for a wrong --k', async () => {
    const missing = await cac(['dose', join(temp.dir, 'nowhere')]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^cac dose: no such file or folder: .*nowhere\n$/);
    const wrongK = await cac(['dose', ctRdsrDir, '--k', 'head']);
    expect(wrongK.code).toBe(2);
    expect(wrongK.stderr).toBe('cac dose: --k must be one of adult-chest, cardiac, got "head"\n');
  });
});
