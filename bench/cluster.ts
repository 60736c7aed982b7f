/**
 * Coffer behind its balancer (`coffer cluster`) against nginx's own limits, in one run:
 *  1. download of a 200 MB file through nginx: handed to nginx (X-Accel-Redirect), streamed
 *     by Coffer, and nginx serving the same file statically (sendfile)
 *  2. upload of a 1 GB file through nginx versus straight to one instance
 *  3. requests per second of an authenticated listing (GET /api/v1/files, session cookie)
 *     through nginx with 1, 2 and 3 instances, and straight to one instance
 * Prints a Markdown report and writes it to bench/results/cluster.md.
 *
 * Run: npx tsx bench/cluster.ts. Builds dist/ first (the cluster runs it, as deployed).
 * Needs nginx, curl and wrk (apt-get install nginx-light curl wrk) and Redis on
 * 127.0.0.1:6379 for the shared sessions. Everything listens on 127.0.0.1; every process
 * started is stopped by its PID.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { commandExists, cpuSeconds, download, firstLine, flushDirtyPages, freePort, killAllOwnedSync, median, rate, sleep, startService, stopService, upload, waitReady, makeMediaFile } from './lib.js';

const MB = 1e6;
const DOWNLOAD_BYTES = 200 * MB;
const UPLOAD_BYTES = 1000 * MB;
const DOWNLOAD_RUNS = 7;
const UPLOAD_RUNS = 3;
const LISTING_RUNS = 3;
const LISTING_SECONDS = 5;
const LISTING_CONNECTIONS = 16;
const LISTED_FILES = 20;
const TARGET = { offloadVsStatic: 0.9, uploadVsDirect: 0.8 };
const NGINX = '/usr/sbin/nginx';
const REDIS = 'redis://127.0.0.1:6379/0';
const WATCHDOG_MS = 15 * 60_000;

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const work = mkdtempSync(path.join(os.tmpdir(), 'coffer-bench-cluster-'));
const dataDir = path.join(work, 'data');
// Every process started is stopped by its PID, at the end or on Ctrl-C: curl and the static
// nginx through lib.ts; wrk here; a cluster is asked to stop (SIGTERM), so that it stops its
// instances and its nginx by their PIDs in turn.
const clients = new Set<ChildProcess>();
const clusters = new Set<Cluster>();
const loadAtStart = os.loadavg()[0] ?? NaN;

const fmt = (n: number, digits = 0) => (Number.isFinite(n) ? n.toFixed(digits) : 'n/a');

async function stopEverything(): Promise<void> {
  await Promise.all([...clusters].map((cluster) => cluster.stop()));
  for (const child of clients) child.kill('SIGKILL');
  killAllOwnedSync();
}

/** wrk to its end, with its report. */
function runWrk(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('wrk', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    clients.add(child);
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.once('close', (code) => {
      clients.delete(child);
      if (code === 0) resolve(out);
      else reject(new Error(`wrk failed (${code}): ${out}`));
    });
  });
}

/**
 * nginx serving the blob folder statically with the cluster's nginx settings for files
 * (sendfile, tcp_nopush), so that the comparison measures the offload and nothing else. One
 * process (no master): one download needs one worker, and a SIGKILL on Ctrl-C leaves no
 * workers behind.
 */
async function startStaticNginx(root: string, probe: string) {
  const port = await freePort();
  const dir = path.join(work, 'static-nginx');
  mkdirSync(dir, { recursive: true });
  const temp = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((name) => `${name}_temp_path ${dir}/${name};`).join(' ');
  writeFileSync(
    path.join(dir, 'nginx.conf'),
    `daemon off; master_process off; pid ${dir}/nginx.pid; error_log ${dir}/error.log warn;
events { worker_connections 1024; }
http { ${temp} access_log off; sendfile on; tcp_nopush on; default_type application/octet-stream;
  server { listen 127.0.0.1:${port}; root ${root}; } }
`,
  );
  const service = startService('static nginx', NGINX, ['-p', dir, '-c', path.join(dir, 'nginx.conf'), '-e', path.join(dir, 'error.log')], path.join(dir, 'stdout.log'));
  const base = `http://127.0.0.1:${port}`;
  await waitReady(service, `${base}/${probe}`);
  return { service, base };
}

