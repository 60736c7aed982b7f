import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderNginxConfig } from '../../src/cluster/nginx-config.js';
import { startLiveServer, type LiveServer } from '../helpers/live-server.js';
import { freePort, ServerProcess, waitForPort } from '../helpers/processes.js';
import { requireOrSkip } from '../helpers/services.js';

const NGINX = '/usr/sbin/nginx';
const canRun = requireOrSkip(existsSync(NGINX) && ServerProcess.redis(0).installed, 'the dependency-outage test needs nginx (apt-get install nginx-light) and redis-server');

/**
 * A service every instance shares goes down (here: the sessions' Redis). Requests that need
 * it get Coffer's own 503; nginx must neither retry them elsewhere nor count them against
 * the instances, so requests that do not need Redis still go through.
 */
describe.runIf(canRun)('the generated nginx in front of an instance whose Redis is down', { timeout: 120_000 }, () => {
  let redis: ServerProcess;
  let server: LiveServer;
  let nginx: ChildProcess;
  let dir: string;
  let base: string;
  let cookie: string;
  let csrfToken: string;
  let pat: string;

  beforeAll(async () => {
    redis = ServerProcess.redis(await freePort());
    await redis.start();
    const secret = 'p'.repeat(64);
    server = await startLiveServer({ env: { SESSION_URL: `redis://127.0.0.1:${redis.port}/0`, TRUST_PROXY: '127.0.0.1', PROXY_SECRET: secret } });
    dir = mkdtempSync(path.join(os.tmpdir(), 'coffer-nginx-outage-'));
    for (const sub of ['logs', 'tmp']) mkdirSync(path.join(dir, sub));
    const port = await freePort();
    const instance = new URL(server.url).host;
    // The one instance twice: nginx ignores max_fails for a single server, and the point is
    // what passive health checks do.
    const config = renderNginxConfig({ dir, upstreams: [instance, instance], balance: 'round-robin', listen: `127.0.0.1:${port}`, maxUploadBytes: 1024 ** 3, accessLog: path.join(dir, 'logs', 'access.log'), proxySecret: secret, user: process.getuid?.() === 0 ? os.userInfo().username : undefined });
    writeFileSync(path.join(dir, 'nginx.conf'), config);
    nginx = spawn(NGINX, ['-p', dir, '-c', path.join(dir, 'nginx.conf'), '-e', path.join(dir, 'logs', 'error.log')], { stdio: 'ignore' });
    await waitForPort(port);
    base = `http://127.0.0.1:${port}`;

    const credentials = { username: 'otto', password: 'otto-password-1' };
    const json = { 'content-type': 'application/json' };
    expect((await fetch(`${base}/api/v1/auth/register`, { method: 'POST', headers: json, body: JSON.stringify({ name: 'Otto', email: 'otto@example.com', ...credentials }) })).status).toBe(201);
    const login = await fetch(`${base}/api/v1/auth/login`, { method: 'POST', headers: json, body: JSON.stringify(credentials) });
    expect(login.status).toBe(200);
    cookie = login.headers.getSetCookie()[0]!.split(';')[0]!;
    ({ csrfToken } = (await login.json()) as { csrfToken: string });
    const created = await fetch(`${base}/api/v1/tokens`, { method: 'POST', headers: { ...json, cookie, 'x-csrf-token': csrfToken }, body: JSON.stringify({ name: 'reader', scopes: ['files:read'] }) });
    expect(created.status).toBe(201);
    pat = ((await created.json()) as { secret: string }).secret;
  });
  afterAll(async () => {
    if (nginx && nginx.exitCode === null) {
      const exited = new Promise((resolve) => nginx.once('exit', resolve));
      nginx.kill('SIGTERM');
      await exited;
    }
    await server?.stop();
    await redis?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("passes Coffer's own 503 through and keeps serving requests that do not need Redis", async () => {
    expect((await fetch(`${base}/api/v1/files`, { headers: { authorization: `Bearer ${pat}` } })).status).toBe(200);
    await redis.stop();

    // Session lookups need Redis: several, so passive health checks would have counted
    // enough failures (max_fails=2) on both peers.
    for (let i = 0; i < 4; i++) {
      const response = await fetch(`${base}/api/v1/auth/me`, { headers: { cookie } });
      expect(response.status).toBe(503);
      expect(response.headers.get('x-coffer-instance'), 'the 503 came from Coffer, not from nginx').toBeTruthy();
      expect(await response.json()).toMatchObject({ code: 'unavailable', error: expect.stringContaining('session store') });
    }
    // A personal access token needs only the database: nginx still has a live upstream.
    for (let i = 0; i < 4; i++) {
      const response = await fetch(`${base}/api/v1/files`, { headers: { authorization: `Bearer ${pat}` } });
      expect(response.status, await response.clone().text()).toBe(200);
    }
    expect(readFileSync(path.join(dir, 'logs', 'error.log'), 'utf8')).not.toContain('no live upstreams');
  });

  it('answers an upload refused before its body is read (503) readably, through nginx and straight, and the next request works', async () => {
    await redis.stop();
    const form = new FormData();
    form.append('file', new Blob([Buffer.alloc(4 * 1024 * 1024, 1)]), 'big.jpg');
    for (const url of [base, server.url]) {
      for (let i = 0; i < 3; i++) {
        const refused = await fetch(`${url}/api/v1/files`, { method: 'POST', body: form, headers: { cookie, 'x-csrf-token': csrfToken } });
        expect(refused.status).toBe(503);
        expect(await refused.json()).toMatchObject({ code: 'unavailable' });
        // Coffer ends the connection it did not read to the end (nginx keeps its client's).
        if (url === server.url) expect(refused.headers.get('connection')).toBe('close');
        const next = await fetch(`${url}/api/v1/files`, { headers: { authorization: `Bearer ${pat}` } });
        expect(next.status).toBe(200);
      }
    }
  });
});
