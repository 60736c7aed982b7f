import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiTester, injectTransport } from '../helpers/api-tester.js';
import { createTestApp, type TestApp } from '../helpers/app.js';

/**
 * Issue 8, item 9: "sign out everywhere" ends every session of a person; a token (even a
 * files:read one) or a JWT made from it must not be able to do that. Like managing tokens
 * and changing the password, it takes the password: a session or HTTP Basic.
 */
describe('sign out everywhere', () => {
  let t: TestApp;
  let api: ApiTester;
  beforeAll(async () => {
    t = await createTestApp();
    api = new ApiTester(injectTransport(t.app));
    await api.addUser('holder');
  });
  afterAll(() => t.close());

  it('refuses a files:read token and a JWT (403), and the sessions live on', async () => {
    await api.get('/api/v1/auth/me', 200, { as: 'holder', auth: 'cookie' });
    const { secret } = (await api.post('/api/v1/tokens', 201, { as: 'holder', body: { name: 'reader', scopes: ['files:read'] } })).json();
    const reader = { authorization: `Bearer ${secret}` };
    const refused = await t.app.inject({ method: 'POST', url: '/api/v1/auth/logout?everywhere=true', headers: reader });
    expect(refused.statusCode).toBe(403);
    expect(refused.json().code).toBe('forbidden');
    const { accessToken } = (await t.app.inject({ method: 'POST', url: '/api/v1/auth/token', headers: reader })).json();
    expect((await t.app.inject({ method: 'POST', url: '/api/v1/auth/logout?everywhere=1', headers: { authorization: `Bearer ${accessToken}` } })).statusCode).toBe(403);

    await api.get('/api/v1/auth/me', 200, { as: 'holder', auth: 'cookie' });
    await api.get('/api/v1/files', 200, { as: 'holder', auth: 'jwt' });
    expect((await t.app.inject({ url: '/api/v1/files', headers: reader })).statusCode).toBe(200);
  });

  it('still works with the password: a session ends every session', async () => {
    await api.get('/api/v1/auth/me', 200, { as: 'holder', auth: 'cookie' });
    const other = await t.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username: 'holder', password: 'holder-password-1' } });
    const otherCookie = `coffer_session=${other.cookies.find((c) => c.name === 'coffer_session')!.value}`;
    await api.post('/api/v1/auth/logout?everywhere=true', 204, { as: 'holder', auth: 'cookie' });
    expect((await t.app.inject({ url: '/api/v1/auth/me', headers: { cookie: otherCookie } })).statusCode).toBe(401);
  });
});
