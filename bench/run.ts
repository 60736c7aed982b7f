/**
 * Coffer's throughput and memory against bare baselines, on this machine, in one run:
 *  1. download of a 200 MB file: Coffer vs a bare Node server vs nginx (sendfile)
 *  2. upload of a 1 GB file (multipart): Coffer vs a bare Node server writing the raw body
 *  3. Coffer's peak RSS over the 1 GB uploads and a 1 GB download (and the bare server's)
 * Prints a Markdown report and writes it to bench/results/latest.md.
 *
 * Needs `npx tsc -p tsconfig.build.json` first (it runs dist/, as deployed), curl, and
 * optionally nginx. Everything listens on 127.0.0.1; everything started is stopped.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  commandExists,
  currentRss,
  download,
  firstLine,
  flushDirtyPages,
  killAllOwnedSync,
  median,
  peakRss,
  rate,
  resetPeakRss,
  sleep,
  stopService,
  streamingRate,
  tail,
  upload,
  withServerCpu,
  type Service,
  type Transfer,
  makeMediaFile,
} from './lib.js';
import { startBaseline, startCoffer, startNginx, type Running } from './servers.js';

// Decimal units throughout (MB = 10^6 bytes), for speeds, sizes and memory alike.
const MB = 1e6;
const DOWNLOAD_BYTES = 200 * MB;
const UPLOAD_BYTES = 1000 * MB;
const WARMUPS = 1;
// More download runs than upload runs: each takes a fraction of a second, so one hiccup
// (a GC, a neighbour's burst) moves a single run a lot; the median of 9 shrugs it off.
const DOWNLOAD_RUNS = 9;
const UPLOAD_RUNS = 3;
const TARGET = { downloadVsNode: 0.8, downloadVsNginx: 0.5, uploadVsNode: 0.7, peakRss: 200 * MB };
// A normal run takes well under a minute; past this something hangs, so give up and clean up.
const WATCHDOG_MS = 10 * 60_000;
const NGINX = '/usr/sbin/nginx';
const INSTALL_HINT = 'apt-get install nginx-light curl';

const benchDir = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(benchDir, '..');

interface Row {
  measure: string;
  coffer: string;
  baseline: string;
  ratio: string;
  target: string;
  result: string;
}

const fmt = (n: number, digits = 0) => (Number.isFinite(n) ? n.toFixed(digits) : 'n/a');
const mbps = (t: Transfer[], of = rate) => median(t.map(of)) / MB;
const verdict = (pass: boolean) => (pass ? 'PASS' : '**FAIL**');

// Taken before anything starts: other work on the machine makes every number noisier.
const loadAtStart = os.loadavg()[0] ?? NaN;

function machineFacts(nginxVersion: string | undefined): string[] {
  const cpu = /^model name\s*:\s*(.*)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? 'unknown';
  return [
    `- Date: ${new Date().toISOString()}`,
    `- CPU: nproc ${os.availableParallelism()}, ${cpu}; RAM ${fmt(os.totalmem() / 1024 ** 3, 1)} GiB, Linux ${os.release()}`,
    `- Load average (1 min) at start ${fmt(loadAtStart, 2)}, at end ${fmt(os.loadavg()[0] ?? NaN, 2)}${loadAtStart > os.availableParallelism() / 4 ? ' — the machine was busy: expect noisy numbers' : ''}`,
    `- Node ${process.version} · ${nginxVersion ?? 'nginx: not installed'} · ${firstLine('curl', ['--version']).split(' ').slice(0, 2).join(' ')}`,
    `- Client: curl to /dev/null on 127.0.0.1; downloads median of ${DOWNLOAD_RUNS}, uploads median of ${UPLOAD_RUNS}, each after ${WARMUPS} warm-up; runs interleaved across servers. MB = 10^6 bytes.`,
  ];
}

/** Small JSON calls to Coffer (not measured), with HTTP Basic like the measured ones. */
class CofferApi {
  constructor(
    readonly base: string,
    private readonly auth: string,
  ) {}

  /** curl arguments for HTTP Basic, which Coffer checks with argon2id on every request. */
  get basic(): string[] {
    return ['--user', this.auth];
  }

