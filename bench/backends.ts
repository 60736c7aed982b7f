/**
 * Coffer on its production backends (PostgreSQL, S3 on Ceph RGW, Redis sessions), in one run:
 *  1. 200 MB upload and download through Coffer (curl) vs the AWS SDK v3 talking to the same
 *     RGW directly: lib-storage `Upload` of a stream of unknown length (the fair baseline,
 *     what Coffer must use) and `PutObject` with the length known (reference); GetObject.
 *     Also lib-storage `Upload` with Coffer's part size/queue and with 8/16 MiB × 2/4, to
 *     tell Coffer's own cost from that of its settings, and what each setting costs in memory.
 *  2. Authenticated GET /api/v1/files (session cookie, 20 files) per second: Coffer on
 *     PostgreSQL + Redis vs Coffer on the embedded SQLite + memory sessions, same client.
 *  3. Coffer's peak RSS (VmHWM) over part 1.
 * Prints a Markdown report and writes it to bench/results/backends.md.
 *
 * Needs `npx tsc -p tsconfig.build.json` first (it runs dist/, as deployed), curl, psql and
 * redis-cli, PostgreSQL (trust auth) and Redis on 127.0.0.1, and the Ceph packages for
 * scripts/services/ceph-s3-start.sh. It starts its own Ceph on free ports from 7590/6890,
 * creates a database and a Redis key prefix of its own, and removes all of it at the end,
 * on Ctrl-C too.
 */
