import { crc32 } from 'node:zlib';
import exifr from 'exifr';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, multipart, signUp, type Account, type Part, type TestApp } from '../helpers/app.js';
import { GPS, mp3, photo, video } from '../helpers/media-fixtures.js';
import { FFMPEG_MISSING, hasFfmpeg, requireOrSkip } from '../helpers/services.js';

interface FileJson {
  id: string;
  name: string;
  kind: string;
  size: number;
  sha256: string;
  createdAt: string;
  takenAt: string;
  width?: number;
  height?: number;
  durationSeconds?: number;
  metadata: Record<string, unknown> & { takenAtSource: string };
  urls: { thumbnail?: string };
}

describe('media metadata, public links without location, timeline', () => {
  let t: TestApp;
  let alice: Account;

  beforeAll(async () => {
    t = await createTestApp();
    alice = await signUp(t.app, 'mediaalice');
  });
  afterAll(() => t.close());

  const upload = async (who: Account, parts: Part[]): Promise<FileJson[]> => {
    const body = multipart(parts);
    const response = await t.app.inject({ method: 'POST', url: '/api/v1/files', payload: body.payload, headers: { ...body.headers, authorization: who.basic } });
    expect(response.statusCode, response.body).toBe(201);
    return response.json().items;
  };
  const get = (who: Account | undefined, url: string, headers: Record<string, string> = {}) => t.app.inject({ url, headers: { ...(who ? { authorization: who.basic } : {}), ...headers } });
  /** The file as its owner sees it once the background steps are done. */
  const described = async (who: Account, id: string): Promise<FileJson> => {
    await t.services.backends.jobs.idle();
    const response = await get(who, `/api/v1/files/${id}`);
    expect(response.statusCode).toBe(200);
    return response.json();
  };
  const createLink = async (who: Account, id: string, body: Record<string, unknown> = {}) => {
    const response = await t.app.inject({ method: 'POST', url: `/api/v1/files/${id}/links`, payload: body, headers: { authorization: who.basic } });
    expect(response.statusCode, response.body).toBe(201);
    return response.json().link as { url: string; includeLocation: boolean };
  };
  const tokenOf = (url: string) => url.split('/s/')[1]!;

  describe('photos', () => {
    it('reads the date taken with its time zone, the camera, exposure, orientation and GPS', async () => {
      const bytes = await photo({ taken: '2021:06:15 14:30:00', offset: '+02:00', gps: true, orientation: 6 });
      const [stored] = await upload(alice, [{ filename: 'eiffel.jpg', content: bytes }]);
      const file = await described(alice, stored!.id);
      expect(file.takenAt).toBe('2021-06-15T12:30:00.000Z');
      expect(file.metadata).toMatchObject({
        takenAtSource: 'exif',
        takenAtLocal: '2021-06-15T14:30:00',
        timeZone: '+02:00',
        camera: { make: 'Canon', model: 'EOS R5', lens: 'RF50mm F1.8 STM', exposureTime: 0.004, fNumber: 2.8, iso: 400, focalLength: 50 },
        orientation: 6,
      });
      const location = file.metadata.location as { latitude: number; longitude: number; altitude: number };
      expect(location.latitude).toBeCloseTo(GPS.latitude, 5);
      expect(location.longitude).toBeCloseTo(GPS.longitude, 5);
      expect(location.altitude).toBe(35);
    });

    it('turns the thumbnail and the size by the EXIF orientation', async () => {
      // Stored 200×100, left red and right blue; orientation 6 shows it turned a quarter clockwise.
      const [stored] = await upload(alice, [{ filename: 'turned.jpg', content: await photo({ orientation: 6 }) }]);
      const file = await described(alice, stored!.id);
      expect([file.width, file.height]).toEqual([100, 200]);
      const thumbnail = await get(alice, file.urls.thumbnail!);
      expect(thumbnail.statusCode).toBe(200);
      const { data, info } = await sharp(thumbnail.rawPayload).raw().toBuffer({ resolveWithObject: true });
      expect([info.width, info.height]).toEqual([100, 200]);
      const pixel = (x: number, y: number) => [...data.subarray((y * info.width + x) * info.channels, (y * info.width + x) * info.channels + 3)];
      const [topR, , topB] = pixel(50, 20);
      const [bottomR, , bottomB] = pixel(50, 180);
      expect(topR).toBeGreaterThan(200); // the left (red) half is on top
      expect(topB).toBeLessThan(60);
      expect(bottomB).toBeGreaterThan(200);
      expect(bottomR).toBeLessThan(60);
    });

    it('falls back to the upload time, and says so, when the photo names no date', async () => {
      const [stored] = await upload(alice, [{ filename: 'undated.png', content: await photo({ format: 'png' }) }]);
      expect(stored!.takenAt).toBe(stored!.createdAt);
      expect(stored!.metadata).toEqual({ takenAtSource: 'upload' });
      const file = await described(alice, stored!.id);
      expect(file.takenAt).toBe(file.createdAt);
      expect(file.metadata.takenAtSource).toBe('upload');
    });

    it('refuses HEIC, which this libvips cannot decode, as 415', async () => {
      // An ISO BMFF `ftyp` box with the HEIC brand: what file-type recognises as image/heic.
      const ftyp = Buffer.concat([Buffer.from([0, 0, 0, 24]), Buffer.from('ftypheic', 'latin1'), Buffer.from([0, 0, 0, 0]), Buffer.from('mif1heic', 'latin1'), Buffer.alloc(4000)]);
      const body = multipart([{ filename: 'phone.heic', content: ftyp }]);
      const response = await t.app.inject({ method: 'POST', url: '/api/v1/files', payload: body.payload, headers: { ...body.headers, authorization: alice.basic } });
      expect(response.statusCode).toBe(415);
      expect(response.json().code).toBe('unsupported_type');
    });
  });

  describe('location on public links', () => {
    for (const format of ['jpeg', 'png', 'webp'] as const) {
      it(`edits the GPS out of a ${format} served through a public link, same length, same pixels, Range intact`, async () => {
        const original = await photo({ format, taken: '2020:01:02 03:04:05', gps: true });
        expect((await tagsOf(original, format))?.latitude).toBeCloseTo(GPS.latitude, 5);
        const [stored] = await upload(alice, [{ filename: `located.${format}`, content: original }]);
        await described(alice, stored!.id);
        const link = await createLink(alice, stored!.id);
        expect(link.includeLocation).toBe(false);
        const token = tokenOf(link.url);

        const visit = await get(undefined, `/api/v1/links/${token}`);
        expect(visit.statusCode).toBe(200);
        expect(visit.json().file.metadata.location).toBeUndefined();
        expect(visit.json().file.metadata.takenAtSource).toBe('exif');

        const served = await get(undefined, `/api/v1/links/${token}/content`);
        expect(served.statusCode).toBe(200);
        const bytes = served.rawPayload;
        expect(bytes.length).toBe(original.length);
        expect(Number(served.headers['content-length'])).toBe(original.length);
        expect(bytes.equals(original)).toBe(false);
        expect(served.headers.etag).not.toBe(`"${stored!.sha256}"`);
        // The location is gone; the rest of the EXIF and every pixel are as they were.
        const tags = await tagsOf(bytes, format);
        expect(tags.latitude).toBeUndefined();
        expect(tags.GPSLatitude).toBeUndefined();
        expect(tags.Make).toBe('Canon');
        expect(bytes.includes(Buffer.from([0, 0, 0, 48, 0, 0, 0, 1]))).toBe(false); // the latitude's degrees, 48/1
        const [pixels, originalPixels] = await Promise.all([sharp(bytes, { failOn: 'error' }).raw().toBuffer(), sharp(original).raw().toBuffer()]);
        expect(pixels.equals(originalPixels)).toBe(true);
        if (format === 'png') expectPngCrcsValid(bytes);

        // Any range is the same slice of the edited bytes, under the same ETag.
        for (const [start, end] of [[0, 99], [10, bytes.length - 1], [Math.floor(bytes.length / 3), Math.floor(bytes.length / 2)]] as const) {
          const part = await get(undefined, `/api/v1/links/${token}/content`, { range: `bytes=${start}-${end}` });
          expect(part.statusCode).toBe(206);
          expect(part.headers['content-range']).toBe(`bytes ${start}-${end}/${bytes.length}`);
          expect(part.headers.etag).toBe(served.headers.etag);
          expect(part.rawPayload.equals(bytes.subarray(start, end + 1))).toBe(true);
        }
        const conditional = await get(undefined, `/api/v1/links/${token}/content`, { 'if-none-match': String(served.headers.etag) });
        expect(conditional.statusCode).toBe(304);

        // The owner still has the photo as stored.
        const own = await get(alice, `/api/v1/files/${stored!.id}/content`);
        expect(own.rawPayload.equals(original)).toBe(true);
      });
    }

    it('blanks XMP GPS properties too, attributes and elements', async () => {
      const xmp = `<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?><x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description rdf:about="" xmlns:exif="http://ns.adobe.com/exif/1.0/" exif:GPSLatitude="48,51.4998N" exif:GPSLongitude='2,17.6667E'><exif:GPSAltitude>35/1</exif:GPSAltitude></rdf:Description></rdf:RDF></x:xmpmeta><?xpacket end="w"?>`;
      const original = await sharp(await photo()).withXmp(xmp).jpeg().toBuffer();
      expect(original.includes('48,51.4998N')).toBe(true);
      const [stored] = await upload(alice, [{ filename: 'xmp.jpg', content: original }]);
      await described(alice, stored!.id);
      const served = (await get(undefined, `/api/v1/links/${tokenOf((await createLink(alice, stored!.id)).url)}/content`)).rawPayload;
      expect(served.length).toBe(original.length);
      for (const value of ['48,51.4998N', '2,17.6667E', '>35/1<']) expect(served.includes(value), value).toBe(false);
      expect(served.includes('exif:GPSLatitude="           "')).toBe(true);
      expect(served.includes('<x:xmpmeta')).toBe(true);
    });

    it('keeps the location when the owner opts in for that link', async () => {
      const original = await photo({ gps: true });
      const [stored] = await upload(alice, [{ filename: 'with-place.jpg', content: original }]);
      await described(alice, stored!.id);
      const link = await createLink(alice, stored!.id, { includeLocation: true });
      expect(link.includeLocation).toBe(true);
      const token = tokenOf(link.url);
      const served = await get(undefined, `/api/v1/links/${token}/content`);
      expect(served.rawPayload.equals(original)).toBe(true);
      expect(served.headers.etag).toBe(`"${stored!.sha256}"`);
      expect((await exifr.gps(served.rawPayload))?.latitude).toBeCloseTo(GPS.latitude, 5);
      expect((await get(undefined, `/api/v1/links/${token}`)).json().file.metadata.location.latitude).toBeCloseTo(GPS.latitude, 5);
      // The other links of the same photo still leave it out.
      const plain = await createLink(alice, stored!.id);
      expect((await exifr.gps((await get(undefined, `/api/v1/links/${tokenOf(plain.url)}/content`)).rawPayload))?.latitude).toBeUndefined();
    });

    it('looks a photo over when a link asks before its edits are recorded (an older file, a queue behind)', async () => {
      const original = await photo({ gps: true });
      const [stored] = await upload(alice, [{ filename: 'older.jpg', content: original }]);
      await described(alice, stored!.id);
      await t.services.backends.db.updateTable('files').set({ location_patches: null }).where('id', '=', stored!.id).execute();
      const link = await createLink(alice, stored!.id);
      const served = await get(undefined, `/api/v1/links/${tokenOf(link.url)}/content`);
      expect(served.statusCode).toBe(200);
      expect(served.rawPayload.length).toBe(original.length);
      expect((await exifr.gps(served.rawPayload))?.latitude).toBeUndefined();
      const row = await t.services.backends.db.selectFrom('files').select('location_patches').where('id', '=', stored!.id).executeTakeFirstOrThrow();
      expect(JSON.parse(row.location_patches!)).not.toHaveLength(0);
    });

    it('serves a photo without any location unchanged', async () => {
      const original = await photo({ taken: '2020:01:02 03:04:05' });
      const [stored] = await upload(alice, [{ filename: 'nowhere.jpg', content: original }]);
      await described(alice, stored!.id);
      const link = await createLink(alice, stored!.id);
      const served = await get(undefined, `/api/v1/links/${tokenOf(link.url)}/content`);
      expect(served.rawPayload.equals(original)).toBe(true);
    });

    it('rejects a non-boolean includeLocation with 400', async () => {
      const [stored] = await upload(alice, [{ filename: 'x.png', content: await photo({ format: 'png' }) }]);
      const response = await t.app.inject({ method: 'POST', url: `/api/v1/files/${stored!.id}/links`, payload: { includeLocation: 'sometimes' }, headers: { authorization: alice.basic } });
      expect(response.statusCode).toBe(400);
      expect(response.json().code).toBe('invalid_request');
    });
  });

  describe('video and audio', () => {
    for (const [format, codec] of [['mov', 'h264'], ['webm', 'vp8']] as const) {
      it(`makes a poster for ${format} and reads its duration, size, codecs, frame rate and creation time`, async () => {
        if (!requireOrSkip(hasFfmpeg, FFMPEG_MISSING)) return;
        const [stored] = await upload(alice, [{ filename: `clip.${format}`, content: await video(format, '2019-03-10T08:00:00Z') }]);
        const file = await described(alice, stored!.id);
        expect(file.kind).toBe('video');
        expect([file.width, file.height]).toEqual([160, 120]);
        expect(file.durationSeconds).toBeGreaterThan(1.8);
        expect(file.durationSeconds).toBeLessThan(2.2);
        expect(file.takenAt).toBe('2019-03-10T08:00:00.000Z');
        expect(file.metadata).toMatchObject({ takenAtSource: 'container', video: { codec, frameRate: 25, audioCodec: format === 'webm' ? 'opus' : 'aac' } });
        expect(file.urls.thumbnail).toBeDefined();
        const poster = await get(alice, file.urls.thumbnail!);
        expect(poster.statusCode).toBe(200);
        expect((await sharp(poster.rawPayload).metadata()).format).toBe('webp');
      });
    }

    it('reads MP3 tags and makes the embedded cover art the thumbnail', async () => {
      if (!requireOrSkip(hasFfmpeg, FFMPEG_MISSING)) return;
      const tags = { title: 'So What', artist: 'Miles Davis', album: 'Kind of Blue', track: 1, year: 1959, genre: 'Jazz' };
      const [stored] = await upload(alice, [{ filename: 'so-what.mp3', content: await mp3(tags, '#00c000') }]);
      const file = await described(alice, stored!.id);
      expect(file.metadata).toMatchObject({ takenAtSource: 'upload', tags, audio: { codec: expect.stringMatching(/mpeg|mp3/i), channels: 1 } });
      expect(file.durationSeconds).toBeGreaterThan(0.9);
      const cover = await get(alice, file.urls.thumbnail!);
      expect(cover.statusCode).toBe(200);
      const { data, info } = await sharp(cover.rawPayload).raw().toBuffer({ resolveWithObject: true });
      expect(info.width).toBe(300);
      expect([data[0]! < 40, data[1]! > 160, data[2]! < 40]).toEqual([true, true, true]);
    });

    it('leaves an MP3 without a cover without a thumbnail, its tags still read', async () => {
      if (!requireOrSkip(hasFfmpeg, FFMPEG_MISSING)) return;
      const tags = { title: 'Plain', artist: 'Nobody', album: 'None', track: 7, year: 2001, genre: 'Ambient' };
      const [stored] = await upload(alice, [{ filename: 'plain.mp3', content: await mp3(tags) }]);
      const file = await described(alice, stored!.id);
      expect(file.metadata.tags).toEqual(tags);
      expect(file.urls.thumbnail).toBeUndefined();
    });
  });

  describe('sorting, paging and the timeline', () => {
    let bob: Account;
    beforeAll(async () => {
      bob = await signUp(t.app, 'mediabob');
      // Twelve photos taken at the same second (equal sizes, equal names), then a few more in other months.
      const same = await photo({ taken: '2021:06:15 10:00:00' });
      await upload(bob, Array.from({ length: 12 }, () => ({ filename: 'same.jpg', content: same })));
      await upload(bob, [
        { filename: 'a.jpg', content: await photo({ taken: '2021:06:01 00:00:00', variant: 1 }) },
        { filename: 'b.jpg', content: await photo({ taken: '2021:06:30 23:59:59', variant: 2 }) },
        { filename: 'c.jpg', content: await photo({ taken: '2020:01:15 12:00:00', variant: 3 }) },
        { filename: 'd.jpg', content: await photo({ taken: '2020:01:31 23:59:59', variant: 4 }) },
        { filename: 'e.jpg', content: await photo({ taken: '1999:12:31 23:59:59', variant: 5 }) },
      ]);
      await t.services.backends.jobs.idle();
    });

    const list = async (who: Account, query: string) => {
      const response = await get(who, `/api/v1/files?${query}`);
      expect(response.statusCode, response.body).toBe(200);
      return response.json() as { items: FileJson[]; nextCursor: string | null };
    };
    const pages = async (who: Account, query: string, limit: number) => {
      const seen: FileJson[] = [];
      let cursor: string | null = null;
      do {
        const page: { items: FileJson[]; nextCursor: string | null } = await list(who, `${query}&limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
        seen.push(...page.items);
        cursor = page.nextCursor;
      } while (cursor);
      return seen;
    };

    for (const sort of ['takenAt', 'createdAt', 'name', 'size'] as const) {
      for (const order of ['desc', 'asc'] as const) {
        it(`pages sort=${sort}&order=${order} across equal values: each file once, in the order of one big page`, async () => {
          const whole = (await list(bob, `sort=${sort}&order=${order}&limit=200`)).items;
          expect(whole).toHaveLength(17);
          const paged = await pages(bob, `sort=${sort}&order=${order}`, 5);
          expect(paged.map((f) => f.id)).toEqual(whole.map((f) => f.id));
          // Ties broken by id, in the same direction.
          const key = (f: FileJson) => (sort === 'size' ? f.size : sort === 'name' ? f.name : sort === 'takenAt' ? f.takenAt : f.createdAt);
          for (let i = 1; i < whole.length; i += 1) {
            const [a, b] = [whole[i - 1]!, whole[i]!];
            if (key(a) === key(b)) expect(order === 'desc' ? a.id > b.id : a.id < b.id).toBe(true);
            else if (sort !== 'name') expect(order === 'desc' ? key(a) > key(b) : key(a) < key(b)).toBe(true);
          }
        });
      }
    }

    it('orders by date taken, newest first by default, and filters by takenFrom/takenTo', async () => {
      const newest = (await list(bob, 'sort=takenAt&limit=3')).items;
      expect(newest[0]!.name).toBe('b.jpg');
      expect(newest[1]!.takenAt).toBe('2021-06-15T10:00:00.000Z');
      const june = await pages(bob, 'sort=takenAt&order=asc&takenFrom=2021-06-01&takenTo=2021-07-01', 4);
      expect(june).toHaveLength(14);
      expect(june[0]!.name).toBe('a.jpg');
      expect(june.at(-1)!.name).toBe('b.jpg');
      const instant = await list(bob, 'takenFrom=2021-06-30T23:59:59Z&takenTo=2021-07-01T03:00:00%2B02:00');
      expect(instant.items.map((f) => f.name)).toEqual(['b.jpg']);
    });

    it('refuses a cursor made for another sort', async () => {
      const { nextCursor } = await list(bob, 'sort=takenAt&limit=2');
      for (const query of [`sort=name&cursor=${nextCursor}`, `sort=takenAt&order=asc&cursor=${nextCursor}`]) {
        const response = await get(bob, `/api/v1/files?${query}`);
        expect(response.statusCode).toBe(400);
        expect(response.json().code).toBe('invalid_request');
      }
    });

    it('counts files by the month they were taken, exactly', async () => {
      const timeline = await get(bob, '/api/v1/timeline');
      expect(timeline.statusCode).toBe(200);
      expect(timeline.json()).toEqual({ buckets: [{ month: '2021-06', count: 14 }, { month: '2020-01', count: 2 }, { month: '1999-12', count: 1 }] });
      expect((await get(bob, '/api/v1/timeline?kind=video')).json()).toEqual({ buckets: [] });
      expect((await get(bob, '/api/v1/timeline?kind=image')).json().buckets).toHaveLength(3);
      const bad = await get(bob, '/api/v1/timeline?kind=document');
      expect(bad.statusCode).toBe(400);
      expect((await get(bob, '/api/v1/timeline?month=2021-06')).statusCode).toBe(400);
      // Only one's own files count.
      expect((await get(alice, '/api/v1/timeline')).json().buckets.find((b: { month: string }) => b.month === '1999-12')).toBeUndefined();
      expect((await get(undefined, '/api/v1/timeline')).statusCode).toBe(401);
    });
  });
});

/** What exifr reads from a photo; of a WebP, from its EXIF chunk (exifr finds none in WebP itself). */
async function tagsOf(bytes: Buffer, format: 'jpeg' | 'png' | 'webp') {
  if (format !== 'webp') return exifr.parse(bytes, { gps: true });
  const at = bytes.indexOf('EXIF', 12, 'latin1');
  const block = bytes.subarray(at + 8, at + 8 + bytes.readUInt32LE(at + 4));
  return exifr.parse(block.subarray(0, 6).toString('latin1') === 'Exif\0\0' ? block.subarray(6) : block, { gps: true });
}

/** Every chunk's CRC matches its type and data: the edited PNG is still a valid PNG. */
function expectPngCrcsValid(png: Buffer): void {
  let at = 8;
  while (at + 12 <= png.length) {
    const length = png.readUInt32BE(at);
    const type = png.subarray(at + 4, at + 8);
    const data = png.subarray(at + 8, at + 8 + length);
    expect(png.readUInt32BE(at + 8 + length), `CRC of ${type.toString('latin1')}`).toBe(crc32(data, crc32(type)) >>> 0);
    if (type.toString('latin1') === 'IEND') break;
    at += 12 + length;
  }
}
