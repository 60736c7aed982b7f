import path from 'node:path';
import { extensionsOf } from './media-types.js';

const MAX_NAME_LENGTH = 255;

/**
 * A name is display metadata only — never a path or a storage key. Keep what a person would
 * recognise; drop directory parts, control and bidi-override characters, and trim to length.
 */
export function sanitizeFileName(raw: string | undefined, fallback = 'untitled'): string {
  const base = path.posix.basename(path.win32.basename(raw ?? ''));
  const cleaned = cleanDisplayText(base);
  const name = cleaned === '' || cleaned === '.' || cleaned === '..' ? fallback : cleaned;
  return truncate(name, MAX_NAME_LENGTH);
}

/**
 * Text shown to people — file names, display names: NFC, each run of whitespace one space,
 * without C0/C1 controls and the bidi marks, overrides and isolates that can disguise what
 * follows them (an extension, another person's name).
 */
export function cleanDisplayText(raw: string): string {
  return raw
    .normalize('NFC')
    .replace(/\s+/g, ' ')
    .replace(/[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, '')
    .trim();
}

function truncate(name: string, max: number): string {
  if (name.length <= max) return name;
  const extension = path.extname(name).slice(0, 16);
  return [...name.slice(0, max - extension.length)].join('').replace(/[\ud800-\udbff]$/, '') + extension;
}

/**
 * The name a file is saved under: its name, with the extension of the type its bytes really
 * are added when the name claims another ("invoice.html" holding a JPEG is saved as
 * "invoice.html.jpg"), so the saving system never opens it as something it is not.
 */
export function downloadName(name: string, contentType: string): string {
  const extensions = extensionsOf(contentType);
  const extension = path.extname(name).slice(1).toLowerCase();
  if (extensions.length === 0 || extensions.includes(extension)) return name;
  return `${name}.${extensions[0]}`;
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
