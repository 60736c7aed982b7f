import { PassThrough } from 'node:stream';
import type { BusEvent, EventBus } from '../../adapters/events/event-bus.js';
import type { Db } from '../../db/connect.js';
import { RateLimited, Unavailable } from '../../errors.js';
import { findStepsEndedAfter } from './events.repository.js';

export interface LiveEventsOptions {
  maxStreamsPerUser: number;
  heartbeatMs: number;
  /** A stream is ended after this long; the client reconnects, is authenticated again and replays. */
  maxAgeMs: number;
}

/** The owner's files as the API shows them, by id (absent: deleted meanwhile). */
export type DescribeFiles = (ownerId: string, fileIds: readonly string[]) => Promise<Map<string, object>>;

interface LogLike {
  warn(details: object, message: string): void;
}

/** One open stream. Kept small: thousands may be open and idle. */
interface Stream {
  userId: string;
  body: PassThrough;
  openedAt: number;
  /** Live events held back while the stream's replay is being written. */
  held: BusEvent[] | undefined;
}

/** Events missed since a Last-Event-ID that are replayed one by one; beyond, a `reset`. */
export const REPLAY_LIMIT = 200;
/** A client that stops reading: once this much waits for it, its stream is ended. */
const MAX_BUFFERED_BYTES = 64 * 1024;
/** How long a stream waits for the bus's subscription before it says `ready` anyway. */
const SUBSCRIBE_WAIT_MS = 2000;
/** The browser's reconnection delay (the `retry:` field). */
const RETRY_MS = 3000;

const POSITION = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d{1,3})?Z)~([0-9a-f-]{0,36})$/;

/** An event's id: when its step ended and its job, so replay can continue after it. */
export const positionOf = (at: string, jobId: string) => `${at}~${jobId}`;

export function parsePosition(id: string | undefined): { at: string; jobId: string } | 'invalid' | undefined {
  if (id === undefined || id === '') return undefined;
  const match = POSITION.exec(id);
  return match ? { at: match[1]!, jobId: match[2]! } : 'invalid';
}

/**
 * The server-sent event streams this process holds, per user. Events come from the bus
 * (this process, or every process through Redis); each goes to its owner's streams here.
 * One timer for all streams writes the heartbeats and ends streams past their age, so an
 * idle stream costs its socket and this small record, nothing more.
 */
export class LiveEvents {
  private readonly byUser = new Map<string, Set<Stream>>();
  private subscription: Promise<unknown> | undefined;
  private stopListening: (() => void) | undefined;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(
    private readonly db: Db,
    private readonly bus: EventBus,
    private readonly describe: DescribeFiles,
    private readonly options: LiveEventsOptions,
    private readonly log: LogLike,
  ) {}

  /** Open streams in this process (for tests and metrics). */
  get size(): number {
    let count = 0;
    for (const streams of this.byUser.values()) count += streams.size;
    return count;
  }

  /**
   * A new stream for `userId`: `retry:`, then what was missed since `lastEventId` (or a
   * `reset`), then `ready`, then live events. Refused with 429 past the per-user cap.
   */
  open(userId: string, lastEventId: string | undefined): PassThrough {
    if (this.closed) throw new Unavailable('event stream (the server is shutting down)');
    const streams = this.byUser.get(userId) ?? new Set<Stream>();
    if (streams.size >= this.options.maxStreamsPerUser) throw new RateLimited(Math.ceil(RETRY_MS / 1000));
    const stream: Stream = { userId, body: new PassThrough(), openedAt: Date.now(), held: [] };
    streams.add(stream);
    this.byUser.set(userId, streams);
    stream.body.once('close', () => this.forget(stream));
    this.start();
    stream.body.write(`retry: ${RETRY_MS}\n\n`);
    void this.begin(stream, parsePosition(lastEventId));
    return stream.body;
  }

