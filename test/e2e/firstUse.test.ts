/**
 * End to end in Chromium: what a new user stumbled on (issue 12, "found when the workstation was
 * tried as a new user would"). Imports that find nothing end and free the form for the next one;
 * the PACS panel is collapsed until used and fits 1600 px; the reading view names the patient;
 * wheel down and PageDown page the same way (towards the feet); the overlay opacity and "LM with
 * LAD" settings act; the age is entered when the study has none, so MESA is computed; and a CAC 0
 * with unassigned calcium is signed only after an explicit confirmation.
 * Needs no shared data: the series are written by the synthetic phantom generator.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writePhantomSeries } from '../phantom/syntheticPhantom.js';
import { TEST_PASSWORD } from '../support/accounts.js';
import { makeTempDir } from '../support/tempDir.js';
import { ReadingPage } from './pages/readingPage.js';
import { ReportPage } from './pages/reportPage.js';
import { WorklistPage } from './pages/worklistPage.js';
import { startWorkstation, takeScreenshot, type Workstation } from './support/workstation.js';

/** The calcified box of both phantoms (LPS mm), an unassigned lesion until someone clicks it. */
const CALCIUM: readonly [number, number, number] = [20, 20, 9];

function phantom(dir: string, patientName: string, patientId: string, extraAttributes: Record<string, unknown>) {
  return writePhantomSeries(dir, {
    rows: 96,
    columns: 96,
    pixelSpacingMm: [0.6, 0.6],
    slices: 12,
    sliceThicknessMm: 1.5,
    sliceIncrementMm: 1.5,
    backgroundHu: 40,
    noiseSdHu: 8,
    patientName,
    patientId,
    seriesDescription: 'Calcium 120 kV',
    objects: [{ kind: 'box', centerMm: [20, 20, 9], sizeMm: [4, 4, 6], hu: 600 }],
    extraAttributes,
  });
}

