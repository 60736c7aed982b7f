import { readFileSync } from 'node:fs';
import sharp from 'sharp';
import { RateLimiterMemory } from 'rate-limiter-flexible';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FaceApiEngine } from '../../src/adapters/faces/face-api.js';
import { WhoService } from '../../src/features/people/who.service.js';
import { createTestApp, multipart, signUp, type Account, type TestApp } from '../helpers/app.js';
import { signUpAdmin } from '../helpers/fixtures.js';
import { ASTRONAUT_PATH, centre, cropAround, GROUP_PHOTOS, hasAstronaut } from '../helpers/faces.js';

// /who over HTTP on the real model. Photo parts are named "photo"; guests send no credentials.
describe('notable people and /who', () => {
  let t: TestApp;
  let admin: Account;
  let member: Account;
  let group: Buffer;
  let address = 0;
  // Each test asks from its own client address, so rate limits do not leak between tests.
  const nextAddress = () => `198.51.100.${++address}`;

  beforeAll(async () => {
    t = await createTestApp({ MAX_UPLOAD_BYTES: '1m' });
    admin = await signUpAdmin(t, 'curator');
    member = await signUp(t.app, 'member');
    group = GROUP_PHOTOS[0]!.bytes();
  });
  afterAll(() => t.close());

  const who = (content: Buffer, remoteAddress = nextAddress(), filename = 'photo.jpg') => {
    const body = multipart([{ name: 'photo', filename, content }]);
    return t.app.inject({ method: 'POST', url: '/api/v1/who', payload: body.payload, headers: body.headers, remoteAddress });
  };
  const asAdmin = (method: 'GET' | 'POST' | 'DELETE', url: string, payload?: object, as = admin) =>
    t.app.inject({ method, url, ...(payload ? { payload } : {}), headers: { authorization: as.basic } });
  const addPhoto = (id: string, content: Buffer) => {
    const body = multipart([{ name: 'photo', filename: 'reference.jpg', content }]);
    return t.app.inject({ method: 'POST', url: `/api/v1/admin/notable-people/${id}/photos`, payload: body.payload, headers: { ...body.headers, authorization: admin.basic } });
  };
  const counts = async () => {
    const db = t.services.backends.db;
    const rows = async (table: 'notable_people' | 'notable_faces' | 'files' | 'audit_events') => Number((await db.selectFrom(table).select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
    await t.services.audit.flush();
    let blobs = 0;
    for await (const _ of t.services.backends.blobs.list()) blobs += 1;
    return { people: await rows('notable_people'), faces: await rows('notable_faces'), files: await rows('files'), audit: await rows('audit_events'), blobs };
  };

  it('answers a guest with every face of a group photo, "not recognised" while nobody matches', async () => {
    const response = await who(group);
    expect(response.statusCode).toBe(200);
    const { faces, message } = response.json();
    expect(faces).toHaveLength(3);
    expect(faces.every((face: { match: unknown }) => face.match === null)).toBe(true);
    expect(message).toBe('3 faces found; not recognised.');
  });

  it('names a curated person, with their link, a similarity and a search link, in a different copy of the photo', async () => {
    const before = (await who(group)).json().faces as { box: { x: number; y: number; width: number; height: number } }[];
    const created = await asAdmin('POST', '/api/v1/admin/notable-people', { name: 'Ana Example', description: 'Film director', url: 'https://www.imdb.com/name/nm0000001/' });
    expect(created.statusCode).toBe(201);
    const person = created.json();
    expect(person).toMatchObject({ name: 'Ana Example', photoCount: 0 });
    // Enrolled from a mirrored close-up of the first face; recognised in the whole photo, recompressed.
    const reference = await (await cropAround(group, before[0]!.box, 1)).flop().jpeg({ quality: 80 }).toBuffer();
    const added = await addPhoto(person.id, reference);
    expect(added.statusCode).toBe(201);
    expect(added.json()).toEqual({ faces: 1 });

    const answer = (await who(await sharp(group).resize({ width: 1400 }).webp({ quality: 70 }).toBuffer())).json();
    const named = answer.faces.filter((face: { match: unknown }) => face.match !== null);
    expect(named).toHaveLength(1); // the other two are strangers, and one person is never named twice
    expect(named[0].match).toMatchObject({ name: 'Ana Example', description: 'Film director', url: 'https://www.imdb.com/name/nm0000001/' });
    expect(named[0].match.similarity).toBeGreaterThan(0.6);
    expect(named[0].searchUrl).toBe('https://duckduckgo.com/?q=Ana%20Example');
    expect(centre(named[0].box).x).toBeCloseTo(centre(before[0]!.box).x, 1);
    expect(answer.message).toBe('3 faces found; 1 recognised.');

    const list = (await asAdmin('GET', '/api/v1/admin/notable-people')).json().items;
    expect(list).toContainEqual(expect.objectContaining({ id: person.id, name: 'Ana Example', photoCount: 1 }));

    expect((await asAdmin('DELETE', `/api/v1/admin/notable-people/${person.id}`)).statusCode).toBe(204);
    expect((await who(group)).json().faces.every((face: { match: unknown }) => face.match === null)).toBe(true);
    expect((await asAdmin('DELETE', `/api/v1/admin/notable-people/${person.id}`)).statusCode).toBe(404);
  });

  it('recognises the astronaut from her portrait in a flipped, smaller copy', async (context) => {
    if (!hasAstronaut()) return context.skip();
    const person = (await asAdmin('POST', '/api/v1/admin/notable-people', { name: 'Eileen Collins', url: 'https://en.wikipedia.org/wiki/Eileen_Collins' })).json();
    expect((await addPhoto(person.id, readFileSync(ASTRONAUT_PATH))).json()).toEqual({ faces: 1 });
    const answer = (await who(await sharp(ASTRONAUT_PATH).flop().resize({ width: 400 }).jpeg({ quality: 70 }).toBuffer())).json();
    expect(answer.faces.map((face: { match: { name: string } | null }) => face.match?.name)).toContain('Eileen Collins');
    expect(answer.faces.find((face: { match: unknown }) => face.match).match.url).toBe('https://en.wikipedia.org/wiki/Eileen_Collins');
    await asAdmin('DELETE', `/api/v1/admin/notable-people/${person.id}`);
  });

  it('says so when a photo has no face: 200, an empty list and a sentence', async () => {
    const plain = await sharp({ create: { width: 320, height: 240, channels: 3, background: '#5a8' } }).jpeg().toBuffer();
    const response = await who(plain);
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ faces: [], message: 'No face was found in this photo.' });
  });

  it('refuses a reference photo without a face (400) and keeps nothing', async () => {
    const person = (await asAdmin('POST', '/api/v1/admin/notable-people', { name: 'Nobody Visible' })).json();
    const plain = await sharp({ create: { width: 320, height: 240, channels: 3, background: '#5a8' } }).png().toBuffer();
    const response = await addPhoto(person.id, plain);
    expect(response.statusCode).toBe(400);
    expect(response.json().code).toBe('invalid_request');
    const listed = (await asAdmin('GET', '/api/v1/admin/notable-people')).json().items.find((p: { id: string }) => p.id === person.id);
    expect(listed.photoCount).toBe(0);
  });

  it('keeps the gallery to admins', async () => {
    expect((await asAdmin('GET', '/api/v1/admin/notable-people', undefined, member)).statusCode).toBe(403);
    expect((await asAdmin('POST', '/api/v1/admin/notable-people', { name: 'X' }, member)).statusCode).toBe(403);
    expect((await t.app.inject({ method: 'GET', url: '/api/v1/admin/notable-people' })).statusCode).toBe(401);
    expect((await asAdmin('POST', '/api/v1/admin/notable-people', { name: 'X', url: 'javascript:alert(1)' })).statusCode).toBe(400);
  });

  it('answers bad photos with a clear 4xx and keeps working', async () => {
    const cases: [string, Buffer, number, string][] = [
      ['0 bytes', Buffer.alloc(0), 400, 'invalid_request'],
      ['text', Buffer.from('not a photo at all'), 415, 'unsupported_type'],
      ['truncated JPEG', group.subarray(0, 3000), 400, 'invalid_request'],
      ['8000×6000 PNG (a few kB, 48 MP)', await sharp({ create: { width: 8000, height: 6000, channels: 3, background: '#000' } }).png().toBuffer(), 413, 'too_large'],
      ['over the byte limit', Buffer.concat([group, Buffer.alloc(1024 * 1024)]), 413, 'too_large'],
    ];
    for (const [what, content, status, code] of cases) {
      const response = await who(content);
      expect([what, response.statusCode, response.json().code]).toEqual([what, status, code]);
    }
    const frames = await sharp({ create: { width: 64, height: 192, channels: 3, background: '#36a' } }).gif().toBuffer();
    const animated = await sharp(frames, { pages: -1 }).gif({ loop: 0 }).toBuffer();
    expect((await who(animated, nextAddress(), 'moving.gif')).json().faces).toEqual([]);
    expect((await who(group)).json().faces).toHaveLength(3);
  });

  it('rate-limits each client address before reading the photo (429 with Retry-After)', async () => {
    const guest = nextAddress();
    const text = Buffer.from('cheap to refuse');
    for (let i = 0; i < 10; i++) expect((await who(text, guest)).statusCode).toBe(415);
    const limited = await who(group, guest);
    expect(limited.statusCode).toBe(429);
    expect(limited.json().code).toBe('rate_limited');
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect((await who(text, nextAddress())).statusCode).toBe(415); // another address is not held back
  });

  it('stores nothing: no rows, no audit events, no blobs', async () => {
    const before = await counts();
    await who(group);
    await who(await sharp(group).flop().jpeg().toBuffer());
    expect(await counts()).toEqual(before);
  });
});

