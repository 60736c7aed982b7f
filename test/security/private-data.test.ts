import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixture } from '../helpers/app.js';
import { startLiveServer, type LiveServer } from '../helpers/live-server.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const mode = (file: string) => statSync(file).mode & 0o777;

/** Every entry under `dir`, the folder itself included. */
function everything(dir: string): string[] {
  return [dir, ...readdirSync(dir, { recursive: true, withFileTypes: true }).map((entry) => path.join(entry.parentPath, entry.name))];
}

describe('under `coffer serve`, what Coffer keeps is its own user\'s only, and logs hold no link token', () => {
  let parent: string;
  let dataDir: string;
  let server: LiveServer;
  let cookie: string;
  let csrfToken: string;

  beforeAll(async () => {
    // A DATA_DIR that does not exist yet: Coffer creates it, as on a first `npm start`.
    parent = mkdtempSync(path.join(os.tmpdir(), 'coffer-modes-'));
    dataDir = path.join(parent, 'data');
    // Completed requests are logged at debug (plugins/request-log.ts): the lines this test reads.
    server = await startLiveServer({ env: { DATA_DIR: dataDir, LOG_LEVEL: 'debug' } });
    const credentials = { username: 'mona', password: 'mona-password-1' };
    const json = { 'content-type': 'application/json' };
    expect((await fetch(`${server.url}/api/v1/auth/register`, { method: 'POST', headers: json, body: JSON.stringify({ name: 'Mona', email: 'mona@example.com', ...credentials }) })).status).toBe(201);
    const login = await fetch(`${server.url}/api/v1/auth/login`, { method: 'POST', headers: json, body: JSON.stringify(credentials) });
    cookie = login.headers.getSetCookie()[0]!.split(';')[0]!;
    csrfToken = ((await login.json()) as { csrfToken: string }).csrfToken;
  });
  afterAll(async () => {
    await server?.stop();
    rmSync(parent, { recursive: true, force: true });
  });

  it('creates the data folder 0700 and coffer.db, its -wal and -shm, the secret and the blobs 0600', async () => {
    const form = new FormData();
    form.append('file', new Blob([await fixture('sample.jpg')]), 'photo.jpg');
    expect((await fetch(`${server.url}/api/v1/files`, { method: 'POST', body: form, headers: { cookie, 'x-csrf-token': csrfToken } })).status).toBe(201);
    // The thumbnail is written by the background job.
    for (const deadline = Date.now() + 10_000; !everything(dataDir).some((p) => p.includes(`${path.sep}thumbnails${path.sep}`)) && Date.now() < deadline; ) await sleep(200);

    const entries = everything(dataDir);
    for (const name of ['coffer.db', 'coffer.db-wal', 'coffer.db-shm', 'secret.key']) expect(entries).toContain(path.join(dataDir, name));
    expect(entries.filter((p) => p.includes(`${path.sep}objects${path.sep}`) && statSync(p).isFile()).length).toBeGreaterThanOrEqual(1);
    const modes = entries.map((p) => `${path.relative(dataDir, p) || '.'} ${mode(p).toString(8)}`);
    const expected = entries.map((p) => `${path.relative(dataDir, p) || '.'} ${statSync(p).isDirectory() ? '700' : '600'}`);
    expect(modes).toEqual(expected);
  });

  it('logs public-link requests without their token', async () => {
    const form = new FormData();
    form.append('file', new Blob([await fixture('sample.png')]), 'shared.png');
    const uploaded = await fetch(`${server.url}/api/v1/files`, { method: 'POST', body: form, headers: { cookie, 'x-csrf-token': csrfToken } });
    const [file] = ((await uploaded.json()) as { items: Array<{ id: string }> }).items;
    const created = await fetch(`${server.url}/api/v1/files/${file!.id}/links`, { method: 'POST', body: '{}', headers: { cookie, 'x-csrf-token': csrfToken, 'content-type': 'application/json' } });
    expect(created.status).toBe(201);
    const { link } = (await created.json()) as { link: { url: string } };
    const token = link.url.split('/s/')[1]!;
    expect(token.length).toBeGreaterThan(10);

    expect((await fetch(`${server.url}/api/v1/links/${token}`)).status).toBe(200);
    expect((await fetch(`${server.url}/api/v1/links/${token}/content`)).status).toBe(200);
    await (await fetch(`${server.url}/s/${token}`)).arrayBuffer();
    await (await fetch(`${server.url}/api/v1/links/${token}/unlock`, { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } })).arrayBuffer();
    await sleep(300);

    const lines = server.log().split('\n').filter((line) => line.includes('/links/') || line.includes('/s/'));
    expect(lines.length).toBeGreaterThanOrEqual(4);
    expect(server.log()).not.toContain(token);
    expect(lines.some((line) => line.includes('"url":"/api/v1/links/[redacted]/content"'))).toBe(true);
    expect(lines.some((line) => line.includes('"url":"/s/[redacted]"'))).toBe(true);
  });
});
