import { Redis } from 'ioredis';
import { orUnavailable, type SessionData, type SessionStore } from './session-store.js';

/**
 * Sessions in Redis (or ElastiCache for Redis/Valkey), shared by every instance. Commands
 * are not queued while the server is away: they fail at once (503) and the client keeps
 * reconnecting in the background, so service resumes by itself.
 */
export class RedisSessionStore implements SessionStore {
  constructor(
    readonly client: Redis,
    private readonly prefix: string,
  ) {}

  async get(key: string): Promise<SessionData | undefined> {
    const raw = await orUnavailable(() => this.client.get(this.key(key)));
    return raw ? (JSON.parse(raw) as SessionData) : undefined;
  }

  async set(key: string, data: SessionData, ttlSeconds: number): Promise<void> {
    await orUnavailable(() => this.client.set(this.key(key), JSON.stringify(data), 'EX', Math.max(1, ttlSeconds)));
  }

  async delete(key: string): Promise<void> {
    await orUnavailable(() => this.client.del(this.key(key)));
  }

  async check(): Promise<void> {
    await orUnavailable(() => this.client.ping());
  }

  async close(): Promise<void> {
    this.client.disconnect();
  }

  private key(key: string): string {
    return `${this.prefix}session:${key}`;
  }
}

export function createRedisClient(url: URL): Redis {
  return new Redis(url.toString(), {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: 2000,
    commandTimeout: 2000,
    retryStrategy: (attempt) => Math.min(attempt * 200, 2000),
  });
}
