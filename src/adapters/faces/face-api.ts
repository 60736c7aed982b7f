import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyBaseLogger } from 'fastify';
import { lowerPriority } from '../media/background-priority.js';
import { startImageWorker } from '../media/images.js';
import { residentBytes } from '../media/resident-memory.js';
import { FaceEngineUnavailable, type DetectedFace, type FaceEngine, type RgbImage } from './face-engine.js';
import type { DetectRequest, DetectResponse, ReadyMessage } from './face-api.worker.js';
import { prepareImage } from './prepare-image.js';

export interface FaceApiEngineOptions {
  /** Stop the worker after this long without work, giving its memory back (default 60 s). */
  idleMs?: number;
  /** One photo may take this long (model load excluded) before its worker is stopped (default 30 s). */
  photoTimeoutMs?: number;
  /** How long loading the model may take (default 60 s). */
  loadTimeoutMs?: number;
  /** The worker's JavaScript heap cap; the model itself lives in WebAssembly memory (default 256 MB). */
  maxHeapMb?: number;
  /** The worker's whole resident size (the WebAssembly heap included) past which it is killed (default 1024 MB). */
  maxRssMb?: number;
  /** MAX_IMAGE_PIXELS: larger photos are refused from their header, never decoded (default 40 MP). */
  maxPixels?: number;
  log?: Pick<FastifyBaseLogger, 'info' | 'warn'>;
}

interface Pending {
  request: DetectRequest;
  resolve(faces: DetectedFace[]): void;
  reject(error: Error): void;
  retried: boolean;
  timer?: NodeJS.Timeout;
}

/**
 * face-api in a child process, started at the first photo, reused while photos come, and
 * stopped after `idleMs` without work. Its WebAssembly heap (~0.5 GB, never shrinking while
 * it lives) is then another process's memory: the server's stays flat, and the worker's
 * whole resident size can be watched. A worker that crashes, overruns the time limit or the
 * memory limit is killed; the photo it held is tried once more on a new worker, then failed.
 */
export class FaceApiEngine implements FaceEngine {
  private worker: ChildProcess | undefined;
  private ready: Promise<void> | undefined;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private idleTimer: NodeJS.Timeout | undefined;
  private readonly idleMs: number;
  private readonly photoTimeoutMs: number;
  private readonly loadTimeoutMs: number;
  private readonly maxHeapMb: number;
  private readonly maxRssBytes: number;
  private memoryWatch: NodeJS.Timeout | undefined;
  /** How long the last model load took, for the benchmark and the logs. */
  lastLoadMs: number | undefined;

  constructor(private readonly options: FaceApiEngineOptions = {}) {
    this.idleMs = options.idleMs ?? 60_000;
    this.photoTimeoutMs = options.photoTimeoutMs ?? 30_000;
    this.loadTimeoutMs = options.loadTimeoutMs ?? 60_000;
    this.maxHeapMb = options.maxHeapMb ?? 256;
    this.maxRssBytes = (options.maxRssMb ?? 1024) * 2 ** 20;
  }

  /** Whether a worker (and so the model's memory) is alive now. */
  get running(): boolean {
    return this.worker !== undefined;
  }

  /** The worker's process id while it runs (tests read its niceness and see a restart). */
  get pid(): number | undefined {
    return this.worker?.pid;
  }

  async detect(image: Buffer | RgbImage): Promise<DetectedFace[]> {
    // The model loads while the photo is decoded (in the image worker), not after.
    this.startModel();
    const rgb = Buffer.isBuffer(image) ? await prepareImage(image, this.options.maxPixels ? { maxPixels: this.options.maxPixels } : {}) : image;
    return new Promise<DetectedFace[]>((resolve, reject) => {
      const pending: Pending = { request: { id: this.nextId++, image: rgb }, resolve, reject, retried: false };
      this.pending.set(pending.request.id, pending);
      this.send(pending);
    });
  }

  /** Starts the model's worker and an image worker for the decoding, unless they run. */
  warmUp(): void {
    this.startModel();
    startImageWorker();
  }

  async close(): Promise<void> {
    clearTimeout(this.idleTimer);
    for (const pending of this.pending.values()) this.settle(pending, new FaceEngineUnavailable('The face engine was closed.'));
    await this.stopWorker();
  }

  /** The worker runs (or loads); with no photo to answer it is stopped when idle. */
  private startModel(): void {
    this.startWorker();
    if (this.pending.size === 0) this.stopWhenIdle();
  }