describe('/who turned off', () => {
  it('answers 404 when WHO_ENABLED=0', async () => {
    const t = await createTestApp({ WHO_ENABLED: '0' });
    try {
      const body = multipart([{ name: 'photo', filename: 'p.jpg', content: GROUP_PHOTOS[0]!.bytes() }]);
      const response = await t.app.inject({ method: 'POST', url: '/api/v1/who', payload: body.payload, headers: body.headers });
      expect(response.statusCode).toBe(404);
      expect(response.json().code).toBe('not_found');
      const status = await t.app.inject({ method: 'GET', url: '/api/v1/who' });
      expect([status.statusCode, status.json()]).toEqual([200, { enabled: false }]);
    } finally {
      await t.close();
    }
  });
});

describe('the /who page opening', () => {
  it('starts loading the face model while the finder is on (a photo usually follows), not while it is off', async () => {
    const t = await createTestApp();
    const engine = new FaceApiEngine({ idleMs: 60_000 });
    try {
      let enabled = false;
      const who = new WhoService(t.services.backends.db, engine, { enabled: async () => enabled, limiter: new RateLimiterMemory({ points: 10, duration: 60 }) });
      expect(await who.status()).toEqual({ enabled: false });
      expect(engine.running).toBe(false);
      enabled = true;
      expect(await who.status()).toEqual({ enabled: true });
      expect(engine.running).toBe(true);
    } finally {
      await engine.close();
      await t.close();
    }
  });
});
