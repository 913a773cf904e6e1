/**
 * End to end in Chromium (browser mode, real archive, services and DICOM receiver on a temp data
 * directory, signed in as an account holding every role): the Settings view (#/settings), reached
 * through the header link. The idle-lock minutes survive a reload (blank or 0 refused); a threshold of 50 HU is refused next to its field with the form kept;
 * a reference level row added in the table (and the cardiac k chosen) is what the next dose record
 * of the demo study is checked and converted with, while the earlier record keeps its k; the site
 * name and a send-to PACS (configured through the API first) are stored; the receiver enabled on a
 * free port shows "listening" and accepts a real C-ECHO (dcmtk echoscu). One screenshot per section.
 */
import { execFile } from 'node:child_process';
import { createServer } from 'node:net';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import type { DoseView } from '../../main/dose/doseLogContract.js';
import type { DoseLogResponse } from '../../main/dose/doseLogContract.js';
import type { SettingsResponse } from '../../main/api/contract.js';
import { haveTool } from '../support/sharedData.js';
import { SettingsPage, type SettingsSectionId } from './pages/settingsPage.js';
import { startWorkstation, takeScreenshot, type Workstation } from './support/workstation.js';

type Result<T> = { ok: true; value: T } | { ok: false; error: { code: string; message: string; details?: string[] } };

/** One API call from inside the page (same origin, the host's cookie): set-up and checking what was stored. */
async function api<T>(page: Page, channel: string, request: unknown): Promise<Result<T>> {
  return (await page.evaluate(
    async ([name, body]) => {
      // The page's account session (renderer/api/cacClient.ts keeps it in sessionStorage).
      const session = sessionStorage.getItem('cac.session');
      const response = await fetch(`/api/${name}`, { method: 'POST', headers: { 'Content-Type': 'application/json', ...(session ? { 'X-CAC-Session': session } : {}) }, body: JSON.stringify(body) });
      return response.json();
    },
    [channel, request] as const,
  )) as Result<T>;
}

async function value<T>(page: Page, channel: string, request: unknown): Promise<T> {
  const result = await api<T>(page, channel, request);
  if (!result.ok) throw new Error(`${channel}: ${result.error.message}`);
  return result.value;
}

/** A TCP port nobody listens on right now (the OS picks it). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (!address || typeof address === 'string') throw new Error('no port');
  return address.port;
}

/** Console noise the deliberate refusals cause (the browser logs every 4xx answer): not a page error. */
const expectedRefusal = (message: string) => /Failed to load resource: the server responded with a status of 400/.test(message);

