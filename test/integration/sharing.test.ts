import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, fixture, multipart, type TestApp } from '../helpers/app.js';
import { ApiTester, injectTransport } from '../helpers/api-tester.js';
import { TestClock } from '../helpers/clock.js';

describe('sharing', () => {
  let t: TestApp;
  const clock = new TestClock();
  let api: ApiTester;
  let mp4: Buffer;
  let fileId: string;

  beforeAll(async () => {
    t = await createTestApp({}, { clock });
    api = new ApiTester(injectTransport(t.app));
    for (const name of ['owner', 'friend', 'stranger']) await api.addUser(name);
    mp4 = await fixture('sample.mp4');
    const body = multipart([{ filename: 'clip.mp4', content: mp4 }]);
    const upload = await t.app.inject({ method: 'POST', url: '/api/v1/files', payload: body.payload, headers: { ...body.headers, authorization: `Basic ${Buffer.from('owner:owner-password-1').toString('base64')}` } });
    fileId = upload.json().items[0].id;
  });
  afterAll(() => t.close());

  it('shares read-only with a user, lists it in their "shared with me", and revokes it', async () => {
    const { share } = (await api.post(`/api/v1/files/${fileId}/shares`, 201, { as: 'owner', body: { username: 'friend' } })).json();
    expect(share).toMatchObject({ fileId, username: 'friend' });
    await api.post(`/api/v1/files/${fileId}/shares`, 409, { as: 'owner', body: { username: 'friend' } });
    await api.post(`/api/v1/files/${fileId}/shares`, 404, { as: 'owner', body: { username: 'nobody-at-all' } });
    await api.post(`/api/v1/files/${fileId}/shares`, 400, { as: 'owner', body: { username: 'owner' } });

    const shared = (await api.get('/api/v1/shared-with-me', 200, { as: 'friend' })).json();
    expect(shared.items).toHaveLength(1);
    expect(shared.items[0]).toMatchObject({ id: fileId, name: 'clip.mp4', owner: 'owner' });
    const range = await api.get(`/api/v1/files/${fileId}/content`, 206, { as: 'friend', headers: { range: 'bytes=0-9' } });
    expect(range.body.equals(mp4.subarray(0, 10))).toBe(true);
    await api.delete(`/api/v1/files/${fileId}`, 403, { as: 'friend' });
    expect((await api.get('/api/v1/files', 200, { as: 'friend' })).json().items).toHaveLength(0);
    expect((await api.get(`/api/v1/files/${fileId}/shares`, 200, { as: 'owner' })).json().items.map((s: { username: string }) => s.username)).toEqual(['friend']);

    await api.delete(`/api/v1/files/${fileId}/shares/friend`, 204, { as: 'owner' });
    await api.get(`/api/v1/files/${fileId}`, 404, { as: 'friend' });
    expect((await api.get('/api/v1/shared-with-me', 200, { as: 'friend' })).json().items).toHaveLength(0);
    await api.delete(`/api/v1/files/${fileId}/shares/friend`, 404, { as: 'owner' });
  });

  it('says in the file JSON what each caller may do with it (permissions), so clients need not probe', async () => {
    const all = { write: true, share: true };
    const none = { write: false, share: false };
    expect((await api.get(`/api/v1/files/${fileId}`, 200, { as: 'owner' })).json().permissions).toEqual(all);
    expect((await api.get('/api/v1/files', 200, { as: 'owner' })).json().items[0].permissions).toEqual(all);

    await api.post(`/api/v1/files/${fileId}/shares`, 201, { as: 'owner', body: { username: 'friend' } });
    try {
      expect((await api.get(`/api/v1/files/${fileId}`, 200, { as: 'friend' })).json().permissions).toEqual(none);
      expect((await api.get('/api/v1/shared-with-me', 200, { as: 'friend' })).json().items[0].permissions).toEqual(none);
    } finally {
      await api.delete(`/api/v1/files/${fileId}/shares/friend`, 204, { as: 'owner' });
    }

    // A token lends only its scopes: the owner's read-only token may neither write nor share.
    const { secret } = (await api.post('/api/v1/tokens', 201, { as: 'owner', body: { name: 'reader', scopes: ['files:read'] } })).json();
    const viaToken = await t.app.inject({ method: 'GET', url: `/api/v1/files/${fileId}`, headers: { authorization: `Bearer ${secret}` } });
    expect(viaToken.json().permissions).toEqual(none);

    const { link } = (await api.post(`/api/v1/files/${fileId}/links`, 201, { as: 'owner', body: {} })).json();
    try {
      expect((await api.get(`/api/v1/links/${link.url.split('/s/')[1]}`, 200)).json().file.permissions).toEqual(none);
    } finally {
      await api.delete(`/api/v1/links/${link.id}`, 204, { as: 'owner' });
    }
  });

  it('serves public links without an account, with ranges, a view counter, and revocation', async () => {
    const { link } = (await api.post(`/api/v1/files/${fileId}/links`, 201, { as: 'owner', body: {} })).json();
    expect(link.url).toMatch(/\/s\/[\w-]{32}$/);
    const token = link.url.split('/s/')[1];
    const visit = await api.get(`/api/v1/links/${token}`, 200);
    expect(visit.json().file).toMatchObject({ name: 'clip.mp4', kind: 'video', urls: { content: `/api/v1/links/${token}/content` } });
    expect(JSON.stringify(visit.json())).not.toContain(fileId);
    const full = await api.get(`/api/v1/links/${token}/content`, 200);
    expect(full.body.equals(mp4)).toBe(true);
    expect(full.headers['content-disposition']).toMatch(/^inline/);
    const part = await api.get(`/api/v1/links/${token}/content`, 206, { headers: { range: 'bytes=-100' } });
    expect(part.body.equals(mp4.subarray(-100))).toBe(true);
    expect((await api.get(`/api/v1/links/${token}/content?download=1`, 200)).headers['content-disposition']).toMatch(/^attachment/);

    const listed = (await api.get(`/api/v1/files/${fileId}/links`, 200, { as: 'owner' })).json().items;
    expect(listed).toEqual([expect.objectContaining({ id: link.id, url: link.url, views: 1, hasPassword: false })]);

    await api.delete(`/api/v1/links/${link.id}`, 204, { as: 'owner' });
    await api.get(`/api/v1/links/${token}`, 404);
    await api.get(`/api/v1/links/${token}/content`, 404);
    expect((await api.get(`/api/v1/files/${fileId}/links`, 200, { as: 'owner' })).json().items).toEqual([]);
  });

  it('expires links', async () => {
    const expiresAt = new Date(clock.now().getTime() + 3600_000).toISOString();
    const { link } = (await api.post(`/api/v1/files/${fileId}/links`, 201, { as: 'owner', body: { expiresAt } })).json();
    const token = link.url.split('/s/')[1];
    await api.get(`/api/v1/links/${token}`, 200);
    clock.advance(3590_000);
    await api.get(`/api/v1/links/${token}`, 200);
    expect((await api.get(`/api/v1/files/${fileId}/links`, 200, { as: 'owner' })).json().items.map((l: { id: string }) => l.id)).toContain(link.id);
    clock.advance(20_000);
    await api.get(`/api/v1/links/${token}`, 404);
    // Expired links leave the owner's list too.
    expect((await api.get(`/api/v1/files/${fileId}/links`, 200, { as: 'owner' })).json().items.map((l: { id: string }) => l.id)).not.toContain(link.id);
    await api.post(`/api/v1/files/${fileId}/links`, 400, { as: 'owner', body: { expiresAt: '2001-01-01T00:00:00Z' } });
  });

  it('protects links with a password, by header or by an unlock cookie for players', async () => {
    const { link } = (await api.post(`/api/v1/files/${fileId}/links`, 201, { as: 'owner', body: { password: 'open sesame' } })).json();
    const token = link.url.split('/s/')[1];
    expect(link.hasPassword).toBe(true);
    await api.get(`/api/v1/links/${token}`, 401);
    await api.get(`/api/v1/links/${token}`, 401, { headers: { 'x-link-password': 'wrong' } });
    await api.get(`/api/v1/links/${token}/content`, 200, { headers: { 'x-link-password': 'open sesame' } });

    const unlock = await t.app.inject({ method: 'POST', url: `/api/v1/links/${token}/unlock`, payload: { password: 'open sesame' } });
    expect(unlock.statusCode).toBe(204);
    const cookie = unlock.cookies.find((c) => c.name === 'coffer_link');
    expect(cookie).toMatchObject({ httpOnly: true, path: `/api/v1/links/${token}` });
    const played = await t.app.inject({ url: `/api/v1/links/${token}/content`, headers: { cookie: `coffer_link=${cookie!.value}`, range: 'bytes=0-99' } });
    expect(played.statusCode).toBe(206);
    const forged = await t.app.inject({ url: `/api/v1/links/${token}/content`, headers: { cookie: `coffer_link=${link.id}.99999999999999.forged` } });
    expect(forged.statusCode).toBe(401);
  });

  it('rate-limits wrong link passwords', async () => {
    const { link } = (await api.post(`/api/v1/files/${fileId}/links`, 201, { as: 'owner', body: { password: 'correct-one' } })).json();
    const token = link.url.split('/s/')[1];
    let status = 401;
    for (let i = 0; i < 12 && status === 401; i += 1) status = (await t.app.inject({ url: `/api/v1/links/${token}`, headers: { 'x-link-password': `guess-${i}` } })).statusCode;
    expect(status).toBe(429);
  });

  it('deletes in bulk after checking every id in one go: all or nothing', async () => {
    const upload = async (who: string) => {
      const body = multipart([{ filename: `${who}.png`, content: await fixture('sample.png') }]);
      const response = await t.app.inject({ method: 'POST', url: '/api/v1/files', payload: body.payload, headers: { ...body.headers, authorization: `Basic ${Buffer.from(`${who}:${who}-password-1`).toString('base64')}` } });
      return response.json().items[0].id as string;
    };
    const [mine1, mine2, theirs] = [await upload('friend'), await upload('friend'), await upload('owner')];
    await api.post(`/api/v1/files/${theirs}/shares`, 201, { as: 'owner', body: { username: 'friend' } });

    const unknown = '00000000-0000-4000-8000-000000000000';
    const hidden = await api.post('/api/v1/files/bulk-delete', 404, { as: 'friend', body: { ids: [mine1, unknown] } });
    expect(hidden.json().details).toEqual([expect.objectContaining({ field: 'ids', reason: unknown })]);
    const notOwned = await api.post('/api/v1/files/bulk-delete', 403, { as: 'friend', body: { ids: [mine1, theirs] } });
    expect(notOwned.json().details).toEqual([expect.objectContaining({ reason: theirs })]);
    await api.post('/api/v1/files/bulk-delete', 404, { as: 'stranger', body: { ids: [mine1] } });
    await api.post('/api/v1/files/bulk-delete', 400, { as: 'friend', body: { ids: [] } });
    expect((await api.get('/api/v1/files', 200, { as: 'friend' })).json().items).toHaveLength(2);

    await api.post('/api/v1/files/bulk-delete', 204, { as: 'friend', body: { ids: [mine1, mine2, mine1] } });
    expect((await api.get('/api/v1/files', 200, { as: 'friend' })).json().items).toHaveLength(0);
    await api.get(`/api/v1/files/${theirs}`, 200, { as: 'friend' });
  });

  it('removes shares and links with the file', async () => {
    const body = multipart([{ filename: 'gone.png', content: await fixture('sample.png') }]);
    const upload = await t.app.inject({ method: 'POST', url: '/api/v1/files', payload: body.payload, headers: { ...body.headers, authorization: `Basic ${Buffer.from('owner:owner-password-1').toString('base64')}` } });
    const id = upload.json().items[0].id;
    await api.post(`/api/v1/files/${id}/shares`, 201, { as: 'owner', body: { username: 'stranger' } });
    const { link } = (await api.post(`/api/v1/files/${id}/links`, 201, { as: 'owner', body: {} })).json();
    await api.delete(`/api/v1/files/${id}`, 204, { as: 'owner' });
    expect((await api.get('/api/v1/shared-with-me', 200, { as: 'stranger' })).json().items).toHaveLength(0);
    await api.get(`/api/v1/links/${link.url.split('/s/')[1]}`, 404);
  });
});
