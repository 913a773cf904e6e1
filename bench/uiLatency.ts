/**
 * Budget 7: the reader's view of speed, on the same stack as the e2e tests (createServices on a
 * temporary data directory with the QRM phantom as the demo study, the browser-mode host, Debian's
 * Chromium headless). Every time is taken INSIDE the page with performance.now(): the start is the
 * DOM event's own timeStamp (same clock), the end a MutationObserver callback or an attribute the
 * view sets when it has drawn. Playwright's round trips to the browser are not in any figure.
 *   a) mouse click on an insert -> the score table's total changes: median < 100 ms, p95 < 200 ms;
 *      baseline: a POST /api/app.info round trip from the same page, interleaved with the clicks.
 *   b) Open in the worklist -> the slice canvas has drawn its first slice: median < 1.5 s;
 *      baseline: GET /api/volume/<readingId> (the HU bytes alone) from the same page.
 *   c) the 3D map button -> the map's first frame (report only).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Page } from 'playwright-core';
import { createServices } from '../main/api/createServices.js';
import { createApiHandlers } from '../main/api/handlers.js';
import { startBrowserHost } from '../main/host/browserHost.js';
import { buildRenderer } from '../scripts/buildRenderer.js';
import { ReadingPage } from '../test/e2e/pages/readingPage.js';
import { WorklistPage } from '../test/e2e/pages/worklistPage.js';
import { CHROMIUM_ARGS, chromiumPath } from '../test/e2e/support/chromium.js';
import { qrmInserts } from './qrmPhantom.js';
import { budget, describeCheck, describeTimings, formatMs, formatRatio, heading, line, median, percentile, type BudgetCheck } from './stats.js';
import { signedIn } from '../test/support/accounts.js';

export const CLICK_MEDIAN_BUDGET_MS = 100;
export const CLICK_P95_BUDGET_MS = 200;
export const OPEN_BUDGET_MS = 1500;
const CLICKS = 24;
const WARMUP_CLICKS = 4;
const OPENS = 5;
const MAP_OPENS = 3;

/** The in-page probes, installed once per document (the app navigates by hash, so they stay). */
const PROBES = `(() => {
  if (window.__bench) return;
  const bench = { pointerDownAt: 0, keyDownAt: 0, clickAt: 0 };
  window.addEventListener('pointerdown', (event) => { bench.pointerDownAt = event.timeStamp; }, true);
  window.addEventListener('keydown', (event) => { bench.keyDownAt = event.timeStamp; }, true);
  window.addEventListener('click', (event) => { bench.clickAt = event.timeStamp; }, true);
  /** Resolves with performance.now() when the total's text is no longer \`before\`. */
  bench.totalChange = (before) => new Promise((resolve) => {
    const total = document.querySelector('[data-testid="agatston-total"]');
    const observer = new MutationObserver(() => {
      if (total.textContent === before) return;
      observer.disconnect();
      resolve(performance.now());
    });
    observer.observe(document.querySelector('[data-testid="score-table"]'), { subtree: true, characterData: true, childList: true });
  });
  bench.appInfo = async () => {
    const start = performance.now();
    const response = await fetch('/api/app.info', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{}', credentials: 'same-origin' });
    await response.json();
    return performance.now() - start;
  };
  bench.volume = async (readingId) => {
    const start = performance.now();
    const response = await fetch('/api/volume/' + readingId, { credentials: 'same-origin' });
    const bytes = await response.arrayBuffer();
    if (!response.ok || bytes.byteLength < 1000) throw new Error('the volume did not come: HTTP ' + response.status);
    return performance.now() - start;
  };
  window.__bench = bench;
})()`;

interface ClickTimings {
  clickMs: number[];
  undoMs: number[];
  appInfoMs: number[];
}

/** Arms the observer, runs `act` (a click or a key), answers event -> total changed, in ms. */
async function timeToTotalChange(page: Page, reading: ReadingPage, start: 'pointerDownAt' | 'keyDownAt', act: () => Promise<void>): Promise<number> {
  const before = await reading.total();
  // Not awaited here (evaluate would wait for the promise): the observer is armed, then the click.
  await page.evaluate(`window.__benchChange = window.__bench.totalChange(${JSON.stringify(before)}); undefined`);
  await act();
  const changedAt = (await page.evaluate('window.__benchChange')) as number;
  const startedAt = (await page.evaluate(`window.__bench.${start}`)) as number;
  return changedAt - startedAt;
}

async function measureClicks(page: Page, reading: ReadingPage): Promise<ClickTimings> {
  const keys = ['1', '2', '3', '4'] as const;
  const timings: ClickTimings = { clickMs: [], undoMs: [], appInfoMs: [] };
  for (let n = 0; n < WARMUP_CLICKS + CLICKS; n++) {
    const measured = n >= WARMUP_CLICKS;
    // Each click adds an unassigned insert (so the total must change), each undo takes it back.
    const insert = qrmInserts[n % qrmInserts.length];
    await reading.chooseArtery(keys[n % keys.length]);
    const onScreen = await reading.screenPointOf(insert.point);
    await reading.goToSlice(onScreen.slice);
    const appInfo = (await page.evaluate('window.__bench.appInfo()')) as number;
    const click = await timeToTotalChange(page, reading, 'pointerDownAt', () => page.mouse.click(onScreen.x, onScreen.y));
    // The label volume follows the scores; let it land so the next click starts from a quiet page.
    await reading.waitOverlayCurrent();
    const undo = await timeToTotalChange(page, reading, 'keyDownAt', () => page.keyboard.press('Control+z'));
    await reading.waitOverlayCurrent();
    if (measured) {
      timings.appInfoMs.push(appInfo);
      timings.clickMs.push(click);
      timings.undoMs.push(undo);
    }
  }
  return timings;
}

