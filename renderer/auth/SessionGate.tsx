/**
 * Who is at the workstation decides what is shown: the first-admin set-up on a fresh install, the
 * login, the password change the server asks for, or the workspace of the signed-in person. A lock
 * (idle minutes from the settings, Ctrl+L, the Lock button) draws the lock screen OVER the
 * workspace, which stays mounted and hidden, so the open study and unsaved text survive; another
 * person logging in instead remounts the workspace at the worklist, closing the first one's work.
 * The server enforces all of it (its own idle lock, the roles); this keeps the screen in step.
 */
import { useCallback, useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import { flushSync } from 'react-dom';
import type { LoginResponse, SessionView } from '../../main/auth/authContract.js';
import { cacClient, rememberSessionToken } from '../api/cacClient.js';
import { onSessionProblem } from './authProblems.js';
import { ChangePasswordScreen } from './ChangePasswordScreen.js';
import { FirstAdminSetup } from './FirstAdminSetup.js';
import { LockScreen } from './LockScreen.js';
import { LoginScreen } from './LoginScreen.js';
import { SessionContext, type SessionApi } from './useSession.js';

type Gate =
  | { phase: 'starting'; problem?: string; note?: string }
  | { phase: 'setup' }
  | { phase: 'login'; reason?: string }
  /** generation: a new person's workspace is a new mount (the previous one's views unmount and close). */
  | { phase: 'signed-in'; session: SessionView; locked: boolean; generation: number };

/** The server is told of activity at most this often (every call it answers counts as activity too). */
const TOUCH_EVERY_MS = 60_000;
const ACTIVITY_EVENTS = ['keydown', 'mousedown', 'mousemove', 'wheel', 'touchstart'] as const;

export function SessionGate({ product, children }: { product: string; children: ReactNode }) {
  const [gate, setGate] = useState<Gate>({ phase: 'starting' });
  const gateRef = useRef(gate);
  gateRef.current = gate;
  const generation = useRef(0);
  /** The generation whose workspace was shown unlocked: until then it is not mounted (its calls would be refused). */
  const started = useRef(-1);
  /** While logging out: the views' last calls may be refused, which is expected, not a new login reason. */
  const leaving = useRef(false);

  const start = useCallback(() => {
    cacClient.call('auth.status', {}).then(
      (status) => {
        if (status.setupRequired) setGate({ phase: 'setup' });
        else if (status.session) setGate({ phase: 'signed-in', session: status.session, locked: status.session.locked, generation: generation.current });
        else {
          rememberSessionToken(undefined);
          setGate({ phase: 'login' });
        }
      },
      (reason: Error) => setGate({ phase: 'starting', problem: `The workstation does not answer: ${reason.message}` }),
    );
  }, []);
  useEffect(start, [start]);

  const signedIn = useCallback((response: LoginResponse, person: 'same' | 'new') => {
    rememberSessionToken(response.sessionToken);
    if (person === 'new') {
      generation.current += 1;
      // The next person starts at the worklist, not in the previous person's study.
      if (window.location.hash !== '#/' && window.location.hash !== '') window.history.replaceState(null, '', '#/');
    }
    setGate({ phase: 'signed-in', session: response.session, locked: false, generation: generation.current });
  }, []);

  const setSession = useCallback((session: SessionView) => {
    setGate((current) => (current.phase === 'signed-in' ? { ...current, session, locked: session.locked } : current));
  }, []);

  // Any view's call refused for the session's sake: show the matching screen.
  useEffect(
    () =>
      onSessionProblem((problem, message) => {
        const current = gateRef.current;
        if (current.phase !== 'signed-in' || leaving.current) return;
        if (problem === 'login-required') {
          rememberSessionToken(undefined);
          setGate({ phase: 'login', reason: `Log in again: ${message}` });
        } else if (problem === 'session-locked') {
          setGate({ ...current, locked: true });
        } else {
          setGate({ ...current, session: { ...current.session, user: { ...current.session.user, mustChangePassword: true } } });
        }
      }),
    [],
  );

  const lock = useCallback(() => {
    const current = gateRef.current;
    if (current.phase !== 'signed-in' || current.locked) return;
    // The screen locks at once; the server's answer only confirms it.
    setGate({ ...current, locked: true });
    cacClient.call('auth.lock', {}).then(
      (answer) => setSession(answer.session),
      () => undefined,
    );
  }, [setSession]);

  const logOut = useCallback(() => {
    leaving.current = true;
    // Unmount the workspace first, so the open reading is closed while the session is still valid;
    // the login form shows only once the server has ended the session (no new login in between).
    flushSync(() => setGate({ phase: 'starting', note: 'Logging out…' }));
    window.history.replaceState(null, '', '#/');
    window.setTimeout(() => {
      void cacClient
        .call('auth.logout', {})
        .catch(() => undefined)
        .finally(() => {
          rememberSessionToken(undefined);
          leaving.current = false;
          setGate({ phase: 'login' });
        });
    }, 150);
  }, []);

  const refresh = useCallback(() => {
    cacClient.call('auth.touch', {}).then(
      (answer) => setSession(answer.session),
      () => undefined,
    );
  }, [setSession]);

  const active = gate.phase === 'signed-in' && !gate.locked ? gate : undefined;
  const idleMinutes = active?.session.idleLockMinutes;

  // The client's idle lock and Ctrl+L, and activity reported to the server's own idle lock.
  useEffect(() => {
    if (idleMinutes === undefined) return;
    let lastActivity = Date.now();
    let lastTouch = Date.now();
    const activity = (event: Event) => {
      if (event instanceof KeyboardEvent && (event.ctrlKey || event.metaKey) && !event.altKey && event.key.toLowerCase() === 'l') {
        event.preventDefault();
        event.stopPropagation();
        lock();
        return;
      }
      lastActivity = Date.now();
      if (lastActivity - lastTouch >= TOUCH_EVERY_MS) {
        lastTouch = lastActivity;
        cacClient.call('auth.touch', {}).catch(() => undefined);
      }
    };
    for (const name of ACTIVITY_EVENTS) window.addEventListener(name, activity, { capture: true, passive: name !== 'keydown' });
    const timer = window.setInterval(() => {
      if (Date.now() - lastActivity >= idleMinutes * 60_000) lock();
    }, 1000);
    return () => {
      for (const name of ACTIVITY_EVENTS) window.removeEventListener(name, activity, { capture: true });
      window.clearInterval(timer);
    };
  }, [idleMinutes, lock]);

  const api = useMemo<SessionApi | undefined>(() => (gate.phase === 'signed-in' ? { session: gate.session, lock, logOut, refresh } : undefined), [gate, lock, logOut, refresh]);

  switch (gate.phase) {
    case 'starting':
      return gate.problem ? (
        <div className="error" role="alert" data-testid="app-error">
          {gate.problem}
        </div>
      ) : (
        <div className="loading">{gate.note ?? 'Starting…'}</div>
      );
    case 'setup':
      return <FirstAdminSetup product={product} onSignedIn={(response) => signedIn(response, 'new')} />;
    case 'login':
      return <LoginScreen product={product} reason={gate.reason} onSignedIn={(response) => signedIn(response, 'new')} />;
    case 'signed-in': {
      const mustChange = gate.session.user.mustChangePassword;
      const hidden = gate.locked || mustChange;
      if (!hidden) started.current = gate.generation;
      return (
        <SessionContext.Provider value={api}>
          <div className="workspace" key={gate.generation} style={hidden ? { visibility: 'hidden' } : undefined} inert={hidden} aria-hidden={hidden || undefined} data-testid="workspace">
            {started.current === gate.generation && children}
          </div>
          {gate.locked ? (
            <LockScreen
              product={product}
              session={gate.session}
              onUnlocked={setSession}
              onOtherUser={(response) => signedIn(response, response.session.user.id === gate.session.user.id ? 'same' : 'new')}
            />
          ) : (
            mustChange && <ChangePasswordScreen product={product} session={gate.session} onChanged={setSession} onLogOut={logOut} />
          )}
        </SessionContext.Provider>
      );
    }
  }
}
