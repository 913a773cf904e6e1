/**
 * Channel by channel: who may call what, through the REAL handler table (createServices on a temp
 * data directory, the real AccountService and sessions), for every channel of the contract and each
 * single-role account, no session, a locked session and one that must change its password. Then the
 * key rules spelt out, and the same checks over the browser-mode host's HTTP and the IPC handlers.
 *
 * Each call carries a request no channel accepts (an unknown field): a caller the roles admit gets
 * 'bad-request' (it passed the role check and stopped at validation, so no handler runs and nothing
 * changes), a caller they refuse gets the refusal before the request is even read.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { WebSocket } from 'ws';
import { createServices, type WorkstationServices } from '../api/createServices.js';
import { createApiHandlers, type ApiHandlers } from '../api/handlers.js';
import { CHANNELS, requestSchemas, type ApiResult, type Channel } from '../api/contract.js';
import { startBrowserHost, type BrowserHost } from '../host/browserHost.js';
import { createChannelWhitelist, ipcInvokeChannel } from '../electron/channelWhitelist.js';
import { registerIpcApi, type InvokeEventLike, type IpcMainLike } from '../electron/ipcApi.js';
import { makeTempDir } from '../../test/support/tempDir.js';
import { ALL_ROLES, createAccount, logIn, TEST_PASSWORD } from '../../test/support/accounts.js';
import { CHANNELS_BEFORE_PASSWORD_CHANGE, CHANNELS_WHILE_LOCKED } from './authContract.js';
import { ACTIVITY_REPORT_GRACE_MS } from './sessions.js';
import { CHANNEL_ACCESS } from './channelAccess.js';
import { hashPassword } from './passwords.js';
import { ROLES, type Role } from './roles.js';

/** No channel's schema has this field: every request carrying it is refused at validation. */
const PROBE = { notAFieldOfAnyChannel: true };

type Handlers = ReturnType<typeof createApiHandlers>;
type Outcome = 'passed' | 'not-permitted' | 'login-required' | 'session-locked' | 'password-change-required';

/** What the caller got: 'passed' = the role check let it through (the probe then failed validation). */
function outcomeOf(result: ApiResult<unknown>): Outcome | string {
  if (result.ok) return 'ran';
  if (result.error.code === 'bad-request') return 'passed';
  return result.error.code;
}

function expectedFor(channel: Channel, roles: readonly Role[]): Outcome {
  const access = CHANNEL_ACCESS[channel];
  if (access === 'public' || access === 'signed-in') return 'passed';
  return roles.some((role) => access.includes(role)) ? 'passed' : 'not-permitted';
}

const isRoleList = (access: (typeof CHANNEL_ACCESS)[Channel]): access is readonly Role[] => Array.isArray(access);

