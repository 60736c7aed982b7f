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
 * it. Increments use an expiry of 0xffffffff so a missing counter is reported, not created.
 */
export function memcachedLimiterClient(client: memjs.Client) {
  return {
    get: (key: string, cb: Callback<number>) =>
      client.get(key, (error, value) => cb(error, value === null || value === undefined ? undefined : Number(value.toString()))),
    set: (key: string, value: number, ttl: number, cb: Callback) => client.set(key, String(value), { expires: ttl }, (error) => cb(error)),
    add: (key: string, value: number, ttl: number, cb: Callback<boolean>) =>
      client.add(key, String(value), { expires: ttl }, (error, added) => cb(error, Boolean(added))),
    incr: (key: string, amount: number, cb: Callback<number | false>) =>
      client.increment(key, amount, { expires: 0xffffffff }, (error, found, value) => cb(error, found ? (value ?? false) : false)),
    del: (key: string, cb: Callback) => client.delete(key, (error) => cb(error)),
  };
}
