import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Transform, type Readable, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { LocalFile } from './blob-store.js';

/**
 * Copies a stream to a private temporary file (a 0700 folder of its own, file 0600) and
 * stops with an error past `maxBytes`, so a copy can never fill the disk beyond the size
 * the caller expects. On failure nothing is left behind; on success `release` removes it.
 */
export async function spoolToTemporaryFile(source: Readable, maxBytes: number): Promise<LocalFile> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'coffer-spool-'));
  const release = () => rm(dir, { recursive: true, force: true });
  const file = path.join(dir, 'blob');
  try {
    await pipeline(source, limitTo(maxBytes), createWriteStream(file, { flags: 'wx', mode: 0o600 }));
    return { path: file, release };
  } catch (error) {
    await release();
    throw error;
  }
}

function limitTo(maxBytes: number): Transform {
  let seen = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback) {
      seen += chunk.length;
      if (seen > maxBytes) callback(new Error(`the blob is larger than the ${maxBytes} bytes expected`));
      else callback(null, chunk);
    },
  });
}
