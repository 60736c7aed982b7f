import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, signUp, type TestApp } from '../helpers/app.js';
import { eventually, linkIn, TestSmtpServer } from '../helpers/smtp.js';

describe('mail when the SMTP server goes away mid-run', () => {
  const smtp = new TestSmtpServer();
  let t: TestApp;

  beforeAll(async () => {
    await smtp.start();
    t = await createTestApp({ SMTP_URL: smtp.url, MAIL_RETRY_BASE_SECONDS: '1', PUBLIC_URL: 'http://coffer.test' });
  });
  afterAll(async () => {
    await t?.close();
    await smtp.stop();
  });

  const outbox = (to: string) => t.services.backends.db.selectFrom('mail_outbox').select(['status', 'attempts', 'last_error', 'template']).where('to_address', '=', to).execute();

  it('requests still succeed at once; the mail is retried and delivered when the server returns', async () => {
    await signUp(t.app, 'before');
    await smtp.waitFor('before@example.com');
    await smtp.stop();

    const account = await signUp(t.app, 'during');
    expect(account.cookie).toMatch(/^coffer_session=/);
    const started = Date.now();
    const forgot = await t.app.inject({ method: 'POST', url: '/api/v1/auth/password/forgot', payload: { email: 'during@example.com' } });
    expect(forgot.statusCode).toBe(202);
    const elapsed = Date.now() - started;
    console.log(`forgot-password with the SMTP server down: ${elapsed} ms`);
    expect(elapsed).toBeLessThan(1000);

    await eventually('a failed attempt to be recorded', async () => (await outbox('during@example.com')).some((m) => m.attempts >= 1 && m.status === 'queued'));
    const waiting = await outbox('during@example.com');
    expect(waiting.every((m) => m.status === 'queued')).toBe(true);
    expect(waiting.find((m) => m.attempts >= 1)!.last_error).toMatch(/ECONNREFUSED|connect/i);

    await smtp.start();
    const mails = await smtp.waitFor('during@example.com', 2, 30_000);
    expect(mails.map((m) => m.subject).sort()).toEqual(['Confirm your e-mail address for Coffer', 'Reset your Coffer password']);
    expect(linkIn(mails.find((m) => m.subject.startsWith('Reset'))!, '/reset-password').token).toBeTruthy();
    await eventually('both to be recorded as sent', async () => (await outbox('during@example.com')).every((m) => m.status === 'sent'));
    expect(smtp.to('during@example.com')).toHaveLength(2);
  });
});
