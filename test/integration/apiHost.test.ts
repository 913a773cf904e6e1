/**
 * The browser-mode host serving the real handler table: token on every request and on the
 * WebSocket, requests over HTTP and over the WebSocket, events pushed while a folder is imported,
 * the HU volume as bytes, static files without path traversal, loopback only.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { networkInterfaces } from 'node:os';
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { WebSocket } from 'ws';
import { createServices, type WorkstationServices } from '../../main/api/createServices.js';
import { createApiHandlers } from '../../main/api/handlers.js';
import type { ApiResult, CacEvents, ReadingView } from '../../main/api/contract.js';
import { ApiCallError, createCacClient, createHttpTransport, type HttpTransportOptions } from '../../main/api/client.js';
import { CONTENT_SECURITY_POLICY, startBrowserHost, type BrowserHost } from '../../main/host/browserHost.js';
import { haveSharedData, qrmInserts, qrmPhantomDir } from '../support/sharedData.js';
import { makeTempDir } from '../support/tempDir.js';
import { signedIn } from '../support/accounts.js';

const SECRET = 'patient list that must not leak';

interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/** A request exactly as written (fetch would normalise "../" away before sending). */
function raw(port: number, path: string, options: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const request = httpRequest({ host: '127.0.0.1', port, path, method: options.method ?? 'GET', headers: options.headers }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks) }));
    });
    request.on('error', reject);
    request.end(options.body);
  });
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

/** The security checks run everywhere; the reading and import tests need the shared QRM phantom. */
const withPhantom = haveSharedData(qrmPhantomDir);

