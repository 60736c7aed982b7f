import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asBrowser, createTestApp, fixture, multipart, signIn, signUp, type TestApp } from '../helpers/app.js';
import { signUpAdmin } from '../helpers/fixtures.js';
import { linkIn, TestSmtpServer } from '../helpers/smtp.js';

describe('mail: verification, profile, password reset and notices over a real SMTP server', () => {
  const smtp = new TestSmtpServer();
  let t: TestApp;
  let strict: TestApp;

  beforeAll(async () => {
    await smtp.start();
    const env = { SMTP_URL: smtp.url, MAIL_FROM: 'Coffer Test <coffer@coffer.test>', PUBLIC_URL: 'http://coffer.test', MAIL_RETRY_BASE_SECONDS: '1' };
    t = await createTestApp(env);
    strict = await createTestApp({ ...env, REQUIRE_EMAIL_VERIFICATION: '1' });
  });
  afterAll(async () => {
    await t?.close();
    await strict?.close();
    await smtp.stop();
  });

  const register = (app: TestApp, username: string, headers: Record<string, string> = {}) =>
    app.app.inject({ method: 'POST', url: '/api/v1/auth/register', headers, payload: { name: `Name ${username}`, username, email: `${username}@mail.test`, password: `correct horse ${username}` } });
  const me = async (app: TestApp, cookie: string) => (await app.app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: { cookie } })).json().user;
  const verify = (app: TestApp, token: string) => app.app.inject({ method: 'POST', url: '/api/v1/auth/email/verify', payload: { token } });

  it('mails a verification link at registration, in the browser language, that works once and only once', async () => {
    expect((await register(t, 'vera', { 'accept-language': 'pt-BR,pt;q=0.9,en;q=0.5' })).statusCode).toBe(201);
    const account = await signIn(t.app, 'vera', 'correct horse vera');
    expect(await me(t, account.cookie)).toMatchObject({ emailVerified: false, emailSuppressed: false, language: 'pt-BR' });

    const [mail] = await smtp.waitFor('vera@mail.test');
    expect(mail!.from).toBe('coffer@coffer.test');
    expect(mail!.subject).toBe('Confirme seu endereço de e-mail no Coffer');
    expect(mail!.raw).toMatch(/Content-Type: text\/plain/);
    expect(mail!.raw).toMatch(/Content-Type: text\/html/);
    const { url, token } = linkIn(mail!, '/verify-email');
    expect(url.startsWith('http://coffer.test/verify-email?token=')).toBe(true);

    const first = await verify(t, token);
    expect(first.statusCode).toBe(200);
    expect(first.json().user).toMatchObject({ username: 'vera', emailVerified: true });
    const again = await verify(t, token);
    expect(again.statusCode).toBe(400);
    expect(again.json().code).toBe('invalid_token');
    expect((await verify(t, 'not-a-token')).json().code).toBe('invalid_token');
    expect(await me(t, account.cookie)).toMatchObject({ emailVerified: true });

    // The database holds only the hash of the token.
    const rows = await t.services.backends.db.selectFrom('mail_tokens').select('token_hash').execute();
    expect(rows.some((r) => r.token_hash === token)).toBe(false);
  });

  it('refuses an expired link, and a resend replaces the old one (rate-limited)', async () => {
    const account = await signUp(t.app, 'exp1');
    await smtp.waitFor('exp1@example.com');
    const resend = () => t.app.inject({ method: 'POST', url: '/api/v1/auth/email/resend', headers: asBrowser(account) });
    expect((await resend()).statusCode).toBe(204);
    const mails = await smtp.waitFor('exp1@example.com', 2);
    const older = linkIn(mails[0]!, '/verify-email').token;
    const newer = linkIn(mails[1]!, '/verify-email').token;
    expect((await verify(t, older)).json().code).toBe('invalid_token');

    // Expiry without sleeping: the token's deadline moves into the past.
    await t.services.backends.db.updateTable('mail_tokens').set({ expires_at: new Date(Date.now() - 1000).toISOString() }).where('used_at', 'is', null).execute();
    expect((await verify(t, newer)).json().code).toBe('invalid_token');

    expect((await resend()).statusCode).toBe(204);
    expect((await resend()).statusCode).toBe(204);
    const limited = await resend();
    expect(limited.statusCode).toBe(429);
    expect(limited.headers['retry-after']).toBeDefined();
  });

  it('REQUIRE_EMAIL_VERIFICATION=1 blocks uploads and sharing with 403 email_unverified until the link is used', async () => {
    expect((await register(strict, 'strict1')).statusCode).toBe(201);
    const account = await signIn(strict.app, 'strict1', 'correct horse strict1');
    const upload = async () => {
      const body = multipart([{ filename: 'a.png', content: await fixture('sample.png') }]);
      return strict.app.inject({ method: 'POST', url: '/api/v1/files', headers: { ...asBrowser(account), ...body.headers }, payload: body.payload });
    };
    const refused = await upload();
    expect(refused.statusCode).toBe(403);
    expect(refused.json().code).toBe('email_unverified');
    expect((await strict.app.inject({ method: 'GET', url: '/api/v1/files', headers: { cookie: account.cookie } })).statusCode).toBe(200);

    const [mail] = await smtp.waitFor('strict1@mail.test');
    expect((await verify(strict, linkIn(mail!, '/verify-email').token)).statusCode).toBe(200);
    const accepted = await upload();
    expect(accepted.statusCode).toBe(201);
  });

  it('forgot password: the same 202 for known and unknown addresses; the link resets once and ends every session', async () => {
    const account = await signUp(t.app, 'forgetful');
    const jwt = (await t.app.inject({ method: 'POST', url: '/api/v1/auth/token', headers: { authorization: account.basic } })).json().accessToken as string;
    const forgot = (email: string) => t.app.inject({ method: 'POST', url: '/api/v1/auth/password/forgot', payload: { email } });
    const known = await forgot('Forgetful@Example.com');
    const unknown = await forgot('nobody-here@mail.test');
    expect(known.statusCode).toBe(202);
    expect(unknown.statusCode).toBe(202);
    expect(unknown.body).toBe(known.body);

    const resetMail = (await smtp.waitFor('forgetful@example.com', 2)).find((m) => m.subject === 'Reset your Coffer password')!;
    const { url, token } = linkIn(resetMail, '/reset-password');
    expect(url.startsWith('http://coffer.test/reset-password?token=')).toBe(true);
    const reset = (password: string) => t.app.inject({ method: 'POST', url: '/api/v1/auth/password/reset', payload: { token, password } });

    // A weak password leaves the link usable.
    expect((await reset('short')).statusCode).toBe(400);
    expect((await reset('a brand new password')).statusCode).toBe(204);
    expect((await reset('another new password')).json().code).toBe('invalid_token');

    expect((await t.app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: { cookie: account.cookie } })).statusCode).toBe(401);
    expect((await t.app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: { authorization: account.basic } })).statusCode).toBe(401);
    expect((await t.app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: { authorization: `Bearer ${jwt}` } })).statusCode).toBe(401);
    const fresh = await signIn(t.app, 'forgetful', 'a brand new password');
    expect(await me(t, fresh.cookie)).toMatchObject({ emailVerified: true });

    const notice = await smtp.waitFor('forgetful@example.com', 3);
    expect(notice.map((m) => m.subject)).toContain('Your Coffer password was changed');
    await t.services.audit.flush();
    const audited = await t.services.backends.db.selectFrom('audit_events').select(['action', 'outcome']).where('action', '=', 'auth.password_reset').execute();
    expect(audited.map((a) => a.outcome).sort()).toEqual(['failure', 'failure', 'success']);
    // No account, no mail, no token.
    expect(smtp.to('nobody-here@mail.test')).toHaveLength(0);
  });

  it('forgot password is rate-limited per address before any work', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 4; i += 1) {
      statuses.push((await t.app.inject({ method: 'POST', url: '/api/v1/auth/password/forgot', payload: { email: 'limit@mail.test' }, remoteAddress: `10.7.0.${i + 1}` })).statusCode);
    }
    expect(statuses).toEqual([202, 202, 202, 429]);
  });

  it('changing the address needs the password, verifies the new one and tells the old one', async () => {
    const account = await signUp(t.app, 'mover');
    await smtp.waitFor('mover@example.com');
    const patch = (payload: object) => t.app.inject({ method: 'PATCH', url: '/api/v1/auth/me', headers: asBrowser(account), payload });
    const wrong = await patch({ email: 'mover-new@mail.test', currentPassword: 'not my password' });
    expect(wrong.statusCode).toBe(400);
    expect(wrong.json().details[0].field).toBe('currentPassword');
    expect((await patch({ email: 'mover-new@mail.test' })).statusCode).toBe(400);
    const taken = await patch({ email: 'vera@mail.test', currentPassword: account.password });
    expect(taken.statusCode).toBe(409);
    expect(taken.json().details[0].reason).toBe('email_taken');

    const changed = await patch({ email: 'Mover-New@mail.test', name: 'Mover Renamed', currentPassword: account.password });
    expect(changed.statusCode).toBe(200);
    expect(changed.json().user).toMatchObject({ email: 'mover-new@mail.test', name: 'Mover Renamed', emailVerified: false });

    const [verification] = await smtp.waitFor('mover-new@mail.test');
    const oldMails = await smtp.waitFor('mover@example.com', 2);
    const notice = oldMails.find((m) => m.subject === 'Your Coffer e-mail address was changed')!;
    expect(notice.decoded).toContain('m•••@mail.test');
    expect((await verify(t, linkIn(verification!, '/verify-email').token)).json().user).toMatchObject({ email: 'mover-new@mail.test', emailVerified: true });
  });

  it('notices: a share (with a link) and a new token; none once notices are off', async () => {
    const owner = await signUp(t.app, 'sharer');
    const friend = await signUp(t.app, 'friend');
    const body = multipart([{ filename: 'holiday <b>.png', content: await fixture('sample.png') }]);
    const upload = await t.app.inject({ method: 'POST', url: '/api/v1/files', headers: { ...asBrowser(owner), ...body.headers }, payload: body.payload });
    const fileId = upload.json().items[0].id as string;
    expect((await t.app.inject({ method: 'POST', url: `/api/v1/files/${fileId}/shares`, headers: asBrowser(owner), payload: { username: 'friend' } })).statusCode).toBe(201);
    const shared = (await smtp.waitFor('friend@example.com', 2)).find((m) => m.subject.includes('shared'))!;
    expect(shared.subject).toBe('Test sharer shared "holiday <b>.png" with you');
    expect(shared.decoded).toContain(`http://coffer.test/shared/${fileId}`);
    // The file name is text in the HTML part, never markup.
    const html = shared.decoded.slice(shared.decoded.indexOf('Content-Type: text/html'));
    expect(html).toContain('<p>Test sharer shared &quot;holiday &lt;b&gt;.png&quot; with you on Coffer.</p>');
    expect(html).not.toContain('<b>.png');

    expect((await t.app.inject({ method: 'POST', url: '/api/v1/tokens', headers: asBrowser(owner), payload: { name: 'backup script', scopes: ['files:read'] } })).statusCode).toBe(201);
    const tokenNotice = (await smtp.waitFor('sharer@example.com', 2)).find((m) => m.subject.includes('access token'))!;
    expect(tokenNotice.decoded).toContain('backup script');

    expect((await t.app.inject({ method: 'PATCH', url: '/api/v1/auth/me', headers: asBrowser(owner), payload: { notices: false, currentPassword: owner.password } })).json().user.notices).toBe(false);
    const before = smtp.to('sharer@example.com').length;
    expect((await t.app.inject({ method: 'POST', url: '/api/v1/tokens', headers: asBrowser(owner), payload: { name: 'muted-token', scopes: ['files:read'] } })).statusCode).toBe(201);
    // Once the work the request left running is done, its notice is queued or never will be.
    await t.services.settle();
    const queued = await t.services.backends.db.selectFrom('mail_outbox').select('text_body').where('to_address', '=', 'sharer@example.com').where('template', '=', 'token_created').execute();
    expect(queued.filter((row) => row.text_body.includes('muted-token'))).toEqual([]);
    expect(smtp.to('sharer@example.com')).toHaveLength(before);
  });

  it('admins read the outbox with each message status; others get 403', async () => {
    const member = await signUp(t.app, 'plainuser');
    expect((await t.app.inject({ method: 'GET', url: '/api/v1/admin/mail/outbox', headers: { cookie: member.cookie } })).statusCode).toBe(403);
    const user = await signUpAdmin(t, 'outboxadmin');
    const page = await t.app.inject({ method: 'GET', url: '/api/v1/admin/mail/outbox?limit=3', headers: { cookie: user.cookie } });
    expect(page.statusCode).toBe(200);
    expect(page.json().items).toHaveLength(3);
    expect(page.json().items[0]).toMatchObject({ to: expect.any(String), subject: expect.any(String), status: expect.stringMatching(/^(queued|sent|failed|suppressed)$/), attempts: expect.any(Number), at: expect.any(String) });
    const next = await t.app.inject({ method: 'GET', url: `/api/v1/admin/mail/outbox?limit=3&cursor=${page.json().nextCursor}`, headers: { cookie: user.cookie } });
    expect(next.json().items[0].id).not.toBe(page.json().items[0].id);
    // Bodies with single-use links are blanked once sent.
    const sent = await t.services.backends.db.selectFrom('mail_outbox').select(['text_body', 'template']).where('status', '=', 'sent').where('template', '=', 'password_reset').execute();
    expect(sent.length).toBeGreaterThan(0);
    for (const row of sent) expect(row.text_body).not.toContain('token=');
  });
});
