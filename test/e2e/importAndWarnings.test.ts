/**
 * End to end in Chromium: a folder imported from the worklist shows a progress bar and its study
 * appears without a reload (pushed by the studies.changed event); reading it shows the loader's
 * acquisition warnings (100 kVp, 1.5 mm slices) above the slice view, before any signing.
 * Needs no shared data: the series is written by the synthetic phantom generator.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writePhantomSeries } from '../phantom/syntheticPhantom.js';
import { makeTempDir } from '../support/tempDir.js';
import { ReadingPage } from './pages/readingPage.js';
import { WorklistPage } from './pages/worklistPage.js';
import { startWorkstation, takeScreenshot, type Workstation } from './support/workstation.js';

describe('import from the worklist and acquisition warnings (browser mode)', () => {
  let workstation: Workstation;
  let folder: { dir: string; remove: () => Promise<void> };

  beforeAll(async () => {
    folder = await makeTempDir('e2e-import');
    await writePhantomSeries(folder.dir, {
      rows: 96,
      columns: 96,
      pixelSpacingMm: [0.6, 0.6],
      slices: 12,
      sliceThicknessMm: 1.5,
      sliceIncrementMm: 1.5,
      kvp: 100,
      backgroundHu: 40,
      noiseSdHu: 8,
      patientName: 'IMPORT^WARNINGS',
      patientId: 'E2E-IMPORT',
      seriesDescription: 'Calcium 100 kV 1.5 mm',
      objects: [{ kind: 'box', centerMm: [20, 20, 9], sizeMm: [4, 4, 6], hu: 600 }],
    });
    workstation = await startWorkstation({ demoStudy: false });
  }, 120_000);

  afterAll(async () => {
    await workstation?.close();
    await folder?.remove();
  });

  it('imports a folder with a progress bar; the study appears without a reload; its warnings are shown', async () => {
    const page = workstation.page;
    const worklist = new WorklistPage(page);
    await worklist.goto(workstation.host.url);
    expect(await worklist.rows.count()).toBe(0);
    await page.getByTestId('import-path').fill(folder.dir);
    await page.getByTestId('import-start').click();
    await page.getByTestId('import-progress').waitFor();
    await expect.poll(() => page.getByTestId('import-status').textContent(), { timeout: 30_000 }).toContain('Import done: 12 stored');
    await expect.poll(() => worklist.rows.count(), { timeout: 10_000 }).toBe(1);
    expect(await worklist.rows.first().textContent()).toContain('IMPORT, WARNINGS');

    await worklist.search('nobody-by-this-name');
    await expect.poll(() => worklist.rows.count()).toBe(0);
    await worklist.search('WARNINGS');
    await expect.poll(() => worklist.rows.count()).toBe(1);

    await worklist.open(0);
    const reading = new ReadingPage(page);
    await reading.waitOpen();
    const warnings = (await page.getByTestId('acquisition-warnings').textContent()) ?? '';
    expect(warnings).toMatch(/100/);
    expect(warnings).toMatch(/1\.5/);
    await takeScreenshot(page, 'reading-warnings');
    expect(workstation.pageErrors).toEqual([]);
  }, 120_000);
});
