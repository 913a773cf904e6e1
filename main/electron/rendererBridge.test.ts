import { describe, expect, it } from 'vitest';
import { EventEmitter } from 'node:events';
import { createChannelWhitelist } from './channelWhitelist.js';
import { binaryResult, BridgeChannelError, createRendererBridge, type IpcRendererLike } from './rendererBridge.js';

const whitelist = createChannelWhitelist({ invoke: ['studies.list', 'reading.volume'], events: ['import.progress'], binary: ['reading.volume'] });

/** An ipcRenderer stand-in: records invokes, answers from a table, emits events like Electron (event first). */
function fakeIpc(answers: Record<string, unknown> = {}) {
  const emitter = new EventEmitter();
  const invoked: Array<[string, unknown]> = [];
  const ipc: IpcRendererLike = {
    invoke: async (channel, request) => {
      invoked.push([channel, request]);
      return answers[channel];
    },
    on: (channel, listener) => emitter.on(channel, listener),
    removeListener: (channel, listener) => emitter.removeListener(channel, listener),
  };
  return { ipc, invoked, emitter };
}

describe('the renderer bridge', () => {
  it('invokes whitelisted channels on their namespaced IPC channel', async () => {
    const { ipc, invoked } = fakeIpc({ 'cac:invoke:studies.list': { ok: true, value: { studies: [] } } });
    const bridge = createRendererBridge(ipc, whitelist);
    await expect(bridge.invoke('studies.list', { limit: 5 })).resolves.toEqual({ ok: true, value: { studies: [] } });
    expect(invoked).toEqual([['cac:invoke:studies.list', { limit: 5 }]]);
  });

  it('refuses other channels before anything reaches IPC', async () => {
    const { ipc, invoked } = fakeIpc();
    const bridge = createRendererBridge(ipc, whitelist);
    await expect(bridge.invoke('shell.openExternal', 'https://example.com')).rejects.toBeInstanceOf(BridgeChannelError);
    await expect(bridge.invoke('cac:invoke:studies.list')).rejects.toBeInstanceOf(BridgeChannelError);
    expect(() => bridge.on('studies.list', () => undefined)).toThrow(BridgeChannelError);
    await expect(bridge.fetchBinary('studies.list')).rejects.toBeInstanceOf(BridgeChannelError);
    expect(invoked).toEqual([]);
  });

  it('hands listeners the payload only, and unsubscribes', () => {
    const { ipc, emitter } = fakeIpc();
    const bridge = createRendererBridge(ipc, whitelist);
    const received: unknown[] = [];
    const unsubscribe = bridge.on('import.progress', (payload) => received.push(payload));
    const ipcEvent = { sender: 'the raw ipcRenderer must not leak' };
    emitter.emit('cac:event:import.progress', ipcEvent, { importJobId: 1 });
    unsubscribe();
    emitter.emit('cac:event:import.progress', ipcEvent, { importJobId: 2 });
    expect(received).toEqual([{ importJobId: 1 }]);
    expect(emitter.listenerCount('cac:event:import.progress')).toBe(0);
  });

  it('fetches volumes as standalone ArrayBuffers', async () => {
    const backing = new Uint8Array([9, 9, 1, 2, 3, 4, 9]);
    const { ipc } = fakeIpc({ 'cac:invoke:reading.volume': { ok: true, value: backing.subarray(2, 6) } });
    const result = await createRendererBridge(ipc, whitelist).fetchBinary('reading.volume', { readingId: 1 });
    expect(result.ok).toBe(true);
    if (result.ok) {
      expect(result.value).toBeInstanceOf(ArrayBuffer);
      expect([...new Uint8Array(result.value)]).toEqual([1, 2, 3, 4]);
    }
  });
});

describe('binaryResult', () => {
  it('accepts raw bytes and API results, passes typed errors, and refuses anything else', () => {
    const bytes = new Int16Array([-1000, 400]).buffer;
    expect(binaryResult(bytes)).toEqual({ ok: true, value: bytes });
    expect(binaryResult({ ok: true, value: bytes })).toEqual({ ok: true, value: bytes });
    const error = { code: 'not-found', message: 'reading 4 is not open' };
    expect(binaryResult({ ok: false, error })).toEqual({ ok: false, error });
    expect(binaryResult({ ok: true, value: 'bytes' })).toMatchObject({ ok: false, error: { code: 'internal' } });
    expect(binaryResult(undefined)).toMatchObject({ ok: false, error: { code: 'internal' } });
  });
});

describe('invoke on a binary channel', () => {
  it('answers the same ArrayBuffer result as fetchBinary', async () => {
    const { ipc } = fakeIpc({ 'cac:invoke:reading.volume': { ok: true, value: new Uint8Array([5, 6]) } });
    const result = (await createRendererBridge(ipc, whitelist).invoke('reading.volume', { readingId: 1 })) as { ok: true; value: ArrayBuffer };
    expect(result.value).toBeInstanceOf(ArrayBuffer);
    expect([...new Uint8Array(result.value)]).toEqual([5, 6]);
  });
});
