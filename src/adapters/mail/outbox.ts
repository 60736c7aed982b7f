import type { Mailer, MailMessage } from './mailer.js';

export interface MailLog {
  info(details: object, message: string): void;
}

/**
 * The default when no SMTP_URL is set: nothing leaves the machine. Every message stays in
 * the outbox table (the sender records it) and is written whole to the log, so an
 * administrator can read it there — a verification link included — instead of it being
 * silently dropped.
 */
export class OutboxMailer implements Mailer {
  readonly name = 'log';

  constructor(private readonly log: MailLog) {}

  async send(message: MailMessage): Promise<void> {
    this.log.info({ mail: { from: message.from, to: message.to, subject: message.subject, text: message.text } }, 'mail kept in the outbox (no SMTP_URL set)');
  }

  async close(): Promise<void> {}
}
