import { Readable } from 'node:stream';
import type { FastifyBaseLogger } from 'fastify';
import { extractFrame, probeAv } from '../../adapters/media/ffmpeg.js';
import { describeImage, thumbnailFromFrame } from '../../adapters/media/images.js';
import type { BlobStore } from '../../adapters/storage/blob-store.js';
import type { Db } from '../../db/connect.js';
import * as files from './files.repository.js';
import type { StoredFile } from './files.repository.js';

/**
 * The `describe` step run after each upload: image size and a WebP thumbnail (sharp), or
 * duration, size and a poster-frame thumbnail for audio/video (Debian's ffmpeg). A file
 * deleted meanwhile leaves nothing behind. A failure throws (the job queue retries it and
 * finally marks the step failed); after `signal` fires (time limit, shutdown) nothing is
 * recorded.
 */
export function describeMediaJob(db: Db, blobs: BlobStore, log: FastifyBaseLogger) {
  return async (fileId: string, signal: AbortSignal): Promise<void> => {
    const file = await files.findFileById(db, fileId);
    if (!file) return;
    const facts = file.kind === 'image' ? await describeImageFile(blobs, file) : await describeAvFile(blobs, file, log);
    // Timed out or stopped: the retry records the facts. The thumbnail's key is the file's,
    // so what was written here is overwritten, never deleted under a later attempt.
    if (signal.aborted) return;
    if (!(await files.updateMediaFacts(db, file.id, facts)) && facts.thumbnailKey) await blobs.delete(facts.thumbnailKey);
  };
}

type Facts = Parameters<typeof files.updateMediaFacts>[2];

async function describeImageFile(blobs: BlobStore, file: StoredFile): Promise<Facts> {
  const image = await describeImage(await blobs.get(file.blobKey));
  const thumbnailKey = thumbnailKeyFor(file);
  await blobs.put(thumbnailKey, bufferStream(image.thumbnail));
  return { width: image.width, height: image.height, thumbnailKey };
}

async function describeAvFile(blobs: BlobStore, file: StoredFile, log: FastifyBaseLogger): Promise<Facts> {
  const source = await blobs.mediaSource(file.blobKey);
  const av = await probeAv(source);
  const facts: Facts = { durationSeconds: av.durationSeconds, width: av.width, height: av.height };
  if (file.kind !== 'video' || !av.hasVideo) return facts;
  try {
    // A frame a little way in is more telling than the (often black) first one.
    const at = Math.min(1, (av.durationSeconds ?? 0) / 3);
    const thumbnail = await thumbnailFromFrame(await extractFrame(source, at));
    const thumbnailKey = thumbnailKeyFor(file);
    await blobs.put(thumbnailKey, bufferStream(thumbnail));
    return { ...facts, thumbnailKey };
  } catch (error) {
    log.warn({ err: error, fileId: file.id }, 'no poster frame for this video');
    return facts;
  }
}

function thumbnailKeyFor(file: StoredFile): string {
  return `thumbnails/${file.id}`;
}

function bufferStream(buffer: Buffer) {
  return Readable.from([buffer]);
}
