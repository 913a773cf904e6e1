/**
 * The e2e harness: the renderer built with esbuild, the real services (archive, scoring worker)
 * on a temporary data directory, the browser-mode host, and Debian's Chromium via playwright-core.
 */
import { mkdir } from 'node:fs/promises';
import { expect } from 'vitest';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { chromium, type Browser, type Page } from 'playwright-core';
import { createServices, type CreateServicesOptions, type WorkstationServices } from '../../../main/api/createServices.js';
import { createApiHandlers } from '../../../main/api/handlers.js';
import { startBrowserHost, type BrowserHost } from '../../../main/host/browserHost.js';
import { CHROMIUM_ARGS, chromiumPath } from './chromium.js';
import { buildRenderer } from '../../../scripts/buildRenderer.js';
import { projectRoot } from '../../support/sharedData.js';
import { makeTempDir } from '../../support/tempDir.js';
import { logIn, TEST_READER, type TestPerson } from '../../support/accounts.js';

export const screenshotDir = join(projectRoot, '.tmp', 'screenshots');

export { CHROMIUM_ARGS, chromiumPath } from './chromium.js';

export interface WorkstationOptions extends CreateServicesOptions {
  /**
   * Who the page is signed in as when it opens (default TEST_READER, holding every role): the
   * account is created and its session token put where the page keeps it. false: the page starts
   * at the login (or first-admin) screen.
   */
  signIn?: TestPerson | false;
}

export interface Workstation {
  host: BrowserHost;
  /** The person the page was signed in as (undefined with signIn: false). */
  person?: TestPerson;
  services: WorkstationServices;
  browser: Browser;
  page: Page;
  /** Browser console errors and page errors seen so far. */
  pageErrors: string[];
  close(): Promise<void>;
}

export async function startWorkstation({ signIn = TEST_READER, ...options }: WorkstationOptions = {}): Promise<Workstation> {
  const temp = await makeTempDir('e2e');
  const staticDir = await buildRenderer(join(temp.dir, 'renderer'));
  const services = await createServices(join(temp.dir, 'data'), { studyQuietMs: 60_000, ...options });
  const handlers = createApiHandlers(services);
  const host = await startBrowserHost({ handlers, events: services.events, staticDir });
  const browser = await chromium.launch({ executablePath: chromiumPath(), args: CHROMIUM_ARGS });
  const page = await browser.newPage({ viewport: { width: 1600, height: 960 } });
  const pageErrors: string[] = [];
  page.on('pageerror', (error) => pageErrors.push(error.message));
  page.on('console', (message) => {
    if (message.type() === 'error') pageErrors.push(message.text());
  });
  await mkdir(screenshotDir, { recursive: true });
  if (signIn) {
    // What the login screen would do: the session token in the page's sessionStorage (renderer/api/cacClient.ts).
    const token = await logIn(services.accounts, signIn);
    // Once per tab: a later logout or login in the test is not undone by a reload.
    await page.addInitScript({
      content: `if (!sessionStorage.getItem('cac.session.set')) { sessionStorage.setItem('cac.session', ${JSON.stringify(token)}); sessionStorage.setItem('cac.session.set', '1'); }`,
    });
  }
  return {
    host,
    person: signIn || undefined,
    services,
    browser,
    page,
    pageErrors,
    async close() {
      await browser.close().catch(() => undefined);
      await host.close();
      await handlers.shutdown();
      await services.close();
      await temp.remove();
    },
  };
}

/** How many distinct colours a PNG has, and the share of its most common one (a blank image: ~1). */
export function imageVariety(png: Buffer): { distinctColours: number; dominantShare: number; width: number; height: number } {
  const image = PNG.sync.read(png);
  const counts = new Map<number, number>();
  for (let offset = 0; offset < image.data.length; offset += 4) {
    const key = (image.data[offset] << 16) | (image.data[offset + 1] << 8) | image.data[offset + 2];
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  const pixels = image.width * image.height;
  return { distinctColours: counts.size, dominantShare: Math.max(...counts.values()) / pixels, width: image.width, height: image.height };
}

/** A full-page screenshot into .tmp/screenshots/<name>.png, checked not to be blank. */
export async function takeScreenshot(page: Page, name: string): Promise<void> {
  const png = await page.screenshot({ path: join(screenshotDir, `${name}.png`) });
  const variety = imageVariety(png);
  expect(variety.distinctColours, `${name}.png has too few colours to be a real screen`).toBeGreaterThan(20);
  expect(variety.dominantShare, `${name}.png is mostly one colour`).toBeLessThan(0.95);
}
