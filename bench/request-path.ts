/**
 * The request path (issue 9): authenticated listing against a bare Fastify and bare
 * node:http returning the same body; 64 KiB Range requests at random offsets against bare
 * Node createReadStream and nginx; RSS per concurrent download; search at 100,000 files and
 * /healthz while two clients search (against two clients listing, and a bare Fastify under two
 * clients). All in one run, ratios against the baselines.
 *
 *   npx tsc -p tsconfig.build.json && npx tsx bench/request-path.ts
 *   LABEL=after npx tsx bench/request-path.ts       # names the report results/request-path.<label>.md
 *   BEFORE_CLI=../main/dist/cli.js npx tsx bench/request-path.ts   # also another build, same run
 *   COFFER_NODE_FLAGS='--max-semi-space-size=64' BEFORE_CLI=dist/cli.js BEFORE_NODE_FLAGS= …
 *                                                    # this build under other Node flags against
 *                                                    # Node's defaults (flags default: npm start's)
 *   PROFILE=1 npx tsx bench/request-path.ts          # only listing + Range, Coffer under --cpu-prof,
 *                                                    # prints the top self-time functions
 *   PROFILE=range npx tsx bench/request-path.ts      # only Range, Coffer under --cpu-prof
 *   PROFILE=1 KEEP_PROFILE=/tmp/coffer.cpuprofile …   # and keeps the profile
 */
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { get } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { cofferNodeFlags, currentRss, freePort, killAllOwnedSync, makeMediaFile, median, sleep, startService, stopService, tail, uncachedListingPart, waitReady, type Service } from './lib.js';
import { startNginx } from './servers.js';

const MB = 1e6;
const MiB = 1 << 20;
const VIDEO_BYTES = 200 * MB;
const LIST_FILES = 60;
const SEARCH_FILES = 100_000;
const DURATION = process.env.DURATION ?? '8s';
/** PROFILE=1: listing and Range under --cpu-prof; PROFILE=range: Range alone. */
const PROFILE = process.env.PROFILE === '1' || process.env.PROFILE === 'range';
/** ONLY=range (or PROFILE=range): the Range part alone, printed. */
const RANGE_ONLY = process.env.PROFILE === 'range' || process.env.ONLY === 'range';
const LABEL = process.env.LABEL ?? 'latest';
const TARGET = { listingVsFastify: 0.5, rangeVsNode: 0.6, searchP95Ms: 10, rssPerDownload: 1 * MiB };

const benchDir = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(benchDir, '..');
const fmt = (n: number, digits = 0) => (Number.isFinite(n) ? n.toFixed(digits) : 'n/a');

interface WrkResult {
  rps: number;
  p50Ms: number;
  p99Ms: number;
  non2xx: number;
  requests: number;
  /** Coffer's full (mark-compact) collections per 10,000 requests, from its /metrics; Coffer's runs only. */
  majorGcsPer10k?: number;
}

function parseLatency(text: string, label: string): number {
  const match = new RegExp(`^\\s*${label}\\s+([\\d.]+)(us|ms|s)`, 'm').exec(text);
  if (!match) return NaN;
  const value = Number(match[1]);
  return match[2] === 'us' ? value / 1000 : match[2] === 's' ? value * 1000 : value;
}

/** wrk, asynchronously: the bench's own clients (the searchers) keep running meanwhile. */
async function wrk(url: string, connections: number, options: { auth?: string; script?: string; env?: Record<string, string>; duration?: string } = {}): Promise<WrkResult> {
  const args = ['-t2', `-c${connections}`, `-d${options.duration ?? DURATION}`, '--latency'];
  if (options.script) args.push('-s', options.script);
  else if (options.auth) args.push('-H', `Authorization: ${options.auth}`);
  args.push(url);
  const child = spawn('wrk', args, { env: { ...process.env, ...options.env }, stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  await new Promise((resolve) => child.once('close', resolve));
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? NaN);
  const requests = Number(/(\d+) requests in/.exec(out)?.[1] ?? NaN);
  const non2xx = Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(out)?.[1] ?? 0);
  return { rps, requests, p50Ms: parseLatency(out, '50%'), p99Ms: parseLatency(out, '99%'), non2xx };
}

