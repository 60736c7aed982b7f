import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import sharp, { type Sharp } from 'sharp';
import { requireOrSkip } from './services.js';

const require = createRequire(import.meta.url);
const demo = path.join(path.dirname(require.resolve('@vladmandic/face-api/package.json')), 'demo');

/**
 * The group photos face-api ships in demo/ (1920 px wide), with the number of people in
 * each, counted by eye: the ground truth the detection tests hold the model to.
 */
export const GROUP_PHOTOS = [
  { name: 'sample1.jpg', people: 3 },
  { name: 'sample2.jpg', people: 3 },
  { name: 'sample3.jpg', people: 3 },
  { name: 'sample4.jpg', people: 4 },
  { name: 'sample5.jpg', people: 5 },
  { name: 'sample6.jpg', people: 4 },
].map((photo) => ({ ...photo, bytes: () => readFileSync(path.join(demo, photo.name)) }));

/** Eileen Collins' portrait in Debian's python3-skimage (scikit-image's sample data). */
export const ASTRONAUT_PATH = '/usr/lib/python3/dist-packages/skimage/data/astronaut.png';
export const ASTRONAUT_MISSING = `${ASTRONAUT_PATH} is missing (apt-get install python3-skimage)`;
export const hasAstronaut = () => requireOrSkip(existsSync(ASTRONAUT_PATH), ASTRONAUT_MISSING);

export interface Region {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** The pixels `cropAround` takes from a width × height photo. */
export function cropRegion(width: number, height: number, box: Region, margin: number): { left: number; top: number; width: number; height: number } {
  const left = Math.max(0, Math.floor((box.x - box.width * margin) * width));
  const top = Math.max(0, Math.floor((box.y - box.height * margin) * height));
  const right = Math.min(width, Math.ceil((box.x + box.width * (1 + margin)) * width));
  const bottom = Math.min(height, Math.ceil((box.y + box.height * (1 + margin)) * height));
  return { left, top, width: right - left, height: bottom - top };
}

/**
 * A part of a photo given in fractions, widened by `margin` (of its size) on every side.
 * Encode it (`.png().toBuffer()`) before rotating: sharp rotates before it extracts, so
 * `.rotate()` on this pipeline would turn the whole photo and cut the region from that.
 */
export async function cropAround(bytes: Buffer, box: Region, margin: number): Promise<Sharp> {
  const { width = 0, height = 0 } = await sharp(bytes).metadata();
  return sharp(bytes).extract(cropRegion(width, height, box, margin));
}

export const centre = (box: Region) => ({ x: box.x + box.width / 2, y: box.y + box.height / 2 });