async function measureOpens(page: Page, worklist: WorklistPage, reading: ReadingPage): Promise<{ openMs: number[]; volumeMs: number[] }> {
  const openMs: number[] = [];
  const volumeMs: number[] = [];
  for (let n = 0; n < OPENS + 1; n++) {
    await worklist.open(0);
    await page.locator('[data-testid="slice-canvas"][data-first-slice-drawn-at]').waitFor({ timeout: 60_000 });
    const drawnAt = Number(await reading.canvas.getAttribute('data-first-slice-drawn-at'));
    const clickAt = (await page.evaluate('window.__bench.clickAt')) as number;
    const readingId = Number(await reading.root.getAttribute('data-reading-id'));
    const volume = (await page.evaluate(`window.__bench.volume(${readingId})`)) as number;
    // The first open also starts the worker's session cache and the JIT: a warm-up.
    if (n > 0) {
      openMs.push(drawnAt - clickAt);
      volumeMs.push(volume);
    }
    await page.getByTestId('back-to-worklist').click();
    await worklist.root.waitFor();
  }
  return { openMs, volumeMs };
}

async function measureMap(page: Page): Promise<number[]> {
  const frameMs: number[] = [];
  const toggle = page.getByTestId('toggle-3d');
  for (let n = 0; n < MAP_OPENS; n++) {
    await toggle.click();
    await page.locator('[data-testid="calcium-map"][data-first-frame-at]').waitFor({ timeout: 60_000 });
    const frameAt = Number(await page.getByTestId('calcium-map').getAttribute('data-first-frame-at'));
    frameMs.push(frameAt - ((await page.evaluate('window.__bench.clickAt')) as number));
    await toggle.click();
    await page.getByTestId('calcium-map').waitFor({ state: 'detached' });
  }
  return frameMs;
}

export async function benchUiLatency(): Promise<BudgetCheck[]> {
  heading('7. the UI in Chromium (browser mode, real services, QRM phantom): click, open, 3D map');
  const scratch = await mkdtemp(join(tmpdir(), 'cac-bench-ui-'));
  line('stage', 'build renderer, services, host, Chromium');
  const staticDir = await buildRenderer(join(scratch, 'renderer'));
  const services = await createServices(join(scratch, 'data'), { studyQuietMs: 60_000 });
  const handlers = await signedIn(createApiHandlers(services), services);
  const host = await startBrowserHost({ handlers, events: services.events, staticDir });
  const browser = await chromium.launch({ executablePath: chromiumPath(), args: CHROMIUM_ARGS });
  try {
    if (services.info().demoStudy?.source !== 'qrm-phantom') throw new Error('the demo study is not the QRM phantom');
    const page = await browser.newPage({ viewport: { width: 1600, height: 960 } });
    const pageErrors: string[] = [];
    page.on('pageerror', (error) => pageErrors.push(error.message));
    const worklist = new WorklistPage(page);
    const reading = new ReadingPage(page);
    await worklist.goto(host.url);
    await page.evaluate(PROBES);
    await worklist.rows.first().waitFor({ timeout: 20_000 });

    line('stage', 'open study x6');
    const opens = await measureOpens(page, worklist, reading);
    await worklist.open(0);
    await reading.waitOpen();
    line('stage', `clicks x${WARMUP_CLICKS + CLICKS}`);
    const clicks = await measureClicks(page, reading);
    line('stage', '3D map x3');
    const map = await measureMap(page);
    if (pageErrors.length) throw new Error(`the page reported errors: ${pageErrors.join('; ')}`);

    line('how', 'in the page: DOM event timeStamp -> MutationObserver / drawn-at attribute (performance.now)');
    line('a) baseline: POST /api/app.info', describeTimings(clicks.appInfoMs));
    line('a) click -> score total changed', describeTimings(clicks.clickMs));
    line('a) Ctrl+Z -> total back (no budget)', describeTimings(clicks.undoMs));
    line('a) ratio click / app.info (median)', formatRatio(median(clicks.clickMs) / median(clicks.appInfoMs)));
    line('b) baseline: GET /api/volume bytes', describeTimings(opens.volumeMs));
    line('b) Open -> first slice drawn', describeTimings(opens.openMs));
    line('b) ratio open / volume fetch (median)', formatRatio(median(opens.openMs) / median(opens.volumeMs)));
    line('c) 3D map button -> first frame', `${describeTimings(map)} (report only)`);
    const checks = [
      budget('7 ui click', 'click -> score total (median)', median(clicks.clickMs), CLICK_MEDIAN_BUDGET_MS, formatMs),
      budget('7 ui click', 'click -> score total (p95)', percentile(clicks.clickMs, 95), CLICK_P95_BUDGET_MS, formatMs),
      budget('7 ui open', 'Open -> first slice drawn (median)', median(opens.openMs), OPEN_BUDGET_MS, formatMs),
    ];
    for (const check of checks) console.log(`   ${describeCheck(check)}`);
    return checks;
  } finally {
    await browser.close().catch(() => undefined);
    await host.close();
    await handlers.shutdown();
    await services.close();
    await rm(scratch, { recursive: true, force: true });
  }
}