/** A wrk run against a Coffer build, with the full collections its process ran meanwhile. */
async function wrkCounted(build: Build, url: string, connections: number, options: Parameters<typeof wrk>[2]): Promise<WrkResult> {
  const before = await majorCollections(build.coffer.metricsUrl);
  const result = await wrk(url, connections, options);
  const collections = (await majorCollections(build.coffer.metricsUrl)) - before;
  return { ...result, majorGcsPer10k: (collections / result.requests) * 10_000 };
}

/** prom-client's count of major collections in the Coffer process. */
async function majorCollections(metricsUrl: string): Promise<number> {
  // A fresh connection each time: the metrics listener closes idle ones while wrk runs.
  const text = await new Promise<string>((resolve, reject) =>
    get(metricsUrl, { agent: false }, (response) => {
      let body = '';
      response.setEncoding('utf8').on('data', (chunk: string) => (body += chunk)).on('end', () => resolve(body)).on('error', reject);
    }).on('error', reject),
  );
  return Number(/^nodejs_gc_duration_seconds_count\{kind="major"\} (\d+)/m.exec(text)?.[1] ?? NaN);
}

async function startCoffer(work: string, cli: string, nodeArgs: string[]): Promise<{ service: Service; base: string; dataDir: string; metricsUrl: string }> {
  const port = await freePort();
  const metricsPort = await freePort();
  const dataDir = path.join(work, 'coffer-data');
  const service = startService('coffer', process.execPath, [...nodeArgs, cli, 'serve'], path.join(work, 'coffer.log'), {
    PORT: String(port),
    METRICS_PORT: String(metricsPort),
    HOST: '127.0.0.1',
    DATA_DIR: dataDir,
    // As deployed: LOG_LEVEL's default (info), so the cost of request logging is measured.
    LOG_LEVEL: 'info',
    MAX_UPLOAD_BYTES: '4GiB',
    SECRET_KEY: randomBytes(32).toString('hex'),
    MALLOC_ARENA_MAX: '2',
  });
  const base = `http://127.0.0.1:${port}`;
  await waitReady(service, `${base}/healthz`);
  return { service, base, dataDir, metricsUrl: `http://127.0.0.1:${metricsPort}/metrics` };
}

async function register(base: string): Promise<string> {
  const password = randomBytes(12).toString('hex');
  const response = await fetch(`${base}/api/v1/auth/register`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ name: 'Bench', username: 'bench', email: 'bench@example.com', password }),
  });
  if (response.status !== 201) throw new Error(`register: HTTP ${response.status}: ${await response.text()}`);
  return `Basic ${Buffer.from(`bench:${password}`).toString('base64')}`;
}

function curlUpload(url: string, auth: string, files: string[]): { items: Array<{ id: string }> } {
  const args = ['--silent', '--show-error', '-H', `Authorization: ${auth}`, ...files.flatMap((f) => ['-F', `file=@${f}`]), url];
  const result = spawnSync('curl', args, { encoding: 'utf8', maxBuffer: 64 * MiB });
  return JSON.parse(result.stdout) as { items: Array<{ id: string }> };
}

/** Waits until no job is queued or running (the media jobs of the uploads), so they do not land in a measurement. */
async function settle(base: string, auth: string, ids: string[]): Promise<void> {
  for (const deadline = Date.now() + 60_000; Date.now() < deadline; await sleep(500)) {
    const page = (await (await fetch(`${base}/api/v1/files?limit=200`, { headers: { Authorization: auth } })).json()) as { items: Array<{ id: string; processing: { status: string } }> };
    const pending = page.items.filter((f) => ids.includes(f.id) && (f.processing.status === 'pending' || f.processing.status === 'running'));
    if (pending.length === 0) return;
  }
  console.warn('  (media jobs had not finished after 60 s; going on)');
}

/** RSS growth while `count` clients download slowly at once: the memory each stream holds. */
async function rssPerDownload(pid: number, url: string, count: number, auth?: string): Promise<number> {
  await sleep(500);
  const before = currentRss(pid);
  const curls = Array.from({ length: count }, () =>
    spawn('curl', ['--silent', '--output', '/dev/null', '--limit-rate', '2M', ...(auth ? ['-H', `Authorization: ${auth}`] : []), url], { stdio: 'ignore' }),
  );
  let peak = before;
  for (let i = 0; i < 16; i++) {
    await sleep(250);
    peak = Math.max(peak, currentRss(pid));
  }
  for (const curl of curls) if (curl.pid !== undefined) process.kill(curl.pid, 'SIGKILL');
  await Promise.all(curls.map((curl) => new Promise((resolve) => (curl.exitCode !== null ? resolve(null) : curl.once('exit', resolve)))));
  return (peak - before) / count;
}