interface Cluster {
  url: string;
  /** Instance id → its own URL, for requests that skip the balancer. */
  instances: Map<string, string>;
  instancePids: number[];
  nginxPid: number;
  stop(): Promise<void>;
}

/** `coffer cluster` from dist/, on the shared DATA_DIR, until stop(). */
async function startCluster(instances: number, extra: string[] = []): Promise<Cluster> {
  const port = await freePort();
  const child = spawn(process.execPath, [path.join(repo, 'dist', 'cli.js'), 'cluster', '--instances', String(instances), '--port', String(port), ...extra], {
    env: { ...process.env, DATA_DIR: dataDir, SESSION_URL: `${REDIS}?prefix=bench-${process.pid}:`, LOG_LEVEL: 'warn', MAX_UPLOAD_BYTES: '4GiB' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const cluster: Cluster = {
    url: `http://127.0.0.1:${port}`,
    instances: new Map(),
    instancePids: [],
    nginxPid: 0,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
        await exited;
        clearTimeout(timer);
      }
      clusters.delete(cluster);
    },
  };
  clusters.add(cluster);
  for (const deadline = Date.now() + 60_000; !output.includes('coffer cluster: serving'); await sleep(100)) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`coffer cluster did not start:\n${output}`);
  }
  for (const [, id, pid, url] of output.matchAll(/coffer cluster: (coffer-\d+) pid (\d+) on (\S+)/g)) {
    cluster.instances.set(id!, url!);
    cluster.instancePids.push(Number(pid));
  }
  cluster.nginxPid = Number(/coffer cluster: nginx pid (\d+)/.exec(output)?.[1]);
  return cluster;
}

/** One signed-in user, by session cookie (one argon2id check at sign-in, none per request). */
class Session {
  private constructor(
    readonly cookie: string,
    readonly csrfToken: string,
  ) {}

  static async open(base: string): Promise<Session> {
    const credentials = { username: 'bench', password: 'bench-password-1' };
    const json = { 'content-type': 'application/json' };
    await fetch(`${base}/api/v1/auth/register`, { method: 'POST', headers: json, body: JSON.stringify({ ...credentials, name: 'Bench', email: 'bench@example.com' }) });
    const login = await fetch(`${base}/api/v1/auth/login`, { method: 'POST', headers: json, body: JSON.stringify(credentials) });
    if (login.status !== 200) throw new Error(`login: HTTP ${login.status} ${await login.text()}`);
    const cookie = login.headers.getSetCookie()[0]!.split(';')[0]!;
    return new Session(cookie, ((await login.json()) as { csrfToken: string }).csrfToken);
  }

  get curl(): string[] {
    return ['--cookie', this.cookie, '--header', `X-CSRF-Token: ${this.csrfToken}`];
  }

  async call(base: string, method: string, url: string): Promise<Response> {
    return fetch(`${base}${url}`, { method, headers: { cookie: this.cookie, 'x-csrf-token': this.csrfToken } });
  }

  async upload(base: string, file: string): Promise<string> {
    const form = new FormData();
    form.append('file', new Blob([readFileSync(file)]), path.basename(file));
    const response = await fetch(`${base}/api/v1/files`, { method: 'POST', body: form, headers: { cookie: this.cookie, 'x-csrf-token': this.csrfToken } });
    if (response.status !== 201) throw new Error(`upload: HTTP ${response.status} ${await response.text()}`);
    return ((await response.json()) as { items: Array<{ id: string }> }).items[0]!.id;
  }

  /** Waits for the media job after an upload, so it does not run into the next measurement. */
  async settle(base: string, id: string): Promise<void> {
    for (const deadline = Date.now() + 15_000; Date.now() < deadline; await sleep(250)) {
      const file = (await (await this.call(base, 'GET', `/api/v1/files/${id}`)).json()) as { durationSeconds?: number; urls: { thumbnail?: string } };
      if (file.durationSeconds !== undefined || file.urls.thumbnail !== undefined) return;
    }
  }
}

