/**
 * The signed-in person as the views see it: who (for the app bar and the signing dialog), what the
 * roles allow (to hide what they cannot do; main enforces it anyway), and the lock / log out actions.
 */
import { createContext, useContext } from 'react';
import type { SessionView } from '../../main/auth/authContract.js';
import { holdsAnyRole, ROLE_LABELS, type Role } from '../../main/auth/roles.js';

export interface SessionApi {
  session: SessionView;
  /** Lock now (Ctrl+L, the Lock button): the open work stays underneath the lock screen. */
  lock(): void;
  logOut(): void;
  /** Read the session again (after the idle-lock minutes were changed in Settings). */
  refresh(): void;
}

export const SessionContext = createContext<SessionApi | undefined>(undefined);

export function useSession(): SessionApi {
  const api = useContext(SessionContext);
  if (!api) throw new Error('useSession outside the signed-in workspace');
  return api;
}

/** The same, or undefined where a view may also be shown without a session (tests, previews). */
export function useOptionalSession(): SessionApi | undefined {
  return useContext(SessionContext);
}

export function mayAny(session: SessionView | undefined, roles: readonly Role[]): boolean {
  return session !== undefined && holdsAnyRole(session.user.roles, roles);
}

export function rolesText(roles: readonly Role[]): string {
  return roles.map((role) => ROLE_LABELS[role]).join(', ');
}
