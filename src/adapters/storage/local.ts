import { createReadStream, createWriteStream } from 'node:fs';
import { access, mkdir, opendir, readdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { randomUUID } from 'node:crypto';
import type { BlobStore, ByteRange } from './blob-store.js';

const KEY_PATTERN = /^[a-z0-9][a-z0-9/-]{0,99}$/;
// A write in progress touches its file all the time; one untouched this long was abandoned.
const ABANDONED_AFTER_MS = 24 * 60 * 60 * 1000;

/**
 * Blobs as files under one folder. Writes go to `tmp/` first and are renamed into place
 * only when complete, so a crash mid-upload never leaves a half file under a real key.
 */
export class LocalBlobStore implements BlobStore {
  private readonly tmpDir: string;
  private readonly objectsDir: string;

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

  /**
   * `writer` names this process's temporary files. Several instances may share the folder
   * (`coffer cluster`), so a starting one discards only its own leftovers — those of its
   * previous run under the same name — and files abandoned long ago, never another
   * instance's upload in progress.
   */
  static async open(root: string, writer = 'coffer'): Promise<LocalBlobStore> {
    const store = new LocalBlobStore(path.resolve(root), writer.replace(/[^A-Za-z0-9_-]/g, '_'));
    await mkdir(store.tmpDir, { recursive: true });
    await mkdir(store.objectsDir, { recursive: true });
    await store.discardLeftovers();
    return store;
  }

  private async discardLeftovers(): Promise<void> {
    const abandoned = Date.now() - ABANDONED_AFTER_MS;
    for (const name of await readdir(this.tmpDir)) {
      const file = path.join(this.tmpDir, name);
      // A file that vanished meanwhile was another instance's, now complete: leave it be.
      const modified = (await stat(file).catch(() => undefined))?.mtimeMs ?? Date.now();
      if (name.startsWith(`${this.writer}.`) || modified < abandoned) await rm(file, { recursive: true, force: true });
    }
  }

  /** The path of a stored blob, for serving it with sendfile-style offload. */
  pathOf(key: string): string {
    if (!KEY_PATTERN.test(key) || key.includes('..')) throw new Error(`invalid blob key "${key}"`);
    return path.join(this.objectsDir, key);
  }

  async put(key: string, body: Readable): Promise<void> {
    const target = this.pathOf(key);
    const tmp = path.join(this.tmpDir, `${this.writer}.${randomUUID()}`);
    try {
      await pipeline(body, createWriteStream(tmp, { flags: 'wx', mode: 0o600 }));
      await mkdir(path.dirname(target), { recursive: true });
      await rename(tmp, target);
    } catch (error) {
      await rm(tmp, { force: true });
      throw error;
    }
  }

  async get(key: string, range?: ByteRange): Promise<Readable> {
    const file = this.pathOf(key);
    const stream = createReadStream(file, range ? { start: range.start, end: range.end } : {});
    // Surface "missing" as a rejected promise rather than a later stream error.
    await new Promise<void>((resolve, reject) => {
      stream.once('open', () => resolve());
      stream.once('error', reject);
    });
    return stream;
  }

  async delete(key: string): Promise<void> {
    await rm(this.pathOf(key), { force: true });
  }

  async mediaSource(key: string): Promise<string> {
    return this.pathOf(key);
  }

  async exists(key: string): Promise<boolean> {
    try {
      await access(this.pathOf(key));
      return true;
    } catch {
      return false;
    }
  }

  async *list(): AsyncIterable<string> {
    yield* walk(this.objectsDir, '');
  }

  async check(): Promise<void> {
    await access(this.objectsDir);
  }

  async close(): Promise<void> {}
}

async function* walk(dir: string, prefix: string): AsyncIterable<string> {
  for await (const entry of await opendir(dir)) {
    const key = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) yield* walk(path.join(dir, entry.name), key);
    else yield key;
  }
}
