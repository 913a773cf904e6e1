/**
 * Main's side of the IPC transport: one ipcMain handler per whitelisted API channel, each checking
 * the sender frame before the handler table sees the request, and the API's events forwarded to
 * the window. Written against small interfaces so it runs in tests without Electron.
 */
import { ipcEventChannel, ipcInvokeChannel, type ChannelWhitelist } from './channelWhitelist.js';
import { isTrustedSender, type SenderFrame } from './ipcSenderCheck.js';

/** The handler table of the one API: validates its request itself and answers typed errors. */
export type HandlerTable = Record<string, (request: unknown, caller?: { sessionToken?: string }) => Promise<unknown>>;

/** What Electron passes an ipcMain.handle listener that the check needs. */
export interface InvokeEventLike {
  senderFrame: SenderFrame | null;
}

export interface IpcMainLike {
  handle(channel: string, listener: (event: InvokeEventLike, ...args: unknown[]) => Promise<unknown>): void;
  removeHandler(channel: string): void;
}

export class ForbiddenSenderError extends Error {
  constructor(channel: string) {
    super(`request on "${channel}" refused: it did not come from the workstation's own page`);
    this.name = 'ForbiddenSenderError';
  }
}

export interface RegisterOptions {
  ipcMain: IpcMainLike;
  handlers: HandlerTable;
  whitelist: ChannelWhitelist;
  /** Told about every refused sender (for the audit log / console). */
  onForbiddenSender?: (channel: string, senderUrl: string | undefined) => void;
}

/** Registers the API on ipcMain; returns the function that removes the handlers again. */
export function registerIpcApi({ ipcMain, handlers, whitelist, onForbiddenSender }: RegisterOptions): () => void {
  const registered: string[] = [];
  for (const channel of whitelist.names.invoke) {
    const handler = Object.hasOwn(handlers, channel) ? handlers[channel] : undefined;
    if (!handler) continue;
    const ipcChannel = ipcInvokeChannel(channel);
    ipcMain.handle(ipcChannel, async (event, request, sessionToken) => {
      if (!isTrustedSender(event.senderFrame)) {
        onForbiddenSender?.(channel, event.senderFrame?.url);
        throw new ForbiddenSenderError(channel);
      }
      // The account session the page signed in with (auth.login answered it); the handler table checks it.
      return handler(request, { sessionToken: typeof sessionToken === 'string' && sessionToken.length <= 128 ? sessionToken : undefined });
    });
    registered.push(ipcChannel);
  }
  return () => {
    for (const ipcChannel of registered) ipcMain.removeHandler(ipcChannel);
  };
}

/** Where API events come from (an EventEmitter or the services' event hub). */
export interface ApiEventSource {
  on(event: string, listener: (payload: unknown) => void): unknown;
  off(event: string, listener: (payload: unknown) => void): unknown;
}

/**
 * Forwards every whitelisted event to `send` (webContents.send of the current window, which may be
 * gone: send decides). Returns the function that stops forwarding.
 */
export function forwardApiEvents(source: ApiEventSource, whitelist: ChannelWhitelist, send: (ipcChannel: string, payload: unknown) => void): () => void {
  const listeners = whitelist.names.events.map((event) => {
    const listener = (payload: unknown) => send(ipcEventChannel(event), payload);
    source.on(event, listener);
    return [event, listener] as const;
  });
  return () => {
    for (const [event, listener] of listeners) source.off(event, listener);
  };
}
