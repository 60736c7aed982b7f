import { fork, type ChildProcess } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AudioTags } from './audio-tags.js';
import { lowerPriority } from './background-priority.js';
import { residentBytes } from './resident-memory.js';
import type { ImageTags } from './exif.js';
import type { LocationPatch } from './location.js';

export type { AudioTags, ImageTags, LocationPatch };

export interface ImageLimits {
  /** MAX_IMAGE_PIXELS: larger images (by their header) are never decoded. */
  maxPixels: number;
}

export interface ImageFacts {
  width: number;
  height: number;
  thumbnail: Buffer;
  tags: ImageTags;
  /** The edits that remove the location from the bytes (see location.ts); [] when none is found. */
  locationPatches: LocationPatch[];
}

export interface AudioFacts {
  tags: Omit<AudioTags, 'cover'>;
  /** The embedded cover art, as a WebP thumbnail. */
  thumbnail?: Buffer;
}

/** The image is refused as it is (too many pixels, or its decoding needs too much memory): no retry helps. */
export class ImageRefused extends Error {
  readonly permanent = true;
}

export type ImageRequest =
  | { kind: 'describe'; path: string; contentType: string; maxPixels: number }
  | { kind: 'frame'; frame: Uint8Array }
  | { kind: 'audio'; path: string; maxPixels: number }
  | { kind: 'locate'; path: string; contentType: string }
  | { kind: 'pixels'; image: Uint8Array; edge: number; maxPixels: number };
export type ImageReply =
  | ({ kind: 'describe' } & ImageFacts)
  | { kind: 'frame'; thumbnail: Buffer }
  | ({ kind: 'audio' } & AudioFacts)
  | { kind: 'locate'; hasLocation: boolean; locationPatches: LocationPatch[] }
  | { kind: 'pixels'; pixels: RgbPixels | PixelsProblem };

/** An image decoded for analysis (the face detector): oriented, shrunk, 3 bytes a pixel. */
export interface RgbPixels {
  data: Uint8Array;
  width: number;
  height: number;
}

/** Why bytes gave no pixels: empty, not an image, over the pixel limit, or damaged. */
export interface PixelsProblem {
  problem: 'empty' | 'not_image' | 'too_large' | 'corrupt';
  message: string;
}
type WorkerMessage = { ok: true; reply: ImageReply } | { ok: false; refused: boolean; message: string };

const TIMEOUT_MS = 30_000;
const IDLE_EXIT_MS = 60_000;
const RSS_CHECK_MS = 50;
/**
 * libvips decodes in native memory, which neither the server's heap limit nor a worker
 * thread's `resourceLimits` bound: measured here, a Worker with maxOldGenerationSizeMb 64
 * reached 924 MB peak RSS thumbnailing a 49 MP AVIF — inside the server's own process. So
 * every libvips call runs in one child process: its JS heap is capped by
 * --max-old-space-size, and its whole resident size is watched from here and the child
 * killed past the limit below. The pixel limit, checked from the header before anything is
 * decoded, is the first defence; the watch is the backstop for a decoder that needs more
 * than the header suggests. It leaves room for the largest image allowed in the hungriest
 * decoder (AVIF: ~19 bytes a pixel measured, against 2 for JPEG with shrink-on-load and 3
 * for PNG, read sequentially) above the ~100 MB that Node and libvips take.
 */
const rssLimitFor = (maxPixels: number) => 128 * 1024 * 1024 + 24 * maxPixels;

/**
 * Reads an image (a local file) once in the image worker: its displayed size (EXIF
 * orientation applied) and a WebP thumbnail of its first frame.
 */
export async function describeImage(file: string, contentType: string, limits: ImageLimits, signal?: AbortSignal): Promise<ImageFacts> {
  const reply = await pool.run({ kind: 'describe', path: file, contentType, maxPixels: limits.maxPixels }, rssLimitFor(limits.maxPixels), signal);
  if (reply.kind !== 'describe') throw new Error('the image worker answered another request');
  return { ...reply, thumbnail: Buffer.from(reply.thumbnail) };
}

/**
 * Decodes image bytes in the image worker for analysis: the first frame, EXIF orientation
 * applied, shrunk to at most `edge` px on its longest side, as RGB. The header is read
 * first, so an image over the pixel limit is refused before anything is decoded.
 */
