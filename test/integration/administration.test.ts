import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { app as cofferApp } from '../../src/app.js';
import { GROUP, OBJECT } from '../../src/plugins/access.js';
import { createTestApp, fixture, multipart, type TestApp } from '../helpers/app.js';
import { addAdmin } from '../helpers/fixtures.js';
import { ApiTester, injectTransport } from '../helpers/api-tester.js';

describe('passwords, administration and audit', () => {
  let t: TestApp;
  let api: ApiTester;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    t = await createTestApp();
    api = new ApiTester(injectTransport(t.app));
    for (const name of ['admin', 'member', 'other']) {
      await (name === 'admin' ? addAdmin(t, api, name) : api.addUser(name));
      ids[name] = (await api.get('/api/v1/auth/me', 200, { as: name })).json().user.id;
    }
  });
  afterAll(() => t.close());

  it('changes a password only with the current one, and ends the other sessions and JWTs', async () => {
    const other = await t.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username: 'member', password: 'member-password-1' } });
    const otherCookie = `coffer_session=${other.cookies.find((c) => c.name === 'coffer_session')!.value}`;
    await api.get('/api/v1/files', 200, { as: 'member', auth: 'jwt' });

    await api.post('/api/v1/auth/password', 400, { as: 'member', auth: 'cookie', body: { currentPassword: 'wrong-one-xx', newPassword: 'member-password-2' } });
    const weak = await api.post('/api/v1/auth/password', 400, { as: 'member', auth: 'cookie', body: { currentPassword: 'member-password-1', newPassword: 'short' } });
    expect(weak.json().details[0]).toMatchObject({ field: 'newPassword' });
    const changed = await api.post('/api/v1/auth/password', 200, { as: 'member', auth: 'cookie', body: { currentPassword: 'member-password-1', newPassword: 'member-password-2' } });
    expect(changed.json().csrfToken).toEqual(expect.any(String));
    expect(changed.headers['set-cookie']).toContain('coffer_session=');

    expect((await t.app.inject({ url: '/api/v1/auth/me', headers: { cookie: otherCookie } })).statusCode).toBe(401);
    await api.get('/api/v1/files', 401, { as: 'member', auth: 'jwt' });
    api.knowUser('member', 'member-password-2');
    await api.get('/api/v1/files', 200, { as: 'member', auth: 'basic' });
    await api.post('/api/v1/auth/password', 403, { as: 'member', auth: 'token', body: { currentPassword: 'member-password-2', newPassword: 'member-password-3' } });
  });

  it('lists and searches users with their storage use', async () => {
    const body = multipart([{ filename: 'a.png', content: await fixture('sample.png') }]);
    await t.app.inject({ method: 'POST', url: '/api/v1/files', payload: body.payload, headers: { ...body.headers, authorization: `Basic ${Buffer.from('other:other-password-1').toString('base64')}` } });
    const page = (await api.get('/api/v1/admin/users?limit=2', 200, { as: 'admin' })).json();
    expect(page.items.map((u: { username: string }) => u.username)).toEqual(['admin', 'member']);
    const rest = (await api.get(`/api/v1/admin/users?limit=2&cursor=${page.nextCursor}`, 200, { as: 'admin' })).json();
    expect(rest.items).toEqual([expect.objectContaining({ username: 'other', storageBytes: (await fixture('sample.png')).length, disabled: false, isAdmin: false })]);
    expect((await api.get('/api/v1/admin/users?q=OTH', 200, { as: 'admin' })).json().items.map((u: { username: string }) => u.username)).toEqual(['other']);
  });

  it('disables and enables users, grants admin rights, and refuses self-lockout', async () => {
    const session = await t.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username: 'other', password: 'other-password-1' } });
    const cookie = `coffer_session=${session.cookies.find((c) => c.name === 'coffer_session')!.value}`;
    const disabled = await api.patch(`/api/v1/admin/users/${ids.other}`, 200, { as: 'admin', body: { disabled: true } });
    expect(disabled.json().user.username).toBe('other');
    expect((await t.app.inject({ url: '/api/v1/auth/me', headers: { cookie } })).statusCode).toBe(401);
    await api.get('/api/v1/files', 401, { as: 'other' });
    await api.patch(`/api/v1/admin/users/${ids.other}`, 200, { as: 'admin', body: { disabled: false } });
    await api.get('/api/v1/files', 200, { as: 'other' });

    await api.patch(`/api/v1/admin/users/${ids.other}`, 200, { as: 'admin', body: { isAdmin: true } });
    await api.get('/api/v1/admin/users', 200, { as: 'other' });
    await api.patch(`/api/v1/admin/users/${ids.other}`, 400, { as: 'other', body: { isAdmin: false } });
    await api.patch(`/api/v1/admin/users/${ids.other}`, 200, { as: 'admin', body: { isAdmin: false } });
    await api.get('/api/v1/admin/users', 403, { as: 'other' });

    await api.patch(`/api/v1/admin/users/${ids.admin}`, 400, { as: 'admin', body: { isAdmin: false } });
    await api.patch(`/api/v1/admin/users/${ids.admin}`, 400, { as: 'admin', body: { disabled: true } });
    await api.patch(`/api/v1/admin/users/${ids.other}`, 400, { as: 'admin', body: {} });
    await api.patch('/api/v1/admin/users/00000000-0000-4000-8000-000000000000', 404, { as: 'admin', body: { disabled: true } });
  });

  it('forces a user to sign out everywhere', async () => {
    await api.get('/api/v1/auth/me', 200, { as: 'other', auth: 'cookie' });
    await api.post(`/api/v1/admin/users/${ids.other}/sign-out`, 204, { as: 'admin' });
    await api.get('/api/v1/auth/me', 401, { as: 'other', auth: 'cookie' });
    api.forgetSession('other');
    await api.get('/api/v1/auth/me', 200, { as: 'other', auth: 'cookie' });
  });

  it('keeps an audit trail of security events, filtered and paged', async () => {
    await t.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username: 'other', password: 'not-it-at-all' }, headers: { 'user-agent': 'audit-test/1.0' }, remoteAddress: '10.7.7.7' });
    await api.post('/api/v1/tokens', 201, { as: 'other', body: { name: 'ci', scopes: ['files:read'] } });
    await t.services.audit.flush();

    const failures = (await api.get('/api/v1/admin/audit?user=other&action=auth.login', 200, { as: 'admin' })).json().items.filter((e: { outcome: string }) => e.outcome === 'failure');
    expect(failures[0]).toMatchObject({ actor: 'other', action: 'auth.login', ip: '10.7.7.7', userAgent: 'audit-test/1.0', details: { reason: 'unauthenticated' } });

    const all = (await api.get('/api/v1/admin/audit?limit=200', 200, { as: 'admin' })).json().items.map((e: { action: string }) => e.action);
    for (const action of ['account.register', 'auth.login', 'auth.password_change', 'token.create', 'file.upload', 'admin.user_update', 'admin.sign_out']) expect(all).toContain(action);
    const family = (await api.get('/api/v1/admin/audit?action=admin.', 200, { as: 'admin' })).json().items;
    expect(family.length).toBeGreaterThan(0);
    expect(family.every((e: { action: string }) => e.action.startsWith('admin.'))).toBe(true);

    const first = (await api.get('/api/v1/admin/audit?limit=3', 200, { as: 'admin' })).json();
    const second = (await api.get(`/api/v1/admin/audit?limit=3&cursor=${first.nextCursor}`, 200, { as: 'admin' })).json();
    expect(first.items).toHaveLength(3);
    expect(second.items[0].at <= first.items[2].at).toBe(true);
    const future = (await api.get(`/api/v1/admin/audit?since=${new Date(Date.now() + 60_000).toISOString()}`, 200, { as: 'admin' })).json();
    expect(future.items).toEqual([]);
  });

  it('never fails a request because the audit log cannot be written', async () => {
    const { db } = t.services.backends;
    await db.schema.alterTable('audit_events').renameTo('audit_events_away').execute();
    try {
      await api.get('/api/v1/auth/me', 200, { as: 'member', auth: 'basic' });
      const login = await t.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username: 'member', password: 'member-password-2' } });
      expect(login.statusCode).toBe(200);
      await t.services.audit.flush();
    } finally {
      await db.schema.alterTable('audit_events_away').renameTo('audit_events').execute();
    }
  });
});

