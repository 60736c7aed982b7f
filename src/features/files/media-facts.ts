import { Readable } from 'node:stream';
import type { FastifyBaseLogger } from 'fastify';
import { extractFrame, probeAv } from '../../adapters/media/ffmpeg.js';
import { describeImage, thumbnailFromFrame, type ImageLimits } from '../../adapters/media/images.js';
import type { BlobStore } from '../../adapters/storage/blob-store.js';
import type { Db } from '../../db/connect.js';
import * as files from './files.repository.js';
import type { StoredFile } from './files.repository.js';

/**
 * The `describe` step run after each upload: image size and a WebP thumbnail (sharp), or
 * duration, size and a poster-frame thumbnail for audio/video (Debian's ffmpeg). A file
 * deleted meanwhile leaves nothing behind. Bytes that are not the stored type's container,
 * or an image too large to decode safely, fail the step: no facts, no thumbnail. A failure
 * throws (the job queue retries it and finally marks the step failed); `signal` (time limit,
 * shutdown) stops the media tool, and after it fires nothing is recorded.
 */
export function describeMediaJob(db: Db, blobs: BlobStore, log: FastifyBaseLogger, limits: ImageLimits) {
  return async (fileId: string, signal: AbortSignal): Promise<void> => {
    const file = await files.findFileById(db, fileId);
    if (!file) return;
    // The tools get a local file, never a URL: a temporary copy for S3, removed afterwards.
    const local = await blobs.localFile(file.blobKey, file.size);
    try {
      const facts = file.kind === 'image' ? await describeImageFile(blobs, file, local.path, limits, signal) : await describeAvFile(blobs, file, local.path, limits, log, signal);
      // Timed out or stopped: the retry records the facts. The thumbnail's key is the file's,
      // so what was written here is overwritten, never deleted under a later attempt.
      if (signal.aborted) return;
      if (!(await files.updateMediaFacts(db, file.id, facts)) && facts.thumbnailKey) await blobs.delete(facts.thumbnailKey);
    } finally {
      await local.release();
    }
  };
}

type Facts = Parameters<typeof files.updateMediaFacts>[2];

async function describeImageFile(blobs: BlobStore, file: StoredFile, path: string, limits: ImageLimits, signal: AbortSignal): Promise<Facts> {
  const image = await describeImage(path, file.contentType, limits, signal);
  const thumbnailKey = thumbnailKeyFor(file);
  await blobs.put(thumbnailKey, bufferStream(image.thumbnail));
  return { width: image.width, height: image.height, thumbnailKey };
}

async function describeAvFile(blobs: BlobStore, file: StoredFile, path: string, limits: ImageLimits, log: FastifyBaseLogger, signal: AbortSignal): Promise<Facts> {
  const av = await probeAv(path, file.contentType, signal);
  const facts: Facts = { durationSeconds: av.durationSeconds, width: av.width, height: av.height };
  if (file.kind !== 'video' || !av.hasVideo) return facts;
  try {
    // A frame a little way in is more telling than the (often black) first one.
    const at = Math.min(1, (av.durationSeconds ?? 0) / 3);
    const thumbnail = await thumbnailFromFrame(await extractFrame(path, file.contentType, at, signal), limits, signal);
    const thumbnailKey = thumbnailKeyFor(file);
    await blobs.put(thumbnailKey, bufferStream(thumbnail));
    return { ...facts, thumbnailKey };
  } catch (error) {
    if (signal.aborted) throw error;
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
