import path from 'node:path';

const MAX_NAME_LENGTH = 255;

/**
 * A name is display metadata only — never a path or a storage key. Keep what a person would
 * recognise; drop directory parts, control and bidi-override characters, and trim to length.
 */
export function sanitizeFileName(raw: string | undefined, fallback = 'untitled'): string {
  const base = path.posix.basename(path.win32.basename(raw ?? ''));
  const cleaned = base
    .normalize('NFC')
    .replace(/\s+/g, ' ')
    // Other C0/C1 controls and the bidi overrides/isolates that can disguise an extension.
    .replace(/[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g, '')
    .trim();
  const name = cleaned === '' || cleaned === '.' || cleaned === '..' ? fallback : cleaned;
  return truncate(name, MAX_NAME_LENGTH);
}

function truncate(name: string, max: number): string {
  if (name.length <= max) return name;
  const extension = path.extname(name).slice(0, 16);
  return [...name.slice(0, max - extension.length)].join('').replace(/[\ud800-\udbff]$/, '') + extension;
}

/**
 * RFC 6266 Content-Disposition: an ASCII fallback for old clients plus the exact name as
 * UTF-8 in `filename*`.
 */
export function contentDisposition(type: 'inline' | 'attachment', name: string): string {
  const ascii = name.normalize('NFKD').replace(/[^\x20-\x7e]/g, '').replace(/["\\%]/g, '_').trim() || 'file';
  const encoded = encodeURIComponent(name).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `${type}; filename="${ascii}"; filename*=UTF-8''${encoded}`;
}
