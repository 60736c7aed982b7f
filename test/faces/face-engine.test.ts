import { readdirSync, readFileSync } from 'node:fs';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { FaceApiEngine } from '../../src/adapters/faces/face-api.js';
import { faceDistance, FaceEngineUnavailable, FaceImageError, matchFaces, MATCH_DISTANCE, type DetectedFace } from '../../src/adapters/faces/face-engine.js';
import { ASTRONAUT_PATH, centre, cropAround, GROUP_PHOTOS, hasAstronaut } from '../helpers/faces.js';

// The real model on real photos; each detection takes about a second on this 2-core machine.
describe('face engine (face-api in a child process)', () => {
  const engine = new FaceApiEngine({ idleMs: 60_000 });
  const found = new Map<string, DetectedFace[]>();

  beforeAll(async () => {
    for (const photo of GROUP_PHOTOS) found.set(photo.name, await engine.detect(photo.bytes()));
  }, 240_000);
  afterAll(() => engine.close());

  it('finds every face in the group photos, with a box, 68 landmarks and a 128-number descriptor each', () => {
    for (const photo of GROUP_PHOTOS) {
      const faces = found.get(photo.name)!;
      expect(faces.length, photo.name).toBe(photo.people);
      for (const face of faces) {
        expect(face.descriptor).toHaveLength(128);
        expect(face.landmarks).toHaveLength(68);
        for (const value of [face.box.x, face.box.y, face.box.x + face.box.width, face.box.y + face.box.height]) {
          expect(value).toBeGreaterThanOrEqual(0);
          expect(value).toBeLessThanOrEqual(1);
        }
        // The tip of the nose lies in the face's box (widened a little for faces in profile).
        const nose = face.landmarks[30]!;
        expect(nose.x).toBeGreaterThan(face.box.x - face.box.width * 0.25);
        expect(nose.x).toBeLessThan(face.box.x + face.box.width * 1.25);
        expect(nose.y).toBeGreaterThan(face.box.y);
        expect(nose.y).toBeLessThan(face.box.y + face.box.height);
      }
    }
  });

  it('recognises a person enrolled from a group photo in a cropped, shrunk, recompressed copy of it', async () => {
    const enrolled = [...found.entries()].flatMap(([photo, faces]) => faces.map((face, index) => ({ descriptor: face.descriptor, owner: `${photo}#${index}` })));
    for (const [photo, index] of [['sample1.jpg', 0], ['sample4.jpg', 2], ['sample5.jpg', 4]] as const) {
      const source = GROUP_PHOTOS.find((p) => p.name === photo)!.bytes();
      const crop = await cropAround(source, found.get(photo)![index]!.box, 1);
      const derived = await crop.resize({ width: 300 }).jpeg({ quality: 45 }).toBuffer();
      const faces = await engine.detect(derived);
      expect(faces).toHaveLength(1);
      expect(matchFaces([faces[0]!.descriptor], enrolled)[0]?.candidate).toBe(`${photo}#${index}`);
    }
  });

  it('matches each face of a mirrored group photo to its own person, none twice', async () => {
    const photo = GROUP_PHOTOS[4]!; // five people
    const original = found.get(photo.name)!;
    const enrolled = original.map((face, index) => ({ descriptor: face.descriptor, owner: index }));
    const mirrored = await engine.detect(await sharp(photo.bytes()).flop().webp({ quality: 70 }).toBuffer());
    expect(mirrored).toHaveLength(original.length);
    const matches = matchFaces(mirrored.map((face) => face.descriptor), enrolled);
    expect(new Set(matches.map((m) => m?.candidate)).size).toBe(original.length);
    matches.forEach((match, index) => {
      // Mirrored: the face at x sits where 1 − x was.
      const there = centre(original[match!.candidate]!.box);
      const here = centre(mirrored[index]!.box);
      expect(Math.abs(1 - here.x - there.x)).toBeLessThan(0.02);
      expect(Math.abs(here.y - there.y)).toBeLessThan(0.02);
    });
  });

  it('finds a face in a tight crop (the detector needs a margin, which the engine adds)', async () => {
    const photo = GROUP_PHOTOS[0]!;
    const face = found.get(photo.name)![1]!;
    const tight = await (await cropAround(photo.bytes(), face.box, 0)).png().toBuffer();
    const faces = await engine.detect(tight);
    expect(faces).toHaveLength(1);
    expect(faces[0]!.box.width).toBeGreaterThan(0.5);
    // Without its surroundings the face is described less well (distance ≈ 0.45 to the
    // original), but still nearest to its own person among the 22.
    const everyone = [...found.values()].flat();
    const nearest = everyone.reduce((best, other) => (faceDistance(faces[0]!.descriptor, other.descriptor) < faceDistance(faces[0]!.descriptor, best.descriptor) ? other : best));
    expect(nearest).toBe(face);
  });

  it('recognises the astronaut from her portrait in a flipped, rescaled copy, and no one else as her', async (context) => {
    if (!hasAstronaut()) return context.skip();
    const portrait = await engine.detect(await sharp(ASTRONAUT_PATH).toBuffer());
    expect(portrait).toHaveLength(1);
    // At this size SSD also scores her shoulders as a face (0.6): she is the confident one.
    const derived = (await engine.detect(await sharp(ASTRONAUT_PATH).flop().resize({ width: 380 }).jpeg({ quality: 60 }).toBuffer())).sort((a, b) => b.score - a.score);
    const enrolled = [{ descriptor: portrait[0]!.descriptor, owner: 'astronaut' }];
    expect(matchFaces(derived.map((face) => face.descriptor), enrolled).map((m) => m?.candidate ?? null)).toEqual(['astronaut', ...derived.slice(1).map(() => null)]);
    expect(centre(derived[0]!.box).x).toBeCloseTo(1 - centre(portrait[0]!.box).x, 1);
    const strangers = [...found.values()].flat().map((face) => face.descriptor);
    expect(matchFaces(strangers, enrolled).every((m) => m === null)).toBe(true);
  });

  it('refuses bad photos clearly and keeps working', async () => {
    const jpeg = GROUP_PHOTOS[0]!.bytes();
    await expect(engine.detect(Buffer.alloc(0))).rejects.toMatchObject({ problem: 'empty' });
    await expect(engine.detect(Buffer.from('hello, not a photo'))).rejects.toMatchObject({ problem: 'not_image' });
    await expect(engine.detect(jpeg.subarray(0, 2000))).rejects.toBeInstanceOf(FaceImageError);
    // 8000×6000 of black compresses to a few kB: refused from its header.
    const huge = await sharp({ create: { width: 8000, height: 6000, channels: 3, background: '#000' } }).png().toBuffer();
    await expect(engine.detect(huge)).rejects.toMatchObject({ problem: 'too_large' });
    // An animated GIF: the first frame is looked at (a plain one: no face).
    const frames = await sharp({ create: { width: 64, height: 64 * 3, channels: 3, background: '#3a6' } }).gif().toBuffer();
    const animated = await sharp(frames, { pages: -1 }).gif({ loop: 0 }).toBuffer();
    expect(await engine.detect(animated)).toEqual([]);
    // A greyscale photo has one channel; the engine gives the model three.
    expect(await engine.detect(await sharp(jpeg).greyscale().jpeg().toBuffer())).toHaveLength(3);
    expect(await engine.detect(jpeg)).toHaveLength(3);
  });

  it('runs the model in a child process niced below the server, which holds the model’s memory (Linux)', async (context) => {
    if (process.platform !== 'linux') return context.skip();
    await engine.detect(GROUP_PHOTOS[0]!.bytes()); // the worker runs
    const pid = engine.pid!;
    expect(pid).toBeTypeOf('number');
    expect(readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')[1]).toBe(String(process.pid)); // its parent
    // The model's WebAssembly heap is resident there, not here.
    expect(Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) * 1024).toBeGreaterThan(150 * 2 ** 20);
    // Field 19 of /proc/<pid>/task/<tid>/stat, counted after the "(name) " it starts with.
    const niceness = (owner: number, tid: number | string) => Number(readFileSync(`/proc/${owner}/task/${tid}/stat`, 'utf8').split(') ')[1]!.split(' ')[16]);
    const main = niceness(process.pid, process.pid);
    if (main >= 5) return context.skip(); // this process already runs this low: nothing to see
    for (const thread of readdirSync(`/proc/${pid}/task`)) expect(niceness(pid, thread), `worker thread ${thread}`).toBe(10);
    for (const thread of readdirSync(`/proc/${process.pid}/task`)) expect(niceness(process.pid, thread), `server thread ${thread}`).toBe(main);
  });
});

