/**
 * The child process that does all of Coffer's libvips work (see images.ts for why a child).
 * It answers one request at a time over IPC and exits when its parent goes away.
 */
import sharp, { type Sharp } from 'sharp';
import { readAudioTags } from './audio-tags.js';
import { readImageTags } from './exif.js';
import type { ImageReply, ImageRequest, PixelsProblem, RgbPixels } from './images.js';
import { findLocationPatches } from './location.js';

// Each image is read once, so libvips' operation cache would only hold memory; one thread
// keeps the peak to one decode and leaves the other core to requests.
sharp.cache(false);
sharp.concurrency(1);

const THUMBNAIL_EDGE = 512;
/** An animation may hold this many times MAX_IMAGE_PIXELS in all its frames together. */
const ANIMATION_PIXEL_BUDGET = 25;
/** What sharp's metadata() calls each accepted type. */
const FORMAT_BY_TYPE: Record<string, string> = {
  'image/jpeg': 'jpeg',
  'image/png': 'png',
  'image/gif': 'gif',
  'image/webp': 'webp',
  'image/avif': 'heif',
};

class Refused extends Error {}

async function describe(path: string, contentType: string, maxPixels: number): Promise<ImageReply & { kind: 'describe' }> {
  // The header only: dimensions and frame count, nothing decoded yet.
  const header = await sharp(path).metadata();
  if (header.format !== FORMAT_BY_TYPE[contentType]) throw new Refused(`the bytes are ${header.format ?? 'unknown'}, not ${contentType}`);
  const width = header.width ?? 0;
  const frameHeight = header.pageHeight ?? header.height ?? 0;
  const frames = header.pages ?? 1;
  if (width * frameHeight > maxPixels) throw new Refused(`${width}×${frameHeight} is over MAX_IMAGE_PIXELS (${maxPixels})`);
  if (frames * width * frameHeight > ANIMATION_PIXEL_BUDGET * maxPixels) throw new Refused(`${frames} frames of ${width}×${frameHeight} are over ${ANIMATION_PIXEL_BUDGET} × MAX_IMAGE_PIXELS`);
  // The first frame only, read top to bottom, and never past the limit just checked.
  const thumbnail = await toThumbnail(sharp(path, { limitInputPixels: maxPixels, failOn: 'error', pages: 1, sequentialRead: true }).rotate());
  const swapped = (header.orientation ?? 1) >= 5;
  // The tags and where the location sits, read by exifr and our own walk of the segments.
  const [tags, locationPatches] = await Promise.all([readImageTags(path, contentType), findLocationPatches(path, contentType)]);
  return { kind: 'describe', width: swapped ? frameHeight : width, height: swapped ? width : frameHeight, thumbnail, tags, locationPatches };
}

/**
 * An audio file's tags, and its embedded cover as a thumbnail: decoded here like any image,
 * under the same pixel limit checked from its header first. A cover that is no image we
 * accept, or too large, is left out; the tags still count.
 */
async function describeAudio(path: string, maxPixels: number): Promise<ImageReply & { kind: 'audio' }> {
  const { cover, ...tags } = await readAudioTags(path);
  let thumbnail: Buffer | undefined;
  if (cover) {
    try {
      const header = await sharp(cover).metadata();
      const pixels = (header.width ?? 0) * (header.pageHeight ?? header.height ?? 0);
      if (pixels > 0 && pixels <= maxPixels && ['jpeg', 'png', 'gif', 'webp'].includes(header.format ?? '')) {
        thumbnail = await toThumbnail(sharp(cover, { limitInputPixels: maxPixels, failOn: 'error', pages: 1 }).rotate());
      }
    } catch {
      thumbnail = undefined;
    }
  }
  return { kind: 'audio', tags, ...(thumbnail ? { thumbnail } : {}) };
}

/** See decodePixels (images.ts). */
async function decodePixels(image: Uint8Array, edge: number, maxPixels: number): Promise<RgbPixels | PixelsProblem> {
  if (image.length === 0) return { problem: 'empty', message: 'The photo is empty (0 bytes).' };
  const bytes = Buffer.from(image.buffer, image.byteOffset, image.length);
  let header;
  try {
    header = await sharp(bytes).metadata();
  } catch {
    return { problem: 'not_image', message: 'The photo is not an image Coffer can read.' };
  }
  const width = header.width ?? 0;
  const height = header.pageHeight ?? header.height ?? 0;
  if (width === 0 || height === 0) return { problem: 'not_image', message: 'The photo is not an image Coffer can read.' };
  if (width * height > maxPixels) return { problem: 'too_large', message: `The photo is ${width}×${height} pixels; at most ${Math.round(maxPixels / 1e6)} megapixels are accepted.` };
  try {
    const { data, info } = await sharp(bytes, { limitInputPixels: maxPixels, failOn: 'error', pages: 1 })
      .rotate()
      .resize(edge, edge, { fit: 'inside', withoutEnlargement: true })
      .removeAlpha()
      .toColourspace('srgb')
      .raw()
      .toBuffer({ resolveWithObject: true });
    return { data: new Uint8Array(data.buffer, data.byteOffset, data.length), width: info.width, height: info.height };
  } catch {
    return { problem: 'corrupt', message: 'The photo is damaged or truncated and cannot be decoded.' };
  }
}

function toThumbnail(image: Sharp): Promise<Buffer> {
  return image.resize(THUMBNAIL_EDGE, THUMBNAIL_EDGE, { fit: 'inside', withoutEnlargement: true }).webp({ quality: 78 }).toBuffer();
}

async function handle(request: ImageRequest): Promise<ImageReply> {
  if (request.kind === 'frame') {
    const frame = Buffer.from(request.frame);
    const thumbnail = await toThumbnail(sharp(frame, { limitInputPixels: THUMBNAIL_EDGE * THUMBNAIL_EDGE * 4, failOn: 'error' }));
    return { kind: 'frame', thumbnail };
  }
  if (request.kind === 'audio') return describeAudio(request.path, request.maxPixels);
  if (request.kind === 'pixels') return { kind: 'pixels', pixels: await decodePixels(request.image, request.edge, request.maxPixels) };
  if (request.kind === 'locate') {
    const [tags, locationPatches] = await Promise.all([readImageTags(request.path, request.contentType), findLocationPatches(request.path, request.contentType)]);
    return { kind: 'locate', hasLocation: tags.location !== undefined, locationPatches };
  }
  return describe(request.path, request.contentType, request.maxPixels);
}

process.on('message', (request: ImageRequest) => {
  handle(request).then(
    (reply) => process.send?.({ ok: true, reply }),
    (error: unknown) => process.send?.({ ok: false, refused: error instanceof Refused, message: error instanceof Error ? error.message : String(error) }),
  );
});
process.on('disconnect', () => process.exit(0));
