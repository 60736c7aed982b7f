import { decodePixels } from '../media/images.js';
import { FaceImageError, type RgbImage } from './face-engine.js';

/** The longest side the detector sees: 1024 px finds the faces 1920 px finds, in half the time. */
export const DETECTION_EDGE = 1024;

/** Photos above this many pixels are refused from their header, before any decoding (MAX_IMAGE_PIXELS's default). */
export const MAX_FACE_IMAGE_PIXELS = 40_000_000;

/**
 * Decodes, orients (EXIF) and shrinks a photo to at most `edge` px on its longest side, as
 * RGB — in the image worker, like every other decode, so this process never holds a
 * decoded bitmap. Animated images give their first frame.
 */
export async function prepareImage(bytes: Buffer, { edge = DETECTION_EDGE, maxPixels = MAX_FACE_IMAGE_PIXELS } = {}): Promise<RgbImage> {
  const pixels = await decodePixels(bytes, edge, { maxPixels });
  if ('problem' in pixels) throw new FaceImageError(pixels.problem, pixels.message);
  return pixels;
}
