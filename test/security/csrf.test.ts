import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, fixture, multipart, signUp, type Account, type TestApp } from '../helpers/app.js';

/**
 * CSRF through credentials a browser holds: Basic credentials typed into its dialog are
 * sent with every request to the site, from any page. Coffer never opens that dialog for a
 * browser, and refuses unsafe requests that browsers mark as coming from another site.
 */
describe('no Basic dialog for browsers, and no writes from other sites', () => {
  let t: TestApp;
  let alice: Account;

  beforeAll(async () => {
    t = await createTestApp();
    alice = await signUp(t.app, 'alice');
  });
  afterAll(() => t.close());

  const fileCount = async () => (await t.app.inject({ url: '/api/v1/files', headers: { authorization: alice.basic } })).json().items.length as number;

  it('challenges a browser navigation (an expired session on a download link) with Bearer only', async () => {
    const navigation = { accept: 'text/html,application/xhtml+xml', 'sec-fetch-mode': 'navigate', 'sec-fetch-site': 'none', 'sec-fetch-dest': 'document' };
    for (const url of ['/api/v1/files/00000000-0000-4000-8000-000000000000/content?download=1', '/api/v1/files', '/api/v1/auth/me']) {
      const response = await t.app.inject({ url, headers: navigation });
      expect(response.statusCode).toBe(401);
      expect(response.headers['www-authenticate']).toBe('Bearer realm="coffer"');
    }
    const expired = await t.app.inject({ url: '/api/v1/files', headers: { ...navigation, cookie: 'coffer_session=expired' } });
    expect(expired.headers['www-authenticate']).toBe('Bearer realm="coffer"');
  });

  it('offers Basic to a client that asks for it: Basic credentials sent, or X-Coffer-Auth: basic', async () => {
    const wrong = await t.app.inject({ url: '/api/v1/files', headers: { authorization: `Basic ${Buffer.from('alice:wrong').toString('base64')}` } });
    expect(wrong.statusCode).toBe(401);
    expect(wrong.headers['www-authenticate']).toMatch(/^Basic realm="coffer"/);
    const asked = await t.app.inject({ url: '/api/v1/files', headers: { 'x-coffer-auth': 'basic' } });
    expect(asked.headers['www-authenticate']).toMatch(/^Basic realm="coffer"/);
  });

  it('refuses a cross-site multipart upload carrying cached Basic credentials (403, nothing stored)', async () => {
    const before = await fileCount();
    const body = multipart([{ filename: 'planted.png', content: await fixture('sample.png') }]);
    const attacks = [
      { origin: 'https://evil.example', 'sec-fetch-site': 'cross-site', 'sec-fetch-mode': 'navigate' },
      { origin: 'https://evil.example' }, // a browser that sends no Sec-Fetch-* headers
      { origin: 'null' }, // a sandboxed frame
      { 'sec-fetch-site': 'cross-site' }, // no Origin, but the browser says it
      { origin: 'https://photos.localhost', 'sec-fetch-site': 'same-site' }, // a sibling subdomain
    ];
    for (const headers of attacks) {
      const response = await t.app.inject({ method: 'POST', url: '/api/v1/files', payload: body.payload, headers: { ...body.headers, authorization: alice.basic, ...headers } });
      expect(response.statusCode, JSON.stringify(headers)).toBe(403);
      expect(response.json()).toMatchObject({ code: 'forbidden' });
    }
    expect(await fileCount()).toBe(before);
  });

  it('refuses other unsafe methods and open routes from other sites too, with a session or anything else', async () => {
    const evil = { origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' };
    const cases = [
      { method: 'POST' as const, url: '/api/v1/auth/login', payload: { username: 'alice', password: alice.password }, headers: evil },
      { method: 'POST' as const, url: '/api/v1/auth/logout', headers: { ...evil, cookie: alice.cookie, 'x-csrf-token': alice.csrfToken } },
      { method: 'DELETE' as const, url: '/api/v1/files/00000000-0000-4000-8000-000000000000', headers: { ...evil, authorization: alice.basic } },
      { method: 'PATCH' as const, url: '/api/v1/files/00000000-0000-4000-8000-000000000000', payload: { name: 'x.png' }, headers: { ...evil, authorization: alice.basic } },
    ];
    for (const request of cases) {
      const response = await t.app.inject(request);
      expect(response.statusCode, `${request.method} ${request.url}`).toBe(403);
      expect(response.json()).toMatchObject({ code: 'forbidden' });
    }
    // Reads from elsewhere (an <img>, a link) are not refused for their origin.
    const read = await t.app.inject({ url: '/api/v1/files', headers: { ...evil, authorization: alice.basic } });
    expect(read.statusCode).toBe(200);
  });

  it('accepts the same writes from Coffer\'s own pages and from programs, which send no Origin', async () => {
    const body = multipart([{ filename: 'own.png', content: await fixture('sample.png') }]);
    const own = await t.app.inject({ method: 'POST', url: '/api/v1/files', payload: body.payload, headers: { ...body.headers, host: 'coffer.test:8080', origin: 'http://coffer.test:8080', 'sec-fetch-site': 'same-origin', cookie: alice.cookie, 'x-csrf-token': alice.csrfToken } });
    expect(own.statusCode).toBe(201);
    const program = await t.app.inject({ method: 'POST', url: '/api/v1/files', payload: body.payload, headers: { ...body.headers, authorization: alice.basic } });
    expect(program.statusCode).toBe(201);
  });
});

describe('with PUBLIC_URL, the own origin is that address', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ PUBLIC_URL: 'https://media.example.com' });
  });
  afterAll(() => t.close());

  it('accepts a sign-in posted from PUBLIC_URL and refuses one from another origin, whatever the Host', async () => {
    await signUp(t.app, 'pat');
    const login = (origin: string) => t.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username: 'pat', password: 'correct horse pat' }, headers: { origin, host: 'evil.example' } });
    expect((await login('https://media.example.com')).statusCode).toBe(200);
    expect((await login('https://evil.example')).statusCode).toBe(403);
    expect((await login('http://media.example.com')).statusCode).toBe(403);
  });
});