/** 100,000 rows written straight into the SQLite file (the API would take minutes); names from a small vocabulary. */
async function fillLibrary(dataDir: string, base: string, auth: string): Promise<void> {
  const { default: SQLite } = await import('better-sqlite3');
  const db = new SQLite(path.join(dataDir, 'coffer.db'));
  db.pragma('busy_timeout = 10000');
  const owner = (db.prepare('select id from users where username = ?').get('bench') as { id: string }).id;
  const words = ['holiday', 'beach', 'family', 'birthday', 'concert', 'garden', 'mountain', 'river', 'city', 'night', 'party', 'wedding', 'trip', 'snow', 'summer'];
  const insert = db.prepare(
    `insert into files (id, owner_id, name, kind, content_type, size, sha256, blob_key, thumbnail_key, width, height, duration_seconds, created_at, processing, failed_steps)
     values (?, ?, ?, 'image', 'image/jpeg', 1000, ?, ?, null, null, null, null, ?, 'done', null)`,
  );
  const start = Date.parse('2020-01-01T00:00:00Z');
  // Batches of 2,000: the write lock is held a moment at a time, as a busy instance would.
  const batch = db.transaction((from: number) => {
    for (let i = from; i < Math.min(from + 2000, SEARCH_FILES); i++) {
      const id = randomUUID();
      const name = `${words[i % words.length]}-${words[(i * 7) % words.length]}-${String(i).padStart(6, '0')}.jpg`;
      insert.run(id, owner, name, '0'.repeat(64), `bench/${id}`, new Date(start + i * 1000).toISOString());
    }
  });
  for (let from = 0; from < SEARCH_FILES; from += 2000) {
    batch(from);
    await sleep(20);
  }
  db.close();
  void base;
  void auth;
}

/** Times of `count` listings of `url`, each uncached: a search measured is a search run. */
async function latencies(url: string, auth: string, count: number): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < count; i++) {
    const t0 = performance.now();
    const response = await fetch(url + uncachedListingPart(), { headers: { Authorization: auth } });
    await response.arrayBuffer();
    if (response.status !== 200) throw new Error(`search: HTTP ${response.status}`);
    times.push(performance.now() - t0);
  }
  return times.sort((a, b) => a - b);
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;

/** Top self-time functions of a .cpuprofile, as "share  function  file:line". */
function summariseProfile(file: string, top = 25): string[] {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as {
    nodes: Array<{ id: number; callFrame: { functionName: string; url: string; lineNumber: number } }>;
    samples: number[];
    timeDeltas: number[];
  };
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<string, number>();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const node = byId.get(id);
    const delta = profile.timeDeltas[i] ?? 0;
    total += delta;
    if (!node) return;
    const { functionName, url, lineNumber } = node.callFrame;
    const where = url ? `${url.replace(/^.*node_modules\//, '').replace(/^file:\/\/.*\/(dist|src)\//, '$1/')}:${lineNumber + 1}` : '';
    const key = `${functionName || '(anonymous)'} ${where}`.trim();
    self.set(key, (self.get(key) ?? 0) + delta);
  });
  return [...self.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([key, t]) => `| ${fmt((100 * t) / total, 1)} % | \`${key}\` |`);
}

interface Build {
  name: string;
  coffer: { service: Service; base: string; dataDir: string; metricsUrl: string };
  auth: string;
  listUrl: string;
  contentUrl: string;
}

/** One Coffer build with its library: the 200 MB video and LIST_FILES images. */
async function prepareBuild(name: string, cli: string, work: string, video: string, images: string[], nodeArgs: string[]): Promise<Build> {
  const dir = path.join(work, name);
  mkdirSync(dir, { recursive: true });
  const coffer = await startCoffer(dir, cli, nodeArgs);
  const auth = await register(coffer.base);
  const [stored] = curlUpload(`${coffer.base}/api/v1/files`, auth, [video]).items;
  const small = curlUpload(`${coffer.base}/api/v1/files`, auth, images).items;
  await settle(coffer.base, auth, [stored!.id, ...small.map((f) => f.id)]);
  return { name, coffer, auth, listUrl: `${coffer.base}/api/v1/files?limit=50`, contentUrl: `${coffer.base}/api/v1/files/${stored!.id}/content` };
}

