import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OutboxMailer } from '../../src/adapters/mail/outbox.js';
import { SmtpMailer } from '../../src/adapters/mail/smtp.js';
import { TestSmtpServer } from '../helpers/smtp.js';

const message = { from: 'Coffer <coffer@example.com>', to: 'ann@example.com', subject: 'Olá, Ann', text: 'Open https://media.example.com/verify-email?token=abc_DEF-123 to verify.', html: '<p>Open the link.</p>' };

describe('mail adapters', () => {
  const smtp = new TestSmtpServer({ user: 'coffer', pass: 's3cret' });
  beforeAll(() => smtp.start());
  afterAll(() => smtp.stop());

  it('SMTP: delivers text and HTML through an authenticated pooled connection', async () => {
    const mailer = new SmtpMailer(smtp.url);
    try {
      await mailer.send(message);
      await mailer.send({ ...message, to: 'bob@example.com' });
    } finally {
      await mailer.close();
    }
    const [mail] = await smtp.waitFor('ann@example.com');
    expect(mail!.from).toBe('coffer@example.com');
    expect(mail!.subject).toBe('Olá, Ann');
    expect(mail!.decoded).toContain('https://media.example.com/verify-email?token=abc_DEF-123');
    expect(mail!.raw).toMatch(/Content-Type: text\/html/);
    expect(smtp.to('bob@example.com')).toHaveLength(1);
  });

  it('SMTP: wrong credentials are an error, not a silent success', async () => {
    const mailer = new SmtpMailer(smtp.url.replace('s3cret', 'wrong'));
    await expect(mailer.send(message)).rejects.toThrow();
    await mailer.close();
  });

  it('SMTP: a server that accepts the connection but never greets costs the greeting timeout, no more', async () => {
    const sockets: net.Socket[] = [];
    const silent = net.createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const mailer = new SmtpMailer(`smtp://127.0.0.1:${(silent.address() as AddressInfo).port}`, { connectionMs: 500, greetingMs: 500, socketMs: 500 });
    const started = Date.now();
    await expect(mailer.send(message)).rejects.toThrow();
    expect(Date.now() - started).toBeLessThan(3000);
    await mailer.close();
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => silent.close(() => resolve()));
  });

  it('outbox: the whole message goes to the log', async () => {
    const lines: Array<{ details: object; text: string }> = [];
    const mailer = new OutboxMailer({ info: (details, text) => lines.push({ details, text }) });
    await mailer.send(message);
    expect(lines).toHaveLength(1);
    expect(JSON.stringify(lines[0]!.details)).toContain('verify-email?token=abc_DEF-123');
  });
});
