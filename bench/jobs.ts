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
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import sharp from 'sharp';
import { connectDatabase } from '../src/db/connect.js';

const ROOT = path.resolve(import.meta.dirname, '..');
const REDIS = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379/0';
const THUMBNAIL_JOBS = 200;
const BURST = 500;
const USER = { username: 'bencher', password: 'bencher-password-1' };
const authorization = `Basic ${Buffer.from(`${USER.username}:${USER.password}`).toString('base64')}`;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const children: ChildProcess[] = [];

function start(command: 'serve' | 'worker', dataDir: string, env: Record<string, string>): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [path.join(ROOT, 'dist', 'cli.js'), command], {
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
    const response = await fetch(`${url}/api/v1/files?limit=50`, { headers: { authorization } });
    await response.arrayBuffer();
    latencies.push(performance.now() - started);
  }
  return latencies;
}

const p95 = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length * 0.95)]!;

/** The list's p95 idle, then during 500 uploads (8 at a time) and their thumbnails. */
async function listUnderBurst(images: Buffer[], env: Record<string, string> = {}): Promise<{ idle: number; burst: number; samples: number }> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'coffer-bench-burst-'));
  const web = await start('serve', dataDir, env);
  await register(web.url);
  await upload(web.url, images.slice(0, 50));
  await sleep(3000);
  // Basic auth costs an argon2 hash per request: the list measured is the same in both phases.
  const idle = await listLatencies(web.url, () => true, 200);
  let uploaded = 0;
  const uploader = async () => {
    while (uploaded < BURST) {
      const i = uploaded++;
      await upload(web.url, [images[i % images.length]!]);
    }
  };
  let finished = false;
  const burst = Promise.all(Array.from({ length: 8 }, uploader)).then(() => (finished = true));
  const during = await listLatencies(web.url, () => finished, 50);
  await burst;
  await stop(web.child);
  rmSync(dataDir, { recursive: true, force: true });
  return { idle: p95(idle), burst: p95(during), samples: during.length };
}

async function main(): Promise<void> {
  const images = await Promise.all(Array.from({ length: THUMBNAIL_JOBS }, photo));
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
    `| list p95 idle (GET /api/v1/files?limit=50, Basic auth) | ${list.idle.toFixed(1)} ms |`,
    `| list p95 during ${BURST} uploads, 8 at a time, thumbnails made by the same instance | ${list.burst.toFixed(1)} ms (${(list.burst / list.idle).toFixed(2)}× idle; ${list.samples} samples) |`,
    `| control: the same burst with JOBS_WORKER=0 (no thumbnails made) | ${control.burst.toFixed(1)} ms (${(control.burst / control.idle).toFixed(2)}× its idle ${control.idle.toFixed(1)} ms) |`,
    '',
    `${THUMBNAIL_JOBS} photos of 640×480 for the throughput (a 512 px WebP each). The list is measured sequentially by one client.`,
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
