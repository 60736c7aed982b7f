export type MediaKind = 'image' | 'audio' | 'video';

/** The accepted formats (API.md), keyed by the MIME type file-type reports from magic bytes. */
const ACCEPTED: Record<string, MediaKind> = {
  'image/jpeg': 'image',
  'image/png': 'image',
  'image/gif': 'image',
  'image/webp': 'image',
  'image/avif': 'image',
  'audio/mpeg': 'audio',
  'audio/mp4': 'audio',
  'audio/x-m4a': 'audio',
  'audio/aac': 'audio',
  'audio/ogg': 'audio',
  'audio/opus': 'audio',
  'audio/wav': 'audio',
  'audio/flac': 'audio',
  'video/mp4': 'video',
  'video/x-m4v': 'video',
  'video/webm': 'video',
  'video/quicktime': 'video',
};

/** Served types: a few detected names are normalised to what browsers expect. */
const SERVED_AS: Record<string, string> = {
  'audio/x-m4a': 'audio/mp4',
  'video/x-m4v': 'video/mp4',
};

/** File-name extensions of each served type, the usual one first. */
const EXTENSIONS: Record<string, string[]> = {
  'image/jpeg': ['jpg', 'jpeg', 'jpe', 'jfif'],
  'image/png': ['png'],
  'image/gif': ['gif'],
  'image/webp': ['webp'],
  'image/avif': ['avif'],
  'audio/mpeg': ['mp3'],
  'audio/mp4': ['m4a', 'mp4', 'aac'],
  'audio/aac': ['aac'],
  'audio/ogg': ['ogg', 'oga', 'opus'],
  'audio/opus': ['opus', 'ogg'],
  'audio/wav': ['wav'],
  'audio/flac': ['flac'],
  'video/mp4': ['mp4', 'm4v'],
  'video/webm': ['webm'],
  'video/quicktime': ['mov', 'qt'],
};

export function extensionsOf(contentType: string): string[] {
  return EXTENSIONS[contentType] ?? [];
}

export interface MediaType {
  kind: MediaKind;
  contentType: string;
}

export function classify(detectedMime: string | undefined): MediaType | undefined {
  const kind = detectedMime ? ACCEPTED[detectedMime] : undefined;
  if (!detectedMime || !kind) return undefined;
  return { kind, contentType: SERVED_AS[detectedMime] ?? detectedMime };
}

/**
 * Whether `start` (the bytes after a file's ID3 tags, where ffmpeg will begin reading) is
 * the first frame of `contentType`. Only MPEG audio, AAC and FLAC carry ID3 tags in front.
 */
export function beginsFrameOf(contentType: string, start: Buffer): boolean {
  const [b0 = 0, b1 = 0, b2 = 0] = start;
  switch (contentType) {
    case 'audio/mpeg':
      // Frame sync, then no reserved version, layer, bitrate or sample rate.
      return b0 === 0xff && (b1 & 0xe0) === 0xe0 && ((b1 >> 3) & 3) !== 1 && ((b1 >> 1) & 3) !== 0 && b2 >> 4 !== 15 && ((b2 >> 2) & 3) !== 3;
    case 'audio/aac':
      return b0 === 0xff && (b1 & 0xf6) === 0xf0;
    case 'audio/flac':
      return start.subarray(0, 4).toString('latin1') === 'fLaC';
    default:
      return false;
  }
}

export function isMediaKind(value: string): value is MediaKind {
  return value === 'image' || value === 'audio' || value === 'video';
}
