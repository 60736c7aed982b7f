import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asBrowser, createTestApp, fixture, multipart, signUp, type Account, type Part, type TestApp } from '../helpers/app.js';
import { FFMPEG_MISSING, hasFfmpeg, requireOrSkip } from '../helpers/services.js';

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

describe('files', () => {
  let t: TestApp;
  let alice: Account;
  let bob: Account;
  let media: Record<'png' | 'jpg' | 'mp3' | 'mp4' | 'webm' | 'txt', Buffer>;

  beforeAll(async () => {
    t = await createTestApp({ MAX_UPLOAD_BYTES: '100k' });
    alice = await signUp(t.app, 'alice');
    bob = await signUp(t.app, 'bob');
    const [png, jpg, mp3, mp4, webm, txt] = await Promise.all(['sample.png', 'sample.jpg', 'sample.mp3', 'sample.mp4', 'sample.webm', 'not-media.txt'].map(fixture));
    media = { png: png!, jpg: jpg!, mp3: mp3!, mp4: mp4!, webm: webm!, txt: txt! };
  });
  afterAll(() => t.close());

  const upload = (who: Account, parts: Part[]) => {
    const body = multipart(parts);
    return t.app.inject({ method: 'POST', url: '/api/v1/files', payload: body.payload, headers: { ...body.headers, authorization: who.basic } });
  };
  const get = (who: Account, url: string, headers: Record<string, string> = {}) => t.app.inject({ url, headers: { authorization: who.basic, ...headers } });
  // Waits for background jobs first: thumbnails are blobs too. Asks the store itself, so
  // the count is right on every storage backend of the test matrix.
  const storedBlobs = async () => {
    await t.services.backends.jobs.idle();
    let count = 0;
    for await (const _ of t.services.backends.blobs.list()) count += 1;
    return count;
  };
  const fileCount = async (who: Account) => (await get(who, '/api/v1/files?limit=200')).json().items.length as number;

  it('stores an upload and judges its type by its bytes, not its name or declared type', async () => {
    const response = await upload(alice, [{ filename: 'holiday.jpg', content: media.png, contentType: 'text/plain' }]);
    expect(response.statusCode).toBe(201);
    const [file] = response.json().items;
    expect(file).toMatchObject({ name: 'holiday.jpg', kind: 'image', contentType: 'image/png', size: media.png.length, sha256: sha256(media.png) });
    expect(file.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(file.urls).toEqual({ content: `/api/v1/files/${file.id}/content`, download: `/api/v1/files/${file.id}/content?download=1` });
  });

  it('accepts several files in one request, each with its kind', async () => {
    const response = await upload(alice, [
      { filename: 'tone.mp3', content: media.mp3 },
      { filename: 'clip.mp4', content: media.mp4 },
      { filename: 'clip.webm', content: media.webm },
      { filename: 'photo.jpg', content: media.jpg },
    ]);
    expect(response.statusCode).toBe(201);
    expect(response.json().items.map((f: { kind: string; contentType: string }) => `${f.kind} ${f.contentType}`)).toEqual([
      'audio audio/mpeg',
      'video video/mp4',
      'video video/webm',
      'image image/jpeg',
    ]);
  });

  it('keeps the original name as sanitised metadata only', async () => {
    const response = await upload(alice, [{ filename: '../../etc/pass\u202ewd\u0007.png', content: media.png }]);
    expect(response.statusCode).toBe(201);
    expect(response.json().items[0].name).toBe('passwd.png');
  });

  it('refuses a file that is not media with 415 and stores nothing', async () => {
    const blobsBefore = await storedBlobs();
    const filesBefore = await fileCount(alice);
    const response = await upload(alice, [{ filename: 'notes.png', content: media.txt, contentType: 'image/png' }]);
    expect(response.statusCode).toBe(415);
    expect(response.json()).toMatchObject({ code: 'unsupported_type', error: expect.stringContaining('notes.png') });
    expect(await storedBlobs()).toBe(blobsBefore);
    expect(await fileCount(alice)).toBe(filesBefore);
  });

  it('refuses a file over MAX_UPLOAD_BYTES with 413 and stores nothing', async () => {
    const blobsBefore = await storedBlobs();
    const big = Buffer.concat([media.mp4, Buffer.alloc(120 * 1024)]);
    const response = await upload(alice, [{ filename: 'big.mp4', content: big }]);
    expect(response.statusCode).toBe(413);
    expect(response.json().code).toBe('too_large');
    expect(await storedBlobs()).toBe(blobsBefore);
  });

  it('tells the signed-in client the upload limit, so a browser can refuse a file before sending it', async () => {
    const me = await get(alice, '/api/v1/auth/me');
    expect(me.json().limits).toEqual({ maxUploadBytes: 100 * 1024 });
  });

  it('stores all files of a request or none', async () => {
    const blobsBefore = await storedBlobs();
    const filesBefore = await fileCount(alice);
    const response = await upload(alice, [
      { filename: 'good.png', content: media.png },
      { filename: 'bad.txt', content: media.txt },
    ]);
    expect(response.statusCode).toBe(415);
    expect(await storedBlobs()).toBe(blobsBefore);
    expect(await fileCount(alice)).toBe(filesBefore);
  });

  it('rejects parts not named "file", empty requests and non-multipart bodies with 400', async () => {
    const wrongName = await upload(alice, [{ name: 'avatar', filename: 'x.png', content: media.png }]);
    expect(wrongName.statusCode).toBe(400);
    expect(wrongName.json().details[0]).toMatchObject({ field: 'avatar', reason: 'unexpected' });
    const empty = await upload(alice, []);
    expect(empty.statusCode).toBe(400);
    const json = await t.app.inject({ method: 'POST', url: '/api/v1/files', payload: { file: 'x' }, headers: { authorization: alice.basic } });
    expect(json.statusCode).toBe(400);
    expect(json.json().code).toBe('invalid_request');
  });

  it('needs credentials (401) and, with a cookie, the CSRF token (403)', async () => {
    const body = multipart([{ filename: 'x.png', content: media.png }]);
    const anonymous = await t.app.inject({ method: 'POST', url: '/api/v1/files', payload: body.payload, headers: body.headers });
    expect(anonymous.statusCode).toBe(401);
    const noCsrf = await t.app.inject({ method: 'POST', url: '/api/v1/files', payload: body.payload, headers: { ...body.headers, cookie: alice.cookie } });
    expect(noCsrf.statusCode).toBe(403);
    const browser = await t.app.inject({ method: 'POST', url: '/api/v1/files', payload: body.payload, headers: { ...body.headers, ...asBrowser(alice) } });
    expect(browser.statusCode).toBe(201);
  });

  describe('library', () => {
    let carol: Account;
    const names = ['Beach day.jpg', 'beach night.png', 'Song.mp3', 'Movie.mp4', 'Other.png'];
    beforeAll(async () => {
      carol = await signUp(t.app, 'carol');
      for (const name of names) {
        const content = name.endsWith('.mp3') ? media.mp3 : name.endsWith('.mp4') ? media.mp4 : name.endsWith('.jpg') ? media.jpg : media.png;
        expect((await upload(carol, [{ filename: name, content }])).statusCode).toBe(201);
      }
    });

    it('lists newest first with cursor paging', async () => {
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const page = await get(carol, `/api/v1/files?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
        expect(page.statusCode).toBe(200);
        expect(page.json().items.length).toBeLessThanOrEqual(2);
        seen.push(...page.json().items.map((f: { name: string }) => f.name));
        cursor = page.json().nextCursor;
      } while (cursor);
      expect(seen).toEqual([...names].reverse());
    });

    it('filters by kind and searches names case-insensitively', async () => {
      const images = await get(carol, '/api/v1/files?kind=image');
      expect(images.json().items.map((f: { name: string }) => f.name)).toEqual(['Other.png', 'beach night.png', 'Beach day.jpg']);
      const beach = await get(carol, '/api/v1/files?q=BEACH');
      expect(beach.json().items).toHaveLength(2);
      const wildcard = await get(carol, '/api/v1/files?q=%25');
      expect(wildcard.json().items).toHaveLength(0);
      const both = await get(carol, '/api/v1/files?q=beach&kind=image&limit=1');
      expect(both.json().items).toHaveLength(1);
      expect(both.json().nextCursor).toEqual(expect.any(String));
    });

    it('rejects bad list parameters with 400', async () => {
      for (const query of ['limit=0', 'limit=201', 'kind=document', 'cursor=garbage', 'sort=date', 'order=up', 'takenFrom=yesterday', 'takenTo=2021-13-45']) {
        const response = await get(carol, `/api/v1/files?${query}`);
        expect(response.statusCode, query).toBe(400);
        expect(response.json().code).toBe('invalid_request');
      }
    });

    it('shows owners only their own files', async () => {
      const list = await get(bob, '/api/v1/files');
      expect(list.json().items.map((f: { name: string }) => f.name)).not.toContain('Song.mp3');
    });
  });

  describe('one file', () => {
    let id: string;
    beforeAll(async () => {
      id = (await upload(alice, [{ filename: 'Café – été.mp4', content: media.mp4 }])).json().items[0].id;
    });

    it('returns metadata, renames and keeps the new name', async () => {
      expect((await get(alice, `/api/v1/files/${id}`)).json()).toMatchObject({ id, name: 'Café – été.mp4', kind: 'video' });
      const renamed = await t.app.inject({ method: 'PATCH', url: `/api/v1/files/${id}`, payload: { name: '  Summer / clip.mp4 ' }, headers: { authorization: alice.basic } });
      expect(renamed.statusCode).toBe(200);
      expect(renamed.json().name).toBe('clip.mp4');
      expect((await get(alice, `/api/v1/files/${id}`)).json().name).toBe('clip.mp4');
      const bad = await t.app.inject({ method: 'PATCH', url: `/api/v1/files/${id}`, payload: { name: 'x', owner: 'bob' }, headers: { authorization: alice.basic } });
      expect(bad.statusCode).toBe(400);
    });

    it('answers 404 for another user on every route, and changes nothing', async () => {
      const json = { authorization: bob.basic };
      const attempts = [
        t.app.inject({ url: `/api/v1/files/${id}`, headers: json }),
        t.app.inject({ url: `/api/v1/files/${id}/content`, headers: json }),
        t.app.inject({ url: `/api/v1/files/${id}/thumbnail`, headers: json }),
        t.app.inject({ method: 'PATCH', url: `/api/v1/files/${id}`, payload: { name: 'mine.mp4' }, headers: json }),
        t.app.inject({ method: 'DELETE', url: `/api/v1/files/${id}`, headers: json }),
      ];
      for (const response of await Promise.all(attempts)) {
        expect(response.statusCode).toBe(404);
        expect(response.json().code).toBe('not_found');
      }
      expect((await get(alice, `/api/v1/files/${id}`)).json().name).toBe('clip.mp4');
    });

    it('answers 400 for an id that is not a UUID and 404 for an unknown one', async () => {
      expect((await get(alice, '/api/v1/files/not-a-uuid')).statusCode).toBe(400);
      expect((await get(alice, '/api/v1/files/00000000-0000-4000-8000-000000000000')).statusCode).toBe(404);
    });
  });

  describe('content', () => {
    let id: string;
    beforeAll(async () => {
      id = (await upload(alice, [{ filename: 'Café été.mp4', content: media.mp4 }])).json().items[0].id;
    });

    it('serves the exact bytes with the safety headers', async () => {
      const response = await get(alice, `/api/v1/files/${id}/content`);
      expect(response.statusCode).toBe(200);
      expect(response.rawPayload.equals(media.mp4)).toBe(true);
      expect(response.headers).toMatchObject({
        'content-type': 'video/mp4',
        'content-length': String(media.mp4.length),
        'accept-ranges': 'bytes',
        etag: `"${sha256(media.mp4)}"`,
        'x-content-type-options': 'nosniff',
        'cache-control': 'private',
        'content-disposition': `inline; filename="Cafe ete.mp4"; filename*=UTF-8''Caf%C3%A9%20%C3%A9t%C3%A9.mp4`,
      });
      expect(response.headers['content-security-policy']).toContain('sandbox');
      expect(new Date(String(response.headers['last-modified'])).getTime()).toBeGreaterThan(0);
    });

    it('offers a download as an attachment', async () => {
      const response = await get(alice, `/api/v1/files/${id}/content?download=1`);
      expect(response.headers['content-disposition']).toMatch(/^attachment; filename="Cafe ete.mp4"/);
    });

    it('serves byte ranges, suffix ranges and open-ended ranges', async () => {
      const size = media.mp4.length;
      const cases: Array<[string, number, number]> = [
        ['bytes=0-99', 0, 99],
        ['bytes=100-', 100, size - 1],
        ['bytes=-500', size - 500, size - 1],
        [`bytes=${size - 10}-${size + 1000}`, size - 10, size - 1],
      ];
      for (const [range, start, end] of cases) {
        const response = await get(alice, `/api/v1/files/${id}/content`, { range });
        expect(response.statusCode, range).toBe(206);
        expect(response.headers['content-range']).toBe(`bytes ${start}-${end}/${size}`);
        expect(response.headers['content-length']).toBe(String(end - start + 1));
        expect(response.rawPayload.equals(media.mp4.subarray(start, end + 1))).toBe(true);
      }
    });

    it('answers 416 for a range outside the file', async () => {
      const response = await get(alice, `/api/v1/files/${id}/content`, { range: `bytes=${media.mp4.length}-` });
      expect(response.statusCode).toBe(416);
      expect(response.headers['content-range']).toBe(`bytes */${media.mp4.length}`);
    });

    it('ignores a range for a stale If-Range and a malformed Range', async () => {
      expect((await get(alice, `/api/v1/files/${id}/content`, { range: 'bytes=0-9', 'if-range': '"stale"' })).statusCode).toBe(200);
      expect((await get(alice, `/api/v1/files/${id}/content`, { range: 'pages=1' })).statusCode).toBe(200);
    });

    it('answers 304 to If-None-Match and If-Modified-Since', async () => {
      const first = await get(alice, `/api/v1/files/${id}/content`);
      const etag = String(first.headers.etag);
      const byTag = await get(alice, `/api/v1/files/${id}/content`, { 'if-none-match': etag });
      expect(byTag.statusCode).toBe(304);
      expect(byTag.rawPayload.length).toBe(0);
      const byDate = await get(alice, `/api/v1/files/${id}/content`, { 'if-modified-since': String(first.headers['last-modified']) });
      expect(byDate.statusCode).toBe(304);
      expect((await get(alice, `/api/v1/files/${id}/content`, { 'if-none-match': '"other"' })).statusCode).toBe(200);
    });

    it('answers HEAD with the headers only', async () => {
      const response = await t.app.inject({ method: 'HEAD', url: `/api/v1/files/${id}/content`, headers: { authorization: alice.basic } });
      expect(response.statusCode).toBe(200);
      expect(response.headers['content-length']).toBe(String(media.mp4.length));
      expect(response.rawPayload.length).toBe(0);
    });
  });

  describe('media facts and thumbnails', () => {
    it('records image size and makes a WebP thumbnail off the request path', async () => {
      const uploaded = await upload(alice, [{ filename: 'photo.jpg', content: media.jpg }]);
      const { id } = uploaded.json().items[0];
      await t.services.backends.jobs.idle();
      const file = (await get(alice, `/api/v1/files/${id}`)).json();
      expect(file).toMatchObject({ width: 800, height: 600, urls: { thumbnail: `/api/v1/files/${id}/thumbnail` } });
      const thumbnail = await get(alice, file.urls.thumbnail);
      expect(thumbnail.statusCode).toBe(200);
      expect(thumbnail.headers['content-type']).toBe('image/webp');
      expect(thumbnail.rawPayload.subarray(8, 12).toString('latin1')).toBe('WEBP');
    });

    it('records audio and video duration, and a poster thumbnail for video', async () => {
      if (!requireOrSkip(hasFfmpeg, FFMPEG_MISSING)) return;
      const uploaded = await upload(alice, [
        { filename: 'tone.mp3', content: media.mp3 },
        { filename: 'clip.mp4', content: media.mp4 },
      ]);
      const [audio, video] = uploaded.json().items;
      await t.services.backends.jobs.idle();
      const audioFile = (await get(alice, `/api/v1/files/${audio.id}`)).json();
      expect(audioFile.durationSeconds).toBeCloseTo(2, 0);
      expect(audioFile.urls.thumbnail).toBeUndefined();
      expect((await get(alice, `/api/v1/files/${audio.id}/thumbnail`)).statusCode).toBe(404);
      const videoFile = (await get(alice, `/api/v1/files/${video.id}`)).json();
      expect(videoFile).toMatchObject({ width: 320, height: 240 });
      expect(videoFile.durationSeconds).toBeCloseTo(2, 0);
      expect((await get(alice, videoFile.urls.thumbnail)).headers['content-type']).toBe('image/webp');
    });
  });

  it('deletes the row and the blobs', async () => {
    const { id } = (await upload(alice, [{ filename: 'gone.jpg', content: media.jpg }])).json().items[0];
    await t.services.backends.jobs.idle();
    const blobsBefore = await storedBlobs();
    const deleted = await t.app.inject({ method: 'DELETE', url: `/api/v1/files/${id}`, headers: asBrowser(alice) });
    expect(deleted.statusCode).toBe(204);
    expect((await get(alice, `/api/v1/files/${id}`)).statusCode).toBe(404);
    expect(await storedBlobs()).toBe(blobsBefore - 2);
    expect((await t.app.inject({ method: 'DELETE', url: `/api/v1/files/${id}`, headers: asBrowser(alice) })).statusCode).toBe(404);
  });
});
