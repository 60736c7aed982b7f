import { parseFile } from 'music-metadata';
import { definedOnly } from './exif.js';

/** What an audio file's tags say (ID3, Vorbis comments, iTunes atoms…), in the API's terms. */
export interface AudioTags {
  tags?: { title?: string; artist?: string; album?: string; track?: number; year?: number; genre?: string };
  audio?: { codec?: string; sampleRate?: number; channels?: number; bitRate?: number };
  /** The embedded front cover (or first picture), still encoded; the caller bounds it. */
  cover?: Buffer;
}

/** Larger embedded pictures are not decoded: a cover needs nothing near this. */
const MAX_COVER_BYTES = 16 * 1024 * 1024;

/**
 * music-metadata on a local file: the tag blocks only (`duration: false` — ffprobe gives the
 * duration without reading every frame). A file it cannot parse has no tags, not an error.
 */
export async function readAudioTags(path: string): Promise<AudioTags> {
  let parsed: Awaited<ReturnType<typeof parseFile>>;
  try {
    parsed = await parseFile(path, { duration: false, skipCovers: false, skipPostHeaders: true });
  } catch {
    return {};
  }
  const { common, format } = parsed;
  const tags = definedOnly({
    title: text(common.title),
    artist: text(common.artist) ?? text(common.artists?.join(', ')),
    album: text(common.album),
    track: wholeNumber(common.track.no),
    year: wholeNumber(common.year),
    genre: text(common.genre?.join(', ')),
  });
  const audio = definedOnly({ codec: text(format.codec), sampleRate: wholeNumber(format.sampleRate), channels: wholeNumber(format.numberOfChannels), bitRate: wholeNumber(format.bitrate === undefined ? undefined : Math.round(format.bitrate)) });
  const pictures = common.picture ?? [];
  const picture = pictures.find((p) => /front/i.test(p.type ?? '')) ?? pictures[0];
  const cover = picture && picture.data.length > 0 && picture.data.length <= MAX_COVER_BYTES ? Buffer.from(picture.data) : undefined;
  return { ...(Object.keys(tags).length > 0 ? { tags } : {}), ...(Object.keys(audio).length > 0 ? { audio } : {}), ...(cover ? { cover } : {}) };
}

function text(value: string | undefined | null): string | undefined {
  if (typeof value !== 'string') return undefined;
  // eslint-disable-next-line no-control-regex
  const cleaned = value.replace(/[\u0000-\u001f\u007f]/g, '').trim().slice(0, 300);
  return cleaned === '' ? undefined : cleaned;
}

function wholeNumber(value: number | null | undefined): number | undefined {
  return typeof value === 'number' && Number.isInteger(value) && value > 0 && value < 2 ** 31 ? value : undefined;
}
