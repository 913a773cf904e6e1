/**
 * A request body above the browser-mode host's limit gets a readable 413 (issue 11): JSON in the
 * API's error shape with a sentence, not a reset connection; the host keeps serving afterwards.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventEmitter } from 'node:events';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startBrowserHost, type BrowserHost, type BrowserHostOptions } from '../../main/host/browserHost.js';
import { makeTempDir } from '../support/tempDir.js';

describe('browser-mode host request size limit', () => {
  let temp: { dir: string; remove: () => Promise<void> };
  let host: BrowserHost;
  beforeAll(async () => {
    temp = await makeTempDir('host-limit');
    await writeFile(join(temp.dir, 'index.html'), '<!doctype html><title>t</title>');
    // No handler is reached: the body is refused before the channel is looked up.
    host = await startBrowserHost({ handlers: {} as BrowserHostOptions['handlers'], events: new EventEmitter() as unknown as BrowserHostOptions['events'], staticDir: temp.dir });
  });
  afterAll(async () => {
    await host.close();
    await temp.remove();
  });

  const post = (body: string) =>
    fetch(`${host.origin}/api/studies.list`, { method: 'POST', headers: { Authorization: `Bearer ${host.token}`, 'Content-Type': 'application/json' }, body });

  it.each([2, 20])('a %i MiB body gets 413 with a readable JSON error', async (mebibytes) => {
    const response = await post(JSON.stringify({ padding: 'x'.repeat(mebibytes * 1024 * 1024) }));
    expect(response.status).toBe(413);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await response.json()).toEqual({ ok: false, error: { code: 'bad-request', message: 'the request is too large: at most 1 MiB is accepted' } });
  });

  it('keeps serving after a refused body', async () => {
    await post('x'.repeat(3 * 1024 * 1024)).catch(() => undefined);
    const response = await post('{not json');
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ ok: false, error: { message: 'the request body is not valid JSON' } });
  });
});
