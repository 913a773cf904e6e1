/**
 * AccountService on a real archive (SQLite file in a temp folder): first admin, login with its
 * slow-down and lockout (injected clock and delay), disabled accounts, password reset, the last
 * administrator, roles applied at once, and every step in the audit_events table.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { ArchiveStore } from '../archive/archiveStore.js';
import { makeTempDir } from '../../test/support/tempDir.js';
import { AccountService, AuthError, LOCKOUT_MS, MAX_FAILED_LOGINS } from './accountService.js';
import { actorLabel, runAs, type Actor } from './actor.js';
import { CURRENT_PARAMETERS, hashPassword, parseHash } from './passwords.js';
import { ACTIVITY_REPORT_GRACE_MS } from './sessions.js';

const ADMIN_PASSWORD = 'Tr0ub4dour-&-3-horses';
const READER_PASSWORD = 'quiet-lantern-harbour-58';
const START = Date.parse('2026-12-05T08:00:00Z');

interface AuditRowInDb {
  id: number;
  actor: string;
  actor_id: number | null;
  action: string;
  outcome: string;
  subject: string | null;
  details: string | null;
}

describe('AccountService on a real archive', () => {
  let temp: { dir: string; remove: () => Promise<void> };
  let store: ArchiveStore;
  let accounts: AccountService;
  let now: number;
  let waits: number[];

  const auditRows = (action?: string): AuditRowInDb[] =>
    (store.db.prepare('SELECT id, actor, actor_id, action, outcome, subject, details FROM audit_events ORDER BY id').all() as AuditRowInDb[]).filter(
      (row) => action === undefined || row.action === action,
    );
  const details = (row: AuditRowInDb) => JSON.parse(row.details ?? 'null') as Record<string, unknown>;
  /** The AuthError code a promise (or a function) fails with. */
  const codeOf = async (work: Promise<unknown> | (() => unknown)): Promise<string> => {
    try {
      await (typeof work === 'function' ? work() : work);
    } catch (reason) {
      expect(reason).toBeInstanceOf(AuthError);
      return (reason as AuthError).code;
    }
    throw new Error('expected an AuthError');
  };

  const firstAdmin = () => accounts.createFirstAdmin({ username: 'asmith', displayName: 'Anna Smith', password: ADMIN_PASSWORD }, 'first start set-up');
  const asAdmin = async <T>(work: () => Promise<T> | T): Promise<T> => {
    const admin = accounts.users.byUsername('asmith') ?? (await firstAdmin());
    return runAs(accounts.actorOfUser(admin), work);
  };
  const addReader = () => asAdmin(() => accounts.addUser({ username: 'bjones', displayName: 'Ben Jones', roles: ['radiologist'], password: READER_PASSWORD }));

  beforeEach(async () => {
    temp = await makeTempDir('accounts');
    store = ArchiveStore.open(join(temp.dir, 'archive'));
    await store.recover();
    now = START;
    waits = [];
    accounts = new AccountService({
      db: store.db,
      audit: store.audit,
      idleLockMinutes: () => 10,
      now: () => now,
      delay: async (ms) => void waits.push(ms),
    });
  });
  afterEach(async () => {
    store.close();
    await temp.remove();
  });

  describe('first administrator', () => {
    it('a fresh archive has no account at all: nothing to log in with, no default password', async () => {
      expect(accounts.setupRequired()).toBe(true);
      expect(store.db.prepare('SELECT COUNT(*) FROM users').pluck().get()).toBe(0);
      for (const [username, password] of [['admin', 'admin'], ['admin', 'changeme'], ['administrator', 'password'], ['root', 'root']]) {
        expect(await codeOf(accounts.login(username, password))).toBe('bad-credentials');
      }
      expect(auditRows('login').every((row) => row.outcome === 'failure' && row.actor_id === null)).toBe(true);
    });

    it('is created once, always as an admin, with a password that meets the rules', async () => {
      expect(await codeOf(accounts.createFirstAdmin({ username: 'asmith', displayName: 'Anna Smith', password: 'password123' }, 'set-up'))).toBe('bad-password');
      expect(await codeOf(accounts.createFirstAdmin({ username: 'asmith', displayName: 'Anna Smith', password: 'short' }, 'set-up'))).toBe('bad-password');
      expect(accounts.setupRequired()).toBe(true);

      const admin = await accounts.createFirstAdmin({ username: 'asmith', displayName: 'Anna Smith', password: ADMIN_PASSWORD, roles: ['radiologist'] }, 'first start set-up');
      expect(admin.roles).toEqual(['radiologist', 'admin']);
      expect(admin.mustChangePassword).toBe(false);
      expect(admin.passwordHash).toMatch(/^scrypt\$/);
      expect(admin.passwordHash).not.toContain(ADMIN_PASSWORD);
      expect(accounts.setupRequired()).toBe(false);

      expect(await codeOf(accounts.createFirstAdmin({ username: 'mallory', displayName: 'Mal Lory', password: 'another-Strong-pass-9' }, 'set-up'))).toBe('setup-done');
      expect(accounts.users.list().map((user) => user.username)).toEqual(['asmith']);

      const [created] = auditRows('first-admin-created');
      expect(created).toMatchObject({ actor: 'first start set-up', actor_id: null, outcome: 'success', subject: 'asmith' });
      expect(details(created)).toMatchObject({ userId: admin.id, roles: ['radiologist', 'admin'] });
    });
  });

  describe('login', () => {
    it('audits success and failure with the person it concerns', async () => {
      const admin = await firstAdmin();
      const { session, user } = await accounts.login('asmith', ADMIN_PASSWORD);
      expect(user.id).toBe(admin.id);
      expect(accounts.sessions.resolve(session.token)).toBe(session);
      expect(await codeOf(accounts.login('asmith', 'not-the-password-1'))).toBe('bad-credentials');
      expect(await codeOf(accounts.login('nobody', ADMIN_PASSWORD))).toBe('bad-credentials');

      const logins = auditRows('login');
      expect(logins.map((row) => [row.actor, row.actor_id, row.outcome])).toEqual([
        ['Anna Smith (asmith)', admin.id, 'success'],
        ['Anna Smith (asmith)', admin.id, 'failure'],
        ['unknown user "nobody"', null, 'failure'],
      ]);
      expect(details(logins[1])).toMatchObject({ reason: 'wrong password', failedInARow: 1 });
      expect(details(logins[2])).toMatchObject({ reason: 'unknown user name' });
      // No row anywhere holds a password.
      expect(JSON.stringify(auditRows())).not.toContain(ADMIN_PASSWORD);
      expect(JSON.stringify(auditRows())).not.toContain('not-the-password-1');
    });

    it(`locks the account after ${MAX_FAILED_LOGINS} wrong passwords in a row, and lets it in again after ${LOCKOUT_MS / 60_000} minutes`, async () => {
      const admin = await firstAdmin();
      for (let attempt = 1; attempt < MAX_FAILED_LOGINS; attempt++) {
        expect(await codeOf(accounts.login('asmith', `wrong-password-${attempt}`))).toBe('bad-credentials');
      }
      expect(accounts.users.byId(admin.id)!.lockedUntil).toBeNull();
      expect(await codeOf(accounts.login('asmith', 'wrong-password-5'))).toBe('account-locked');
      const lockedUntil = accounts.users.byId(admin.id)!.lockedUntil!;
      expect(Date.parse(lockedUntil)).toBe(START + LOCKOUT_MS);
      expect(accounts.userView(accounts.users.byId(admin.id)!).lockedUntil).toBe(lockedUntil);

      // Locked: even the right password is refused, without counting towards anything.
      now = START + LOCKOUT_MS - 1;
      expect(await codeOf(accounts.login('asmith', ADMIN_PASSWORD))).toBe('account-locked');
      const refusedWhileLocked = auditRows('login').at(-1)!;
      expect(details(refusedWhileLocked)).toMatchObject({ reason: 'account locked', lockedUntil });

      now = START + LOCKOUT_MS;
      const { session } = await accounts.login('asmith', ADMIN_PASSWORD);
      expect(session.userId).toBe(admin.id);
      expect(accounts.users.byId(admin.id)).toMatchObject({ failedLogins: 0, lockedUntil: null });
      expect(accounts.userView(accounts.users.byId(admin.id)!).lockedUntil).toBeNull();

      const failures = auditRows('login').filter((row) => row.outcome === 'failure');
      expect(failures).toHaveLength(MAX_FAILED_LOGINS + 1);
      expect(details(failures[MAX_FAILED_LOGINS - 1])).toMatchObject({ failedInARow: 5, lockedUntil });
    });

    // Guesses sent at once (two transports, a script on the HTTP host) each count: the count is kept in SQL.
    it('counts wrong passwords sent at the same time: 20 parallel guesses lock the account', async () => {
      const admin = await firstAdmin();
      const outcomes = await Promise.allSettled(Array.from({ length: 20 }, (_, guess) => accounts.login('asmith', `parallel-guess-${guess}`)));
      expect(outcomes.every((outcome) => outcome.status === 'rejected')).toBe(true);
      expect(accounts.users.byId(admin.id)!.lockedUntil).not.toBeNull();
      expect(await codeOf(accounts.login('asmith', ADMIN_PASSWORD))).toBe('account-locked');
    });

    it('waits longer after each wrong password in a row, and starts again after a success', async () => {
      await firstAdmin();
      for (let attempt = 1; attempt <= 3; attempt++) await codeOf(accounts.login('asmith', `wrong-password-${attempt}`));
      expect(waits).toEqual([400, 800, 1200]);
      await accounts.login('asmith', ADMIN_PASSWORD);
      expect(waits).toHaveLength(3); // a right password answers at once
      await codeOf(accounts.login('asmith', 'wrong-password-again'));
      expect(waits).toEqual([400, 800, 1200, 400]);
      // An unknown name waits too, so it is not told apart by a quick answer.
      await codeOf(accounts.login('nobody', 'wrong-password-x'));
      expect(waits.at(-1)).toBeGreaterThan(0);
    });

    it('refuses a disabled account, even with the right password', async () => {
      await firstAdmin();
      const reader = await addReader();
      await asAdmin(() => accounts.updateUser(reader.id, { disabled: true }));
      expect(await codeOf(accounts.login('bjones', READER_PASSWORD))).toBe('account-disabled');
      expect(details(auditRows('login').at(-1)!)).toMatchObject({ reason: 'account disabled' });
      expect(auditRows('user-disabled')).toHaveLength(1);
      expect(auditRows('user-disabled')[0]).toMatchObject({ actor: 'Anna Smith (asmith)', subject: 'bjones' });
    });

    it('raises a hash made with weaker parameters at the next successful login', async () => {
      const weak = await hashPassword(READER_PASSWORD, { N: 2 ** 12, r: 8, p: 1, keyLength: 32 });
      const id = accounts.users.insert({ username: 'old', displayName: 'Old Timer', roles: ['technologist'], passwordHash: weak, mustChangePassword: false, at: new Date(START).toISOString(), by: 'test' }).id;
      await accounts.login('old', READER_PASSWORD);
      const stored = accounts.users.byId(id)!.passwordHash;
      expect(stored).not.toBe(weak);
      expect(parseHash(stored)!.parameters).toEqual(CURRENT_PARAMETERS);
      await accounts.login('old', READER_PASSWORD);
    });
  });

  describe('sessions', () => {
    it('lock, unlock with the password, logout: each audited', async () => {
      const admin = await firstAdmin();
      const { session } = await accounts.login('asmith', ADMIN_PASSWORD);
      accounts.lock(session);
      expect(session.locked).toBe(true);
      expect(await codeOf(accounts.unlock(session, 'wrong-password-1'))).toBe('bad-credentials');
      expect(session.locked).toBe(true);
      await accounts.unlock(session, ADMIN_PASSWORD);
      expect(session.locked).toBe(false);
      expect(accounts.logout(session.token)).toBe(true);
      expect(accounts.logout(session.token)).toBe(false);
      expect(auditRows().map((row) => `${row.action}:${row.outcome}`)).toEqual([
        'first-admin-created:success',
        'login:success',
        'session-locked:success',
        'password-confirmed:failure',
        'session-unlocked:success',
        'logout:success',
      ]);
      expect(auditRows('logout')[0]).toMatchObject({ actor: 'Anna Smith (asmith)', actor_id: admin.id });
    });

    it('an idle session locks itself and the audit says why', async () => {
      await firstAdmin();
      const { session } = await accounts.login('asmith', ADMIN_PASSWORD);
      now += 10 * 60_000 + ACTIVITY_REPORT_GRACE_MS;
      expect(accounts.sessions.resolve(session.token)!.locked).toBe(true);
      expect(details(auditRows('session-locked')[0])).toEqual({ reason: 'idle', idleLockMinutes: 10 });
    });
  });

  describe('user management', () => {
    it('a reset password must be changed at the next login, and ends the sessions of that account', async () => {
      const reader = await addReader();
      expect(reader.mustChangePassword).toBe(true); // the admin chose it
      const { session } = await accounts.login('bjones', READER_PASSWORD);
      await accounts.changePassword(session, READER_PASSWORD, 'my-own-choice-of-words-7');
      expect(accounts.users.byId(reader.id)!.mustChangePassword).toBe(false);
      expect(await codeOf(accounts.changePassword(session, 'my-own-choice-of-words-7', 'my-own-choice-of-words-7'))).toBe('bad-password');

      const again = await accounts.login('bjones', 'my-own-choice-of-words-7');
      await asAdmin(() => accounts.resetPassword(reader.id, 'temporary-Granite-44'));
      expect(accounts.sessions.resolve(again.session.token)).toBeUndefined();
      expect(accounts.users.byId(reader.id)!.mustChangePassword).toBe(true);
      expect(await codeOf(accounts.login('bjones', 'my-own-choice-of-words-7'))).toBe('bad-credentials');
      const { user } = await accounts.login('bjones', 'temporary-Granite-44');
      expect(user.mustChangePassword).toBe(true);
      expect(accounts.userView(user).mustChangePassword).toBe(true);
      expect(auditRows('password-reset')[0]).toMatchObject({ actor: 'Anna Smith (asmith)', subject: 'bjones' });
      expect(auditRows('password-changed')[0]).toMatchObject({ actor: 'Ben Jones (bjones)', actor_id: reader.id });
    });

    it('the last active administrator can be neither disabled nor lose the admin role', async () => {
      const admin = await firstAdmin();
      expect(await codeOf(() => asAdmin(() => accounts.updateUser(admin.id, { disabled: true })))).toBe('last-admin');
      expect(await codeOf(() => asAdmin(() => accounts.updateUser(admin.id, { roles: ['radiologist'] })))).toBe('last-admin');
      expect(accounts.users.byId(admin.id)).toMatchObject({ disabled: false, roles: ['admin'] });

      // A disabled second admin does not count.
      const second = await asAdmin(() => accounts.addUser({ username: 'cdoe', displayName: 'Cara Doe', roles: ['admin'], password: READER_PASSWORD }));
      await asAdmin(() => accounts.updateUser(second.id, { disabled: true }));
      expect(await codeOf(() => asAdmin(() => accounts.updateUser(admin.id, { disabled: true })))).toBe('last-admin');

      // With another active admin it may step down.
      await asAdmin(() => accounts.updateUser(second.id, { disabled: false }));
      const after = await asAdmin(() => accounts.updateUser(admin.id, { roles: ['radiologist'] }));
      expect(after.roles).toEqual(['radiologist']);
      expect(await codeOf(() => asAdmin(() => accounts.updateUser(second.id, { disabled: true })))).toBe('last-admin');
    });

    it('accounts cannot be deleted, even with SQL (trigger)', async () => {
      const reader = await addReader();
      expect(() => store.db.prepare('DELETE FROM users WHERE id = ?').run(reader.id)).toThrow(/cannot be deleted, only disabled/);
      expect(() => store.db.prepare('DELETE FROM users').run()).toThrow(/cannot be deleted/);
      expect(accounts.users.count()).toBe(2);
    });

    it('a change of roles applies at once: the sessions of that account end', async () => {
      const reader = await addReader();
      const { session } = await accounts.login('bjones', READER_PASSWORD);
      const other = await accounts.login('asmith', ADMIN_PASSWORD);
      expect(accounts.actorOf(session)).toMatchObject({ roles: ['radiologist'] });
      await asAdmin(() => accounts.updateUser(reader.id, { roles: ['technologist'] }));
      expect(accounts.sessions.resolve(session.token)).toBeUndefined();
      expect(accounts.sessions.resolve(other.session.token)).toBe(other.session);
      const relogged = await accounts.login('bjones', READER_PASSWORD);
      expect(accounts.actorOf(relogged.session)).toMatchObject({ roles: ['technologist'] });
      const [updated] = auditRows('user-updated');
      expect(updated).toMatchObject({ actor: 'Anna Smith (asmith)', subject: 'bjones' });
      expect(details(updated)).toMatchObject({ userId: reader.id, roles: { from: ['radiologist'], to: ['technologist'] } });
      // A display-name change alone keeps the session.
      await asAdmin(() => accounts.updateUser(reader.id, { displayName: 'Benjamin Jones' }));
      expect(accounts.sessions.resolve(relogged.session.token)).toBe(relogged.session);
    });

    it('refuses a second account with the same name (in any case) and weak passwords for new accounts', async () => {
      await addReader();
      expect(await codeOf(() => asAdmin(() => accounts.addUser({ username: 'bjones', displayName: 'Other Jones', roles: ['technologist'], password: READER_PASSWORD })))).toBe('conflict');
      expect(await codeOf(() => asAdmin(() => accounts.addUser({ username: 'dlee', displayName: 'Dan Lee', roles: ['technologist'], password: 'dlee-password-1' })))).toBe('bad-password');
      expect(await codeOf(() => asAdmin(() => accounts.addUser({ username: 'dlee', displayName: 'Dan Lee', roles: ['technologist'], password: 'welcome123' })))).toBe('bad-password');
      expect(() => accounts.users.insert({ username: 'BJONES', displayName: 'X', roles: [], passwordHash: 'x', mustChangePassword: false, at: 'now', by: 'test' })).toThrow(/UNIQUE/);
    });

    it('names the admin who acted on the account rows and in the audit', async () => {
      const reader = await addReader();
      const admin: Actor = accounts.actorOfUser(accounts.users.byUsername('asmith')!);
      expect(reader.createdBy).toBe(actorLabel(admin));
      expect(auditRows('user-added')[0]).toMatchObject({ actor: 'Anna Smith (asmith)', actor_id: (admin as { userId: number }).userId, subject: 'bjones' });
      expect(details(auditRows('user-added')[0])).toEqual({ userId: reader.id, roles: ['radiologist'] });
    });
  });
});
