import { randomUUID } from 'node:crypto';
import type { EventBus } from '../../adapters/events/event-bus.js';
import { isPermanentFailure, type Delivery, type JobEngine, type JobQueue, type JobStats, type NewFileWork } from '../../adapters/jobs/job-queue.js';
import type { Config } from '../../config.js';
import type { Db, Executor } from '../../db/connect.js';
import type { JobStatus } from '../../db/schema.js';
import * as jobs from './jobs.repository.js';
import type { JobItem } from './jobs.repository.js';

/**
 * One step of the media pipeline. Adding a step is one more entry in the list the app
 * hands to JobsService (features/files/pipeline.ts).
 */
export interface PipelineStep {
  name: string;
  /** Whether a new file needs this step. */
  appliesTo(file: NewFileWork): boolean;
  /**
   * Does the work for one file. `signal` aborts when the time limit passes or the process
   * stops: stop, and write nothing after it has fired.
   */
  run(fileId: string, signal: AbortSignal): Promise<void>;
}

export interface JobsOptions {
  /** This process works jobs (otherwise it only records and sends them). */
  worker: boolean;
  concurrency: number;
  timeoutMs: number;
  maxAttempts: number;
  /** The first retry's delay; each further one doubles it. */
  retryMs: number;
  sweepMs: number;
  /** Names this process in the rows it holds. */
  instanceId: string;
}

/** What the service logs through (the app's logger, or the console for the CLI). */
export interface JobsLog {
  info(details: object, message: string): void;
  warn(details: object, message: string): void;
  error(details: object, message: string): void;
}

/** The service's options from the settings (JOBS_*, JOB_*). */
export function jobOptions(config: Config): JobsOptions {
  const { jobs } = config;
  return {
    worker: jobs.worker,
    concurrency: jobs.concurrency,
    timeoutMs: jobs.timeoutSeconds * 1000,
    maxAttempts: jobs.maxAttempts,
    retryMs: jobs.retrySeconds * 1000,
    sweepMs: jobs.sweepSeconds * 1000,
    instanceId: config.instanceId,
  };
}

/** Beyond the time limit, how long a lease lasts: time to record the outcome. */
const LEASE_MARGIN_MS = 5000;
const MAX_RETRY_DELAY_MS = 3600_000;
/** At shutdown, how long running jobs may finish before they are stopped and given back. */
const SHUTDOWN_GRACE_MS = 5000;
const SWEEP_BATCH = 500;
const IDLE_POLL_MS = 50;

class TimeLimit extends Error {
  constructor(seconds: number) {
    super(`took longer than the time limit of ${seconds} s (JOB_TIMEOUT_SECONDS)`);
  }
}
class ShuttingDown extends Error {}

const iso = (ms: number) => new Date(ms).toISOString();

/**
 * Durable background work. Each step a file needs is a row written with the file; the
 * engine (in-process or BullMQ) only carries row ids. A process runs a job after claiming
 * its row (an atomic UPDATE), under a lease a little longer than the time limit; the
 * outcome is written back on the row: done, queued again after a backoff, or failed for
 * good after JOB_MAX_ATTEMPTS. A sweep, at start and periodically, queues again what is
 * due or whose lease has passed (its process died), so nothing is lost and nothing runs
 * twice at once.
 */
export class JobsService implements JobQueue {
  private readonly steps: Map<string, PipelineStep>;
  private readonly active = new Map<string, AbortController>();
  private sweepTimer: NodeJS.Timeout | undefined;
  private sweeping = false;
  private closing = false;

  constructor(
    private readonly db: Db,
    private readonly engine: JobEngine,
    steps: readonly PipelineStep[],
    private readonly options: JobsOptions,
    private readonly log: JobsLog,
    /** Told when a step ends for good (done or failed), after its row is committed: live updates. */
    private readonly events?: Pick<EventBus, 'publish'>,
  ) {
    this.steps = new Map(steps.map((step) => [step.name, step]));
  }

  /** Starts working (in a worker process): takes deliveries and sweeps now and periodically. */
  start(): void {
    if (!this.options.worker || this.steps.size === 0) return;
    this.engine.consume((delivery) => this.run(delivery), this.options.concurrency);
    void this.sweep();
    this.sweepTimer = setInterval(() => void this.sweep(), this.options.sweepMs).unref();
  }

