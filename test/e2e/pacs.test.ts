/**
 * End to end in Chromium against a real Orthanc holding the shared GE SmartScore headers (5
 * objects, one study): the reader adds the PACS in the worklist's PACS panel, searches it,
 * retrieves the study by C-GET with a progress bar that reaches the end, and the study appears in
 * the worklist without a reload (studies.changed).
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RetrieveProgressEvent } from '../../main/api/contract.js';
import { startOrthanc, type RunningOrthanc } from '../support/orthanc.js';
import { geSmartScoreDir, haveSharedData, haveTool } from '../support/sharedData.js';
import { WorklistPage } from './pages/worklistPage.js';
import { startWorkstation, takeScreenshot, type Workstation } from './support/workstation.js';

const GE_STUDY = '1.3.6.1.4.1.5962.1.1.0.0.0.1194734704.16302.0.1';
const ready = haveTool('Orthanc') && haveSharedData(geSmartScoreDir);

describe.skipIf(!ready)('PACS search and retrieve from the worklist (browser mode, real Orthanc)', () => {
  let workstation: Workstation;
  let orthanc: RunningOrthanc;
  const progressEvents: RetrieveProgressEvent[] = [];

  beforeAll(async () => {
    orthanc = await startOrthanc();
    await orthanc.upload(readdirSync(geSmartScoreDir).map((name) => join(geSmartScoreDir, name)));
    workstation = await startWorkstation({ demoStudy: false });
    workstation.services.events.on('retrieve.progress', (event) => progressEvents.push(event));
  }, 120_000);

  afterAll(async () => {
    await workstation?.close();
    await orthanc?.stop();
  });

  it('adds the PACS, searches it, retrieves a study by C-GET with progress; the study appears in the worklist', async () => {
    const page = workstation.page;
    const worklist = new WorklistPage(page);
    await worklist.goto(workstation.host.url);
    expect(await worklist.rows.count()).toBe(0);

    // The panel is collapsed until used; opened with no PACS configured, it offers the form straight away.
    expect(await page.getByTestId('pacs-form').count()).toBe(0);
    await page.getByTestId('pacs-toggle').click();
    await page.getByTestId('pacs-form').waitFor();
    // At the harness's 1600 px the whole form fits: Save PACS is on screen, not scrolled away.
    const save = await page.getByTestId('pacs-save').boundingBox();
    expect(save && save.x + save.width).toBeLessThanOrEqual(1600);
    await page.getByTestId('pacs-node-name').fill('Test Orthanc');
    await page.getByTestId('pacs-node-aeTitle').fill(orthanc.aeTitle);
    await page.getByTestId('pacs-node-host').fill('127.0.0.1');
    await page.getByTestId('pacs-node-port').fill(String(orthanc.dicomPort));
    await page.getByTestId('pacs-node-callingAeTitle').fill('CACWS');
    await page.getByTestId('pacs-node-dicomWebUrl').fill(orthanc.dicomWebUrl);
    await page.getByTestId('pacs-save').click();
    await expect.poll(() => page.getByTestId('pacs-node').inputValue()).toBe('Test Orthanc');
    expect(workstation.services.settings.get().pacsNodes.map((node) => node.aeTitle)).toEqual([orthanc.aeTitle]);

    await page.getByTestId('pacs-modality').fill('CT');
    await page.getByTestId('pacs-search').click();
    const row = page.locator(`[data-testid="pacs-study-row"][data-study-uid="${GE_STUDY}"]`);
    await row.waitFor({ timeout: 20_000 });

    await row.getByTestId('pacs-retrieve').click();
    await expect.poll(() => row.getByTestId('pacs-retrieve-status').getAttribute('data-status'), { timeout: 30_000 }).toBe('done');
    expect(Number(await row.getByTestId('pacs-retrieve-progress').getAttribute('value'))).toBe(1);
    expect(await row.getByTestId('pacs-retrieve-status').textContent()).toContain('done: 5 stored');
    // The API pushed progress while it ran, ending with nothing remaining.
    const last = progressEvents.at(-1);
    expect(last).toMatchObject({ studyInstanceUid: GE_STUDY, completed: 5, remaining: 0, failed: 0, stored: 5 });

    await expect.poll(() => worklist.rows.count(), { timeout: 10_000 }).toBe(1);
    expect(await worklist.rows.first().getAttribute('data-study-uid')).toBe(GE_STUDY);
    await takeScreenshot(page, 'pacs');
    expect(workstation.pageErrors).toEqual([]);
  }, 120_000);
});
