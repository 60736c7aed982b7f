import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, fixture, multipart, type TestApp } from '../helpers/app.js';
import { addAdmin } from '../helpers/fixtures.js';
import { TestClock } from '../helpers/clock.js';
import { ApiTester, injectTransport, type AuthKind } from '../helpers/api-tester.js';

/**
 * The authentication × authorization matrix: every route, every kind of caller, the status
 * each must get. alice owns a file shared (read-only) with carol; bob is a stranger to it;
 * root is an administrator, who does not see other people's files either; erin is only
 * the one alice shares with and unshares in the rows.
 */
describe('access control matrix', () => {
  let t: TestApp;
  const clock = new TestClock();
  let api: ApiTester;
  let fileId: string;
  let linkId: string;

  beforeAll(async () => {
    t = await createTestApp({}, { clock });
    api = new ApiTester(injectTransport(t.app));
    for (const name of ['alice', 'bob', 'carol', 'erin']) await api.addUser(name);
    await addAdmin(t, api, 'root');
    const body = multipart([{ filename: 'alice.png', content: await fixture('sample.png') }]);
    const upload = await t.app.inject({ method: 'POST', url: '/api/v1/files', payload: body.payload, headers: { ...body.headers, authorization: `Basic ${Buffer.from('alice:alice-password-1').toString('base64')}` } });
    fileId = upload.json().items[0].id;
    // The thumbnail rows expect 200 for those who may see it: let the background job finish.
    await t.services.backends.jobs.idle();
    await api.post(`/api/v1/files/${fileId}/shares`, 201, { as: 'alice', body: { username: 'carol' } });
    linkId = (await api.post(`/api/v1/files/${fileId}/links`, 201, { as: 'alice', body: {} })).json().link.id;
  });
  afterAll(() => t.close());

  type Row = [method: string, path: () => string, body: unknown, expected: Record<'anonymous' | 'alice' | 'bob' | 'carol' | 'root', number>];
  const file = () => `/api/v1/files/${fileId}`;
  const rows: Row[] = [
    ['GET', () => '/api/v1/auth/me', undefined, { anonymous: 401, alice: 200, bob: 200, carol: 200, root: 200 }],
    ['GET', () => '/api/v1/files', undefined, { anonymous: 401, alice: 200, bob: 200, carol: 200, root: 200 }],
    ['GET', () => '/api/v1/files/duplicates', undefined, { anonymous: 401, alice: 200, bob: 200, carol: 200, root: 200 }],
    ['GET', file, undefined, { anonymous: 401, alice: 200, bob: 404, carol: 200, root: 404 }],
    ['GET', () => `${file()}/content`, undefined, { anonymous: 401, alice: 200, bob: 404, carol: 200, root: 404 }],
    ['GET', () => `${file()}/thumbnail`, undefined, { anonymous: 401, alice: 200, bob: 404, carol: 200, root: 404 }],
    ['GET', () => `${file()}/faces`, undefined, { anonymous: 401, alice: 200, bob: 404, carol: 200, root: 404 }],
    ['GET', () => '/api/v1/people', undefined, { anonymous: 401, alice: 200, bob: 200, carol: 200, root: 200 }],
    ['PUT', () => '/api/v1/faces/00000000-0000-4000-8000-000000000000/person', { name: 'Ana' }, { anonymous: 401, alice: 404, bob: 404, carol: 404, root: 404 }],
    ['PATCH', file, { name: 'renamed.png' }, { anonymous: 401, alice: 200, bob: 404, carol: 403, root: 404 }],
    ['GET', () => `${file()}/shares`, undefined, { anonymous: 401, alice: 200, bob: 404, carol: 403, root: 404 }],
    ['POST', () => `${file()}/shares`, { username: 'erin' }, { anonymous: 401, alice: 201, bob: 404, carol: 403, root: 404 }],
    ['DELETE', () => `${file()}/shares/erin`, undefined, { anonymous: 401, alice: 204, bob: 404, carol: 403, root: 404 }],
    ['GET', () => `${file()}/links`, undefined, { anonymous: 401, alice: 200, bob: 404, carol: 403, root: 404 }],
    ['POST', () => `${file()}/links`, {}, { anonymous: 401, alice: 201, bob: 404, carol: 403, root: 404 }],
    ['DELETE', () => '/api/v1/links/00000000-0000-4000-8000-000000000000', undefined, { anonymous: 401, alice: 404, bob: 404, carol: 404, root: 404 }],
    // With an unknown id in the list nothing is deleted, whoever asks.
    ['POST', () => '/api/v1/files/bulk-delete', () => ({ ids: [fileId, '00000000-0000-4000-8000-000000000000'] }), { anonymous: 401, alice: 404, bob: 404, carol: 404, root: 404 }],
    ['GET', () => '/api/v1/shared-with-me', undefined, { anonymous: 401, alice: 200, bob: 200, carol: 200, root: 200 }],
    ['GET', () => '/api/v1/tokens', undefined, { anonymous: 401, alice: 200, bob: 200, carol: 200, root: 200 }],
    ['GET', () => '/api/v1/admin/users', undefined, { anonymous: 401, alice: 403, bob: 403, carol: 403, root: 200 }],
    ['GET', () => '/api/v1/admin/audit', undefined, { anonymous: 401, alice: 403, bob: 403, carol: 403, root: 200 }],
    ['GET', () => '/api/v1/admin/instances', undefined, { anonymous: 401, alice: 403, bob: 403, carol: 403, root: 200 }],
    ['POST', () => '/api/v1/admin/users/00000000-0000-4000-8000-000000000000/sign-out', undefined, { anonymous: 401, alice: 403, bob: 403, carol: 403, root: 404 }],
  ];

  for (const auth of ['cookie', 'basic', 'token', 'jwt'] as const) {
    it(`gives every route the expected status with ${auth} credentials`, async () => {
      for (const [method, path, body, expected] of rows) {
        for (const [who, status] of Object.entries(expected)) {
          // Tokens and JWTs of plain users carry no admin scope; token management needs the password.
          const adjusted = tokenAdjusted(auth, path(), who, status);
          const payload = typeof body === 'function' ? (body as () => unknown)() : body;
          await api.request(method, path(), adjusted, { ...(who === 'anonymous' ? {} : { as: who, auth }), ...(payload === undefined ? {} : { body: payload }) });
        }
      }
    });
  }

  function tokenAdjusted(auth: AuthKind, path: string, who: string, status: number): number {
    if (auth !== 'token' && auth !== 'jwt') return status;
    if (path === '/api/v1/tokens' && who !== 'anonymous') return 403;
    // The matrix's personal tokens hold files:read, files:write and shares:write, not admin;
    // its JWTs come from Basic credentials and so carry every scope the user has.
    if (auth === 'token' && path.startsWith('/api/v1/admin/') && who === 'root') return 403;
    return status;
  }

  it('revokes a link through the link domain: only the file owner may', async () => {
    await api.delete(`/api/v1/links/${linkId}`, 404, { as: 'bob' });
    await api.delete(`/api/v1/links/${linkId}`, 404, { as: 'carol' });
    await api.delete(`/api/v1/links/${linkId}`, 204, { as: 'alice' });
    await api.delete(`/api/v1/links/${linkId}`, 404, { as: 'alice' });
  });

  it('checks authentication, then group, then parameters, then the object', async () => {
    await api.get('/api/v1/admin/users?limit=9999', 401);
    await api.get('/api/v1/admin/users?limit=9999', 403, { as: 'alice' });
    await api.get('/api/v1/admin/users?limit=9999', 400, { as: 'root' });
    await api.get('/api/v1/files/not-a-uuid', 400, { as: 'bob' });
    await api.patch(file(), 400, { as: 'bob', body: { name: 'x', extra: 1 } });
    await api.patch(file(), 404, { as: 'bob', body: { name: 'x' } });
    await api.patch(file(), 403, { as: 'carol', body: { name: 'x' } });
  });

  it('refuses a token without the route\'s scope, and tokens managing tokens', async () => {
    const created = await api.post('/api/v1/tokens', 201, { as: 'bob', body: { name: 'share-only', scopes: ['shares:write'] } });
    const { secret, token } = created.json();
    expect(secret).toMatch(/^coffer_pat_[\w-]{43}$/);
    expect(token).toMatchObject({ name: 'share-only', scopes: ['shares:write'], prefix: secret.slice(0, 17) });
    const headers = { authorization: `Bearer ${secret}` };
    expect((await t.app.inject({ url: '/api/v1/files', headers })).statusCode).toBe(403);
    expect((await t.app.inject({ method: 'POST', url: '/api/v1/tokens', headers, payload: { name: 'more', scopes: ['files:read'] } })).statusCode).toBe(403);
    expect((await api.post('/api/v1/tokens', 400, { as: 'bob', body: { name: 'x', scopes: ['admin'] } })).json().details[0].field).toBe('scopes');
  });

  it('lists tokens without their secrets, records last use, and revokes at once', async () => {
    const { secret, token } = (await api.post('/api/v1/tokens', 201, { as: 'carol', body: { name: 'laptop', scopes: ['files:read'] } })).json();
    const headers = { authorization: `Bearer ${secret}` };
    expect((await t.app.inject({ url: '/api/v1/files', headers })).statusCode).toBe(200);
    const listed = (await api.get('/api/v1/tokens', 200, { as: 'carol' })).json().items.find((i: { id: string }) => i.id === token.id);
    expect(listed).toMatchObject({ name: 'laptop', lastUsedAt: expect.any(String), lastUsedIp: '127.0.0.1' });
    expect(JSON.stringify(listed)).not.toContain(secret.slice(17));
    const jwt = (await t.app.inject({ method: 'POST', url: '/api/v1/auth/token', headers })).json().accessToken;
    await api.delete(`/api/v1/tokens/${token.id}`, 204, { as: 'carol' });
    expect((await t.app.inject({ url: '/api/v1/files', headers })).statusCode).toBe(401);
    // The JWTs made from a revoked token die with it.
    expect((await t.app.inject({ url: '/api/v1/files', headers: { authorization: `Bearer ${jwt}` } })).statusCode).toBe(401);
    await api.delete(`/api/v1/tokens/${token.id}`, 404, { as: 'carol' });
  });

  it('refuses expired tokens', async () => {
    // A minute: the matrix's cached JWTs (15 minutes) outlive the advance.
    const inAMinute = new Date(clock.now().getTime() + 60_000).toISOString();
    const { secret } = (await api.post('/api/v1/tokens', 201, { as: 'bob', body: { name: 'brief', scopes: ['files:read'], expiresAt: inAMinute } })).json();
    expect((await t.app.inject({ url: '/api/v1/files', headers: { authorization: `Bearer ${secret}` } })).statusCode).toBe(200);
    clock.advance(59_000);
    expect((await t.app.inject({ url: '/api/v1/files', headers: { authorization: `Bearer ${secret}` } })).statusCode).toBe(200);
    clock.advance(2000);
    expect((await t.app.inject({ url: '/api/v1/files', headers: { authorization: `Bearer ${secret}` } })).statusCode).toBe(401);
  });

  it('issues JWTs with the expected claims; several are valid at once; tampered or unsigned ones are refused', async () => {
    const basic = { authorization: `Basic ${Buffer.from('bob:bob-password-1').toString('base64')}` };
    const first = (await t.app.inject({ method: 'POST', url: '/api/v1/auth/token', headers: basic })).json();
    const second = (await t.app.inject({ method: 'POST', url: '/api/v1/auth/token', headers: basic })).json();
    expect(first).toMatchObject({ tokenType: 'Bearer', expiresIn: 900, scope: 'files:read files:write shares:write webhooks:ses' });
    const [header, payload, signature] = first.accessToken.split('.');
    expect(JSON.parse(Buffer.from(header, 'base64url').toString())).toMatchObject({ alg: 'HS256' });
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString());
    expect(Object.keys(claims)).toEqual(expect.arrayContaining(['sub', 'aud', 'iss', 'exp', 'iat', 'jti', 'scope']));
    expect(claims.exp - claims.iat).toBe(900);
    for (const token of [first.accessToken, second.accessToken]) expect((await t.app.inject({ url: '/api/v1/files', headers: { authorization: `Bearer ${token}` } })).statusCode).toBe(200);

    const forged = { ...claims, scope: 'admin files:read' };
    const tampered = `${header}.${Buffer.from(JSON.stringify(forged)).toString('base64url')}.${signature}`;
    const unsigned = `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url')}.${payload}.`;
    for (const bad of [tampered, unsigned, `${first.accessToken}x`, 'not.a.jwt']) {
      const response = await t.app.inject({ url: '/api/v1/files', headers: { authorization: `Bearer ${bad}` } });
      expect(response.statusCode).toBe(401);
      expect(response.headers['www-authenticate']).toContain('Bearer');
    }
    // A session cookie cannot mint JWTs, nor can a JWT.
    await api.post('/api/v1/auth/token', 403, { as: 'bob', auth: 'cookie' });
    expect((await t.app.inject({ method: 'POST', url: '/api/v1/auth/token', headers: { authorization: `Bearer ${first.accessToken}` } })).statusCode).toBe(403);
  });

  it('gives the same 401 for every failure cause', async () => {
    const causes = [
      {},
      { authorization: `Basic ${Buffer.from('bob:wrong-password').toString('base64')}` },
      { authorization: `Basic ${Buffer.from('nobody:wrong-password').toString('base64')}` },
      { authorization: 'Basic !!!' },
      { authorization: 'Bearer coffer_pat_unknown' },
      { authorization: 'Bearer a.b.c' },
      { cookie: 'coffer_session=expired-or-forged' },
    ];
    const bodies = new Set<string>();
    for (const headers of causes) {
      const response = await t.app.inject({ url: '/api/v1/files', headers });
      expect(response.statusCode).toBe(401);
      // Basic is offered only to a client that sent Basic credentials (never to a browser's page).
      const sentBasic = headers.authorization?.startsWith('Basic') ?? false;
      expect(response.headers['www-authenticate']).toMatch(sentBasic ? /^Basic realm="coffer".*Bearer/ : /^Bearer realm="coffer"$/);
      bodies.add(response.body);
    }
    expect(bodies.size).toBe(1);
    const fromUi = await t.app.inject({ url: '/api/v1/auth/me', headers: { 'x-requested-with': 'XMLHttpRequest' } });
    expect(fromUi.headers['www-authenticate']).toBe('Bearer realm="coffer"');
  });
});

describe('short-lived JWTs', () => {
  it('expire', async () => {
    const clock = new TestClock();
    const t = await createTestApp({ JWT_TTL_SECONDS: '60' }, { clock });
    try {
      const api = new ApiTester(injectTransport(t.app));
      await api.addUser('dave');
      await api.get('/api/v1/files', 200, { as: 'dave', auth: 'jwt' });
      clock.advance(58_000);
      await api.get('/api/v1/files', 200, { as: 'dave', auth: 'jwt' });
      clock.advance(3_000);
      await api.get('/api/v1/files', 401, { as: 'dave', auth: 'jwt' });
    } finally {
      await t.close();
    }
  });
});