  static async register(base: string): Promise<CofferApi> {
    const password = randomBytes(12).toString('hex');
    const response = await fetch(`${base}/api/v1/auth/register`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ name: 'Bench', username: 'bench', email: 'bench@example.com', password }),
    });
    if (response.status !== 201) throw new Error(`register: HTTP ${response.status}: ${await response.text()}`);
    return new CofferApi(base, `bench:${password}`);
  }

  /** curl arguments for a session cookie: one argon2id check at login, none per request. */
  async session(): Promise<string[]> {
    const [username, password] = this.auth.split(':');
    const response = await fetch(`${this.base}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ username, password }),
    });
    const cookie = response.headers.getSetCookie().find((c) => c.startsWith('coffer_session='));
    if (response.status !== 200 || !cookie) throw new Error(`login: HTTP ${response.status}: ${await response.text()}`);
    return ['--cookie', cookie.split(';')[0] ?? ''];
  }

  private call(method: string, url: string): Promise<Response> {
    return fetch(`${this.base}${url}`, { method, headers: { Authorization: `Basic ${Buffer.from(this.auth).toString('base64')}` } });
  }

  /**
   * Waits for the post-upload job (ffprobe + a poster frame) to finish, so that background
   * work does not land in the next measurement, whichever server it is for.
   */
  async settle(id: string): Promise<void> {
    for (const deadline = Date.now() + 10_000; Date.now() < deadline; await sleep(250)) {
      const file = (await (await this.call('GET', `/api/v1/files/${id}`)).json()) as { durationSeconds?: number };
      if (file.durationSeconds !== undefined) return;
    }
    console.warn(`  (the media job for ${id} had not finished after 10 s; going on)`);
  }

  async delete(id: string): Promise<void> {
    const response = await this.call('DELETE', `/api/v1/files/${id}`);
    if (response.status !== 204) throw new Error(`DELETE ${id}: HTTP ${response.status}`);
  }

  async upload(file: string, size: number, serverPid: number): Promise<{ transfer: Transfer; id: string }> {
    const transfer = await withServerCpu(serverPid, () => upload(`${this.base}/api/v1/files`, file, size, this.basic));
    const stored = (JSON.parse(transfer.body) as { items: Array<{ id: string; size: number }> }).items[0];
    if (!stored || stored.size !== size) throw new Error(`Coffer stored ${stored?.size} bytes, expected ${size}`);
    return { transfer, id: stored.id };
  }
}

function detailsTable(title: string, rows: Array<[string, Transfer[]]>, download: boolean): string[] {
  return [
    `### ${title}`,
    '',
    `| Server | Runs (MB/s) | Median (MB/s) | Median time to first byte (ms) |${download ? ' Median after first byte (MB/s) |' : ''} Server CPU per GB (s) |`,
    `|---|---|---|---|${download ? '---|' : ''}---|`,
    ...rows.map(
      ([name, t]) =>
        `| ${name} | ${t.map((x) => fmt(rate(x) / MB)).join(', ')} | ${fmt(mbps(t))} | ${fmt(median(t.map((x) => x.ttfbSeconds)) * 1000, 1)} |` +
        (download ? ` ${fmt(mbps(t, streamingRate))} |` : '') +
        ` ${fmt(median(t.map((x) => (x.serverCpuSeconds ?? NaN) / (x.bytes / 1e9))), 2)} |`,
    ),
    '',
  ];
}

