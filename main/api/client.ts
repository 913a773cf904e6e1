/**
 * The renderer's view of the API, the same over either transport: `call(channel, request)` answers
 * the typed response or throws an ApiCallError carrying the typed ApiError; `on(event, listener)`
 * returns its unsubscribe function. Browser-safe (no Node imports): the preload builds one over
 * IPC, browser mode over HTTP + WebSocket (createHttpTransport below).
 */
import { BINARY_CHANNELS, type ApiError, type ApiResult, type CacEventName, type CacEvents, type CacRequest, type CacResponse, type Channel } from './contract.js';

export interface CacClient {
  call<C extends Channel>(channel: C, request: CacRequest<C>): Promise<CacResponse<C>>;
  on<E extends CacEventName>(event: E, listener: (payload: CacEvents[E]) => void): () => void;
  /** The account session every later call carries (from auth.login); undefined after logout. */
  setSessionToken(token: string | undefined): void;
  sessionToken(): string | undefined;
}

/** What a transport provides: raw results and raw event subscription. */
export interface CacTransport {
  invoke(channel: Channel, request: unknown, sessionToken?: string): Promise<ApiResult<unknown>>;
  subscribe(event: CacEventName, listener: (payload: unknown) => void): () => void;
}

export class ApiCallError extends Error {
  readonly code: ApiError['code'];
  readonly details?: string[];
  /** reading.open: the other readers' readings to choose from (take over or start your own). */
  readonly otherReadings?: ApiError['otherReadings'];

  constructor(
    readonly channel: Channel,
    error: ApiError,
  ) {
    super(error.message);
    this.name = 'ApiCallError';
    this.code = error.code;
    this.details = error.details;
    this.otherReadings = error.otherReadings;
  }
}

export function createCacClient(transport: CacTransport, initialSessionToken?: string): CacClient {
  let session = initialSessionToken;
  return {
    async call(channel, request) {
      const result = await transport.invoke(channel, request, session);
      if (!result.ok) throw new ApiCallError(channel, result.error);
      return result.value as CacResponse<typeof channel>;
    },
    on(event, listener) {
      return transport.subscribe(event, listener as (payload: unknown) => void);
    },
    setSessionToken(token) {
      session = token;
    },
    sessionToken: () => session,
  };
}

/** The header that carries the account session over HTTP (the host reads it case-insensitively). */
export const SESSION_HEADER = 'X-CAC-Session';

export interface HttpTransportOptions {
  /** http://127.0.0.1:<port>; default: the page's own origin. */
  origin?: string;
  /** Sent as a Bearer token; a page loaded with ?token= has the cookie and needs none. */
  token?: string;
  fetch?: typeof fetch;
  /** The WebSocket constructor (the browser's; `ws` in Node). */
  WebSocket?: new (url: string) => BrowserLikeWebSocket;
}

export interface BrowserLikeWebSocket {
  onmessage: ((message: { data: unknown }) => void) | null;
  onclose: ((event: unknown) => void) | null;
  close(): void;
}

/**
 * Browser mode: requests as POST /api/<channel> (binary channels as GET, bytes back), events from
 * one WebSocket on /api/events opened on the first subscription and reopened if it drops.
 */
export function createHttpTransport(options: HttpTransportOptions = {}): CacTransport {
  const origin = options.origin ?? (globalThis as { location?: { origin: string } }).location?.origin ?? 'http://127.0.0.1';
  const doFetch = options.fetch ?? globalThis.fetch.bind(globalThis);
  const launchHeaders: Record<string, string> = options.token ? { Authorization: `Bearer ${options.token}` } : {};
  const listeners = new Map<CacEventName, Set<(payload: unknown) => void>>();
  let socket: BrowserLikeWebSocket | undefined;

  const openSocket = () => {
    const Socket = options.WebSocket ?? (globalThis as { WebSocket?: HttpTransportOptions['WebSocket'] }).WebSocket;
    if (!Socket) throw new Error('no WebSocket implementation: pass one in the options');
    const url = `${origin.replace(/^http/, 'ws')}/api/events${options.token ? `?token=${encodeURIComponent(options.token)}` : ''}`;
    socket = new Socket(url);
    socket.onmessage = ({ data }) => {
      const message = JSON.parse(String(data)) as { type?: string; name?: CacEventName; payload?: unknown };
      if (message.type !== 'event' || !message.name) return;
      for (const listener of listeners.get(message.name) ?? []) listener(message.payload);
    };
    socket.onclose = () => {
      socket = undefined;
      // Reopen while anyone still listens (the host restarts only with the app, so this is a blip).
      if ([...listeners.values()].some((set) => set.size > 0)) setTimeout(openSocket, 1000);
    };
  };

  return {
    async invoke(channel, request, sessionToken) {
      const headers = { ...launchHeaders, ...(sessionToken ? { [SESSION_HEADER]: sessionToken } : {}) };
      if (channel === 'reading.volume' || channel === 'reading.labels') {
        const { readingId } = (request ?? {}) as { readingId?: unknown };
        const route = channel === 'reading.volume' ? 'volume' : 'labels';
        const response = await doFetch(`${origin}/api/${route}/${encodeURIComponent(String(readingId))}`, { headers, credentials: 'same-origin' });
        if (response.ok) return { ok: true, value: await response.arrayBuffer() };
        return (await response.json()) as ApiResult<unknown>;
      }
      const response = await doFetch(`${origin}/api/${channel}`, {
        method: 'POST',
        headers: { ...headers, 'Content-Type': 'application/json' },
        body: JSON.stringify(request ?? {}),
        credentials: 'same-origin',
      });
      // Other binary channels (the report PDF) answer bytes to the POST when they succeed.
      if ((BINARY_CHANNELS as readonly Channel[]).includes(channel) && response.headers.get('Content-Type') === 'application/octet-stream') {
        return { ok: true, value: await response.arrayBuffer() };
      }
      return (await response.json()) as ApiResult<unknown>;
    },
    subscribe(event, listener) {
      let set = listeners.get(event);
      if (!set) listeners.set(event, (set = new Set()));
      set.add(listener);
      if (!socket) openSocket();
      return () => {
        set.delete(listener);
        if ([...listeners.values()].every((remaining) => remaining.size === 0)) {
          socket?.close();
          socket = undefined;
        }
      };
    },
  };
}
