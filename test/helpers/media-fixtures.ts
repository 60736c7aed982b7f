import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import sharp from 'sharp';

/**
 * Media made by the tests themselves — sharp for photos with EXIF, ffmpeg for video and
 * tagged audio — so every fact a test expects is one it wrote.
 */
const run = promisify(execFile);

export const GPS = { latitude: 48.8583306, longitude: 2.2944444 };

export interface PhotoOptions {
  format?: 'jpeg' | 'png' | 'webp';
  /** EXIF DateTimeOriginal, `YYYY:MM:DD HH:MM:SS`. */
  taken?: string;
  offset?: string;
  gps?: boolean;
  orientation?: number;
  /** Left half red, right half blue, so a turned thumbnail shows which way it turned. */
  width?: number;
  height?: number;
  /** Makes otherwise equal photos differ (one pixel's colour). */
  variant?: number;
}

export async function photo(options: PhotoOptions = {}): Promise<Buffer> {
  const width = options.width ?? 200;
  const height = options.height ?? 100;
  const half = Math.floor(width / 2);
  const left = await sharp({ create: { width: half, height, channels: 3, background: '#ff0000' } }).png().toBuffer();
  const right = await sharp({ create: { width: width - half, height, channels: 3, background: '#0000ff' } }).png().toBuffer();
  const marker = await sharp({ create: { width: 1, height: 1, channels: 3, background: { r: (options.variant ?? 0) % 256, g: 128, b: 0 } } }).png().toBuffer();
  let image = sharp({ create: { width, height, channels: 3, background: '#000000' } }).composite([
    { input: left, left: 0, top: 0 },
    { input: right, left: half, top: 0 },
    { input: marker, left: 0, top: 0 },
  ]);
  // Composite runs last in sharp's pipeline; a round trip makes it the input of what follows.
  image = sharp(await image.png().toBuffer());
  const exif: Record<string, Record<string, string>> = { IFD0: { Make: 'Canon', Model: 'EOS R5' } };
  if (options.taken) {
    exif.IFD2 = { DateTimeOriginal: options.taken, ExposureTime: '1/250', FNumber: '28/10', ISOSpeedRatings: '400', FocalLength: '50/1', LensModel: 'RF50mm F1.8 STM', ...(options.offset ? { OffsetTimeOriginal: options.offset } : {}) };
  }
  if (options.gps) exif.IFD3 = { GPSLatitudeRef: 'N', GPSLatitude: '48/1 51/1 2999/100', GPSLongitudeRef: 'E', GPSLongitude: '2/1 17/1 40/1', GPSAltitude: '35/1', GPSAltitudeRef: '0' };
  image = image.withExif(exif);
  if (options.orientation) image = image.withMetadata({ orientation: options.orientation });
  const format = options.format ?? 'jpeg';
  return (format === 'png' ? image.png() : format === 'webp' ? image.webp({ lossless: true }) : image.jpeg({ quality: 95 })).toBuffer();
}

async function inTempDir<T>(work: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'coffer-fixture-'));
  try {
    return await work(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const ffmpeg = (args: string[]) => run('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', ...args], { timeout: 60_000 });

/** Two seconds of a test pattern at 25 fps, with a tone, and the creation time in the container. */
export function video(format: 'mov' | 'webm' | 'mp4', creationTime = '2019-03-10T08:00:00Z'): Promise<Buffer> {
  return inTempDir(async (dir) => {
    const out = path.join(dir, `clip.${format}`);
    const codecs = format === 'webm' ? ['-c:v', 'libvpx', '-b:v', '200k', '-c:a', 'libopus'] : ['-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', '-c:a', 'aac'];
    await ffmpeg([
      '-f', 'lavfi', '-i', 'testsrc=size=160x120:rate=25:duration=2',
      '-f', 'lavfi', '-i', 'sine=frequency=440:duration=2',
      ...codecs, '-shortest', '-metadata', `creation_time=${creationTime}`, out,
    ]);
    return readFile(out);
  });
}

export interface Mp3Tags {
  title: string;
  artist: string;
  album: string;
  track: number;
  year: number;
  genre: string;
}

/** One second of tone, ID3v2.3 tags, and (optionally) a cover picture of this colour. */
export function mp3(tags: Mp3Tags, coverColour?: string): Promise<Buffer> {
  return inTempDir(async (dir) => {
    const out = path.join(dir, 'song.mp3');
    const metadata = Object.entries({ ...tags, track: String(tags.track), date: String(tags.year), year: undefined }).flatMap(([key, value]) => (value === undefined ? [] : ['-metadata', `${key}=${value}`]));
    if (coverColour) {
      const cover = path.join(dir, 'cover.png');
      await writeFile(cover, await sharp({ create: { width: 300, height: 300, channels: 3, background: coverColour } }).png().toBuffer());
      await ffmpeg(['-f', 'lavfi', '-i', 'sine=frequency=330:duration=1', '-i', cover, '-map', '0:a', '-map', '1:v', '-c:a', 'libmp3lame', '-c:v', 'png', '-disposition:v', 'attached_pic', '-id3v2_version', '3', '-metadata:s:v', 'comment=Cover (front)', ...metadata, out]);
    } else {
      await ffmpeg(['-f', 'lavfi', '-i', 'sine=frequency=330:duration=1', '-c:a', 'libmp3lame', '-id3v2_version', '3', ...metadata, out]);
    }
    return readFile(out);
  });
}
