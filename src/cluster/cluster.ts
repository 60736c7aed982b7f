import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { accessSync, chmodSync, closeSync, constants, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { LocalBlobStore } from '../adapters/storage/local.js';
import type { Config } from '../config.js';
import { openDatabase } from '../compose.js';
import { renderNginxConfig, type BalanceMethod } from './nginx-config.js';
import { withServerFlags } from './node-flags.js';

export interface ClusterOptions {
  instances: number;
  /** `coffer worker` processes; with any, the web instances leave background jobs to them. */
  workers: number;
  balance: BalanceMethod;
  /** The balancer's port. */
  port: number;
  /** Let nginx send local blobs (X-Accel-Redirect) after Coffer authorizes each request. */
  accelRedirect: boolean;
  /** The nginx program. */
  nginx: string;
}

/** A cluster that cannot start as asked; the message says why and what to do. */
export class ClusterError extends Error {}

export const ACCEL_REDIRECT_PREFIX = '/_protected_blobs/';
const READY_TIMEOUT_MS = 60_000;
const STOP_GRACE_MS = 15_000;
const FIRST_RESTART_DELAY_MS = 1000;
const MAX_RESTART_DELAY_MS = 30_000;
/** An instance that dies after running this long is restarted after the first delay again. */
const STABLE_AFTER_MS = 30_000;

/** What `coffer worker` logs once it works jobs. */
const WORKER_STARTED = 'worker started';

const say = (message: string) => console.log(`coffer cluster: ${message}`);

/** Refuses, before anything starts, what cannot work. */
export function checkCluster(config: Config, options: ClusterOptions): void {
  if (!Number.isInteger(options.instances) || options.instances < 1 || options.instances > 64) {
    throw new ClusterError(`--instances must be a whole number from 1 to 64, not "${options.instances}".`);
  }
  if (!Number.isInteger(options.workers) || options.workers < 0 || options.workers > 64) {
    throw new ClusterError(`--workers must be a whole number from 0 to 64, not "${options.workers}".`);
  }
  if (!Number.isInteger(options.port) || options.port < 1 || options.port > 65535) {
    throw new ClusterError(`--port must be a whole number from 1 to 65535, not "${options.port}".`);
  }
  if (options.instances > 1 && config.sessionUrl.startsWith('memory:')) {
    throw new ClusterError(
      `SESSION_URL is memory:, which keeps sessions (and sign-in rate limits) inside one process: with ${options.instances} instances, ` +
        'a person signed in on one instance would be signed out on the next request that reaches another. The instances must share them: ' +
        'set SESSION_URL=redis://127.0.0.1:6379/0 or SESSION_URL=memcached://127.0.0.1:11211, or run --instances 1.',
    );
  }
  try {
    accessSync(options.nginx, constants.X_OK);
  } catch {
    throw new ClusterError(`nginx is not installed (no program at ${options.nginx}). Install it with: apt-get install nginx-light — or name another with --nginx PATH.`);
  }
}

interface Instance {
  id: string;
  /** A web instance serves HTTP on `port`; a worker only works jobs. */
  role: 'web' | 'worker';
  port: number;
  child?: ChildProcess;
  startedAt: number;
  restartDelayMs: number;
}

/**
 * N Coffer processes on loopback ports behind one nginx, supervised by PID: an instance that
 * dies is restarted (with a growing delay if it keeps dying), and SIGINT/SIGTERM stop
 * everything this started. Resolves with the exit code once everything has stopped.
 */
export class Cluster {
  private readonly dir: string;
  private readonly instances: Instance[] = [];
  private readonly accel: boolean;
  /**
   * nginx adds it to every request and the instances require it before they believe
   * X-Forwarded-*: they listen on loopback ports any local process can reach. New at
   * every start; it lives only in the instances' environment and the 0600 nginx.conf.
   */
  private readonly proxySecret = randomBytes(32).toString('hex');
  private nginx: ChildProcess | undefined;
  private running = false;
  private stopping: Promise<void> | undefined;
  private readonly restarts = new Set<NodeJS.Timeout>();
  private readonly finished: Promise<number>;
  private finish: (code: number) => void = () => {};

  constructor(
    private readonly config: Config,
    private readonly options: ClusterOptions,
    /** The environment the instances inherit (the command's own): read once, by the entry point. */
    private readonly environment: Readonly<Record<string, string | undefined>> = {},
  ) {
    this.dir = path.join(config.dataDir, 'cluster');
    // nginx can send only what it can read: the offload needs the local blob folder.
    this.accel = options.accelRedirect && config.storageUrl.startsWith('file:');
    this.finished = new Promise((resolve) => (this.finish = resolve));
  }

  /** Starts everything, or stops what it started and throws. */
  async start(): Promise<void> {
    checkCluster(this.config, this.options);
    for (const sub of ['logs', 'tmp']) mkdirSync(path.join(this.dir, sub), { recursive: true, mode: 0o700 });
    // Once, before the instances: several processes migrating one SQLite file at once could collide.
    await migrate(this.config);
    try {
      for (let i = 1; i <= this.options.instances; i++) this.instances.push({ id: `coffer-${i}`, role: 'web', port: await freePort(), startedAt: 0, restartDelayMs: FIRST_RESTART_DELAY_MS });
      for (let i = 1; i <= this.options.workers; i++) this.instances.push({ id: `coffer-worker-${i}`, role: 'worker', port: 0, startedAt: 0, restartDelayMs: FIRST_RESTART_DELAY_MS });
      const configFile = this.writeNginxConfig();
      say(`nginx configuration written to ${configFile}`);
      await Promise.all(this.instances.map((instance) => this.startInstance(instance)));
      await this.startNginx(configFile);
      this.running = true;
    } catch (error) {
      await this.stop(1);
      throw error;
    }
    const workers = this.options.workers > 0 ? ` and ${this.options.workers} worker(s)` : '';
    say(`serving http://${hostPort(this.config.host, this.options.port)} with ${this.options.instances} instance(s)${workers}, ${this.options.balance}; logs in ${path.join(this.dir, 'logs')}; Ctrl-C stops everything`);
  }

  /** Resolves with the exit code once the cluster has stopped. */
  done(): Promise<number> {
    return this.finished;
  }

  /**
   * Stops nginx first (no new requests), then the instances, each by its PID. nginx gets
   * SIGTERM, its fast shutdown: a graceful one waits for every open download, and killing
   * a master that is still waiting would leave its workers behind.
   */
  stop(exitCode = 0): Promise<void> {
    this.stopping ??= (async () => {
      for (const timer of this.restarts) clearTimeout(timer);
      if (this.nginx) await stopProcess(this.nginx, 'SIGTERM');
      await Promise.all(this.instances.map((instance) => instance.child && stopProcess(instance.child, 'SIGTERM')));
      say('stopped');
      this.finish(exitCode);
    })();
    return this.stopping;
  }

  private writeNginxConfig(): string {
    const accel = this.accel ? { prefix: ACCEL_REDIRECT_PREFIX, objectsDir: LocalBlobStore.objectsDirOf(this.config.storageUrl.slice('file:'.length)) } : undefined;
    const file = path.join(this.dir, 'nginx.conf');
    const text = renderNginxConfig({
      dir: this.dir,
      // As root, nginx would hand its workers to "nobody", who cannot read the 0600 blobs.
      user: process.getuid?.() === 0 ? os.userInfo().username : undefined,
      upstreams: this.instances.filter((instance) => instance.role === 'web').map((instance) => `127.0.0.1:${instance.port}`),
      balance: this.options.balance,
      listen: hostPort(this.config.host, this.options.port),
      maxUploadBytes: this.config.maxUploadBytes,
      accessLog: path.join(this.dir, 'logs', 'access.log'),
      accel,
      proxySecret: this.proxySecret,
    });
    // It holds the proxy secret.
    writeFileSync(file, text, { mode: 0o600 });
    chmodSync(file, 0o600);
    return file;
  }

  private async startInstance(instance: Instance): Promise<void> {
    const child = this.spawnInstance(instance);
    const explain = () => `${instance.id}'s log ends with:\n${tail(this.logFile(instance))}`;
    if (instance.role === 'web') await waitUntilReady(`http://127.0.0.1:${instance.port}/readyz`, child, explain);
    else await waitForLog(this.logFile(instance), WORKER_STARTED, child, explain);
  }

  private spawnInstance(instance: Instance): ChildProcess {
    const env = {
      ...this.environment,
      INSTANCE_ID: instance.id,
      HOST: '127.0.0.1',
      PORT: String(instance.port),
      DATA_DIR: this.config.dataDir,
      // X-Forwarded-* is believed from the balancer only: from loopback, with the secret nginx adds.
      TRUST_PROXY: '127.0.0.1',
      PROXY_SECRET: this.proxySecret,
      ACCEL_REDIRECT_PREFIX: this.accel ? ACCEL_REDIRECT_PREFIX : '',
      // Public links name nginx's address, not the instance's loopback port.
      PUBLIC_URL: this.config.publicUrl ?? `http://${hostPort(this.config.host === '0.0.0.0' || this.config.host === '::' ? os.hostname() : this.config.host, this.options.port)}`,
      // With dedicated workers, the web instances keep heavy work off the request path.
      ...(this.options.workers > 0 && instance.role === 'web' ? { JOBS_WORKER: '0' } : {}),
    };
    const log = openSync(this.logFile(instance), 'a');
    // The same program that runs this command (dist/cli.js, or src/cli.ts under tsx), serving or working.
    const child = spawn(process.execPath, [...withServerFlags(process.execArgv), process.argv[1] ?? '', instance.role === 'web' ? 'serve' : 'worker'], { env, stdio: ['ignore', log, log] });
    closeSync(log);
    instance.child = child;
    instance.startedAt = Date.now();
    say(instance.role === 'web' ? `${instance.id} pid ${child.pid} on http://127.0.0.1:${instance.port}` : `${instance.id} pid ${child.pid} (background jobs)`);
    child.once('exit', (code, signal) => this.onInstanceExit(instance, child, code, signal));
    return child;
  }

  private onInstanceExit(instance: Instance, child: ChildProcess, code: number | null, signal: NodeJS.Signals | null): void {
    // While starting, a dying instance fails the start instead (see waitUntilReady).
    if (!this.running || this.stopping || instance.child !== child) return;
    if (Date.now() - instance.startedAt > STABLE_AFTER_MS) instance.restartDelayMs = FIRST_RESTART_DELAY_MS;
    const delay = instance.restartDelayMs;
    instance.restartDelayMs = Math.min(delay * 2, MAX_RESTART_DELAY_MS);
    say(`${instance.id} (pid ${child.pid}) exited with ${signal ?? `code ${code}`}; restarting it in ${delay / 1000} s`);
    const timer = setTimeout(() => {
      this.restarts.delete(timer);
      if (!this.stopping) this.spawnInstance(instance);
    }, delay);
    this.restarts.add(timer);
  }

  private async startNginx(configFile: string): Promise<void> {
    const errorLog = path.join(this.dir, 'logs', 'nginx-error.log');
    const args = ['-p', this.dir, '-c', configFile, '-e', errorLog];
    // A bad configuration or a taken port is reported here, in nginx's words.
    const test = spawnSync(this.options.nginx, ['-t', '-q', ...args], { encoding: 'utf8' });
    if (test.status !== 0) throw new ClusterError(`nginx refuses the configuration ${configFile}:\n${test.stderr.trim()}`);
    const nginx = spawn(this.options.nginx, args, { stdio: ['ignore', 'inherit', 'inherit'] });
    this.nginx = nginx;
    say(`nginx pid ${nginx.pid} on http://${hostPort(this.config.host, this.options.port)}`);
    nginx.once('exit', (code, signal) => {
      if (!this.running || this.stopping) return;
      say(`nginx (pid ${nginx.pid}) exited with ${signal ?? `code ${code}`}; stopping the cluster (see ${errorLog})`);
      void this.stop(1);
    });
    // Serving means answering: wait until a request goes through nginx to an instance.
    const url = `http://${hostPort(reachableHost(this.config.host), this.options.port)}/healthz`;
    await waitUntilReady(url, nginx, () => `nginx's error log ends with:\n${tail(errorLog)}`);
  }

  private logFile(instance: Instance): string {
    return path.join(this.dir, 'logs', `${instance.id}.log`);
  }
}

/** `coffer cluster`: starts, waits for SIGINT/SIGTERM, stops; resolves with the exit code. */
export async function runCluster(config: Config, options: ClusterOptions, environment: Readonly<Record<string, string | undefined>>): Promise<number> {
  const cluster = new Cluster(config, options, environment);
  const stop = () => void cluster.stop();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  await cluster.start();
  return cluster.done();
}

async function migrate(config: Config): Promise<void> {
  const { db, applied } = await openDatabase(config, { migrate: true });
  try {
    if (applied.length > 0) say(`database migrated: ${applied.join(', ')}`);
  } finally {
    await db.destroy();
  }
}

/** A port the kernel says is free now; whoever needs it binds it a moment later. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** Polls `url` until it answers 200; `explain` says why not when the process dies or it times out. */
async function waitUntilReady(url: string, child: ChildProcess, explain: () => string): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (child.exitCode === null && child.signalCode === null) {
    const ready = await fetch(url, { signal: AbortSignal.timeout(2000) }).then(
      (response) => response.status === 200,
      () => false,
    );
    if (ready) return;
    if (Date.now() > deadline) throw new ClusterError(`${url} was not ready within ${READY_TIMEOUT_MS / 1000} s; ${explain()}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new ClusterError(`the process behind ${url} exited while starting; ${explain()}`);
}

/** Waits until the process's log file contains `text` (a worker has no port to poll). */
async function waitForLog(file: string, text: string, child: ChildProcess, explain: () => string): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (child.exitCode === null && child.signalCode === null) {
    if (tail(file).includes(text)) return;
    if (Date.now() > deadline) throw new ClusterError(`${file} did not say "${text}" within ${READY_TIMEOUT_MS / 1000} s; ${explain()}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new ClusterError(`a worker exited while starting; ${explain()}`);
}

/** `signal`, then SIGKILL if the process has not exited after the grace period. */
async function stopProcess(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill(signal);
  const timer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
  await exited;
  clearTimeout(timer);
}

function tail(file: string): string {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-20).join('\n');
  } catch {
    return `(nothing in ${file})`;
  }
}

/** An address to reach a server listening on `host` (a wildcard means every local address). */
function reachableHost(host: string): string {
  if (host === '0.0.0.0') return '127.0.0.1';
  return host === '::' ? '::1' : host;
}

function hostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}
