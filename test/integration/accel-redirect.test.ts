import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, fixture, multipart, signUp, type Account, type TestApp } from '../helpers/app.js';

// The offload applies to a local blob folder only (other stores keep streaming), so
// vitest.config.ts runs this file on the embedded profile alone.
describe('content handed to nginx (X-Accel-Redirect)', () => {
  let t: TestApp;
  let alice: Account;
  let bob: Account;
  let file: { id: string; sha256: string; urls: { content: string; download: string } };

  beforeAll(async () => {
    t = await createTestApp({ ACCEL_REDIRECT_PREFIX: '/_protected_blobs/' });
    alice = await signUp(t.app);
    bob = await signUp(t.app);
    const body = multipart([{ filename: 'clip.mp4', content: await fixture('sample.mp4') }]);
    const uploaded = await t.app.inject({ method: 'POST', url: '/api/v1/files', payload: body.payload, headers: { ...body.headers, authorization: alice.basic } });
    [file] = uploaded.json().items;
  });
  afterAll(() => t.close());

  const get = (who: Account, url: string, headers: Record<string, string> = {}) => t.app.inject({ url, headers: { authorization: who.basic, ...headers } });

  it('authorizes, then names the blob for nginx with every header but no body', async () => {
    const { blobKey } = await t.services.backends.db.selectFrom('files').select('blob_key as blobKey').where('id', '=', file.id).executeTakeFirstOrThrow();
    const response = await get(alice, file.urls.download, { range: 'bytes=0-99' });
    expect(response.statusCode).toBe(200);
    expect(response.body).toBe('');
    expect(response.headers).toMatchObject({
      'x-accel-redirect': `/_protected_blobs/${blobKey}`,
      'content-type': 'video/mp4',
      etag: `"${file.sha256}"`,
      'last-modified': expect.any(String),
      'cache-control': 'private',
      'x-content-type-options': 'nosniff',
      'content-security-policy': expect.stringContaining('sandbox'),
      'content-disposition': expect.stringMatching(/^attachment; filename="clip.mp4"/),
    });
  });

  it('hands public-link content to nginx the same way, after checking the link', async () => {
    const created = await t.app.inject({ method: 'POST', url: `/api/v1/files/${file.id}/links`, payload: {}, headers: { authorization: alice.basic } });
    expect(created.statusCode).toBe(201);
    const token = (created.json().link.url as string).split('/s/')[1];
    const content = await t.app.inject({ url: `/api/v1/links/${token}/content` });
    expect(content.statusCode).toBe(200);
    expect(content.headers['x-accel-redirect']).toMatch(/^\/_protected_blobs\//);
    expect(content.body).toBe('');
    expect((await t.app.inject({ url: `/api/v1/links/${token}x/content` })).headers['x-accel-redirect']).toBeUndefined();
  });

  it('still answers conditional requests, bad ranges and other people itself', async () => {
    const notModified = await get(alice, file.urls.content, { 'if-none-match': `"${file.sha256}"` });
    expect(notModified.statusCode).toBe(304);
    expect(notModified.headers['x-accel-redirect']).toBeUndefined();
    const outside = await get(alice, file.urls.content, { range: 'bytes=99999999-' });
    expect(outside.statusCode).toBe(416);
    expect(outside.headers['x-accel-redirect']).toBeUndefined();
    const stranger = await get(bob, file.urls.content);
    expect(stranger.statusCode).toBe(404);
    expect(stranger.headers['x-accel-redirect']).toBeUndefined();
  });
});
