/**
 * What the preload exposes as `window.cac`, written against a small ipcRenderer interface so it can
 * be tested without Electron. The page never sees ipcRenderer or an IpcRendererEvent (whose
 * `sender` would hand it the raw IPC object): listeners get the payload only.
 */
import { ipcEventChannel, ipcInvokeChannel, type ChannelWhitelist } from './channelWhitelist.js';

/** The part of Electron's ipcRenderer the bridge uses. */
export interface IpcRendererLike {
  invoke(channel: string, ...args: unknown[]): Promise<unknown>;
  on(channel: string, listener: (event: unknown, ...args: unknown[]) => void): unknown;
  removeListener(channel: string, listener: (event: unknown, ...args: unknown[]) => void): unknown;
}

export class BridgeChannelError extends Error {
  constructor(readonly channel: unknown) {
    super(`"${String(channel)}" is not a channel of the workstation API`);
    this.name = 'BridgeChannelError';
  }
}

/** The bytes of a binary answer as a standalone ArrayBuffer (IPC may deliver a Uint8Array view). */
export function toArrayBuffer(payload: unknown): ArrayBuffer | undefined {
  if (payload instanceof ArrayBuffer) return payload;
  if (ArrayBuffer.isView(payload)) {
    const bytes = new Uint8Array(payload.byteLength);
    bytes.set(new Uint8Array(payload.buffer, payload.byteOffset, payload.byteLength));
    return bytes.buffer;
  }
  return undefined;
}

/** A binary answer as the API's result shape: bytes become { ok: true, value: ArrayBuffer }, typed errors pass. */
export interface BinaryError {
  code: string;
  message: string;
  details?: string[];
}
export type BinaryResult = { ok: true; value: ArrayBuffer } | { ok: false; error: BinaryError };

export function binaryResult(payload: unknown): BinaryResult {
  const direct = toArrayBuffer(payload);
  if (direct) return { ok: true, value: direct };
  if (typeof payload === 'object' && payload !== null && 'ok' in payload) {
    const result = payload as { ok: unknown; value?: unknown; error?: BinaryError };
    if (result.ok === true) {
      const value = toArrayBuffer(result.value);
      if (value) return { ok: true, value };
    } else if (result.ok === false && result.error) {
      return { ok: false, error: result.error };
    }
  }
  return { ok: false, error: { code: 'internal', message: 'the workstation answered a volume request without the volume' } };
}

export function createRendererBridge(ipc: IpcRendererLike, whitelist: ChannelWhitelist) {
  return {
    /** Calls one API channel; the answer is the handler table's result (typed errors included). */
    async invoke(channel: string, request?: unknown, sessionToken?: string): Promise<unknown> {
      if (!whitelist.isInvokeChannel(channel)) throw new BridgeChannelError(channel);
      const answer = await ipc.invoke(ipcInvokeChannel(channel), request, typeof sessionToken === 'string' ? sessionToken : undefined);
      // Volumes come back as a plain ArrayBuffer whichever way IPC delivered the bytes.
      return whitelist.isBinaryChannel(channel) ? binaryResult(answer) : answer;
    },
    /** Listens to one API event; returns the function that stops listening. */
    on(event: string, listener: (payload: unknown) => void): () => void {
      if (!whitelist.isEventChannel(event)) throw new BridgeChannelError(event);
      const ipcChannel = ipcEventChannel(event);
      const forward = (_event: unknown, payload: unknown) => listener(payload);
      ipc.on(ipcChannel, forward);
      return () => {
        ipc.removeListener(ipcChannel, forward);
      };
    },
    /** Fetches a volume (HU or labels) as an ArrayBuffer the page can wrap in a typed array. */
    async fetchBinary(channel: string, request?: unknown, sessionToken?: string): Promise<BinaryResult> {
      if (!whitelist.isBinaryChannel(channel)) throw new BridgeChannelError(channel);
      return binaryResult(await ipc.invoke(ipcInvokeChannel(channel), request, typeof sessionToken === 'string' ? sessionToken : undefined));
    },
  };
}

export type RendererBridge = ReturnType<typeof createRendererBridge>;