/** The static nginx needs the blob's path, which only the database knows. */
function blobKeyOf(id: string): string {
  const db = new Database(path.join(dataDir, 'coffer.db'), { readonly: true });
  try {
    return db.prepare('select blob_key from files where id = ?').pluck().get(id) as string;
  } finally {
    db.close();
  }
}

const TICK = 0.01; // /proc/stat counts in 1/100 s

/**
 * CPU used so far by each of these processes that is still running, in seconds. One may
 * end during a run (nginx replaces its workers when the cluster reloads it): the run then
 * counts the processes alive at both ends, and says which one went.
 */
function processCpu(pids: number[]): Map<number, number> {
  const used = new Map<number, number>();
  for (const pid of pids) {
    try {
      used.set(pid, cpuSeconds(pid));
    } catch {
      console.warn(`process ${pid} ended during the run; its CPU is not counted`);
    }
  }
  return used;
}

/** CPU the processes alive in both samples used between them. */
function cpuBetween(before: Map<number, number>, after: Map<number, number>): number {
  let sum = 0;
  for (const [pid, seconds] of after) sum += seconds - (before.get(pid) ?? seconds);
  return sum;
}

/** CPU used so far by the whole machine, every process and the kernel. */
function machineCpu(): number {
  const [user, nice, system, , , irq, softirq, steal] = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.split(/\s+/).slice(1).map(Number);
  return [user, nice, system, irq, softirq, steal].reduce((a, b) => a! + b!, 0)! * TICK;
}

/** nginx's master and its workers. */
function withWorkers(master: number): number[] {
  const workers = readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ')[1] === String(master);
      } catch {
        return false;
      }
    });
  return [master, ...workers.map(Number)];
}

const REDIS_PIDS = spawnSync('pidof', ['redis-server'], { encoding: 'utf8' }).stdout.trim().split(/\s+/).filter(Boolean).map(Number);

interface ListingRun {
  rate: number;
  /** Cores busy on average during the run, per party. */
  cores: { coffer: number; nginx: number; redis: number; machine: number };
}

/** Requests per second of the listing over keep-alive connections (wrk), all answered 200, and where the CPU went. */
async function listing(base: string, session: Session, coffer: number[], nginx: number[]): Promise<ListingRun> {
  const sample = () => ({ coffer: processCpu(coffer), nginx: processCpu(nginx), redis: processCpu(REDIS_PIDS), machine: machineCpu() });
  const before = sample();
  const out = await runWrk(['-t1', `-c${LISTING_CONNECTIONS}`, `-d${LISTING_SECONDS}s`, '-H', `Cookie: ${session.cookie}`, `${base}/api/v1/files`]);
  const after = sample();
  if (/Non-2xx or 3xx responses/.test(out)) throw new Error(`the listing answered errors:\n${out}`);
  const cores = (name: 'coffer' | 'nginx' | 'redis') => cpuBetween(before[name], after[name]) / LISTING_SECONDS;
  return {
    rate: Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1]),
    cores: { coffer: cores('coffer'), nginx: cores('nginx'), redis: cores('redis'), machine: (after.machine - before.machine) / LISTING_SECONDS },
  };
}

/** Rounds interleave the contenders so drift on a shared machine hits all alike. */
async function interleaved<T>(runs: number, contenders: Record<string, () => Promise<T>>): Promise<Record<string, T[]>> {
  const results: Record<string, T[]> = Object.fromEntries(Object.keys(contenders).map((name) => [name, []]));
  for (let round = 0; round <= runs; round++) {
    for (const [name, measure] of Object.entries(contenders)) {
      const value = await measure();
      if (round > 0) results[name]!.push(value);
    }
  }
  return results;
}

