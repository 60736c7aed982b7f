import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixture } from '../helpers/app.js';
import { paddedMedia, streamDownload, streamUpload } from '../helpers/http-client.js';
import { startLiveServer, type LiveServer } from '../helpers/live-server.js';

const GiB = 1024 ** 3;
const MiB = 1024 ** 2;

// Slow by nature (about a minute on 2 cores); it runs in CI all the same.
describe('a 1 GiB file', { timeout: 10 * 60_000 }, () => {
  let server: LiveServer;
  let authorization: string;

  beforeAll(async () => {
    server = await startLiveServer({ env: { MAX_UPLOAD_BYTES: '2GiB' } });
    const credentials = { username: 'big', password: 'big-files-password' };
    const registered = await fetch(`${server.url}/api/v1/auth/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Big', email: 'big@example.com', ...credentials }),
    });
    expect(registered.status).toBe(201);
    authorization = `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}`;
  });
  afterAll(() => server?.stop());

  it('uploads and downloads byte-identical while the server memory stays flat', async () => {
    const header = await fixture('sample.mp4');
    // Warm up (first upload, JIT, thumbnail worker) so the baseline is the steady state.
    const warm = await streamUpload(`${server.url}/api/v1/files`, authorization, 'warm.mp4', 8 * MiB, paddedMedia(header, 8 * MiB));
    expect(warm.status).toBe(201);
    const baseline = server.peakRssBytes();

    const upload = await streamUpload(`${server.url}/api/v1/files`, authorization, 'big.mp4', GiB, paddedMedia(header, GiB));
    expect(upload.status, JSON.stringify(upload.json)).toBe(201);
    const [file] = upload.json.items;
    expect(file).toMatchObject({ size: GiB, sha256: upload.sha256, kind: 'video' });

    const download = await streamDownload(`${server.url}${file.urls.content}`, { authorization });
    expect(download.status).toBe(200);
    expect(download.size).toBe(GiB);
    expect(download.sha256).toBe(upload.sha256);

    const tail = await streamDownload(`${server.url}${file.urls.content}`, { authorization, range: `bytes=${GiB - MiB}-` });
    expect(tail.status).toBe(206);
    expect(tail.size).toBe(MiB);

    const growth = server.peakRssBytes() - baseline;
    console.log(`server peak RSS: baseline ${(baseline / MiB).toFixed(0)} MiB, growth over 2 GiB of transfers ${(growth / MiB).toFixed(1)} MiB`);
    // Buffering the file would add about 1 GiB. What remains is garbage awaiting collection:
    // V8 collects Buffers' external memory in steps of tens of MiB, whatever the file size.
    expect(growth).toBeLessThan(128 * MiB);
  });
});
