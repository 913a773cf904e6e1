/**
 * Signed-in sessions: a random token per login, kept in memory only (a restart asks everyone to log
 * in again). A session locks after the idle time the settings give (no user activity reported) or
 * on demand; a locked session answers only the unlock, logout and login channels, and keeps its
 * place so the same user can go on where they left.
 */
import { randomBytes } from 'node:crypto';

/**
 * The page reports user activity (keys, mouse) with auth.touch at most once a minute, so the server
 * waits that much longer than the idle time before it locks on its own; the page locks on time.
 * Requests themselves do not count: a worklist refreshed because a scanner is sending is not a person.
 */
export const ACTIVITY_REPORT_GRACE_MS = 60_000;

export interface Session {
  token: string;
  userId: number;
  startedAt: number;
  lastActivityAt: number;
  locked: boolean;
  lockReason?: 'idle' | 'on-demand';
}

export class SessionRegistry {
  private readonly sessions = new Map<string, Session>();

  constructor(
    private readonly idleMs: () => number,
    private readonly onIdleLock: (session: Session) => void = () => undefined,
    private readonly now: () => number = Date.now,
  ) {}

  open(userId: number): Session {
    const at = this.now();
    const session: Session = { token: randomBytes(32).toString('base64url'), userId, startedAt: at, lastActivityAt: at, locked: false };
    this.sessions.set(session.token, session);
    return session;
  }

  /** The session of a token, locked first if it has been idle too long. */
  resolve(token: string | undefined): Session | undefined {
    if (!token) return undefined;
    const session = this.sessions.get(token);
    if (session && !session.locked && this.now() - session.lastActivityAt >= this.idleMs() + ACTIVITY_REPORT_GRACE_MS) {
      session.locked = true;
      session.lockReason = 'idle';
      this.onIdleLock(session);
    }
    return session;
  }

  /** The person did something (auth.touch, login, unlock): the idle clock starts again. */
  touch(session: Session): void {
    if (!session.locked) session.lastActivityAt = this.now();
  }

  lock(session: Session): void {
    session.locked = true;
    session.lockReason = 'on-demand';
  }

  unlock(session: Session): void {
    session.locked = false;
    session.lockReason = undefined;
    session.lastActivityAt = this.now();
  }

  end(token: string | undefined): Session | undefined {
    if (!token) return undefined;
    const session = this.sessions.get(token);
    this.sessions.delete(token);
    return session;
  }

  /** A disabled account or a reset password ends every session of that account at once. */
  endAllOf(userId: number): number {
    let ended = 0;
    for (const [token, session] of this.sessions) {
      if (session.userId === userId) {
        this.sessions.delete(token);
        ended++;
      }
    }
    return ended;
  }
}
