/**
 * Background jobs, as deployed (dist/, so run `npx tsc -p tsconfig.build.json` first; `npm
 * run bench` does):
 *  1. Jobs (real thumbnails of 640×480 photos) processed per second by 1 and by 2
 *     `coffer worker` processes on BullMQ (Redis on 127.0.0.1), the web instance working none.
 *  2. p95 of the authenticated file list (GET /api/v1/files?limit=50) while idle and during
 *     a burst of 500 uploads (8 at a time) whose thumbnails the same instance makes.
 * Prints Markdown and writes bench/results/jobs.md. Everything runs on the embedded SQLite
 * and blob folder in a temporary DATA_DIR, removed at the end; Redis keys under a prefix of
 * its own are removed too.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import os from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { Redis } from 'ioredis';
import sharp from 'sharp';
import { connectDatabase } from '../src/db/connect.js';
import { cofferNodeFlags, uncachedListingPart } from './lib.js';

const ROOT = path.resolve(import.meta.dirname, '..');
const REDIS = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379/0';
const THUMBNAIL_JOBS = 200;
const BURST = 500;
const USER = { username: 'bencher', password: 'bencher-password-1' };
const authorization = `Basic ${Buffer.from(`${USER.username}:${USER.password}`).toString('base64')}`;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const children: ChildProcess[] = [];

function start(command: 'serve' | 'worker', dataDir: string, env: Record<string, string>): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [...cofferNodeFlags(), path.join(ROOT, 'dist', 'cli.js'), command], {
    // Thumbnails only: the faces step (bench/faces.ts measures it) would run beside every one.
    env: { ...process.env, DATA_DIR: dataDir, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info', MALLOC_ARENA_MAX: '2', FACES_ENABLED: '0', ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  children.push(child);
  return new Promise((resolve, reject) => {
    let output = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      output = (output + chunk.toString()).slice(-10_000);
      const listening = /Server listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(output);
      if (command === 'serve' && listening) resolve({ child, url: listening[1]! });
      if (command === 'worker' && output.includes('worker started')) resolve({ child, url: '' });
    });
    child.once('exit', (code) => reject(new Error(`coffer ${command} exited with ${code}: ${output}`)));
  });
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

const photo = () => sharp({ create: { width: 640, height: 480, channels: 3, background: '#808080', noise: { type: 'gaussian', mean: 128, sigma: 40 } } }).jpeg().toBuffer();

async function register(url: string): Promise<void> {
  await fetch(`${url}/api/v1/auth/register`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'Bench', email: 'bench@example.com', ...USER }) });
}

async function upload(url: string, images: Buffer[]): Promise<void> {
  const form = new FormData();
  images.forEach((image, i) => form.append('file', new Blob([image]), `p${i}.jpg`));
  const response = await fetch(`${url}/api/v1/files`, { method: 'POST', body: form, headers: { authorization } });
  if (response.status !== 201) throw new Error(`upload: ${response.status} ${await response.text()}`);
  await response.arrayBuffer();
}

/** 1 and then 2 workers: the time from the first worker start until every job is done. */
async function workerThroughput(images: Buffer[]): Promise<Array<{ workers: number; perSecond: number }>> {
  const results: Array<{ workers: number; perSecond: number }> = [];
  for (const workers of [1, 2]) {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'coffer-bench-jobs-'));
    const prefix = `bench-jobs-${process.pid}-${randomBytes(3).toString('hex')}`;
    const env = { JOBS_URL: `${REDIS}?prefix=${prefix}`, JOBS_CONCURRENCY: '2' };
    const web = await start('serve', dataDir, { ...env, JOBS_WORKER: '0' });
    await register(web.url);
    for (let i = 0; i < images.length; i += 50) await upload(web.url, images.slice(i, i + 50));
    const db = await connectDatabase(`sqlite:${path.join(dataDir, 'coffer.db')}`, { poolSize: 1 });
    const started = Date.now();
    const running = await Promise.all(Array.from({ length: workers }, () => start('worker', dataDir, env)));
    for (;;) {
      const left = await db.selectFrom('jobs').select((eb) => eb.fn.countAll<number>().as('n')).where('status', '!=', 'done').executeTakeFirstOrThrow();
      if (Number(left.n) === 0) break;
      await sleep(50);
    }
    results.push({ workers, perSecond: images.length / ((Date.now() - started) / 1000) });
    await db.destroy();
    for (const { child } of [...running, web]) await stop(child);
    const redis = new Redis(REDIS);
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
    rmSync(dataDir, { recursive: true, force: true });
  }
  return results;
}

