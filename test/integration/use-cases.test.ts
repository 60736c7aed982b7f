import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SCOPES, type Caller } from '../../src/domain/access.js';
import type { Origin } from '../../src/domain/origin.js';
import { createTestApp, fixture, multipart, signUp, type TestApp } from '../helpers/app.js';

/**
 * The services are the use cases: called without a route in front of them they still
 * check the caller, and they record their own audit events with the origin they are given.
 */
describe('use cases in services', () => {
  let t: TestApp;
  let fileId: string;
  let owner: Caller;
  let friend: Caller;
  let stranger: Caller;
  const origin: Origin = { ip: '203.0.113.7', userAgent: 'use-case-test/1' };

  const callerFor = async (username: string, via: Caller['via'] = 'session'): Promise<Caller> => {
    const user = await t.services.accounts.findUserByUsername(username);
    if (!user) throw new Error(`no user ${username}`);
    return { user, via, scopes: new Set(SCOPES.filter((scope) => scope !== 'admin')) };
  };

  beforeAll(async () => {
    t = await createTestApp();
    const accounts = await Promise.all(['ucowner', 'ucfriend', 'ucstranger'].map((name) => signUp(t.app, name)));
    const body = multipart([{ filename: 'photo.jpg', content: await fixture('sample.jpg') }]);
    const upload = await t.app.inject({ method: 'POST', url: '/api/v1/files', payload: body.payload, headers: { ...body.headers, authorization: accounts[0]!.basic } });
    fileId = upload.json().items[0].id;
    owner = await callerFor('ucowner');
    friend = await callerFor('ucfriend');
    stranger = await callerFor('ucstranger');
  });
  afterAll(() => t.close());

  it('sharing checks the caller itself: a stranger finds no file, someone it is shared with may not manage it', async () => {
    await t.services.sharing.share(owner, fileId, 'ucfriend', origin);
    await expect(t.services.sharing.createLink(stranger, fileId, {}, origin)).rejects.toMatchObject({ status: 404, code: 'not_found' });
    await expect(t.services.sharing.listShares(stranger, fileId)).rejects.toMatchObject({ status: 404 });
    await expect(t.services.sharing.createLink(friend, fileId, {}, origin)).rejects.toMatchObject({ status: 403, code: 'forbidden' });
    await expect(t.services.sharing.listLinks(friend, fileId)).rejects.toMatchObject({ status: 403 });
    await expect(t.services.sharing.unshare(friend, fileId, 'ucfriend', origin)).rejects.toMatchObject({ status: 403 });

    const link = await t.services.sharing.createLink(owner, fileId, {}, origin);
    await expect(t.services.sharing.revokeLink(friend, link.id, origin)).rejects.toMatchObject({ status: 404 });
    expect((await t.services.sharing.listLinks(owner, fileId)).map((l) => l.id)).toEqual([link.id]);
    await t.services.sharing.revokeLink(owner, link.id, origin);
    expect(await t.services.sharing.listLinks(owner, fileId)).toEqual([]);
  });

  it('no token manages tokens, signs out everywhere or changes the password, whoever calls the service', async () => {
    const viaToken = { ...owner, via: 'token' as const };
    await expect(t.services.tokens.create(viaToken, { name: 'sneaky', scopes: ['files:read'] }, origin)).rejects.toMatchObject({ status: 403 });
    await expect(t.services.tokens.list({ ...owner, via: 'jwt' })).rejects.toMatchObject({ status: 403 });
    await expect(t.services.auth.logout(viaToken, true, origin)).rejects.toMatchObject({ status: 403 });
    await expect(t.services.auth.changePassword(viaToken, 'correct horse ucowner', 'another good password', origin)).rejects.toMatchObject({ status: 403 });
  });

  it('records its audit events with the origin the route passed', async () => {
    const { token } = await t.services.tokens.create(owner, { name: 'audited', scopes: ['files:read'] }, origin);
    await t.services.tokens.revoke(owner, token.id, origin);
    await t.services.audit.flush();
    const events = (await t.services.auditEvents.list({ user: 'ucowner', action: 'token.', limit: 10 })).items;
    // Both may carry the same millisecond, so the order is not asserted.
    expect(events.map((e) => [e.action, e.target, e.ip, e.userAgent]).sort()).toEqual([
      ['token.create', `token:${token.id}`, origin.ip, origin.userAgent],
      ['token.revoke', `token:${token.id}`, origin.ip, origin.userAgent],
    ]);
    const shares = (await t.services.auditEvents.list({ user: 'ucowner', action: 'share.create', limit: 10 })).items;
    expect(shares).toHaveLength(1);
    expect(shares[0]).toMatchObject({ target: `file:${fileId}`, ip: origin.ip, userAgent: origin.userAgent, details: { with: 'ucfriend' } });
  });
});
