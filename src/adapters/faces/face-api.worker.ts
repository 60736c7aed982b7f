/**
 * The worker thread that holds the face model (face-api on TensorFlow.js' WebAssembly
 * backend). It answers one photo at a time; the parent stops it when idle, which is the only
 * way to give back the WebAssembly heap (it grows to ~0.5 GB and never shrinks).
 */
import { parentPort } from 'node:worker_threads';
import { lowerThreadPriority } from '../media/background-priority.js';
import { loadFaceApi, type FaceApi, type FaceResult } from './face-api-model.js';
import type { DetectedFace, RgbImage } from './face-engine.js';
import type { Tensor } from './fused-ssd.js';

export interface DetectRequest {
  id: number;
  image: RgbImage;
}
export type DetectResponse = { id: number; faces: DetectedFace[] } | { id: number; error: string };
/** Sent once the model is loaded, with how long that took. */
export interface ReadyMessage {
  ready: true;
  loadMs: number;
  /** This thread's OS thread id (Linux), whose niceness was lowered; tests read it back. */
  tid?: number;
}

/** Detections below this confidence are dropped (SSD's own default is 0.5). */
const MIN_CONFIDENCE = 0.5;
const MAX_FACES = 100;
/** A tight crop (a face filling the frame) is found only with a margin around it. */
const CROP_PADDING = 0.5;
/**
 * The model keeps a core busy for about 0.4 s per photo. Niced like the media tools, it takes
 * the CPU that uploads and requests leave instead of slowing them (at 5 it still took enough
 * to bring uploads with faces found meanwhile to 0.78–0.87× of uploads alone, 0.88–0.96× at
 * 10: bench/pipeline.ts part 4), and shares a core evenly with a thumbnail backlog. On an idle
 * server /who is not slowed: niceness only decides who waits when the CPU is contended.
 */
const FACE_THREAD_NICENESS = 10;

async function run(faceapi: FaceApi, input: Tensor): Promise<FaceResult[]> {
  const options = new faceapi.SsdMobilenetv1Options({ minConfidence: MIN_CONFIDENCE, maxResults: MAX_FACES });
  return faceapi.detectAllFaces(input, options).withFaceLandmarks().withFaceDescriptors();
}

async function detect(faceapi: FaceApi, { data, width, height }: RgbImage): Promise<DetectedFace[]> {
  const image = faceapi.tf.tensor3d(data, [height, width, 3], 'int32');
  try {
    let results = await run(faceapi, image);
    let pad = 0;
    if (results.length === 0) {
      // Nothing found: maybe a close-up. Try again with a grey margin on every side.
      pad = Math.round(Math.max(width, height) * CROP_PADDING);
      const padded = faceapi.tf.pad(image, [[pad, pad], [pad, pad], [0, 0]], 128);
      try {
        results = await run(faceapi, padded);
      } finally {
        padded.dispose();
      }
    }
    return results.map((result) => toFace(result, pad, width, height));
  } finally {
    image.dispose();
  }
}

function toFace({ detection, landmarks, descriptor }: FaceResult, pad: number, width: number, height: number): DetectedFace {
  const fx = (x: number) => clamp((x - pad) / width);
  const fy = (y: number) => clamp((y - pad) / height);
  const { x, y, width: w, height: h } = detection.box;
  const left = fx(x);
  const top = fy(y);
  return {
    box: { x: left, y: top, width: fx(x + w) - left, height: fy(y + h) - top },
    score: detection.score,
    landmarks: landmarks.positions.map((p) => ({ x: fx(p.x), y: fy(p.y) })),
    descriptor,
  };
}

const clamp = (value: number) => Math.min(1, Math.max(0, value));

const port = parentPort;
if (!port) throw new Error('face-api.worker must run as a worker thread');
const tid = lowerThreadPriority(FACE_THREAD_NICENESS);
const started = performance.now();
const model = await loadFaceApi();
port.postMessage({ ready: true, loadMs: Math.round(performance.now() - started), ...(tid === undefined ? {} : { tid }) } satisfies ReadyMessage);
// One photo at a time: the model is not reentrant, and each call uses both cores anyway.
let queue = Promise.resolve();
port.on('message', (request: DetectRequest) => {
  queue = queue.then(async () => {
    try {
      const faces = await detect(model, request.image);
      port.postMessage({ id: request.id, faces } satisfies DetectResponse);
    } catch (error) {
      port.postMessage({ id: request.id, error: error instanceof Error ? error.message : String(error) } satisfies DetectResponse);
    }
  });
});
