import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixture } from '../helpers/app.js';
import { startLiveServer, type LiveServer } from '../helpers/live-server.js';

describe('over real HTTP', () => {
  let server: LiveServer;
  let cookie: string;
  let csrfToken: string;

  beforeAll(async () => {
    server = await startLiveServer();
    const credentials = { username: 'dana', password: 'dana-password-1' };
    const registered = await fetch(`${server.url}/api/v1/auth/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Dana', email: 'dana@example.com', ...credentials }),
    });
    expect(registered.status).toBe(201);
    const login = await fetch(`${server.url}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(credentials) });
    expect(login.status).toBe(200);
    cookie = login.headers.getSetCookie()[0]!.split(';')[0]!;
    csrfToken = ((await login.json()) as { csrfToken: string }).csrfToken;
  });
  afterAll(() => server?.stop());

  it('uploads an image, an MP3 and an MP4 and downloads them byte-identical', async () => {
    const names = ['sample.jpg', 'sample.mp3', 'sample.mp4'];
    const contents = await Promise.all(names.map(fixture));
    const form = new FormData();
    names.forEach((name, i) => form.append('file', new Blob([contents[i]!]), name));
    const uploaded = await fetch(`${server.url}/api/v1/files`, { method: 'POST', body: form, headers: { cookie, 'x-csrf-token': csrfToken } });
    expect(uploaded.status).toBe(201);
    const { items } = (await uploaded.json()) as { items: Array<{ kind: string; urls: { download: string } }> };
    expect(items.map((f: { kind: string }) => f.kind)).toEqual(['image', 'audio', 'video']);

    for (const [i, file] of items.entries()) {
      const download = await fetch(`${server.url}${file.urls.download}`, { headers: { cookie } });
      expect(download.status).toBe(200);
      expect(download.headers.get('content-disposition')).toMatch(/^attachment;/);
      expect(Buffer.from(await download.arrayBuffer()).equals(contents[i]!)).toBe(true);
    }
  });

  it('serves ranges the way a media player asks for them', async () => {
    const mp4 = await fixture('sample.mp4');
    const form = new FormData();
    form.append('file', new Blob([mp4]), 'seek.mp4');
    const uploaded = await fetch(`${server.url}/api/v1/files`, { method: 'POST', body: form, headers: { cookie, 'x-csrf-token': csrfToken } });
    const [file] = ((await uploaded.json()) as { items: Array<{ urls: { content: string } }> }).items;
    if (!file) throw new Error('upload returned no file');
    const open = await fetch(`${server.url}${file.urls.content}`, { headers: { cookie, range: 'bytes=0-' } });
    expect(open.status).toBe(206);
    expect(open.headers.get('content-range')).toBe(`bytes 0-${mp4.length - 1}/${mp4.length}`);
    await open.body?.cancel();
    const middle = await fetch(`${server.url}${file.urls.content}`, { headers: { cookie, range: 'bytes=1000-1999' } });
    expect(Buffer.from(await middle.arrayBuffer()).equals(mp4.subarray(1000, 2000))).toBe(true);
  });

  it('serves the web UI for its pages and keeps JSON errors for the API', async () => {
    if (!existsSync(path.resolve(import.meta.dirname, '../../dist/web/index.html'))) throw new Error('the web UI is not built: run `npm run build`');
    const page = await fetch(`${server.url}/files/123`, { headers: { accept: 'text/html' } });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toContain('text/html');
    expect(page.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect(await page.text()).toContain('<div id="root">');
    const api = await fetch(`${server.url}/api/v1/unknown`, { headers: { accept: 'text/html' } });
    expect(api.status).toBe(404);
    expect(((await api.json()) as { code: string }).code).toBe('not_found');
  });
});
