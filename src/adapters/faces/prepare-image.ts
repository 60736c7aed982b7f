import { FaceImageError, type RgbImage } from './face-engine.js';

/** The longest side the detector sees: 1024 px finds the faces 1920 px finds, in half the time. */
export const DETECTION_EDGE = 1024;

/** Photos above this many pixels are refused from their header, before any decoding (MAX_IMAGE_PIXELS's default). */
export const MAX_FACE_IMAGE_PIXELS = 40_000_000;

async function importSharp() {
  const { default: sharp } = await import('sharp');
  sharp.cache(false);
  return sharp;
}
let sharpLoading: ReturnType<typeof importSharp> | undefined;
const loadSharp = () => (sharpLoading ??= importSharp());

/**
 * Decodes, orients (EXIF) and shrinks a photo to at most `edge` px on its longest side, as
 * RGB. Animated images give their first frame. The header is read first, so a small file
 * that claims a gigantic bitmap is refused before anything is decoded.
 */
export async function prepareImage(bytes: Buffer, { edge = DETECTION_EDGE, maxPixels = MAX_FACE_IMAGE_PIXELS } = {}): Promise<RgbImage> {
  if (bytes.length === 0) throw new FaceImageError('empty', 'The photo is empty (0 bytes).');
  const sharp = await loadSharp();
  let metadata;
  try {
    metadata = await sharp(bytes).metadata();
  } catch {
    throw new FaceImageError('not_image', 'The photo is not an image Coffer can read.');
  }
  const { width = 0, height = 0 } = metadata;
  if (width === 0 || height === 0) throw new FaceImageError('not_image', 'The photo is not an image Coffer can read.');
  if (width * height > maxPixels) {
    throw new FaceImageError('too_large', `The photo is ${width}×${height} pixels; at most ${Math.round(maxPixels / 1e6)} megapixels are accepted.`);
  }
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
    throw new FaceImageError('corrupt', 'The photo is damaged or truncated and cannot be decoded.');
  }
}
