/**
 * The production backends for bench/backends.ts: a throw-away Ceph S3 (RGW) of our own, a
 * fresh PostgreSQL database, a random key prefix in the local Redis, and Coffer started
 * from dist/ on them. Every start has a matching stop that also works synchronously, for
 * the Ctrl-C handler.
 */
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { cofferNodeFlags, freePort, startService, tail, waitReady, type Service } from './lib.js';
import type { Running } from './servers.js';

/** Whether nothing listens on 127.0.0.1:port (we try to bind it ourselves). */
function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** The first free port from `first` on, skipping `taken`. */
async function portFrom(first: number, taken: number[] = []): Promise<number> {
  for (let port = first; port < first + 50; port++) if (!taken.includes(port) && (await portFree(port))) return port;
  throw new Error(`no free port in ${first}–${first + 49}`);
}

/** Waits for a short-lived child we own (a script, a CLI command) and fails with its log when it fails. */
function finished(service: Service): Promise<void> {
  return new Promise((resolve, reject) => {
    const done = (code: number | null, signal: NodeJS.Signals | null) =>
      code === 0 ? resolve() : reject(new Error(`${service.name} failed (${signal ?? `exit ${code}`}); see ${service.logFile}:\n${tail(service.logFile)}`));
    if (service.child.exitCode !== null || service.child.signalCode !== null) done(service.child.exitCode, service.child.signalCode);
    else service.child.once('exit', done);
  });
}

export interface Ceph {
  dir: string;
  endpoint: string;
  /** From its s3.env: S3_ENDPOINT, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, … */
  env: Record<string, string>;
  rgwPort: number;
  monPort: number;
}

/**
 * Our own single-node Ceph (memstore OSD) on free ports from 7590 (RGW) and 6890 (mon), so a
 * Ceph someone else runs on the default ports is left alone. Stop it with stopCephSync(dir),
 * also when this fails: the script's pid files tell what it got to start.
 */
export async function startCeph(repo: string, dir: string, log: string): Promise<Ceph> {
  const script = path.join(repo, 'scripts', 'services', 'ceph-s3-start.sh');
  let rgwPort = 0;
  let monPort = 0;
  // Two tries: on a busy machine the script can give up on a healthy RGW whose pid file is
  // not written yet (it reads run/client.rgw.a.pid right after starting it).
  for (let attempt = 1; ; attempt++) {
    rgwPort = await portFrom(7590);
    monPort = await portFrom(6890, [rgwPort]);
    try {
      await finished(startService('ceph-s3-start', 'bash', [script, dir], log, { RGW_PORT: String(rgwPort), MON_PORT: String(monPort) }));
      break;
    } catch (error) {
      stopCephSync(repo, dir);
      if (attempt === 2) throw error;
      console.warn(`  Ceph did not start (${tail(log).split('\n').at(-1)}); trying once more`);
    }
  }
  const env: Record<string, string> = {};
  for (const line of readFileSync(path.join(dir, 's3.env'), 'utf8').split('\n')) {
    const match = /^([A-Z0-9_]+)=(.*)$/.exec(line.trim());
    if (match?.[1] && match[2] !== undefined) env[match[1]] = match[2];
  }
  if (!env.S3_ENDPOINT || !env.AWS_ACCESS_KEY_ID || !env.AWS_SECRET_ACCESS_KEY) throw new Error(`${dir}/s3.env lacks the endpoint or the credentials`);
  return { dir, endpoint: env.S3_ENDPOINT, env, rgwPort, monPort };
}

/**
 * PIDs of the daemons of the Ceph in `dir`, whose environment names its ceph.conf (the start
 * script exports CEPH_CONF): `dir` is our own temp folder, so these are processes we started.
 */
function cephPids(dir: string): number[] {
  const mine = `CEPH_CONF=${path.join(dir, 'ceph.conf')}`;
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      if (readFileSync(`/proc/${entry}/environ`, 'latin1').split('\0').includes(mine)) pids.push(Number(entry));
    } catch {
      // gone, or not ours to read
    }
  }
  return pids;
}

/** Sends `signal`; false when the process is gone. Signal 0 only asks whether it is alive. */
function signal(pid: number, signal: NodeJS.Signals | 0): boolean {
  try {
    process.kill(pid, signal);
    return true;
  } catch {
    return false;
  }
}

const alive = (pid: number) => signal(pid, 0);

/**
 * Stops the daemons by their pid files and wipes `dir` (ceph-s3-stop.sh), then any daemon of
 * this Ceph whose pid file was never written (a start cut short), by PID: SIGTERM, then SIGKILL.
 */
