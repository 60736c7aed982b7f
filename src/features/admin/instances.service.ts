import type { FastifyBaseLogger } from 'fastify';
import type { Db } from '../../db/connect.js';
import * as instances from './instances.repository.js';
import type { InstanceRecord } from './instances.repository.js';

export const HEARTBEAT_INTERVAL_MS = 10_000;
/** Three heartbeats missed: the instance stopped, hangs or cannot reach the database. */
export const HEALTHY_WITHIN_MS = 30_000;
/** Rows of instances silent this long are dropped when an instance starts. */
const FORGET_AFTER_MS = 7 * 24 * 60 * 60 * 1000;

export interface InstanceIdentity {
  id: string;
  host: string;
  pid: number;
  version: string;
}

export interface InstanceStatus extends InstanceRecord {
  healthy: boolean;
}

/**
 * The instance registry. Each instance writes its row every 10 s; any instance can then
 * tell an administrator which of them are alive. The database is the one place every
 * instance shares, so no instance needs to know the others' addresses.
 */
export class InstancesService {
  private readonly startedAt: string;
  private port = 0;
  private timer: NodeJS.Timeout | undefined;
  // Heartbeats run one after another, even when the database is slower than the interval.
  private beating: Promise<void> = Promise.resolve();

  constructor(
    private readonly db: Db,
    private readonly self: InstanceIdentity,
    private readonly log: FastifyBaseLogger,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.startedAt = now().toISOString();
  }

  /** Called once the instance listens on `port`: registers it and keeps it fresh. */
  async start(port: number): Promise<void> {
    this.port = port;
    const forgetBefore = new Date(this.now().getTime() - FORGET_AFTER_MS).toISOString();
    await instances.deleteSilentSince(this.db, forgetBefore).catch((error: unknown) => this.log.warn({ err: error }, 'could not prune the instance registry'));
    await this.beat();
    this.timer = setInterval(() => {
      this.beating = this.beating.then(() => this.beat());
    }, HEARTBEAT_INTERVAL_MS).unref();
  }

  /** A stopped instance leaves the registry; one that crashed stays, shown unhealthy. */
  async stop(): Promise<void> {
    if (this.timer === undefined) return;
    clearInterval(this.timer);
    this.timer = undefined;
    await this.beating;
    await instances.deleteInstance(this.db, this.self.id).catch((error: unknown) => this.log.warn({ err: error }, 'could not leave the instance registry'));
  }

  async list(): Promise<InstanceStatus[]> {
    const now = this.now().getTime();
    return (await instances.listInstances(this.db)).map((record) => ({ ...record, healthy: now - Date.parse(record.lastHeartbeatAt) < HEALTHY_WITHIN_MS }));
  }

  private async beat(): Promise<void> {
    try {
      await instances.saveInstance(this.db, { ...this.self, port: this.port, startedAt: this.startedAt, lastHeartbeatAt: this.now().toISOString() });
    } catch (error) {
      // Never fatal: serving requests matters more; the instance merely looks unhealthy.
      this.log.warn({ err: error }, 'instance heartbeat failed; trying again at the next one');
    }
  }
}
