/**
 * End to end in Chromium (browser mode, real archive, scoring worker and SQLite on a temp data
 * directory, the synthetic demo phantom: LAD 192 + RCA 96): the reader assigns the LAD lesion on
 * screen and creates the report, assigns the RCA lesion (the draft says it is behind the reading
 * and signing waits) and updates it, checks the preview's scores against the score table, edits
 * the impression (a refused save keeps the text), enters risk factors (a bad HDL refused beside
 * the form, then valid ones: MESA's reason appears), is refused signing as a technologist with the
 * reason shown, signs as a radiologist through the confirmation, amends with a reason and signs v2
 * (v1 superseded), downloads the PDF (%PDF bytes), exports to a folder, and, with Orthanc
 * installed, sends to a real Orthanc (delivery "sent") and to a PACS that is down (error and next
 * attempt shown, retry); edits left unsaved when another window signs are kept aside.
 * Screenshots of the report panel go to .tmp/screenshots.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { freePort, startOrthanc, type RunningOrthanc } from '../support/orthanc.js';
import { haveTool } from '../support/sharedData.js';
import { TEST_PASSWORD } from '../support/accounts.js';
import { makeTempDir } from '../support/tempDir.js';
import { ReadingPage } from './pages/readingPage.js';
import { ReportPage } from './pages/reportPage.js';
import { WorklistPage } from './pages/worklistPage.js';
import { startWorkstation, takeScreenshot, type Workstation } from './support/workstation.js';

const READER = 'Dr Eva Lind';
const SITE = 'St Elsewhere Heart Centre';
const LAD_POINT = [20.3, 20.3, 9] as const;
const RCA_POINT = [40.3, 40.3, 9] as const;
const withOrthanc = haveTool('Orthanc');

/** Console noise the deliberate refusals cause (the browser logs every 4xx answer): not a page error. */
const expectedRefusal = (message: string) => /Failed to load resource: the server responded with a status of (400|401|409)/.test(message);

/** The score table's number for a row, as shown (2 decimals). */
async function tableAgatston(page: Page, row: string): Promise<number> {
  return Number(await page.getByTestId(`agatston-${row}`).textContent());
}

