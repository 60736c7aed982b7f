/**
 * S3BlobStore against the bare SDK on the same S3 server, in one run:
 *  - upload of a 200 MB stream: store.put (lib-storage Upload, in parts)
 *    vs one PutObject streaming the body with its length given
 *  - download of it: store.get vs GetObject, each read to the end
 * with the median MB/s of 5 runs and this process's peak RSS growth during each.
 *
 * Needs an S3 server in the environment, as for the tests:
 *   scripts/services/ceph-s3-start.sh /tmp/coffer-ceph && set -a && . /tmp/coffer-ceph/s3.env && set +a
 *   npx tsx bench/s3-adapter.ts
 * Works in a fresh bucket, deleted at the end.
 */
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { createS3Client, parseS3Url, S3BlobStore } from '../src/adapters/storage/s3.js';
import { createTestBucket } from '../test/helpers/s3.js';

// Decimal units, as in the other benchmarks: MB = 10^6 bytes.
const MB = 1e6;
const SIZE = 200 * MB;
const RUNS = 5;

interface Measured {
  mbPerSecond: number;
  peakRssGrowthMb: number;
}

/** SIZE bytes of one random 1 MiB block repeated: cheap to make, not compressible. */
function source(): Readable {
  const block = randomBytes(1 << 20);
  async function* blocks() {
    for (let sent = 0; sent < SIZE; sent += block.length) yield block.subarray(0, Math.min(block.length, SIZE - sent));
  }
  return Readable.from(blocks(), { objectMode: false });
}

async function drain(stream: Readable): Promise<number> {
  let bytes = 0;
  for await (const chunk of stream) bytes += (chunk as Buffer).length;
  return bytes;
}

/** Time and peak RSS growth of one transfer of SIZE bytes. */
async function measure(transfer: () => Promise<void>): Promise<Measured> {
  const before = process.memoryUsage.rss();
  let peak = before;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 10);
  const started = process.hrtime.bigint();
  try {
    await transfer();
  } finally {
    clearInterval(sampler);
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return { mbPerSecond: SIZE / MB / seconds, peakRssGrowthMb: (Math.max(peak, process.memoryUsage.rss()) - before) / MB };
}

/**
 * One warm-up of each, then RUNS rounds that take turns, so a drift of the shared machine
 * (RGW, the OSD and this process share 2 cores) hits both sides alike. The median speed
 * and the largest memory growth of each.
 */
async function compare(transfers: Record<string, () => Promise<void>>): Promise<Record<string, Measured>> {
  for (const transfer of Object.values(transfers)) await transfer();
  const runs: Record<string, Measured[]> = {};
  for (let round = 0; round < RUNS; round++) {
    for (const [name, transfer] of Object.entries(transfers)) (runs[name] ??= []).push(await measure(transfer));
  }
  return Object.fromEntries(
    Object.entries(runs).map(([name, measured]) => {
      const speeds = measured.map((run) => run.mbPerSecond).sort((a, b) => a - b);
      return [name, { mbPerSecond: speeds[Math.floor(RUNS / 2)]!, peakRssGrowthMb: Math.max(...measured.map((run) => run.peakRssGrowthMb)) }];
    }),
  );
}

async function main(): Promise<void> {
  const bucket = await createTestBucket();
  if (!bucket) throw new Error('no S3 server: start one with scripts/services/ceph-s3-start.sh and source its s3.env');
  const location = parseS3Url(bucket.url);
  const store = await S3BlobStore.open(bucket.url);
  const client = createS3Client(location);
  const object = (key: string) => ({ Bucket: location.bucket, Key: key });
  const expectAll = (bytes: number) => {
    if (bytes !== SIZE) throw new Error(`read ${bytes} bytes, expected ${SIZE}`);
  };
  try {
    const results = {
      ...(await compare({
        'upload, S3BlobStore.put': () => store.put('bench/adapter', source()),
        'upload, PutObject': async () => {
          await client.send(new PutObjectCommand({ ...object('bench/sdk'), Body: source(), ContentLength: SIZE }));
        },
      })),
      ...(await compare({
        'download, S3BlobStore.get': async () => expectAll(await drain(await store.get('bench/adapter'))),
        'download, GetObject': async () => expectAll(await drain((await client.send(new GetObjectCommand(object('bench/sdk')))).Body as Readable)),
      })),
    };
    console.log(`${SIZE / MB} MB through ${location.endpoint ?? 'AWS S3'}, median of ${RUNS} alternating runs after a warm-up\n`);
    console.log('| transfer | MB/s | peak RSS growth, MB |\n|---|---:|---:|');
    for (const [name, { mbPerSecond, peakRssGrowthMb }] of Object.entries(results)) console.log(`| ${name} | ${mbPerSecond.toFixed(0)} | ${peakRssGrowthMb.toFixed(0)} |`);
  } finally {
    client.destroy();
    await store.close();
    await bucket.cleanup();
  }
}

await main();