describe('a new user’s stumbling blocks, fixed (browser mode)', () => {
  let workstation: Workstation;
  let temp: { dir: string; remove: () => Promise<void> };
  let worklist: WorklistPage;
  let reading: ReadingPage;
  let report: ReportPage;

  beforeAll(async () => {
    temp = await makeTempDir('e2e-first-use');
    await phantom(join(temp.dir, 'dated'), 'FIRST^USE', 'E2E-FIRST', { PatientBirthDate: '19610514', PatientSex: 'F' });
    await phantom(join(temp.dir, 'undated'), 'NO^AGE', 'E2E-NOAGE', { PatientSex: 'M' });
    await mkdir(join(temp.dir, 'empty'));
    await writeFile(join(temp.dir, 'notes.txt'), 'not a DICOM file\n');
    workstation = await startWorkstation({ demoStudy: false });
    worklist = new WorklistPage(workstation.page);
    reading = new ReadingPage(workstation.page);
    report = new ReportPage(workstation.page);
  }, 120_000);

  afterAll(async () => {
    await workstation?.close();
    await temp?.remove();
  });

  async function importPath(path: string, expected: string): Promise<void> {
    const page = workstation.page;
    await page.getByTestId('import-path').fill(path);
    await expect.poll(() => page.getByTestId('import-start').isEnabled()).toBe(true);
    await page.getByTestId('import-start').click();
    await expect.poll(() => page.getByTestId('import-status-text').textContent(), { timeout: 30_000 }).toContain(expected);
    // Finished: Import is free again for the next one, and no Cancel is left that does nothing.
    expect(await page.getByTestId('import-cancel').count()).toBe(0);
  }

  it('imports one after another in the same page: an empty folder, a non-DICOM file, then two studies', async () => {
    const page = workstation.page;
    await worklist.goto(workstation.host.url);
    // A small import ends before its import.start is answered: the events (WebSocket) overtake the
    // answer (HTTP). Held back here for 300 ms so that order is certain, not left to chance.
    await page.route('**/api/import.start', async (route) => {
      const response = await route.fetch();
      await new Promise((resolve) => setTimeout(resolve, 300));
      await route.fulfill({ response });
    });
    await importPath(join(temp.dir, 'empty'), 'nothing to import');
    await importPath(join(temp.dir, 'notes.txt'), '0 stored, 0 duplicates, 1 quarantined');
    await page.unroute('**/api/import.start');
    await importPath(join(temp.dir, 'dated'), 'Import done: 12 stored');
    await importPath(join(temp.dir, 'undated'), 'Import done: 12 stored');
    await expect.poll(() => worklist.rows.count(), { timeout: 10_000 }).toBe(2);
    expect(await page.getByTestId('import-start').isEnabled()).toBe(true);
  }, 90_000);

  it('keeps the PACS panel collapsed until used; opened, its form fits 1600 px', async () => {
    const page = workstation.page;
    expect(await page.getByTestId('pacs-panel').getAttribute('data-expanded')).toBe('false');
    expect(await page.getByTestId('pacs-search').count()).toBe(0);
    await takeScreenshot(page, 'first-use-worklist');
    await page.getByTestId('pacs-toggle').click();
    await page.getByTestId('pacs-form').waitFor();
    const viewport = page.viewportSize()!;
    for (const testId of ['pacs-save', 'pacs-search', 'pacs-node-dicomWebUrl']) {
      const box = (await page.getByTestId(testId).boundingBox())!;
      expect(box.x + box.width, `${testId} is off-screen`).toBeLessThanOrEqual(viewport.width);
    }
    const overflow = (await page.evaluate('document.documentElement.scrollWidth - document.documentElement.clientWidth')) as number;
    expect(overflow).toBeLessThanOrEqual(0);
    await takeScreenshot(page, 'first-use-pacs-open');
    await page.getByTestId('pacs-toggle').click();
    expect(await page.getByTestId('pacs-form').count()).toBe(0);
  });

  it('names the patient in the reading view; wheel down and PageDown both page towards the feet', async () => {
    const page = workstation.page;
    await worklist.search('FIRST');
    await expect.poll(() => worklist.rows.count()).toBe(1);
    await worklist.open(0);
    await reading.waitOpen();
    await expect.poll(() => page.getByTestId('reading-patient').count()).toBe(1);
    expect(await page.getByTestId('reading-patient-name').textContent()).toBe('FIRST, USE');
    expect(await page.getByTestId('reading-patient-id').textContent()).toBe('ID E2E-FIRST');
    expect(await page.getByTestId('reading-patient-birth').textContent()).toBe('born 1961-05-14 (F, 62 y)');
    expect(await page.getByTestId('reading-study-date').textContent()).toBe('study 2024-03-01');
    await takeScreenshot(page, 'first-use-reading-header');

    const z = async () => Number(/z (-?[\d.]+) mm/.exec((await page.getByTestId('slice-position').textContent()) ?? '')![1]);
    const start = await reading.slice();
    const startZ = await z();
    const box = (await reading.canvas.boundingBox())!;
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await page.mouse.wheel(0, 120);
    await expect.poll(() => reading.slice()).toBe(start - 1);
    const afterWheelZ = await z();
    await page.keyboard.press('PageDown');
    await expect.poll(() => reading.slice()).toBe(start - 2);
    const afterPageDownZ = await z();
    // Both lower z: towards the feet (LPS z points to the head).
    expect(afterWheelZ).toBeLessThan(startZ);
    expect(afterPageDownZ).toBeLessThan(afterWheelZ);
    await page.mouse.wheel(0, -120);
    await expect.poll(() => reading.slice()).toBe(start - 1);
    await page.keyboard.press('PageUp');
    await expect.poll(() => reading.slice()).toBe(start);
  });

  /** The colour the slice view shows at a patient point (device pixels of the canvas). */
  async function colourAt(point: readonly [number, number, number]): Promise<[number, number, number]> {
    const target = await reading.screenPointOf(point);
    await reading.goToSlice(target.slice);
    await reading.waitOverlayCurrent();
    // A string runs in the page (the test's type check has no DOM library).
    return (await workstation.page.evaluate(`(() => {
        const canvas = document.querySelector('[data-testid="slice-canvas"]');
        const rect = canvas.getBoundingClientRect();
        const ratio = canvas.width / rect.width;
        const [r, g, b] = canvas.getContext('2d').getImageData(Math.floor((${target.x} - rect.left) * ratio), Math.floor((${target.y} - rect.top) * ratio), 1, 1).data;
        return [r, g, b];
      })()`)) as [number, number, number];
  }

  it('applies the overlay opacity and "report LM with LAD" display settings', async () => {
    const page = workstation.page;
    workstation.services.settings.update({ display: { overlayOpacity: 0, reportLmWithLad: false } });
    await page.reload();
    await reading.waitOpen();
    const [r0, g0, b0] = await colourAt(CALCIUM);
    // Opacity 0: the calcium is plain grey (bright: 600 HU in the calcium window).
    expect([g0, b0]).toEqual([r0, r0]);
    expect(await page.getByTestId('score-row-LM').count()).toBe(1);

    workstation.services.settings.update({ display: { overlayOpacity: 1, reportLmWithLad: true } });
    await page.reload();
    await reading.waitOpen();
    const [r1, , b1] = await colourAt(CALCIUM);
    // Opacity 100 %: the unassigned-calcium orange covers it.
    expect(r1 - b1).toBeGreaterThan(100);
    // LM is counted in one "LM + LAD" row.
    expect(await page.getByTestId('score-row-LM').count()).toBe(0);
    expect(await page.getByTestId('score-row-LAD').getAttribute('data-label')).toBe('LM + LAD');
    await takeScreenshot(page, 'first-use-overlay-opaque');
    workstation.services.settings.update({ display: { overlayOpacity: 0.5, reportLmWithLad: false } });
  });

  it('asks for the age when the study has none, and MESA is computed with it', async () => {
    const page = workstation.page;
    await page.getByTestId('back-to-worklist').click();
    await worklist.search('E2E-NOAGE');
    await expect.poll(() => worklist.rows.count()).toBe(1);
    await worklist.open(0);
    await reading.waitOpen();
    expect(await page.getByTestId('reading-patient-birth').textContent()).toBe('birth date not recorded (M)');
    await report.open();
    await page.getByTestId('report-create').click();
    await expect.poll(() => report.state()).toBe('draft');
    await report.tab('risk');
    expect(await page.getByTestId('risk-age-from-study').count()).toBe(0);
    await report.enterRiskFactors({ ageYears: '62', sex: 'male', race: 'white', diabetes: 'no', currentSmoker: 'no', totalCholesterolMgDl: '190', hdlMgDl: '50', systolicBpMmHg: '130', lipidMedication: 'no', bpMedication: 'no', familyHistoryMi: 'no' });
    await expect.poll(() => report.text('report-mesa'), { timeout: 10_000 }).toMatch(/^MESA 10-year CHD risk: \d+\.\d %/);
    await takeScreenshot(page, 'first-use-risk-age');
  });

  it('signs a CAC 0 with unassigned calcium only after an explicit confirmation', async () => {
    const page = workstation.page;
    await expect.poll(() => page.getByTestId('report-sign').isEnabled()).toBe(true);
    await page.getByTestId('report-sign').click();
    await page.getByTestId('report-sign-confirm').waitFor();
    expect(await report.text('report-zero-warning')).toContain('No calcium assigned; 1 candidate lesion unassigned.');
    await page.getByTestId('report-sign-password').fill('wrong-or-right: not sent yet');
    // The password alone is not enough: the confirmation is required.
    expect(await page.getByTestId('report-sign-confirm-button').isEnabled()).toBe(false);
    await page.getByTestId('report-zero-confirm').check();
    expect(await page.getByTestId('report-sign-confirm-button').isEnabled()).toBe(true);
    await takeScreenshot(page, 'first-use-sign-zero');
    await page.getByTestId('report-sign-cancel').click();
    // Confirmed, it signs.
    await page.getByTestId('report-sign').click();
    await page.getByTestId('report-zero-confirm').check();
    await page.getByTestId('report-sign-password').fill(TEST_PASSWORD);
    await page.getByTestId('report-sign-confirm-button').click();
    await expect.poll(() => report.state(), { timeout: 20_000 }).toBe('signed');
    expect(workstation.pageErrors).toEqual([]);
  }, 60_000);
});