import { createReadStream, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import v8 from 'node:v8';
import vm from 'node:vm';
import { DeleteObjectCommand, GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { createS3Client, parseS3Url } from '../src/adapters/storage/s3.js';
import {
  commandExists,
  currentRss,
  download,
  firstLine,
  flushDirtyPages,
  killAllOwnedSync,
  median,
  peakRss,
  resetPeakRss,
  stopService,
  tail,
  type Service,
  withServerCpu,
  type Transfer,
  makeMediaFile,
} from './lib.js';
import { CofferSession, loadTest, percentile, requestsPerSecond, type LoadResult } from './backends-client.js';
import {
  cofferCommand,
  collectRgwGarbageSync,
  createDatabase,
  deleteRedisKeysSync,
  dropDatabaseSync,
  postgresVersion,
  redisPrefix,
  redisVersion,
  startCeph,
  startCofferOn,
  stopCephSync,
  type Ceph,
} from './backends-services.js';

// Decimal units (MB = 10^6 bytes) for sizes, speeds and memory; MiB only for part sizes.
const MB = 1e6;
const MiB = 1024 * 1024;
const SIZE = 200 * MB;
const UPLOAD_RUNS = 5;
const DOWNLOAD_RUNS = 9;
const TARGET = 0.7;
const LIST = { files: 20, concurrency: 16, warmUpMs: 2_000, durationMs: 10_000 };
// A-B-B-A: a drift of the shared machine over the 50 s hits both configurations alike.
const LIST_ORDER = ['postgres', 'sqlite', 'sqlite', 'postgres'] as const;
/** What Coffer's S3BlobStore uses (PART_SIZE, QUEUE_SIZE in src/adapters/storage/s3.ts). */
const COFFER_PARTS = { partSize: 8 * MiB, queueSize: 2 };
/** lib-storage's own defaults for a body of unknown length. */
const SDK_DEFAULT_PARTS = { partSize: 5 * MiB, queueSize: 4 };
const TUNING = [
  { partSize: 8 * MiB, queueSize: 4 },
  { partSize: 16 * MiB, queueSize: 2 },
  { partSize: 16 * MiB, queueSize: 4 },
];
const BUCKET = 'coffer-bench';
// A normal run takes about 2 minutes; past this something hangs, so give up and clean up.
const WATCHDOG_MS = 10 * 60_000;

const benchDir = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(benchDir, '..');
const fmt = (n: number, digits = 0) => (Number.isFinite(n) ? n.toFixed(digits) : 'n/a');
const verdict = (pass: boolean) => (pass ? 'PASS' : '**FAIL**');
const partsLabel = (p: { partSize: number; queueSize: number }) => `${p.partSize / MiB} MiB × ${p.queueSize}`;

// Taken before anything starts: other work on the machine makes every number noisier.
const loadAtStart = os.loadavg()[0] ?? NaN;

/** A garbage collection on demand, so each in-process measurement starts from a clean heap. */
v8.setFlagsFromString('--expose-gc');
const collectGarbage = vm.runInNewContext('gc') as () => void;

/** One measured transfer, whoever made it. */
interface Sample {
  seconds: number;
  /** CPU (user + system, all threads) of the process moving the bytes: Coffer, or this one for the SDK. */
  cpuSeconds: number;
  /** Peak RSS growth of this process during an in-process SDK transfer (VmHWM reset first). */
  rssGrowth?: number;
}

interface Variant {
  name: string;
  warmUp: boolean;
  run: () => Promise<Sample>;
}

const mbps = (samples: Sample[]) => median(samples.map((s) => SIZE / s.seconds)) / MB;

const fromTransfer = (t: Transfer): Sample => ({ seconds: t.totalSeconds, cpuSeconds: t.serverCpuSeconds ?? NaN });

/** Time, CPU and peak RSS growth of a transfer this process makes itself. */
async function inProcess(transfer: () => Promise<void>): Promise<Sample> {
  collectGarbage();
  const before = currentRss(process.pid);
  const windowed = resetPeakRss(process.pid);
  const cpu = process.cpuUsage();
  const started = process.hrtime.bigint();
  await transfer();
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const used = process.cpuUsage(cpu);
  return { seconds, cpuSeconds: (used.user + used.system) / 1e6, ...(windowed ? { rssGrowth: peakRss(process.pid) - before } : {}) };
}

/**
 * One warm-up of the variants that ask for it, then rounds that take turns, so drift hits all
 * alike; `between` (not timed) runs before each round.
 */
async function rounds(variants: Variant[], runs: number, between: () => void = () => {}): Promise<Map<string, Sample[]>> {
  for (const v of variants) if (v.warmUp) await v.run();
  const samples = new Map<string, Sample[]>(variants.map((v) => [v.name, []]));
  for (let round = 0; round < runs; round++) {
    between();
    for (const v of variants) {
      flushDirtyPages();
      samples.get(v.name)?.push(await v.run());
    }
  }
  return samples;
}

async function drain(stream: Readable): Promise<number> {
  let bytes = 0;
  for await (const chunk of stream) bytes += (chunk as Buffer).length;
  return bytes;
}

function machineFacts(versions: string): string[] {
  const cpu = /^model name\s*:\s*(.*)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? 'unknown';
  return [
    `- Date: ${new Date().toISOString()}`,
    `- CPU: nproc ${os.availableParallelism()}, ${cpu}; RAM ${fmt(os.totalmem() / 1024 ** 3, 1)} GiB, Linux ${os.release()}`,
    `- Load average (1 min) at start ${fmt(loadAtStart, 2)}, at end ${fmt(os.loadavg()[0] ?? NaN, 2)}${loadAtStart > os.availableParallelism() / 4 ? ' — the machine was busy: expect noisy numbers' : ''}`,
    `- ${versions}`,
    `- Everything on 127.0.0.1: Coffer, RGW and its OSD, PostgreSQL, Redis, and the clients share the ${os.availableParallelism()} CPUs. MB = 10^6 bytes.`,
  ];
}

interface Cleanup {
  services: Service[];
  cephDir?: string;
  database?: string;
  redisKeys?: string;
  work: string;
}

/** Everything we made, removed in order; each step on its own, so one failure does not skip the rest. */
function cleanUpSync(c: Cleanup): void {
  const step = (what: string, action: () => void) => {
    try {
      action();
    } catch (error) {
      console.error(`cleanup: ${what}: ${error instanceof Error ? error.message : String(error)}`);
    }
  };
  if (c.cephDir) step('Ceph', () => stopCephSync(repo, c.cephDir ?? ''));
  if (c.database) step('database', () => dropDatabaseSync(c.database ?? ''));
  if (c.redisKeys) step('Redis keys', () => deleteRedisKeysSync(c.redisKeys ?? ''));
  step('temp files', () => rmSync(c.work, { recursive: true, force: true }));
}

async function main(): Promise<void> {
  const missing = ['curl', 'psql', 'redis-cli', 'radosgw'].filter((c) => !commandExists(c));
  if (missing.length > 0) throw new Error(`missing: ${missing.join(', ')} (PostgreSQL and Redis must run on 127.0.0.1; Ceph: scripts/install-system-packages.sh)`);
  if (!existsSync(path.join(repo, 'dist', 'cli.js'))) throw new Error('dist/cli.js is missing: build first with `npx tsc -p tsconfig.build.json`.');

  const work = mkdtempSync(path.join(os.tmpdir(), 'coffer-bench-backends-'));
  const cleanup: Cleanup = { services: [], work };
  let cleaned = false;
  // Ctrl-C or a hang: nothing can be awaited here, so stop our PIDs and clean up at once.
  const abort = (why: string) => {
    if (cleaned) return;
    cleaned = true;
    console.error(`\n${why}: stopping what was started and removing ${work}`);
    killAllOwnedSync();
    cleanUpSync(cleanup);
    process.exit(130);
  };
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => abort(signal));
  setTimeout(() => abort(`still running after ${WATCHDOG_MS / 60_000} minutes`), WATCHDOG_MS).unref();

  let s3: S3Client | undefined;
  const began = Date.now();
  const elapsed = () => `${fmt((Date.now() - began) / 1000)} s`;
  try {
    console.log(`Preparing a ${SIZE / MB} MB test file in ${work} ...`);
    const big = path.join(work, 'big.mp4');
    makeMediaFile(big, SIZE);

    console.log('Starting Ceph (mon, memstore OSD, RGW) ...');
    cleanup.cephDir = path.join(work, 'ceph');
    const ceph: Ceph = await startCeph(repo, cleanup.cephDir, path.join(work, 'ceph-start.log'));
    // The SDK here and Coffer both take their credentials from the environment.
    for (const name of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY'] as const) process.env[name] = ceph.env[name];
    const database = createDatabase();
    cleanup.database = database.name;
    const prefix = redisPrefix();
    cleanup.redisKeys = prefix;
    const backends = {
      DATABASE_URL: database.url,
      STORAGE_URL: `s3://${BUCKET}?endpoint=${ceph.endpoint}&region=us-east-1&forcePathStyle=true`,
      SESSION_URL: `redis://127.0.0.1:6379/0?prefix=${prefix}`,
    };
    await cofferCommand(repo, work, 'storage-init', ['storage', 'init'], backends);
    const coffer = await startCofferOn(repo, work, 'coffer-production', backends);
    cleanup.services.push(coffer.service);
    // A second instance on the same backends (sessions are shared) that answers content
    // requests with a 302 to a presigned RGW URL: the download option Coffer already has.
    const redirecting = await startCofferOn(repo, work, 'coffer-presigned', { ...backends, S3_PRESIGNED_DOWNLOADS: '1' });
    cleanup.services.push(redirecting.service);
    const pid = coffer.service.pid;
    const startupRss = currentRss(pid);
    console.log(`  ready after ${elapsed()}: RGW on ${ceph.endpoint} (mon :${ceph.monPort}), database ${database.name}, Redis prefix ${prefix}`);

    // The SDK client exactly as Coffer builds it.
    const location = parseS3Url(backends.STORAGE_URL);
    s3 = createS3Client(location);
    const client = s3;
    const object = (key: string) => ({ Bucket: location.bucket, Key: key });
    const remove = (key: string) => client.send(new DeleteObjectCommand(object(key)));

    // 1. Uploads. Coffer's peak-RSS window starts here and spans the downloads too.
    console.log(`1/3 Upload ${SIZE / MB} MB: warm-up, then ${UPLOAD_RUNS} rounds of ${4 + TUNING.length} variants ...`);
    // VmHWM is reset before each transfer through Coffer, to see which one sets the peak;
    // the peak over all of part 1 is the largest of those.
    const windowed = resetPeakRss(pid);
    let partOnePeak = 0;
    const cofferPeaks: Record<'upload' | 'download', number[]> = { upload: [], download: [] };
    /** Runs a transfer through Coffer and records Coffer's peak RSS during it. */
    const throughCoffer = async (kind: 'upload' | 'download', transfer: () => Promise<Transfer>): Promise<Sample> => {
      partOnePeak = Math.max(partOnePeak, peakRss(pid));
      resetPeakRss(pid);
      const before = currentRss(pid);
      const t = await transfer();
      const peak = peakRss(pid);
      cofferPeaks[kind].push(peak);
      return { ...fromTransfer(t), ...(windowed ? { rssGrowth: peak - before } : {}) };
    };
    const api = await CofferSession.create(coffer.base, 'bench');
    let lastId: string | undefined;
    /** A lib-storage Upload of the file as a bare stream: length unknown, as Coffer's is. */
    const sdkUpload = (key: string, parts?: { partSize: number; queueSize: number }) => async () => {
      const sample = await inProcess(async () => {
        const body = Readable.from(createReadStream(big), { objectMode: false });
        await new Upload({ client, params: { ...object(key), Body: body }, ...(parts ?? {}) }).done();
      });
      // Deleted at once (outside the timing); its data goes at the garbage collection run
      // between rounds, since a memstore OSD keeps every byte in RAM until then.
      await remove(key);
      return sample;
    };
    const uploadVariants: Variant[] = [
      {
        name: 'coffer',
        warmUp: true,
        run: async () => {
          if (lastId) await api.delete(lastId);
          let id = '';
          const sample = await throughCoffer('upload', async () => {
            const up = await api.upload(big, SIZE, pid);
            id = up.id;
            return up.transfer;
          });
          lastId = id;
          await api.settle([id]);
          return sample;
        },
      },
      { name: 'sdk-default', warmUp: true, run: sdkUpload('bench/upload-default') },
      {
        name: 'put',
        warmUp: true,
        run: async () => {
          const sample = await inProcess(async () => {
            await client.send(new PutObjectCommand({ ...object('bench/put'), Body: createReadStream(big), ContentLength: SIZE }));
          });
          await remove('bench/put');
          return sample;
        },
      },
      { name: 'sdk-coffer', warmUp: false, run: sdkUpload('bench/upload-coffer', COFFER_PARTS) },
      ...TUNING.map((parts) => ({ name: partsLabel(parts), warmUp: false, run: sdkUpload(`bench/upload-${parts.partSize}-${parts.queueSize}`, parts) })),
    ];
    let gcSeconds = 0;
    const collect = () => {
      const started = Date.now();
      collectRgwGarbageSync(ceph.dir);
      gcSeconds += (Date.now() - started) / 1000;
    };
    const uploads = await rounds(uploadVariants, UPLOAD_RUNS, collect);
    collect();
    if (!lastId) throw new Error('no Coffer upload');
    console.log(`  done after ${elapsed()}`);

    // Downloads of the object Coffer stored: through Coffer, by the SDK, and by curl from RGW.
    console.log(`    Download ${SIZE / MB} MB: warm-up, then ${DOWNLOAD_RUNS} rounds ...`);
    const fileId = lastId;
    const blobKey = `${fileId.slice(0, 2)}/${fileId}`;
    const presigned = await getSignedUrl(client, new GetObjectCommand(object(blobKey)), { expiresIn: 900 });
    const downloads = await rounds(
      [
        {
          name: 'coffer',
          warmUp: true,
          run: () => throughCoffer('download', () => withServerCpu(pid, () => download(`${coffer.base}/api/v1/files/${fileId}/content`, SIZE, api.curlCredentials))),
        },
        {
          name: 'get',
          warmUp: true,
          run: () =>
            inProcess(async () => {
              const bytes = await drain((await client.send(new GetObjectCommand(object(blobKey)))).Body as Readable);
              if (bytes !== SIZE) throw new Error(`GetObject: ${bytes} bytes, expected ${SIZE}`);
            }),
        },
        {
          name: 'coffer-presigned',
          warmUp: true,
          run: async () => fromTransfer(await download(`${redirecting.base}/api/v1/files/${fileId}/content`, SIZE, ['--location', ...api.curlCredentials])),
        },
        { name: 'curl-rgw', warmUp: true, run: async () => fromTransfer(await download(presigned, SIZE)) },
      ],
      DOWNLOAD_RUNS,
    );
    // 3. Coffer's peak over part 1.
    const cofferPeak = Math.max(partOnePeak, peakRss(pid));
    const rssAfterPartOne = currentRss(pid);
    console.log(`  done after ${elapsed()}`);

    // 2. GET /api/v1/files, production backends vs embedded ones, the same client.
    console.log(`2/3 GET /api/v1/files, ${LIST.concurrency} concurrent, ${LIST.warmUpMs / 1000} s warm-up + ${LIST.durationMs / 1000} s, order ${LIST_ORDER.join(', ')} ...`);
    const embedded = await startCofferOn(repo, work, 'coffer-embedded', {});
    cleanup.services.push(embedded.service);
    const sample = readFileSync(path.join(repo, 'test', 'fixtures', 'sample.mp4'));
    const listers = {
      postgres: await CofferSession.create(coffer.base, 'lister'),
      sqlite: await CofferSession.create(embedded.base, 'lister'),
    };
    for (const lister of Object.values(listers)) {
      const ids = await lister.uploadSmall(sample, LIST.files, 'video/mp4');
      await lister.settle(ids);
      const listed = await lister.list();
      if (listed.length !== LIST.files) throw new Error(`${lister.base}: the list has ${listed.length} files, expected ${LIST.files}`);
    }
    const lists: Record<keyof typeof listers, LoadResult[]> = { postgres: [], sqlite: [] };
    for (const which of LIST_ORDER) {
      const lister = listers[which];
      lists[which].push(await loadTest(`${lister.base}/api/v1/files`, { Cookie: lister.cookie }, LIST));
    }
    console.log(`  done after ${elapsed()}`);

    // The report.
    const up = (name: string) => uploads.get(name) ?? [];
    const down = (name: string) => downloads.get(name) ?? [];
    const ul = { coffer: mbps(up('coffer')), sdk: mbps(up('sdk-default')), put: mbps(up('put')), sdkCoffer: mbps(up('sdk-coffer')) };
    const dl = { coffer: mbps(down('coffer')), get: mbps(down('get')), curl: mbps(down('curl-rgw')) };
    const rps = { postgres: requestsPerSecond(lists.postgres), sqlite: requestsPerSecond(lists.sqlite) };
    const uploadRatio = ul.coffer / ul.sdk;
    const downloadRatio = dl.coffer / dl.get;
    const maxGrowth = (s: Sample[]) => Math.max(...s.map((x) => x.rssGrowth ?? NaN));
    const cpuPerGb = (s: Sample[]) => median(s.map((x) => x.cpuSeconds / (SIZE / 1e9)));

    const summary = [
      '| Measure | Coffer | Baseline | Ratio | Target | Result |',
      '|---|---|---|---|---|---|',
      `| Upload 200 MB (MB/s) | ${fmt(ul.coffer)} | ${fmt(ul.sdk)} (SDK lib-storage \`Upload\`, stream of unknown length, defaults ${partsLabel(SDK_DEFAULT_PARTS)}) | ${fmt(uploadRatio, 2)} | ≥ ${TARGET} | ${verdict(uploadRatio >= TARGET)} |`,
      `| Upload 200 MB (MB/s) | ${fmt(ul.coffer)} | ${fmt(ul.sdkCoffer)} (SDK lib-storage \`Upload\` at Coffer's ${partsLabel(COFFER_PARTS)}) | ${fmt(ul.coffer / ul.sdkCoffer, 2)} | reference | ${ul.coffer / ul.sdkCoffer >= TARGET ? 'would pass' : 'would fail'} |`,
      `| Upload 200 MB (MB/s) | ${fmt(ul.coffer)} | ${fmt(ul.put)} (SDK \`PutObject\`, length known) | ${fmt(ul.coffer / ul.put, 2)} | reference | — |`,
      `| Download 200 MB (MB/s) | ${fmt(dl.coffer)} | ${fmt(dl.get)} (SDK \`GetObject\`) | ${fmt(downloadRatio, 2)} | ≥ ${TARGET} | ${verdict(downloadRatio >= TARGET)} |`,
      `| GET /api/v1/files, 20 files, ${LIST.concurrency} concurrent (req/s) | ${fmt(rps.postgres)} (PostgreSQL + Redis) | ${fmt(rps.sqlite)} (SQLite + memory sessions) | ${fmt(rps.postgres / rps.sqlite, 2)} | reported | — |`,
      `| Coffer peak RSS over part 1 (MB) | ${fmt(cofferPeak / MB)} | — | — | reported | — |`,
    ];

    /** Coffer's speed over `other`'s in each round (they ran back to back): steadier than a ratio of medians when the machine drifts. */
    const perRound = (coffer: Sample[], other: Sample[], name: string) => {
      if (name === 'coffer') return '—';
      const ratios = coffer.map((c, i) => (other[i]?.seconds ?? NaN) / c.seconds);
      return `${ratios.map((r) => fmt(r, 2)).join(', ')} (median ${fmt(median(ratios), 2)})`;
    };
    const uploadRow = (label: string, name: string, cpuOf: string) => {
      const s = up(name);
      return `| ${label} | ${s.map((x) => fmt(SIZE / x.seconds / MB)).join(', ')} | ${fmt(mbps(s))} | ${fmt(mbps(s) / ul.sdk, 2)} | ${perRound(up('coffer'), s, name)} | ${fmt(cpuPerGb(s), 2)} (${cpuOf}) | ${fmt(maxGrowth(s) / MB)} |`;
    };
    const downloadRow = (label: string, name: string, cpuOf: string) => {
      const s = down(name);
      return `| ${label} | ${s.map((x) => fmt(SIZE / x.seconds / MB)).join(', ')} | ${fmt(mbps(s))} | ${fmt(mbps(s) / dl.get, 2)} | ${perRound(down('coffer'), s, name)} | ${cpuOf ? `${fmt(cpuPerGb(s), 2)} (${cpuOf})` : '—'} | ${cpuOf ? fmt(maxGrowth(s) / MB) : '—'} |`;
    };
    // What Coffer would do with other settings, assuming its own cost (parsing, hashing, the
    // extra hop) stays the fraction of lib-storage's speed it is at its current setting.
    const ownShare = ul.coffer / ul.sdkCoffer;
    const tuningRows = [COFFER_PARTS, SDK_DEFAULT_PARTS, ...TUNING].map((parts) => {
      const name = parts === COFFER_PARTS ? 'sdk-coffer' : parts === SDK_DEFAULT_PARTS ? 'sdk-default' : partsLabel(parts);
      const s = up(name);
      const projected = ownShare * mbps(s);
      return `| ${partsLabel(parts)}${parts === COFFER_PARTS ? ' (Coffer now)' : parts === SDK_DEFAULT_PARTS ? ' (SDK default)' : ''} | ${fmt(mbps(s))} | ${fmt(mbps(s) / ul.sdkCoffer, 2)} | ${fmt(projected)} | ${fmt(projected / ul.sdk, 2)} ${projected / ul.sdk >= TARGET ? '(meets)' : '(misses)'} | ${fmt(maxGrowth(s) / MB)} | ${fmt(((parts.queueSize + 1) * parts.partSize) / MB)} |`;
    });
    const listRow = (label: string, results: LoadResult[]) =>
      `| ${label} | ${results.map((r) => fmt(r.requests / r.seconds)).join(', ')} | ${fmt(requestsPerSecond(results))} | ${fmt(percentile(results, 50), 1)} | ${fmt(percentile(results, 99), 1)} | ${results.reduce((n, r) => n + r.errors, 0)} |`;

    const versions = [
      `Node ${process.version}`,
      postgresVersion(),
      redisVersion(),
      firstLine('radosgw', ['--version']).replace(/^ceph version (\S+).*$/, 'Ceph RGW $1') + ' (memstore OSD, 1 replica)',
      firstLine('curl', ['--version']).split(' ').slice(0, 2).join(' '),
      '@aws-sdk/client-s3 + lib-storage 3.1169.0',
    ].join(' · ');
    const report = [
      '# Coffer on production backends (PostgreSQL, S3 on Ceph RGW, Redis)',
      '',
      ...machineFacts(versions),
      `- Transfers: uploads median of ${UPLOAD_RUNS}, downloads median of ${DOWNLOAD_RUNS}, after a warm-up, rounds interleaved. Coffer's client is curl (multipart upload, download to /dev/null, session cookie); the SDK runs in the benchmark process with the client Coffer builds (\`createS3Client\`), reading the same file from the page cache.`,
      '',
      ...summary,
      '',
      '## Details',
      '',
      `### Upload ${SIZE / MB} MB`,
      '',
      '| Client | Runs (MB/s) | Median (MB/s) | vs SDK `Upload` default | Coffer ÷ this, per round | CPU per GB (s) | Peak RSS growth (MB) |',
      '|---|---|---|---|---|---|---|',
      uploadRow('Coffer (curl → Coffer → RGW)', 'coffer', 'Coffer'),
      uploadRow(`SDK \`Upload\`, ${partsLabel(SDK_DEFAULT_PARTS)} (default)`, 'sdk-default', 'SDK process'),
      uploadRow(`SDK \`Upload\`, ${partsLabel(COFFER_PARTS)} (Coffer's setting)`, 'sdk-coffer', 'SDK process'),
      uploadRow('SDK `PutObject`, length known', 'put', 'SDK process'),
      '',
      `### lib-storage \`Upload\` settings (same run; Coffer at its setting reaches ${fmt(ownShare, 2)} of lib-storage at that setting)`,
      '',
      '| Part size × queue | SDK `Upload` (MB/s) | vs Coffer\'s setting | Coffer projected (MB/s) | Projected ratio to SDK default | SDK peak RSS growth (MB) | (queue + 1) × part (MB) |',
      '|---|---|---|---|---|---|---|',
      ...tuningRows,
      '',
      `### Download ${SIZE / MB} MB (the object Coffer stored)`,
      '',
      '| Client | Runs (MB/s) | Median (MB/s) | vs SDK `GetObject` | Coffer ÷ this, per round | CPU per GB (s) | Peak RSS growth (MB) |',
      '|---|---|---|---|---|---|---|',
      downloadRow('Coffer (curl → Coffer → RGW)', 'coffer', 'Coffer'),
      downloadRow('SDK `GetObject`, read to the end', 'get', 'SDK process'),
      downloadRow('Coffer with S3_PRESIGNED_DOWNLOADS=1 (curl -L: 302, then RGW)', 'coffer-presigned', ''),
      downloadRow('curl → RGW, presigned URL (reference)', 'curl-rgw', ''),
      '',
      `### GET /api/v1/files (20 files, session cookie; Node http client, keep-alive, ${LIST.concurrency} concurrent, ${LIST.warmUpMs / 1000} s warm-up + ${LIST.durationMs / 1000} s per run, order ${LIST_ORDER.join(', ')})`,
      '',
      '| Coffer on | Runs (req/s) | req/s | p50 (ms) | p99 (ms) | Errors |',
      '|---|---|---|---|---|---|',
      listRow('PostgreSQL + Redis sessions', lists.postgres),
      listRow('SQLite + memory sessions', lists.sqlite),
      '',
      '### Notes',
      '',
      `- Coffer's memory (part 3): RSS ${fmt(startupRss / MB)} MB after start-up, ${fmt(rssAfterPartOne / MB)} MB after part 1; peak (VmHWM) ${fmt(cofferPeak / MB)} MB over ${UPLOAD_RUNS + 1} uploads and ${DOWNLOAD_RUNS + 1} downloads of ${SIZE / MB} MB` +
        (windowed
          ? ` (VmHWM reset before each transfer, warm-up first). Peak per upload: ${cofferPeaks.upload.map((b) => fmt(b / MB)).join(', ')} MB; per download: ${cofferPeaks.download.map((b) => fmt(b / MB)).join(', ')} MB.`
          : ' (since start: clear_refs was not allowed).'),
      '- "Peak RSS growth": the largest, over the measured runs, of VmHWM during one transfer minus RSS just before it; for the SDK, of this process after a full garbage collection.',
      '- "Coffer projected": Coffer at its own setting reaches a fraction of lib-storage at that setting (its own cost: multipart parsing, SHA-256, one more hop); the projection assumes that fraction holds at the other settings.',
      `- Each upload's object is deleted right after it (untimed), and RGW's garbage collection runs between rounds (${fmt(gcSeconds, 1)} s in all, untimed): a memstore OSD keeps every byte in RAM.`,
      '- One run on a shared machine: compare the per-round ratios, and the load average above, before reading much into one median.',
      '',
    ].join('\n');

    console.log(`\n${report}`);
    const resultsDir = path.join(benchDir, 'results');
    mkdirSync(resultsDir, { recursive: true });
    writeFileSync(path.join(resultsDir, 'backends.md'), report);
    console.log(`Written to ${path.relative(repo, path.join(resultsDir, 'backends.md'))} after ${elapsed()}`);
  } catch (error) {
    // The logs live in the temp dir, which is about to go: show their ends now.
    for (const service of cleanup.services) console.error(`--- last lines of ${service.name} (${service.logFile})\n${tail(service.logFile)}`);
    throw error;
  } finally {
    s3?.destroy();
    for (const service of [...cleanup.services].reverse()) await stopService(service);
    if (!cleaned) {
      cleaned = true;
      cleanUpSync(cleanup);
    }
  }
}

await main();
