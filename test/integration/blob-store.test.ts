import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { buffer } from 'node:stream/consumers';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { BlobStore } from '../../src/adapters/storage/blob-store.js';
import { LocalBlobStore } from '../../src/adapters/storage/local.js';
import { openBlobStore } from '../../src/adapters/storage/open.js';
import { createS3Client, parseS3Url, S3BlobStore } from '../../src/adapters/storage/s3.js';
import { createTestBucket, hasS3, S3_MISSING, unfinishedUploads, type TestBucket } from '../helpers/s3.js';
import { requireOrSkip } from '../helpers/services.js';

const MiB = 1024 * 1024;

interface StoreUnderTest {
  store: BlobStore;
  /** Writes begun and never finished: temporary files, or multipart uploads. */
  unfinishedWrites(): Promise<number>;
  dispose(): Promise<void>;
}

/** A byte stream like an upload's: `body` in 64 KiB chunks, then `failure` if given. */
function streamOf(body: Buffer, failure?: Error): Readable {
  async function* chunks() {
    for (let offset = 0; offset < body.length; offset += 64 * 1024) yield body.subarray(offset, offset + 64 * 1024);
    if (failure) throw failure;
  }
  return Readable.from(chunks(), { objectMode: false });
}

/** The same cases for every BlobStore, on a store that starts empty. */
function blobStoreContract(openStore: () => Promise<StoreUnderTest>): void {
  describe('the BlobStore contract', () => {
    let t: StoreUnderTest;
    // Keys stored by this suite and not deleted: what list() must yield.
    const stored = new Set<string>();
    const small = Buffer.from(Array.from({ length: 1000 }, (_, i) => i % 251));
    // Over two 8 MiB parts, so S3 uploads it in three.
    const big = randomBytes(20 * MiB);

    beforeAll(async () => {
      t = await openStore();
    });
    afterAll(() => t?.dispose());

    const put = async (key: string, body: Buffer) => {
      await t.store.put(key, streamOf(body));
      stored.add(key);
    };
    const read = async (key: string, range?: { start: number; end: number }) => buffer(await t.store.get(key, range));

    it('returns a small body byte-identical', async () => {
      await put('contract/small', small);
      expect((await read('contract/small')).equals(small)).toBe(true);
    });

    it('streams a 20 MiB body in and out byte-identical', async () => {
      await put('contract/big', big);
      const back = await read('contract/big');
      expect(back.length).toBe(big.length);
      expect(back.equals(big)).toBe(true);
    });

    it('stores a body that arrives in uneven chunks, written one by one or gathered, byte-identical', async () => {
      // 1 B to 128 KiB, as a socket delivers them: the store may write several at once.
      const body = randomBytes(6 * MiB);
      const sizes: number[] = [];
      for (let offset = 0, i = 0; offset < body.length; i++) {
        const size = Math.min(body.length - offset, i % 7 === 0 ? 1 + (i % 13) : 1 + ((i * 7919) % (128 * 1024)));
        sizes.push(size);
        offset += size;
      }
      async function* chunks() {
        let offset = 0;
        for (const size of sizes) {
          yield body.subarray(offset, offset + size);
          offset += size;
        }
      }
      await t.store.put('contract/uneven', Readable.from(chunks(), { objectMode: false }));
      stored.add('contract/uneven');
      const back = await read('contract/uneven');
      expect(back.length).toBe(body.length);
      expect(back.equals(body)).toBe(true);
      expect(await t.unfinishedWrites()).toBe(0);
    });

    it('reads ranges: the middle, the last byte, across a part boundary', async () => {
      expect((await read('contract/small', { start: 100, end: 199 })).equals(small.subarray(100, 200))).toBe(true);
      expect((await read('contract/small', { start: 999, end: 999 })).equals(small.subarray(999))).toBe(true);
      const boundary = 8 * MiB;
      expect((await read('contract/big', { start: boundary - 5, end: boundary + 4 })).equals(big.subarray(boundary - 5, boundary + 5))).toBe(true);
    });

    it('rejects a get of a missing key with code ENOENT', async () => {
      await expect(t.store.get('contract/missing')).rejects.toMatchObject({ code: 'ENOENT' });
    });

    it('reads the ranges of what is stored now: after a delete, none; after a new put, the new bytes', async () => {
      const first = Buffer.from('the first version of these bytes');
      const second = Buffer.from('THE SECOND VERSION, NOT THE FIRST');
      await put('contract/replaced', first);
      expect((await read('contract/replaced', { start: 4, end: 8 })).toString()).toBe('first');
      await t.store.delete('contract/replaced');
      await expect(t.store.get('contract/replaced', { start: 4, end: 8 })).rejects.toMatchObject({ code: 'ENOENT' });
      await put('contract/replaced', first);
      await put('contract/replaced', second); // replaced in place
      expect((await read('contract/replaced', { start: 4, end: 9 })).toString()).toBe('SECOND');
      await t.store.delete('contract/replaced');
      stored.delete('contract/replaced');
    });

    it('tells whether a key exists', async () => {
      expect(await t.store.exists('contract/small')).toBe(true);
      expect(await t.store.exists('contract/missing')).toBe(false);
    });

    it('deletes, and deleting a missing key is no error', async () => {
      await put('contract/doomed', small);
      await t.store.delete('contract/doomed');
      stored.delete('contract/doomed');
      expect(await t.store.exists('contract/doomed')).toBe(false);
      await expect(t.store.delete('contract/doomed')).resolves.toBeUndefined();
    });

    it('lists exactly the stored keys, nested and top-level ones alike, with when they were written', async () => {
      const started = Date.now();
      await put('top-level', small);
      await put('ab/cd/nested', small);
      const listed = new Map<string, Date>();
      for await (const { key, lastModified } of t.store.list()) listed.set(key, lastModified);
      expect([...listed.keys()].sort()).toEqual([...stored].sort());
      // S3 keeps whole seconds: up to one before `started`, and one more for the server's clock.
      expect(listed.get('top-level')!.getTime()).toBeGreaterThanOrEqual(started - 2000);
      expect(listed.get('top-level')!.getTime()).toBeLessThanOrEqual(Date.now() + 1000);
    });

    it('takes any byte stream, whatever properties it carries', async () => {
      // Coffer's upload inspector counts its bytes in a `size` property, 0 when put starts.
      const counting = Object.assign(streamOf(big.subarray(0, 12 * MiB)), { size: 0 });
      await t.store.put('contract/counting', counting);
      stored.add('contract/counting');
      expect((await read('contract/counting')).equals(big.subarray(0, 12 * MiB))).toBe(true);
    });

    it('stores nothing when the source fails midway, and leaves no unfinished write', async () => {
      // 12 MiB: on S3 one part is already uploaded when the source fails.
      await expect(t.store.put('contract/broken', streamOf(big.subarray(0, 12 * MiB), new Error('source broke')))).rejects.toThrow('source broke');
      expect(await t.store.exists('contract/broken')).toBe(false);
      expect(await t.unfinishedWrites()).toBe(0);
    });

    it('hands tools a local file with the bytes, and leaves no copy behind once released', async () => {
      await put('contract/local', small);
      const local = await t.store.localFile('contract/local', small.length);
      expect(path.isAbsolute(local.path)).toBe(true);
      expect((await readFile(local.path)).equals(small)).toBe(true);
      await local.release();
      expect(await t.store.exists('contract/local')).toBe(true);
      expect((await buffer(await t.store.get('contract/local'))).equals(small)).toBe(true);
      if (local.path !== (t.store as { pathOf?: (key: string) => string }).pathOf?.('contract/local')) await expect(stat(local.path)).rejects.toThrow();
    });

    it('passes its readiness check', async () => {
      await expect(t.store.check()).resolves.toBeUndefined();
    });
  });
}