async function main(): Promise<void> {
  if (!commandExists('curl')) {
    console.error(`curl is missing; every measurement uses it. Install it with: ${INSTALL_HINT}. Nothing measured.`);
    process.exitCode = 1;
    return;
  }
  if (!existsSync(path.join(repo, 'dist', 'cli.js'))) {
    console.error('dist/cli.js is missing: build first with `npx tsc -p tsconfig.build.json`.');
    process.exitCode = 1;
    return;
  }
  const hasNginx = commandExists(NGINX, '-v');
  if (!hasNginx) console.warn(`nginx is missing (${NGINX}); the nginx comparison is skipped. Install it with: ${INSTALL_HINT}`);

  const work = mkdtempSync(path.join(os.tmpdir(), 'coffer-bench-'));
  const services: Service[] = [];
  // Ctrl-C or a hang: nothing can be awaited here, so stop our PIDs and clean up at once.
  const abort = (why: string) => {
    console.error(`\n${why}: stopping the servers and removing ${work}`);
    killAllOwnedSync();
    rmSync(work, { recursive: true, force: true });
    process.exit(130);
  };
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => abort(signal));
  setTimeout(() => abort(`still running after ${WATCHDOG_MS / 60_000} minutes`), WATCHDOG_MS).unref();

  try {
    const filesDir = path.join(work, 'files');
    mkdirSync(filesDir);
    const small = path.join(filesDir, 'dl.mp4');
    const big = path.join(filesDir, 'big.mp4');
    console.log(`Preparing ${DOWNLOAD_BYTES / MB} MB and ${UPLOAD_BYTES / MB} MB test files in ${work} ...`);
    makeMediaFile(small, DOWNLOAD_BYTES);
    makeMediaFile(big, UPLOAD_BYTES);

    const coffer = await startCoffer(repo, work);
    services.push(coffer.service);
    const node = await startBaseline(benchDir, work, filesDir);
    services.push(node.service);
    let nginx: Running | undefined;
    if (hasNginx) {
      nginx = await startNginx(NGINX, work, filesDir, 'dl.mp4');
      services.push(nginx.service);
    }
    // Before any request: what the process costs just by running (code, heaps, libraries).
    const startupRss = { coffer: currentRss(coffer.service.pid), node: currentRss(node.service.pid) };
    const api = await CofferApi.register(coffer.base);
    const stored = await api.upload(small, DOWNLOAD_BYTES, coffer.service.pid);
    await api.settle(stored.id);
    flushDirtyPages();

    // 1. Downloads. Rounds interleave the servers so drift (CPU boost, neighbours, cache)
    // hits all of them alike instead of whichever ran last.
    console.log('1/3 Download 200 MB ...');
    // Coffer with a session cookie too (details only): it tells the per-request cost of
    // HTTP Basic (an argon2id check) apart from the cost of streaming.
    const content = `${coffer.base}/api/v1/files/${stored.id}/content`;
    const targets: Array<{ name: string; pid: number; url: string; credentials?: string[] }> = [
      { name: 'Coffer', pid: coffer.service.pid, url: content, credentials: api.basic },
      { name: 'Coffer (session cookie)', pid: coffer.service.pid, url: content, credentials: await api.session() },
      { name: 'Node (bare)', pid: node.service.pid, url: `${node.base}/download/dl.mp4` },
      ...(nginx ? [{ name: 'nginx (sendfile)', pid: nginx.service.pid, url: `${nginx.base}/dl.mp4` }] : []),
    ];
    const downloads = new Map<string, Transfer[]>(targets.map((t) => [t.name, []]));
    for (let round = 0; round < WARMUPS + DOWNLOAD_RUNS; round++) {
      for (const t of targets) {
        const result = await withServerCpu(t.pid, () => download(t.url, DOWNLOAD_BYTES, t.credentials));
        if (round >= WARMUPS) downloads.get(t.name)?.push(result);
      }
    }

    // 2. Uploads. The peak-RSS window starts here and spans phase 3 too.
    console.log('2/3 Upload 1 GB ...');
    const windowed = resetPeakRss(coffer.service.pid) && resetPeakRss(node.service.pid);
    const uploads = { coffer: [] as Transfer[], node: [] as Transfer[] };
    const nodeUpload = path.join(filesDir, 'up.mp4');
    let lastId: string | undefined;
    for (let round = 0; round < WARMUPS + UPLOAD_RUNS; round++) {
      // Each upload starts from the same state: the previous copy removed, outside the timing.
      if (lastId) await api.delete(lastId);
      flushDirtyPages();
      const up = await api.upload(big, UPLOAD_BYTES, coffer.service.pid);
      lastId = up.id;
      await api.settle(up.id);
      rmSync(nodeUpload, { force: true });
      flushDirtyPages();
      const nodeUp = await withServerCpu(node.service.pid, () => upload(`${node.base}/upload/up.mp4`, big, UPLOAD_BYTES));
      if (round >= WARMUPS) {
        uploads.coffer.push(up.transfer);
        uploads.node.push(nodeUp);
      }
    }

    // 3. A 1 GB download of what each server just stored, then the peaks.
    console.log('3/3 Download 1 GB and read peak RSS ...');
    flushDirtyPages();
    const cofferBig = await withServerCpu(coffer.service.pid, () => download(`${coffer.base}/api/v1/files/${lastId}/content`, UPLOAD_BYTES, api.basic));
    // The bare server stored the whole multipart body, a few hundred bytes over 1 GB.
    const nodeBig = await withServerCpu(node.service.pid, () => download(`${node.base}/download/up.mp4`, statSync(nodeUpload).size));
    const rss = { coffer: peakRss(coffer.service.pid), node: peakRss(node.service.pid) };

    // The report.
    const dl = { coffer: mbps(downloads.get('Coffer') ?? []), node: mbps(downloads.get('Node (bare)') ?? []), nginx: mbps(downloads.get('nginx (sendfile)') ?? []) };
    const ul = { coffer: mbps(uploads.coffer), node: mbps(uploads.node) };
    const rows: Row[] = [
      row('Download 200 MB (MB/s)', dl.coffer, dl.node, 'Node', TARGET.downloadVsNode),
      nginx
        ? row('Download 200 MB (MB/s)', dl.coffer, dl.nginx, 'nginx', TARGET.downloadVsNginx)
        : { measure: 'Download 200 MB (MB/s)', coffer: fmt(dl.coffer), baseline: 'nginx: skipped', ratio: '—', target: `≥ ${TARGET.downloadVsNginx}`, result: `SKIPPED (${INSTALL_HINT})` },
      row('Upload 1 GB (MB/s)', ul.coffer, ul.node, 'Node', TARGET.uploadVsNode),
      {
        measure: `Peak RSS, 1 GB up ×${WARMUPS + UPLOAD_RUNS} + down (MB)`,
        coffer: fmt(rss.coffer / MB),
        baseline: `${fmt(rss.node / MB)} (Node)`,
        ratio: fmt(rss.coffer / rss.node, 2),
        target: `< ${TARGET.peakRss / MB} MB`,
        result: verdict(rss.coffer < TARGET.peakRss),
      },
    ];
    const report = [
      '# Coffer benchmark',
      '',
      ...machineFacts(hasNginx ? firstLine(NGINX, ['-v']).replace(/^nginx version: /, '') : undefined),
      '',
      '| Measure | Coffer | Baseline | Ratio | Target | Result |',
      '|---|---|---|---|---|---|',
      ...rows.map((r) => `| ${r.measure} | ${r.coffer} | ${r.baseline} | ${r.ratio} | ${r.target} | ${r.result} |`),
      '',
      '## Details',
      '',
      ...detailsTable('Download 200 MB', [...downloads.entries()], true),
      ...detailsTable(
        'Upload 1 GB (multipart, same curl command)',
        [
          ['Coffer', uploads.coffer],
          ['Node (bare)', uploads.node],
        ],
        false,
      ),
      ...detailsTable(
        'Download 1 GB (the uploaded copy, during the RSS window)',
        [
          ['Coffer', [cofferBig]],
          ['Node (bare)', [nodeBig]],
        ],
        true,
      ),
      `RSS right after start-up, before any request: Coffer ${fmt(startupRss.coffer / MB)} MB, Node (bare) ${fmt(startupRss.node / MB)} MB. ` +
        `Peak RSS is VmHWM ${windowed ? 'reset (clear_refs) just before the uploads, so it covers phases 2 and 3 only' : 'since process start (clear_refs was not allowed)'}.` +
        ' Coffer authenticates every request with HTTP Basic (argon2id), which shows in its time to first byte.',
      '',
    ].join('\n');

    console.log(`\n${report}`);
    const resultsDir = path.join(benchDir, 'results');
    mkdirSync(resultsDir, { recursive: true });
    writeFileSync(path.join(resultsDir, 'latest.md'), report);
    console.log(`Written to ${path.relative(repo, path.join(resultsDir, 'latest.md'))}`);
  } catch (error) {
    // The logs live in the temp dir, which is about to go: show their ends now.
    for (const service of services) console.error(`--- last lines of ${service.name} (${service.logFile})\n${tail(service.logFile)}`);
    throw error;
  } finally {
    for (const service of services.reverse()) await stopService(service);
    rmSync(work, { recursive: true, force: true });
  }
}

function row(measure: string, coffer: number, baseline: number, baselineName: string, target: number): Row {
  const ratio = coffer / baseline;
  return { measure, coffer: fmt(coffer), baseline: `${fmt(baseline)} (${baselineName})`, ratio: fmt(ratio, 2), target: `≥ ${target}`, result: verdict(ratio >= target) };
}

await main();
