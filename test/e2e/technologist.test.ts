/**
 * End to end in Chromium (browser mode, real archive and services on a temp data directory): the
 * technologist's workspace. Procedure notes with claustrophobia and an incomplete scan (versions,
 * history, a refused value, a stale-version conflict), the alert in the worklist and the reading
 * view; a manual dose refused for a bad value (nothing saved) then recorded above the reference
 * level, the reason recorded; the dose log with the shared vendor RDSRs imported: the flagged row,
 * both charts drawn (canvas pixels read in the page), a patient's history and the CSV export.
 * Screenshots of the notes form, the dose panel and the dose log go to .tmp/screenshots.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { ctRdsrDir, haveSharedData } from '../support/sharedData.js';
import { DoseLogPage, DosePanelPage } from './pages/doseLogPage.js';
import { NotesPage } from './pages/notesPage.js';
import { ReadingPage } from './pages/readingPage.js';
import { WorklistPage } from './pages/worklistPage.js';
import { startWorkstation, takeScreenshot, type Workstation } from './support/workstation.js';

/** How the records name the signed-in technologist (actorLabel: printed name and user name). */
const TECHNOLOGIST = 'Tech Anna Berg (aberg)';
const CLAUSTROPHOBIA = 'Claustrophobia/anxiety: scan not completed';

/** One API call from inside the page (same origin, the host's cookie): for set-up and for checking what was stored. */
async function api<T>(page: Page, channel: string, request: unknown): Promise<{ ok: true; value: T } | { ok: false; error: { code: string; message: string } }> {
  type Result = { ok: true; value: T } | { ok: false; error: { code: string; message: string } };
  return (await page.evaluate(
    async ([name, body]) => {
      // The page's account session (renderer/api/cacClient.ts keeps it in sessionStorage).
      const session = sessionStorage.getItem('cac.session');
      const response = await fetch(`/api/${name}`, { method: 'POST', headers: { 'Content-Type': 'application/json', ...(session ? { 'X-CAC-Session': session } : {}) }, body: JSON.stringify(body) });
      return response.json();
    },
    [channel, request] as const,
  )) as Result;
}

/** Console noise the deliberate refusals cause (the browser logs every 4xx answer): not a page error. */
const expectedRefusal = (message: string) => /Failed to load resource: the server responded with a status of (400|409)/.test(message);