describe('channel access through the real handler table', () => {
  let temp: { dir: string; remove: () => Promise<void> };
  let services: WorkstationServices;
  let handlers: Handlers;
  /** A signed-in session token per single-role account. */
  const tokens = {} as Record<Role, string>;
  let lockedToken: string;
  let mustChangeToken: string;

  const call = (channel: Channel, request: unknown, sessionToken?: string) => (handlers as ApiHandlers)[channel](request, sessionToken === undefined ? undefined : { sessionToken });
  const codeOf = async (channel: Channel, request: unknown, sessionToken?: string) => outcomeOf(await call(channel, request, sessionToken));
  const refusalsAudited = () => services.store.db.prepare("SELECT COUNT(*) FROM audit_events WHERE action = 'access-refused'").pluck().get() as number;

  beforeAll(async () => {
    temp = await makeTempDir('channel-access');
    services = await createServices(join(temp.dir, 'data'), { demoStudy: false, studyQuietMs: 60_000, accounts: { delay: async () => undefined } });
    handlers = createApiHandlers(services);
    for (const role of ROLES) tokens[role] = await logIn(services.accounts, { username: role, displayName: `Test ${role}`, roles: [role] });

    // Every role, so only the lock decides.
    lockedToken = await logIn(services.accounts, { username: 'locked-reader', displayName: 'Lou Locked', roles: ALL_ROLES });
    services.accounts.lock(services.accounts.sessions.resolve(lockedToken)!);

    // Every role, and a password the administrator reset.
    const id = await createAccount(services.accounts, { username: 'new-reader', displayName: 'Nia New', roles: ALL_ROLES });
    services.accounts.users.setPassword(id, await hashPassword(TEST_PASSWORD), true, new Date().toISOString(), 'test set-up');
    mustChangeToken = (await services.accounts.login('new-reader', TEST_PASSWORD)).session.token;
  }, 120_000);

  afterAll(async () => {
    await handlers?.shutdown();
    await services?.close();
    await temp?.remove();
  });

  it('the probe request is invalid for every channel, and every channel has an entry in the table', () => {
    expect(CHANNELS.length).toBeGreaterThan(40);
    for (const channel of CHANNELS) {
      expect(requestSchemas[channel].safeParse(PROBE).success, channel).toBe(false);
      expect(CHANNEL_ACCESS[channel], channel).toBeDefined();
    }
    expect(Object.keys(CHANNEL_ACCESS).sort()).toEqual([...CHANNELS].sort());
  });

  for (const role of ROLES) {
    it(`a ${role} gets exactly the channels the table gives the role, and each refusal is audited`, async () => {
      const before = refusalsAudited();
      const got: Record<string, string> = {};
      const expected: Record<string, string> = {};
      for (const channel of CHANNELS) {
        got[channel] = await codeOf(channel, PROBE, tokens[role]);
        expected[channel] = expectedFor(channel, [role]);
      }
      expect(got).toEqual(expected);
      const refused = Object.values(expected).filter((outcome) => outcome === 'not-permitted').length;
      expect(refused).toBeGreaterThan(0);
      expect(refusalsAudited() - before).toBe(refused);
      // The session is still usable afterwards: refusals do not end it.
      expect(await codeOf('settings.get', {}, tokens[role])).toBe('ran');
    });
  }

  it('without a session only the public channels answer; every other channel says login-required', async () => {
    for (const channel of CHANNELS) {
      const expected = CHANNEL_ACCESS[channel] === 'public' ? 'passed' : 'login-required';
      expect(await codeOf(channel, PROBE), channel).toBe(expected);
      expect(await codeOf(channel, PROBE, 'no-such-session-token'), channel).toBe(expected);
    }
    const ended = await call('studies.list', {}, 'no-such-session-token');
    expect(ended.ok === false && ended.error.message).toMatch(/session has ended/);
  });

  it('a locked session (every role) is refused with session-locked except on the unlock channels', async () => {
    for (const channel of CHANNELS) {
      const expected = CHANNELS_WHILE_LOCKED.includes(channel) ? 'passed' : 'session-locked';
      expect(await codeOf(channel, PROBE, lockedToken), channel).toBe(expected);
    }
    const refused = await call('studies.list', {}, lockedToken);
    expect(refused.ok === false && refused.error.message).toMatch(/Lou Locked unlocks it with the password/);
    expect(services.accounts.sessions.resolve(lockedToken)!.locked).toBe(true);
  });

  it('a session that must change its password reaches only the password-change channels', async () => {
    for (const channel of CHANNELS) {
      const expected = CHANNELS_BEFORE_PASSWORD_CHANGE.includes(channel) ? 'passed' : 'password-change-required';
      expect(await codeOf(channel, PROBE, mustChangeToken), channel).toBe(expected);
    }
  });

  it('an idle session locks itself at its next request', async () => {
    const token = await logIn(services.accounts, { username: 'idle-reader', roles: ['radiologist'] });
    const session = services.accounts.sessions.resolve(token)!;
    session.lastActivityAt -= services.settings.get().session.idleLockMinutes * 60_000 + ACTIVITY_REPORT_GRACE_MS;
    expect(await codeOf('studies.list', {}, token)).toBe('session-locked');
    expect(await codeOf('auth.status', {}, token)).toBe('ran');
  });

  it('only reported activity (auth.touch) restarts the idle clock, not requests such as a refreshed worklist', async () => {
    const token = await logIn(services.accounts, { username: 'busy-reader', roles: ['radiologist'] });
    const session = services.accounts.sessions.resolve(token)!;
    const idleMs = services.settings.get().session.idleLockMinutes * 60_000 + ACTIVITY_REPORT_GRACE_MS;
    session.lastActivityAt -= idleMs - 60_000;
    expect(await codeOf('studies.list', {}, token)).toBe('ran');
    expect(await codeOf('auth.touch', {}, token)).toBe('ran');
    session.lastActivityAt -= idleMs - 60_000;
    expect(await codeOf('studies.list', {}, token)).toBe('ran');
    session.lastActivityAt -= 60_000;
    expect(await codeOf('studies.list', {}, token)).toBe('session-locked');
  });

  describe('the key rules, spelt out', () => {
    const signRequest = { reportId: 1, version: 1, contentSha256: 'a'.repeat(64) };
    const userRequests: Partial<Record<Channel, unknown>> = {
      'users.list': {},
      'users.add': { username: 'mallory', displayName: 'Mal Lory', roles: ['admin'], password: 'Sneaky-Admin-Pass-1' },
      'users.update': { userId: 1, roles: ['admin'] },
      'users.resetPassword': { userId: 1, password: 'Sneaky-Admin-Pass-1' },
    };

    it('a technologist cannot sign, amend, change site settings or manage users', async () => {
      const technologist = tokens.technologist;
      expect(await codeOf('report.sign', signRequest, technologist)).toBe('not-permitted');
      expect(await codeOf('report.amend', { reportId: 1, readingId: 1, reason: 'wrong artery' }, technologist)).toBe('not-permitted');
      expect(await codeOf('report.draft', { readingId: 1 }, technologist)).toBe('not-permitted');
      expect(await codeOf('settings.update', { patch: { scoring: { thresholdHu: 130 } } }, technologist)).toBe('not-permitted');
      expect(await codeOf('settings.update', { patch: { pacsNodes: [] } }, technologist)).toBe('not-permitted');
      for (const [channel, request] of Object.entries(userRequests)) {
        expect(await codeOf(channel as Channel, request, technologist), channel).toBe('not-permitted');
      }
      expect(services.accounts.users.byUsername('mallory')).toBeUndefined();
      // What a technologist does do: the worklist, dose and notes, the risk-factor questionnaire.
      for (const channel of ['studies.list', 'dose.recordManual', 'notes.save', 'report.saveRiskFactors', 'import.start'] as const) {
        expect(await codeOf(channel, PROBE, technologist), channel).toBe('passed');
      }
    });

    it('a radiologist and a cardiologist sign and amend, but cannot manage users or site settings', async () => {
      for (const role of ['radiologist', 'cardiologist'] as const) {
        expect(await codeOf('report.sign', PROBE, tokens[role])).toBe('passed');
        expect(await codeOf('report.amend', PROBE, tokens[role])).toBe('passed');
        for (const [channel, request] of Object.entries(userRequests)) {
          expect(await codeOf(channel as Channel, request, tokens[role]), `${role} ${channel}`).toBe('not-permitted');
        }
        expect(await codeOf('settings.update', { patch: { display: { overlayOpacity: 0.5 } } }, tokens[role])).toBe('not-permitted');
      }
      expect(services.accounts.users.byUsername('mallory')).toBeUndefined();
    });

    it('a physicist may change the scoring, dose and display settings but not the PACS nodes, receiver, session or report', async () => {
      const physicist = tokens.physicist;
      expect(await codeOf('settings.update', { patch: { scoring: { thresholdHu: 130 } } }, physicist)).toBe('ran');
      expect(await codeOf('settings.update', { patch: { display: { overlayOpacity: 0.4 } } }, physicist)).toBe('ran');
      expect(services.settings.get().display.overlayOpacity).toBe(0.4);
      const receiverBefore = services.settings.get().receiver;
      for (const patch of [{ pacsNodes: [] }, { receiver: { port: 11113 } }, { session: { idleLockMinutes: 240 } }, { report: { siteName: 'Elsewhere' } }, { scoring: { thresholdHu: 130 }, receiver: { enabled: true } }]) {
        const result = await call('settings.update', { patch }, physicist);
        expect(outcomeOf(result), JSON.stringify(patch)).toBe('not-permitted');
        expect(result.ok === false && result.error.message).toMatch(/the administrator's/);
      }
      expect(services.settings.get().receiver).toEqual(receiverBefore);
      expect(services.settings.get().session.idleLockMinutes).not.toBe(240);
      // The physicist does not sign, and does not manage users.
      expect(await codeOf('report.sign', signRequest, physicist)).toBe('not-permitted');
      expect(await codeOf('users.list', {}, physicist)).toBe('not-permitted');
    });

    it('an admin manages users and every settings section, but does not read studies or sign', async () => {
      const admin = tokens.admin;
      expect(await codeOf('users.list', {}, admin)).toBe('ran');
      expect(await codeOf('settings.update', { patch: { pacsNodes: [] } }, admin)).toBe('ran');
      expect(await codeOf('settings.update', { patch: { session: { idleLockMinutes: 15 } } }, admin)).toBe('ran');
      expect(await codeOf('studies.list', {}, admin)).toBe('not-permitted');
      expect(await codeOf('report.sign', signRequest, admin)).toBe('not-permitted');
    });

    it('a person holding several roles gets the union of them', async () => {
      const token = await logIn(services.accounts, { username: 'tech-admin', roles: ['technologist', 'admin'] });
      expect(await codeOf('users.list', {}, token)).toBe('ran');
      expect(await codeOf('studies.list', {}, token)).toBe('ran');
      expect(await codeOf('report.sign', signRequest, token)).toBe('not-permitted');
    });

    it('the signing and clinical channels name their roles in the table (no channel is open to every account by accident)', () => {
      const signedInOnly = CHANNELS.filter((channel) => CHANNEL_ACCESS[channel] === 'signed-in');
      expect(signedInOnly.every((channel) => channel.startsWith('auth.') || channel === 'settings.get')).toBe(true);
      const publicChannels = CHANNELS.filter((channel) => CHANNEL_ACCESS[channel] === 'public');
      expect(publicChannels.sort()).toEqual(['app.info', 'auth.login', 'auth.setupFirstAdmin', 'auth.status']);
      for (const channel of ['report.sign', 'report.amend', 'report.draft', 'report.saveText', 'report.discardDraft'] as const) {
        const access = CHANNEL_ACCESS[channel];
        expect(isRoleList(access) && [...access].sort()).toEqual(['cardiologist', 'radiologist']);
      }
      for (const channel of CHANNELS.filter((name) => name.startsWith('users.'))) {
        expect(CHANNEL_ACCESS[channel], channel).toEqual(['admin']);
      }
    });
  });

  describe('over the browser-mode host (HTTP, X-CAC-Session header)', () => {
    let host: BrowserHost;
    beforeAll(async () => {
      const staticDir = join(temp.dir, 'renderer');
      await mkdir(staticDir, { recursive: true });
      await writeFile(join(staticDir, 'index.html'), '<!doctype html><title>CAC</title>');
      host = await startBrowserHost({ handlers, events: services.events, staticDir });
    });
    afterAll(async () => host?.close());

    const post = async (channel: Channel, body: unknown, session?: string) => {
      const headers: Record<string, string> = { Authorization: `Bearer ${host.token}`, 'Content-Type': 'application/json' };
      if (session !== undefined) headers['X-CAC-Session'] = session;
      const response = await fetch(`${host.origin}/api/${channel}`, { method: 'POST', headers, body: JSON.stringify(body) });
      return { status: response.status, outcome: outcomeOf((await response.json()) as ApiResult<unknown>) };
    };

    it('answers with the same decisions and their HTTP statuses', async () => {
      expect(await post('users.list', {}, tokens.admin)).toEqual({ status: 200, outcome: 'ran' });
      expect(await post('users.list', {}, tokens.radiologist)).toEqual({ status: 403, outcome: 'not-permitted' });
      expect(await post('report.sign', PROBE, tokens.technologist)).toEqual({ status: 403, outcome: 'not-permitted' });
      expect(await post('report.sign', PROBE, tokens.cardiologist)).toEqual({ status: 400, outcome: 'passed' });
      expect(await post('settings.update', { patch: { pacsNodes: [] } }, tokens.physicist)).toEqual({ status: 403, outcome: 'not-permitted' });
      expect(await post('studies.list', {})).toEqual({ status: 401, outcome: 'login-required' });
      expect(await post('studies.list', {}, 'forged-session-token')).toEqual({ status: 401, outcome: 'login-required' });
      expect(await post('studies.list', {}, lockedToken)).toEqual({ status: 423, outcome: 'session-locked' });
      expect(await post('studies.list', {}, mustChangeToken)).toEqual({ status: 403, outcome: 'password-change-required' });
      expect(await post('auth.status', {})).toEqual({ status: 200, outcome: 'ran' });
    });

    it('checks every channel for a technologist over HTTP as in process', async () => {
      for (const channel of CHANNELS) {
        const { outcome } = await post(channel, PROBE, tokens.technologist);
        expect(outcome, channel).toBe(expectedFor(channel, ['technologist']));
      }
    });

    it('the launch token alone is not a session', async () => {
      expect(await post('users.list', {}, host.token)).toEqual({ status: 401, outcome: 'login-required' });
    });

    it('the WebSocket carries the session in each request envelope, with the same decisions', async () => {
      const socket = new WebSocket(`ws://127.0.0.1:${host.port}/api/events?token=${host.token}`, { headers: { Origin: host.origin } });
      await new Promise<void>((resolve, reject) => {
        socket.once('open', () => resolve());
        socket.once('error', reject);
      });
      let nextId = 0;
      const ask = (channel: Channel, request: unknown, session?: string) =>
        new Promise<string>((resolve) => {
          const id = ++nextId;
          const onMessage = (data: Buffer) => {
            const message = JSON.parse(data.toString()) as { type: string; id?: number; result?: ApiResult<unknown> };
            if (message.type !== 'response' || message.id !== id) return;
            socket.off('message', onMessage);
            resolve(outcomeOf(message.result!));
          };
          socket.on('message', onMessage);
          socket.send(JSON.stringify({ type: 'request', id, channel, request, session }));
        });
      try {
        expect(await ask('users.list', {}, tokens.admin)).toBe('ran');
        expect(await ask('users.list', {}, tokens.technologist)).toBe('not-permitted');
        expect(await ask('report.sign', PROBE, tokens.radiologist)).toBe('passed');
        expect(await ask('studies.list', {})).toBe('login-required');
        expect(await ask('studies.list', {}, lockedToken)).toBe('session-locked');
      } finally {
        socket.close();
      }
    });
  });

  describe('over the IPC handlers (session token as the third invoke argument)', () => {
    const appPage = { url: 'app://cac/index.html', parent: null };
    const listeners = new Map<string, (event: InvokeEventLike, ...args: unknown[]) => Promise<unknown>>();
    beforeAll(() => {
      const ipcMain: IpcMainLike = { handle: (channel, listener) => void listeners.set(channel, listener), removeHandler: (channel) => void listeners.delete(channel) };
      const whitelist = createChannelWhitelist({ invoke: CHANNELS, events: [], binary: [] });
      registerIpcApi({ ipcMain, whitelist, handlers: handlers as unknown as Parameters<typeof registerIpcApi>[0]['handlers'] });
    });
    const invoke = async (channel: Channel, request: unknown, sessionToken?: unknown) =>
      outcomeOf((await listeners.get(ipcInvokeChannel(channel))!({ senderFrame: appPage }, request, sessionToken)) as ApiResult<unknown>);

    it('registers every channel', () => {
      expect(listeners.size).toBe(CHANNELS.length);
    });

    it('answers with the same decisions', async () => {
      expect(await invoke('users.list', {}, tokens.admin)).toBe('ran');
      expect(await invoke('users.list', {}, tokens.radiologist)).toBe('not-permitted');
      expect(await invoke('report.amend', PROBE, tokens.technologist)).toBe('not-permitted');
      expect(await invoke('report.amend', PROBE, tokens.radiologist)).toBe('passed');
      expect(await invoke('settings.update', { patch: { receiver: { port: 11113 } } }, tokens.physicist)).toBe('not-permitted');
      expect(await invoke('studies.list', {})).toBe('login-required');
      expect(await invoke('studies.list', {}, lockedToken)).toBe('session-locked');
      expect(await invoke('studies.list', {}, mustChangeToken)).toBe('password-change-required');
      // Not a string, or longer than any token: treated as no session.
      expect(await invoke('studies.list', {}, { sessionToken: tokens.admin })).toBe('login-required');
      expect(await invoke('studies.list', {}, `${tokens.technologist}${'x'.repeat(200)}`)).toBe('login-required');
    });

    it('checks every channel for a physicist over IPC as in process', async () => {
      for (const channel of CHANNELS) {
        expect(await invoke(channel, PROBE, tokens.physicist), channel).toBe(expectedFor(channel, ['physicist']));
      }
    });
  });
});
