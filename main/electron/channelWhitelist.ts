/**
 * Which API channels and events may cross the IPC boundary. The preload refuses anything else
 * before it reaches Electron, and main registers handlers only for these names, so a compromised
 * page cannot reach an ipcMain listener that some library added.
 */
export interface ApiChannelNames {
  /** Request/response channels of the API contract. */
  invoke: readonly string[];
  /** Events main pushes to the page (import progress, worker crash, ...). */
  events: readonly string[];
  /** Invoke channels whose answer is raw bytes (HU volume, label volume), handed over as ArrayBuffer. */
  binary: readonly string[];
}

export interface ChannelWhitelist {
  isInvokeChannel(channel: unknown): channel is string;
  isEventChannel(event: unknown): event is string;
  isBinaryChannel(channel: unknown): channel is string;
  readonly names: ApiChannelNames;
}

/** IPC channel names are namespaced so API names cannot collide with Electron's or a library's. */
export const ipcInvokeChannel = (channel: string): string => `cac:invoke:${channel}`;
export const ipcEventChannel = (event: string): string => `cac:event:${event}`;

export function createChannelWhitelist(names: ApiChannelNames): ChannelWhitelist {
  const invoke = new Set(names.invoke);
  const events = new Set(names.events);
  const binary = new Set(names.binary);
  for (const channel of binary) {
    if (!invoke.has(channel)) throw new Error(`binary channel "${channel}" is not an invoke channel`);
  }
  // Set.has on a plain string only: no prototype lookups ("constructor", "__proto__") sneak through.
  return {
    isInvokeChannel: (channel): channel is string => typeof channel === 'string' && invoke.has(channel),
    isEventChannel: (event): event is string => typeof event === 'string' && events.has(event),
    isBinaryChannel: (channel): channel is string => typeof channel === 'string' && binary.has(channel),
    names,
  };
}
