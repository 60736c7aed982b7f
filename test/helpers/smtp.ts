import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

export interface ReceivedMail {
  to: string[];
  from: string;
  raw: string;
  subject: string;
  /** The message with quoted-printable undone, to search for links. */
  decoded: string;
}

/** Undoes quoted-printable soft breaks and escapes (Coffer sends text parts that way). */
function decodeQuotedPrintable(raw: string): string {
  const bytes = Buffer.from(raw.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16))), 'latin1');
  return bytes.toString('utf8');
}

function decodeHeader(value: string): string {
  // Whitespace between two encoded words is not part of the text (RFC 2047).
  return value.replace(/\?=\s+=\?/g, '?==?').replace(/=\?utf-8\?([QB])\?([^?]*)\?=/gi, (_, kind: string, text: string) =>
    kind.toUpperCase() === 'B' ? Buffer.from(text, 'base64').toString('utf8') : decodeQuotedPrintable(text.replace(/_/g, ' ')),
  );
}

/**
 * A real SMTP server (the `smtp-server` package) on 127.0.0.1 that keeps what it receives.
 * It can be stopped and started again on the same port, to play an outage.
 */
export class TestSmtpServer {
  readonly mails: ReceivedMail[] = [];
  private server: SMTPServer | undefined;
  port = 0;
  private waiters: Array<() => void> = [];

  constructor(private readonly credentials?: { user: string; pass: string }) {}

  get url(): string {
    return this.credentials ? `smtp://${this.credentials.user}:${this.credentials.pass}@127.0.0.1:${this.port}` : `smtp://127.0.0.1:${this.port}`;
  }

  async start(port = this.port): Promise<this> {
    const credentials = this.credentials;
    const server = new SMTPServer({
      // Plain SMTP on loopback: the self-signed STARTTLS certificate would only be refused.
      disabledCommands: credentials ? ['STARTTLS'] : ['STARTTLS', 'AUTH'],
      allowInsecureAuth: true,
      authOptional: !credentials,
      logger: false,
      // Stopping (an outage) drops open connections at once instead of waiting 30 s for them.
      closeTimeout: 100,
      onAuth(auth, _session, callback) {
        if (credentials && auth.username === credentials.user && auth.password === credentials.pass) return callback(null, { user: auth.username });
        return callback(new Error('Invalid username or password'));
      },
      onData: (stream, session, callback) => {
        const chunks: Buffer[] = [];
        stream.on('data', (chunk: Buffer) => chunks.push(chunk));
        stream.on('end', () => {
          const raw = Buffer.concat(chunks).toString('utf8');
          const subject = /^Subject: (.*(?:\r\n[ \t].*)*)/im.exec(raw)?.[1] ?? '';
          this.mails.push({
            to: session.envelope.rcptTo.map((r) => r.address),
            from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
            raw,
            subject: decodeHeader(subject.replace(/\r\n[ \t]/g, ' ')),
            decoded: decodeQuotedPrintable(raw),
          });
          for (const resolve of this.waiters.splice(0)) resolve();
          callback();
        });
      },
    });
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
    this.port = (server.server.address() as AddressInfo).port;
    return this;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** The mails to `address`, waiting until there are at least `count` (or failing after `timeoutMs`). */
  async waitFor(address: string, count = 1, timeoutMs = 15_000): Promise<ReceivedMail[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.mails.filter((m) => m.to.includes(address));
      if (found.length >= count) return found;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`expected ${count} mail(s) to ${address}, got ${found.length}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(left, 200));
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  to(address: string): ReceivedMail[] {
    return this.mails.filter((m) => m.to.includes(address));
  }
}

/** The first link of `mail` to `path` (e.g. "/verify-email"), and its token. */
export function linkIn(mail: ReceivedMail, path: string): { url: string; token: string } {
  const match = new RegExp(`(https?://[^\\s"<>]*${path.replace(/[/-]/g, '\\$&')}\\?token=([A-Za-z0-9_-]+))`).exec(mail.decoded);
  if (!match) throw new Error(`no ${path} link in the mail "${mail.subject}"`);
  return { url: match[1]!, token: match[2]! };
}

/** Waits until `check` is true, polling; fails naming `what` after `timeoutMs`. */
export async function eventually(what: string, check: () => Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