const ROUNDS = 2;

/** Rounds interleave the servers, so drift (neighbours, CPU boost) hits them all alike; the mean of the rounds. */
async function interleaved(targets: Array<{ key: string; run: () => Promise<WrkResult> }>): Promise<Map<string, WrkResult>> {
  const runs = new Map<string, WrkResult[]>(targets.map((t) => [t.key, []]));
  for (let round = 0; round < ROUNDS; round++) for (const target of targets) runs.get(target.key)!.push(await target.run());
  const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;
  return new Map(
    [...runs.entries()].map(([key, results]) => [
        key,
        {
          rps: mean(results.map((r) => r.rps)),
          p50Ms: mean(results.map((r) => r.p50Ms)),
          p99Ms: mean(results.map((r) => r.p99Ms)),
          non2xx: results.reduce((a, r) => a + r.non2xx, 0),
          requests: results.reduce((a, r) => a + r.requests, 0),
          ...(results[0]?.majorGcsPer10k !== undefined ? { majorGcsPer10k: mean(results.map((r) => r.majorGcsPer10k!)) } : {}),
        },
      ]),
  );
}

async function searchFigures(build: Build, fastifyBase: string) {
  await fillLibrary(build.coffer.dataDir, build.coffer.base, build.auth);
  const search = (q: string) => `${build.coffer.base}/api/v1/files?limit=50&q=${encodeURIComponent(q)}`;
  await latencies(search('nomatch'), build.auth, 5);
  const searches = {
    none: await latencies(search('zebra'), build.auth, 100),
    rare: await latencies(search('012345'), build.auth, 100),
    common: await latencies(search('beach'), build.auth, 100),
  };
  const healthUrl = `${build.coffer.base}/healthz`;
  const healthAlone = await wrk(healthUrl, 8, { duration: '4s' });
  const healthBusy = await healthWhile(healthUrl, search('zebra'), build.auth);
  // Controls: the same two clients asking for a plain page (each one read from the database),
  // and a bare Fastify's /healthz while two clients fetch its /list — what two busy clients
  // cost /healthz on these two cores when nothing blocks.
  const healthListing = await healthWhile(healthUrl, build.listUrl, build.auth);
  const bareAlone = await wrk(`${fastifyBase}/healthz`, 8, { duration: '4s' });
  const bareBusy = await healthWhile(`${fastifyBase}/healthz`, `${fastifyBase}/list?page`, '');
  return { searches, healthAlone, healthBusy, healthListing, bareAlone, bareBusy };
}

/** wrk on /healthz for 4 s while two clients fetch `busyUrl` one request after another. */
async function healthWhile(healthUrl: string, busyUrl: string, auth: string): Promise<WrkResult> {
  let busy = true;
  const clients = [0, 1].map(async () => {
    while (busy) await latencies(busyUrl, auth, 1);
  });
  try {
    return await wrk(healthUrl, 8, { duration: '4s' });
  } finally {
    busy = false;
    await Promise.all(clients);
  }
}

