import type { Mailer } from '../../adapters/mail/mailer.js';
import type { Db } from '../../db/connect.js';
import * as mail from './mail.repository.js';

export interface SenderOptions {
  /** Names this process in the claims (INSTANCE_ID). */
  instanceId: string;
  from: string;
  /** First retry after this long; each next one waits twice as long, up to MAX_DELAY_MS. */
  retryBaseMs: number;
  pollMs?: number;
  maxAttempts?: number;
}

interface Log {
  info(details: object, message: string): void;
  warn(details: object, message: string): void;
}

const BATCH = 10;
const CLAIM_MS = 2 * 60_000;
const MAX_DELAY_MS = 6 * 3600_000;
const DEFAULT_MAX_ATTEMPTS = 10;

/**
 * Sends the outbox, off the request path. Every instance runs one; each claims due rows
 * atomically (see mail.repository.claimDue), so several never send the same message. A
 * message that cannot be sent is retried with exponential backoff; a request only ever
 * inserts a row and nudges the loop, so a dead SMTP server never slows or fails it.
 */
export class MailSender {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private stopped = false;

  constructor(
    private readonly db: Db,
    private readonly mailer: Mailer,
    private readonly log: Log,
    private readonly options: SenderOptions,
  ) {}

  start(): void {
    this.timer = setInterval(() => this.kick(), this.options.pollMs ?? 2000);
    this.timer.unref();
    this.kick();
  }

  /** Asks for a run soon (after a message was queued). */
  kick(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.run().finally(() => {
      this.running = undefined;
      if (this.again) {
        this.again = false;
        this.kick();
      }
    });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.running;
    await this.mailer.close();
  }

  private async run(): Promise<void> {
    try {
      for (;;) {
        const now = Date.now();
        const claimed = await mail.claimDue(this.db, this.options.instanceId, iso(now), iso(now + CLAIM_MS), BATCH);
        for (const row of claimed) await this.deliver(row);
        if (claimed.length < BATCH || this.stopped) return;
      }
    } catch (error) {
      // The database is away: the rows wait, the next poll tries again.
      this.log.warn({ err: error }, 'mail sender could not read the outbox');
    }
  }

  private async deliver(message: mail.ClaimedMessage): Promise<void> {
    const attempts = message.attempts + 1;
    const forgetBody = message.secret;
    const record = (outcome: mail.OutboxOutcome) => mail.recordOutcome(this.db, message.id, this.options.instanceId, outcome, iso(Date.now()));
    if (await mail.isSuppressed(this.db, message.to)) {
      this.log.info({ mail: message.id, template: message.template }, 'mail not sent: the address is suppressed (bounce or complaint)');
      await record({ status: 'suppressed', attempts: message.attempts, forgetBody });
      return;
    }
    try {
      await this.mailer.send({ from: this.options.from, to: message.to, subject: message.subject, text: message.text, html: message.html });
      await record({ status: 'sent', attempts, transport: this.mailer.name, lastError: null, forgetBody });
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      const permanent = isPermanentRejection(error) || attempts >= (this.options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS);
      const delay = Math.min(this.options.retryBaseMs * 2 ** (attempts - 1), MAX_DELAY_MS);
      this.log.warn({ mail: message.id, template: message.template, attempts, permanent, err: reason }, permanent ? 'mail failed for good' : 'mail not sent; will retry');
      await record(permanent ? { status: 'failed', attempts, lastError: reason, transport: this.mailer.name, forgetBody } : { status: 'queued', attempts, lastError: reason, nextAttemptAt: iso(Date.now() + delay) });
    }
  }
}

/** The server refused the recipient itself (550–554 at RCPT TO): retrying cannot help. */
function isPermanentRejection(error: unknown): boolean {
  const { responseCode, command } = (error ?? {}) as { responseCode?: number; command?: string };
  return typeof responseCode === 'number' && responseCode >= 550 && responseCode <= 554 && command === 'RCPT TO';
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}
