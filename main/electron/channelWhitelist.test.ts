import { describe, expect, it } from 'vitest';
import { BINARY_CHANNELS, CHANNELS, EVENT_NAMES } from '../api/contract.js';
import { API_CHANNEL_NAMES, apiWhitelist, SHELL_EVENTS } from './apiChannels.js';
import { createChannelWhitelist, ipcEventChannel, ipcInvokeChannel } from './channelWhitelist.js';

describe('channel whitelist', () => {
  const whitelist = createChannelWhitelist({ invoke: ['studies.list', 'reading.volume'], events: ['import.progress'], binary: ['reading.volume'] });

  it('passes the listed names only', () => {
    expect(whitelist.isInvokeChannel('studies.list')).toBe(true);
    expect(whitelist.isInvokeChannel('studies.delete')).toBe(false);
    expect(whitelist.isEventChannel('import.progress')).toBe(true);
    expect(whitelist.isEventChannel('studies.list')).toBe(false);
    expect(whitelist.isBinaryChannel('reading.volume')).toBe(true);
    expect(whitelist.isBinaryChannel('studies.list')).toBe(false);
  });

  it('is not fooled by prototype names or non-strings', () => {
    for (const name of ['constructor', '__proto__', 'toString', 'hasOwnProperty']) expect(whitelist.isInvokeChannel(name)).toBe(false);
    for (const value of [undefined, null, 1, {}, ['studies.list'], { toString: () => 'studies.list' }]) expect(whitelist.isInvokeChannel(value)).toBe(false);
  });

  it('refuses a binary channel that is not an invoke channel', () => {
    expect(() => createChannelWhitelist({ invoke: [], events: [], binary: ['reading.labels'] })).toThrow(/not an invoke channel/);
  });

  it('namespaces the IPC channel names', () => {
    expect(ipcInvokeChannel('studies.list')).toBe('cac:invoke:studies.list');
    expect(ipcEventChannel('import.progress')).toBe('cac:event:import.progress');
  });
});

describe('the API whitelist', () => {
  it('is exactly the contract: its channels, binary channels and events, plus the shell events', () => {
    expect([...API_CHANNEL_NAMES.invoke].sort()).toEqual([...CHANNELS].sort());
    expect([...API_CHANNEL_NAMES.binary].sort()).toEqual([...BINARY_CHANNELS].sort());
    expect([...API_CHANNEL_NAMES.events].sort()).toEqual([...EVENT_NAMES, ...SHELL_EVENTS].sort());
    expect(apiWhitelist.isBinaryChannel('reading.labels')).toBe(true);
  });
});
