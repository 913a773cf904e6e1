/**
 * Browser mode: the same handler table served over HTTP + WebSocket so the renderer runs in any
 * Chromium (tests, machines without the Electron binary). Loopback only, and a random token per
 * launch on every request: Authorization: Bearer <token>, ?token=<token> (WebSocket, first page
 * load) or the HttpOnly SameSite=Strict cookie the first page load sets so the page's own assets,
 * fetches and WebSocket carry it. Host and Origin are checked too, against DNS rebinding and
 * cross-site pages on the same machine.
 *
 *   POST /api/<channel>          JSON request body -> ApiResult JSON (bytes for binary channels)
 *   GET  /api/volume/<readingId> the HU volume, application/octet-stream
 *   GET  /api/labels/<readingId> the label volume, application/octet-stream
 *   GET  /api/events             WebSocket: events pushed as {type:"event", name, payload};
 *                                requests {type:"request", id, channel, request, session} -> {type:"response", id, result}
 *
 * The launch token says the request comes from the workstation's own page; the account session
 * (X-CAC-Session header, or `session` in a WebSocket request) says who is signed in there.
 *   GET  /*                      the renderer build (static files, strict CSP)
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createReadStream, realpathSync } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import type { AddressInfo, Socket } from 'node:net';
import { extname, resolve, sep } from 'node:path';
import { WebSocketServer, type WebSocket } from 'ws';
import { BINARY_CHANNELS, EVENT_NAMES, type ApiError, type ApiErrorCode, type ApiResult, type CacEventName, type CacEvents } from '../api/contract.js';
import { invokeChannel, type ApiHandlers } from '../api/handlers.js';

/** Where the pushed events come from: the services' ApiEventHub. */
export interface BrowserHostEvents {
  on<E extends CacEventName>(name: E, listener: (payload: CacEvents[E]) => void): unknown;
  off<E extends CacEventName>(name: E, listener: (payload: CacEvents[E]) => void): unknown;
}

export interface BrowserHostOptions {
  handlers: ApiHandlers;
  events: BrowserHostEvents;
  /** The renderer build folder (dist/renderer). */
  staticDir: string;
  /** 0 (default): a free port. */
  port?: number;
}

export interface BrowserHost {
  /** http://127.0.0.1:<port>/?token=<token>: what to open in the browser. */
  url: string;
  origin: string;
  token: string;
  port: number;
  close(): Promise<void>;
}

/**
 * The page's Content-Security-Policy: only our own origin; the WebSocket on loopback (CSP 'self'
 * does not cover ws: in every browser); data:/blob: images for canvases and snapshots; inline
 * styles for the UI library's style attributes. No eval, no remote content.
 */
export const CONTENT_SECURITY_POLICY =
  "default-src 'self'; connect-src 'self' ws://127.0.0.1:*; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; script-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'";

const TOKEN_COOKIE = 'cac_token';
const MAX_BODY_BYTES = 1024 * 1024;
const LOOPBACK = '127.0.0.1';

const STATUS_OF_ERROR: Record<ApiErrorCode, number> = {
  'bad-request': 400,
  'not-found': 404,
  conflict: 409,
  'worker-crashed': 503,
  'load-failed': 422,
  'pacs-failed': 502,
  internal: 500,
  unauthorized: 401,
  forbidden: 403,
  'login-required': 401,
  'session-locked': 423,
  'password-change-required': 403,
  'not-permitted': 403,
  'bad-credentials': 401,
};

/** The signed-in session's token (from auth.login), sent by the page with every request. */
export const SESSION_HEADER = 'x-cac-session';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
  '.wasm': 'application/wasm',
  '.txt': 'text/plain; charset=utf-8',
};

const BINARY_ROUTES: Record<string, (typeof BINARY_CHANNELS)[number]> = { volume: 'reading.volume', labels: 'reading.labels' };