async function main(): Promise<void> {
  const work = mkdtempSync(path.join(os.tmpdir(), 'coffer-reqpath-'));
  const services: Service[] = [];
  const abort = (why: string) => {
    console.error(`\n${why}: stopping the servers`);
    killAllOwnedSync();
    rmSync(work, { recursive: true, force: true });
    process.exit(130);
  };
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => abort(signal));
  const profDir = path.join(work, 'prof');
  try {
    const filesDir = path.join(work, 'files');
    mkdirSync(filesDir);
    const video = path.join(filesDir, 'video.mp4');
    makeMediaFile(video, VIDEO_BYTES);
    // Images: their thumbnails are quick, so the media jobs are done before anything is measured.
    const png = readFileSync(path.join(repo, 'test', 'fixtures', 'sample.png'));
    const images = Array.from({ length: LIST_FILES }, (_, i) => {
      const file = path.join(filesDir, `photo-${i}.png`);
      writeFileSync(file, png);
      return file;
    });

    // This build, and (BEFORE_CLI, e.g. main's dist/cli.js) the one it is compared with, in the same run.
    const nodeArgs = [...cofferNodeFlags(), ...(PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${profDir}`] : [])];
    const builds = [await prepareBuild('this', process.env.COFFER_CLI ?? path.join(repo, 'dist', 'cli.js'), work, video, images, nodeArgs)];
    const beforeFlags = process.env.BEFORE_NODE_FLAGS?.split(' ').filter(Boolean) ?? cofferNodeFlags();
    if (process.env.BEFORE_CLI && !PROFILE) builds.push(await prepareBuild('before', process.env.BEFORE_CLI, work, video, images, beforeFlags));
    for (const build of builds) services.push(build.coffer.service);
    const [current] = builds;
    const body = await (await fetch(current!.listUrl, { headers: { Authorization: current!.auth } })).text();
    const bodyFile = path.join(work, 'list.json');
    writeFileSync(bodyFile, body);

    const fastifyPort = await freePort();
    const nodePort = await freePort();
    const baselines = startService('baselines', process.execPath, [path.join(benchDir, 'request-path-baselines.mjs')], path.join(work, 'baselines.log'), {
      BODY_FILE: bodyFile,
      FILE: video,
      FASTIFY_PORT: String(fastifyPort),
      NODE_PORT: String(nodePort),
      NODE_PATH: path.join(repo, 'node_modules'),
    });
    services.push(baselines);
    await waitReady(baselines, `http://127.0.0.1:${nodePort}/healthz`);
    await waitReady(baselines, `http://127.0.0.1:${fastifyPort}/healthz`);
    const nginx = await startNginx('/usr/sbin/nginx', work, filesDir, 'video.mp4');
    services.push(nginx.service);

    // Memory first, before load has grown the heaps: what 32 slow downloads add to RSS.
    console.log('memory ...');
    const rss = new Map<string, number>();
    if (!PROFILE && !RANGE_ONLY) {
      for (const build of builds) rss.set(build.name, await rssPerDownload(build.coffer.service.pid, build.contentUrl, 32, build.auth));
      rss.set('node', await rssPerDownload(baselines.pid, `http://127.0.0.1:${nodePort}/blob`, 32));
    }

    const rangeEnv = (authHeader?: string) => ({ SIZE: String(VIDEO_BYTES), AUTH: authHeader ?? '' });
    const script = path.join(benchDir, 'range.lua');
    const uncachedScript = path.join(benchDir, 'listing-uncached.lua');
    console.log('listing ...');
    if (!RANGE_ONLY) for (const build of builds) await wrk(build.listUrl, 32, { auth: build.auth, duration: '2s' }); // warm-up
    const listing = await interleaved(RANGE_ONLY ? [] : [
      ...builds.map((build) => ({ key: build.name, run: () => wrk(build.listUrl, 32, { auth: build.auth }) })),
      // Each request a page of its own, as if the library had changed since the last one.
      ...builds.map((build) => ({ key: `${build.name} uncached`, run: () => wrk(build.listUrl, 32, { script: uncachedScript, env: { AUTH: build.auth } }) })),
      ...(PROFILE ? [] : [{ key: 'fastify', run: () => wrk(`http://127.0.0.1:${fastifyPort}/list`, 32) }, { key: 'node', run: () => wrk(`http://127.0.0.1:${nodePort}/list`, 32) }]),
    ]);
    console.log('range ...');
    for (const build of builds) await wrk(build.contentUrl, 16, { script, env: rangeEnv(build.auth), duration: '2s' });
    const range = await interleaved([
      ...builds.map((build) => ({ key: build.name, run: () => wrkCounted(build, build.contentUrl, 16, { script, env: rangeEnv(build.auth) }) })),
      ...(PROFILE
        ? []
        : [
            { key: 'node', run: () => wrk(`http://127.0.0.1:${nodePort}/blob`, 16, { script, env: rangeEnv() }) },
            { key: 'nginx', run: () => wrk(`${nginx.base}/video.mp4`, 16, { script, env: rangeEnv() }) },
          ]),
    ]);

    if (RANGE_ONLY && !PROFILE) {
      for (const [key, result] of range) console.log(`range ${key}: ${fmt(result.rps)} req/s, p50 ${result.p50Ms} ms, p99 ${result.p99Ms} ms${result.majorGcsPer10k === undefined ? '' : `, ${fmt(result.majorGcsPer10k, 1)} full collections per 10,000`}`);
      return;
    }
    if (PROFILE) {
      for (const service of services.reverse()) await stopService(service);
      services.length = 0;
      const [profile] = readdirSync(profDir).filter((f) => f.endsWith('.cpuprofile'));
      if (process.env.KEEP_PROFILE) writeFileSync(process.env.KEEP_PROFILE, readFileSync(path.join(profDir, profile!)));
      console.log(`listing ${RANGE_ONLY ? '-' : fmt(listing.get('this')!.rps)} req/s, range ${fmt(range.get('this')!.rps)} req/s (under --cpu-prof)`);
      console.log(['| self time | function |', '|---|---|', ...summariseProfile(path.join(profDir, profile!))].join('\n'));
      return;
    }

    console.log('search ...');
    const search = new Map<string, Awaited<ReturnType<typeof searchFigures>>>();
    for (const build of builds) {
      // Alone on the machine's cores while it is measured.
      for (const other of builds) if (other !== build) process.kill(other.coffer.service.pid, 'SIGSTOP');
      try {
        search.set(build.name, await searchFigures(build, `http://127.0.0.1:${fastifyPort}`));
      } finally {
        for (const other of builds) if (other !== build) process.kill(other.coffer.service.pid, 'SIGCONT');
      }
    }

    const names = builds.map((b) => b.name);
    const cell = (values: Array<string>) => values.join(' | ');
    const ratios = (of: Map<string, WrkResult>, base: string) => cell(names.map((n) => fmt(of.get(n)!.rps / of.get(base)!.rps, 2)));
    const rps = (of: Map<string, WrkResult>) => cell(names.map((n) => fmt(of.get(n)!.rps)));
    const pct = (n: string, key: 'none' | 'rare' | 'common') => `${fmt(percentile(search.get(n)!.searches[key], 50), 1)} / ${fmt(percentile(search.get(n)!.searches[key], 95), 1)}`;
    const header = `| Measure | ${cell(names.map((n) => `Coffer (${n})`))} | Baseline | ${cell(names.map((n) => `Ratio (${n})`))} | Target |`;
    const lines = [
      `# Request path (${LABEL})`,
      '',
      `- Date: ${new Date().toISOString()}; load average at end ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}; nproc ${os.cpus().length}; Node ${process.version}`,
      `- wrk -t2, ${DURATION} per run, ${ROUNDS} interleaved rounds (mean) after a warm-up, all on 127.0.0.1; Coffer from dist/ (\`this\`)${builds.length > 1 ? ` and from ${process.env.BEFORE_CLI} (\`before\`)` : ''}, LOG_LEVEL=info, HTTP Basic (cached check), embedded SQLite + local folder.`,
      '',
      header,
      `|---|${names.map(() => '---|').join('')}---|${names.map(() => '---|').join('')}---|`,
      `| GET /api/v1/files?limit=50, 32 conn (req/s) | ${rps(listing)} | ${fmt(listing.get('fastify')!.rps)} (bare Fastify, same body) | ${ratios(listing, 'fastify')} | ≥ ${TARGET.listingVsFastify} |`,
      `| same (req/s) | ${rps(listing)} | ${fmt(listing.get('node')!.rps)} (bare node:http) | ${ratios(listing, 'node')} | reported |`,
      `| same, each request after a change (no cached page; req/s) | ${cell(names.map((n) => fmt(listing.get(`${n} uncached`)!.rps)))} | ${fmt(listing.get('fastify')!.rps)} (bare Fastify) | ${cell(names.map((n) => fmt(listing.get(`${n} uncached`)!.rps / listing.get('fastify')!.rps, 2)))} | reported |`,
      `| listing p50 / p99 (ms) | ${cell(names.map((n) => `${fmt(listing.get(n)!.p50Ms, 1)} / ${fmt(listing.get(n)!.p99Ms, 1)}`))} | ${fmt(listing.get('fastify')!.p50Ms, 1)} / ${fmt(listing.get('fastify')!.p99Ms, 1)} (Fastify) | ${cell(names.map(() => '—'))} | reported |`,
      `| 64 KiB Range at random offsets, 16 conn (req/s) | ${rps(range)} | ${fmt(range.get('node')!.rps)} (bare Node createReadStream) | ${ratios(range, 'node')} | ≥ ${TARGET.rangeVsNode} |`,
      `| same (req/s) | ${rps(range)} | ${fmt(range.get('nginx')!.rps)} (nginx) | ${ratios(range, 'nginx')} | reported |`,
      // A healthy process runs about one per 10 s here; a heap stuck growing by 1.3× runs one every ~0.1 s (see README).
      `| Coffer's full (mark-compact) collections per 10,000 Range requests | ${cell(names.map((n) => fmt(range.get(n)!.majorGcsPer10k!, 1)))} | — | ${cell(names.map(() => '—'))} | reported |`,
      `| extra RSS per concurrent download, 32 slow downloads (MiB) | ${cell(names.map((n) => fmt(rss.get(n)! / MiB, 2)))} | ${fmt(rss.get('node')! / MiB, 2)} (bare Node) | ${cell(names.map(() => '—'))} | ≤ ${TARGET.rssPerDownload / MiB} |`,
      `| search at ${SEARCH_FILES.toLocaleString('en')} files, no match, p50 / p95 (ms) | ${cell(names.map((n) => pct(n, 'none')))} | — | ${cell(names.map(() => '—'))} | p95 ≤ ${TARGET.searchP95Ms} |`,
      `| search, rare term (1 match), p50 / p95 (ms) | ${cell(names.map((n) => pct(n, 'rare')))} | — | ${cell(names.map(() => '—'))} | p95 ≤ ${TARGET.searchP95Ms} |`,
      `| search, common term (13,000 matches), p50 / p95 (ms) | ${cell(names.map((n) => pct(n, 'common')))} | — | ${cell(names.map(() => '—'))} | p95 ≤ ${TARGET.searchP95Ms} |`,
      `| /healthz while 2 clients search ÷ alone | ${cell(names.map((n) => `${fmt(search.get(n)!.healthBusy.rps)} / ${fmt(search.get(n)!.healthAlone.rps)}`))} | — | ${cell(names.map((n) => fmt(search.get(n)!.healthBusy.rps / search.get(n)!.healthAlone.rps, 2)))} | unaffected (≈ 1) |`,
      `| control: /healthz while 2 clients list (a page from the database each) ÷ alone | ${cell(names.map((n) => `${fmt(search.get(n)!.healthListing.rps)} / ${fmt(search.get(n)!.healthAlone.rps)}`))} | — | ${cell(names.map((n) => fmt(search.get(n)!.healthListing.rps / search.get(n)!.healthAlone.rps, 2)))} | reported |`,
      `| control: bare Fastify /healthz while 2 clients fetch its /list ÷ alone | ${cell(names.map((n) => `${fmt(search.get(n)!.bareBusy.rps)} / ${fmt(search.get(n)!.bareAlone.rps)}`))} | — | ${cell(names.map((n) => fmt(search.get(n)!.bareBusy.rps / search.get(n)!.bareAlone.rps, 2)))} | reported |`,
      // Blocked or only sharing the core: a search holding the event loop shows in the tail.
      `| /healthz p99 while 2 clients search / list / alone (ms) | ${cell(names.map((n) => `${fmt(search.get(n)!.healthBusy.p99Ms, 1)} / ${fmt(search.get(n)!.healthListing.p99Ms, 1)} / ${fmt(search.get(n)!.healthAlone.p99Ms, 1)}`))} | ${fmt(search.get(names[0]!)!.bareBusy.p99Ms, 1)} / ${fmt(search.get(names[0]!)!.bareAlone.p99Ms, 1)} (bare Fastify busy / alone) | ${cell(names.map(() => '—'))} | reported |`,
      '',
      `Non-2xx responses: listing ${cell(names.map((n) => String(listing.get(n)!.non2xx)))}; Range ${cell(names.map((n) => String(range.get(n)!.non2xx)))} (206 counts as 2xx).`,
      '',
    ];
    const report = lines.join('\n');
    console.log(`\n${report}`);
    writeFileSync(path.join(benchDir, 'results', `request-path.${LABEL}.md`), report);
  } catch (error) {
    for (const service of services) console.error(`--- last lines of ${service.name} (${service.logFile})\n${tail(service.logFile)}`);
    throw error;
  } finally {
    for (const service of services.reverse()) await stopService(service);
    rmSync(work, { recursive: true, force: true });
  }
}

await main();
