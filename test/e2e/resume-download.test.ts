import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixture } from '../helpers/app.js';
import { paddedMedia, resumableDownload, streamUpload } from '../helpers/http-client.js';
import { startLiveServer, type LiveServer } from '../helpers/live-server.js';

const MiB = 1024 * 1024;

describe('a download cut off mid-way', () => {
  let server: LiveServer;
  let authorization: string;

  beforeAll(async () => {
    server = await startLiveServer();
    const account = { name: 'Resumer', username: 'resumer', email: 'resumer@example.com', password: 'resumer-password-1' };
    const registered = await fetch(`${server.url}/api/v1/auth/register`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(account) });
    expect(registered.status).toBe(201);
    authorization = `Basic ${Buffer.from(`${account.username}:${account.password}`).toString('base64')}`;
  });
  afterAll(() => server?.stop());

  it('resumes with Range + If-Range and ends byte-identical', async () => {
    const size = 12 * MiB;
    const uploaded = await streamUpload(`${server.url}/api/v1/files`, authorization, 'long.mp4', size, paddedMedia(await fixture('sample.mp4'), size));
    expect(uploaded.status).toBe(201);
    const file = uploaded.json.items[0] as { sha256: string; urls: { download: string } };
    expect(file.sha256).toBe(uploaded.sha256);

    const download = await resumableDownload(`${server.url}${file.urls.download}`, { authorization }, 5 * MiB + 123);
    expect(download.statuses).toEqual([200, 206]);
    expect(download.size).toBe(size);
    expect(download.sha256).toBe(uploaded.sha256);
  });

  it('answers the whole file, not a range, when If-Range names another version', async () => {
    const content = await fixture('sample.jpg');
    const form = new FormData();
    form.append('file', new Blob([content]), 'photo.jpg');
    const uploaded = await fetch(`${server.url}/api/v1/files`, { method: 'POST', body: form, headers: { authorization } });
    const { urls, sha256 } = ((await uploaded.json()) as { items: Array<{ sha256: string; urls: { download: string } }> }).items[0]!;
    const stale = await fetch(`${server.url}${urls.download}`, { headers: { authorization, range: 'bytes=100-', 'if-range': '"not-this-version"' } });
    expect(stale.status).toBe(200);
    expect(createHash('sha256').update(Buffer.from(await stale.arrayBuffer())).digest('hex')).toBe(sha256);
    const same = await fetch(`${server.url}${urls.download}`, { headers: { authorization, range: 'bytes=100-', 'if-range': `"${sha256}"` } });
    expect(same.status).toBe(206);
    expect(same.headers.get('content-range')).toBe(`bytes 100-${content.length - 1}/${content.length}`);
  });
});
