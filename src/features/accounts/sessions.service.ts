import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { SessionStore } from '../../adapters/sessions/session-store.js';
import type { Session } from '../../domain/user.js';
import { systemClock, type Clock } from '../../shared/clock.js';

export interface SessionPolicy {
  /** Signed out after this long without a request. */
  idleSeconds: number;
  /** Signed out this long after sign-in, however active. */
  absoluteSeconds: number;
}

export const SESSION_COOKIE = 'coffer_session';

export const DEFAULT_SESSION_POLICY: SessionPolicy = { idleSeconds: 7 * 24 * 3600, absoluteSeconds: 30 * 24 * 3600 };

// Refreshing the idle deadline on every request would write to the store on every request.
const TOUCH_INTERVAL_MS = 60_000;

export type { Session };

/** Opaque random session ids; the store only ever sees their SHA-256. */
export class SessionsService {
  constructor(
    private readonly store: SessionStore,
    private readonly policy: SessionPolicy = DEFAULT_SESSION_POLICY,
    private readonly clock: Clock = systemClock,
  ) {}

  get cookieMaxAgeSeconds(): number {
    return this.policy.absoluteSeconds;
  }

  async create(userId: string): Promise<Session> {
    const now = this.clock.now().getTime();
    const session: Session = { id: randomToken(), userId, csrfToken: randomToken(), createdAt: now, lastSeenAt: now };
    const { id, ...data } = session;
    await this.store.set(storeKey(id), data, this.policy.idleSeconds);
    return session;
  }

  async resolve(id: string): Promise<Session | undefined> {
    if (!/^[A-Za-z0-9_-]{43}$/.test(id)) return undefined;
    const key = storeKey(id);
    const data = await this.store.get(key);
    if (!data) return undefined;
    const now = this.clock.now().getTime();
    // The store expires an idle session by itself (its TTL); checked here too, on this clock.
    if (now - data.createdAt > this.policy.absoluteSeconds * 1000 || now - data.lastSeenAt > this.policy.idleSeconds * 1000) {
      await this.store.delete(key);
      return undefined;
    }
    if (now - data.lastSeenAt > TOUCH_INTERVAL_MS) {
      const remaining = Math.ceil((data.createdAt + this.policy.absoluteSeconds * 1000 - now) / 1000);
      data.lastSeenAt = now;
      await this.store.set(key, data, Math.min(this.policy.idleSeconds, remaining));
    }
    return { id, ...data };
  }

  async destroy(id: string): Promise<void> {
    await this.store.delete(storeKey(id));
  }
}

export function csrfTokenMatches(session: Session, presented: string | undefined): boolean {
  if (!presented) return false;
  const expected = Buffer.from(session.csrfToken);
  const given = Buffer.from(presented);
  return expected.length === given.length && timingSafeEqual(expected, given);
}

function randomToken(): string {
  return randomBytes(32).toString('base64url');
}

function storeKey(id: string): string {
  return createHash('sha256').update(id).digest('hex');
}
