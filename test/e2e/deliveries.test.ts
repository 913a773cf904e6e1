/**
 * End to end in Chromium (browser mode, real services on a temp data directory, the synthetic demo
 * phantom): the site-wide deliveries view (#/deliveries). The report (SR, PDF, key images) is
 * signed through the handler table (faster than the UI) with report.sendTo naming a real Orthanc
 * and a PACS on a closed port;
 * the queue's backoff is shortened and it gives up after 4 attempts. The view, opened before the
 * signing, fills in live: the header badge counts the deliveries not at the PACS, the Orthanc rows
 * turn "sent" (and Orthanc holds the objects), the closed-port rows show the error with attempts
 * climbing ("Retry now" makes the next one at once) and then "failed" (grouped first); filters; then
 * an Orthanc comes up on the closed port, "Retry all failed" and the rows turn "sent" live and
 * the badge goes away. Screenshots go to .tmp/screenshots.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { createApiHandlers } from '../../main/api/handlers.js';
import type { ReportSummary } from '../../main/api/contract.js';
import { call, type Handlers } from '../support/apiCalls.js';
import { freePort, startOrthanc, type RunningOrthanc } from '../support/orthanc.js';
import { haveTool } from '../support/sharedData.js';
import { DeliveriesPage, type DeliveryRowView } from './pages/deliveriesPage.js';
import { startWorkstation, takeScreenshot, type Workstation } from './support/workstation.js';
import { signedIn, TEST_PASSWORD } from '../support/accounts.js';

const withOrthanc = haveTool('Orthanc');
const HOSPITAL = 'Hospital PACS';
const DOWN = 'PACS down';
const MAX_ATTEMPTS = 4;

const byDestination = (rows: DeliveryRowView[], destination: string) => rows.filter((row) => row.destination === destination);

describe.skipIf(!withOrthanc)('the deliveries view: every report delivery to PACS, live (browser mode, real Orthanc)', () => {
  let workstation: Workstation;
  let page: Page;
  let deliveries: DeliveriesPage;
  let handlers: Handlers;
  let hospital: RunningOrthanc;
  let cameUp: RunningOrthanc | undefined;
  let downPort: number;
  let report: ReportSummary;
  let patientName: string;
  /** Objects per destination: the SR, the PDF and the key images. */
  let perPacs: number;

  beforeAll(async () => {
    hospital = await startOrthanc();
    downPort = await freePort();
    workstation = await startWorkstation({
      demoStudy: 'synthetic',
      // Attempts 2 s, 4 s, then 8 s apart; an unreachable PACS is given up after 4 (a person retries).
      outbound: { backoff: { firstDelayMs: 2000, factor: 2, maxDelayMs: 8000 }, maxAttempts: MAX_ATTEMPTS },
      signIn: { username: 'elind', displayName: 'Dr Eva Lind', roles: ['radiologist'] },
    });
    const changed = workstation.services.settings.update({
      pacsNodes: [
        { name: HOSPITAL, aeTitle: hospital.aeTitle, host: '127.0.0.1', port: hospital.dicomPort, callingAeTitle: 'CACWS' },
        { name: DOWN, aeTitle: 'PACSB', host: '127.0.0.1', port: downPort, callingAeTitle: 'CACWS' },
      ],
      report: { siteName: 'St Elsewhere Heart Centre', sendTo: [HOSPITAL, DOWN] },
    });
    expect('problems' in changed ? changed.problems : []).toEqual([]);
    // Same services, so the same reading sessions and reports as the page's host.
    handlers = await signedIn(createApiHandlers(workstation.services), workstation.services, workstation.person);
    const studyInstanceUid = (await call(handlers, 'app.info')).demoStudy!.studyInstanceUid;
    const seriesInstanceUid = (await call(handlers, 'studies.series', { studyInstanceUid })).series[0].seriesInstanceUid;
    const { readingId } = await call(handlers, 'reading.open', { studyInstanceUid, seriesInstanceUid });
    await call(handlers, 'reading.assign', { readingId, revision: 0, assignment: { artery: 'LAD', point: [20.3, 20.3, 9], scope: 'lesion' } });
    report = (await call(handlers, 'report.draft', { readingId })).report;
    const study = (await call(handlers, 'studies.list', {})).studies.find((entry) => entry.studyInstanceUid === studyInstanceUid)!;
    patientName = (study.patientName ?? study.patientId).replace(/\^/g, ' ').trim();
    page = workstation.page;
    deliveries = new DeliveriesPage(page);
  }, 180_000);

  afterAll(async () => {
    await workstation?.close();
    await hospital?.stop();
    await cameUp?.stop();
  });

  it('before anything is signed: the empty state, and no badge', async () => {
    await page.goto(workstation.host.url);
    await page.getByTestId('worklist').waitFor();
    await deliveries.open();
    expect(page.url()).toMatch(/#\/deliveries$/);
    expect(await deliveries.tab.getAttribute('aria-selected')).toBe('true');
    expect(await page.getByTestId('deliveries-empty').textContent()).toContain('No deliveries yet');
    expect(await deliveries.attentionCount()).toBe(0);
    expect(await deliveries.badgeText()).toBeNull();
  }, 30_000);

  it('signing queues the SR, PDF and key images for both PACS: rows appear live, Orthanc ones "sent", the closed port with its error and attempts climbing, the badge counts what waits', async () => {
    const signed = await call(handlers, 'report.sign', { reportId: report.reportId, version: 1, contentSha256: report.currentSha256, password: TEST_PASSWORD });
    perPacs = signed.queued / 2;
    expect(perPacs, 'the SR, the PDF (and the key images) for each of the two PACS').toBeGreaterThanOrEqual(2);
    expect(Number.isInteger(perPacs)).toBe(true);

    // Poll one snapshot for the moment the closed-port rows are between attempts (queued, 2+ attempts).
    let seen: DeliveryRowView[] = [];
    await expect
      .poll(
        async () => {
          seen = await deliveries.table();
          const down = byDestination(seen, DOWN);
          return (
            seen.length === 2 * perPacs &&
            byDestination(seen, HOSPITAL).every((row) => row.status === 'sent') &&
            down.length === perPacs &&
            down.every((row) => row.status === 'queued' && row.attempts >= 2 && /^in \d+ s$|^now$/.test(row.nextAttempt) && row.lastError.length > 0)
          );
        },
        { timeout: 30_000, interval: 100 },
      )
      .toBe(true);
    const hospitalRows = byDestination(seen, HOSPITAL);
    expect(hospitalRows.map((row) => row.object)).toEqual(expect.arrayContaining(['PDF report v1', 'Structured report v1']));
    for (const row of hospitalRows) {
      expect(row.sentAt).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d UTC$/);
      expect(row.nextAttempt).toBe('');
      expect(row.lastError).toBe('');
    }
    expect(seen.every((row) => row.patient === patientName)).toBe(true);
    const downRows = byDestination(seen, DOWN);
    expect(downRows.map((row) => row.object).sort()).toEqual(hospitalRows.map((row) => row.object).sort());
    for (const row of downRows) expect(row.lastError).toMatch(new RegExp(`${downPort}|refused|ECONNREFUSED|connect`, 'i'));
    expect(await deliveries.attentionCount()).toBe(perPacs);
    expect(await deliveries.badgeText()).toBe(String(perPacs));
    expect(await deliveries.groups()).toEqual(['waiting', 'sent']);
    // Orthanc really holds the objects.
    expect((await hospital.getJson<string[]>('/instances')).length).toBe(perPacs);
    await takeScreenshot(page, 'deliveries-waiting');

    // "Retry now" on a waiting row: one more attempt at once, well before the one scheduled.
    let chosen: { id: number; attempts: number; dueMs: number } | undefined;
    await expect
      .poll(
        () => {
          const due = workstation.services.outbound
            .list({})
            .filter((item) => item.destination === DOWN && item.status === 'queued' && item.nextAttemptAt)
            .map((item) => ({ id: item.id, attempts: item.attempts, dueMs: Date.parse(item.nextAttemptAt!) }))
            .sort((a, b) => b.dueMs - a.dueMs)[0];
          chosen = due && due.dueMs - Date.now() > 2500 ? due : undefined;
          return chosen !== undefined;
        },
        { timeout: 20_000, interval: 100 },
      )
      .toBe(true);
    const { id, attempts, dueMs } = chosen!;
    expect(await deliveries.row(id).getByTestId('deliveries-attempts').textContent()).toBe(String(attempts));
    await deliveries.retry(id);
    await expect.poll(async () => Number(await deliveries.row(id).getByTestId('deliveries-attempts').textContent()), { timeout: 10_000, interval: 100 }).toBe(attempts + 1);
    expect(Date.now(), 'the retry attempt came before the scheduled one').toBeLessThan(dueMs);
  }, 60_000);

  it(`after ${MAX_ATTEMPTS} attempts the closed-port rows are "failed" and listed first; the error is there in full`, async () => {
    await expect
      .poll(async () => byDestination(await deliveries.table(), DOWN).map((row) => `${row.status}/${row.attempts}`), { timeout: 30_000 })
      .toEqual(Array(perPacs).fill(`failed/${MAX_ATTEMPTS}`));
    expect(await deliveries.groups()).toEqual(['failed', 'sent']);
    const rows = await deliveries.table();
    expect(rows.slice(0, perPacs).every((row) => row.destination === DOWN)).toBe(true);
    expect(rows[0].lastError).toContain(`gave up after ${MAX_ATTEMPTS} attempts; retry when the PACS is back`);
    expect(rows[0].nextAttempt).toBe('');
    // Still counted by the badge (now as failed), and the whole error is on hover and on click.
    expect(await deliveries.attentionCount()).toBe(perPacs);
    expect(await page.getByTestId('nav-deliveries-badge').getAttribute('class')).toContain('deliveries-badge-failed');
    const error = deliveries.row(rows[0].id).getByTestId('deliveries-last-error');
    expect(await error.getAttribute('title')).toBe(rows[0].lastError);
    await error.click();
    expect(await error.getAttribute('aria-expanded')).toBe('true');
    expect(await page.getByTestId('deliveries-retry-failed').textContent()).toBe(`Retry all failed (${perPacs})`);
    await takeScreenshot(page, 'deliveries-failed');
  }, 45_000);

  it('filters by status and destination, with a message when nothing matches', async () => {
    await deliveries.filter('sent');
    expect((await deliveries.table()).map((row) => `${row.destination}/${row.status}`)).toEqual(Array(perPacs).fill(`${HOSPITAL}/sent`));
    await deliveries.filter('all', DOWN);
    expect((await deliveries.table()).map((row) => row.destination)).toEqual(Array(perPacs).fill(DOWN));
    await deliveries.filter('sent', DOWN);
    expect(await deliveries.rows.count()).toBe(0);
    expect(await page.getByTestId('deliveries-empty').textContent()).toBe('No delivery matches these filters.');
    await deliveries.filter('all', '');
    expect(await deliveries.rows.count()).toBe(2 * perPacs);
  });

  it('the PACS comes up on the closed port: "Retry all failed" and the rows turn "sent" live, the badge goes to 0', async () => {
    cameUp = await startOrthanc({ dicomPort: downPort, dicomAet: 'PACSB' });
    await deliveries.retryAllFailed();
    await expect.poll(async () => (await deliveries.table()).map((row) => row.status), { timeout: 20_000 }).toEqual(Array(2 * perPacs).fill('sent'));
    await expect.poll(() => deliveries.attentionCount(), { timeout: 5_000 }).toBe(0);
    expect(await deliveries.badgeText()).toBeNull();
    expect(await deliveries.groups()).toEqual(['sent']);
    expect(await page.getByTestId('deliveries-retry-failed').isDisabled()).toBe(true);
    expect(await page.getByTestId('deliveries-retry').count()).toBe(0);
    expect((await cameUp.getJson<string[]>('/instances')).length).toBe(perPacs);
    await takeScreenshot(page, 'deliveries-all-sent');
    expect(workstation.pageErrors).toEqual([]);
  }, 60_000);
});
