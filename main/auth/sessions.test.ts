import { describe, expect, it } from 'vitest';
import { ACTIVITY_REPORT_GRACE_MS, SessionRegistry, type Session } from './sessions.js';

const MINUTE = 60_000;

/** A registry with a clock the test moves, and the idle locks it reported. */
function registry(idleMinutes = 10) {
  let now = Date.parse('2026-12-05T08:00:00Z');
  const idleLocks: Session[] = [];
  let idle = idleMinutes;
  const sessions = new SessionRegistry(() => idle * MINUTE, (session) => idleLocks.push(session), () => now);
  return {
    sessions,
    idleLocks,
    advance: (ms: number) => (now += ms),
    setIdleMinutes: (minutes: number) => (idle = minutes),
  };
}

describe('SessionRegistry', () => {
  it('opens a session per login with its own random token, and resolves it by that token only', () => {
    const { sessions } = registry();
    const first = sessions.open(1);
    const second = sessions.open(1);
    expect(first.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(second.token).not.toBe(first.token);
    expect(sessions.resolve(first.token)).toBe(first);
    expect(sessions.resolve(undefined)).toBeUndefined();
    expect(sessions.resolve('')).toBeUndefined();
    expect(sessions.resolve(`${first.token}x`)).toBeUndefined();
    expect(first).toMatchObject({ userId: 1, locked: false });
  });

  it('locks a session idle for the set time (plus the one minute the page may take to report activity) when it is next resolved, and says so once', () => {
    const { sessions, idleLocks, advance } = registry(10);
    const session = sessions.open(7);
    advance(10 * MINUTE + ACTIVITY_REPORT_GRACE_MS - 1);
    expect(sessions.resolve(session.token)!.locked).toBe(false);
    advance(1);
    const resolved = sessions.resolve(session.token)!;
    expect(resolved).toMatchObject({ locked: true, lockReason: 'idle' });
    expect(sessions.resolve(session.token)!.locked).toBe(true);
    expect(idleLocks).toEqual([session]);
  });

  it('follows a changed idle setting at once', () => {
    const { sessions, advance, setIdleMinutes } = registry(10);
    const session = sessions.open(7);
    advance(3 * MINUTE + ACTIVITY_REPORT_GRACE_MS);
    expect(sessions.resolve(session.token)!.locked).toBe(false);
    setIdleMinutes(2);
    expect(sessions.resolve(session.token)!.locked).toBe(true);
  });

  it('touch restarts the idle clock; a locked session is not woken by it', () => {
    const { sessions, advance } = registry(10);
    const session = sessions.open(7);
    advance(9 * MINUTE);
    sessions.touch(session);
    advance(10 * MINUTE);
    expect(sessions.resolve(session.token)!.locked).toBe(false);
    advance(ACTIVITY_REPORT_GRACE_MS);
    expect(sessions.resolve(session.token)!.locked).toBe(true);
    const lockedAt = session.lastActivityAt;
    advance(MINUTE);
    sessions.touch(session);
    expect(session.lastActivityAt).toBe(lockedAt);
    expect(session.locked).toBe(true);
  });

  it('locks on demand and unlocks with a fresh idle clock', () => {
    const { sessions, idleLocks, advance } = registry(10);
    const session = sessions.open(7);
    sessions.lock(session);
    expect(sessions.resolve(session.token)).toMatchObject({ locked: true, lockReason: 'on-demand' });
    advance(30 * MINUTE);
    sessions.unlock(session);
    expect(session.locked).toBe(false);
    expect(session.lockReason).toBeUndefined();
    // The 30 minutes spent locked do not count: the clock starts at the unlock.
    expect(sessions.resolve(session.token)!.locked).toBe(false);
    advance(10 * MINUTE + ACTIVITY_REPORT_GRACE_MS);
    expect(sessions.resolve(session.token)!.locked).toBe(true);
    expect(idleLocks).toHaveLength(1);
  });

  it('ends a session by its token: the token no longer resolves', () => {
    const { sessions } = registry();
    const session = sessions.open(7);
    expect(sessions.end(session.token)).toBe(session);
    expect(sessions.resolve(session.token)).toBeUndefined();
    expect(sessions.end(session.token)).toBeUndefined();
    expect(sessions.end(undefined)).toBeUndefined();
  });

  it("endAllOf ends every session of one account and no one else's", () => {
    const { sessions } = registry();
    const desk = sessions.open(7);
    const browser = sessions.open(7);
    const colleague = sessions.open(8);
    expect(sessions.endAllOf(7)).toBe(2);
    expect(sessions.resolve(desk.token)).toBeUndefined();
    expect(sessions.resolve(browser.token)).toBeUndefined();
    expect(sessions.resolve(colleague.token)).toBe(colleague);
    expect(sessions.endAllOf(7)).toBe(0);
  });
});