async function main(): Promise<void> {
  if (![commandExists(NGINX, '-v'), commandExists('curl'), commandExists('wrk', '-v')].every(Boolean)) {
    throw new Error('nginx, curl or wrk is missing: apt-get install nginx-light curl wrk');
  }
  console.log('Building dist/ ...');
  if (spawnSync('npx', ['tsc', '-p', path.join(repo, 'tsconfig.build.json')], { stdio: 'inherit' }).status !== 0) throw new Error('the build failed');
  const small = path.join(work, 'download.mp4');
  const big = path.join(work, 'upload.mp4');
  makeMediaFile(small, DOWNLOAD_BYTES);
  makeMediaFile(big, UPLOAD_BYTES);

  // Phase 1: one instance, content streamed by Coffer. Seeds the user and files.
  console.log('1/3 One instance: listing, and downloads streamed by Coffer ...');
  let cluster = await startCluster(1, ['--no-accel-redirect']);
  const session = await Session.open(cluster.url);
  for (let i = 0; i < LISTED_FILES; i++) await session.upload(cluster.url, path.join(repo, 'test', 'fixtures', 'sample.jpg'));
  const id = await session.upload(cluster.url, small);
  await session.settle(cluster.url, id);
  const blobKey = blobKeyOf(id);
  const staticNginx = await startStaticNginx(path.join(dataDir, 'blobs', 'objects'), blobKey);
  const content = `/api/v1/files/${id}/content`;
  const downloads = () => ({
    coffer: async () => rate(await download(`${cluster.url}${content}`, DOWNLOAD_BYTES, ['--cookie', session.cookie])),
    nginx: async () => rate(await download(`${staticNginx.base}/${blobKey}`, DOWNLOAD_BYTES)),
  });
  const streamed = await interleaved(DOWNLOAD_RUNS, downloads());
  const listings = await interleaved(LISTING_RUNS, {
    direct: () => listing(cluster.instances.get('coffer-1')!, session, cluster.instancePids, []),
    1: () => listing(cluster.url, session, cluster.instancePids, withWorkers(cluster.nginxPid)),
  });
  await cluster.stop();

  console.log('2/3 Two instances: listing ...');
  cluster = await startCluster(2);
  Object.assign(listings, await interleaved(LISTING_RUNS, { 2: () => listing(cluster.url, session, cluster.instancePids, withWorkers(cluster.nginxPid)) }));
  await cluster.stop();

  console.log('3/3 Three instances: listing, downloads handed to nginx, uploads ...');
  cluster = await startCluster(3);
  Object.assign(listings, await interleaved(LISTING_RUNS, { 3: () => listing(cluster.url, session, cluster.instancePids, withWorkers(cluster.nginxPid)) }));
  const offloaded = await interleaved(DOWNLOAD_RUNS, downloads());
  const uploadTo = (base: string) => async () => {
    flushDirtyPages();
    const transfer = await upload(`${base}/api/v1/files`, big, UPLOAD_BYTES, session.curl);
    // The next upload starts from the same state: this copy's media job done and the copy gone.
    const { id } = JSON.parse(transfer.body).items[0] as { id: string };
    await session.settle(cluster.url, id);
    await session.call(cluster.url, 'DELETE', `/api/v1/files/${id}`);
    return rate(transfer);
  };
  const uploads = await interleaved(UPLOAD_RUNS, { balancer: uploadTo(cluster.url), direct: uploadTo(cluster.instances.get('coffer-1')!) });
  await cluster.stop();
  await stopService(staticNginx.service);

  const report = renderReport(streamed, offloaded, uploads, listings);
  console.log(`\n${report}`);
  mkdirSync(path.join(repo, 'bench', 'results'), { recursive: true });
  writeFileSync(path.join(repo, 'bench', 'results', 'cluster.md'), report);
  console.log('Written to bench/results/cluster.md');
}

type Runs = Record<string, number[]>;

