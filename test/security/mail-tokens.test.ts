import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asBrowser, createTestApp, fixture, multipart, signUp, type TestApp } from '../helpers/app.js';
import { linkIn, TestSmtpServer } from '../helpers/smtp.js';

describe('mail tokens and mail headers', () => {
  const smtp = new TestSmtpServer();
  let t: TestApp;
  beforeAll(async () => {
    await smtp.start();
    t = await createTestApp({ SMTP_URL: smtp.url, PUBLIC_URL: 'http://coffer.test', MAIL_RETRY_BASE_SECONDS: '1' });
  });
  afterAll(async () => {
    await t?.close();
    await smtp.stop();
  });

  it('a reset link raced by two requests sets the password once', async () => {
    await signUp(t.app, 'racer');
    await t.app.inject({ method: 'POST', url: '/api/v1/auth/password/forgot', payload: { email: 'racer@example.com' } });
    const mail = (await smtp.waitFor('racer@example.com', 2)).find((m) => m.subject.startsWith('Reset'))!;
    const { token } = linkIn(mail, '/reset-password');
    const attempts = await Promise.all(
      ['first new password', 'second new password', 'third new password'].map((password) => t.app.inject({ method: 'POST', url: '/api/v1/auth/password/reset', payload: { token, password } })),
    );
    expect(attempts.map((r) => r.statusCode).sort()).toEqual([204, 400, 400]);
    const tokens = await t.services.backends.db.selectFrom('mail_tokens').select(['token_hash']).execute();
    expect(tokens.some((row) => row.token_hash.includes(token))).toBe(false);
  });

  it('a name with line breaks cannot add headers or recipients to a notice', async () => {
    const owner = await signUp(t.app, 'eve');
    await signUp(t.app, 'target');
    await t.services.backends.db.updateTable('users').set({ name: 'Eve\r\nBcc: victim@evil.test\r\nX-Evil: 1' }).where('username', '=', 'eve').execute();
    const body = multipart([{ filename: 'x.png', content: await fixture('sample.png') }]);
    const upload = await t.app.inject({ method: 'POST', url: '/api/v1/files', headers: { ...asBrowser(owner), ...body.headers }, payload: body.payload });
    const fileId = upload.json().items[0].id as string;
    expect((await t.app.inject({ method: 'POST', url: `/api/v1/files/${fileId}/shares`, headers: asBrowser(owner), payload: { username: 'target' } })).statusCode).toBe(201);
    const notice = (await smtp.waitFor('target@example.com', 2)).find((m) => m.subject.includes('shared'))!;
    expect(notice.to).toEqual(['target@example.com']);
    const headers = notice.raw.slice(0, notice.raw.indexOf('\r\n\r\n'));
    expect(headers).not.toMatch(/^Bcc:/im);
    expect(headers).not.toMatch(/^X-Evil:/im);
    // In the body too, the name stays one line of text.
    expect(notice.decoded).not.toMatch(/^Bcc: victim/m);
    expect(notice.decoded).toContain('Eve Bcc: victim@evil.test X-Evil: 1');
    expect(smtp.mails.some((m) => m.to.includes('victim@evil.test'))).toBe(false);
  });
});