describe('browser-mode host over HTTP and WebSocket', () => {
  let temp: { dir: string; remove: () => Promise<void> };
  let services: WorkstationServices;
  let handlers: ReturnType<typeof createApiHandlers>;
  let host: BrowserHost;
  let staticDir: string;

  const api = async <T>(channel: string, body: unknown, token = host.token): Promise<{ status: number; result: ApiResult<T> }> => {
    const response = await fetch(`${host.origin}/api/${channel}`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
    });
    return { status: response.status, result: (await response.json()) as ApiResult<T> };
  };

  beforeAll(async () => {
    temp = await makeTempDir('host');
    staticDir = join(temp.dir, 'renderer');
    await mkdir(join(staticDir, 'assets'), { recursive: true });
    await writeFile(join(staticDir, 'index.html'), '<!doctype html><title>CAC</title><script src="/assets/app.js"></script>');
    await writeFile(join(staticDir, 'assets', 'app.js'), 'console.log("cac");');
    await writeFile(join(temp.dir, 'secret.txt'), SECRET);
    await symlink(temp.dir, join(staticDir, 'outside'));
    services = await createServices(join(temp.dir, 'data'), { demoStudy: false, studyQuietMs: 60_000 });
    // Signed in as a reader: these tests are about the host; the accounts have their own (channelAccess.test.ts).
    handlers = await signedIn(createApiHandlers(services), services);
    host = await startBrowserHost({ handlers, events: services.events, staticDir });
  }, 60_000);

  afterAll(async () => {
    await host?.close();
    await handlers?.shutdown();
    await services?.close();
    await temp?.remove();
  });

  it('listens on 127.0.0.1 only, on a free port', async () => {
    expect(host.url).toBe(`http://127.0.0.1:${host.port}/?token=${host.token}`);
    expect(host.port).toBeGreaterThan(0);
    expect(host.token.length).toBeGreaterThanOrEqual(40);
    const others = Object.values(networkInterfaces())
      .flat()
      .filter((address) => address && !address.internal)
      .map((address) => address!.address);
    for (const address of [...others, '::1']) {
      const outcome = await new Promise<string>((resolve) => {
        const socket = connect({ host: address, port: host.port });
        socket.once('connect', () => {
          socket.destroy();
          resolve('connected');
        });
        socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? 'error'));
      });
      expect(outcome, `connect to ${address}:${host.port}`).not.toBe('connected');
    }
  });

  it('refuses requests without the token or with a wrong one (401), and other hosts and origins', async () => {
    const none = await fetch(`${host.origin}/api/app.info`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{}' });
    expect(none.status).toBe(401);
    expect((await api('app.info', {}, 'wrong-token')).status).toBe(401);
    expect((await api('app.info', {}, `${host.token}x`)).status).toBe(401);
    expect((await fetch(`${host.origin}/api/volume/1`)).status).toBe(401);
    expect((await fetch(`${host.origin}/`)).status).toBe(401);
    const ok = await api<{ productName: string }>('app.info', {});
    expect(ok.status).toBe(200);
    expect(ok.result).toMatchObject({ ok: true, value: { productName: 'CAC Workstation' } });
    // DNS rebinding: a page of evil.example resolving to 127.0.0.1 sends its own Host header.
    const rebound = await raw(host.port, '/api/app.info', { method: 'POST', headers: { Host: `evil.example:${host.port}`, Authorization: `Bearer ${host.token}`, 'Content-Type': 'application/json' }, body: '{}' });
    expect(rebound.status).toBe(421);
    const crossSite = await raw(host.port, '/api/app.info', { method: 'POST', headers: { Origin: 'http://evil.example', Authorization: `Bearer ${host.token}`, 'Content-Type': 'application/json' }, body: '{}' });
    expect(crossSite.status).toBe(403);
  });

  it('refuses a WebSocket without the token or with a wrong one (401)', async () => {
    for (const query of ['', '?token=wrong']) {
      const status = await new Promise<number>((resolve) => {
        const socket = new WebSocket(`ws://127.0.0.1:${host.port}/api/events${query}`);
        socket.on('unexpected-response', (_request, response) => resolve(response.statusCode ?? 0));
        socket.on('open', () => resolve(101));
        socket.on('error', () => undefined);
      });
      expect(status).toBe(401);
    }
  });

  it('answers bad requests with typed errors and HTTP status codes', async () => {
    const notJson = await raw(host.port, '/api/studies.list', { method: 'POST', headers: { Authorization: `Bearer ${host.token}`, 'Content-Type': 'application/json' }, body: '{"text":' });
    expect(notJson.status).toBe(400);
    expect(JSON.parse(notJson.body.toString())).toMatchObject({ ok: false, error: { code: 'bad-request' } });
    expect((await api('reading.delete', {})).result).toMatchObject({ ok: false, error: { code: 'bad-request' } });
    const aorta = await api('reading.assign', { readingId: 1, revision: 0, assignment: { artery: 'AORTA', point: [0, 0, 0], scope: 'lesion' } });
    expect(aorta.status).toBe(400);
    expect(aorta.result).toMatchObject({ ok: false, error: { code: 'bad-request' } });
    const form = await raw(host.port, '/api/studies.list', { method: 'POST', headers: { Authorization: `Bearer ${host.token}`, 'Content-Type': 'application/x-www-form-urlencoded' }, body: 'a=1' });
    expect(form.status).toBe(415);
    expect((await api('reading.volume', { readingId: 42 })).status).toBe(404);
    expect((await fetch(`${host.origin}/api/volume/..%2F..%2Fetc`, { headers: { Authorization: `Bearer ${host.token}` } })).status).toBe(400);
  });

  it.skipIf(!withPhantom)('serves requests over the WebSocket and pushes import.progress and import.done while a folder is imported', async () => {
    const socket = new WebSocket(`ws://127.0.0.1:${host.port}/api/events?token=${host.token}`);
    const messages: Array<{ type: string; name?: string; id?: number; payload?: unknown; result?: ApiResult<unknown> }> = [];
    socket.on('message', (data) => messages.push(JSON.parse(data.toString())));
    await new Promise((resolve, reject) => {
      socket.once('open', resolve);
      socket.once('error', reject);
    });
    socket.send(JSON.stringify({ type: 'request', id: 1, channel: 'import.start', request: { path: qrmPhantomDir } }));
    await expect.poll(() => messages.some((message) => message.type === 'event' && message.name === 'import.done'), { timeout: 30_000 }).toBe(true);
    const started = messages.find((message) => message.type === 'response' && message.id === 1)!.result as ApiResult<{ importJobId: number }>;
    expect(started.ok).toBe(true);
    const importJobId = started.ok ? started.value.importJobId : 0;
    const progress = messages.filter((message) => message.name === 'import.progress').map((message) => message.payload as CacEvents['import.progress']);
    expect(progress.length).toBeGreaterThan(0);
    expect(progress.every((event) => event.importJobId === importJobId)).toBe(true);
    const done = messages.find((message) => message.name === 'import.done')!.payload as CacEvents['import.done'];
    expect(done.summary.counts).toMatchObject({ filesTotal: 47, stored: 47 });
    await expect.poll(() => messages.some((message) => message.name === 'studies.changed')).toBe(true);

    socket.send(JSON.stringify({ type: 'request', id: 2, channel: 'studies.list', request: {} }));
    socket.send(JSON.stringify({ type: 'request', id: 3, channel: 'studies.list', request: { limit: 'all' } }));
    socket.send('not json');
    await expect.poll(() => messages.filter((message) => message.type === 'response').length).toBe(4);
    const listed = messages.find((message) => message.id === 2)!.result!;
    expect(listed).toMatchObject({ ok: true, value: { studies: [{ instanceCount: 47 }] } });
    expect(messages.find((message) => message.id === 3)!.result).toMatchObject({ ok: false, error: { code: 'bad-request' } });
    expect(messages.find((message) => message.type === 'response' && message.id === null)!.result).toMatchObject({ ok: false, error: { code: 'bad-request' } });
    socket.close();
  });

  it.skipIf(!withPhantom)('opens a reading, streams the HU volume and labels as bytes, and assigns over HTTP', async () => {
    const listed = await api<{ studies: Array<{ studyInstanceUid: string }> }>('studies.list', {});
    const studyInstanceUid = listed.result.ok ? listed.result.value.studies[0].studyInstanceUid : '';
    const series = await api<{ series: Array<{ seriesInstanceUid: string }> }>('studies.series', { studyInstanceUid });
    const seriesInstanceUid = series.result.ok ? series.result.value.series[0].seriesInstanceUid : '';
    const opened = await api<ReadingView>('reading.open', { studyInstanceUid, seriesInstanceUid });
    expect(opened.result.ok).toBe(true);
    const reading = (opened.result as { value: ReadingView }).value;

    const started = performance.now();
    const volume = await fetch(`${host.origin}${reading.volume.path}`, { headers: { Authorization: `Bearer ${host.token}` } });
    const bytes = new Uint8Array(await volume.arrayBuffer());
    const volumeMs = performance.now() - started;
    expect(volume.status).toBe(200);
    expect(volume.headers.get('content-type')).toBe('application/octet-stream');
    expect(bytes.byteLength).toBe(512 * 512 * 47 * 2);
    expect(new Int16Array(bytes.buffer, bytes.byteOffset, 4)[0]).toBe(-2048);
    expect((await fetch(`${host.origin}${reading.volume.path}`)).status).toBe(401);

    const latencies: number[] = [];
    let revision = reading.revision;
    for (const insert of qrmInserts) {
      const before = performance.now();
      const assigned = await api<{ revision: number; outcome: { applied: boolean } }>('reading.assign', { readingId: reading.readingId, revision, assignment: { artery: 'LAD', point: [...insert.point], scope: 'lesion' } });
      latencies.push(performance.now() - before);
      expect(assigned.result).toMatchObject({ ok: true, value: { outcome: { applied: true } } });
      revision = (assigned.result as { value: { revision: number } }).value.revision;
    }
    const stale = await api('reading.undo', { readingId: reading.readingId, revision: revision - 1 });
    expect(stale.status).toBe(409);
    expect(stale.result).toMatchObject({ ok: false, error: { code: 'conflict' } });

    const labels = await fetch(`${host.origin}/api/labels/${reading.readingId}?token=${host.token}`);
    const codes = new Uint8Array(await labels.arrayBuffer());
    expect(codes.length).toBe(512 * 512 * 47);
    expect(codes.includes(2)).toBe(true);

    const listLatencies: number[] = [];
    for (let i = 0; i < 20; i++) {
      const before = performance.now();
      await api('studies.list', {});
      listLatencies.push(performance.now() - before);
    }
    console.log(
      `HTTP: reading.assign median ${median(latencies).toFixed(1)} ms; studies.list median ${median(listLatencies).toFixed(1)} ms; ` +
        `GET volume ${(bytes.byteLength / 1e6).toFixed(1)} MB in ${volumeMs.toFixed(0)} ms`,
    );
    await api('reading.close', { readingId: reading.readingId });
  });

  it('serves the renderer build with a strict CSP; the first load sets the token cookie for the page assets', async () => {
    const page = await fetch(host.url);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
    expect(page.headers.get('x-content-type-options')).toBe('nosniff');
    expect(await page.text()).toContain('<title>CAC</title>');
    const cookie = page.headers.get('set-cookie')!;
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    const asset = await fetch(`${host.origin}/assets/app.js`, { headers: { Cookie: cookie.split(';')[0] } });
    expect(asset.status).toBe(200);
    expect(asset.headers.get('content-type')).toMatch(/javascript/);
    // A client-side route gets the page; a missing asset does not.
    expect((await fetch(`${host.origin}/reading/1?token=${host.token}`)).status).toBe(200);
    expect((await fetch(`${host.origin}/assets/missing.js?token=${host.token}`)).status).toBe(404);
  });

  it('refuses path traversal out of the renderer folder', async () => {
    const auth = { Authorization: `Bearer ${host.token}` };
    for (const path of ['/../secret.txt', '/assets/../../secret.txt', '/..%2fsecret.txt', '/%2e%2e/secret.txt', '/%2e%2e%2fsecret.txt', '/assets/..%5c..%5csecret.txt', '/outside/secret.txt', '/secret.txt%00.html', '//etc/passwd', '/..%2f..%2f..%2f..%2fetc%2fpasswd']) {
      const response = await raw(host.port, path, { headers: auth });
      expect(response.body.toString(), path).not.toContain(SECRET);
      expect(response.body.toString(), path).not.toContain('root:');
      if (response.status === 200) expect(response.body.toString(), `${path} may only fall back to the page`).toContain('<title>CAC</title>');
      else expect([400, 403, 404], `${path} answered ${response.status}`).toContain(response.status);
    }
  });

  it.skipIf(!withPhantom)('the typed client over the HTTP transport: calls, typed errors, bytes and events', async () => {
    const client = createCacClient(
      createHttpTransport({ origin: host.origin, token: host.token, WebSocket: WebSocket as unknown as HttpTransportOptions['WebSocket'] }),
    );
    const info = await client.call('app.info', {});
    expect(info.productName).toBe('CAC Workstation');
    const error = await client.call('studies.series', { studyInstanceUid: 'x' }).catch((reason: unknown) => reason);
    expect(error).toBeInstanceOf(ApiCallError);
    expect((error as ApiCallError).code).toBe('bad-request');
    const changed: Array<CacEvents['reading.changed']> = [];
    const stop = client.on('reading.changed', (payload) => changed.push(payload));
    await new Promise((resolve) => setTimeout(resolve, 200)); // the WebSocket opens
    const { studies } = await client.call('studies.list', {});
    const { series } = await client.call('studies.series', { studyInstanceUid: studies[0].studyInstanceUid });
    const reading = await client.call('reading.open', { studyInstanceUid: studies[0].studyInstanceUid, seriesInstanceUid: series[0].seriesInstanceUid });
    const volume = await client.call('reading.volume', { readingId: reading.readingId });
    expect(volume.byteLength).toBe(reading.volume.byteLength);
    const undone = await client.call('reading.undo', { readingId: reading.readingId, revision: reading.revision });
    await expect.poll(() => changed.map((event) => event.revision)).toContain(undone.revision);
    stop();
    await client.call('reading.close', { readingId: reading.readingId });
  });
});
