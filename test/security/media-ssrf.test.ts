import { execFileSync } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTestApp, fixture, multipart, signUp, type Account, type TestApp } from '../helpers/app.js';
import { FFMPEG_MISSING, hasFfmpeg, requireOrSkip } from '../helpers/services.js';

/**
 * Issue 8 item 1: uploads whose first bytes pass as MP3/MP4 but that ffmpeg would read as an
 * HLS playlist made the media job fetch internal URLs, and the fetched stream's poster became
 * the uploader's thumbnail. The files are built here; a real HTTP listener on 127.0.0.1
 * serves a small video to whoever connects and counts connections. Whatever Coffer does
 * with such a file (refuse it at upload, or store it and fail its media facts), nothing may
 * connect, and the file gets neither a thumbnail nor a duration.
 */

const syncsafe = (n: number) => Buffer.from([(n >> 21) & 0x7f, (n >> 14) & 0x7f, (n >> 7) & 0x7f, n & 0x7f]);
const FOOTER_FLAG = 0x10;

/** An ID3v2.4 tag header declaring `size` bytes of tag body. */
const id3Header = (size: number, flags = 0) => Buffer.concat([Buffer.from('ID3'), Buffer.from([4, 0, flags]), syncsafe(size)]);

/**
 * The footer trick: file-type skips the 10-byte header plus the declared size, ffmpeg also
 * skips the 10-byte footer the flag announces. `disguise` is what file-type sees (10 bytes,
 * or 12 whose last two are the playlist's own "#E"); the playlist is what ffmpeg sees.
 */
function footerTagged(disguise: Buffer, playlist: string): Buffer {
  const body = Buffer.from(playlist);
  const overlap = disguise.length - 10;
  if (overlap > 0 && !body.subarray(0, overlap).equals(disguise.subarray(10))) throw new Error('the disguise must end with the playlist bytes it overlaps');
  return Buffer.concat([id3Header(0, FOOTER_FLAG), disguise.subarray(0, 10), body]);
}

/** An MPEG-1 Layer III frame header (128 kbit/s, 44.1 kHz): what file-type takes for MP3. */
const MP3_FRAME = Buffer.from([0xff, 0xfb, 0x90, 0x64, 0, 0, 0, 0, 0, 0]);
/** An `ftyp` box whose major brand ends in "#E": file-type calls it video/mp4. */
const MP4_BOX = Buffer.concat([Buffer.from([0, 0, 0, 0x18]), Buffer.from('ftypmp#E')]);

const mediaPlaylist = (segment: string) => `#EXTM3U\n#EXT-X-TARGETDURATION:10\n#EXT-X-MEDIA-SEQUENCE:0\n#EXTINF:1.0,\n${segment}\n#EXT-X-ENDLIST\n`;