function renderReport(streamed: Runs, offloaded: Runs, uploads: Runs, listings: Record<string, ListingRun[]>): string {
  const mbps = (runs: number[] | undefined) => median(runs ?? []) / MB;
  const verdict = (ratio: number, target: number) => (ratio >= target ? 'PASS' : '**FAIL**');
  const offload = { coffer: mbps(offloaded.coffer), nginx: mbps(offloaded.nginx) };
  const stream = { coffer: mbps(streamed.coffer), nginx: mbps(streamed.nginx) };
  const upload = { balancer: mbps(uploads.balancer), direct: mbps(uploads.direct) };
  // Per setup, the run with the median rate, and its CPU figures.
  const typical = (name: string) => {
    const runs = listings[name] ?? [];
    const rate = median(runs.map((r) => r.rate));
    return runs.find((r) => r.rate === rate) ?? { rate: NaN, cores: { coffer: NaN, nginx: NaN, redis: NaN, machine: NaN } };
  };
  const setups = ['direct', '1', '2', '3'].map((name) => ({ name, ...typical(name) }));
  const [direct, one1, two, three] = ['direct', '1', '2', '3'].map(typical) as [ListingRun, ListingRun, ListingRun, ListingRun];
  const perCore = (run: ListingRun) => run.rate / run.cores.coffer;
  const cores = os.availableParallelism();
  const runs = (values: number[] | undefined, scale = MB) => (values ?? []).map((v) => fmt(v / scale)).join(', ');
  const cpu = /^model name\s*:\s*(.*)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? 'unknown';
  const loadAtEnd = os.loadavg()[0] ?? NaN;
  return [
    '# Coffer cluster benchmark',
    '',
    `- Date: ${new Date().toISOString()}`,
    `- CPU: nproc ${os.availableParallelism()}, ${cpu}; RAM ${fmt(os.totalmem() / 1024 ** 3, 1)} GiB; Linux ${os.release()}`,
    `- Load average (1 min) at start ${fmt(loadAtStart, 2)}, at end ${fmt(loadAtEnd, 2)}${loadAtStart > os.availableParallelism() / 4 ? ' — other work was running on the machine: expect noisy numbers' : ''} (the end includes this run's own load)`,
    `- Node ${process.version} · ${firstLine(NGINX, ['-v']).replace('nginx version: ', '')} · ${firstLine('curl', ['--version']).split(' ').slice(0, 2).join(' ')} · ${firstLine('wrk', ['-v']).split(' ').slice(0, 2).join(' ')}`,
    `- \`coffer cluster\` from dist/ (LOG_LEVEL=warn), SQLite and the blob folder in one DATA_DIR, sessions in Redis; every client on 127.0.0.1.`,
    `- Transfers: curl to /dev/null, session cookie; downloads median of ${DOWNLOAD_RUNS}, uploads median of ${UPLOAD_RUNS}, after one warm-up, interleaved with their baseline. MB = 10^6 bytes.`,
    `- Listing: wrk, 1 thread, ${LISTING_CONNECTIONS} keep-alive connections, median of ${LISTING_RUNS} runs of ${LISTING_SECONDS} s after one warm-up, GET /api/v1/files (${LISTED_FILES} files) with a session cookie; every answer a 200.`,
    '',
    '| Measure | Coffer through nginx | Baseline | Ratio | Target | Result |',
    '|---|---|---|---|---|---|',
    `| Download 200 MB, handed to nginx (X-Accel-Redirect) (MB/s) | ${fmt(offload.coffer)} | ${fmt(offload.nginx)} (nginx static, sendfile) | ${fmt(offload.coffer / offload.nginx, 2)} | ≥ ${TARGET.offloadVsStatic} | ${verdict(offload.coffer / offload.nginx, TARGET.offloadVsStatic)} |`,
    `| Download 200 MB, streamed by Coffer (MB/s) | ${fmt(stream.coffer)} | ${fmt(stream.nginx)} (nginx static, sendfile) | ${fmt(stream.coffer / stream.nginx, 2)} | — | reported |`,
    `| Upload 1 GB (MB/s) | ${fmt(upload.balancer)} | ${fmt(upload.direct)} (one instance, no nginx) | ${fmt(upload.balancer / upload.direct, 2)} | ≥ ${TARGET.uploadVsDirect} | ${verdict(upload.balancer / upload.direct, TARGET.uploadVsDirect)} |`,
    `| Listing, 1 instance (req/s) | ${fmt(one1.rate)} | ${fmt(direct.rate)} (one instance, no nginx) | ${fmt(one1.rate / direct.rate, 2)} | — | reported |`,
    `| Listing, 2 instances (req/s) | ${fmt(two.rate)} | ${fmt(one1.rate)} (1 instance) | ${fmt(two.rate / one1.rate, 2)} | — | reported |`,
    `| Listing, 3 instances (req/s) | ${fmt(three.rate)} | ${fmt(one1.rate)} (1 instance) | ${fmt(three.rate / one1.rate, 2)} | — | reported |`,
    '',
    '## Runs',
    '',
    `- Handed to nginx (MB/s): ${runs(offloaded.coffer)}; nginx static meanwhile: ${runs(offloaded.nginx)}`,
    `- Streamed by Coffer (MB/s): ${runs(streamed.coffer)}; nginx static meanwhile: ${runs(streamed.nginx)}`,
    `- Upload through nginx (MB/s): ${runs(uploads.balancer)}; straight to one instance: ${runs(uploads.direct)}`,
    `- Listing (req/s): one instance without nginx ${runs(listings.direct?.map((r) => r.rate), 1)}; through nginx with 1 instance ${runs(listings[1]?.map((r) => r.rate), 1)}, ` +
      `2: ${runs(listings[2]?.map((r) => r.rate), 1)}, 3: ${runs(listings[3]?.map((r) => r.rate), 1)}`,
    '',
    '## Where the CPU went during the listing (cores busy, median run)',
    '',
    '| Setup | req/s | Coffer instances | nginx | Redis | wrk and everything else | Whole machine |',
    '|---|---|---|---|---|---|---|',
    ...setups.map(
      ({ name, rate, cores }) =>
        `| ${name === 'direct' ? '1 instance, no nginx' : `${name} instance(s) through nginx`} | ${fmt(rate)} | ${fmt(cores.coffer, 2)} | ${name === 'direct' ? '—' : fmt(cores.nginx, 2)} | ` +
        `${fmt(cores.redis, 2)} | ${fmt(cores.machine - cores.coffer - cores.nginx - cores.redis, 2)} | ${fmt(cores.machine, 2)} of ${os.availableParallelism()} |`,
    ),
    '',
    '## Reading the listing numbers on this machine',
    '',
    `This machine has ${cores} cores for everything: nginx (one worker per core), every Coffer instance, Redis, wrk — and whatever else runs here. ` +
      `One instance is one Node.js event loop: it used ${fmt(one1.cores.coffer, 2)} cores and was the bottleneck, with ${fmt(cores - one1.cores.machine, 2)} of a core left on the machine. ` +
      `A second instance can only use what is left, and each request then costs more CPU, as processes take turns on the cores and share one SQLite file: ` +
      `${fmt(perCore(one1))} requests per Coffer core-second with one instance, ${fmt(perCore(two))} with two, the machine at ${fmt(two.cores.machine, 2)} of ${cores} cores. ` +
      `So 2 instances served ${fmt(two.rate / one1.rate, 2)}× the requests of one and 3 served ${fmt(three.rate / one1.rate, 2)}×; a third instance has no core of its own. ` +
      'With a core per instance plus room for nginx (more cores, or more machines behind a balancer, on PostgreSQL), the listing scales until the database or Redis is the limit; ' +
      'this run cannot show that.',
    '',
  ].join('\n');
}

const abort = (why: string) => {
  console.error(`\n${why}: stopping every process started and removing ${work}`);
  void stopEverything().finally(() => {
    rmSync(work, { recursive: true, force: true });
    process.exit(130);
  });
};
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => abort(signal));
setTimeout(() => abort(`still running after ${WATCHDOG_MS / 60_000} minutes`), WATCHDOG_MS).unref();
try {
  await main();
} finally {
  await stopEverything();
  rmSync(work, { recursive: true, force: true });
}
