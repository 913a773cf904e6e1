/**
 * The API channels of accounts and sessions: login, lock, unlock, password change, first-admin
 * set-up, and the admin's user management. Browser-safe (zod and types only).
 */
import { z } from 'zod';
import { MAX_PASSWORD_LENGTH } from './passwordRules.js';
import { ROLES, type ChannelAccess, type Role } from './roles.js';

const username = z
  .string()
  .trim()
  .min(2, 'a user name has at least 2 characters')
  .max(32, 'a user name has at most 32 characters')
  .regex(/^[A-Za-z0-9._-]+$/, 'a user name has letters, digits, dots, dashes or underscores only');
/** Printed on reports and written into DICOM person names (PN): no ^ = \\ or control characters, which PN reserves. */
const displayName = z
  .string()
  .trim()
  .min(2, 'enter the person\'s name as it is printed on reports')
  .max(64)
  .regex(/^[^\\^=\u0000-\u001f\u007f]+$/, 'a printed name cannot contain ^, =, a backslash or control characters (DICOM person names reserve them)');
/** Length and content rules are checked in main (passwordProblem), so the message can name them. */
const password = z.string().min(1, 'enter the password').max(MAX_PASSWORD_LENGTH);
const roles = z.array(z.enum(ROLES)).min(1, 'give the account at least one role').max(ROLES.length);
const userId = z.number().int().positive();

export const authRequestSchemas = {
  'auth.status': z.strictObject({}),
  'auth.setupFirstAdmin': z.strictObject({ username, displayName, password, roles: roles.optional() }),
  'auth.login': z.strictObject({ username: z.string().trim().min(1, 'enter your user name').max(64), password }),
  'auth.logout': z.strictObject({}),
  'auth.lock': z.strictObject({}),
  'auth.unlock': z.strictObject({ password }),
  /** The user is active (keys, mouse): the idle lock starts counting again. */
  'auth.touch': z.strictObject({}),
  'auth.changePassword': z.strictObject({ currentPassword: password, newPassword: password }),
  'users.list': z.strictObject({}),
  'users.add': z.strictObject({ username, displayName, roles, password }),
  'users.update': z.strictObject({ userId, displayName: displayName.optional(), roles: roles.optional(), disabled: z.boolean().optional() }),
  'users.resetPassword': z.strictObject({ userId, password }),
} as const;

export type AuthChannel = keyof typeof authRequestSchemas;

/** An account as the UI sees it: never the hash. */
export interface UserView {
  id: number;
  username: string;
  displayName: string;
  roles: Role[];
  disabled: boolean;
  mustChangePassword: boolean;
  /** Set while the account is locked after too many failed logins. */
  lockedUntil: string | null;
  createdAt: string;
  createdBy: string;
  updatedAt: string;
  updatedBy: string;
  passwordChangedAt: string;
}

export interface SessionView {
  user: UserView;
  locked: boolean;
  /** Minutes without activity before the session locks itself (settings). */
  idleLockMinutes: number;
}

export interface AuthStatus {
  /** A fresh install: nobody can log in until the first admin is created. */
  setupRequired: boolean;
  /** The caller's session, if its token is still valid. */
  session: SessionView | null;
}

/** A login answers the token the transport sends with every later request. */
export interface LoginResponse {
  session: SessionView;
  sessionToken: string;
}

export interface AuthResponseByChannel {
  'auth.status': AuthStatus;
  'auth.setupFirstAdmin': LoginResponse;
  'auth.login': LoginResponse;
  'auth.logout': { loggedOut: boolean };
  'auth.lock': { session: SessionView };
  'auth.unlock': { session: SessionView };
  'auth.touch': { session: SessionView };
  'auth.changePassword': { session: SessionView };
  'users.list': { users: UserView[] };
  'users.add': { user: UserView };
  'users.update': { user: UserView };
  'users.resetPassword': { user: UserView };
}

export const authChannelRoles: Record<AuthChannel, ChannelAccess> = {
  'auth.status': 'public',
  'auth.setupFirstAdmin': 'public',
  'auth.login': 'public',
  'auth.logout': 'signed-in',
  'auth.lock': 'signed-in',
  'auth.unlock': 'signed-in',
  'auth.touch': 'signed-in',
  'auth.changePassword': 'signed-in',
  'users.list': ['admin'],
  'users.add': ['admin'],
  'users.update': ['admin'],
  'users.resetPassword': ['admin'],
};

/** Channels a locked session (or one that must change its password first) may still call. */
export const CHANNELS_WHILE_LOCKED: readonly string[] = ['app.info', 'auth.status', 'auth.login', 'auth.logout', 'auth.unlock', 'auth.setupFirstAdmin'];
export const CHANNELS_BEFORE_PASSWORD_CHANGE: readonly string[] = [...CHANNELS_WHILE_LOCKED, 'auth.changePassword', 'auth.lock', 'auth.touch'];
