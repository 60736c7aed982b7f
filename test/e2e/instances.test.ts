import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixture } from '../helpers/app.js';
import { profileName, provisionBackends, serverStatus, type ProvisionedBackends } from '../helpers/backends.js';
import { paddedMedia, streamDownload, streamUpload } from '../helpers/http-client.js';
import { startLiveServer, type LiveServer } from '../helpers/live-server.js';
import { requireOrSkip } from '../helpers/services.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const MiB = 1024 ** 2;

/**
 * Instances that share only the database, the blob store and the session store. On the
 * embedded profile they share a SQLite file and a blob folder on this machine, with Redis
 * for sessions (memory sessions cannot be shared).
 */
describe('several instances on shared backends', () => {
  let backends: ProvisionedBackends;
  let dataDir: string;
  let env: Record<string, string>;
  const servers: LiveServer[] = [];
  let runnable = true;

  beforeAll(async () => {
    const redis = await serverStatus('redis');
    if (profileName === 'embedded') runnable = requireOrSkip(redis.up, redis.howToStart);
    if (!runnable) return;
    backends = await provisionBackends();
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'coffer-shared-'));
    env = { ...backends.env, ...(profileName === 'embedded' ? { SESSION_URL: `${redis.url}?prefix=shared${process.pid}:` } : {}) };
  });
  afterAll(async () => {
    for (const server of servers) await server.stop();
    if (!runnable) return;
    await backends.cleanup();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const start = async (instanceId: string) => {
    const server = await startLiveServer({ shared: { dataDir, env: { ...env, INSTANCE_ID: instanceId } } });
    servers.push(server);
    return server;
  };

  it('keeps a session made on one instance valid on the other, and serves uploads from either', async () => {
    if (!runnable) return;
    const [one, two] = [await start('one'), await start('two')];
    const credentials = { username: 'roaming', password: 'roaming-password' };
    expect((await fetch(`${one.url}/api/v1/auth/register`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'R', email: 'r@example.com', ...credentials }) })).status).toBe(201);
    const login = await fetch(`${one.url}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(credentials) });
    const cookie = login.headers.getSetCookie()[0]!.split(';')[0]!;
    const { csrfToken } = (await login.json()) as { csrfToken: string };

    const me = await fetch(`${two.url}/api/v1/auth/me`, { headers: { cookie } });
    expect(me.status).toBe(200);
    expect(me.headers.get('x-coffer-instance')).toBe('two');

    const jpg = await fixture('sample.jpg');
    const form = new FormData();
    form.append('file', new Blob([jpg]), 'shared.jpg');
    const uploaded = await fetch(`${one.url}/api/v1/files`, { method: 'POST', body: form, headers: { cookie, 'x-csrf-token': csrfToken } });
    expect(uploaded.status).toBe(201);
    const [file] = ((await uploaded.json()) as { items: Array<{ urls: { content: string } }> }).items;
    const download = await fetch(`${two.url}${file!.urls.content}`, { headers: { cookie } });
    expect(Buffer.from(await download.arrayBuffer()).equals(jpg)).toBe(true);

    // Signing out on one instance ends the session on both.
    expect((await fetch(`${two.url}/api/v1/auth/logout`, { method: 'POST', headers: { cookie, 'x-csrf-token': csrfToken } })).status).toBe(204);
    expect((await fetch(`${one.url}/api/v1/auth/me`, { headers: { cookie } })).status).toBe(401);
  });

  it('leaves nothing behind when an instance dies in the middle of an upload', async () => {
    if (!runnable) return;
    const victim = await start('victim');
    const authorization = `Basic ${Buffer.from('roaming:roaming-password').toString('base64')}`;
    const header = await fixture('sample.mp4');
    const before = ((await (await fetch(`${victim.url}/api/v1/files`, { headers: { authorization } })).json()) as { items: unknown[] }).items.length;

    const body = paddedMedia(header, 400 * MiB);
    let sent = 0;
    body.on('data', (chunk: Buffer) => {
      sent += chunk.length;
      if (sent > 40 * MiB && sent - chunk.length <= 40 * MiB) void victim.crash();
    });
    await expect(streamUpload(`${victim.url}/api/v1/files`, authorization, 'doomed.mp4', 400 * MiB, body)).rejects.toThrow();

    const survivor = await start('survivor');
    const after = ((await (await fetch(`${survivor.url}/api/v1/files`, { headers: { authorization } })).json()) as { items: unknown[] }).items.length;
    expect(after).toBe(before);
    const fsck = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'fsck', '--min-age', '0'], { cwd: ROOT, env: { ...process.env, ...env, DATA_DIR: dataDir, LOG_LEVEL: 'silent' }, encoding: 'utf8', timeout: 60_000 });
    expect(fsck.stdout.trim().split('\n').at(-1)).toBe('fsck: 0 orphan(s), 0 missing, 0 removed');
    expect(fsck.status).toBe(0);

    // The survivor still takes big uploads.
    const upload = await streamUpload(`${survivor.url}/api/v1/files`, authorization, 'fine.mp4', 20 * MiB, paddedMedia(header, 20 * MiB));
    expect(upload.status).toBe(201);
    const download = await streamDownload(`${survivor.url}${upload.json.items[0].urls.content}`, { authorization });
    expect(download.sha256).toBe(upload.sha256);
  });
});
