/**
 * Where the shared real data lives (../shared/data beside the checkout), and how tests that need it
 * behave without it: they skip with a clear message, except under CI=true where they must fail.
 */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execFileSync } from 'node:child_process';

export const projectRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
/** CAC_SHARED_DATA points elsewhere (e.g. to try the no-shared-data paths). */
export const sharedDataDir = process.env.CAC_SHARED_DATA ?? resolve(projectRoot, '..', 'shared', 'data');

export const qrmPhantomDir = join(sharedDataDir, 'qrm-phantom-canon', 'dicom');
export const geSmartScoreDir = join(sharedDataDir, 'ge-smartscore-headers', 'dicom');
export const ctRdsrDir = join(sharedDataDir, 'ct-rdsr', 'dicom');

export const isCi = process.env.CI === 'true';

/**
 * True when `path` exists. When it does not: under CI this throws (a missing fixture must fail CI);
 * elsewhere it prints why the suite is skipped and returns false, for use with describe.skipIf.
 */
export function haveSharedData(path: string): boolean {
  if (existsSync(path)) return true;
  const message = `shared test data not found at ${path}: place the shared/ folder beside the checkout`;
  if (isCi) throw new Error(`${message} (CI=true: this must not be skipped)`);
  console.warn(`skipping: ${message}`);
  return false;
}

/** True when a command-line tool is on PATH; same CI rule as haveSharedData. */
export function haveTool(tool: string): boolean {
  try {
    execFileSync('which', [tool], { stdio: 'ignore' });
    return true;
  } catch {
    const message = `${tool} is not installed (apt-get install -y dcmtk dicom3tools ...)`;
    if (isCi) throw new Error(`${message} (CI=true: this must not be skipped)`);
    console.warn(`skipping: ${message}`);
    return false;
  }
}

/** The known inserts of the QRM phantom (qrm-phantom-canon/README.md), for tests and benchmarks. */
export const qrmInserts = [
  { name: 'Large_HD', point: [-40.666, 1.354, 600.875], agatston: 402.94, volumeMm3: 302.2, massMg: 94.77 },
  { name: 'Medium_HD', point: [-28.466, 1.354, 600.875], agatston: 88.11, volumeMm3: 82.16, massMg: 20.9 },
  { name: 'Small_HD', point: [-16.266, 1.354, 600.875], agatston: 6.19, volumeMm3: 9.29, massMg: 1.14 },
  { name: 'Large_MD', point: [13.502, -32.806, 600.875], agatston: 238.38, volumeMm3: 216.47, massMg: 47.79 },
  { name: 'Medium_MD', point: [8.134, -21.582, 600.875], agatston: 69.54, volumeMm3: 58.58, massMg: 10.88 },
  { name: 'Large_LD', point: [16.918, 31.122, 600.875], agatston: 138.6, volumeMm3: 167.18, massMg: 25.37 },
  { name: 'Medium_LD', point: [10.574, 20.874, 600.875], agatston: 22.86, volumeMm3: 34.29, massMg: 4.75 },
] as const satisfies ReadonlyArray<{ name: string; point: readonly [number, number, number]; agatston: number; volumeMm3: number; massMg: number }>;

export const qrmMassFactor = 0.72205;
