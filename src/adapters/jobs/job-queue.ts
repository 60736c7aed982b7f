import type { Executor } from '../../db/connect.js';

/**
 * One job handed to an engine: the id of its database row (the truth: status, attempts,
 * lease) and whose work it is, so engines can be fair between users.
 */
export interface Delivery {
  id: string;
  ownerId: string;
  /** The attempt this delivery is for (attempts so far + 1): engines de-duplicate on it. */
  attempt: number;
  /** Not before this many milliseconds from now (a retry's backoff). */
  delayMs?: number;
  /** How many of its owner's jobs are ahead of it (for the shared queue's order). */
  rank?: number;
}

/** Works one delivery; never throws (the outcome is recorded on the row). */
export type DeliveryHandler = (delivery: Delivery) => Promise<void>;

/**
 * Carries job ids to the processes that work them. An engine may deliver a job twice or
 * to two processes at once: whoever claims the row first (an atomic UPDATE) runs it, the
 * other delivery does nothing.
 */
export interface JobEngine {
  /** Starts working deliveries in this process, at most `concurrency` at once. */
  consume(handler: DeliveryHandler, concurrency: number): void;
  deliver(deliveries: readonly Delivery[]): Promise<void>;
  /** Stops taking deliveries; resolves when the handlers running here have returned. */
  close(): Promise<void>;
}

export interface JobStats {
  waiting: number;
  running: number;
  failed: number;
}

/** A new file, as the pipeline needs to know it to plan its steps. */
export interface NewFileWork {
  id: string;
  ownerId: string;
  kind: 'image' | 'audio' | 'video';
}

/** Durable background work: what the rest of the app sees (features/jobs/jobs.service.ts). */
export interface JobQueue {
  /** Records the steps new files need, in the caller's transaction (the one adding the files). */
  record(trx: Executor, files: readonly NewFileWork[]): Promise<Delivery[]>;
  /** Hands recorded work to the engine, once its transaction has committed. */
  submit(deliveries: readonly Delivery[]): void;
  stats(): Promise<JobStats>;
  /** Resolves when no work is due or running (for tests). */
  idle(): Promise<void>;
  close(): Promise<void>;
}

/**
 * The embedded engine: jobs run in this process, round-robin across owners (a user with 100
 * queued jobs delays another user's first job by at most one job per slot), each started
 * on a later turn of the event loop so requests are served between jobs. Deliveries live
 * in memory only; the database sweep finds whatever a crash dropped.
 */
export class InProcessEngine implements JobEngine {
  /** Per owner, deliveries in arrival order; Map order is the round-robin order. */
  private readonly byOwner = new Map<string, Delivery[]>();
  private readonly known = new Set<string>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private handler: DeliveryHandler | undefined;
  private concurrency = 0;
  private running = 0;
  private closed = false;
  private drained: (() => void) | undefined;

  consume(handler: DeliveryHandler, concurrency: number): void {
    this.handler = handler;
    this.concurrency = concurrency;
    this.pump();
  }

  async deliver(deliveries: readonly Delivery[]): Promise<void> {
    if (this.closed || !this.handler) return;
    for (const delivery of deliveries) {
      const key = deliveryKey(delivery);
      if (this.known.has(key)) continue;
      this.known.add(key);
      if (delivery.delayMs && delivery.delayMs > 0) {
        const timer = setTimeout(() => {
          this.timers.delete(timer);
          this.enqueue(delivery);
        }, delivery.delayMs).unref();
        this.timers.add(timer);
      } else {
        this.enqueue(delivery);
      }
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    this.byOwner.clear();
    if (this.running > 0) await new Promise<void>((resolve) => (this.drained = resolve));
  }

  private enqueue(delivery: Delivery): void {
    if (this.closed) return;
    const queue = this.byOwner.get(delivery.ownerId);
    if (queue) queue.push(delivery);
    else this.byOwner.set(delivery.ownerId, [delivery]);
    this.pump();
  }

  /** The next owner's oldest job; that owner goes to the back of the line. */
  private next(): Delivery | undefined {
    for (const [owner, queue] of this.byOwner) {
      this.byOwner.delete(owner);
      const delivery = queue.shift();
      if (queue.length > 0) this.byOwner.set(owner, queue);
      if (delivery) return delivery;
    }
    return undefined;
  }

  private pump(): void {
    const handler = this.handler;
    if (!handler) return;
    while (!this.closed && this.running < this.concurrency) {
      const delivery = this.next();
      if (!delivery) return;
      this.running += 1;
      setImmediate(() => {
        // Forgotten only once finished: a repeated delivery meanwhile is dropped here.
        void handler(delivery).finally(() => {
          this.known.delete(deliveryKey(delivery));
          this.running -= 1;
          if (this.closed && this.running === 0) this.drained?.();
          else this.pump();
        });
      });
    }
  }
}

/** One attempt of one job: what engines de-duplicate on (a retry is a new attempt). */
export function deliveryKey(delivery: Delivery): string {
  return `${delivery.id}-a${delivery.attempt}`;
}

/**
 * Whether an error says the input itself is refused (an image too large to decode, bytes
 * that are not their stored container): trying again gives the same answer, so the step
 * fails for good at once. Adapters mark such errors with `permanent = true`.
 */
export function isPermanentFailure(error: unknown): boolean {
  return error instanceof Error && (error as Error & { permanent?: unknown }).permanent === true;
}