async function listLatencies(url: string, until: () => boolean, minimum: number): Promise<number[]> {
  const latencies: number[] = [];
  while (latencies.length < minimum || !until()) {
    const started = performance.now();
    // Uncached, idle or not: during the burst every upload changes the library anyway.
    const response = await fetch(`${url}/api/v1/files?limit=50${uncachedListingPart()}`, { headers: { authorization } });
    await response.arrayBuffer();
    latencies.push(performance.now() - started);
  }
  return latencies;
}

const p95 = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length * 0.95)]!;

/**
 * Fastify's own time for each list request (onRequest to the response sent), read from the
 * server's request lines at LOG_LEVEL=debug: what the server adds, without the time a
 * request waits for the client's or the server's turn on the two cores.
 */
function serverListTimes(child: ChildProcess): Array<{ at: number; ms: number }> {
  const times: Array<{ at: number; ms: number }> = [];
  createInterface({ input: child.stdout! }).on('line', (line) => {
    if (!line.includes('"request completed"')) return;
    const entry = JSON.parse(line) as { time: number; req?: { method: string; url: string }; responseTime?: number };
    if (entry.req?.method === 'GET' && entry.req.url.startsWith('/api/v1/files?') && entry.responseTime !== undefined) times.push({ at: entry.time, ms: entry.responseTime });
  });
  return times;
}

/** BURST uploads of `images`, 8 at a time, sent from a worker thread (its own event loop). */
async function uploadBurst(url: string, images: Buffer[]): Promise<void> {
  const worker = new Worker(
    `const { workerData: { url, images, count, authorization } } = require('node:worker_threads');
    let next = 0;
    async function uploader() {
      while (next < count) {
        const i = next++;
        const form = new FormData();
        form.append('file', new Blob([images[i % images.length]]), 'p' + i + '.jpg');
        const response = await fetch(url + '/api/v1/files', { method: 'POST', body: form, headers: { authorization } });
        if (response.status !== 201) throw new Error('upload: ' + response.status + ' ' + (await response.text()));
        await response.arrayBuffer();
      }
    }
    Promise.all(Array.from({ length: 8 }, uploader)).then(() => process.exit(0), (error) => { console.error(error); process.exit(1); });`,
    { eval: true, workerData: { url, images, count: BURST, authorization } },
  );
  const code = await new Promise<number>((resolve, reject) => worker.once('exit', resolve).once('error', reject));
  if (code !== 0) throw new Error(`the upload burst failed (exit ${code})`);
}

/** The list's p95 idle, then during 500 uploads (8 at a time) and their thumbnails. */
async function listUnderBurst(images: Buffer[], env: Record<string, string> = {}): Promise<{ idle: number; burst: number; samples: number; serverIdle: number; serverBurst: number }> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'coffer-bench-burst-'));
  const web = await start('serve', dataDir, { ...env, LOG_LEVEL: 'debug' });
  const serverTimes = serverListTimes(web.child);
  await register(web.url);
  await upload(web.url, images.slice(0, 50));
  await sleep(3000);
  const idleFrom = Date.now();
  const idle = await listLatencies(web.url, () => true, 200);
  const burstFrom = Date.now();
  // The uploads come from a worker thread: in this thread, their request bodies would hold
  // the event loop the list's client measures with, and its own delays would count as the server's.
  let finished = false;
  const burst = uploadBurst(web.url, images).then(() => (finished = true));
  const during = await listLatencies(web.url, () => finished, 50);
  const burstTo = Date.now();
  await burst;
  await stop(web.child);
  rmSync(dataDir, { recursive: true, force: true });
  const serverMs = (from: number, to: number) => serverTimes.filter((t) => t.at >= from && t.at <= to).map((t) => t.ms);
  return { idle: p95(idle), burst: p95(during), samples: during.length, serverIdle: p95(serverMs(idleFrom, burstFrom)), serverBurst: p95(serverMs(burstFrom, burstTo)) };
}

