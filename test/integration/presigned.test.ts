import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, fixture, multipart, signUp, type Account, type TestApp } from '../helpers/app.js';
import { createTestBucket, hasS3, S3_MISSING, type TestBucket } from '../helpers/s3.js';
import { requireOrSkip } from '../helpers/services.js';

describe('S3_PRESIGNED_DOWNLOADS', () => {
  let bucket: TestBucket | undefined;
  let t: TestApp;
  let owner: Account;
  let other: Account;
  let id: string;
  let jpg: Buffer;

  beforeAll(async () => {
    if (!requireOrSkip(hasS3, S3_MISSING)) return;
    bucket = await createTestBucket();
    t = await createTestApp({ STORAGE_URL: bucket!.url, S3_PRESIGNED_DOWNLOADS: '1' });
    owner = await signUp(t.app);
    other = await signUp(t.app);
    jpg = await fixture('sample.jpg');
    const body = multipart([{ filename: 'Café.jpg', content: jpg }]);
    id = (await t.app.inject({ method: 'POST', url: '/api/v1/files', payload: body.payload, headers: { ...body.headers, authorization: owner.basic } })).json().items[0].id;
  });
  afterAll(async () => {
    await t?.close();
    await bucket?.cleanup();
  });

  it('redirects an authorised content request to a short-lived URL on the private bucket', async () => {
    if (!bucket) return;
    const response = await t.app.inject({ url: `/api/v1/files/${id}/content?download=1`, headers: { authorization: owner.basic } });
    expect(response.statusCode).toBe(302);
    expect(response.headers['cache-control']).toBe('no-store');
    const location = String(response.headers.location);
    expect(location.startsWith(process.env.S3_ENDPOINT!)).toBe(true);
    expect(location).toContain('X-Amz-Expires=300');

    const fromBucket = await fetch(location);
    expect(fromBucket.status).toBe(200);
    expect(Buffer.from(await fromBucket.arrayBuffer()).equals(jpg)).toBe(true);
    expect(fromBucket.headers.get('content-disposition')).toMatch(/^attachment; .*filename\*=UTF-8''Caf%C3%A9\.jpg/);
    const ranged = await fetch(location, { headers: { range: 'bytes=0-9' } });
    expect(ranged.status).toBe(206);

    const anonymous = await fetch(location.split('?')[0]!);
    expect(anonymous.status).toBe(403);
  });

  it('checks access before redirecting', async () => {
    if (!bucket) return;
    expect((await t.app.inject({ url: `/api/v1/files/${id}/content`, headers: { authorization: other.basic } })).statusCode).toBe(404);
    expect((await t.app.inject({ url: `/api/v1/files/${id}/content` })).statusCode).toBe(401);
  });
});