describe('the technologist: procedure notes, dose and the dose log (browser mode)', () => {
  const withRdsr = haveSharedData(ctRdsrDir);
  let workstation: Workstation;
  let page: Page;
  let worklist: WorklistPage;
  let notes: NotesPage;
  let dose: DosePanelPage;
  let doseLog: DoseLogPage;
  let demoUid: string;

  beforeAll(async () => {
    workstation = await startWorkstation({ demoStudy: 'synthetic', signIn: { username: 'aberg', displayName: 'Tech Anna Berg', roles: ['technologist'] } });
    page = workstation.page;
    worklist = new WorklistPage(page);
    notes = new NotesPage(page);
    dose = new DosePanelPage(page);
    doseLog = new DoseLogPage(page);
  }, 120_000);

  afterAll(async () => {
    await workstation?.close();
  });

  it('imports the shared vendor RDSRs beside the demo study', async () => {
    await worklist.goto(workstation.host.url);
    await expect.poll(() => worklist.rows.count(), { timeout: 20_000 }).toBe(1);
    demoUid = (await worklist.rows.first().getAttribute('data-study-uid'))!;
    expect(demoUid).toMatch(/^[0-9.]+$/);
    if (!withRdsr) return;
    await page.getByTestId('import-path').fill(ctRdsrDir);
    await page.getByTestId('import-start').click();
    await expect.poll(() => page.getByTestId('import-status').textContent(), { timeout: 60_000 }).toMatch(/Import done: 12 stored/);
    // 12 files, 10 studies: the three Siemens-Multi files are one growing study.
    await expect.poll(() => worklist.rows.count(), { timeout: 10_000 }).toBe(11);
  }, 120_000);

  it('fills the checklist (claustrophobia, scan not completed), saves version 1, is refused a bad heart rate without losing the form, saves version 2', async () => {
    await notes.openFromWorklist(demoUid);
    expect(await notes.current()).toContain('no notes recorded yet');

    await notes.answer('identityChecked', 'yes');
    await notes.answer('insuranceChecked', 'yes');
    await notes.fill('medications', 'metoprolol 50 mg daily, aspirin 100 mg');
    await notes.answer('electrodesPlaced', 'yes');
    await notes.choose('gatingQuality', 'good');
    await notes.fill('heartRate', '64');
    await notes.answer('caffeineToday', 'no');
    await notes.answer('fastHeartRate', 'no');
    await notes.answer('breathHoldInstructed', 'yes');
    await notes.choose('breathHoldCompliance', 'good');
    await notes.answer('metalRemoved', 'yes');
    await notes.answer('pregnancyAsked', 'yes');
    await notes.choose('pregnancyAnswer', 'not-pregnant');
    await notes.answer('contrastGiven', 'no');
    await notes.answer('anxietyPresent', 'yes');
    await notes.fill('whatHelped', 'talking through the intercom');
    await notes.answer('scanCompleted', 'no');
    await notes.fill('timeInRoom', '25');
    await notes.fill('freeText', 'Patient asked to stop after the first rotation.');
    await notes.save();
    await expect.poll(() => notes.current(), { timeout: 10_000 }).toContain(`version 1 · ${TECHNOLOGIST}`);
    expect(await page.getByTestId('notes-saved').textContent()).toContain(`version 1 by ${TECHNOLOGIST}`);
    await takeScreenshot(page, 'technologist-notes');

    // A heart rate of 300 bpm is refused next to its field; everything typed stays.
    await notes.fill('heartRate', '300');
    await notes.fill('freeText', 'Second attempt with the door open: stopped again.');
    await notes.save();
    await notes.fieldError('heartRate').waitFor();
    expect(await notes.fieldError('heartRate').textContent()).toMatch(/250 bpm/);
    expect(await notes.value('heartRate')).toBe('300');
    expect(await notes.value('freeText')).toBe('Second attempt with the door open: stopped again.');
    expect(await notes.value('whatHelped')).toBe('talking through the intercom');
    expect(await notes.current()).toContain('version 1');

    await notes.fill('heartRate', '66');
    await notes.save();
    await expect.poll(() => notes.current(), { timeout: 10_000 }).toContain(`version 2 · ${TECHNOLOGIST}`);
    expect(await notes.versions.count()).toBe(2);
    const first = await notes.viewVersion(1);
    expect(first).toContain('64 bpm');
    expect(first).toContain('Patient asked to stop after the first rotation.');
    const second = await notes.viewVersion(2);
    expect(second).toContain('66 bpm');
    expect(second).toContain('Second attempt with the door open');
    expect(await page.getByTestId('procedure-view').getByTestId('procedure-alerts').first().textContent()).toContain(CLAUSTROPHOBIA);
  }, 60_000);

  it('a stale version gets the conflict message: reload the newest, or keep the typed change and save on top', async () => {
    // Another workstation saves version 3 while this form still stands on version 2.
    const current = await api<{ current: { checklist: unknown } }>(page, 'notes.get', { studyInstanceUid: demoUid });
    expect(current.ok).toBe(true);
    if (!current.ok) return;
    const other = await api(page, 'notes.save', { studyInstanceUid: demoUid, baseVersion: 2, checklist: { ...(current.value.current.checklist as object), freeText: 'saved elsewhere' } });
    expect(other.ok).toBe(true);
    await notes.fill('timeInRoom', '30');
    await notes.save();
    const conflict = page.getByTestId('notes-conflict');
    await conflict.waitFor();
    expect(await notes.value('timeInRoom')).toBe('30');
    await expect.poll(() => conflict.textContent()).toMatch(/version 3/);
    await takeScreenshot(page, 'technologist-notes-conflict');
    await conflict.getByTestId('notes-conflict-reload').click();
    await expect.poll(() => notes.current()).toContain('version 3');
    expect(await notes.value('freeText')).toBe('saved elsewhere');
    expect(await notes.versions.count()).toBe(3);

    // Again, and this time the technologist keeps the typed change and saves it on top (version 5).
    const third = await api<{ current: { checklist: object } }>(page, 'notes.get', { studyInstanceUid: demoUid });
    expect(third.ok && (await api(page, 'notes.save', { studyInstanceUid: demoUid, baseVersion: 3, checklist: { ...third.value.current.checklist, medications: 'changed elsewhere' } })).ok).toBe(true);
    await notes.fill('timeInRoom', '35');
    await notes.save();
    await conflict.waitFor();
    await conflict.getByTestId('notes-conflict-keep').and(page.locator(':enabled')).click();
    await notes.save();
    await expect.poll(() => notes.current(), { timeout: 10_000 }).toContain('version 5');
    expect(await notes.value('timeInRoom')).toBe('35');
    expect(await notes.versions.count()).toBe(5);
    expect(await notes.viewVersion(4)).toContain('changed elsewhere');
  }, 60_000);

  it('the worklist and the reading view show the claustrophobia alert', async () => {
    await page.getByTestId('procedure-back').click();
    await worklist.root.waitFor();
    const row = page.locator(`[data-testid="study-row"][data-study-uid="${demoUid}"]`);
    await expect.poll(() => row.getByTestId('study-flags').textContent(), { timeout: 10_000 }).toContain(CLAUSTROPHOBIA);
    await row.getByTestId('open-study').click();
    const reading = new ReadingPage(page);
    await reading.waitOpen();
    await page.getByTestId('procedure-banner').waitFor({ timeout: 10_000 });
    expect(await page.getByTestId('procedure-banner').textContent()).toContain(CLAUSTROPHOBIA);
    await takeScreenshot(page, 'technologist-reading-banner');
    await page.getByTestId('back-to-worklist').click();
    await worklist.root.waitFor();
  }, 90_000);

  it('a manual dose with a bad value is refused naming the field and unit, nothing saved; a valid one above the reference is flagged and its reason recorded', async () => {
    const before = await api<{ history: unknown[] }>(page, 'dose.get', { studyInstanceUid: demoUid });
    expect(before.ok).toBe(true);
    const recordsBefore = before.ok ? before.value.history.length : -1;

    await notes.openFromWorklist(demoUid);
    await dose.openManualForm();
    await dose.fillEvent({ ctdivolMgy: '-4', dlpMgyCm: '250', kvp: '120', tubeCurrentMa: '80', exposureTimeS: '0.35', scanLengthMm: '120', acquisitionType: 'Sequenced Acquisition', protocol: 'Calcium score' });
    await dose.record();
    await dose.fieldError('ctdivolMgy').waitFor();
    const refusal = (await dose.fieldError('ctdivolMgy').textContent()) ?? '';
    expect(refusal).toContain('CTDIvol');
    expect(refusal).toContain('mGy');
    expect(await page.getByTestId('manual-dose-error').textContent()).toContain('nothing was saved');
    expect(await dose.form.getByTestId('manual-dlpMgyCm-0').inputValue()).toBe('250');
    await takeScreenshot(page, 'technologist-dose-refused');
    const after = await api<{ history: unknown[] }>(page, 'dose.get', { studyInstanceUid: demoUid });
    expect(after.ok && after.value.history.length).toBe(recordsBefore);

    // 14.2 mGy and 260 mGy·cm: above the example calcium-score level (10 mGy, 200 mGy·cm).
    await dose.fillEvent({ ctdivolMgy: '14.2', dlpMgyCm: '260' });
    await dose.record();
    await dose.root.getByTestId('dose-reference-flag').waitFor({ timeout: 10_000 });
    expect(await dose.root.getByTestId('dose-reference-flag').textContent()).toMatch(/CTDIvol 14\.20 > 10 mGy.*DLP 260\.0 > 200 mGy·cm/);
    expect(await dose.root.getByTestId('dose-source').getAttribute('data-source')).toBe('manual');
    expect(await dose.root.getByTestId('dose-dlp-total').textContent()).toBe('260.0 mGy·cm');
    // Effective dose with k and its source, as stored with the record.
    expect(await dose.root.getByTestId('dose-effective').textContent()).toMatch(/mSv.*k 0\.0\d+/);
    expect(await dose.root.getByTestId('dose-event-row').count()).toBe(1);

    await dose.recordReason('Large patient (BMI 41): tube current raised');
    const reason = (await dose.root.getByTestId('dose-reason').textContent()) ?? '';
    expect(reason).toContain('Large patient (BMI 41)');
    expect(reason).toContain(TECHNOLOGIST);
    await dose.root.scrollIntoViewIfNeeded();
    await takeScreenshot(page, 'technologist-dose-panel');

    await page.getByTestId('procedure-back').click();
    const row = page.locator(`[data-testid="study-row"][data-study-uid="${demoUid}"]`);
    await expect.poll(() => row.getByTestId('dose-above-reference').count(), { timeout: 10_000 }).toBe(1);
    await takeScreenshot(page, 'technologist-worklist');
  }, 60_000);

  it('the dose log: the flagged row, both charts drawn, a patient history, the CSV export, the filters', async () => {
    await doseLog.open();
    await expect.poll(() => doseLog.rows.count(), { timeout: 10_000 }).toBeGreaterThanOrEqual(withRdsr ? 11 : 1);
    const flagged = doseLog.row(demoUid);
    expect(await flagged.getAttribute('data-above-reference')).toBe('true');
    expect(await flagged.getByTestId('dose-log-flag').textContent()).toContain('Large patient (BMI 41)');

    for (const chart of ['dose-chart-time', 'dose-chart-protocols'] as const) {
      const ink = await doseLog.chartInk(chart);
      expect(ink.width, `${chart} has a size`).toBeGreaterThan(300);
      expect(ink.inkPixels, `${chart} drew something`).toBeGreaterThan(ink.width * ink.height * 0.01);
      expect(ink.colours, `${chart} has axes, points and lines in several colours`).toBeGreaterThan(10);
    }
    // The above-reference study is a red triangle; the reference line is amber.
    expect(await doseLog.chartPixelsOf('dose-chart-time', [255, 92, 92])).toBeGreaterThan(20);
    expect(await doseLog.chartPixelsOf('dose-chart-time', [255, 176, 32])).toBeGreaterThan(100);
    await takeScreenshot(page, 'technologist-dose-log');

    await doseLog.chooseQuantity('ctdivol');
    await page.getByTestId('dose-log-scale').check();
    expect((await doseLog.chartInk('dose-chart-time')).inkPixels).toBeGreaterThan(1000);
    expect((await doseLog.chartInk('dose-chart-protocols')).inkPixels).toBeGreaterThan(1000);
    await takeScreenshot(page, 'technologist-dose-log-ctdivol-log');

    const history = await doseLog.openPatient(demoUid);
    expect(await history.getByTestId('patient-history-row').count()).toBeGreaterThanOrEqual(1);
    expect(await history.getByTestId('patient-total-dlp').textContent()).toBe('260.0');

    const { fileName, text } = await doseLog.exportCsv();
    expect(fileName).toMatch(/\.csv$/);
    const lines = text.trim().split(/\r?\n/);
    expect(lines.length).toBe((await doseLog.rows.count()) + 1);
    expect(text).toContain(demoUid);
    expect(text).toContain('260');
    await page.getByTestId('dose-exported').waitFor();

    // Filtering by protocol narrows the table to the calcium-score study.
    await doseLog.filterProtocol('calcium');
    await expect.poll(() => doseLog.rows.count(), { timeout: 5_000 }).toBeLessThan(withRdsr ? 11 : 2);
    expect(await doseLog.row(demoUid).count()).toBe(1);
    await doseLog.filterProtocol('');
    if (withRdsr) {
      // Date range: the two RDSR studies of 2018-01-05 (Siemens-Multi and Toshiba MultiValSD).
      await page.getByTestId('dose-filter-from').fill('2018-01-01');
      await page.getByTestId('dose-filter-to').fill('2018-12-31');
      await expect.poll(() => doseLog.rows.count(), { timeout: 5_000 }).toBe(2);
      await page.getByTestId('dose-filter-from').fill('');
      await page.getByTestId('dose-filter-to').fill('');
      // Scanner: every row left is a Siemens.
      await page.getByTestId('dose-filter-scanner').fill('siemens');
      await expect.poll(() => doseLog.rows.count(), { timeout: 5_000 }).toBe(3);
      for (const text of await doseLog.rows.allTextContents()) expect(text.toLowerCase()).toContain('siemens');
      await page.getByTestId('dose-filter-scanner').fill('');
      await expect.poll(() => doseLog.rows.count(), { timeout: 5_000 }).toBe(11);
    }
  }, 90_000);

  it.skipIf(!withRdsr)('an RDSR study from the dose log: values from the RDSR, its events, the scanner Dose Check alerts', async () => {
    // CT-RDSR-Toshiba_DoseCheck.dcm: DLP alert level 100 mGy·cm, CTDIvol level 10 mGy, authorised by "Luuk" (OpenREM's test values).
    const toshiba = '1.3.6.1.4.1.5962.99.1.4226553877.745998417.1511760107541.3.0';
    await doseLog.row(toshiba).getByTestId('dose-log-open').click();
    await page.locator('[data-testid="dose-panel"][data-loaded="true"]').waitFor();
    expect(await dose.root.getByTestId('dose-source').getAttribute('data-source')).toBe('rdsr');
    const alerts = (await dose.root.getByTestId('dose-check-alerts').textContent()) ?? '';
    expect(alerts).toContain('Luuk');
    expect(alerts).toContain('100.0 mGy·cm');
    expect(alerts).toContain('10.0 mGy');
    expect(await dose.root.getByTestId('dose-event-row').count()).toBeGreaterThanOrEqual(1);
    await takeScreenshot(page, 'technologist-dose-panel-rdsr');

    // CT-RDSR-Siemens-Multi-1/2/3.dcm: one study, the RDSR re-sent as it grew: three events, not six.
    await page.getByTestId('nav-dose-log').click();
    await doseLog.row('1.3.6.1.4.1.5962.99.1.792239193.1702185591.1516915727449.3.0').getByTestId('dose-log-open').click();
    await page.locator('[data-testid="dose-panel"][data-loaded="true"]').waitFor();
    expect(await dose.root.getByTestId('dose-event-row').count()).toBe(3);
    expect(workstation.pageErrors.filter((message) => !expectedRefusal(message))).toEqual([]);
  }, 60_000);

  it('no page errors besides the deliberate refusals', () => {
    expect(workstation.pageErrors.filter((message) => !expectedRefusal(message))).toEqual([]);
  });
});