  private send(pending: Pending): void {
    clearTimeout(this.idleTimer);
    const worker = this.startWorker();
    this.ready!.then(
      () => {
        if (this.worker !== worker || !this.pending.has(pending.request.id)) return;
        pending.timer = setTimeout(() => this.crashed(worker, new Error(`a photo took longer than ${this.photoTimeoutMs} ms`)), this.photoTimeoutMs);
        worker.send(pending.request);
      },
      () => {}, // the worker's exit handler retries or fails the pending photos
    );
  }

  private startWorker(): ChildProcess {
    if (this.worker) return this.worker;
    const worker = fork(WORKER_FILE, [], {
      // The source file under tsx (tests, `npm run dev`), the compiled one in dist/.
      execArgv: [...(WORKER_FILE.endsWith('.ts') ? ['--import', 'tsx'] : []), `--max-old-space-size=${this.maxHeapMb}`],
      serialization: 'advanced',
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    // The model keeps a core busy ~0.4 s a photo. Niced like the media tools it takes the CPU
    // that uploads and requests leave (niceness 5 still slowed uploads to 0.78–0.87×, 10 to
    // 0.88–0.96×: bench/pipeline.ts part 4); on an idle server /who is not slowed.
    lowerPriority(worker.pid);
    this.worker = worker;
    this.ready = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('the face model did not load in time')), this.loadTimeoutMs);
      worker.once('message', (message: ReadyMessage) => {
        clearTimeout(timer);
        this.lastLoadMs = message.loadMs;
        this.options.log?.info({ loadMs: message.loadMs }, 'face model loaded');
        worker.on('message', (response: DetectResponse) => this.answered(response));
        resolve();
      });
      worker.once('exit', () => reject(new Error('the face worker stopped while loading')));
    });
    this.ready.catch((error: Error) => this.crashed(worker, error));
    worker.on('error', (error) => this.crashed(worker, error));
    worker.on('exit', (code, signal) => this.crashed(worker, new Error(`the face worker exited (${signal ?? code})`)));
    clearInterval(this.memoryWatch);
    this.memoryWatch = setInterval(() => {
      if (residentBytes(worker.pid) > this.maxRssBytes) this.crashed(worker, new Error(`the face worker used over ${this.maxRssBytes / 2 ** 20} MiB of memory`));
    }, MEMORY_CHECK_MS).unref();
    return worker;
  }

  private answered(response: DetectResponse): void {
    const pending = this.pending.get(response.id);
    if (!pending) return;
    if ('error' in response) this.settle(pending, new FaceEngineUnavailable(`The face model failed on this photo: ${response.error}`));
    else this.settle(pending, undefined, response.faces.map((face) => ({ ...face, descriptor: Float32Array.from(face.descriptor) })));
  }

  private settle(pending: Pending, error: Error | undefined, faces: DetectedFace[] = []): void {
    clearTimeout(pending.timer);
    this.pending.delete(pending.request.id);
    if (error) pending.reject(error);
    else pending.resolve(faces);
    if (this.pending.size === 0 && this.worker) this.stopWhenIdle();
  }

  private stopWhenIdle(): void {
    clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => void this.stopWorker(), this.idleMs);
    this.idleTimer.unref();
  }

  /** The worker is gone or hung: stop it, retry each photo it held once on a fresh one. */
  private crashed(worker: ChildProcess, error: Error): void {
    if (this.worker !== worker) return;
    this.forget();
    worker.kill('SIGKILL');
    if (this.pending.size > 0) this.options.log?.warn({ err: error }, 'face worker stopped; retrying its photos once');
    for (const pending of [...this.pending.values()]) {
      clearTimeout(pending.timer);
      if (pending.retried) {
        this.settle(pending, new FaceEngineUnavailable(`The face engine failed twice on this photo (${error.message}).`));
      } else {
        pending.retried = true;
        this.send(pending);
      }
    }
  }

  private async stopWorker(): Promise<void> {
    const worker = this.worker;
    if (!worker) return;
    this.forget();
    const exited = new Promise((resolve) => worker.once('exit', resolve));
    worker.kill('SIGKILL');
    await exited;
  }

  private forget(): void {
    clearInterval(this.memoryWatch);
    this.worker = undefined;
    this.ready = undefined;
  }
}

/** How often the worker's resident size is read. */
const MEMORY_CHECK_MS = 100;

/** The compiled worker next to this file, or its TypeScript source under tsx. */
const WORKER_FILE = path.join(path.dirname(fileURLToPath(import.meta.url)), `face-api.worker${path.extname(fileURLToPath(import.meta.url))}`);