  async record(trx: Executor, files: readonly NewFileWork[]): Promise<Delivery[]> {
    const now = new Date().toISOString();
    const ahead = await jobs.countUnfinishedByOwner(trx, [...new Set(files.map((file) => file.ownerId))]);
    const queued: jobs.NewJob[] = [];
    const deliveries: Delivery[] = [];
    for (const file of files) {
      for (const step of this.steps.values()) {
        if (!step.appliesTo(file)) continue;
        const id = randomUUID();
        const rank = ahead.get(file.ownerId) ?? 0;
        ahead.set(file.ownerId, rank + 1);
        queued.push({ id, fileId: file.id, ownerId: file.ownerId, step: step.name, createdAt: now });
        deliveries.push({ id, ownerId: file.ownerId, attempt: 1, rank });
      }
    }
    await jobs.insertJobs(trx, queued);
    // New files are inserted as pending; one no step applies to has nothing to wait for.
    const withWork = new Set(queued.map((job) => job.fileId));
    await jobs.markFilesDone(trx, files.filter((file) => !withWork.has(file.id)).map((file) => file.id));
    return deliveries;
  }

  submit(deliveries: readonly Delivery[]): void {
    void this.send(deliveries);
  }

  private async send(deliveries: readonly Delivery[]): Promise<void> {
    if (deliveries.length === 0) return;
    try {
      await this.engine.deliver(deliveries);
    } catch (error) {
      // Undelivered work is still on its rows: the next sweep finds it.
      this.log.warn({ err: error, jobs: deliveries.length }, 'could not queue jobs; the sweep will retry');
    }
  }

  async stats(): Promise<JobStats> {
    const counts = await jobs.countByStatus(this.db);
    return { waiting: counts.queued, running: counts.running, failed: counts.failed };
  }

  /** Queue depth and the jobs running or failed (newest first), for administrators. */
  async overview(statuses: readonly JobStatus[], limit: number): Promise<JobStats & { items: JobItem[] }> {
    return { ...(await this.stats()), items: await jobs.listJobs(this.db, statuses, limit) };
  }

  /** Failed jobs (all, or these ids) queued again with a fresh count of attempts; returns how many. */
  async retry(ids?: readonly string[]): Promise<number> {
    const requeuedJobs = await this.db.transaction().execute(async (trx) => {
      const requeued = await jobs.requeueFailed(trx, ids, new Date().toISOString());
      await jobs.refreshFileProcessing(trx, requeued.map((job) => job.fileId));
      return requeued;
    });
    await this.send(requeuedJobs.map((job, index) => ({ id: job.id, ownerId: job.ownerId, attempt: 1, rank: index })));
    return requeuedJobs.length;
  }

  async idle(): Promise<void> {
    while (await jobs.hasDueOrRunning(this.db, new Date().toISOString())) await new Promise((resolve) => setTimeout(resolve, IDLE_POLL_MS));
  }

  /**
   * Stops taking jobs; those running get a few seconds to finish, then are stopped and
   * given back (queued again, the attempt not counted) for another process.
   */
  async close(): Promise<void> {
    this.closing = true;
    clearInterval(this.sweepTimer);
    const stopped = this.engine.close();
    const grace = new Promise<'grace'>((resolve) => setTimeout(() => resolve('grace'), SHUTDOWN_GRACE_MS).unref());
    if ((await Promise.race([stopped.then(() => 'stopped' as const), grace])) === 'grace') {
      for (const controller of this.active.values()) controller.abort(new ShuttingDown());
    }
    await stopped;
  }

  /** Queues again whatever is due or on a passed lease; each owner's jobs ranked in turn. */
  private async sweep(): Promise<void> {
    if (this.sweeping || this.closing) return;
    this.sweeping = true;
    try {
      const due = await jobs.findDueJobs(this.db, [...this.steps.keys()], new Date().toISOString(), SWEEP_BATCH);
      const ranks = new Map<string, number>();
      const deliveries = due.map((job) => {
        const rank = ranks.get(job.ownerId) ?? 0;
        ranks.set(job.ownerId, rank + 1);
        return { id: job.id, ownerId: job.ownerId, attempt: job.attempts + 1, rank };
      });
      await this.engine.deliver(deliveries);
    } catch (error) {
      this.log.warn({ err: error }, 'job sweep failed; trying again later');
    } finally {
      this.sweeping = false;
    }
  }

