import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asBrowser, createTestApp, sessionCookie, signIn, signUp, type TestApp } from '../helpers/app.js';

describe('accounts', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.close());

  const register = (payload: Record<string, unknown>) => t.app.inject({ method: 'POST', url: '/api/v1/auth/register', payload });
  const login = (username: string, password: string, ip = '127.0.0.1') =>
    t.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username, password }, remoteAddress: ip });

  it('registers a user and returns the API user shape without secrets', async () => {
    const response = await register({ name: ' Alice Liddell ', username: 'alice', email: 'Alice@Example.com', password: 'wonderland-42' });
    expect(response.statusCode).toBe(201);
    const { user } = response.json();
    expect(user).toEqual({ id: expect.stringMatching(/^[0-9a-f-]{36}$/), username: 'alice', name: 'Alice Liddell', email: 'alice@example.com', isAdmin: false, createdAt: expect.any(String), emailVerified: false, emailSuppressed: false, notices: true, language: 'en', faceRecognition: true });
    expect(response.body).not.toContain('wonderland');
  });

  it('rejects taken usernames and emails with 409 and the reason', async () => {
    await register({ name: 'Bob', username: 'bob', email: 'bob@example.com', password: 'builder-1234' });
    const again = await register({ name: 'Bob 2', username: 'bob', email: 'BOB@example.com', password: 'builder-1234' });
    expect(again.statusCode).toBe(409);
    expect(again.json().code).toBe('conflict');
    expect(again.json().details.map((d: { reason: string }) => d.reason).sort()).toEqual(['email_taken', 'username_taken']);
  });

  it('explains every invalid field at once', async () => {
    const response = await register({ name: '', username: 'No Spaces!', email: 'not-an-email', password: 'short' });
    expect(response.statusCode).toBe(400);
    const body = response.json();
    expect(body.code).toBe('invalid_request');
    expect(body.details.map((d: { field: string }) => d.field).sort()).toEqual(['email', 'name', 'password', 'username']);
  });

  it('refuses a password equal to the username', async () => {
    const response = await register({ name: 'Same', username: 'samesame10', email: 'same@example.com', password: 'samesame10' });
    expect(response.statusCode).toBe(400);
    expect(response.json().details[0].field).toBe('password');
  });

  it('rejects unknown and missing fields with 400 and changes nothing', async () => {
    const extra = await register({ name: 'Eve', username: 'eve', email: 'eve@example.com', password: 'password-123', isAdmin: true });
    expect(extra.statusCode).toBe(400);
    expect(extra.json().details).toContainEqual(expect.objectContaining({ field: 'isAdmin', reason: 'unexpected' }));
    const missing = await register({ name: 'Eve' });
    expect(missing.statusCode).toBe(400);
    expect(missing.json().details.map((d: { field: string }) => d.field).sort()).toEqual(['email', 'password', 'username']);
    expect((await login('eve', 'password-123')).statusCode).toBe(401);
  });

  it('signs in with an HttpOnly SameSite=Lax session cookie and a CSRF token', async () => {
    const response = await login('alice', 'wonderland-42');
    expect(response.statusCode).toBe(200);
    expect(response.json().user.username).toBe('alice');
    expect(response.json().csrfToken).toMatch(/^[\w-]{43}$/);
    const cookie = response.cookies.find((c) => c.name === 'coffer_session');
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Lax', path: '/' });
    expect(cookie?.secure).toBeFalsy();
  });

  it('gives the same 401 for an unknown user and a wrong password', async () => {
    const unknown = await login('nobody-here', 'wonderland-42');
    const wrong = await login('alice', 'not-the-password');
    expect(unknown.statusCode).toBe(401);
    expect(wrong.statusCode).toBe(401);
    expect(unknown.json()).toEqual(wrong.json());
    expect(unknown.headers['www-authenticate']).toBe('Bearer realm="coffer"');
  });

  it('rotates the session id at sign-in and destroys the old one', async () => {
    const first = await login('alice', 'wonderland-42');
    const oldCookie = sessionCookie(first);
    const second = await t.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username: 'alice', password: 'wonderland-42' }, headers: { cookie: oldCookie } });
    expect(sessionCookie(second)).not.toBe(oldCookie);
    expect((await t.app.inject({ url: '/api/v1/auth/me', headers: { cookie: oldCookie } })).statusCode).toBe(401);
    expect((await t.app.inject({ url: '/api/v1/auth/me', headers: { cookie: sessionCookie(second) } })).statusCode).toBe(200);
  });

  it('answers /auth/me for a session and 401 without one', async () => {
    const alice = await signIn(t.app, 'alice', 'wonderland-42');
    const me = await t.app.inject({ url: '/api/v1/auth/me', headers: { cookie: alice.cookie } });
    expect(me.json()).toMatchObject({ user: { username: 'alice' }, csrfToken: alice.csrfToken });
    const anonymous = await t.app.inject({ url: '/api/v1/auth/me' });
    expect(anonymous.statusCode).toBe(401);
    expect(anonymous.json().code).toBe('unauthenticated');
  });

  it('requires the CSRF token for cookie-authenticated writes, and logout destroys the session', async () => {
    const alice = await signIn(t.app, 'alice', 'wonderland-42');
    const noToken = await t.app.inject({ method: 'POST', url: '/api/v1/auth/logout', headers: { cookie: alice.cookie } });
    expect(noToken.statusCode).toBe(403);
    expect(noToken.json().code).toBe('forbidden');
    const wrongToken = await t.app.inject({ method: 'POST', url: '/api/v1/auth/logout', headers: { cookie: alice.cookie, 'x-csrf-token': 'x'.repeat(43) } });
    expect(wrongToken.statusCode).toBe(403);
    const logout = await t.app.inject({ method: 'POST', url: '/api/v1/auth/logout', headers: asBrowser(alice) });
    expect(logout.statusCode).toBe(204);
    expect((await t.app.inject({ url: '/api/v1/auth/me', headers: { cookie: alice.cookie } })).statusCode).toBe(401);
  });

  it('accepts HTTP Basic on authenticated routes without a CSRF token', async () => {
    const alice = await signIn(t.app, 'alice', 'wonderland-42');
    const list = await t.app.inject({ url: '/api/v1/files', headers: { authorization: alice.basic } });
    expect(list.statusCode).toBe(200);
    const write = await t.app.inject({ method: 'POST', url: '/api/v1/auth/logout', headers: { authorization: alice.basic } });
    expect(write.statusCode).toBe(204);
    const bad = await t.app.inject({ url: '/api/v1/files', headers: { authorization: `Basic ${Buffer.from('alice:nope-nope-nope').toString('base64')}` } });
    expect(bad.statusCode).toBe(401);
    expect(bad.headers['www-authenticate']).toMatch(/^Basic/);
  });

  it('rate-limits failed sign-ins per username with 429 and Retry-After', async () => {
    const victim = await signUp(t.app, 'victim');
    let last = await login('victim', 'wrong-password-0', '10.0.0.1');
    for (let i = 1; i < 12 && last.statusCode === 401; i += 1) last = await login('victim', `wrong-password-${i}`, `10.0.0.${(i % 3) + 1}`);
    expect(last.statusCode).toBe(429);
    expect(last.json().code).toBe('rate_limited');
    expect(Number(last.headers['retry-after'])).toBeGreaterThan(0);
    // Even the right password waits: the counter is per username, whatever the address.
    expect((await login('victim', victim.password, '10.9.9.9')).statusCode).toBe(429);
  });

  it('rate-limits failed sign-ins per client address across usernames', async () => {
    let last = await login('nobody-0', 'wrong-password', '10.1.1.1');
    for (let i = 1; i < 40 && last.statusCode === 401; i += 1) last = await login(`nobody-${i}`, 'wrong-password', '10.1.1.1');
    expect(last.statusCode).toBe(429);
    expect((await login('alice', 'wonderland-42', '10.1.1.2')).statusCode).toBe(200);
  });
});

describe('accounts behind https', () => {
  it('marks the session cookie Secure when PUBLIC_URL is https', async () => {
    const t = await createTestApp({ PUBLIC_URL: 'https://media.example.com' });
    try {
      await signUp(t.app, 'secure');
      const response = await t.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username: 'secure', password: 'correct horse secure' } });
      expect(response.cookies.find((c) => c.name === 'coffer_session')?.secure).toBe(true);
    } finally {
      await t.close();
    }
  });
});
