import { readdirSync, readlinkSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLiveServer, type LiveServer } from '../helpers/live-server.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A raw connection: what the server sent, and when it closed. */
function connect(url: string) {
  const { hostname, port } = new URL(url);
  const socket = net.connect({ host: hostname, port: Number(port) });
  let received = '';
  socket.on('data', (chunk: Buffer) => (received += chunk.toString()));
  socket.on('error', () => {});
  const closed = new Promise<number>((resolve) => socket.once('close', () => resolve(Date.now())));
  const open = new Promise<void>((resolve) => socket.once('connect', () => resolve()));
  return { socket, open, closed, received: () => received };
}

const openDescriptors = (pid: number) => readdirSync(`/proc/${pid}/fd`).length;

/** The process's descriptors that point into a folder (each open temporary blob). */
function descriptorsInto(pid: number, folder: string) {
  let count = 0;
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      if (readlinkSync(`/proc/${pid}/fd/${fd}`).startsWith(folder + path.sep)) count++;
    } catch {
      // closed while we looked
    }
  }
  return count;
}

describe('slow and stalled request bodies are cut off and leave nothing behind', () => {
  let server: LiveServer;
  let cookie: string;
  let csrfToken: string;

  beforeAll(async () => {
    server = await startLiveServer({ env: { BODY_TIMEOUT_SECONDS: '2', UPLOAD_IDLE_TIMEOUT_SECONDS: '2' } });
    const credentials = { username: 'sloane', password: 'sloane-password-1' };
    const json = { 'content-type': 'application/json' };
    expect((await fetch(`${server.url}/api/v1/auth/register`, { method: 'POST', headers: json, body: JSON.stringify({ name: 'Sloane', email: 'sloane@example.com', ...credentials }) })).status).toBe(201);
    const login = await fetch(`${server.url}/api/v1/auth/login`, { method: 'POST', headers: json, body: JSON.stringify(credentials) });
    cookie = login.headers.getSetCookie()[0]!.split(';')[0]!;
    csrfToken = ((await login.json()) as { csrfToken: string }).csrfToken;
  });
  afterAll(() => server?.stop());

  it('answers a sign-in body trickled a byte at a time with a 408 within the deadline, and closes the connection', async () => {
    const client = connect(server.url);
    await client.open;
    const started = Date.now();
    client.socket.write('POST /api/v1/auth/login HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 200\r\n\r\n{');
    const trickle = setInterval(() => client.socket.writable && client.socket.write(' '), 300);
    try {
      const closedAt = await Promise.race([client.closed, sleep(12_000).then(() => undefined)]);
      expect(closedAt, 'the server kept the trickled body open for 12 s').toBeDefined();
      expect(closedAt! - started).toBeLessThan(2000 + 5000 + 2000);
      expect(client.received()).toMatch(/^HTTP\/1\.1 408 /);
      expect(client.received()).toMatch(/connection: close/i);
      expect(client.received()).toContain('"code":"request_timeout"');
    } finally {
      clearInterval(trickle);
      client.socket.destroy();
    }
  });

  it('aborts 50 stalled uploads after the idle timeout: no temporary file, no descriptor left', async () => {
    const tmp = path.join(server.dataDir, 'blobs', 'tmp');
    const baseline = openDescriptors(server.pid);
    const boundary = '----coffer-stalled';
    const head = `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="stalled.jpg"\r\nContent-Type: image/jpeg\r\n\r\n`;
    const jpeg = Buffer.alloc(64 * 1024);
    Buffer.from([0xff, 0xd8, 0xff, 0xe0]).copy(jpeg);
    const clients = Array.from({ length: 50 }, () => connect(server.url));
    await Promise.all(clients.map((client) => client.open));
    for (const client of clients) {
      client.socket.write(
        `POST /api/v1/files HTTP/1.1\r\nHost: localhost\r\nCookie: ${cookie}\r\nX-CSRF-Token: ${csrfToken}\r\n` +
          `Content-Type: multipart/form-data; boundary=${boundary}\r\nContent-Length: ${10 * 1024 * 1024}\r\n\r\n${head}`,
      );
      client.socket.write(jpeg);
    }
    // Every upload is in flight: a temporary blob each, and a socket and a file descriptor each.
    for (const deadline = Date.now() + 10_000; readdirSync(tmp).length < 50 && Date.now() < deadline; ) await sleep(100);
    expect(readdirSync(tmp)).toHaveLength(50);
    // Counted by what they point at, not against the baseline: another descriptor (a pooled
    // connection, the log) may close meanwhile.
    expect(descriptorsInto(server.pid, tmp)).toBe(50);
    expect(openDescriptors(server.pid)).toBeGreaterThanOrEqual(baseline + 50);

    // Then nothing more arrives: 2 s idle, then at most 5 s lingering before the close.
    const closed = await Promise.race([Promise.all(clients.map((client) => client.closed)), sleep(15_000).then(() => undefined)]);
    try {
      expect(closed, 'the server kept stalled uploads open for 15 s').toBeDefined();
      for (const client of clients) expect(client.received()).toMatch(/^HTTP\/1\.1 408 [\s\S]*"code":"request_timeout"/);
      expect(readdirSync(tmp)).toEqual([]);
      expect(descriptorsInto(server.pid, tmp)).toBe(0);
      for (const deadline = Date.now() + 3000; openDescriptors(server.pid) > baseline + 3 && Date.now() < deadline; ) await sleep(100);
      expect(openDescriptors(server.pid)).toBeLessThanOrEqual(baseline + 3);
      const list = await fetch(`${server.url}/api/v1/files`, { headers: { cookie } });
      expect(((await list.json()) as { items: unknown[] }).items).toEqual([]);
    } finally {
      for (const client of clients) client.socket.destroy();
    }
  });
});