  /** Claims, runs and records one job; never throws. */
  private async run(delivery: Delivery): Promise<void> {
    if (this.closing) return;
    const lock = `${this.options.instanceId}:${randomUUID()}`;
    try {
      const started = Date.now();
      const job = await jobs.claimJob(this.db, delivery.id, [...this.steps.keys()], lock, iso(started + this.options.timeoutMs + LEASE_MARGIN_MS), iso(started));
      if (!job) return;
      const outcome = await this.attempt(job, lock);
      // A step's end and what its file then says are one change.
      const terminal = outcome.status === 'done' || outcome.status === 'failed';
      const endedAt = new Date().toISOString();
      const recorded = await this.db.transaction().execute(async (trx) => {
        const held = await jobs.finishJob(trx, job.id, lock, outcome, endedAt);
        if (held && terminal) await jobs.refreshFileProcessing(trx, [job.fileId]);
        return held;
      });
      const details = { job: job.id, fileId: job.fileId, step: job.step, attempt: job.attempts, ms: Date.now() - started };
      if (!recorded) {
        this.log.warn(details, 'job outcome not recorded: its lease passed and another process took it');
        return;
      }
      if (outcome.status === 'queued') {
        this.log.warn({ ...details, error: outcome.error, retryAt: outcome.runAfter }, 'job failed; it will be retried');
        // A retry goes to the back of its owner's line, behind the owner's other work.
        const rank = (await jobs.countUnfinishedByOwner(this.db, [job.ownerId])).get(job.ownerId) ?? 0;
        this.submit([{ id: job.id, ownerId: job.ownerId, attempt: job.attempts + 1, delayMs: Date.parse(outcome.runAfter) - Date.now(), rank }]);
      } else if (outcome.status === 'released') {
        this.log.info(details, 'job given back at shutdown');
      } else {
        if (outcome.status === 'failed') this.log.error({ ...details, error: outcome.error }, 'job failed for good');
        else this.log.info(details, 'job done');
        void this.events?.publish({ type: 'file.step', ownerId: job.ownerId, fileId: job.fileId, jobId: job.id, step: job.step, status: outcome.status, at: endedAt });
      }
    } catch (error) {
      // The row keeps its state; the lease or the sweep brings the job back.
      this.log.error({ err: error, job: delivery.id }, 'could not run or record a job');
    }
  }

  private async attempt(job: JobItem, lock: string): Promise<Parameters<typeof jobs.finishJob>[3]> {
    // Claimed only if known (see claimJob): a newer version's steps are left to it.
    const step = this.steps.get(job.step)!;
    const controller = new AbortController();
    this.active.set(lock, controller);
    const timer = setTimeout(() => controller.abort(new TimeLimit(this.options.timeoutMs / 1000)), this.options.timeoutMs);
    try {
      await Promise.race([step.run(job.fileId, controller.signal), rejectOnAbort(controller.signal)]);
      return { status: 'done' };
    } catch (error) {
      if (controller.signal.reason instanceof ShuttingDown) return { status: 'released', runAfter: iso(Date.now()) };
      const message = error instanceof Error ? error.message : String(error);
      const attempts = job.attempts;
      if (attempts >= this.options.maxAttempts || isPermanentFailure(error)) return { status: 'failed', error: message };
      const delay = Math.min(this.options.retryMs * 2 ** (attempts - 1), MAX_RETRY_DELAY_MS);
      return { status: 'queued', runAfter: iso(Date.now() + delay), error: message };
    } finally {
      clearTimeout(timer);
      this.active.delete(lock);
    }
  }
}

/** Rejects with the abort reason: the slot is freed when the time limit passes, whatever the step does. */
function rejectOnAbort(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason as Error), { once: true }));
}
