/**
 * One place that notices when the server refuses a call because of the session (ended, locked, or
 * waiting for a new password), so the session gate shows the login, lock or password screen
 * whichever view made the call. Wraps cacClient.call once; the views keep handling their own errors.
 */
import type { CacClient } from '../../main/api/client.js';
import { ApiCallError, cacClient } from '../api/cacClient.js';

export type SessionProblem = 'login-required' | 'session-locked' | 'password-change-required';
const SESSION_PROBLEMS: readonly string[] = ['login-required', 'session-locked', 'password-change-required'];

const listeners = new Set<(problem: SessionProblem, message: string) => void>();
let installed = false;

function install(): void {
  if (installed) return;
  installed = true;
  const call = cacClient.call.bind(cacClient);
  cacClient.call = (async (channel, request) => {
    try {
      return await call(channel, request);
    } catch (reason) {
      if (reason instanceof ApiCallError && SESSION_PROBLEMS.includes(reason.code)) {
        for (const listener of listeners) listener(reason.code as SessionProblem, reason.message);
      }
      throw reason;
    }
  }) as CacClient['call'];
}

/** Called with every session refusal of any call; returns the unsubscribe function. */
export function onSessionProblem(listener: (problem: SessionProblem, message: string) => void): () => void {
  install();
  listeners.add(listener);
  return () => listeners.delete(listener);
}