describe('the Settings view (browser mode)', () => {
  let workstation: Workstation;
  let page: Page;
  let settings: SettingsPage;
  const shot = async (id: SettingsSectionId, name: string) => {
    const variety = await settings.screenshot(id, name);
    expect(variety.distinctColours, `${name}.png has too few colours`).toBeGreaterThan(20);
    expect(variety.dominantShare, `${name}.png is mostly one colour`).toBeLessThan(0.97);
  };

  beforeAll(async () => {
    workstation = await startWorkstation({ demoStudy: 'synthetic', receiverHost: '127.0.0.1' });
    page = workstation.page;
    settings = new SettingsPage(page);
    await page.goto(workstation.host.url);
    await page.getByTestId('worklist').waitFor();
    await settings.open();
  }, 120_000);

  afterAll(async () => {
    await workstation?.close();
  });

  it('is reached through the header link and shows every section', async () => {
    expect(page.url()).toMatch(/#\/settings$/);
    expect(await page.getByTestId('nav-settings').getAttribute('aria-selected')).toBe('true');
    for (const id of ['session', 'scoring', 'dose', 'report', 'receiver', 'display'] as const) await settings.section(id).waitFor();
    // An administrator also sees the backup section.
    await page.getByTestId('backup-section').waitFor();
    expect(await settings.value('settings-threshold')).toBe('130');
    expect(await settings.value('settings-min-area')).toBe('1');
    expect(await settings.value('settings-mass-factor')).toBe('');
    await takeScreenshot(page, 'settings-view');
  });

  it('changes the idle-lock minutes: a blank or 0 is refused beside the field, 15 is stored and kept after a reload; the app bar shows the account', async () => {
    expect(await settings.value('settings-idle-lock-minutes')).toBe('10');
    expect(await page.getByTestId('session-user-name').textContent()).toBe('Dr Test Reader');
    await settings.fill('settings-idle-lock-minutes', '0');
    await settings.unsaved('session').waitFor();
    expect(await settings.save('session')).toBe('refused');
    await settings.fieldError('settings-idle-lock-minutes').waitFor();
    expect(await settings.value('settings-idle-lock-minutes')).toBe('0');
    await settings.fill('settings-idle-lock-minutes', '');
    expect(await settings.save('session')).toBe('refused');
    expect(await settings.fieldError('settings-idle-lock-minutes').textContent()).toMatch(/whole number of minutes/);
    await shot('session', 'settings-session-unsaved');

    await settings.fill('settings-idle-lock-minutes', '15');
    expect(await settings.save('session')).toBe('saved');
    expect(await settings.unsaved('session').count()).toBe(0);
    // Saved with the session section only: the stored settings say so, the session follows, and a reload shows them.
    expect((await value<SettingsResponse>(page, 'settings.get', {})).settings.session).toEqual({ idleLockMinutes: 15 });
    await expect.poll(async () => (await value<{ session: { idleLockMinutes: number } }>(page, 'auth.status', {})).session.idleLockMinutes).toBe(15);
    await settings.reload();
    expect(await settings.value('settings-idle-lock-minutes')).toBe('15');
    await shot('session', 'settings-session');
  });

  it('refuses a threshold of 50 HU next to the field, keeps everything typed, then saves 130', async () => {
    await settings.fill('settings-threshold', '50');
    await settings.fill('settings-min-area', '1.5');
    await settings.fill('settings-mass-factor', '0,79');
    await settings.field('settings-kv-adjusted').check();
    expect(await settings.save('scoring')).toBe('refused');
    expect(await settings.fieldError('settings-threshold').textContent()).toBe('must be at least 100 HU');
    expect(await settings.sectionError('scoring').textContent()).toContain('Not saved');
    // Nothing typed is lost, and nothing was stored.
    expect(await settings.value('settings-threshold')).toBe('50');
    expect(await settings.value('settings-min-area')).toBe('1.5');
    expect(await settings.value('settings-mass-factor')).toBe('0,79');
    expect(await settings.field('settings-kv-adjusted').isChecked()).toBe(true);
    await settings.unsaved('scoring').waitFor();
    expect(await page.getByTestId('settings-unsaved-summary').textContent()).toBe('unsaved changes in Scoring');
    await takeScreenshot(page, 'settings-view-unsaved');
    expect((await value<SettingsResponse>(page, 'settings.get', {})).settings.scoring).toEqual({ thresholdHu: 130, kvAdjusted: false, minAreaMm2: 1, massFactor: null });
    await shot('scoring', 'settings-scoring-refused');

    await settings.fill('settings-threshold', '130');
    expect(await settings.save('scoring')).toBe('saved');
    expect(await settings.fieldError('settings-threshold').count()).toBe(0);
    expect((await value<SettingsResponse>(page, 'settings.get', {})).settings.scoring).toEqual({ thresholdHu: 130, kvAdjusted: true, minAreaMm2: 1.5, massFactor: 0.79 });
    expect(await page.getByTestId('settings-unsaved-summary').count()).toBe(0);
    await shot('scoring', 'settings-scoring');
  });

  it('adds a reference level row and picks the cardiac k: the next dose record of a study uses both, the earlier one keeps its k', async () => {
    const { studies } = await value<{ studies: { studyInstanceUid: string }[] }>(page, 'studies.list', {});
    const studyUid = studies[0].studyInstanceUid;
    const before = await value<DoseView>(page, 'dose.recordManual', { studyInstanceUid: studyUid, events: [{ ctdivolMgy: 3, dlpMgyCm: 50, protocol: '4DCT thorax' }] });
    expect(before.current?.effectiveDose?.kFactor).toBe(0.014);
    expect(before.current?.reference.level).toBeNull();

    expect(await settings.levelRows.count()).toBe(1);
    const row = await settings.addReferenceLevel({ name: '4D CT thorax', match: '4dct|4d ct', ctdivolMgy: '2,5', dlpMgyCm: '' });
    await settings.field('settings-k-factor-cardiac').check();
    await settings.unsaved('dose').waitFor();
    // A missing DLP is named next to its cell before asking the API; the row stays.
    expect(await settings.save('dose')).toBe('refused');
    expect(await settings.fieldError(`settings-level-dlpMgyCm-${row}`).textContent()).toBe('enter a value');
    await settings.fill(`settings-level-dlpMgyCm-${row}`, '6000');
    expect(await settings.save('dose')).toBe('refused');
    expect(await settings.fieldError(`settings-level-dlpMgyCm-${row}`).textContent()).toBe('the DLP level must be at most 5000 mGy·cm');
    expect(await settings.value(`settings-level-name-${row}`)).toBe('4D CT thorax');
    await shot('dose', 'settings-dose-refused');
    await settings.fill(`settings-level-dlpMgyCm-${row}`, '40');
    expect(await settings.save('dose')).toBe('saved');

    const log = await value<DoseLogResponse>(page, 'dose.log', {});
    expect(log.referenceLevels).toContainEqual({ name: '4D CT thorax', match: '4dct|4d ct', ctdivolMgy: 2.5, dlpMgyCm: 40 });
    const after = await value<DoseView>(page, 'dose.recordManual', { studyInstanceUid: studyUid, events: [{ ctdivolMgy: 3, dlpMgyCm: 50, protocol: '4DCT thorax' }] });
    expect(after.current?.reference).toMatchObject({ level: { name: '4D CT thorax' }, ctdivolAbove: true, dlpAbove: true, above: true });
    expect(after.current?.effectiveDose).toMatchObject({ kFactor: 0.026, kFactorChoice: 'cardiac' });
    expect(after.current!.effectiveDose!.effectiveDoseMsv).toBeCloseTo(50 * 0.026, 10);
    const earlier = after.history.find((record) => record.id === before.current!.id);
    expect(earlier?.effectiveDose?.kFactor).toBe(0.014);

    // Removing the row (and saving) takes it out of the checks again.
    await settings.page.getByTestId(`settings-level-remove-${row}`).click();
    expect(await settings.levelRows.count()).toBe(1);
    await settings.page.getByTestId('settings-dose-revert').click();
    expect(await settings.levelRows.count()).toBe(2);
    await shot('dose', 'settings-dose');
  });

  it('stores the site name and a PACS (configured through the API) that receives every signed report', async () => {
    await settings.fill('settings-site-name', 'Hospital Santa Lucía — Cardiac CT');
    await settings.fill('settings-site-address', 'Calle Mayor 1, 28013 Madrid');
    await settings.fill('settings-wording-A3', 'Refer to the preventive cardiology clinic.');
    expect(await page.getByTestId('settings-no-pacs').count()).toBe(1);
    expect(await settings.field('settings-wording-A0').getAttribute('placeholder')).toBe('No coronary artery calcium: very low risk.');

    await value<SettingsResponse>(page, 'settings.update', {
      patch: { pacsNodes: [{ name: 'Hospital PACS', aeTitle: 'ORTHANC', host: '127.0.0.1', port: 4242, callingAeTitle: 'CACWS' }] },
    });
    // Reading the stored settings again keeps what is typed in the report section.
    await page.getByTestId('settings-reload').click();
    await settings.field('settings-send-to-Hospital PACS').waitFor();
    expect(await settings.value('settings-site-name')).toBe('Hospital Santa Lucía — Cardiac CT');
    await settings.field('settings-send-to-Hospital PACS').check();
    expect(await settings.save('report')).toBe('saved');

    const { settings: stored } = await value<SettingsResponse>(page, 'settings.get', {});
    expect(stored.report).toEqual({
      siteName: 'Hospital Santa Lucía — Cardiac CT',
      siteAddress: 'Calle Mayor 1, 28013 Madrid',
      sendTo: ['Hospital PACS'],
      cacDrsWording: { A0: '', A1: '', A2: '', A3: 'Refer to the preventive cardiology clinic.' },
    });
    expect(await page.getByTestId('settings-pacs-link').getAttribute('href')).toBe('#/');
    await shot('report', 'settings-report');
  });

  it('enables the receiver on a free port: "listening", and it answers a C-ECHO', async () => {
    expect(await settings.receiverStatus().getAttribute('data-state')).toBe('off');
    const port = await freePort();
    await settings.field('settings-receiver-enabled').check();
    await settings.fill('settings-receiver-ae', 'CACWS_E2E');
    await settings.fill('settings-receiver-port', String(port));
    await settings.fill('settings-receiver-calling', 'ECHOSCU\nCT_SCANNER@10.0.0.5\nBAD\\TITLE');
    expect(await settings.save('receiver')).toBe('refused');
    expect(await settings.fieldError('settings-receiver-calling').textContent()).toMatch(/^BAD\\TITLE: .*without a backslash/);
    expect(await settings.receiverStatus().getAttribute('data-state')).toBe('off');

    await settings.fill('settings-receiver-calling', 'ECHOSCU\nCT_SCANNER@10.0.0.5');
    expect(await settings.save('receiver')).toBe('saved');
    await expect.poll(() => settings.receiverStatus().getAttribute('data-state'), { timeout: 10_000 }).toBe('listening');
    expect(await settings.receiverStatus().textContent()).toContain(`listening as CACWS_E2E on port ${port}`);
    // The header follows.
    await expect.poll(() => page.getByTestId('receiver-status').textContent(), { timeout: 10_000 }).toContain(`CACWS_E2E:${port}`);
    if (haveTool('echoscu')) {
      const { stderr } = await promisify(execFile)('echoscu', ['-aet', 'ECHOSCU', '-aec', 'CACWS_E2E', '127.0.0.1', String(port)]);
      expect(stderr).not.toMatch(/E:/);
    }
    await shot('receiver', 'settings-receiver');
  }, 60_000);

  it('saves the display options, and the page logged no errors', async () => {
    await settings.field('settings-overlay-opacity').fill('0.7');
    expect(await page.getByTestId('settings-overlay-opacity-value').textContent()).toBe('70 %');
    await settings.field('settings-lm-with-lad').check();
    expect(await settings.save('display')).toBe('saved');
    expect((await value<SettingsResponse>(page, 'settings.get', {})).settings.display).toEqual({ overlayOpacity: 0.7, reportLmWithLad: true });
    await shot('display', 'settings-display');
    expect(workstation.pageErrors.filter((message) => !expectedRefusal(message))).toEqual([]);
  });
});
