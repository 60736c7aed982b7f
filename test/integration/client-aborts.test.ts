import { readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLiveServer, type LiveServer } from '../helpers/live-server.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * A player seeking through a video abandons ranges all the time: the client closing the
 * connection mid-response is normal, not a server error to log at `error` (it was, once per
 * abandoned range: "request failed", Premature close).
 */
describe('a client that goes away mid-download', () => {
  let server: LiveServer;
  let auth: string;
  let fileId: string;

  beforeAll(async () => {
    server = await startLiveServer({ env: { LOG_LEVEL: 'info' } });
    const credentials = { username: 'seeker', password: 'seeker-password-1' };
    const register = await fetch(`${server.url}/api/v1/auth/register`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'Seeker', email: 'seeker@example.com', ...credentials }) });
    expect(register.status).toBe(201);
    auth = `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}`;
    const video = Buffer.concat([readFileSync(path.join(import.meta.dirname, '../fixtures/sample.mp4')), Buffer.alloc(24 << 20, 7)]);
    const form = new FormData();
    form.append('file', new Blob([video], { type: 'video/mp4' }), 'long.mp4');
    const upload = await fetch(`${server.url}/api/v1/files`, { method: 'POST', headers: { authorization: auth }, body: form });
    expect(upload.status).toBe(201);
    fileId = ((await upload.json()) as { items: Array<{ id: string }> }).items[0]!.id;
  });
  afterAll(() => server?.stop());

  it('is not logged as a failed request', async () => {
    const { hostname, port } = new URL(server.url);
    for (let i = 0; i < 20; i++) {
      const socket = net.connect({ host: hostname, port: Number(port) });
      socket.on('error', () => {});
      await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
      const start = i * 1_000_000;
      socket.write(`GET /api/v1/files/${fileId}/content HTTP/1.1\r\nHost: localhost\r\nAuthorization: ${auth}\r\nRange: bytes=${start}-\r\n\r\n`);
      // The client leaves after the first bytes, or before any answer.
      if (i % 2 === 0) await new Promise<void>((resolve) => socket.once('data', () => resolve()));
      else await sleep(i % 4 === 1 ? 0 : 2);
      socket.destroy();
    }
    await sleep(500);
    const lines = server.log().split('\n').filter((line) => line.startsWith('{')).map((line) => JSON.parse(line) as { level: number; msg: string });
    expect(lines.filter((line) => line.level >= 40)).toEqual([]);
    expect((await fetch(`${server.url}/api/v1/files/${fileId}/content`, { headers: { authorization: auth, range: 'bytes=0-9' } })).status).toBe(206);
  });
});
