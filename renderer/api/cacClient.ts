/**
 * The renderer's only door to the API. In Electron the preload exposes `window.cac` (IPC); in
 * browser mode the page was opened as http://127.0.0.1:<port>/?token=..., the host answered with
 * an HttpOnly cookie, and same-origin fetches and the WebSocket carry it: no token in script.
 */
import { createCacClient, createHttpTransport, type CacClient, type CacTransport } from '../../main/api/client.js';
import type { ApiResult, BinaryChannel, CacRequest } from '../../main/api/contract.js';

interface CacBridgeLike {
  invoke(channel: string, request: unknown, sessionToken?: string): Promise<ApiResult<unknown>>;
  on(event: string, listener: (payload: unknown) => void): () => void;
  fetchBinary(channel: BinaryChannel, request: unknown, sessionToken?: string): Promise<ApiResult<ArrayBuffer>>;
}

declare global {
  interface Window {
    cac?: CacBridgeLike;
  }
}

function transport(): CacTransport {
  const bridge = window.cac;
  if (bridge) {
    return {
      invoke: (channel, request, sessionToken) =>
        channel === 'reading.volume' || channel === 'reading.labels' ? bridge.fetchBinary(channel, request, sessionToken) : bridge.invoke(channel, request, sessionToken),
      subscribe: (event, listener) => bridge.on(event, listener),
    };
  }
  return createHttpTransport({ origin: window.location.origin });
}

/**
 * The account session survives a reload of the page (sessionStorage: this window only, gone when it
 * closes); the server forgets it at logout, lock-out or restart, and then answers login-required.
 */
const SESSION_KEY = 'cac.session';

function storedSessionToken(): string | undefined {
  try {
    return window.sessionStorage.getItem(SESSION_KEY) ?? undefined;
  } catch {
    return undefined;
  }
}

export const cacClient: CacClient = createCacClient(transport(), storedSessionToken());

/** Remember (or forget, with undefined) the session a login answered. */
export function rememberSessionToken(token: string | undefined): void {
  cacClient.setSessionToken(token);
  try {
    if (token) window.sessionStorage.setItem(SESSION_KEY, token);
    else window.sessionStorage.removeItem(SESSION_KEY);
  } catch {
    // Storage refused (private mode): the session lasts until the page reloads.
  }
}

export function fetchVolume(readingId: number): Promise<ArrayBuffer> {
  return cacClient.call('reading.volume', { readingId } satisfies CacRequest<'reading.volume'>);
}

export function fetchLabels(readingId: number): Promise<ArrayBuffer> {
  return cacClient.call('reading.labels', { readingId });
}

export { ApiCallError } from '../../main/api/client.js';
