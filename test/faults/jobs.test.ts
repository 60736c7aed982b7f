import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import sharp from 'sharp';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { connectDatabase, type Db } from '../../src/db/connect.js';
import type { JobRow } from '../../src/db/schema.js';
import { provisionBackends, serverStatus, type ProvisionedBackends } from '../helpers/backends.js';
import { startLiveServer, type LiveServer } from '../helpers/live-server.js';
import { startLiveWorker, type LiveWorker } from '../helpers/live-worker.js';
import { requireOrSkip } from '../helpers/services.js';

const FILES = 50;
const USER = { username: 'crasher', password: 'crasher-password-1' };
const authorization = `Basic ${Buffer.from(`${USER.username}:${USER.password}`).toString('base64')}`;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** One job at a time, a short time limit (so a dead process's lease passes soon) and a quick sweep. */
const JOB_SETTINGS = { JOBS_CONCURRENCY: '1', JOB_TIMEOUT_SECONDS: '6', JOBS_SWEEP_SECONDS: '1', JOB_RETRY_SECONDS: '1' };

/**
 * Background work survives a SIGKILL: 50 thumbnails are queued, the process doing them is
 * killed by PID before they are done, and after a restart (or by the survivors) every file
 * gets its thumbnail and none is made twice — on the in-process engine, on BullMQ with two
 * instances, and with `coffer worker` doing the work for a web instance that does none.
 */
describe('durable jobs across crashes', () => {
  let images: Buffer[];
  beforeAll(async () => {
    // Photo-sized noise takes sharp long enough that a kill lands mid-queue.
    images = await Promise.all(
      Array.from({ length: FILES }, () => sharp({ create: { width: 1600, height: 1200, channels: 3, background: '#808080', noise: { type: 'gaussian', mean: 128, sigma: 50 } } }).jpeg({ quality: 90 }).toBuffer()),
    );
  });

  let backends: ProvisionedBackends;
  let dataDir: string;
  let env: Record<string, string>;
  let db: Db;
  let servers: LiveServer[] = [];
  let workers: LiveWorker[] = [];

  const setUp = async (extra: Record<string, string> = {}) => {
    backends = await provisionBackends();
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'coffer-jobs-'));
    env = { ...backends.env, ...JOB_SETTINGS, ...extra };
  };
  afterEach(async () => {
    for (const worker of workers) await worker.crash();
    for (const server of servers) await server.stop();
    await db?.destroy();
    await backends?.cleanup();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
    servers = [];
    workers = [];
  });
  afterAll(() => {});

  const server = async (extra: Record<string, string> = {}) => {
    const started = await startLiveServer({ shared: { dataDir, env: { ...env, ...extra } } });
    servers.push(started);
    return started;
  };
  const worker = async () => {
    const started = await startLiveWorker(dataDir, env);
    workers.push(started);
    return started;
  };
  const openDb = async () => (db = await connectDatabase(env.DATABASE_URL ?? `sqlite:${path.join(dataDir, 'coffer.db')}`, { poolSize: 2 }));
  const jobRows = async () => new Map((await db.selectFrom('jobs').selectAll().execute()).map((row) => [row.id, row] as const));

  const uploadAll = async (url: string) => {
    await fetch(`${url}/api/v1/auth/register`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'Crasher', email: 'crasher@example.com', ...USER }) });
    const form = new FormData();
    images.forEach((image, i) => form.append('file', new Blob([image]), `photo-${i}.jpg`));
    const response = await fetch(`${url}/api/v1/files`, { method: 'POST', body: form, headers: { authorization } });
    expect(response.status).toBe(201);
    return ((await response.json()) as { items: Array<{ id: string }> }).items.map((file) => file.id);
  };

  /** The jobs' rows right after the kill: some done, at most one running, the rest queued. */
  const snapshotAfterKill = async () => {
    await openDb();
    const rows = await jobRows();
    const done = [...rows.values()].filter((row) => row.status === 'done').length;
    expect(rows.size).toBe(FILES);
    expect(done, 'the kill came after every thumbnail was made: nothing was tested').toBeLessThan(FILES);
    return rows;
  };

  const waitUntilAllDone = async () => {
    const deadline = Date.now() + 90_000;
    for (;;) {
      const rows = [...(await jobRows()).values()];
      if (rows.every((row) => row.status === 'done')) return;
      if (Date.now() > deadline) throw new Error(`not every job finished: ${JSON.stringify(rows.filter((row) => row.status !== 'done').map((row) => [row.status, row.attempts, row.last_error]))}`);
      await sleep(200);
    }
  };

  /**
   * None twice: a job done before the kill was not run again; one queued (or running in a
   * process still alive) ran once; only one the kill interrupted ran a second time. The
   * logs agree: at most one "job done" each.
   */
  const expectEachOnce = async (before: Map<string, JobRow>, killed: string, logs: string[], url: string) => {
    const after = await jobRows();
    for (const [id, row] of before) {
      const now = after.get(id)!;
      const interrupted = row.status === 'running' && row.locked_by?.startsWith(`${killed}:`);
      if (row.status === 'done') expect(now).toEqual(row);
      else expect(Number(now.attempts), JSON.stringify({ before: row, after: now })).toBe(interrupted ? 2 : 1);
    }
    const doneLines = new Map<string, number>();
    for (const line of logs.join('\n').split('\n')) {
      if (!line.includes('"job done"')) continue;
      const { job } = JSON.parse(line) as { job: string };
      doneLines.set(job, (doneLines.get(job) ?? 0) + 1);
    }
    expect(Math.max(...doneLines.values())).toBe(1);

    const list = (await (await fetch(`${url}/api/v1/files?limit=200`, { headers: { authorization } })).json()) as { items: Array<{ processing: { status: string }; urls: { thumbnail?: string } }> };
    expect(list.items).toHaveLength(FILES);
    for (const file of list.items) {
      expect(file.processing.status).toBe('done');
      const thumbnail = await fetch(`${url}${file.urls.thumbnail}`, { headers: { authorization } });
      expect(thumbnail.status).toBe(200);
      expect(thumbnail.headers.get('content-type')).toBe('image/webp');
      await thumbnail.arrayBuffer();
    }
  };

  it('in-process: a SIGKILL with thumbnails queued, then a restart on the same data', async () => {
    await setUp();
    const first = await server({ INSTANCE_ID: 'first' });
    await uploadAll(first.url);
    await first.crash();
    const before = await snapshotAfterKill();

    const second = await server();
    await waitUntilAllDone();
    await expectEachOnce(before, 'first', [first.log(), second.log()], second.url);
  }, 180_000);

  it('BullMQ on Redis: two instances, one killed; the other finishes the work, once', async () => {
    const redis = await serverStatus('redis');
    if (!requireOrSkip(redis.up, redis.howToStart)) return;
    await setUp({ JOBS_URL: `${redis.url}?prefix=jobs-crash-${process.pid}-${randomBytes(4).toString('hex')}` });
    const [victim, survivor] = [await server({ INSTANCE_ID: 'victim' }), await server({ INSTANCE_ID: 'survivor' })];
    await uploadAll(victim.url);
    await victim.crash();
    const before = await snapshotAfterKill();

    await waitUntilAllDone();
    // The victim comes back too, and finds nothing left to do.
    const back = await server({ INSTANCE_ID: 'victim' });
    await sleep(1500);
    await expectEachOnce(before, 'victim', [victim.log(), survivor.log(), back.log()], survivor.url);
    expect(back.log()).not.toContain('"job done"');
  }, 180_000);

  it('coffer worker: the web instance works none; a killed worker is replaced, SIGTERM stops one cleanly', async () => {
    await setUp();
    const web = await server({ JOBS_WORKER: '0' });
    const first = await worker();
    await uploadAll(web.url);
    // Let the worker get going, then kill it mid-queue.
    await openDb();
    while (![...(await jobRows()).values()].some((row) => row.status === 'done')) await sleep(20);
    await first.crash();
    const before = await snapshotAfterKill();

    const second = await worker();
    await waitUntilAllDone();
    await expectEachOnce(before, `coffer-${first.pid}`, [first.log(), second.log()], web.url);
    expect(web.log()).not.toContain('"job done"');
    expect(second.log()).toContain('"job done"');
    expect(await second.stop()).toBe(0);
  }, 180_000);
});
