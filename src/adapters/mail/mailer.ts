/** One message, ready to send: always plain text and HTML, one recipient. */
export interface MailMessage {
  from: string;
  to: string;
  subject: string;
  text: string;
  html: string;
}

/**
 * The outside world that delivers mail. `send` resolves once the message is handed over
 * (or kept), and rejects when it was not: the sender then retries later. Implementations
 * bound every wait, so a dead server costs a bounded time, never a hung loop.
 */
export interface Mailer {
  /** Names the transport in the outbox ("smtp", "log"). */
  readonly name: string;
  send(message: MailMessage): Promise<void>;
  close(): Promise<void>;
}