describe('LocalBlobStore', () => {
  blobStoreContract(async () => {
    const root = await mkdtemp(path.join(os.tmpdir(), 'coffer-blobs-'));
    const store = await LocalBlobStore.open(root);
    return {
      store,
      unfinishedWrites: async () => (await readdir(path.join(root, 'tmp'))).length,
      dispose: async () => {
        await store.close();
        await rm(root, { recursive: true, force: true });
      },
    };
  });
});

describe.skipIf(!requireOrSkip(hasS3, S3_MISSING))('S3BlobStore', () => {
  let bucket: TestBucket;

  beforeAll(async () => {
    bucket = (await createTestBucket())!;
  });
  afterAll(() => bucket?.cleanup());

  blobStoreContract(async () => {
    const store = await S3BlobStore.open(bucket.url);
    const location = parseS3Url(bucket.url);
    const client = createS3Client(location);
    return {
      store,
      unfinishedWrites: async () => (await unfinishedUploads(client, location.bucket)).length,
      dispose: async () => {
        client.destroy();
        await store.close();
      },
    };
  });

  it('copies a blob for local tools only up to the size asked for', async () => {
    const store = await S3BlobStore.open(bucket.url);
    await store.put('spool/object', streamOf(randomBytes(3 * MiB)));
    await expect(store.localFile('spool/object', 2 * MiB)).rejects.toThrow('larger than the 2097152 bytes expected');
    await store.delete('spool/object');
    await store.close();
  });

  describe('presigned URLs', () => {
    let store: S3BlobStore;
    const body = Buffer.from('presigned bytes: 0123456789abcdefghijklmnopqrstuvwxyz');

    beforeAll(async () => {
      store = await S3BlobStore.open(bucket.url);
      await store.put('presigned/object', streamOf(body));
    });
    afterAll(() => store?.close());

    it('serve the object with the signed content type and disposition, and ranges', async () => {
      const url = await store.presignedDownloadUrl('presigned/object', { contentType: 'image/png', contentDisposition: 'attachment; filename="a.png"', expiresInSeconds: 60 });
      const whole = await fetch(url);
      expect(whole.status).toBe(200);
      expect(whole.headers.get('content-type')).toBe('image/png');
      expect(whole.headers.get('content-disposition')).toBe('attachment; filename="a.png"');
      expect(Buffer.from(await whole.arrayBuffer()).equals(body)).toBe(true);

      const part = await fetch(url, { headers: { range: 'bytes=10-19' } });
      expect(part.status).toBe(206);
      expect(Buffer.from(await part.arrayBuffer()).equals(body.subarray(10, 20))).toBe(true);
    });

    it('are refused once tampered with', async () => {
      const url = new URL(await store.presignedDownloadUrl('presigned/object', { contentType: 'image/png' }));
      url.searchParams.set('response-content-type', 'text/html');
      const response = await fetch(url);
      expect(response.status).toBe(403);
    });
  });

  it('releases the source of a put the server refuses, so its producer does not wait forever', async () => {
    const gone = (await createTestBucket())!;
    const store = await S3BlobStore.open(gone.url);
    await gone.cleanup();
    const source = new PassThrough();
    const producing = pipeline(streamOf(randomBytes(20 * MiB)), source);
    await expect(store.put('refused', source)).rejects.toThrow();
    await expect(producing).rejects.toThrow();
    await store.close();
  });

  it('openBlobStore opens an s3:// URL as an S3BlobStore', async () => {
    const store = await openBlobStore(bucket.url);
    expect(store).toBeInstanceOf(S3BlobStore);
    await store.close();
  });

  it('refuses to open a missing bucket and says how to create it', async () => {
    const missing = bucket.url.replace(/^s3:\/\/[^?]+/, 's3://coffer-test-missing');
    await expect(S3BlobStore.open(missing)).rejects.toThrow(/bucket "coffer-test-missing" does not exist at http:\/\/127\.0\.0\.1:\d+; create it with `coffer storage init`/);
  });
});

describe('opening a blob store', () => {
  it('picks the adapter by the URL scheme and refuses unknown ones', async () => {
    const root = await mkdtemp(path.join(os.tmpdir(), 'coffer-blobs-'));
    const store = await openBlobStore(`file:${root}`);
    expect(store).toBeInstanceOf(LocalBlobStore);
    await store.close();
    await rm(root, { recursive: true, force: true });
    await expect(openBlobStore('ftp://example/blobs')).rejects.toThrow('STORAGE_URL uses "ftp:"');
  });

  it('names an S3 endpoint that cannot be reached, without hanging', async () => {
    // Credentials from the environment, so the SDK never asks an instance-metadata service.
    vi.stubEnv('AWS_ACCESS_KEY_ID', 'unused');
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'unused');
    try {
      const started = Date.now();
      await expect(S3BlobStore.open('s3://coffer-media?endpoint=http://127.0.0.1:1&forcePathStyle=true')).rejects.toThrow(
        'STORAGE_URL: cannot reach the S3 endpoint http://127.0.0.1:1',
      );
      expect(Date.now() - started).toBeLessThan(10_000);
    } finally {
      vi.unstubAllEnvs();
    }
  });
});