describe('the report in the reading view (browser mode)', () => {
  let workstation: Workstation;
  let page: Page;
  let reading: ReadingPage;
  let report: ReportPage;
  let temp: { dir: string; remove: () => Promise<void> };
  let orthanc: RunningOrthanc | undefined;

  beforeAll(async () => {
    temp = await makeTempDir('e2e-report');
    workstation = await startWorkstation({ demoStudy: 'synthetic', signIn: { username: 'elind', displayName: 'Dr Eva Lind', roles: ['radiologist'] } });
    const pacsNodes = [{ name: 'PACS down', aeTitle: 'NOBODY', host: '127.0.0.1', port: await freePort(), callingAeTitle: 'CACWS' }];
    if (withOrthanc) {
      orthanc = await startOrthanc();
      pacsNodes.unshift({ name: 'Hospital PACS', aeTitle: orthanc.aeTitle, host: '127.0.0.1', port: orthanc.dicomPort, callingAeTitle: 'CACWS' });
    }
    const changed = workstation.services.settings.update({ pacsNodes, report: { siteName: SITE, siteAddress: 'Harbour Road 1, Springfield' } });
    expect('problems' in changed ? changed.problems : []).toEqual([]);
    page = workstation.page;
    reading = new ReadingPage(page);
    report = new ReportPage(page);
  }, 180_000);

  afterAll(async () => {
    await workstation?.close();
    await orthanc?.stop();
    await temp?.remove();
  });

  it('assigns the two lesions, creates the report: the preview shows the score table numbers', async () => {
    const worklist = new WorklistPage(page);
    await worklist.goto(workstation.host.url);
    await expect.poll(() => worklist.rows.count(), { timeout: 20_000 }).toBe(1);
    await worklist.open(0);
    await reading.waitOpen();
    await reading.chooseArtery('2');
    await reading.clickPoint(LAD_POINT);
    await expect.poll(() => reading.total(), { timeout: 10_000 }).toBe('192.00');

    await report.open();
    expect(await report.state()).toBe('none');
    expect(await report.text('report-panel')).toContain('1 assignment, total Agatston 192.0');
    await page.getByTestId('report-create').click();
    await expect.poll(() => report.state()).toBe('draft');
    expect(await report.previewScore('agatston', 'total')).toBe('192.0');
    await expect.poll(() => page.getByTestId('report-sign').isEnabled()).toBe(true);

    // Back to the images: the RCA lesion is assigned after the draft was made.
    await page.getByTestId('toggle-report').click();
    await reading.chooseArtery('4');
    await reading.clickPoint(RCA_POINT);
    await expect.poll(() => reading.total(), { timeout: 10_000 }).toBe('288.00');
    await report.open();
    await page.getByTestId('report-stale').waitFor();
    expect(await report.text('report-stale')).toMatch(/draft from revision 1; the reading is now at revision 2.*update the draft/);
    expect(await report.signButton.isDisabled()).toBe(true);
    expect(await report.text('report-sign-disabled-reason')).toContain('the scores changed since the draft was made');
    await takeScreenshot(page, 'report-draft-stale');
    await page.getByTestId('report-update').click();
    await page.getByTestId('report-stale').waitFor({ state: 'detached' });
    expect(await report.text('report-status')).toBe('Draft v1: not signed');
    // The score table stays beside the preview: every row agrees (the preview prints 1 decimal like the PDF).
    for (const row of ['LM', 'LAD', 'LCX', 'RCA', 'total']) {
      const previewed = Number(await report.previewScore('agatston', row));
      expect(Math.abs(previewed - (await tableAgatston(page, row))), `${row} Agatston`).toBeLessThanOrEqual(0.05);
    }
    expect(Number(await report.previewScore('volume', 'total'))).toBeCloseTo(Number(await page.getByTestId('volume-total').textContent()), 1);
    expect(await report.previewScore('lesions', 'total')).toBe('2');
    expect(await report.text('report-cac-drs')).toBe(await report.text('cac-drs'));
    expect(await report.text('report-category')).toBe(await report.text('score-category'));
    expect(await report.text('report-status')).toBe('Draft v1: not signed');
    expect(await report.text('report-findings')).toContain('Total Agatston score 288.0');
    expect(await report.text('report-mesa')).toContain('Risk factors were not entered');
    expect(await report.text('report-signoff')).toContain('Not signed');
    expect(await report.preview.textContent()).toContain(SITE);
    await takeScreenshot(page, 'report-draft');
  }, 120_000);

  it('edits the impression: unsaved mark and signing blocked until saved, then saved into the preview', async () => {
    await report.tab('text');
    const findingsBefore = await page.getByTestId('report-findings-input').inputValue();
    await report.setImpression('Moderate coronary calcification (CAC-DRS A2/N2).');
    await page.getByTestId('text-unsaved').waitFor();
    expect(await report.text('report-impression')).toBe('Moderate coronary calcification (CAC-DRS A2/N2).');
    expect(await report.preview.textContent()).toContain('(unsaved)');
    expect(await report.signButton.isDisabled()).toBe(true);
    expect(await report.text('report-sign-disabled-reason')).toContain('save or revert your text changes first');
    // A refused save (too long for the API) shows why and keeps what was typed.
    const tooLong = 'x'.repeat(20_001);
    await page.getByTestId('report-findings-input').fill(tooLong);
    await report.saveText();
    await page.getByTestId('text-error').waitFor();
    expect(await report.text('text-error')).toMatch(/^Not saved: .*the findings has at most 20000 characters.*Your text is still here\.$/);
    expect(await page.getByTestId('report-findings-input').inputValue()).toBe(tooLong);
    expect(await page.getByTestId('report-impression-input').inputValue()).toBe('Moderate coronary calcification (CAC-DRS A2/N2).');
    await page.getByTestId('report-findings-input').fill(findingsBefore);
    await report.saveText();
    await page.getByTestId('text-saved').waitFor();
    expect(await page.getByTestId('text-error').count()).toBe(0);
    expect(await report.preview.textContent()).not.toContain('(unsaved)');
    expect(workstation.services.store.db.prepare(`SELECT content FROM report_versions WHERE version = 1`).pluck().get()).toContain('Moderate coronary calcification (CAC-DRS A2/N2).');
  });

  it('risk factors: a bad HDL is refused beside the field, valid ones refresh the draft (MESA says why it has no number)', async () => {
    await report.enterRiskFactors({ sex: 'female', race: 'white', diabetes: 'no', currentSmoker: 'yes', totalCholesterolMgDl: '200', hdlMgDl: '5000', systolicBpMmHg: '128', lipidMedication: 'no', bpMedication: 'no', familyHistoryMi: 'no' });
    await page.getByTestId('risk-error-hdlMgDl').waitFor();
    expect(await report.text('risk-error-hdlMgDl')).toContain('HDL cholesterol must be at most 200 mg/dL');
    expect(await report.text('risk-error')).toContain('HDL cholesterol must be at most 200 mg/dL');
    expect(await page.getByTestId('risk-totalCholesterolMgDl').inputValue()).toBe('200');
    // Not a number at all: refused in the form with the unit.
    await report.enterRiskFactors({ hdlMgDl: 'fifty' });
    expect(await report.text('risk-error-hdlMgDl')).toBe('HDL cholesterol must be a number in mg/dL');
    await report.enterRiskFactors({ hdlMgDl: '55' });
    await expect.poll(() => report.text('report-mesa'), { timeout: 10_000 }).toContain('Inputs:');
    const mesa = await report.text('report-mesa');
    // The synthetic phantom has no birth date: the reason names the age, and the inputs are listed.
    expect(mesa).toMatch(/^MESA risk not calculated: .*age/i);
    expect(mesa).toContain('HDL 55 mg/dL');
    expect(await page.getByTestId('risk-unsaved').count()).toBe(0);
    expect(await report.text('risk-entered')).toContain(`entered by ${READER}`);
  });

  // A technologist's view (no Sign or Amend button at all) is in accounts.test.ts.
  it('a radiologist signs through the confirmation (signer, meaning, password again) and editing stops', async () => {
    await report.tab('settings');
    expect(await report.text('report-site-summary')).toContain(`${SITE}, Harbour Road 1, Springfield`);
    expect(await report.text('report-signer-summary')).toContain(`${READER} (elind), signs as Radiologist`);
    await expect.poll(() => report.signButton.isEnabled()).toBe(true);

    // Cancel first: nothing is signed.
    await report.signButton.click();
    await page.getByTestId('report-sign-confirm').waitFor();
    await takeScreenshot(page, 'report-sign-confirm');
    await page.getByTestId('report-sign-cancel').click();
    expect(await report.state()).toBe('draft');
    // A wrong password signs nothing: the refusal is shown and the draft stays.
    await report.signButton.click();
    await page.getByTestId('report-sign-password').fill('not-my-password');
    await page.getByTestId('report-sign-confirm-button').click();
    await page.getByTestId('report-error').waitFor();
    expect(await report.state()).toBe('draft');
    await page.getByTestId('report-sign-cancel').click();
    const said = await report.sign();
    expect(said).toContain(`${READER}, Radiologist`);
    expect(said).toMatch(/Meaning of this signature: \S/);
    expect(said).toContain('cannot be changed afterwards');
    await expect.poll(() => report.state()).toBe('signed');
    expect(await report.text('report-status')).toMatch(new RegExp(`^Signed by ${READER} \\(elind\\) at \\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2} UTC \\(v1\\)$`));
    expect(await report.text('report-signoff')).toMatch(new RegExp(`^Signed by ${READER} \\(elind\\) at `));
    await report.tab('text');
    expect(await page.getByTestId('report-findings-input').isDisabled()).toBe(true);
    expect(await page.getByTestId('report-impression-input').isDisabled()).toBe(true);
    expect(await page.getByTestId('report-save-text').count()).toBe(0);
    await report.tab('risk');
    expect(await page.getByTestId('risk-hdlMgDl').isDisabled()).toBe(true);
    expect(await page.getByTestId('report-sign').count()).toBe(0);
    await takeScreenshot(page, 'report-signed');
  });

  it('amends with a reason (v2 draft linked to v1), signs v2: v1 superseded and still viewable', async () => {
    // The reader moves the RCA lesion to the LCX, then amends.
    await page.getByTestId('toggle-report').click();
    await reading.chooseArtery('3');
    await reading.clickPoint(RCA_POINT);
    await expect.poll(() => page.getByTestId('agatston-LCX').textContent(), { timeout: 10_000 }).toBe('96.00');
    await report.open();
    await page.getByTestId('report-stale').waitFor();
    expect(await report.text('report-stale')).toContain('amend the report');

    await page.getByTestId('report-amend').click();
    expect(await page.getByTestId('report-amend-start').isDisabled()).toBe(true);
    await page.getByTestId('report-amend-cancel').click();
    await report.amend('the second lesion is in the LCX, not the RCA');
    await expect.poll(() => report.state()).toBe('draft');
    expect(await report.text('report-status')).toBe('Draft v2 (amends v1): not signed');
    expect(await report.text('report-amends')).toBe('Amends v1: the second lesion is in the LCX, not the RCA');
    expect(await page.getByTestId('report-stale').count()).toBe(0);
    expect(Number(await report.previewScore('agatston', 'LCX'))).toBeCloseTo(96, 1);
    expect(Number(await report.previewScore('agatston', 'RCA'))).toBe(0);
    // The reader's text and the risk factors carry over.
    expect(await report.text('report-impression')).toBe('Moderate coronary calcification (CAC-DRS A2/N2).');
    await takeScreenshot(page, 'report-amendment');

    await report.sign();
    await expect.poll(() => report.state()).toBe('signed');
    expect(await report.text('report-status')).toMatch(/^Amended, signed by .* \(v2\)$/);
    expect(await report.versions()).toEqual([
      ['v2', 'signed'],
      ['v1', 'superseded'],
    ]);
    await page.getByTestId('report-version-1').getByTestId('report-version-view').click();
    await page.getByTestId('report-viewing-other').waitFor();
    expect(await report.preview.getAttribute('data-status')).toBe('superseded');
    expect(Number(await report.previewScore('agatston', 'RCA'))).toBeCloseTo(96, 1);
    expect(await report.text('report-preview-status')).toContain('Superseded v1');
    await takeScreenshot(page, 'report-versions');
    await page.getByTestId('report-back-to-current').click();
    expect(await report.preview.getAttribute('data-version')).toBe('2');
  });

  it('downloads the PDF of the version shown and of v1 (PDF bytes, file names with patient and version)', async () => {
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('report-open-pdf').click()]);
    expect(download.suggestedFilename()).toMatch(/^CAC-report_.+_v2\.pdf$/);
    const file = await download.path();
    const bytes = readFileSync(file);
    expect(bytes.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    expect(bytes.length).toBeGreaterThan(10_000);
    await report.tab('versions');
    const [first] = await Promise.all([page.waitForEvent('download'), page.getByTestId('report-version-1').getByTestId('report-version-pdf').click()]);
    expect(first.suggestedFilename()).toMatch(/_v1-superseded\.pdf$/);
    expect(readFileSync(await first.path()).subarray(0, 5).toString('latin1')).toBe('%PDF-');
    expect(await report.text('report-notice')).toContain('PDF downloaded');
  });

  it('exports v2 to a folder: the written files are listed and on disk; a relative path is refused', async () => {
    await report.tab('delivery');
    await page.getByTestId('delivery-folder').fill('usb-stick');
    await page.getByTestId('delivery-export').click();
    await page.getByTestId('delivery-error').waitFor();
    expect(await report.text('delivery-error')).toContain('give the full path of the folder');
    const folder = join(temp.dir, 'usb');
    await page.getByTestId('delivery-folder').fill(folder);
    await page.getByTestId('delivery-export').click();
    await page.getByTestId('delivery-exported').waitFor();
    const listed = await page.getByTestId('delivery-exported').locator('code').allTextContents();
    // PDF, SR, Encapsulated PDF and the key images as Secondary Capture.
    expect(listed.length).toBeGreaterThanOrEqual(6);
    expect(listed.filter((file) => /key-image-\d\d\.dcm$/.test(file))).toHaveLength(listed.length - 3);
    for (const file of listed) {
      expect(file.startsWith(folder)).toBe(true);
      expect(existsSync(file)).toBe(true);
    }
    expect(listed.some((file) => file.endsWith('.pdf'))).toBe(true);
  });

  it.skipIf(!withOrthanc)('sends v2 to a real Orthanc (delivered: "sent") and to a PACS that is down (error, next attempt, retry)', async () => {
    await report.tab('delivery');
    await page.getByTestId('delivery-pacs').selectOption('Hospital PACS');
    await page.getByTestId('delivery-send').click();
    const queuedText = await report.text('delivery-message');
    const objects = Number(/(\d+) objects of v2 queued for Hospital PACS/.exec(queuedText)?.[1]);
    // The SR, the Encapsulated PDF and at least three key images.
    expect(objects).toBeGreaterThanOrEqual(5);
    const toOrthanc = report.deliveryRows().filter({ hasText: 'Hospital PACS' });
    await expect.poll(() => toOrthanc.count(), { timeout: 10_000 }).toBe(objects);
    // Live through outbound.changed: no reload.
    await expect
      .poll(async () => (await toOrthanc.evaluateAll((rows) => rows.map((row) => row.getAttribute('data-status')))).every((status) => status === 'sent'), { timeout: 30_000 })
      .toBe(true);
    const stored = await orthanc!.getJson<string[]>('/instances');
    expect(stored).toHaveLength(objects);

    // Send to the same PACS: nothing new; "Send again" (a PACS that lost the study) sends them once more.
    const sentAt = () => workstation.services.outbound.list({ destination: 'Hospital PACS' }).map((item) => item.sentAt ?? '');
    const firstSentAt = sentAt();
    await page.getByTestId('delivery-send').click();
    await expect.poll(() => report.text('delivery-message')).toContain(`All ${objects} objects of v2 are already sent or on their way to Hospital PACS`);
    await takeScreenshot(page, 'report-send-again');
    await page.getByTestId('delivery-send-again').click();
    await expect.poll(() => report.text('delivery-message')).toBe(`${objects} objects of v2 queued again for Hospital PACS`);
    await expect.poll(() => sentAt().every((at, index) => at > firstSentAt[index]), { timeout: 30_000 }).toBe(true);
    await expect
      .poll(async () => (await toOrthanc.evaluateAll((rows) => rows.map((row) => row.getAttribute('data-status')))).every((status) => status === 'sent'), { timeout: 30_000 })
      .toBe(true);
    expect(await toOrthanc.count()).toBe(objects);
    expect(await orthanc!.getJson<string[]>('/instances')).toHaveLength(objects);

    await page.getByTestId('delivery-pacs').selectOption('PACS down');
    await page.getByTestId('delivery-send').click();
    const toNowhere = report.deliveryRows().filter({ hasText: 'PACS down' });
    await expect.poll(() => toNowhere.count(), { timeout: 10_000 }).toBe(objects);
    // The first attempt fails (connection refused): the error and the next attempt are shown.
    // A queued row shows its next attempt before it was ever tried, so wait for a failed attempt:
    // back to queued, with an attempt counted and its error. One snapshot of the row: it changes
    // live (queued -> sending -> queued) between separate reads.
    const row = toNowhere.first();
    const snapshot = () =>
      row.evaluate((element) => ({
        status: element.getAttribute('data-status'),
        attempts: Number(element.querySelector('[data-testid="delivery-attempts"]')?.textContent),
        detail: element.querySelector('.report-delivery-detail')?.textContent ?? '',
      }));
    let failed = await snapshot();
    await expect
      .poll(
        async () => {
          failed = await snapshot();
          return failed.status === 'queued' && failed.attempts >= 1;
        },
        { timeout: 30_000 },
      )
      .toBe(true);
    expect(failed.detail).toMatch(/next attempt/);
    expect(failed.detail.replace(/next attempt.*$/, '')).not.toBe('');
    await row.getByTestId('delivery-retry').click();
    await expect.poll(async () => (await snapshot()).attempts, { timeout: 30_000 }).toBeGreaterThan(failed.attempts);
    await takeScreenshot(page, 'report-deliveries');
    expect(workstation.pageErrors.filter((message) => !expectedRefusal(message))).toEqual([]);
  }, 120_000);

  it('unsaved edits are kept aside when the draft is signed elsewhere meanwhile', async () => {
    await report.amend('typo in the impression');
    await expect.poll(() => report.state()).toBe('draft');
    await report.setImpression('Moderate coronary calcification: not yet saved.');
    await page.getByTestId('text-unsaved').waitFor();
    // Another window signs v3 through the API (same origin, the host's cookie).
    const signedElsewhere = await page.evaluate(async ([seriesInstanceUid, password]) => {
      // The page's account session (renderer/api/cacClient.ts keeps it in sessionStorage).
      const session = sessionStorage.getItem('cac.session') ?? '';
      const post = async (channel: string, body: unknown) =>
        (await (await fetch(`/api/${channel}`, { method: 'POST', headers: { 'Content-Type': 'application/json', 'X-CAC-Session': session }, body: JSON.stringify(body) })).json()) as {
          ok: boolean;
          value: { report: { reportId: number; current: { version: number }; currentSha256: string } };
        };
      const { value } = await post('report.get', { seriesInstanceUid });
      return (await post('report.sign', { reportId: value.report.reportId, version: value.report.current.version, contentSha256: value.report.currentSha256, password })).ok;
    }, [/#\/reading\/[0-9.]+\/([0-9.]+)$/.exec(page.url())![1], TEST_PASSWORD] as const);
    expect(signedElsewhere).toBe(true);
    await page.getByTestId('report-unsaved-left').waitFor({ timeout: 10_000 });
    expect(await page.getByTestId('report-unsaved-left-text').inputValue()).toContain('Moderate coronary calcification: not yet saved.');
    expect(await report.state()).toBe('signed');
    expect(await page.getByTestId('report-impression-input').isDisabled()).toBe(true);
    expect(await report.versions()).toEqual([
      ['v3', 'signed'],
      ['v2', 'superseded'],
      ['v1', 'superseded'],
    ]);
  });

  it('no page errors beyond the deliberate refusals', () => {
    expect(workstation.pageErrors.filter((message) => !expectedRefusal(message))).toEqual([]);
  });
});
