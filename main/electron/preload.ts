/**
 * The preload of the workstation window: exposes the one API as `window.cac` and nothing else.
 * It runs sandboxed (a bundled CommonJS script, dist/main/electron/preload.cjs) with
 * contextIsolation, so the page gets only these three functions, never ipcRenderer.
 * The renderer's API client (main/api/client.ts) takes it as its transport:
 * createCacClient({ invoke: window.cac.invoke, subscribe: window.cac.on }).
 */
import { contextBridge, ipcRenderer } from 'electron';
import type { ApiResult, BinaryChannel, CacEventName, CacEvents, CacRequest, CacResponse, Channel } from '../api/contract.js';
import type { CacTransport } from '../api/client.js';
import { apiWhitelist, type ShellEvents } from './apiChannels.js';
import { createRendererBridge } from './rendererBridge.js';

type BridgeEvents = CacEvents & ShellEvents;

const bridge = createRendererBridge(ipcRenderer, apiWhitelist);

const api = {
  /** One API call; the answer is { ok: true, value } or { ok: false, error } with an actionable message. */
  invoke: bridge.invoke as <C extends Channel>(channel: C, request: CacRequest<C>, sessionToken?: string) => Promise<ApiResult<CacResponse<C>>>,
  /** Subscribes to an API event; call the returned function to unsubscribe. */
  on: bridge.on as <E extends CacEventName | keyof ShellEvents>(event: E, listener: (payload: BridgeEvents[E]) => void) => () => void,
  /** The HU or label volume of an open reading, as bytes (invoke answers the same for these channels). */
  fetchBinary: bridge.fetchBinary as <C extends BinaryChannel>(channel: C, request: CacRequest<C>, sessionToken?: string) => Promise<ApiResult<ArrayBuffer>>,
};

contextBridge.exposeInMainWorld('cac', api);

/** The type of `window.cac` for the renderer (declare it on Window there). */
export type CacBridge = typeof api;

// main/api/client.ts takes window.cac as its transport; a drift between the two fails the build.
const transportCheck: (bridge: CacBridge) => CacTransport = (bridge) => ({ invoke: bridge.invoke, subscribe: bridge.on });
void transportCheck;
