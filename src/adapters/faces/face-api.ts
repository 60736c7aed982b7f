import { Worker } from 'node:worker_threads';
import type { FastifyBaseLogger } from 'fastify';
import { startImageWorker } from '../media/images.js';
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
 * face-api in a worker thread, started at the first photo, reused while photos come, and
 * stopped after `idleMs` without work. A worker that crashes or overruns the time limit is
 * stopped; the photo it held is tried once more on a new worker, then failed.
 */
export class FaceApiEngine implements FaceEngine {
  private worker: Worker | undefined;
  private ready: Promise<void> | undefined;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private idleTimer: NodeJS.Timeout | undefined;
  private readonly idleMs: number;
  private readonly photoTimeoutMs: number;
  private readonly loadTimeoutMs: number;
  private readonly maxHeapMb: number;
  /** How long the last model load took, for the benchmark and the logs. */
  lastLoadMs: number | undefined;
  /** The worker's OS thread id (Linux) once its model is loaded; tests read its niceness. */
  workerTid: number | undefined;

  constructor(private readonly options: FaceApiEngineOptions = {}) {
    this.idleMs = options.idleMs ?? 60_000;
    this.photoTimeoutMs = options.photoTimeoutMs ?? 30_000;
    this.loadTimeoutMs = options.loadTimeoutMs ?? 60_000;
    this.maxHeapMb = options.maxHeapMb ?? 256;
  }

  /** Whether a worker (and so the model's memory) is alive now. */
  get running(): boolean {
    return this.worker !== undefined;
  }

  /** The worker's thread id while it runs (tests use it to see a restart). */
  get threadId(): number | undefined {
    return this.worker?.threadId;
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
        worker.postMessage(pending.request);
      },
      () => {}, // the worker's exit handler retries or fails the pending photos
    );
  }

  private startWorker(): Worker {
    if (this.worker) return this.worker;
    const [script, { eval: isEval }] = workerScript();
    const worker = new Worker(script, {
      eval: isEval,
      resourceLimits: { maxOldGenerationSizeMb: this.maxHeapMb },
      stdout: false,
    });
    this.worker = worker;
    this.ready = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('the face model did not load in time')), this.loadTimeoutMs);
      worker.once('message', (message: ReadyMessage) => {
        clearTimeout(timer);
        this.lastLoadMs = message.loadMs;
        this.workerTid = message.tid;
        this.options.log?.info({ loadMs: message.loadMs }, 'face model loaded');
        worker.on('message', (response: DetectResponse) => this.answered(response));
        resolve();
      });
      worker.once('error', reject);
      worker.once('exit', () => reject(new Error('the face worker stopped while loading')));
    });
    this.ready.catch((error: Error) => this.crashed(worker, error));
    worker.on('error', (error) => this.crashed(worker, error));
    worker.on('exit', (code) => this.crashed(worker, new Error(`the face worker exited with code ${code}`)));
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
  private crashed(worker: Worker, error: Error): void {
    if (this.worker !== worker) return;
    this.worker = undefined;
    this.ready = undefined;
    void worker.terminate();
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
    this.worker = undefined;
    this.ready = undefined;
    await worker.terminate();
  }
}

/**
 * The compiled worker next to this file; under tsx or vitest (running the TypeScript source)
 * a two-line bootstrap that registers tsx in the worker first, as `--import tsx` does not
 * reach worker threads on Node 20.
 */
function workerScript(): [URL | string, { eval?: boolean }] {
  if (!import.meta.url.endsWith('.ts')) return [new URL('./face-api.worker.js', import.meta.url), {}];
  const source = new URL('./face-api.worker.ts', import.meta.url).href;
  return [`import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(source)}); });`, { eval: true }];
}
