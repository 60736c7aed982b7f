import { randomUUID } from 'node:crypto';
import type { Db } from '../../db/connect.js';
import { insertEvents, type NewAuditEvent } from './audit.repository.js';

export interface AuditEntry {
  action: string;
  outcome: 'success' | 'failure';
  actor?: { id: string; username: string } | null;
  /** Who tried, when there is no account (a failed sign-in's username). */
  actorName?: string;
  target?: string;
  details?: Record<string, unknown>;
  ip?: string;
  userAgent?: string;
}

const MAX_PENDING = 10_000;

/**
 * The port services record security events through: each use case records its own
 * (the actor, the target, the outcome and the request's `Origin`). Recording never blocks
 * or fails the use case.
 */
export interface AuditLog {
  record(entry: AuditEntry): void;
}

/**
 * The append-only security log behind the port. Events are queued and written in batches
 * in the background (audit.repository.ts); a write that fails is logged.
 */
export class BatchedAuditLog implements AuditLog {
  private pending: NewAuditEvent[] = [];
  private flushing: Promise<void> | undefined;
  private readonly listeners: Array<(entry: AuditEntry) => void> = [];

  constructor(
    private readonly db: Db,
    private readonly log: { error(details: object, message: string): void },
  ) {}

  record(entry: AuditEntry): void {
    if (this.pending.length >= MAX_PENDING) {
      this.log.error({ action: entry.action }, 'audit queue full; event dropped');
      return;
    }
    this.pending.push({
      id: randomUUID(),
      at: new Date().toISOString(),
      actorId: entry.actor?.id ?? null,
      actor: (entry.actor?.username ?? entry.actorName ?? null)?.slice(0, 64) ?? null,
      action: entry.action,
      target: entry.target?.slice(0, 255) ?? null,
      ip: entry.ip?.slice(0, 64) ?? null,
      userAgent: entry.userAgent?.slice(0, 255) ?? null,
      outcome: entry.outcome,
      details: entry.details ? JSON.stringify(entry.details) : null,
    });
    this.flushing ??= new Promise<void>((resolve) => setImmediate(resolve)).then(() => this.write());
    for (const listener of this.listeners) {
      try {
        listener(entry);
      } catch (error) {
        this.log.error({ err: error, action: entry.action }, 'an audit listener failed');
      }
    }
  }

  /**
   * Lets a feature follow what is audited — the mail notices ("your password was changed")
   * are exactly these security events. Listeners run synchronously and must not throw;
   * slow work belongs in a queue of their own.
   */
  onRecord(listener: (entry: AuditEntry) => void): void {
    this.listeners.push(listener);
  }

  /** Resolves when every event recorded so far is written (tests, shutdown). */
  async flush(): Promise<void> {
    while (this.flushing) await this.flushing;
  }

  private async write(): Promise<void> {
    while (this.pending.length > 0) {
      const batch = this.pending.splice(0, 200);
      try {
        await insertEvents(this.db, batch);
      } catch (error) {
        this.log.error({ err: error, events: batch.length }, 'could not write audit events');
      }
    }
    this.flushing = undefined;
  }
}
