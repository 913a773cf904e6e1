/**
 * Host checks that test/integration/apiHost.test.ts does not make (issue 11, "Security tests of the
 * shell and host"): a WebSocket upgrade is refused from a foreign Origin or Host even with the right
 * token (browsers do not apply CORS to WebSockets: a page of evil.example could otherwise read the
 * event stream with the cookie), on any path but the event stream, and a channel name that climbs
 * out of /api/ reaches no file. The upgrades are written byte for byte on a socket, as an attacker would.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect } from 'node:net';
import { request as httpRequest } from 'node:http';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createServices, type WorkstationServices } from '../../main/api/createServices.js';
import { createApiHandlers } from '../../main/api/handlers.js';
import { startBrowserHost, type BrowserHost } from '../../main/host/browserHost.js';
import { makeTempDir } from '../support/tempDir.js';
import { signedIn } from '../support/accounts.js';

const SECRET = 'patient list that must not leak';

/** Sends an upgrade request as written and resolves with the status code of the answer (101 = upgraded). */
function upgrade(port: number, path: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port });
    let answer = '';
    socket.on('data', (chunk: Buffer) => {
      answer += chunk.toString('latin1');
      const status = /^HTTP\/1\.1 (\d{3})/.exec(answer);
      if (status) {
        resolve(Number(status[1]));
        socket.destroy();
      }
    });
    socket.on('error', reject);
    socket.on('close', () => resolve(0));
    const lines = [
      `GET ${path} HTTP/1.1`,
      'Connection: Upgrade',
      'Upgrade: websocket',
      'Sec-WebSocket-Version: 13',
      'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==',
      ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`),
    ];
    socket.write(`${lines.join('\r\n')}\r\n\r\n`);
  });
}

function get(port: number, path: string, headers: Record<string, string>): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const request = httpRequest({ host: '127.0.0.1', port, path, method: 'POST', headers }, (response) => {
      let body = '';
      response.on('data', (chunk: Buffer) => (body += chunk.toString()));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
    });
    request.on('error', reject);
    request.end('{}');
  });
}

describe('browser-mode host: upgrades and API paths from hostile pages', () => {
  let temp: { dir: string; remove: () => Promise<void> };
  let services: WorkstationServices;
  let handlers: ReturnType<typeof createApiHandlers>;
  let host: BrowserHost;
  /** The cookie the first page load sets, as the page's later requests carry it. */
  let cookie = '';
  const tokenCookie = () => cookie;

  beforeAll(async () => {
    temp = await makeTempDir('host-upgrade');
    const staticDir = join(temp.dir, 'renderer');
    await mkdir(staticDir, { recursive: true });
    await writeFile(join(staticDir, 'index.html'), '<!doctype html><title>CAC</title>');
    await writeFile(join(temp.dir, 'secret.txt'), SECRET);
    services = await createServices(join(temp.dir, 'data'), { demoStudy: false, studyQuietMs: 60_000 });
    handlers = await signedIn(createApiHandlers(services), services);
    host = await startBrowserHost({ handlers, events: services.events, staticDir });
    cookie = ((await fetch(host.url)).headers.get('set-cookie') ?? '').split(';')[0];
  }, 60_000);

  afterAll(async () => {
    await host?.close();
    await handlers?.shutdown();
    await services?.close();
    await temp?.remove();
  });

  const ownHost = () => `127.0.0.1:${host.port}`;

  it('upgrades the event stream for our own page with the token (the control case)', async () => {
    expect(await upgrade(host.port, `/api/events?token=${host.token}`, { Host: ownHost(), Origin: `http://${ownHost()}` })).toBe(101);
    expect(await upgrade(host.port, '/api/events', { Host: ownHost(), Cookie: `${tokenCookie()}` })).toBe(101);
  });

  it('refuses an upgrade from a foreign Origin even with the right token, in the address or the cookie (403)', async () => {
    for (const origin of ['http://evil.example', `http://${ownHost()}.evil.example`, 'null', `https://${ownHost()}`, `http://127.0.0.1:${host.port + 1}`]) {
      expect(await upgrade(host.port, `/api/events?token=${host.token}`, { Host: ownHost(), Origin: origin }), origin).toBe(403);
      expect(await upgrade(host.port, '/api/events', { Host: ownHost(), Origin: origin, Cookie: tokenCookie() }), origin).toBe(403);
    }
  });

  it('refuses an upgrade with a foreign Host, as after DNS rebinding (421)', async () => {
    for (const name of [`evil.example:${host.port}`, `127.0.0.1.evil.example:${host.port}`, `10.0.0.5:${host.port}`, '']) {
      expect(await upgrade(host.port, `/api/events?token=${host.token}`, { Host: name }), name || 'no Host').toBe(421);
    }
  });

  it('refuses an upgrade anywhere but the event stream, and a climb out of it', async () => {
    for (const path of ['/', '/api/app.info', '/api/events/../app.info', '/api/events/..%2f..%2fsecret.txt', '/../api/events/x', '/api/volume/1']) {
      const status = await upgrade(host.port, `${path}${path.includes('?') ? '&' : '?'}token=${host.token}`, { Host: ownHost() });
      expect(status, path).not.toBe(101);
    }
  });

  it('a channel name that climbs out of /api/ reaches no file and no other channel', async () => {
    const auth = { Host: ownHost(), Authorization: `Bearer ${host.token}`, 'Content-Type': 'application/json' };
    for (const path of ['/api/..%2f..%2fsecret.txt', '/api/%2e%2e%2fsecret.txt', '/api/app.info%2f..%2f..%2fsecret.txt', '/api/..%5csecret.txt', '/api/app.info%00']) {
      const response = await get(host.port, path, auth);
      expect(response.body, path).not.toContain(SECRET);
      expect([400, 403, 404], `${path} answered ${response.status}`).toContain(response.status);
    }
  });

});