export async function decodePixels(image: Uint8Array, edge: number, limits: ImageLimits, signal?: AbortSignal): Promise<RgbPixels | PixelsProblem> {
  let reply: ImageReply;
  try {
    reply = await pool.run({ kind: 'pixels', image, edge, maxPixels: limits.maxPixels }, rssLimitFor(limits.maxPixels), signal);
  } catch (error) {
    if (error instanceof ImageRefused) return { problem: 'too_large', message: `The photo needs too much memory to decode: ${error.message}.` };
    throw error;
  }
  if (reply.kind !== 'pixels') throw new Error('the image worker answered another request');
  return reply.pixels;
}

/** Makes a WebP thumbnail from a small decoded still frame (a video poster). */
export async function thumbnailFromFrame(frame: Buffer, limits: ImageLimits, signal?: AbortSignal): Promise<Buffer> {
  const reply = await pool.run({ kind: 'frame', frame }, rssLimitFor(limits.maxPixels), signal);
  if (reply.kind !== 'frame') throw new Error('the image worker answered another request');
  return Buffer.from(reply.thumbnail);
}

/**
 * Only where a photo's location sits (no decoding): for a public link asked for a photo the
 * describe step has not reached yet.
 */
export async function locateInImage(file: string, contentType: string, limits: ImageLimits, signal?: AbortSignal): Promise<{ hasLocation: boolean; locationPatches: LocationPatch[] }> {
  const reply = await pool.run({ kind: 'locate', path: file, contentType }, rssLimitFor(limits.maxPixels), signal);
  if (reply.kind !== 'locate') throw new Error('the image worker answered another request');
  return reply;
}

/**
 * An audio file's tags and its cover art as a thumbnail, read in the image worker: tag
 * parsers meet hostile bytes too, and a cover is an image to decode under the same limits.
 */
export async function describeAudio(file: string, limits: ImageLimits, signal?: AbortSignal): Promise<AudioFacts> {
  const reply = await pool.run({ kind: 'audio', path: file, maxPixels: limits.maxPixels }, rssLimitFor(limits.maxPixels), signal);
  if (reply.kind !== 'audio') throw new Error('the image worker answered another request');
  return { tags: reply.tags, ...(reply.thumbnail ? { thumbnail: Buffer.from(reply.thumbnail) } : {}) };
}

/**
 * How many image-worker children may decode at once (IMAGE_WORKERS, set by the composition
 * root): each holds at most one decode, so the worst case in memory is this many times the
 * limit above. Until told, two (or one on a single core), the default in config.ts.
 */
export function useImageWorkers(count: number): void {
  pool.resize(count);
}

/** Starts an image-worker child now unless one is free, so an image expected soon does not wait for it to start. */
export function startImageWorker(): void {
  pool.warm();
}

/** Stops the idle image-worker children and waits for them to exit (tests start from none). */
export function stopImageWorkers(): Promise<void> {
  return pool.stop();
}

/**
 * A few image-worker children, each answering one request at a time. A request takes a free
 * child (the last one used first, so a second child starts only when two images are asked
 * for at once, and an unused one exits when idle), or waits in line for one. A request whose
 * `signal` fires while it waits leaves the line.
 */
class ImageWorkerPool {
  size = Math.min(2, os.availableParallelism());
  private readonly free: ImageWorker[] = [];
  private started = 0;
  private readonly waiting: Array<(worker: ImageWorker) => void> = [];

  async run(request: ImageRequest, rssLimit: number, signal?: AbortSignal): Promise<ImageReply> {
    const worker = await this.take(signal);
    try {
      signal?.throwIfAborted();
      return await worker.send(request, rssLimit, signal);
    } finally {
      this.give(worker);
    }
  }