export function stopCephSync(repo: string, dir: string): void {
  spawnSync('bash', [path.join(repo, 'scripts', 'services', 'ceph-s3-stop.sh'), dir], { stdio: 'ignore', timeout: 30_000 });
  const left = cephPids(dir);
  for (const pid of left) signal(pid, 'SIGTERM');
  const wait = new Int32Array(new SharedArrayBuffer(4));
  for (let i = 0; i < 50 && left.some(alive); i++) Atomics.wait(wait, 0, 0, 100);
  for (const pid of left.filter(alive)) signal(pid, 'SIGKILL');
}

/**
 * Frees the data of deleted objects now instead of after RGW's garbage-collection delay:
 * a memstore OSD holds every byte in RAM (8 GiB) until then.
 */
export function collectRgwGarbageSync(dir: string): void {
  const result = spawnSync('radosgw-admin', ['-c', path.join(dir, 'ceph.conf'), 'gc', 'process', '--include-all'], { stdio: 'ignore', timeout: 120_000 });
  if (result.status !== 0) throw new Error(`radosgw-admin gc process failed (${result.error?.message ?? `exit ${result.status}`})`);
}

const PSQL = ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-h', '127.0.0.1', '-U', 'postgres', '-d', 'test'];

function psql(sql: string): string {
  const result = spawnSync('psql', [...PSQL, '-tA', '-c', sql], { encoding: 'utf8', timeout: 30_000 });
  if (result.status !== 0) throw new Error(`psql "${sql}": ${(result.stderr || result.error?.message || '').trim()}`);
  return result.stdout.trim();
}

/** A fresh, uniquely named database; drop it with dropDatabaseSync. */
export function createDatabase(): { name: string; url: string } {
  const name = `coffer_bench_${randomBytes(4).toString('hex')}`;
  psql(`create database ${name}`);
  return { name, url: `postgres://postgres@127.0.0.1:5432/${name}` };
}

/** `with (force)` ends connections a killed Coffer may have left behind. */
export function dropDatabaseSync(name: string): void {
  psql(`drop database if exists ${name} with (force)`);
}

export const postgresVersion = () => `PostgreSQL ${psql('show server_version').split(' ')[0]}`;

/** A key prefix of our own in the shared Redis, so cleaning up touches only our keys. */
export const redisPrefix = () => `bench${randomBytes(4).toString('hex')}:`;

/** Deletes every key under `prefix` (sessions, rate-limit counters). */
export function deleteRedisKeysSync(prefix: string): void {
  if (!/^bench[0-9a-f]{8}:$/.test(prefix)) throw new Error(`refusing to delete Redis keys under "${prefix}"`);
  const result = spawnSync('sh', ['-c', `redis-cli -h 127.0.0.1 -n 0 --scan --pattern '${prefix}*' | xargs -r redis-cli -h 127.0.0.1 -n 0 del`], {
    stdio: 'ignore',
    timeout: 30_000,
  });
  if (result.status !== 0) throw new Error(`could not delete the Redis keys under ${prefix}`);
}

export const redisVersion = () => {
  const info = spawnSync('redis-cli', ['-h', '127.0.0.1', 'info', 'server'], { encoding: 'utf8' }).stdout ?? '';
  return `Redis ${/redis_version:(\S+)/.exec(info)?.[1] ?? '?'}`;
};

/** Environment every Coffer here gets, plus the backends of `env`. */
function cofferEnv(work: string, name: string, env: Record<string, string>): Record<string, string> {
  return {
    HOST: '127.0.0.1',
    DATA_DIR: path.join(work, `${name}-data`),
    LOG_LEVEL: 'warn',
    MAX_UPLOAD_BYTES: '4GiB',
    // Given, so Coffer also starts when the caller's shell has NODE_ENV=production.
    SECRET_KEY: randomBytes(32).toString('hex'),
    // As `npm start` and deploy/ run it: glibc keeps freed memory per thread otherwise.
    MALLOC_ARENA_MAX: '2',
    ...env,
  };
}

/** `coffer <args>` (e.g. `storage init`) run to completion with the backends of `env`. */
export async function cofferCommand(repo: string, work: string, name: string, args: string[], env: Record<string, string>): Promise<void> {
  await finished(startService(`coffer ${args.join(' ')}`, process.execPath, [...cofferNodeFlags(), path.join(repo, 'dist', 'cli.js'), ...args], path.join(work, `${name}.log`), cofferEnv(work, name, env)));
}

/**
 * `coffer serve` from dist/ on the backends of `env` (DATABASE_URL, STORAGE_URL, SESSION_URL;
 * the embedded defaults where absent). bench/servers.ts starts it without backends.
 */
export async function startCofferOn(repo: string, work: string, name: string, env: Record<string, string>): Promise<Running> {
  const port = await freePort();
  const service = startService(name, process.execPath, [...cofferNodeFlags(), path.join(repo, 'dist', 'cli.js'), 'serve'], path.join(work, `${name}.log`), cofferEnv(work, name, { ...env, PORT: String(port) }));
  const base = `http://127.0.0.1:${port}`;
  await waitReady(service, `${base}/healthz`);
  return { service, base };
}
