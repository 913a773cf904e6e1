/**
 * The renderer's only door to the API. In Electron the preload exposes `window.cac` (IPC); in
 * browser mode the page was opened as http://127.0.0.1:<port>/?token=..., the host answered with
 * an HttpOnly cookie, and same-origin fetches and the WebSocket carry it: no token in script.
 */
import { createCacClient, createHttpTransport, type CacClient, type CacTransport } from '../../main/api/client.js';
import type { ApiResult, BinaryChannel, CacRequest } from '../../main/api/contract.js';

interface CacBridgeLike {
  invoke(channel: string, request: unknown): Promise<ApiResult<unknown>>;
  on(event: string, listener: (payload: unknown) => void): () => void;
  fetchBinary(channel: BinaryChannel, request: unknown): Promise<ApiResult<ArrayBuffer>>;
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
      invoke: (channel, request) =>
        channel === 'reading.volume' || channel === 'reading.labels' ? bridge.fetchBinary(channel, request) : bridge.invoke(channel, request),
      subscribe: (event, listener) => bridge.on(event, listener),
    };
  }
  return createHttpTransport({ origin: window.location.origin });
}

export const cacClient: CacClient = createCacClient(transport());

export function fetchVolume(readingId: number): Promise<ArrayBuffer> {
  return cacClient.call('reading.volume', { readingId } satisfies CacRequest<'reading.volume'>);
}

export function fetchLabels(readingId: number): Promise<ArrayBuffer> {
  return cacClient.call('reading.labels', { readingId });
}

export { ApiCallError } from '../../main/api/client.js';
