import { RateLimiterMemcache, RateLimiterMemory, RateLimiterRedis, type RateLimiterAbstract } from 'rate-limiter-flexible';
import { maskUrl } from '../../shared/mask-url.js';
import { MemorySessionStore } from './memory.js';
import type { SessionStore } from './session-store.js';

export interface LimiterOptions {
  name: string;
  points: number;
  durationSeconds: number;
}

/** The session store and, in the same place, the counters of the rate limits. */
export interface SessionBackend {
  store: SessionStore;
  limiter(options: LimiterOptions): RateLimiterAbstract;
}

const DEFAULT_PREFIX = 'coffer:';

/**
 * `memory:`, `redis://…` / `rediss://…` or `memcached://host:port`, with an optional
 * `?prefix=` for the keys (default `coffer:`), so several deployments can share a server.
 */
export async function openSessionBackend(rawUrl: string): Promise<SessionBackend> {
  if (rawUrl === 'memory:' || rawUrl.startsWith('memory:')) {
    return { store: new MemorySessionStore(), limiter: ({ name, points, durationSeconds }) => new RateLimiterMemory({ keyPrefix: name, points, duration: durationSeconds }) };
  }
  const url = new URL(rawUrl);
  const prefix = url.searchParams.get('prefix') ?? DEFAULT_PREFIX;
  url.searchParams.delete('prefix');

  // Clients are loaded only when chosen: an instance carries just the one it uses.
  if (url.protocol === 'redis:' || url.protocol === 'rediss:') {
    const { createRedisClient, RedisSessionStore } = await import('./redis.js');
    const client = createRedisClient(url);
    // Connection errors surface as 503s and in /readyz; the client reconnects by itself.
    let lastError: Error | undefined;
    client.on('error', (error: Error) => {
      lastError = error;
    });
    await reach(rawUrl, async () => {
      try {
        await client.connect();
        await client.ping();
      } catch (error) {
        client.disconnect();
        throw lastError ?? error;
      }
    });
    return {
      store: new RedisSessionStore(client, prefix),
      limiter: ({ name, points, durationSeconds }) => new RateLimiterRedis({ storeClient: client, keyPrefix: `${prefix}${name}`, points, duration: durationSeconds }),
    };
  }
  if (url.protocol === 'memcached:') {
    const { createMemcachedClient, memcachedLimiterClient, MemcachedSessionStore } = await import('./memcached.js');
    const client = createMemcachedClient(url);
    await reach(rawUrl, () => client.get(`${prefix}ping`));
    const limiterClient = memcachedLimiterClient(client);
    return {
      store: new MemcachedSessionStore(client, prefix),
      limiter: ({ name, points, durationSeconds }) => new RateLimiterMemcache({ storeClient: limiterClient, keyPrefix: `${prefix}${name}`, points, duration: durationSeconds }),
    };
  }
  throw new Error(`SESSION_URL: unsupported session store "${url.protocol}"`);
}

async function reach(url: string, probe: () => Promise<unknown>): Promise<void> {
  try {
    await probe();
  } catch (error) {
    throw new Error(`SESSION_URL: cannot reach the session store at ${maskUrl(url)} (${error instanceof Error ? error.message : String(error)})`);
  }
}
