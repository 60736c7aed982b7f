import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, multipart, signUp, type Account, type TestApp } from '../helpers/app.js';
import { uniformGif, uniformPng } from '../helpers/bombs.js';
import { ASTRONAUT_PATH, centre, GROUP_PHOTOS, hasAstronaut } from '../helpers/faces.js';

interface Face {
  id: string;
  fileId: string;
  box: { x: number; y: number; width: number; height: number };
  person: { id: string; name: string } | null;
  similarity: number | null;
  suggestion: { id: string; name: string; similarity: number } | null;
}

// Faces in each user's own library, on the real model: the `faces` job, naming, matching,
// clusters, and that nothing of one user's is ever matched against or shown to another.
describe('faces and people in the library', () => {
  let t: TestApp;
  let alice: Account;
  let bob: Account;
  let group: Buffer;
  let mirrored: Buffer;

  beforeAll(async () => {
    t = await createTestApp({ FACES_ENABLED: '1' });
    alice = await signUp(t.app, 'alice');
    bob = await signUp(t.app, 'bob');
    group = GROUP_PHOTOS[0]!.bytes();
    // The same three people, mirrored, smaller and recompressed: a different photo to the model.
    mirrored = await sharp(group).flop().resize(1400).jpeg({ quality: 70 }).toBuffer();
  });
  afterAll(() => t.close());

  const upload = async (as: Account, content: Buffer, filename: string): Promise<string> => {
    const body = multipart([{ name: 'file', filename, content }]);
    const response = await t.app.inject({ method: 'POST', url: '/api/v1/files', payload: body.payload, headers: { ...body.headers, authorization: as.basic } });
    expect(response.statusCode, response.body).toBe(201);
    await t.services.backends.jobs.idle();
    return response.json().items[0].id;
  };
  const call = (as: Account, method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', url: string, payload?: object) =>
    t.app.inject({ method, url: `/api/v1${url}`, ...(payload ? { payload } : {}), headers: { authorization: as.basic } });
  const facesOf = async (as: Account, fileId: string): Promise<Face[]> => {
    const response = await call(as, 'GET', `/files/${fileId}/faces`);
    expect(response.statusCode, response.body).toBe(200);
    return response.json().items;
  };
  const faceRows = async (ownerId?: string) => {
    let query = t.services.backends.db.selectFrom('faces').select((eb) => eb.fn.countAll().as('n'));
    if (ownerId) query = query.where('owner_id', '=', ownerId);
    return Number((await query.executeTakeFirstOrThrow()).n);
  };
  const userId = async (account: Account) => (await call(account, 'GET', '/auth/me')).json().user.id as string;
  const nearestTo = (faces: Face[], point: { x: number; y: number }) =>
    faces.reduce((best, face) => (Math.hypot(centre(face.box).x - point.x, centre(face.box).y - point.y) < Math.hypot(centre(best.box).x - point.x, centre(best.box).y - point.y) ? face : best));

  let groupId: string;
  let mirroredId: string;
  const people: { id: string; at: { x: number; y: number } }[] = [];

  it('finds every face of a group photo, with boxes in fractions of the image', async () => {
    groupId = await upload(alice, group, 'group.jpg');
    const faces = await facesOf(alice, groupId);
    expect(faces).toHaveLength(GROUP_PHOTOS[0]!.people);
    for (const face of faces) {
      expect(face.person).toBeNull();
      for (const value of [face.box.x, face.box.y, face.box.x + face.box.width, face.box.y + face.box.height]) expect(value).toBeGreaterThanOrEqual(0), expect(value).toBeLessThanOrEqual(1);
      expect(face.box.width).toBeGreaterThan(0.02);
    }
  });

  it('groups the unnamed faces of two photos of the same people into clusters, one face of each photo per cluster', async () => {
    mirroredId = await upload(alice, mirrored, 'mirrored.jpg');
    const response = await call(alice, 'GET', '/people/clusters');
    expect(response.statusCode).toBe(200);
    const clusters = response.json().items as { faceIds: string[] }[];
    expect(clusters.length).toBeGreaterThanOrEqual(2);
    const groupFaces = new Set((await facesOf(alice, groupId)).map((face) => face.id));
    for (const cluster of clusters) expect(cluster.faceIds.filter((id) => groupFaces.has(id)).length).toBeLessThanOrEqual(1);
  });

  it('names each face of the group photo; the mirrored photo’s faces get those people, each once, at the mirrored places', async () => {
    const faces = await facesOf(alice, groupId);
    for (const [index, face] of faces.entries()) {
      const named = await call(alice, 'PUT', `/faces/${face.id}/person`, { name: `Person ${index}` });
      expect(named.statusCode, named.body).toBe(200);
      expect(named.json().face.person.name).toBe(`Person ${index}`);
      people.push({ id: named.json().face.person.id, at: centre(face.box) });
    }
    const matched = await facesOf(alice, mirroredId);
    const given = matched.flatMap((face) => (face.person ? [face.person.id] : []));
    expect(new Set(given).size).toBe(given.length); // no person twice in one photo
    expect(given.length).toBeGreaterThanOrEqual(2);
    for (const person of people) {
      const face = matched.find((candidate) => candidate.person?.id === person.id);
      if (!face) continue;
      expect(face).toBe(nearestTo(matched, { x: 1 - person.at.x, y: person.at.y }));
      expect(face.similarity).toBeGreaterThan(0.5);
    }
    const list = (await call(alice, 'GET', '/people')).json().items as { id: string; faceCount: number; fileCount: number; coverFace: unknown }[];
    expect(list).toHaveLength(people.length);
    expect(list.every((person) => person.coverFace !== null && person.faceCount >= 1)).toBe(true);
  });

  it('matches a new photo at upload against the named people; GET /files?person= lists the files', async () => {
    const crop = await sharp(group).resize(900).webp({ quality: 60 }).toBuffer();
    const cropId = await upload(alice, crop, 'smaller.webp');
    const faces = await facesOf(alice, cropId);
    const given = faces.flatMap((face) => (face.person ? [face.person.id] : []));
    expect(given.length).toBeGreaterThanOrEqual(2);
    expect(new Set(given).size).toBe(given.length);
    const person = given[0]!;
    const files = (await call(alice, 'GET', `/files?person=${person}`)).json().items.map((file: { id: string }) => file.id);
    expect(files).toContain(groupId);
    expect(files).toContain(cropId);
  });

  it('never matches, shows or names across users', async () => {
    const bobsId = await upload(bob, mirrored, 'mine.jpg');
    const bobsFaces = await facesOf(bob, bobsId);
    expect(bobsFaces).toHaveLength(GROUP_PHOTOS[0]!.people);
    expect(bobsFaces.every((face) => face.person === null && face.suggestion === null)).toBe(true);
    expect((await call(bob, 'GET', '/people')).json().items).toEqual([]);
    expect((await call(bob, 'GET', `/files/${groupId}/faces`)).statusCode).toBe(404);
    expect((await call(bob, 'GET', `/files?person=${people[0]!.id}`)).json().items).toEqual([]);
    expect((await call(bob, 'GET', `/people/${people[0]!.id}`)).statusCode).toBe(404);
    const aliceFace = (await facesOf(alice, groupId))[0]!;
    expect((await call(bob, 'PUT', `/faces/${aliceFace.id}/person`, { name: 'Mallory' })).statusCode).toBe(404);
    expect((await call(bob, 'PUT', `/faces/${bobsFaces[0]!.id}/person`, { personId: people[0]!.id })).statusCode).toBe(404);
    // Bob names his own face: Alice's faces stay hers, none gets Bob's person.
    const named = await call(bob, 'PUT', `/faces/${bobsFaces[0]!.id}/person`, { name: 'Bob’s friend' });
    expect(named.statusCode).toBe(200);
    const bobsPerson = named.json().face.person.id as string;
    const rows = await t.services.backends.db.selectFrom('faces').select(['owner_id', 'person_id', 'suggested_person_id']).execute();
    const aliceId = await userId(alice);
    for (const row of rows.filter((row) => row.owner_id === aliceId)) {
      expect(row.person_id).not.toBe(bobsPerson);
      expect(row.suggested_person_id).not.toBe(bobsPerson);
    }
    // A share shows the boxes, never the owner's names.
    expect((await call(alice, 'POST', `/files/${groupId}/shares`, { username: 'bob' })).statusCode).toBe(201);
    const shared = await facesOf(bob, groupId);
    expect(shared).toHaveLength(GROUP_PHOTOS[0]!.people);
    expect(shared.every((face) => face.person === null && face.suggestion === null)).toBe(true);
  });

  it('renames, hides, merges and deletes people', async () => {
    const [first, second] = people;
    const renamed = await call(alice, 'PATCH', `/people/${first!.id}`, { name: 'Ana', link: 'https://example.com/ana', hidden: true });
    expect(renamed.json().person).toMatchObject({ name: 'Ana', link: 'https://example.com/ana', hidden: true });
    expect((await call(alice, 'GET', '/people')).json().items.map((p: { id: string }) => p.id)).not.toContain(first!.id);
    expect((await call(alice, 'GET', '/people?hidden=true')).json().items.map((p: { id: string }) => p.id)).toContain(first!.id);
    const before = (await call(alice, 'GET', `/people/${first!.id}`)).json().person.faceCount + (await call(alice, 'GET', `/people/${second!.id}`)).json().person.faceCount;
    const merged = await call(alice, 'POST', `/people/${first!.id}/merge`, { ids: [second!.id] });
    expect(merged.statusCode, merged.body).toBe(200);
    expect(merged.json().person.faceCount).toBe(before);
    expect((await call(alice, 'GET', `/people/${second!.id}`)).statusCode).toBe(404);
    expect((await call(alice, 'DELETE', `/people/${first!.id}`)).statusCode).toBe(204);
    const faces = await facesOf(alice, groupId);
    expect(faces.filter((face) => face.person !== null)).toHaveLength(GROUP_PHOTOS[0]!.people - 2);
  });

  it('recognises the astronaut in a flipped, smaller copy once her portrait is named', async (context) => {
    if (!hasAstronaut()) return context.skip();
    const portrait = readFileSync(ASTRONAUT_PATH);
    const portraitId = await upload(alice, portrait, 'astronaut.png');
    const [face] = await facesOf(alice, portraitId);
    expect(face).toBeDefined();
    const named = await call(alice, 'PUT', `/faces/${face!.id}/person`, { name: 'Eileen Collins' });
    const eileen = named.json().face.person.id as string;
    const copyId = await upload(alice, await sharp(portrait).flop().resize(380).jpeg({ quality: 60 }).toBuffer(), 'copy.jpg');
    const copyFaces = await facesOf(alice, copyId);
    expect(copyFaces.find((candidate) => candidate.person?.id === eileen || candidate.suggestion?.id === eileen)).toBeDefined();
  });

  it('finds no faces in a damaged image, and the step still ends', async () => {
    const truncated = group.subarray(0, Math.floor(group.length / 3));
    const id = await upload(alice, truncated, 'truncated.jpg');
    expect(await facesOf(alice, id)).toEqual([]);
    const job = await t.services.backends.db.selectFrom('jobs').select(['status']).where('file_id', '=', id).where('step', '=', 'faces').executeTakeFirstOrThrow();
    expect(['done', 'failed']).toContain(job.status);
  });

  it('finds faces in a video’s poster frame, and in the first frame of an animated image', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'coffer-faces-'));
    try {
      writeFileSync(path.join(dir, 'group.jpg'), group);
      const ffmpeg = (args: string[]) => execFileSync('ffmpeg', ['-nostdin', '-v', 'error', '-loop', '1', '-i', path.join(dir, 'group.jpg'), ...args], { timeout: 60_000 });
      ffmpeg(['-t', '3', '-r', '5', '-vf', 'scale=1280:-2', '-pix_fmt', 'yuv420p', '-c:v', 'libx264', path.join(dir, 'group.mp4')]);
      ffmpeg(['-t', '1', '-r', '3', '-vf', 'scale=800:-2', path.join(dir, 'group.gif')]);
      const videoId = await upload(alice, readFileSync(path.join(dir, 'group.mp4')), 'group.mp4');
      expect((await facesOf(alice, videoId)).length).toBeGreaterThanOrEqual(1);
      const gifId = await upload(alice, readFileSync(path.join(dir, 'group.gif')), 'group.gif');
      expect((await facesOf(alice, gifId)).length).toBeGreaterThanOrEqual(1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('ends the step with no faces for a bitmap too large to decode and a faceless animation', async () => {
    for (const [content, name] of [[uniformPng(16383, 16383), 'huge.png'], [uniformGif(64, 64, 20), 'blank.gif']] as const) {
      const id = await upload(alice, content, name);
      expect(await facesOf(alice, id)).toEqual([]);
      const job = await t.services.backends.db.selectFrom('jobs').select(['status']).where('file_id', '=', id).where('step', '=', 'faces').executeTakeFirstOrThrow();
      expect(job.status).toBe('done');
    }
  });

  it('deletes a file’s faces with the file', async () => {
    const before = await faceRows();
    const mirroredFaces = (await facesOf(alice, mirroredId)).length;
    expect((await call(alice, 'DELETE', `/files/${mirroredId}`)).statusCode).toBe(204);
    expect(await faceRows()).toBe(before - mirroredFaces);
    expect(await t.services.backends.db.selectFrom('faces').select('id').where('file_id', '=', mirroredId).execute()).toEqual([]);
  });

  it('deletes every face of a user who turns recognition off, and finds none afterwards', async () => {
    const aliceId = await userId(alice);
    const bobId = await userId(bob);
    const bobsBefore = await faceRows(bobId);
    expect(await faceRows(aliceId)).toBeGreaterThan(0);
    const off = await call(alice, 'PATCH', '/auth/me', { faceRecognition: false, currentPassword: alice.password });
    expect(off.statusCode, off.body).toBe(200);
    expect(off.json().user.faceRecognition).toBe(false);
    expect(await faceRows(aliceId)).toBe(0);
    expect(await faceRows(bobId)).toBe(bobsBefore);
    const later = await upload(alice, mirrored, 'after.jpg');
    expect(await facesOf(alice, later)).toEqual([]);
    expect((await call(alice, 'GET', '/auth/me')).json().user.faceRecognition).toBe(false);
  });
});

// A face worker that overruns (as one that hangs or dies) is stopped and the photo tried on
// a new one; when that fails too the job is retried, then failed for good — never a crash.
describe('a face worker that cannot finish', () => {
  let t: TestApp;
  beforeAll(async () => {
    // 1 ms: no photo is detected that fast, on any machine, so every attempt overruns.
    t = await createTestApp({ FACES_ENABLED: '1', FACE_TIMEOUT_SECONDS: '0.001', JOB_MAX_ATTEMPTS: '2', JOB_RETRY_SECONDS: '1' });
  });
  afterAll(() => t.close());

  it('is restarted for the photo once, the job retried, and the step fails cleanly', { timeout: 120_000 }, async () => {
    const owner = await signUp(t.app, 'carol');
    const body = multipart([{ name: 'file', filename: 'group.jpg', content: GROUP_PHOTOS[1]!.bytes() }]);
    const response = await t.app.inject({ method: 'POST', url: '/api/v1/files', payload: body.payload, headers: { ...body.headers, authorization: owner.basic } });
    expect(response.statusCode).toBe(201);
    const fileId = response.json().items[0].id as string;
    // idle() does not wait for a retry that is not yet due: wait for the final state.
    const faceJob = () => t.services.backends.db.selectFrom('jobs').selectAll().where('file_id', '=', fileId).where('step', '=', 'faces').executeTakeFirstOrThrow();
    const deadline = Date.now() + 90_000;
    while ((await faceJob()).status !== 'failed' && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 250));
    await t.services.backends.jobs.idle();
    const job = await faceJob();
    expect(job.status).toBe('failed');
    expect(Number(job.attempts)).toBe(2);
    expect(job.last_error).toMatch(/failed twice/);
    const file = (await t.app.inject({ method: 'GET', url: `/api/v1/files/${fileId}`, headers: { authorization: owner.basic } })).json();
    expect(file.processing.failedSteps).toEqual(['faces']);
    // The other step is unaffected, and the app still answers.
    expect(file.width).toBeGreaterThan(0);
    const faces = await t.app.inject({ method: 'GET', url: `/api/v1/files/${fileId}/faces`, headers: { authorization: owner.basic } });
    expect(faces.json().items).toEqual([]);
  });
});
