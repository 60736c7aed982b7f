import { Redis } from 'ioredis';
import { maskUrl } from '../../shared/mask-url.js';
import type { BusEvent, BusListener, EventBus } from './event-bus.js';

interface BusLog {
  warn(details: object, message: string): void;
}

/**
 * Redis pub/sub: every instance and `coffer worker` publishes on one channel, and every
 * instance with open streams listens on it and hands each event to its owner's streams.
 * Pub/sub channels ignore Redis's database number, so the channel names the prefix and the
 * database: two deployments on one Redis stay apart.
 *
 * Publishing never queues while Redis is away (the event is dropped and logged); the
 * listening connection reconnects and subscribes again by itself. What was missed meanwhile
 * is replayed from the database when the client's stream reconnects (Last-Event-ID).
 */
export class RedisEventBus implements EventBus {
  private readonly listeners = new Set<BusListener>();
  private subscriber: Redis | undefined;
  /** Settles when the first SUBSCRIBE has been answered (or failed: the client keeps trying). */
  private subscribed: Promise<void> | undefined;
  private readonly publisher: Redis;
  private readonly channel: string;
  private lastWarning = 0;

  constructor(
    private readonly url: string,
    private readonly log: BusLog,
  ) {
    const parsed = new URL(url);
    const prefix = (parsed.searchParams.get('prefix') ?? 'coffer').replace(/:$/, '');
    parsed.searchParams.delete('prefix');
    this.url = parsed.toString();
    const database = Number(parsed.pathname.slice(1) || '0');
    this.channel = `${prefix}:events:${database}`;
    this.publisher = new Redis(this.url, { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 1, connectTimeout: 2000 });
    this.publisher.on('error', (error: Error) => this.warn(error, 'publish'));
    this.publisher.connect().catch(() => {});
  }

  async publish(event: BusEvent): Promise<void> {
    try {
      await this.publisher.publish(this.channel, JSON.stringify(event));
    } catch (error) {
      this.warn(error, 'publish');
    }
  }

  async subscribe(listener: BusListener): Promise<() => void> {
    this.listeners.add(listener);
    this.subscribed ??= this.listen();
    await this.subscribed;
    return () => this.listeners.delete(listener);
  }

  async close(): Promise<void> {
    this.listeners.clear();
    await Promise.all([this.publisher, this.subscriber].map((client) => client?.quit().catch(() => client.disconnect())));
  }

  /** The listening connection, opened on the first subscription (a worker never opens one). */
  private async listen(): Promise<void> {
    const subscriber = new Redis(this.url, { connectTimeout: 2000, maxRetriesPerRequest: null });
    this.subscriber = subscriber;
    subscriber.on('error', (error: Error) => this.warn(error, 'subscribe'));
    subscriber.on('message', (_channel: string, message: string) => {
      let event: BusEvent;
      try {
        event = JSON.parse(message) as BusEvent;
      } catch {
        return;
      }
      for (const listener of this.listeners) listener(event);
    });
    await subscriber.subscribe(this.channel).catch((error: unknown) => this.warn(error, 'subscribe'));
  }

  /** At most one warning every 10 s: a Redis outage is one log line, not one per event. */
  private warn(error: unknown, what: string): void {
    if (Date.now() - this.lastWarning < 10_000) return;
    this.lastWarning = Date.now();
    this.log.warn({ reason: error instanceof Error ? error.message : String(error), redis: maskUrl(this.url) }, `live events: cannot ${what} on Redis; streams catch up when they reconnect`);
  }
}
