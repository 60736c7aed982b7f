import { Readable } from 'node:stream';
import type { FastifyBaseLogger } from 'fastify';
import { parseExifDate, type TakenAt } from '../../adapters/media/dates.js';
import { extractFrame, probeAv, type AvFacts } from '../../adapters/media/ffmpeg.js';
import { describeAudio, describeImage, locateInImage, thumbnailFromFrame, type ImageLimits } from '../../adapters/media/images.js';
import type { BlobStore } from '../../adapters/storage/blob-store.js';
import type { Db } from '../../db/connect.js';
import * as files from './files.repository.js';
import type { StoredFile } from './files.repository.js';
import type { StoredMetadata } from './media-metadata.js';

/**
 * The `describe` step run after each upload, one read of the bytes for everything they say:
 * for an image its size, a WebP thumbnail (sharp), its EXIF/XMP (exifr) and where its
 * location sits in the bytes; for audio/video the container's facts (Debian's ffprobe), a
 * poster frame for video, and the tags and cover art of audio (music-metadata). A file
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

/**
 * Where a photo's location sits, found now (and recorded) for a public link asked for it
 * before the describe step got to it: the bytes are never held back waiting for the queue.
 */
export function locateNow(db: Db, blobs: BlobStore, limits: ImageLimits) {
  return async (file: StoredFile): Promise<NonNullable<StoredFile['locationPatches']>> => {
    const local = await blobs.localFile(file.blobKey, file.size);
    try {
      const found = await locateInImage(local.path, file.contentType, limits, AbortSignal.timeout(LOCATE_TIMEOUT_MS));
      const patches = found.hasLocation && found.locationPatches.length === 0 ? 'unremovable' : found.locationPatches;
      await files.updateMediaFacts(db, file.id, { locationPatches: patches });
      return patches;
    } finally {
      await local.release();
    }
  };
}

const LOCATE_TIMEOUT_MS = 15_000;

type Facts = files.MediaFactsUpdate;

async function describeImageFile(blobs: BlobStore, file: StoredFile, path: string, limits: ImageLimits, signal: AbortSignal): Promise<Facts> {
  const image = await describeImage(path, file.contentType, limits, signal);
  const thumbnailKey = thumbnailKeyFor(file);
  await blobs.put(thumbnailKey, bufferStream(image.thumbnail));
  const { taken, ...tags } = image.tags;
  return {
    width: image.width,
    height: image.height,
    thumbnailKey,
    ...takenFacts(taken, 'exif', tags),
    // A location exifr reads but no edit removes is never served through a public link.
    locationPatches: tags.location && image.locationPatches.length === 0 ? 'unremovable' : image.locationPatches,
  };
}

async function describeAvFile(blobs: BlobStore, file: StoredFile, path: string, limits: ImageLimits, log: FastifyBaseLogger, signal: AbortSignal): Promise<Facts> {
  const av = await probeAv(path, file.contentType, signal);
  const facts: Facts = { durationSeconds: av.durationSeconds, width: av.width, height: av.height };
  const taken = parseExifDate(av.creationTime);
  if (file.kind === 'audio') {
    const audio = await describeAudio(path, limits, signal);
    const thumbnailKey = audio.thumbnail ? thumbnailKeyFor(file) : undefined;
    if (audio.thumbnail && thumbnailKey) await blobs.put(thumbnailKey, bufferStream(audio.thumbnail));
    const metadata: StoredMetadata = { ...(audio.tags.tags ? { tags: audio.tags.tags } : {}), audio: { ...audioFromProbe(av), ...audio.tags.audio } };
    return { ...facts, ...(thumbnailKey ? { thumbnailKey } : {}), ...takenFacts(taken, 'container', metadata) };
  }
  const video = definedOnly({ codec: av.videoCodec, audioCodec: av.audioCodec, frameRate: av.frameRate });
  const described = { ...facts, ...takenFacts(taken, 'container', Object.keys(video).length > 0 ? { video } : {}) };
  if (!av.hasVideo) return described;
  try {
    // A frame a little way in is more telling than the (often black) first one.
    const at = Math.min(1, (av.durationSeconds ?? 0) / 3);
    const thumbnail = await thumbnailFromFrame(await extractFrame(path, file.contentType, at, signal), limits, signal);
    const thumbnailKey = thumbnailKeyFor(file);
    await blobs.put(thumbnailKey, bufferStream(thumbnail));
    return { ...described, thumbnailKey };
  } catch (error) {
    if (signal.aborted) throw error;
    log.warn({ err: error, fileId: file.id }, 'no poster frame for this video');
    return described;
  }
}

/**
 * The date taken and the metadata that goes with it. A file that names no date keeps the
 * upload time, and says so (`takenAtSource: 'upload'`).
 */
function takenFacts(taken: TakenAt | undefined, source: 'exif' | 'container', metadata: StoredMetadata): Pick<Facts, 'taken' | 'metadata'> {
  if (!taken) return { metadata };
  return { taken: { at: taken.utc, source }, metadata: { takenAtLocal: taken.local, ...(taken.offset ? { timeZone: taken.offset } : {}), ...metadata } };
}

function audioFromProbe(av: AvFacts): NonNullable<StoredMetadata['audio']> {
  return definedOnly({ codec: av.audioCodec, sampleRate: av.audioSampleRate, channels: av.audioChannels, bitRate: av.audioBitRate });
}

function definedOnly<T extends object>(value: T): { [K in keyof T]?: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as { [K in keyof T]?: Exclude<T[K], undefined> };
}

function thumbnailKeyFor(file: StoredFile): string {
  return `thumbnails/${file.id}`;
}

function bufferStream(buffer: Buffer) {
  return Readable.from([buffer]);
}
