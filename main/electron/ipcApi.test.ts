import { describe, expect, it } from 'vitest';
import { EventEmitter } from 'node:events';
import { createChannelWhitelist } from './channelWhitelist.js';
import { forwardApiEvents, ForbiddenSenderError, registerIpcApi, type InvokeEventLike, type IpcMainLike } from './ipcApi.js';

const whitelist = createChannelWhitelist({ invoke: ['app.info', 'studies.list'], events: ['import.progress', 'studies.changed'], binary: [] });
const appPage = { url: 'app://cac/index.html', parent: null };

function fakeIpcMain() {
  const handlers = new Map<string, (event: InvokeEventLike, ...args: unknown[]) => Promise<unknown>>();
  const ipcMain: IpcMainLike = {
    handle: (channel, listener) => {
      if (handlers.has(channel)) throw new Error(`second handler for ${channel}`);
      handlers.set(channel, listener);
    },
    removeHandler: (channel) => handlers.delete(channel),
  };
  return { ipcMain, handlers };
}

describe('registerIpcApi', () => {
  it('registers whitelisted channels the table implements, and nothing else', () => {
    const { ipcMain, handlers } = fakeIpcMain();
    registerIpcApi({
      ipcMain,
      whitelist,
      handlers: { 'studies.list': async () => ({ ok: true }), 'debug.eval': async () => 'never exposed' },
    });
    expect([...handlers.keys()]).toEqual(['cac:invoke:studies.list']);
  });

  it("answers the app's own page through the handler table", async () => {
    const { ipcMain, handlers } = fakeIpcMain();
    const seen: unknown[] = [];
    registerIpcApi({ ipcMain, whitelist, handlers: { 'studies.list': async (request) => (seen.push(request), { ok: true, value: { studies: [] } }) } });
    await expect(handlers.get('cac:invoke:studies.list')!({ senderFrame: appPage }, { limit: 3 })).resolves.toEqual({ ok: true, value: { studies: [] } });
    expect(seen).toEqual([{ limit: 3 }]);
  });

  it('refuses foreign, framed and vanished senders before the handler runs', async () => {
    const { ipcMain, handlers } = fakeIpcMain();
    let calls = 0;
    const refused: Array<[string, string | undefined]> = [];
    registerIpcApi({
      ipcMain,
      whitelist,
      handlers: { 'app.info': async () => ++calls },
      onForbiddenSender: (channel, url) => refused.push([channel, url]),
    });
    const handle = handlers.get('cac:invoke:app.info')!;
    await expect(handle({ senderFrame: { url: 'https://example.com/', parent: null } })).rejects.toBeInstanceOf(ForbiddenSenderError);
    await expect(handle({ senderFrame: { url: 'app://cac/index.html', parent: appPage } })).rejects.toBeInstanceOf(ForbiddenSenderError);
    await expect(handle({ senderFrame: null })).rejects.toBeInstanceOf(ForbiddenSenderError);
    expect(calls).toBe(0);
    expect(refused).toEqual([
      ['app.info', 'https://example.com/'],
      ['app.info', 'app://cac/index.html'],
      ['app.info', undefined],
    ]);
  });

  it('removes its handlers again', () => {
    const { ipcMain, handlers } = fakeIpcMain();
    const unregister = registerIpcApi({ ipcMain, whitelist, handlers: { 'app.info': async () => 1, 'studies.list': async () => 2 } });
    unregister();
    expect(handlers.size).toBe(0);
  });
});

describe('forwardApiEvents', () => {
  it('forwards whitelisted events to the window until stopped', () => {
    const hub = new EventEmitter();
    const sent: Array<[string, unknown]> = [];
    const stop = forwardApiEvents(hub, whitelist, (channel, payload) => sent.push([channel, payload]));
    hub.emit('import.progress', { importJobId: 7 });
    hub.emit('settings.secret', { password: 'x' });
    stop();
    hub.emit('studies.changed', { studyInstanceUids: [] });
    expect(sent).toEqual([['cac:event:import.progress', { importJobId: 7 }]]);
    expect(hub.eventNames()).toEqual([]);
  });
});