  /** Ends every stream (clients reconnect, through a balancer to another instance) and stops listening. */
  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.timer);
    for (const streams of this.byUser.values()) for (const stream of streams) stream.body.end();
    this.byUser.clear();
    this.stopListening?.();
  }

  private async begin(stream: Stream, after: ReturnType<typeof parsePosition>): Promise<void> {
    try {
      // Listening first, then reading what was missed: nothing falls between the two.
      await Promise.race([this.subscription, new Promise((resolve) => setTimeout(resolve, SUBSCRIBE_WAIT_MS).unref())]);
      const connectedAt = positionOf(new Date().toISOString(), '');
      if (after === 'invalid') this.write(stream, frame('reset', { reason: 'The Last-Event-ID is not one Coffer gave; reload what you show.' }, connectedAt));
      else if (after) await this.replay(stream, after);
      this.write(stream, frame('ready', {}, after === undefined ? connectedAt : undefined));
      const held = stream.held ?? [];
      stream.held = undefined;
      for (const event of held) await this.deliver(event, [stream]);
    } catch (error) {
      this.log.warn({ err: error }, 'live events: could not start a stream');
      stream.body.end();
    }
  }

  private async replay(stream: Stream, after: { at: string; jobId: string }): Promise<void> {
    const steps = await findStepsEndedAfter(this.db, stream.userId, after, REPLAY_LIMIT + 1);
    if (steps.length > REPLAY_LIMIT) {
      const last = steps.at(-1)!;
      this.write(stream, frame('reset', { reason: 'More happened than can be replayed; reload what you show.' }, positionOf(last.at, last.jobId)));
      return;
    }
    const files = await this.describe(stream.userId, [...new Set(steps.map((step) => step.fileId))]);
    for (const step of steps) {
      const file = files.get(step.fileId);
      if (file) this.write(stream, stepFrame(step, file));
    }
  }

  private start(): void {
    if (this.timer) return;
    this.subscription ??= this.bus.subscribe((event) => void this.onEvent(event)).then((stop) => {
      this.stopListening = stop;
    });
    this.timer = setInterval(() => this.beat(), this.options.heartbeatMs).unref();
  }

  /** Heartbeat comments keep proxies from timing the stream out; old streams are ended. */
  private beat(): void {
    const now = Date.now();
    for (const streams of this.byUser.values()) {
      for (const stream of streams) {
        if (now - stream.openedAt > this.options.maxAgeMs) stream.body.end();
        else this.write(stream, ': ping\n\n');
      }
    }
  }

  private async onEvent(event: BusEvent): Promise<void> {
    const streams = this.byUser.get(event.ownerId);
    if (!streams || streams.size === 0) return;
    const waiting = [...streams].filter((stream) => stream.held);
    for (const stream of waiting) stream.held!.push(event);
    const live = [...streams].filter((stream) => !stream.held);
    if (live.length > 0) await this.deliver(event, live);
  }

  private async deliver(event: BusEvent, streams: readonly Stream[]): Promise<void> {
    try {
      // One lookup per event per process, however many of the owner's streams are here.
      const file = (await this.describe(event.ownerId, [event.fileId])).get(event.fileId);
      if (!file) return;
      const text = stepFrame(event, file);
      for (const stream of streams) this.write(stream, text);
    } catch (error) {
      this.log.warn({ err: error, fileId: event.fileId }, 'live events: could not describe a file; its streams catch up when they reconnect');
    }
  }

  private write(stream: Stream, text: string): void {
    if (stream.body.writableEnded || stream.body.destroyed) return;
    // A client that does not read is not buffered for without end.
    if (stream.body.writableLength > MAX_BUFFERED_BYTES) {
      stream.body.destroy();
      return;
    }
    stream.body.write(text);
  }

  private forget(stream: Stream): void {
    const streams = this.byUser.get(stream.userId);
    if (!streams) return;
    streams.delete(stream);
    if (streams.size === 0) this.byUser.delete(stream.userId);
  }
}

function frame(event: string, data: object, id?: string): string {
  return `${id === undefined ? '' : `id: ${id}\n`}event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}

function stepFrame(step: { jobId: string; fileId: string; step: string; status: 'done' | 'failed'; at: string }, file: object): string {
  return frame('file.step', { fileId: step.fileId, step: step.step, status: step.status, file }, positionOf(step.at, step.jobId));
}
