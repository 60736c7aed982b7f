import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, expect, it } from 'vitest';
import { OverLimit, RejectedType, UploadInspector } from '../../src/features/files/inspector.js';

const FIXTURES = path.resolve(import.meta.dirname, '../fixtures');
const fixture = (name: string) => readFile(path.join(FIXTURES, name));

/** Pushes `bytes` through an inspector in chunks of `chunkSize`; what came out, or the error. */
async function inspect(bytes: Buffer, { maxBytes = 10 * 1024 * 1024, chunkSize = 1000 } = {}) {
  const inspector = new UploadInspector(maxBytes);
  const out: Buffer[] = [];
  const chunks = Array.from({ length: Math.ceil(bytes.length / chunkSize) }, (_, i) => bytes.subarray(i * chunkSize, (i + 1) * chunkSize));
  const sink = new Writable({ write: (chunk: Buffer, _encoding, done) => (out.push(chunk), done()) });
  try {
    await pipeline(Readable.from(chunks), inspector, sink);
    return { inspector, out: Buffer.concat(out), error: undefined };
  } catch (error) {
    return { inspector, out: Buffer.concat(out), error };
  }
}

/** An ID3v2.4 tag header (syncsafe size) and a body of zeros. */
function id3Tag(bodyBytes: number): Buffer {
  const size = [(bodyBytes >> 21) & 0x7f, (bodyBytes >> 14) & 0x7f, (bodyBytes >> 7) & 0x7f, bodyBytes & 0x7f];
  return Buffer.concat([Buffer.from([0x49, 0x44, 0x33, 4, 0, 0, ...size]), Buffer.alloc(bodyBytes)]);
}

describe('the upload inspector', () => {
  it.each([
    ['sample.jpg', 'image', 'image/jpeg'],
    ['sample.png', 'image', 'image/png'],
    ['sample.mp3', 'audio', 'audio/mpeg'],
    ['sample.mp4', 'video', 'video/mp4'],
    ['sample.webm', 'video', 'video/webm'],
  ])('judges %s by its bytes, passes them unchanged, and measures them', async (name, kind, contentType) => {
    const bytes = await fixture(name);
    const { inspector, out, error } = await inspect(bytes);
    expect(error).toBeUndefined();
    expect(inspector.mediaType).toEqual({ kind, contentType });
    expect(out.equals(bytes)).toBe(true);
    expect(inspector.size).toBe(bytes.length);
    expect(inspector.digest()).toBe(createHash('sha256').update(bytes).digest('hex'));
  });

  it('judges a file shorter than its sniffing window once the file ends', async () => {
    const bytes = (await fixture('sample.png')).subarray(0, 2000);
    const { inspector, error } = await inspect(bytes, { chunkSize: 300 });
    expect(error).toBeUndefined();
    expect(inspector.mediaType?.contentType).toBe('image/png');
  });

  it('refuses what is not an accepted media type, before passing any of it', async () => {
    const { out, error } = await inspect(await fixture('not-media.txt'));
    expect(error).toBeInstanceOf(RejectedType);
    expect(out.length).toBe(0);
    const pdf = Buffer.concat([Buffer.from('%PDF-1.7\n'), Buffer.alloc(20_000, 0x20)]);
    expect((await inspect(pdf)).error).toBeInstanceOf(RejectedType);
  });

  it('stops at the size limit', async () => {
    const bytes = await fixture('sample.jpg');
    const { error } = await inspect(bytes, { maxBytes: bytes.length - 1 });
    expect(error).toBeInstanceOf(OverLimit);
    expect((await inspect(bytes, { maxBytes: bytes.length })).error).toBeUndefined();
  });

  it('judges audio behind ID3 tags where its frames begin, however far in', async () => {
    const mp3 = await fixture('sample.mp3');
    const frames = mp3.subarray(mp3.indexOf(Buffer.from([0xff, 0xfb])));
    // Two tags, the second past the 16 KiB head: the frames after them are MP3 frames.
    const tagged = Buffer.concat([id3Tag(20_000), id3Tag(100), frames]);
    expect((await inspect(tagged, { chunkSize: 4096 })).error).toBeUndefined();
    // The same tags before something else (a playlist, say) are refused.
    const disguised = Buffer.concat([id3Tag(20_000), Buffer.from('#EXTM3U\n#EXTINF:10,\nhttp://127.0.0.1/x.ts\n')]);
    expect((await inspect(disguised, { chunkSize: 4096 })).error).toBeInstanceOf(RejectedType);
    // A tag with nothing after it is no audio.
    expect((await inspect(id3Tag(30_000))).error).toBeInstanceOf(RejectedType);
  });
});
