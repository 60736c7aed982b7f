import type { Readable } from 'node:stream';

export interface ImageFacts {
  width: number;
  height: number;
  thumbnail: Buffer;
}

const THUMBNAIL_EDGE = 512;
// Refuse decompression bombs: a small file that decodes to a gigantic bitmap.
const MAX_INPUT_PIXELS = 268_402_689;

// libvips is large: load it at the first image, not at start-up. Each image is read once,
// so its operation cache (50 MB by default) would only hold memory; one thread per image
// keeps a thumbnail job from competing with requests for both cores.
async function importSharp() {
  const { default: sharp } = await import('sharp');
  sharp.cache(false);
  sharp.concurrency(1);
  return sharp;
}
let sharpLoading: ReturnType<typeof importSharp> | undefined;
const loadSharp = () => (sharpLoading ??= importSharp());

/** Reads an image once: its displayed size (EXIF orientation applied) and a WebP thumbnail. */
export async function describeImage(source: Readable): Promise<ImageFacts> {
  const sharp = await loadSharp();
  const image = sharp({ limitInputPixels: MAX_INPUT_PIXELS, failOn: 'error' });
  source.on('error', (error) => image.destroy(error));
  source.pipe(image);
  const [metadata, thumbnail] = await Promise.all([
    image.clone().metadata(),
    image.clone().rotate().resize(THUMBNAIL_EDGE, THUMBNAIL_EDGE, { fit: 'inside', withoutEnlargement: true }).webp({ quality: 78 }).toBuffer(),
  ]);
  const swapped = (metadata.orientation ?? 1) >= 5;
  const width = metadata.width ?? 0;
  const height = metadata.height ?? 0;
  return { width: swapped ? height : width, height: swapped ? width : height, thumbnail };
}

/** Makes a WebP thumbnail from an already decoded still frame (a video poster). */
export async function thumbnailFromFrame(frame: Buffer): Promise<Buffer> {
  const sharp = await loadSharp();
  return sharp(frame).resize(THUMBNAIL_EDGE, THUMBNAIL_EDGE, { fit: 'inside', withoutEnlargement: true }).webp({ quality: 78 }).toBuffer();
}
