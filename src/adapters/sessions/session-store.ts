import { Unavailable } from '../../errors.js';

/** What a signed-in session remembers. Stored under the SHA-256 of its id, never the id. */
export interface SessionData {
  userId: string;
  csrfToken: string;
  createdAt: number;
  lastSeenAt: number;
}

/**
 * Sessions live outside the process in production (Redis, Memcached) so any instance can
 * serve any request. `ttlSeconds` is the idle expiry the store enforces by itself.
 */
export interface SessionStore {
  get(key: string): Promise<SessionData | undefined>;
  set(key: string, data: SessionData, ttlSeconds: number): Promise<void>;
  delete(key: string): Promise<void>;
  check(): Promise<void>;
  close(): Promise<void>;
}

/** Runs a store command; any failure means the store is away (a 503), whatever the client says. */
export async function orUnavailable<T>(command: () => Promise<T>): Promise<T> {
  try {
    return await command();
  } catch {
    throw new Unavailable('session store');
  }
}
