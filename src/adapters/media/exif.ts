import exifr from 'exifr';
import { parseExifDate, type TakenAt } from './dates.js';
import { webpExifBlock } from './location.js';

/** What a photo's EXIF/XMP says, in the API's terms (features/files/media-metadata.ts). */
export interface ImageTags {
  taken?: TakenAt;
  camera?: { make?: string; model?: string; lens?: string; exposureTime?: number; fNumber?: number; iso?: number; focalLength?: number };
  orientation?: number;
  location?: { latitude: number; longitude: number; altitude?: number };
}


type Raw = Record<string, unknown>;

/**
 * exifr on a local file: TIFF/EXIF, GPS and XMP, values as written (no revived Dates, which
 * would read the camera's wall clock in this process's time zone). exifr reads only the
 * segments it needs, a chunk at a time (of a WebP, given the EXIF chunk's TIFF block, which
 * it cannot find itself). A file it cannot parse has no tags, not an error.
 */
export async function readImageTags(path: string, contentType: string): Promise<ImageTags> {
  let raw: Raw | undefined;
  try {
    const input = contentType === 'image/webp' ? await webpExifBlock(path) : path;
    if (input === undefined) return {};
    raw = (await exifr.parse(input, { tiff: true, exif: true, gps: true, xmp: true, ifd1: false, icc: false, iptc: false, interop: false, jfif: false, ihdr: false, reviveValues: false, translateValues: false, mergeOutput: true })) as Raw | undefined;
  } catch {
    return {};
  }
  if (!raw) return {};
  const camera = definedOnly({
    make: text(raw.Make),
    model: text(raw.Model),
    lens: text(raw.LensModel) ?? text(raw.Lens),
    exposureTime: positive(raw.ExposureTime),
    fNumber: positive(raw.FNumber),
    iso: positive(Array.isArray(raw.ISO) ? raw.ISO[0] : raw.ISO),
    focalLength: positive(raw.FocalLength),
  });
  const taken = takenAt(raw);
  const orientation = typeof raw.Orientation === 'number' && raw.Orientation >= 1 && raw.Orientation <= 8 ? raw.Orientation : undefined;
  const location = locationOf(raw);
  return { ...(taken ? { taken } : {}), ...(Object.keys(camera).length > 0 ? { camera } : {}), ...(orientation ? { orientation } : {}), ...(location ? { location } : {}) };
}

function takenAt(raw: Raw): TakenAt | undefined {
  const offset = [raw.OffsetTimeOriginal, raw.OffsetTimeDigitized, raw.OffsetTime].map(text).find((value) => value !== undefined && /^[+-]\d{2}:\d{2}$/.test(value));
  for (const value of [raw.DateTimeOriginal, raw.CreateDate, raw.DateTimeDigitized]) {
    const parsed = parseExifDate(value, offset);
    if (parsed) return parsed;
  }
  return undefined;
}

function locationOf(raw: Raw): ImageTags['location'] {
  const { latitude, longitude } = raw;
  if (typeof latitude !== 'number' || typeof longitude !== 'number' || !Number.isFinite(latitude) || !Number.isFinite(longitude)) return undefined;
  if (Math.abs(latitude) > 90 || Math.abs(longitude) > 180) return undefined;
  const altitude = typeof raw.GPSAltitude === 'number' && Number.isFinite(raw.GPSAltitude) ? (raw.GPSAltitudeRef === 1 ? -raw.GPSAltitude : raw.GPSAltitude) : undefined;
  return { latitude: round(latitude, 7), longitude: round(longitude, 7), ...(altitude !== undefined ? { altitude: round(altitude, 2) } : {}) };
}

const round = (value: number, digits: number) => Math.round(value * 10 ** digits) / 10 ** digits;

function text(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  // eslint-disable-next-line no-control-regex
  const cleaned = value.replace(/[\u0000-\u001f\u007f]/g, '').trim().slice(0, 200);
  return cleaned === '' ? undefined : cleaned;
}

function positive(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? round(value, 6) : undefined;
}

export function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
