import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { maskUrl } from '../../shared/mask-url.js';
import { deliveryKey, type Delivery, type DeliveryHandler, type JobEngine } from './job-queue.js';

const QUEUE = 'jobs';
const DEFAULT_PREFIX = 'coffer';
/** BullMQ's highest priority number (lowest priority). */
const PRIORITY_LIMIT = 2_097_151;

interface Payload {
  id: string;
  ownerId: string;
  attempt: number;
}

/**
 * BullMQ on Redis: every instance and `coffer worker` shares one queue, so each job reaches
 * one process. BullMQ only carries ids; retries, backoff and time limits are decided on the
 * database row (BullMQ's own retries are off), so a lost or repeated message costs nothing.
 *
 * Fairness: groups are a BullMQ Pro feature, so the open-source queue is ordered by
 * priority instead — a job's priority is its rank among its owner's unfinished jobs. Each
 * user's first job comes before anyone's second: a user with 100 queued jobs delays
 * another user's first by at most the jobs already running.
 */
export class BullMqEngine implements JobEngine {
  private worker: Worker<Payload> | undefined;

  private constructor(
    private readonly connection: Redis,
    private readonly queue: Queue<Payload>,
    private readonly prefix: string,
  ) {}

  /** `redis://host:port/db?prefix=…` (default prefix `coffer`); fails with a sentence naming JOBS_URL. */
  static async open(rawUrl: string): Promise<BullMqEngine> {
    const url = new URL(rawUrl);
    const prefix = url.searchParams.get('prefix') ?? DEFAULT_PREFIX;
    url.searchParams.delete('prefix');
    // BullMQ's blocking worker connection needs unlimited retries per request.
    const connection = new Redis(url.toString(), { maxRetriesPerRequest: null, lazyConnect: true, connectTimeout: 2000 });
    let lastError: Error | undefined;
    connection.on('error', (error: Error) => (lastError = error));
    try {
      await connection.connect();
      await connection.ping();
    } catch (error) {
      connection.disconnect();
      const reason = lastError ?? error;
      throw new Error(`JOBS_URL: cannot reach Redis for the job queue at ${maskUrl(rawUrl)} (${reason instanceof Error ? reason.message : String(reason)})`);
    }
    const queue = new Queue<Payload>(QUEUE, { connection, prefix, defaultJobOptions: { attempts: 1, removeOnComplete: true, removeOnFail: true } });
    return new BullMqEngine(connection, queue, prefix);
  }

  consume(handler: DeliveryHandler, concurrency: number): void {
    this.worker = new Worker<Payload>(QUEUE, async (job) => handler({ id: job.data.id, ownerId: job.data.ownerId, attempt: job.data.attempt }), {
      connection: this.connection,
      prefix: this.prefix,
      concurrency,
    });
    // Connection trouble is retried by the client; the sweep re-delivers whatever is lost.
    this.worker.on('error', () => {});
  }

  async deliver(deliveries: readonly Delivery[]): Promise<void> {
    if (deliveries.length === 0) return;
    // The job id is the attempt: a second delivery of the same attempt is ignored by BullMQ.
    await this.queue.addBulk(
      deliveries.map((delivery) => ({
        name: 'step',
        data: { id: delivery.id, ownerId: delivery.ownerId, attempt: delivery.attempt },
        opts: {
          jobId: deliveryKey(delivery),
          priority: Math.min(PRIORITY_LIMIT, 1 + (delivery.rank ?? 0)),
          ...(delivery.delayMs && delivery.delayMs > 0 ? { delay: delivery.delayMs } : {}),
        },
      })),
    );
  }

  async close(): Promise<void> {
    await this.worker?.close();
    await this.queue.close();
    await this.connection.quit().catch(() => this.connection.disconnect());
  }
}
