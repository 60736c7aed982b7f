import type { FastifyBaseLogger } from 'fastify';

export type JobHandler = (payload: string) => Promise<void>;

/** Work done off the request path (thumbnails, media probing). */
export interface JobQueue {
  register(name: string, handler: JobHandler): void;
  enqueue(name: string, payload: string): void;
  /** Jobs waiting and running now, and jobs failed since start (for /metrics). */
  stats(): { waiting: number; running: number; failed: number };
  /** Resolves when nothing is queued or running: for tests and graceful shutdown. */
  idle(): Promise<void>;
  close(): Promise<void>;
}

/**
 * The embedded default: jobs run in this process, a few at a time. A job that fails is
 * logged and dropped — its only effect is a missing thumbnail or duration.
 */
export class InProcessJobQueue implements JobQueue {
  private readonly handlers = new Map<string, JobHandler>();
  private readonly waiting: Array<{ name: string; payload: string }> = [];
  private running = 0;
  private failed = 0;
  private idleWaiters: Array<() => void> = [];
  private closed = false;

  constructor(
    private readonly log: FastifyBaseLogger,
    private readonly concurrency = 2,
  ) {}

  register(name: string, handler: JobHandler): void {
    this.handlers.set(name, handler);
  }

  enqueue(name: string, payload: string): void {
    if (this.closed) return;
    if (!this.handlers.has(name)) throw new Error(`no handler for job "${name}"`);
    this.waiting.push({ name, payload });
    this.pump();
  }

  stats(): { waiting: number; running: number; failed: number } {
    return { waiting: this.waiting.length, running: this.running, failed: this.failed };
  }

  idle(): Promise<void> {
    if (this.running === 0 && this.waiting.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  async close(): Promise<void> {
    this.closed = true;
    this.waiting.length = 0;
    await this.idle();
  }

  private pump(): void {
    while (this.running < this.concurrency && this.waiting.length > 0) {
      const job = this.waiting.shift()!;
      this.running += 1;
      void this.run(job.name, job.payload).finally(() => {
        this.running -= 1;
        this.pump();
        if (this.running === 0 && this.waiting.length === 0) {
          for (const resolve of this.idleWaiters.splice(0)) resolve();
        }
      });
    }
  }

  private async run(name: string, payload: string): Promise<void> {
    try {
      await this.handlers.get(name)!(payload);
    } catch (error) {
      this.failed += 1;
      this.log.warn({ err: error, job: name, payload }, 'background job failed');
    }
  }
}