async function main(): Promise<void> {
  const images = await Promise.all(Array.from({ length: THUMBNAIL_JOBS }, photo));
  // BURST_ONLY=1: part 2 alone, printed (results/jobs.md is left as it is).
  if (process.env.BURST_ONLY === '1') {
    const list = await listUnderBurst(images);
    const control = await listUnderBurst(images, { JOBS_WORKER: '0' });
    console.log({ list, ratio: list.burst / list.idle, control, controlRatio: control.burst / control.idle });
    return;
  }
  const throughput = await workerThroughput(images);
  const list = await listUnderBurst(images);
  // The same burst with no background work at all: what the uploads alone cost the list.
  const control = await listUnderBurst(images, { JOBS_WORKER: '0' });
  const [one, two] = throughput;
  const report = [
    '# Background jobs',
    '',
    `${new Date().toISOString()}, ${os.cpus().length} cores, \`npx tsx bench/jobs.ts\` (dist/, embedded SQLite and blob folder, BullMQ on ${REDIS.replace(/\/\/.*@/, '//')}).`,
    '',
    '| measure | value |',
    '|---|---|',
    `| thumbnail jobs per second, 1 \`coffer worker\` (BullMQ, JOBS_CONCURRENCY=2) | ${one!.perSecond.toFixed(1)} |`,
    `| thumbnail jobs per second, 2 \`coffer worker\` processes | ${two!.perSecond.toFixed(1)} (${(two!.perSecond / one!.perSecond).toFixed(2)}×) |`,
    `| list p95 idle (GET /api/v1/files?limit=50, Basic auth), as the client sees it / the server's own time | ${list.idle.toFixed(1)} ms / ${list.serverIdle.toFixed(1)} ms |`,
    `| list p95 during ${BURST} uploads, 8 at a time, thumbnails made by the same instance | ${list.burst.toFixed(1)} ms (${(list.burst / list.idle).toFixed(2)}× idle; ${list.samples} samples) / ${list.serverBurst.toFixed(1)} ms (${(list.serverBurst / list.serverIdle).toFixed(2)}×) |`,
    `| control: the same burst with JOBS_WORKER=0 (no thumbnails made) | ${control.burst.toFixed(1)} ms (${(control.burst / control.idle).toFixed(2)}× its idle ${control.idle.toFixed(1)} ms) / ${control.serverBurst.toFixed(1)} ms (${(control.serverBurst / control.serverIdle).toFixed(2)}× its idle ${control.serverIdle.toFixed(1)} ms) |`,
    `| what the queue adds: list p95 with thumbnails made ÷ without, client / server | ${(list.burst / control.burst).toFixed(2)}× / ${(list.serverBurst / control.serverBurst).toFixed(2)}× |`,
    '',
    `${THUMBNAIL_JOBS} photos of 640×480 for the throughput (a 512 px WebP each). The list is measured sequentially by one client, the uploads sent from a worker thread of the bench; the server's own time is Fastify's (onRequest to the response sent, from its request lines at LOG_LEVEL=debug). On these two cores the bench's client and uploader compete with the server for the CPU, which the client's figure includes.`,
    '',
  ].join('\n');
  console.log(report);
  writeFileSync(path.join(ROOT, 'bench', 'results', 'jobs.md'), report);
}

main()
  .catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  })
  .finally(() => {
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
