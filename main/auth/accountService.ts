/**
 * Accounts and sessions: the first admin of a fresh install, login with slow-down and lockout,
 * lock/unlock, password changes, and the admin's user management. Every step is audited with the
 * person it concerns. Accounts are never deleted (the audit refers to them), only disabled.
 */
import type { AuditTrailLike } from './auditTrailLike.js';
import { UserRepository, type UserRecord } from '../../db/userRepository.js';
import type { ArchiveDatabase } from '../../db/archiveDatabase.js';
import { actorId, actorLabel, type Actor } from './actor.js';
import type { SessionView, UserView } from './authContract.js';
import { hashPassword, needsRehash, passwordProblem, verifyPassword } from './passwords.js';
import { ROLES, type Role } from './roles.js';
import { SessionRegistry, type Session } from './sessions.js';

/** After this many failed attempts in a row the account is locked for LOCKOUT_MS. */
export const MAX_FAILED_LOGINS = 5;
export const LOCKOUT_MS = 15 * 60_000;
/** Each failure in a row waits this much longer before answering (slows guessing down). */
const FAILURE_DELAY_STEP_MS = 400;

export class AuthError extends Error {
  constructor(
    readonly code: 'bad-credentials' | 'account-locked' | 'account-disabled' | 'bad-password' | 'setup-done' | 'not-found' | 'conflict' | 'last-admin',
    message: string,
  ) {
    super(message);
    this.name = 'AuthError';
  }
}

export interface AccountServiceOptions {
  db: ArchiveDatabase;
  audit: AuditTrailLike;
  /** Minutes of inactivity before a session locks itself. */
  idleLockMinutes: () => number;
  now?: () => number;
  /** Waits before a failed login answers; tests pass a no-op. */
  delay?: (ms: number) => Promise<void>;
}

export class AccountService {
  readonly users: UserRepository;
  readonly sessions: SessionRegistry;
  private readonly now: () => number;
  private readonly delay: (ms: number) => Promise<void>;
  /** A hash to verify against when the user name is unknown, so both answers take as long. */
  private decoyHash?: Promise<string>;

  constructor(private readonly options: AccountServiceOptions) {
    this.users = new UserRepository(options.db);
    this.now = options.now ?? Date.now;
    this.delay = options.delay ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.sessions = new SessionRegistry(
      () => options.idleLockMinutes() * 60_000,
      (session) => this.audit(this.actorOf(session), 'session-locked', { outcome: 'success', details: { reason: 'idle', idleLockMinutes: options.idleLockMinutes() } }),
      this.now,
    );
  }

  setupRequired(): boolean {
    return this.users.count() === 0;
  }

  /** The first account of a fresh install: always an admin, never a default password. */
  async createFirstAdmin(input: { username: string; displayName: string; password: string; roles?: Role[] }, by: string): Promise<UserRecord> {
    this.checkNewPassword(input.password, input);
    const roles = uniqueRoles(['admin', ...(input.roles ?? [])]);
    const passwordHash = await hashPassword(input.password);
    const at = this.isoNow();
    const user = this.users.insertFirst({ username: input.username, displayName: input.displayName, roles, passwordHash, mustChangePassword: false, at, by });
    if (!user) throw new AuthError('setup-done', 'the first administrator has already been created: log in');
    this.audit({ kind: 'service', name: by }, 'first-admin-created', { subject: user.username, details: { userId: user.id, roles } });
    return user;
  }

  async login(username: string, password: string): Promise<{ user: UserRecord; session: Session }> {
    const user = this.users.byUsername(username);
    const who: Actor = user ? this.actorOfUser(user) : { kind: 'service', name: `unknown user "${username.slice(0, 64)}"` };
    if (!user) {
      this.decoyHash ??= hashPassword('decoy password for unknown users');
      await verifyPassword(password, await this.decoyHash);
      await this.delay(FAILURE_DELAY_STEP_MS);
      this.audit(who, 'login', { outcome: 'failure', details: { reason: 'unknown user name' } });
      throw new AuthError('bad-credentials', 'the user name or the password is wrong');
    }
    await this.checkPassword(user, password, 'login');
    const session = this.sessions.open(user.id);
    this.audit(who, 'login', { outcome: 'success' });
    return { user: this.users.byId(user.id)!, session };
  }

