import nodemailer, { type Transporter } from 'nodemailer';
import type { Mailer, MailMessage } from './mailer.js';

export interface SmtpTimeouts {
  connectionMs: number;
  greetingMs: number;
  socketMs: number;
}

/** Bounded waits: a server that does not answer costs seconds, then the message is retried. */
export const DEFAULT_SMTP_TIMEOUTS: SmtpTimeouts = { connectionMs: 10_000, greetingMs: 10_000, socketMs: 30_000 };

/**
 * `smtp://user:pass@host:587` (STARTTLS when the server offers it) or `smtps://…` (TLS from
 * the start, usually port 465), through a small pool of reused connections.
 */
export class SmtpMailer implements Mailer {
  readonly name = 'smtp';
  private readonly transport: Transporter;

  constructor(url: string, timeouts: SmtpTimeouts = DEFAULT_SMTP_TIMEOUTS) {
    this.transport = nodemailer.createTransport({
      url,
      pool: true,
      maxConnections: 2,
      maxMessages: 100,
      connectionTimeout: timeouts.connectionMs,
      greetingTimeout: timeouts.greetingMs,
      socketTimeout: timeouts.socketMs,
      // Mail text is ours, never a file or URL a user supplied: nothing to fetch.
      disableFileAccess: true,
      disableUrlAccess: true,
    });
  }

  async send(message: MailMessage): Promise<void> {
    // Quoted-printable keeps the text readable in any client's "show original".
    await this.transport.sendMail({ ...message, textEncoding: 'quoted-printable' });
  }

  async close(): Promise<void> {
    this.transport.close();
  }
}
