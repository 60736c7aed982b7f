import { describe, expect, it } from 'vitest';
import { contentDisposition, sanitizeFileName } from '../../src/features/files/file-names.js';
import { classify } from '../../src/features/files/media-types.js';

describe('file names', () => {
  it.each([
    ['holiday.jpg', 'holiday.jpg'],
    ['../../etc/passwd', 'passwd'],
    ['C:\\Users\\me\\photo.png', 'photo.png'],
    ['evil\u202egpj.exe', 'evilgpj.exe'],
    ['tab\there\nnewline.mp3', 'tab here newline.mp3'],
    ['   ', 'untitled'],
    ['..', 'untitled'],
    [undefined, 'untitled'],
  ])('sanitises %j to %j', (raw, expected) => {
    expect(sanitizeFileName(raw)).toBe(expected);
  });

  it('shortens long names to 255 characters, keeping the extension', () => {
    const name = sanitizeFileName(`${'a'.repeat(400)}.webm`);
    expect(name).toHaveLength(255);
    expect(name.endsWith('.webm')).toBe(true);
  });

  it('writes RFC 6266 dispositions with an ASCII fallback and the exact UTF-8 name', () => {
    expect(contentDisposition('attachment', 'Café "été".mp4')).toBe(`attachment; filename="Cafe _ete_.mp4"; filename*=UTF-8''Caf%C3%A9%20%22%C3%A9t%C3%A9%22.mp4`);
    expect(contentDisposition('inline', '日本.png')).toBe(`inline; filename=".png"; filename*=UTF-8''%E6%97%A5%E6%9C%AC.png`);
    expect(contentDisposition('inline', "it's (1).jpg")).toBe(`inline; filename="it's (1).jpg"; filename*=UTF-8''it%27s%20%281%29.jpg`);
  });
});

describe('accepted media types', () => {
  it.each([
    ['image/jpeg', 'image', 'image/jpeg'],
    ['audio/x-m4a', 'audio', 'audio/mp4'],
    ['video/quicktime', 'video', 'video/quicktime'],
  ])('accepts %s as %s', (mime, kind, contentType) => {
    expect(classify(mime)).toEqual({ kind, contentType });
  });

  it.each([['application/pdf'], ['image/svg+xml'], ['image/tiff'], ['video/x-msvideo'], [undefined]])('refuses %s', (mime) => {
    expect(classify(mime)).toBeUndefined();
  });
});
