import { createReadStream, createWriteStream } from 'node:fs';
import { access, mkdir, opendir, rename, rm, stat, statfs } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { randomUUID } from 'node:crypto';
import { InsufficientStorage } from '../../errors.js';
import { OpenFiles } from './open-files.js';
import { assertBlobKey, type BlobStore, type ByteRange, type LocalFile, type StorageCapacity, type StoredObject } from './blob-store.js';

/**
 * Each stream holds about two chunks (one read ahead, one in the socket's buffer), per
 * concurrent download: 256 KiB keeps that well under 1 MiB (1 MiB chunks held ~4 MiB) and
 * still makes a quarter of the system calls of Node's 64 KiB default.
 */
const READ_CHUNK_BYTES = 256 * 1024;
/**
 * How much of an upload the file stream takes in while a write is under way: with Node's
 * 16 KiB default the source pauses after every 64 KiB socket chunk and each one is its own
 * write; 256 KiB lets the chunks that arrive meanwhile go out together in one writev.
 * Measured on 3 MB photo uploads (bench/pipeline.ts): the time the server spends issuing
 * writes fell from ~1.0 s to ~0.4 s per 240 MB. Bounded per upload, like the read side.
 */
const WRITE_BUFFER_BYTES = 256 * 1024;
const STALE_TEMPORARY_FILE_MS = 24 * 3600 * 1000;
/** A full disk or a user's quota used up. */
const NO_SPACE_CODES = new Set(['ENOSPC', 'EDQUOT']);

/**
 * Blobs as files under one folder. Writes go to `tmp/` first and are renamed into place
 * only when complete, so a crash mid-upload never leaves a half file under a real key.
 */
export class LocalBlobStore implements BlobStore {
  private readonly tmpDir: string;
  private readonly objectsDir: string;
  private readonly openFiles = new OpenFiles();

  private constructor(
    root: string,
    private readonly writer: string,
  ) {
    this.tmpDir = path.join(root, 'tmp');
    this.objectsDir = LocalBlobStore.objectsDirOf(root);
  }

  /** Where the blobs of the store rooted at `root` are, each under its key: what nginx may serve. */
  static objectsDirOf(root: string): string {
    return path.join(path.resolve(root), 'objects');
  }

  /** `writer` names this process's temporary files (the instance id, unique per instance). */
  static async open(root: string, writer = 'coffer'): Promise<LocalBlobStore> {
    const store = new LocalBlobStore(path.resolve(root), writer.replace(/[^A-Za-z0-9_-]/g, '_'));
    await mkdir(store.tmpDir, { recursive: true });
    await mkdir(store.objectsDir, { recursive: true });
    await store.removeLeftoverTemporaryFiles();
    return store;
  }

  /**
   * Leftovers of writes cut off by a crash: never visible under a real key. Other instances
   * sharing this folder may be writing right now, so only this writer's own files (from its
   * previous run under the same name) and old ones go.
   */
  private async removeLeftoverTemporaryFiles(): Promise<void> {
    const cutoff = Date.now() - STALE_TEMPORARY_FILE_MS;
    for await (const entry of await opendir(this.tmpDir)) {
      const file = path.join(this.tmpDir, entry.name);
      const info = await stat(file).catch(() => undefined);
      if (info && (entry.name.startsWith(`${this.writer}.`) || info.mtimeMs < cutoff)) await rm(file, { force: true });
    }
  }

  /** The path of a stored blob, for serving it with sendfile-style offload. */
  pathOf(key: string): string {
    assertBlobKey(key);
    return path.join(this.objectsDir, key);
  }

  async put(key: string, body: Readable): Promise<void> {
    const target = this.pathOf(key);
    const tmp = path.join(this.tmpDir, `${this.writer}.${randomUUID()}`);
    try {
      await pipeline(body, createWriteStream(tmp, { flags: 'wx', mode: 0o600, highWaterMark: WRITE_BUFFER_BYTES }));
      await mkdir(path.dirname(target), { recursive: true });
      await rename(tmp, target);
      this.openFiles.forget(target);
    } catch (error) {
      await rm(tmp, { force: true });
      if (NO_SPACE_CODES.has((error as NodeJS.ErrnoException).code ?? '')) throw new InsufficientStorage();
      throw error;
    }
  }

  async get(key: string, range?: ByteRange): Promise<Readable> {
    const file = this.pathOf(key);
    // Ranges come many to a blob (a player seeking): its file stays open between them.
    if (range) return this.openFiles.read(file, range, READ_CHUNK_BYTES);
    const stream = createReadStream(file, { highWaterMark: READ_CHUNK_BYTES });
    // Surface "missing" as a rejected promise rather than a later stream error.
    await new Promise<void>((resolve, reject) => {
      stream.once('open', () => resolve());
      stream.once('error', reject);
    });
    return stream;
  }

  async delete(key: string): Promise<void> {
    const file = this.pathOf(key);
    await rm(file, { force: true });
    this.openFiles.forget(file);
  }

  async localFile(key: string): Promise<LocalFile> {
    return { path: this.pathOf(key), release: async () => {} };
  }

  async exists(key: string): Promise<boolean> {
    try {
      await access(this.pathOf(key));
      return true;
    } catch {
      return false;
    }
  }

  async *list(): AsyncIterable<StoredObject> {
    for await (const key of walk(this.objectsDir, '')) {
      yield { key, lastModified: (await stat(path.join(this.objectsDir, key))).mtime };
    }
  }

  async capacity(): Promise<StorageCapacity> {
    // bavail, not bfree: the blocks an unprivileged writer may still use.
    const { bavail, blocks, bsize } = await statfs(this.objectsDir);
    return { freeBytes: bavail * bsize, totalBytes: blocks * bsize };
  }

  async check(): Promise<void> {
    await access(this.objectsDir);
  }

  async close(): Promise<void> {
    this.openFiles.closeIdle();
  }
}

async function* walk(dir: string, prefix: string): AsyncIterable<string> {
  for await (const entry of await opendir(dir)) {
    const key = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) yield* walk(path.join(dir, entry.name), key);
    else yield key;
  }
}
