import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { extractFrame, probeAv } from '../../src/adapters/media/ffmpeg.js';
import { prepareImage } from '../../src/adapters/faces/prepare-image.js';
import { describeImage, ImageRefused, startImageWorker, stopImageWorkers, useImageWorkers } from '../../src/adapters/media/images.js';
import { uniformPng } from '../helpers/bombs.js';

const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/${name}`, import.meta.url));
const limits = { maxPixels: 40_000_000 };

/** This process's children whose command line mentions `name` (Linux /proc): their PIDs and niceness. */
function childrenNamed(name: string): Array<{ pid: number; nice: number }> {
  const found: Array<{ pid: number; nice: number }> = [];
  for (const pid of readdirSync('/proc').filter((entry) => /^\d+$/.test(entry))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      // Fields after the command name: state ppid ... (ppid is the 2nd, nice the 17th).
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[1]) === process.pid && fields[0] !== 'Z' && commandLine(pid).includes(name)) found.push({ pid: Number(pid), nice: Number(fields[16]) });
    } catch (error) {
      // The process ended while we looked.
      if (!['ENOENT', 'ESRCH'].includes((error as NodeJS.ErrnoException).code ?? '')) throw error;
    }
  }
  return found;
}

/**
 * A live process's command line. The kernel sets it late in exec, after the close-on-exec
 * descriptors that tell the parent's fork() the exec began: a child just forked can read as
 * empty for a moment (1–2 of 400 forks under load here), so it is read again until it is set.
 */
function commandLine(pid: string): string {
  const pause = new Int32Array(new SharedArrayBuffer(4));
  for (let attempt = 0; attempt < 200; attempt++) {
    const line = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    if (line !== '') return line;
    Atomics.wait(pause, 0, 0, 10);
  }
  throw new Error(`process ${pid} has no command line after 2 s`);
}

// A job's time limit or a shutdown fires its AbortSignal: the media tool working for it must stop.
describe('media tools run for background jobs', () => {
  it('ffprobe and ffmpeg are stopped when the signal fires', async () => {
    await expect(probeAv(fixture('sample.mp4'), 'video/mp4', AbortSignal.abort('time limit'))).rejects.toThrow(/ffprobe was stopped: time limit/);
    const controller = new AbortController();
    const frame = extractFrame(fixture('sample.mp4'), 'video/mp4', 0.5, controller.signal);
    controller.abort('shutdown');
    await expect(frame).rejects.toThrow(/ffmpeg was stopped: shutdown/);
    // The same tools still work without a fired signal.
    expect((await probeAv(fixture('sample.mp4'), 'video/mp4', new AbortController().signal)).hasVideo).toBe(true);
  });

  it('the image worker drops a stopped request and then serves the next one', async () => {
    await expect(describeImage(fixture('sample.jpg'), 'image/jpeg', limits, AbortSignal.abort('time limit'))).rejects.toThrow();
    const controller = new AbortController();
    const running = describeImage(fixture('sample.jpg'), 'image/jpeg', limits, controller.signal);
    setTimeout(() => controller.abort('shutdown'), 1);
    await expect(running).rejects.toThrow(/stopped: shutdown/);
    const facts = await describeImage(fixture('sample.jpg'), 'image/jpeg', limits);
    expect(facts.width).toBeGreaterThan(0);
    expect(facts.thumbnail.length).toBeGreaterThan(0);
  });

  it('the image worker runs at a lower priority than the server', async () => {
    await describeImage(fixture('sample.jpg'), 'image/jpeg', limits);
    const workers = childrenNamed('image-worker');
    expect(workers.length).toBeGreaterThan(0);
    expect(workers.map((worker) => worker.nice)).toEqual(workers.map(() => 10));
  });

  it('photos for the face detector are decoded in the image worker: this process never loads libvips', async () => {
    const pixels = await prepareImage(readFileSync(fixture('sample.jpg')));
    expect(pixels.width).toBeGreaterThan(0);
    expect(pixels.data.length).toBe(pixels.width * pixels.height * 3);
    expect(readFileSync('/proc/self/maps', 'utf8')).not.toMatch(/libvips/);
    await expect(prepareImage(Buffer.alloc(0))).rejects.toThrow(/empty/);
    await expect(prepareImage(Buffer.from('not an image'))).rejects.toThrow(/not an image/);
  });
});

/** Stopped (SIGSTOP) processes are in state T; a stopped child stands for one stuck on a hostile image. */
const pause = (pid: number) => process.kill(pid, 'SIGSTOP');
const imageWorkers = () => childrenNamed('image-worker').map((worker) => worker.pid);

describe('the image-worker pool (IMAGE_WORKERS)', () => {
  afterAll(() => stopImageWorkers());

  it('decodes two images at once in two children, at low priority: one held mid-request does not hold the other', async () => {
    useImageWorkers(2);
    await stopImageWorkers();
    await describeImage(fixture('sample.jpg'), 'image/jpeg', limits);
    const [first, ...others] = imageWorkers();
    expect(others).toEqual([]);
    // The only child is frozen: the request it is given cannot finish until it is killed.
    pause(first!);
    const controller = new AbortController();
    const held = describeImage(fixture('sample.jpg'), 'image/jpeg', limits, controller.signal);
    const outcome = held.then(() => 'answered', (error: Error) => error.message);
    // With one child this request would wait behind the held one for ever.
    const facts = await describeImage(fixture('sample.png'), 'image/png', limits);
    expect(facts.thumbnail.length).toBeGreaterThan(0);
    expect(await Promise.race([outcome, Promise.resolve('still held')])).toBe('still held');
    const workers = childrenNamed('image-worker');
    expect(workers.map((worker) => worker.pid)).toContain(first);
    expect(new Set(workers.map((worker) => worker.pid)).size).toBe(2);
    expect(workers.map((worker) => worker.nice)).toEqual([10, 10]);
    // Stopping the held request kills its child only.
    controller.abort('shutdown');
    expect(await outcome).toMatch(/stopped: shutdown/);
    expect((await describeImage(fixture('sample.jpg'), 'image/jpeg', limits)).width).toBeGreaterThan(0);
  });

  it('starts a child ahead of an image only when none is free, and the image then uses it', async () => {
    useImageWorkers(2);
    await stopImageWorkers();
    expect(imageWorkers()).toEqual([]);
    startImageWorker();
    const started = imageWorkers();
    expect(started).toHaveLength(1);
    startImageWorker(); // one is free: no second child
    expect(imageWorkers()).toEqual(started);
    expect((await describeImage(fixture('sample.jpg'), 'image/jpeg', limits)).width).toBeGreaterThan(0);
    expect(imageWorkers()).toEqual(started);
  });

  it('a bomb in one child fails only its own request; the other child answers meanwhile', async () => {
    useImageWorkers(2);
    const dir = mkdtempSync(path.join(tmpdir(), 'coffer-bomb-'));
    const bomb = path.join(dir, 'bomb.png');
    writeFileSync(bomb, uniformPng(16383, 16383));
    const [refused, described] = await Promise.allSettled([describeImage(bomb, 'image/png', limits), describeImage(fixture('sample.jpg'), 'image/jpeg', limits)]);
    rmSync(dir, { recursive: true });
    expect(refused.status === 'rejected' && refused.reason).toBeInstanceOf(ImageRefused);
    expect(described.status === 'fulfilled' && described.value.thumbnail.length).toBeGreaterThan(0);
  });

  it('a request that waits for a child leaves the line when its signal fires', async () => {
    useImageWorkers(1);
    await stopImageWorkers();
    await describeImage(fixture('sample.jpg'), 'image/jpeg', limits);
    const [only] = imageWorkers();
    pause(only!);
    const holder = new AbortController();
    const holding = describeImage(fixture('sample.jpg'), 'image/jpeg', limits, holder.signal).catch((error: Error) => error.message);
    // The one child is busy: this request waits in line, and leaves it when stopped.
    const waiter = new AbortController();
    const waiting = describeImage(fixture('sample.jpg'), 'image/jpeg', limits, waiter.signal);
    waiter.abort('time limit');
    await expect(waiting).rejects.toBe('time limit');
    holder.abort('shutdown');
    expect(await holding).toMatch(/stopped: shutdown/);
    expect((await describeImage(fixture('sample.jpg'), 'image/jpeg', limits)).width).toBeGreaterThan(0);
    useImageWorkers(2);
  });
});