  private take(signal?: AbortSignal): Promise<ImageWorker> {
    signal?.throwIfAborted();
    const worker = this.free.pop() ?? (this.started < this.size ? this.create() : undefined);
    if (worker) return Promise.resolve(worker);
    return new Promise((resolve, reject) => {
      const onAbort = () => {
        this.waiting.splice(this.waiting.indexOf(handOver), 1);
        reject(signal!.reason);
      };
      const handOver = (next: ImageWorker) => {
        signal?.removeEventListener('abort', onAbort);
        resolve(next);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiting.push(handOver);
    });
  }

  private give(worker: ImageWorker): void {
    const next = this.waiting.shift();
    if (next) next(worker);
    else if (this.started > this.size) this.retire(worker);
    else this.free.push(worker);
  }

  warm(): void {
    if (this.free.length === 0 && this.started < this.size) this.free.push(this.create());
    this.free.at(-1)?.warm();
  }

  resize(size: number): void {
    this.size = size;
    while (this.started > this.size && this.free.length > 0) this.retire(this.free.shift()!);
  }

  async stop(): Promise<void> {
    await Promise.all(this.free.map((worker) => worker.stop()));
  }

  private create(): ImageWorker {
    this.started += 1;
    return new ImageWorker();
  }

  /** The pool was made smaller (useImageWorkers). */
  private retire(worker: ImageWorker): void {
    this.started -= 1;
    void worker.stop();
  }
}

/**
 * One child process, started on its first request and reused; it exits after a minute idle
 * or with its parent. It is given one request at a time (by the pool), so it holds at most
 * one decoded image. A request over time or memory kills the child; the next one starts a
 * fresh child. A request whose `signal` fires while it runs kills the child the same way.
 */
class ImageWorker {
  private child: ChildProcess | undefined;
  private idleTimer: NodeJS.Timeout | undefined;

  /** Ends the child (if any) and resolves once it has exited. */
  stop(): Promise<void> {
    clearTimeout(this.idleTimer);
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGKILL');
    return exited;
  }

  /** Starts the child without a request; unused, it exits when idle like after one. */
  warm(): void {
    if (this.child && this.child.exitCode === null && this.child.signalCode === null) return;
    const child = this.start();
    child.unref();
    child.channel?.unref();
    this.idleTimer = setTimeout(() => child.kill(), IDLE_EXIT_MS).unref();
  }

  send(request: ImageRequest, rssLimit: number, signal?: AbortSignal): Promise<ImageReply> {
    clearTimeout(this.idleTimer);
    const child = this.start();
    child.ref();
    child.channel?.ref();
    return new Promise<ImageReply>((resolve, reject) => {
      const fail = (error: Error) => {
        // The next request starts a fresh child rather than reach this dying one.
        if (this.child === child) this.child = undefined;
        child.kill('SIGKILL');
        reject(error);
      };
      const timer = setTimeout(() => fail(new Error(`the image worker took over ${TIMEOUT_MS / 1000} s`)), TIMEOUT_MS);
      const onAbort = () => fail(new Error(`the image was stopped: ${String(signal?.reason)}`));
      signal?.addEventListener('abort', onAbort, { once: true });
      const watch = setInterval(() => {
        if (residentBytes(child.pid) > rssLimit) fail(new ImageRefused(`decoding needed over ${Math.round(rssLimit / 2 ** 20)} MiB of memory`));
      }, RSS_CHECK_MS);
      const onMessage = (message: WorkerMessage) => {
        settle();
        if (message.ok) resolve(message.reply);
        else reject(message.refused ? new ImageRefused(message.message) : new Error(message.message));
      };
      const onExit = (code: number | null, signal: string | null) => {
        settle();
        reject(new Error(`the image worker exited (${signal ?? code})`));
      };
      const settle = () => {
        clearTimeout(timer);
        clearInterval(watch);
        signal?.removeEventListener('abort', onAbort);
        child.off('message', onMessage);
        child.off('exit', onExit);
        if (child.exitCode === null && child.signalCode === null) {
          child.unref();
          child.channel?.unref();
          this.idleTimer = setTimeout(() => child.kill(), IDLE_EXIT_MS).unref();
        }
      };
      child.on('message', onMessage);
      child.on('exit', onExit);
      child.send(request);
    });
  }

  private start(): ChildProcess {
    if (this.child && this.child.exitCode === null && this.child.signalCode === null) return this.child;
    const child = fork(WORKER_FILE, [], {
      // The source file under tsx (tests, `npm run dev`), the compiled one in dist/.
      execArgv: [...(WORKER_FILE.endsWith('.ts') ? ['--import', 'tsx'] : []), '--max-old-space-size=64'],
      serialization: 'advanced',
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    lowerPriority(child.pid);
    child.on('error', () => {});
    child.once('exit', () => {
      if (this.child === child) this.child = undefined;
    });
    this.child = child;
    return child;
  }
}

const WORKER_FILE = path.join(path.dirname(fileURLToPath(import.meta.url)), `image-worker${path.extname(fileURLToPath(import.meta.url))}`);
const pool = new ImageWorkerPool();