export async function startBrowserHost(options: BrowserHostOptions): Promise<BrowserHost> {
  const token = randomBytes(32).toString('base64url');
  const tokenBytes = Buffer.from(token);
  const staticRoot = resolveStaticRoot(options.staticDir);
  let port = 0;
  const allowedHosts = () => [`${LOOPBACK}:${port}`, `localhost:${port}`];
  const allowedOrigins = () => allowedHosts().map((host) => `http://${host}`);

  const server: Server = createServer((request, response) => {
    void route(request, response).catch((reason: unknown) => {
      console.error('[browser-host] request failed:', reason);
      if (!response.headersSent) sendJson(response, 500, { ok: false, error: { code: 'internal', message: 'the workstation could not answer this request' } });
      else response.destroy();
    });
  });
  const sockets = new WebSocketServer({ noServer: true, maxPayload: MAX_BODY_BYTES });

  /** Where the request may come from and who sent it: the checks every route shares. */
  function refuse(request: IncomingMessage, url: URL): { status: number; message: string } | undefined {
    if (!allowedHosts().includes(request.headers.host ?? '')) return { status: 421, message: 'this host serves 127.0.0.1 only' };
    const origin = request.headers.origin;
    if (origin !== undefined && !allowedOrigins().includes(origin)) return { status: 403, message: 'requests from other web pages are refused' };
    if (!hasToken(request, url)) return { status: 401, message: 'the access token is missing or wrong: open the address the workstation printed' };
    return undefined;
  }

  function hasToken(request: IncomingMessage, url: URL): boolean {
    const header = request.headers.authorization;
    const candidates = [
      header?.startsWith('Bearer ') ? header.slice('Bearer '.length).trim() : undefined,
      url.searchParams.get('token') ?? undefined,
      readCookie(request.headers.cookie, TOKEN_COOKIE),
    ];
    return candidates.some((candidate) => candidate !== undefined && sameToken(candidate));
  }

  function sameToken(candidate: string): boolean {
    const bytes = Buffer.from(candidate);
    return bytes.length === tokenBytes.length && timingSafeEqual(bytes, tokenBytes);
  }

  async function route(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = requestUrl(request, port);
    setCommonHeaders(response);
    const refused = refuse(request, url);
    if (refused) {
      const error: ApiError = { code: refused.status === 401 ? 'unauthorized' : 'forbidden', message: refused.message };
      sendJson(response, refused.status, { ok: false, error });
      return;
    }
    if (url.searchParams.has('token')) {
      // The first page load carries the token in the address; the cookie carries it from then on.
      response.setHeader('Set-Cookie', `${TOKEN_COOKIE}=${token}; HttpOnly; SameSite=Strict; Path=/`);
    }
    const path = url.pathname;
    if (path.startsWith('/api/')) {
      response.setHeader('Cache-Control', 'no-store');
      const binary = /^\/api\/(volume|labels)\/([^/]+)$/.exec(path);
      if (binary) {
        if (request.method !== 'GET' && request.method !== 'HEAD') return sendMethodNotAllowed(response, 'GET');
        const readingId = /^[0-9]{1,12}$/.test(binary[2]) ? Number(binary[2]) : binary[2];
        return sendResult(response, await invokeChannel(options.handlers, BINARY_ROUTES[binary[1]], { readingId }, callerOf(request)), request.method === 'HEAD');
      }
      if (request.method !== 'POST') return sendMethodNotAllowed(response, 'POST');
      const type = request.headers['content-type'] ?? '';
      if (!/^application\/json\b/i.test(type)) {
        return sendJson(response, 415, { ok: false, error: { code: 'bad-request', message: 'send the request as application/json' } });
      }
      const body = await readBody(request);
      if (body === 'too-large') return sendJson(response, 413, { ok: false, error: { code: 'bad-request', message: `the request is too large: at most ${MAX_BODY_BYTES / 1024 / 1024} MiB is accepted` } });
      let payload: unknown;
      try {
        payload = body.length === 0 ? undefined : JSON.parse(body.toString('utf8'));
      } catch {
        return sendJson(response, 400, { ok: false, error: { code: 'bad-request', message: 'the request body is not valid JSON' } });
      }
      const channel = decodeSegment(path.slice('/api/'.length));
      return sendResult(response, await invokeChannel(options.handlers, channel, payload, callerOf(request)), false);
    }
    if (request.method !== 'GET' && request.method !== 'HEAD') return sendMethodNotAllowed(response, 'GET');
    return serveStatic(staticRoot, path, request.method === 'HEAD', response);
  }

  server.on('upgrade', (request: IncomingMessage, socket: Socket, head: Buffer) => {
    const url = requestUrl(request, port);
    const refused = url.pathname === '/api/events' ? refuse(request, url) : { status: 404, message: 'no WebSocket here' };
    if (refused) {
      socket.end(`HTTP/1.1 ${refused.status} ${refused.status === 401 ? 'Unauthorized' : 'Refused'}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
      return;
    }
    sockets.handleUpgrade(request, socket, head, (client) => serveSocket(client));
  });

  function serveSocket(client: WebSocket): void {
    const listeners = EVENT_NAMES.map((name) => {
      const listener = (payload: unknown) => {
        if (client.readyState === client.OPEN) client.send(JSON.stringify({ type: 'event', name, payload }));
      };
      options.events.on(name, listener);
      return [name, listener] as const;
    });
    client.on('close', () => {
      for (const [name, listener] of listeners) options.events.off(name, listener);
    });
    client.on('error', () => client.terminate());
    client.on('message', (data, isBinary) => {
      void answerSocketRequest(client, isBinary ? undefined : data.toString());
    });
  }

  async function answerSocketRequest(client: WebSocket, text: string | undefined): Promise<void> {
    let message: unknown;
    try {
      message = text === undefined ? undefined : JSON.parse(text);
    } catch {
      message = undefined;
    }
    const envelope = message as { type?: unknown; id?: unknown; channel?: unknown; request?: unknown; session?: unknown } | undefined;
    const id = typeof envelope?.id === 'number' || typeof envelope?.id === 'string' ? envelope.id : null;
    let result: ApiResult<unknown>;
    if (!envelope || envelope.type !== 'request' || id === null) {
      result = { ok: false, error: { code: 'bad-request', message: 'send {"type":"request","id":<number>,"channel":"...","request":{...}}' } };
    } else if ((BINARY_CHANNELS as readonly unknown[]).includes(envelope.channel)) {
      result = { ok: false, error: { code: 'bad-request', message: `${String(envelope.channel)} answers bytes: POST /api/${String(envelope.channel)} (or GET /api/volume|labels/<readingId>)` } };
    } else {
      result = await invokeChannel(options.handlers, envelope.channel, envelope.request, { sessionToken: typeof envelope.session === 'string' ? envelope.session : undefined });
    }
    if (client.readyState === client.OPEN) client.send(JSON.stringify({ type: 'response', id, result }));
  }

  await new Promise<void>((resolveListen, reject) => {
    server.once('error', reject);
    // Loopback only: nothing on the network can reach the API, whatever the firewall says.
    server.listen(options.port ?? 0, LOOPBACK, () => {
      server.off('error', reject);
      resolveListen();
    });
  });
  port = (server.address() as AddressInfo).port;
  const origin = `http://${LOOPBACK}:${port}`;

  return {
    url: `${origin}/?token=${token}`,
    origin,
    token,
    port,
    async close() {
      for (const client of sockets.clients) client.terminate();
      sockets.close();
      server.closeAllConnections();
      await new Promise<void>((done) => server.close(() => done()));
    },
  };
}

/** The account session the request names (the launch token only proves it came from our page). */
function callerOf(request: IncomingMessage): { sessionToken?: string } {
  const header = request.headers[SESSION_HEADER];
  return { sessionToken: typeof header === 'string' && header.length <= 128 ? header : undefined };
}

/** The request target read as a path on this host ("//etc/passwd" is a path here, not a host). */
function requestUrl(request: IncomingMessage, port: number): URL {
  const target = request.url ?? '/';
  return new URL(`http://${LOOPBACK}:${port}${target.startsWith('/') ? target : `/${target}`}`);
}

function setCommonHeaders(response: ServerResponse): void {
  response.setHeader('X-Content-Type-Options', 'nosniff');
  response.setHeader('Referrer-Policy', 'no-referrer');
  response.setHeader('X-Frame-Options', 'DENY');
  response.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
  response.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
  response.setHeader('Content-Security-Policy', CONTENT_SECURITY_POLICY);
}

function sendJson(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(text) });
  response.end(text);
}

function sendResult(response: ServerResponse, result: ApiResult<unknown>, headOnly: boolean): void {
  if (!result.ok) return sendJson(response, STATUS_OF_ERROR[result.error.code] ?? 500, result);
  if (result.value instanceof ArrayBuffer) {
    // A view on the handler's buffer, not a copy: the volume is ~25 MB and is sent as it is.
    const bytes = Buffer.from(result.value);
    response.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': bytes.length });
    response.end(headOnly ? undefined : bytes);
    return;
  }
  sendJson(response, 200, result);
}

function sendMethodNotAllowed(response: ServerResponse, allow: string): void {
  response.setHeader('Allow', allow);
  sendJson(response, 405, { ok: false, error: { code: 'bad-request', message: `use ${allow} here` } });
}

async function readBody(request: IncomingMessage): Promise<Buffer | 'too-large'> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) {
      request.resume();
      return 'too-large';
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

function readCookie(header: string | undefined, name: string): string | undefined {
  for (const part of header?.split(';') ?? []) {
    const [key, ...value] = part.trim().split('=');
    if (key === name) return value.join('=');
  }
  return undefined;
}

function decodeSegment(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}

function resolveStaticRoot(dir: string): string {
  const absolute = resolve(dir);
  try {
    return realpathSync(absolute);
  } catch {
    return absolute; // not built yet: every static request answers 404 with the reason
  }
}

/**
 * A file under the static root, or nothing: decoded "..", encoded slashes, NUL bytes and symlinks
 * leading out of the folder are all refused (the resolved real path must stay inside the root).
 */
async function serveStatic(root: string, pathname: string, headOnly: boolean, response: ServerResponse): Promise<void> {
  const decoded = decodeSegment(pathname);
  if (decoded === undefined || decoded.includes('\0') || decoded.includes('\\')) {
    return sendText(response, 400, 'bad path');
  }
  const relativePath = decoded === '/' ? 'index.html' : decoded.replace(/^\/+/, '');
  const candidate = resolve(root, relativePath);
  if (!isInside(root, candidate)) return sendText(response, 403, 'outside the renderer folder');
  let file = await realpath(candidate).catch(() => undefined);
  if (file === undefined && extname(relativePath) === '') {
    // A client-side route (/reading/...): the single page answers it.
    file = await realpath(resolve(root, 'index.html')).catch(() => undefined);
  }
  if (file === undefined) return sendText(response, 404, `not found (is the renderer built into ${root}?)`);
  if (!isInside(root, file)) return sendText(response, 403, 'outside the renderer folder');
  const info = await stat(file).catch(() => undefined);
  if (!info?.isFile()) return sendText(response, 404, 'not found');
  response.writeHead(200, {
    'Content-Type': CONTENT_TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream',
    'Content-Length': info.size,
    'Cache-Control': 'no-cache',
  });
  if (headOnly) {
    response.end();
    return;
  }
  createReadStream(file).on('error', () => response.destroy()).pipe(response);
}

function isInside(root: string, path: string): boolean {
  return path === root || path.startsWith(root.endsWith(sep) ? root : root + sep);
}

function sendText(response: ServerResponse, status: number, text: string): void {
  response.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(text) });
  response.end(text);
}
