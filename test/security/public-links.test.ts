import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiTester, injectTransport } from '../helpers/api-tester.js';
import { createTestApp, fixture, multipart, type TestApp } from '../helpers/app.js';
import { addAdmin } from '../helpers/fixtures.js';

/** Issue 8, items 10 (disabled owners, revoking a user's links), 11 (download names) and 16 (link URLs). */
describe('public links', () => {
  let t: TestApp;
  let api: ApiTester;
  const ids: Record<string, string> = {};
  const basic = (name: string) => `Basic ${Buffer.from(`${name}:${name}-password-1`).toString('base64')}`;

  beforeAll(async () => {
    t = await createTestApp();
    api = new ApiTester(injectTransport(t.app));
    for (const name of ['admin', 'owner', 'member']) {
      await (name === 'admin' ? addAdmin(t, api, name) : api.addUser(name));
      ids[name] = (await api.get('/api/v1/auth/me', 200, { as: name })).json().user.id;
    }
  });
  afterAll(() => t.close());

  const upload = async (who: string, filename: string, content: Buffer) => {
    const body = multipart([{ filename, content }]);
    const response = await t.app.inject({ method: 'POST', url: '/api/v1/files', payload: body.payload, headers: { ...body.headers, authorization: basic(who) } });
    expect(response.statusCode).toBe(201);
    return response.json().items[0].id as string;
  };
  const newLink = async (fileId: string, body: Record<string, unknown> = {}, headers: Record<string, string> = {}) => {
    const created = await t.app.inject({ method: 'POST', url: `/api/v1/files/${fileId}/links`, headers: { authorization: basic('owner'), ...headers }, payload: body });
    expect(created.statusCode).toBe(201);
    const { link } = created.json();
    return { ...link, token: link.url.split('/s/')[1] as string };
  };
  const visitor = (token: string, path = '', headers: Record<string, string> = {}) => t.app.inject({ url: `/api/v1/links/${token}${path}`, headers });

  describe('of a disabled user (item 10)', () => {
    it('answer 404 while the owner is disabled, and work again once enabled', async () => {
      const fileId = await upload('owner', 'clip.jpg', await fixture('sample.jpg'));
      const open = await newLink(fileId);
      const locked = await newLink(fileId, { password: 'a long link password' });
      const live = async () => [
        (await visitor(open.token)).statusCode,
        (await visitor(open.token, '/content', { range: 'bytes=0-9' })).statusCode,
        (await visitor(locked.token, '', { 'x-link-password': 'a long link password' })).statusCode,
        (await t.app.inject({ method: 'POST', url: `/api/v1/links/${locked.token}/unlock`, payload: { password: 'a long link password' } })).statusCode,
      ];
      expect(await live()).toEqual([200, 206, 200, 204]);

      await api.patch(`/api/v1/admin/users/${ids.owner}`, 200, { as: 'admin', body: { disabled: true } });
      expect(await live()).toEqual([404, 404, 404, 404]);
      // No password prompt (401) either: nothing says the link exists.
      expect((await visitor(locked.token)).statusCode).toBe(404);

      await api.patch(`/api/v1/admin/users/${ids.owner}`, 200, { as: 'admin', body: { disabled: false } });
      expect(await live()).toEqual([200, 206, 200, 204]);
    });
  });

  describe('revoked by an administrator (item 10)', () => {
    it('DELETE /admin/users/:id/links revokes every live link of that user, audited, and no one else\'s', async () => {
      const fileA = await upload('owner', 'a.png', await fixture('sample.png'));
      const fileB = await upload('owner', 'b.png', await fixture('sample.png'));
      const links = [await newLink(fileA), await newLink(fileB), await newLink(fileB, { password: 'another long password' })];
      const theirs = await upload('member', 'm.png', await fixture('sample.png'));
      const memberLink = (await api.post(`/api/v1/files/${theirs}/links`, 201, { as: 'member', body: {} })).json().link.url.split('/s/')[1];

      await api.delete(`/api/v1/admin/users/${ids.owner}/links`, 403, { as: 'member' });
      await api.delete(`/api/v1/admin/users/${ids.owner}/links`, 401);
      await api.delete('/api/v1/admin/users/00000000-0000-4000-8000-000000000000/links', 404, { as: 'admin' });
      expect((await visitor(links[0]!.token)).statusCode).toBe(200);

      await api.delete(`/api/v1/admin/users/${ids.owner}/links`, 204, { as: 'admin' });
      for (const link of links) expect((await visitor(link.token)).statusCode).toBe(404);
      expect((await api.get(`/api/v1/files/${fileB}/links`, 200, { as: 'owner' })).json().items).toEqual([]);
      expect((await visitor(memberLink)).statusCode).toBe(200);
      // The owner can make new links afterwards; only the existing ones were revoked.
      expect((await visitor((await newLink(fileA)).token)).statusCode).toBe(200);

      await t.services.audit.flush();
      const events = (await api.get('/api/v1/admin/audit?action=admin.links_revoke', 200, { as: 'admin' })).json().items;
      expect(events).toEqual([expect.objectContaining({ actor: 'admin', target: `user:${ids.owner}`, outcome: 'success', details: expect.objectContaining({ revoked: expect.any(Number) }) })]);
      expect(events[0].details.revoked).toBeGreaterThanOrEqual(3);
    });

    it('is in the OpenAPI document with its parameters and answers', async () => {
      const document = (await t.app.inject({ url: '/api/v1/openapi.json' })).json();
      const operation = document.paths['/api/v1/admin/users/{id}/links']?.delete;
      expect(operation).toBeDefined();
      expect(operation.parameters).toEqual([expect.objectContaining({ name: 'id', in: 'path', required: true })]);
      expect(Object.keys(operation.responses)).toEqual(expect.arrayContaining(['204', '401', '403', '404']));
    });
  });

  describe('downloads (item 11)', () => {
    it('are named with the extension of the stored type, on the link page and for the owner', async () => {
      // Real JPEG bytes under an HTML name.
      const fileId = await upload('owner', 'invoice.html', await fixture('sample.jpg'));
      const { token } = await newLink(fileId);
      const owned = await t.app.inject({ url: `/api/v1/files/${fileId}/content?download=1`, headers: { authorization: basic('owner') } });
      const shared = await visitor(token, '/content?download=1');
      for (const response of [owned, shared]) {
        expect(response.statusCode).toBe(200);
        expect(response.headers['content-type']).toBe('image/jpeg');
        expect(response.headers['content-disposition']).toBe(`attachment; filename="invoice.html.jpg"; filename*=UTF-8''invoice.html.jpg`);
      }
      expect((await visitor(token, '/content')).headers['content-disposition']).toMatch(/^inline; filename="invoice\.html\.jpg"/);
      // The listing keeps the name the person gave.
      expect((await visitor(token)).json().file.name).toBe('invoice.html');
    });

    it('keep a name whose extension already matches', async () => {
      const fileId = await upload('owner', 'Holiday.JPEG', await fixture('sample.jpg'));
      const response = await t.app.inject({ url: `/api/v1/files/${fileId}/content?download=1`, headers: { authorization: basic('owner') } });
      expect(response.headers['content-disposition']).toMatch(/filename="Holiday\.JPEG"/);
    });
  });

  describe('URLs (item 16)', () => {
    const forged = { host: 'evil.example', 'x-forwarded-host': 'evil.example', 'x-forwarded-proto': 'https' };

    it('are built on the listen address without PUBLIC_URL, never on a forged Host header', async () => {
      const fileId = await upload('owner', 'u.png', await fixture('sample.png'));
      const link = await newLink(fileId, {}, forged);
      expect(link.url).toBe(`http://${t.config.host}:${t.config.port}/s/${link.token}`);
      const listed = (await t.app.inject({ url: `/api/v1/files/${fileId}/links`, headers: { authorization: basic('owner'), ...forged } })).json().items;
      expect(listed.map((l: { url: string }) => l.url)).toEqual([link.url]);
    });

    it('name the port a listening server really has (PORT=0)', async () => {
      const fileId = await upload('owner', 'v.png', await fixture('sample.png'));
      await t.app.listen({ host: '127.0.0.1', port: 0 });
      const { port } = t.app.server.address() as AddressInfo;
      const body = JSON.stringify({});
      const answer = await new Promise<{ status: number; body: string }>((resolve, reject) => {
        const request = http.request({ host: '127.0.0.1', port, method: 'POST', path: `/api/v1/files/${fileId}/links`, headers: { ...forged, authorization: basic('owner'), 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (response) => {
          let text = '';
          response.setEncoding('utf8').on('data', (chunk: string) => (text += chunk)).on('end', () => resolve({ status: response.statusCode ?? 0, body: text }));
        });
        request.on('error', reject).end(body);
      });
      expect(answer.status).toBe(201);
      const { url } = JSON.parse(answer.body).link as { url: string };
      expect(url).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:${port}/s/[\\w-]{32}$`));
      expect(url).not.toContain('evil.example');
    });
  });
});
