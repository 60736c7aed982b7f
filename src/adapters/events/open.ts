import { InProcessEventBus, type EventBus } from './event-bus.js';

/** `inprocess:` or `redis://…` / `rediss://…` (EVENTS_URL, or the Redis of JOBS_URL / SESSION_URL). */
export async function openEventBus(url: string, log: { warn(details: object, message: string): void }): Promise<EventBus> {
  if (url.startsWith('inprocess:')) return new InProcessEventBus();
  const { RedisEventBus } = await import('./redis.js');
  return new RedisEventBus(url, log);
}
