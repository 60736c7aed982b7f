import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLiveServer, type LiveServer } from '../helpers/live-server.js';

const MiB = 1024 * 1024;

/** A multipart body of one part named "file" holding `size` bytes of a JPEG-looking file. */
function upload(size: number): { body: Buffer; headers: Record<string, string> } {
  const boundary = '----coffer-early';
  const head = Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.jpg"\r\nContent-Type: image/jpeg\r\n\r\n`);
  const jpeg = Buffer.alloc(size);
  Buffer.from([0xff, 0xd8, 0xff, 0xe0]).copy(jpeg);
  return { body: Buffer.concat([head, jpeg, Buffer.from(`\r\n--${boundary}--\r\n`)]), headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } };
}

/** What the client saw: a status and body, or the network error instead. */
async function attempt(request: () => Promise<Response>): Promise<{ status: number; code?: string; connection?: string | null } | { error: string }> {
  try {
    const response = await request();
    const text = await response.text();
    return { status: response.status, code: text.startsWith('{') ? (JSON.parse(text) as { code: string }).code : undefined, connection: response.headers.get('connection') };
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    return { error: cause?.code ?? cause?.message ?? String(error) };
  }
}

/** Requests on one keep-alive http.Agent with a single socket: the second rides the first's connection if it stays open. */
function onOneSocket(agent: http.Agent, url: string, options: http.RequestOptions, body?: Buffer): Promise<{ status: number; body: string } | { error: string }> {
  return new Promise((resolve) => {
    const request = http.request(url, { ...options, agent }, (response) => {
      let text = '';
      response.on('data', (chunk: Buffer) => (text += chunk.toString()));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body: text }));
      response.on('error', (error: NodeJS.ErrnoException) => resolve({ error: error.code ?? error.message }));
    });
    request.on('error', (error: NodeJS.ErrnoException) => resolve({ error: error.code ?? error.message }));
    // A poisoned socket never answers: give up after a while instead of hanging the test.
    request.setTimeout(10_000, () => request.destroy(Object.assign(new Error('no answer in 10 s'), { code: 'TIMEOUT' })));
    request.end(body);
  });
}

describe('early error responses (answered before the body is read) reach the client, and the next request works', () => {
  let server: LiveServer;
  let basic: string;

  beforeAll(async () => {
    server = await startLiveServer({ env: { MAX_UPLOAD_BYTES: '1MiB' } });
    const credentials = { username: 'erin', password: 'erin-password-1' };
    const registered = await fetch(`${server.url}/api/v1/auth/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Erin', email: 'erin@example.com', ...credentials }),
    });
    expect(registered.status).toBe(201);
    basic = `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}`;
  });
  afterAll(() => server?.stop());

  it('answers an upload over MAX_UPLOAD_BYTES with a readable 413 and Connection: close; the next fetch succeeds', async () => {
    const { body, headers } = upload(8 * MiB);
    for (let round = 0; round < 3; round++) {
      const tooLarge = await attempt(() => fetch(`${server.url}/api/v1/files`, { method: 'POST', body, headers: { ...headers, authorization: basic } }));
      expect(tooLarge).toEqual({ status: 413, code: 'too_large', connection: 'close' });
      const next = await attempt(() => fetch(`${server.url}/api/v1/files`, { headers: { authorization: basic } }));
      expect(next).toMatchObject({ status: 200 });
    }
  });

  it('answers a 10 MB sign-in body with its 413, not a reset', async () => {
    const body = JSON.stringify({ username: 'erin', password: 'x'.repeat(10 * MiB) });
    for (let round = 0; round < 3; round++) {
      const tooLarge = await attempt(() => fetch(`${server.url}/api/v1/auth/login`, { method: 'POST', body, headers: { 'content-type': 'application/json' } }));
      expect(tooLarge).toEqual({ status: 413, code: 'too_large', connection: 'close' });
      expect(await attempt(() => fetch(`${server.url}/healthz`))).toMatchObject({ status: 200 });
    }
  });

  it('answers an anonymous upload with a readable 401 while its body is still coming', async () => {
    const { body, headers } = upload(16 * MiB);
    for (let round = 0; round < 3; round++) {
      const refused = await attempt(() => fetch(`${server.url}/api/v1/files`, { method: 'POST', body, headers }));
      expect(refused).toEqual({ status: 401, code: 'unauthenticated', connection: 'close' });
      expect(await attempt(() => fetch(`${server.url}/healthz`))).toMatchObject({ status: 200 });
    }
  });

  it('never leaves a keep-alive socket that resets the next request', async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const { body, headers } = upload(3 * MiB);
      const first = await onOneSocket(agent, `${server.url}/api/v1/files`, { method: 'POST', headers: { ...headers, authorization: basic, 'content-length': String(body.length) } }, body);
      expect(first).toMatchObject({ status: 413 });
      const second = await onOneSocket(agent, `${server.url}/api/v1/files`, { headers: { authorization: basic } });
      expect(second).toMatchObject({ status: 200 });
    } finally {
      agent.destroy();
    }
  });
});