describe('media probing never reaches the network (issue 8, item 1)', () => {
  let t: TestApp;
  let mallory: Account;
  let internal: http.Server;
  let connections = 0;
  let camera: string;
  let stream: Buffer;

  beforeAll(async () => {
    if (!hasFfmpeg) return;
    // The "internal camera": a real MPEG-TS clip, so a fetch would also yield a poster.
    stream = execFileSync('ffmpeg', ['-v', 'error', '-f', 'lavfi', '-i', 'testsrc=size=160x120:rate=10', '-t', '1', '-c:v', 'mpeg2video', '-f', 'mpegts', 'pipe:1'], { maxBuffer: 16 * 1024 * 1024 });
    internal = http.createServer((_request, response) => response.writeHead(200, { 'content-type': 'video/mp2t' }).end(stream));
    internal.on('connection', () => (connections += 1));
    await new Promise<void>((resolve) => internal.listen(0, '127.0.0.1', resolve));
    camera = `http://127.0.0.1:${(internal.address() as AddressInfo).port}`;
    t = await createTestApp();
    mallory = await signUp(t.app, 'mallory');
  });
  afterAll(async () => {
    await t?.close();
    await new Promise((resolve) => internal?.close(resolve));
  });
  beforeEach(() => {
    connections = 0;
  });

  // The body arrives in 16 KiB pieces, as from a network, not as one buffer.
  const upload = async (filename: string, content: Buffer) => {
    const body = multipart([{ filename, content }]);
    const pieces = Array.from({ length: Math.ceil(body.payload.length / 16_384) }, (_, i) => body.payload.subarray(i * 16_384, (i + 1) * 16_384));
    return t.app.inject({ method: 'POST', url: '/api/v1/files', payload: Readable.from(pieces), headers: { ...body.headers, 'content-length': String(body.payload.length), authorization: mallory.basic } });
  };
  const get = (url: string) => t.app.inject({ url, headers: { authorization: mallory.basic } });

  const variants: Array<[string, string, () => Buffer]> = [
    ['an MP3 ID3 tag with the footer flag over a media playlist', 'song.mp3', () => footerTagged(MP3_FRAME, mediaPlaylist(`${camera}/internal-camera.ts`))],
    ['an MP4 box behind a footer-flagged ID3 tag over a media playlist', 'clip.mp4', () => footerTagged(MP4_BOX, mediaPlaylist(`${camera}/internal-camera.ts`))],
    ['a segment whose query ends in .ts', 'clip.mp4', () => footerTagged(MP4_BOX, mediaPlaylist(`${camera}/internal-camera?x=.ts`))],
    ['a segment whose fragment ends in .ts', 'clip.mp4', () => footerTagged(MP4_BOX, mediaPlaylist(`${camera}/internal-camera#.ts`))],
    ['a master playlist', 'clip.mp4', () => footerTagged(MP4_BOX, `#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=100000\n${camera}/variant.m3u8\n`)],
    ['an encryption key URI', 'song.mp3', () => footerTagged(MP3_FRAME, mediaPlaylist('segment.ts').replace('#EXTINF', `#EXT-X-KEY:METHOD=AES-128,URI="${camera}/key"\n#EXTINF`))],
    // file-type sees only the first bytes (16 KiB or the first chunk), and calls an ID3 tag that runs past them MP3.
    ['an ID3 tag over 16 KiB in front of a playlist', 'song.mp3', () => Buffer.concat([id3Header(300_000), Buffer.alloc(300_000), Buffer.from(mediaPlaylist(`${camera}/internal-camera.ts`))])],
    ['an ID3 tag over 16 KiB in front of a master playlist', 'clip.mp4', () => Buffer.concat([id3Header(200_000), Buffer.alloc(200_000), Buffer.from(`#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1\n${camera}/variant.m3u8\n`)])],
  ];

  it.each(variants)('%s: no connection, no thumbnail, no duration', async (_name, filename, build) => {
    if (!requireOrSkip(hasFfmpeg, FFMPEG_MISSING)) return;
    const response = await upload(filename, build());
    await t.services.backends.jobs.idle();
    expect(connections).toBe(0);
    // Refused outright where the bytes give it away at upload; otherwise stored without facts.
    expect([201, 415]).toContain(response.statusCode);
    if (response.statusCode === 415) {
      expect(response.json()).toMatchObject({ code: 'unsupported_type' });
      return;
    }
    const { id } = response.json().items[0];
    const file = (await get(`/api/v1/files/${id}`)).json();
    expect(file.durationSeconds ?? null).toBeNull();
    expect(file.urls.thumbnail).toBeUndefined();
    expect((await get(`/api/v1/files/${id}/thumbnail`)).statusCode).toBe(404);
  });

  const storedBlobs = async () => {
    await t.services.backends.jobs.idle();
    let count = 0;
    for await (const _ of t.services.backends.blobs.list()) count += 1;
    return count;
  };

  it('refuses at upload, storing nothing, an ID3 tag that ffmpeg measures differently or that hides a playlist far in', async () => {
    if (!requireOrSkip(hasFfmpeg, FFMPEG_MISSING)) return;
    const before = await storedBlobs();
    for (const build of [variants[0]![2], variants[1]![2], variants[6]![2]]) {
      const response = await upload('trick.mp3', build());
      expect(response.statusCode).toBe(415);
    }
    expect(await storedBlobs()).toBe(before);
    expect(connections).toBe(0);
  });

  it('still reads genuine audio (also behind a large ID3 tag) and video: duration, and a poster for video', async () => {
    if (!requireOrSkip(hasFfmpeg, FFMPEG_MISSING)) return;
    const audio = (await upload('tone.mp3', await fixture('sample.mp3'))).json().items[0];
    const video = (await upload('clip.mp4', await fixture('sample.mp4'))).json().items[0];
    const webm = (await upload('clip.webm', await fixture('sample.webm'))).json().items[0];
    // A tag as large as embedded cover art, padding included, before the real frames.
    const tagged = await upload('tagged.mp3', Buffer.concat([id3Header(200_000), Buffer.alloc(200_000), await fixture('sample.mp3')]));
    expect(tagged.statusCode).toBe(201);
    await t.services.backends.jobs.idle();
    expect((await get(`/api/v1/files/${audio.id}`)).json().durationSeconds).toBeCloseTo(2, 0);
    expect((await get(`/api/v1/files/${tagged.json().items[0].id}`)).json().durationSeconds).toBeCloseTo(2, 0);
    for (const { id } of [video, webm]) {
      const file = (await get(`/api/v1/files/${id}`)).json();
      expect(file.durationSeconds).toBeGreaterThan(0.5);
      expect((await get(file.urls.thumbnail)).headers['content-type']).toBe('image/webp');
    }
    expect(connections).toBe(0);
  });
});
