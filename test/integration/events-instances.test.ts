import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { provisionBackends, serverStatus, type ProvisionedBackends } from '../helpers/backends.js';
import { startLiveServer, type LiveServer } from '../helpers/live-server.js';
import { startLiveWorker, type LiveWorker } from '../helpers/live-worker.js';
import { requireOrSkip } from '../helpers/services.js';
import { isStepFor, SseClient, stepOf } from '../helpers/sse.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const image = (seed: number) => sharp({ create: { width: 16, height: 16, channels: 3, background: { r: seed % 256, g: 200, b: 3 } } }).png().toBuffer();
/** Log lines come through a pipe and may trail the event that went through Redis. */
async function logged(process: { log(): string }, text: string): Promise<boolean> {
  for (const deadline = Date.now() + 5000; Date.now() < deadline; await sleep(50)) if (process.log().includes(text)) return true;
  return false;
}
const residentBytes = (pid: number) => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) * 1024;

const redis = await serverStatus('redis');
const canRun = requireOrSkip(redis.up, `live events across instances need Redis: ${redis.howToStart}`);

/**
 * Real processes on one database, blob store and Redis (the profile's, plus Redis pub/sub
 * for events): a step worked by one instance, or by `coffer worker`, reaches a stream held
 * by another instance. Accounts use HTTP Basic, so the embedded profile's in-memory sessions
 * need not be shared.
 */
describe.runIf(canRun)('live events across instances', () => {
  let backends: ProvisionedBackends;
  let dataDir: string;
  let env: Record<string, string>;
  const running: Array<LiveServer | LiveWorker> = [];
  const clients: SseClient[] = [];
  const users = { alice: 'alice-password-1', bob: 'bob-password-1' };
  const basic = (name: keyof typeof users) => `Basic ${Buffer.from(`${name}:${users[name]}`).toString('base64')}`;

  beforeAll(async () => {
    backends = await provisionBackends();
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'coffer-events-'));
    env = {
      ...backends.env,
      EVENTS_URL: `${redis.url}?prefix=events-${process.pid}-${randomBytes(4).toString('hex')}`,
      EVENTS_HEARTBEAT_SECONDS: '1',
      EVENTS_MAX_STREAMS_PER_USER: '1000',
      JOBS_SWEEP_SECONDS: '1',
    };
  });
  afterAll(async () => {
    for (const client of clients) client.close();
    for (const process of running.reverse()) await ('crash' in process ? process.crash() : undefined);
    await backends?.cleanup();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  const server = async (extra: Record<string, string>) => {
    const started = await startLiveServer({ shared: { dataDir, env: { ...env, ...extra } } });
    running.push(started);
    return started;
  };
  const stream = async (at: LiveServer, who: keyof typeof users) => {
    const client = await SseClient.open(`${at.url}/api/v1/events`, { authorization: basic(who) });
    clients.push(client);
    expect(client.response.status).toBe(200);
    await client.ready();
    return client;
  };
  const upload = async (at: LiveServer, who: keyof typeof users, seed: number) => {
    const form = new FormData();
    form.append('file', new Blob([await image(seed)]), `photo-${seed}.png`);
    const response = await fetch(`${at.url}/api/v1/files`, { method: 'POST', body: form, headers: { authorization: basic(who) } });
    expect(response.status).toBe(201);
    return ((await response.json()) as { items: Array<{ id: string }> }).items[0]!.id;
  };

  let a: LiveServer;
  let b: LiveServer;

  it('a step worked by one instance reaches the owner\'s stream on another, and only the owner\'s', async () => {
    // A works jobs; B works none, so whatever B's streams hear came through Redis.
    a = await server({ INSTANCE_ID: 'events-a' });
    b = await server({ INSTANCE_ID: 'events-b', JOBS_WORKER: '0' });
    for (const [username, password] of Object.entries(users)) {
      const registered = await fetch(`${a.url}/api/v1/auth/register`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: username, username, email: `${username}@example.com`, password }) });
      expect(registered.status).toBe(201);
    }
    const [alice, bob] = [await stream(b, 'alice'), await stream(b, 'bob')];
    const fileId = await upload(a, 'alice', 1);
    const step = stepOf(await alice.next(isStepFor(fileId)));
    expect(step.status).toBe('done');
    expect(step.file.urls.thumbnail).toBeDefined();
    expect(await logged(a, '"job done"')).toBe(true);
    expect(b.log()).not.toContain('"job done"');
    await sleep(500);
    expect(bob.events.filter((event) => event.event === 'file.step')).toEqual([]);
  }, 90_000);

  it('a step worked by `coffer worker` reaches a stream on a web instance that works none', async () => {
    await a.stop();
    const worker = await startLiveWorker(dataDir, env);
    running.push(worker);
    const alice = await stream(b, 'alice');
    const fileId = await upload(b, 'alice', 2);
    expect(stepOf(await alice.next(isStepFor(fileId), 30_000)).status).toBe('done');
    expect(await logged(worker, '"job done"')).toBe(true);
    expect(b.log()).not.toContain('"job done"');
  }, 90_000);

  it('holds many idle streams in flat memory, and SIGTERM ends them all at once', async () => {
    // Warm up the paths (first stream, first heartbeat), then measure.
    const warm = await Promise.all(Array.from({ length: 20 }, () => stream(b, 'alice')));
    for (const client of warm) client.close();
    await sleep(1500);
    const before = residentBytes(b.pid);
    const STREAMS = 300;
    const idle: SseClient[] = [];
    for (let i = 0; i < STREAMS; i += 50) idle.push(...(await Promise.all(Array.from({ length: 50 }, () => stream(b, i % 100 === 0 ? 'alice' : 'bob')))));
    const opened = residentBytes(b.pid);
    // Several heartbeats over every stream: nothing accumulates per stream or per beat.
    await sleep(5000);
    const later = residentBytes(b.pid);
    const perStream = (opened - before) / STREAMS;
    console.log(`live events: ${STREAMS} idle streams, ${Math.round(perStream / 1024)} KiB each; ${Math.round((later - opened) / 1024)} KiB more after 5 heartbeats`);
    expect(perStream).toBeLessThan(64 * 1024);
    expect(later - opened).toBeLessThan(8 * 1024 * 1024);
    for (const client of idle) expect(client.comments.filter((comment) => comment === 'ping').length).toBeGreaterThanOrEqual(3);

    const started = Date.now();
    await b.stop();
    await Promise.all(idle.map((client) => client.ended));
    expect(Date.now() - started).toBeLessThan(5000);
    expect(b.log()).not.toContain('graceful shutdown timed out');
  }, 120_000);
});
