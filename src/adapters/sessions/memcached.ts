import memjs from 'memjs';
import { orUnavailable, type SessionData, type SessionStore } from './session-store.js';

type Callback<T = unknown> = (error: Error | null, result?: T) => void;

/**
 * Sessions in Memcached (or ElastiCache for Memcached). memjs reconnects per request, so a
 * restarted server is picked up without a restart of Coffer.
 */
export class MemcachedSessionStore implements SessionStore {
  constructor(
    readonly client: memjs.Client,
    private readonly prefix: string,
  ) {}

  async get(key: string): Promise<SessionData | undefined> {
    const { value } = await orUnavailable(() => this.client.get(this.key(key)));
    return value ? (JSON.parse(value.toString('utf8')) as SessionData) : undefined;
  }

  async set(key: string, data: SessionData, ttlSeconds: number): Promise<void> {
    await orUnavailable(() => this.client.set(this.key(key), JSON.stringify(data), { expires: Math.max(1, ttlSeconds) }));
  }

  async delete(key: string): Promise<void> {
    await orUnavailable(() => this.client.delete(this.key(key)));
  }

  async check(): Promise<void> {
    await orUnavailable(() => this.client.get(`${this.prefix}ping`));
  }

  async close(): Promise<void> {
    this.client.close();
  }

  private key(key: string): string {
    return `${this.prefix}session:${key}`;
  }
}

export function createMemcachedClient(url: URL): memjs.Client {
  return memjs.Client.create(url.host, { timeout: 1, conntimeout: 2, retries: 1, keepAlive: true, logger: { log: () => {} } });
}

/**
 * rate-limiter-flexible speaks the `memcached` package's callback API; this adapts memjs to
 * it. Its limiter counts with Memcached's own atomic operations: `incr` on an existing
 * counter, else `add` (which only one of many concurrent callers wins; the others `incr`
 * again), so concurrent attempts each get their own count. Increments use an expiry of
 * 0xffffffff so a missing counter is reported, not created. A refund is an increment by a
 * negative amount, which Memcached spells `decr` (stopping at 0, as its counters are
 * unsigned — so a refunded counter is created at 0, never negative).
 */
export function memcachedLimiterClient(client: memjs.Client) {
  const counted = (error: Error | null, found: boolean | null, value: number | null | undefined, cb: Callback<number | false>) => cb(error, found ? (value ?? false) : false);
  return {
    get: (key: string, cb: Callback<number>) =>
      client.get(key, (error, value) => cb(error, value === null || value === undefined ? undefined : Number(value.toString()))),
    set: (key: string, value: number, ttl: number, cb: Callback) => client.set(key, String(value), { expires: ttl }, (error) => cb(error)),
    add: (key: string, value: number, ttl: number, cb: Callback<boolean>) =>
      client.add(key, String(Math.max(0, value)), { expires: ttl }, (error, added) => cb(error, Boolean(added))),
    incr: (key: string, amount: number, cb: Callback<number | false>) =>
      amount >= 0
        ? client.increment(key, amount, { expires: 0xffffffff }, (error, found, value) => counted(error, found, value, cb))
        : client.decrement(key, -amount, { expires: 0xffffffff }, (error, found, value) => counted(error, found, value, cb)),
    del: (key: string, cb: Callback) => client.delete(key, (error) => cb(error)),
  };
}