  /** The password of the account behind a session, asked again to unlock or to sign. */
  async confirmPassword(userId: number, password: string, purpose: 'unlock' | 'signature'): Promise<UserRecord> {
    const user = this.users.byId(userId);
    if (!user) throw new AuthError('not-found', 'this account no longer exists');
    await this.checkPassword(user, password, purpose);
    return user;
  }

  logout(token: string | undefined): boolean {
    const session = this.sessions.end(token);
    if (session) this.audit(this.actorOf(session), 'logout', { outcome: 'success' });
    return session !== undefined;
  }

  lock(session: Session): void {
    this.sessions.lock(session);
    this.audit(this.actorOf(session), 'session-locked', { outcome: 'success', details: { reason: 'on-demand' } });
  }

  async unlock(session: Session, password: string): Promise<void> {
    await this.confirmPassword(session.userId, password, 'unlock');
    this.sessions.unlock(session);
    this.audit(this.actorOf(session), 'session-unlocked', { outcome: 'success' });
  }

  async changePassword(session: Session, currentPassword: string, newPassword: string): Promise<UserRecord> {
    const user = await this.confirmPassword(session.userId, currentPassword, 'unlock');
    this.checkNewPassword(newPassword, user);
    if (await verifyPassword(newPassword, user.passwordHash)) throw new AuthError('bad-password', 'choose a new password, not the current one');
    this.users.setPassword(user.id, await hashPassword(newPassword), false, this.isoNow(), user.username);
    this.audit(this.actorOfUser(user), 'password-changed', { subject: user.username });
    return this.users.byId(user.id)!;
  }

  async addUser(input: { username: string; displayName: string; roles: Role[]; password: string }): Promise<UserRecord> {
    if (this.users.byUsername(input.username)) throw new AuthError('conflict', `there is already an account "${input.username}"`);
    this.checkNewPassword(input.password, input);
    const roles = uniqueRoles(input.roles);
    // The admin chose this password: the person sets their own at the first login.
    const user = this.users.insert({ ...input, roles, passwordHash: await hashPassword(input.password), mustChangePassword: true, at: this.isoNow(), by: actorLabel() });
    this.audit(undefined, 'user-added', { subject: user.username, details: { userId: user.id, roles } });
    return user;
  }

  updateUser(userId: number, change: { displayName?: string; roles?: Role[]; disabled?: boolean }): UserRecord {
    const before = this.existing(userId);
    const roles = change.roles && uniqueRoles(change.roles);
    const staysAdmin = !(change.disabled ?? before.disabled) && (roles ?? (before.roles as Role[])).includes('admin');
    if (before.roles.includes('admin') && !before.disabled && !staysAdmin && this.activeAdmins() <= 1) {
      throw new AuthError('last-admin', `${before.username} is the only active administrator: add another administrator first`);
    }
    const after = this.users.update(userId, { displayName: change.displayName, roles, disabled: change.disabled }, this.isoNow(), actorLabel())!;
    // A disabled account, or one whose roles changed, is signed out everywhere at once.
    if (after.disabled || roles) this.sessions.endAllOf(userId);
    const changed: Record<string, unknown> = {};
    if (change.displayName !== undefined && change.displayName !== before.displayName) changed.displayName = { from: before.displayName, to: after.displayName };
    if (roles && JSON.stringify(roles) !== JSON.stringify(before.roles)) changed.roles = { from: before.roles, to: roles };
    if (change.disabled !== undefined && change.disabled !== before.disabled) changed.disabled = change.disabled;
    this.audit(undefined, change.disabled === true && !before.disabled ? 'user-disabled' : 'user-updated', { subject: after.username, details: { userId, ...changed } });
    return after;
  }

  async resetPassword(userId: number, password: string): Promise<UserRecord> {
    const user = this.existing(userId);
    this.checkNewPassword(password, user);
    this.users.setPassword(userId, await hashPassword(password), true, this.isoNow(), actorLabel());
    this.sessions.endAllOf(userId);
    this.audit(undefined, 'password-reset', { subject: user.username, details: { userId } });
    return this.users.byId(userId)!;
  }