describe('route declarations', () => {
  it('refuse to boot with an unknown group or object domain', async () => {
    const t = await createTestApp();
    try {
      for (const [access, message] of [
        [GROUP('wheel'), /unknown group "wheel"/],
        [OBJECT('album', 'id', 'read'), /unknown domain "album"/],
      ] as const) {
        const fastify = Fastify({ logger: false });
        await fastify.register(cofferApp, { config: t.config });
        fastify.get('/api/v1/odd', { config: { access } }, async () => 'odd');
        await expect(fastify.ready()).rejects.toThrow(message);
        await fastify.close().catch(() => {});
      }
    } finally {
      await t.close();
    }
  });

  it('turn a success that skipped the object check into a 500', async () => {
    const t = await createTestApp();
    const fastify = Fastify({ logger: false });
    try {
      await fastify.register(cofferApp, { config: t.config });
      // A route-level hook that answers before the object check runs: a bug to contain.
      fastify.get('/api/v1/leaky/:id', { config: { access: OBJECT('file', 'id', 'read') }, preValidation: async (_request, reply) => reply.send({ secret: 'leaked' }) }, async () => 'never');
      await fastify.ready();
      const api = new ApiTester(injectTransport(fastify));
      await api.addUser('prober');
      const response = await api.get('/api/v1/leaky/00000000-0000-4000-8000-000000000000', 500, { as: 'prober' });
      expect(response.body.toString()).not.toContain('leaked');
    } finally {
      await fastify.close();
      await t.close();
    }
  });
});