describe('face worker lifecycle', () => {
  it('stops its worker when idle, starts it again for the next photo', async () => {
    const engine = new FaceApiEngine({ idleMs: 200 });
    try {
      const photo = GROUP_PHOTOS[0]!.bytes();
      expect(engine.running).toBe(false); // started on demand, not at construction
      expect(await engine.detect(photo)).toHaveLength(3);
      const first = engine.pid;
      expect(engine.running).toBe(true);
      await expect.poll(() => engine.running, { timeout: 5000, interval: 20 }).toBe(false);
      expect(await engine.detect(photo)).toHaveLength(3);
      expect(engine.pid).not.toBe(first);
    } finally {
      await engine.close();
    }
  }, 120_000);

  it('loads the model ahead of a photo on warmUp(), and releases it when no photo comes', async () => {
    const engine = new FaceApiEngine({ idleMs: 200 });
    try {
      engine.warmUp();
      expect(engine.running).toBe(true);
      await vi.waitFor(() => expect(engine.running).toBe(false), { timeout: 10_000, interval: 50 });
      // And a photo after that still gets its answer.
      expect(await engine.detect(GROUP_PHOTOS[0]!.bytes())).toHaveLength(3);
    } finally {
      await engine.close();
    }
  }, 120_000);

  it('kills a worker past its memory limit, retries once on a new one, then fails clearly', async () => {
    // Far below what Node and the model need: every worker is killed while it loads.
    const engine = new FaceApiEngine({ maxRssMb: 48 });
    try {
      await expect(engine.detect(GROUP_PHOTOS[0]!.bytes())).rejects.toThrow(/failed twice on this photo \(the face worker used over 48 MiB of memory\)/);
      expect(engine.running).toBe(false);
    } finally {
      await engine.close();
    }
  }, 120_000);

  it('stops a worker that overruns the time limit, retries once on a new one, then fails clearly', async () => {
    const engine = new FaceApiEngine({ photoTimeoutMs: 1 });
    try {
      await expect(engine.detect(GROUP_PHOTOS[0]!.bytes())).rejects.toBeInstanceOf(FaceEngineUnavailable);
      expect(engine.running).toBe(false);
    } finally {
      await engine.close();
    }
  }, 120_000);
});