  userView(user: UserRecord): UserView {
    const { passwordHash: _hash, failedLogins: _failed, ...view } = user;
    const lockedUntil = user.lockedUntil && Date.parse(user.lockedUntil) > this.now() ? user.lockedUntil : null;
    return { ...view, roles: user.roles.filter(isRole), lockedUntil };
  }

  sessionView(session: Session, idleLockMinutes = this.options.idleLockMinutes()): SessionView {
    return { user: this.userView(this.existing(session.userId)), locked: session.locked, idleLockMinutes };
  }

  /** The actor a session acts as (roles as stored now: a role change applies at once). */
  actorOf(session: Session): Actor {
    return this.actorOfUser(this.existing(session.userId));
  }

  actorOfUser(user: UserRecord): Actor {
    return { kind: 'user', userId: user.id, username: user.username, displayName: user.displayName, roles: user.roles.filter(isRole) };
  }

  private async checkPassword(user: UserRecord, password: string, purpose: 'login' | 'unlock' | 'signature'): Promise<void> {
    const who = this.actorOfUser(user);
    const action = purpose === 'login' ? 'login' : purpose === 'unlock' ? 'password-confirmed' : 'signature-password-confirmed';
    if (user.disabled) {
      this.audit(who, action, { outcome: 'failure', details: { reason: 'account disabled' } });
      throw new AuthError('account-disabled', `the account ${user.username} is disabled: ask an administrator`);
    }
    if (user.lockedUntil && Date.parse(user.lockedUntil) > this.now()) {
      this.audit(who, action, { outcome: 'failure', details: { reason: 'account locked', lockedUntil: user.lockedUntil } });
      throw new AuthError('account-locked', `too many wrong passwords: the account ${user.username} is locked until ${new Date(user.lockedUntil).toLocaleTimeString('en-GB')}`);
    }
    if (await verifyPassword(password, user.passwordHash)) {
      this.users.clearFailedLogins(user.id);
      if (needsRehash(user.passwordHash)) this.users.setPassword(user.id, await hashPassword(password), user.mustChangePassword, this.isoNow(), user.username);
      return;
    }
    const failed = this.users.addFailedLogin(user.id);
    const locks = failed >= MAX_FAILED_LOGINS;
    const lockedUntil = locks ? new Date(this.now() + LOCKOUT_MS).toISOString() : null;
    if (lockedUntil) this.users.lockUntil(user.id, lockedUntil);
    await this.delay(FAILURE_DELAY_STEP_MS * failed);
    this.audit(who, action, { outcome: 'failure', details: { reason: 'wrong password', failedInARow: failed, ...(locks ? { lockedUntil } : {}) } });
    if (locks) throw new AuthError('account-locked', `too many wrong passwords: the account ${user.username} is locked for ${LOCKOUT_MS / 60_000} minutes`);
    throw new AuthError('bad-credentials', purpose === 'login' ? 'the user name or the password is wrong' : 'the password is wrong');
  }

  private checkNewPassword(password: string, context: { username: string; displayName?: string }): void {
    const problem = passwordProblem(password, context);
    if (problem) throw new AuthError('bad-password', problem);
  }

  private existing(userId: number): UserRecord {
    const user = this.users.byId(userId);
    if (!user) throw new AuthError('not-found', `there is no account ${userId}`);
    return user;
  }

  private activeAdmins(): number {
    return this.users.list().filter((user) => !user.disabled && user.roles.includes('admin')).length;
  }

  private isoNow(): string {
    return new Date(this.now()).toISOString();
  }

  /** `who` undefined: the actor of the request being handled (the admin). */
  private audit(who: Actor | undefined, action: string, entry: { outcome?: 'success' | 'failure'; subject?: string; details?: Record<string, unknown> }): void {
    this.options.audit.record({
      actor: who ? actorLabel(who) : actorLabel(),
      actorId: who ? actorId(who) : actorId(),
      action,
      outcome: entry.outcome ?? 'success',
      subject: entry.subject,
      details: entry.details,
    });
  }
}

function isRole(role: string): role is Role {
  return (ROLES as readonly string[]).includes(role);
}

function uniqueRoles(roles: readonly Role[]): Role[] {
  return ROLES.filter((role) => roles.includes(role));
}
