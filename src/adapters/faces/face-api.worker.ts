/**
 * The child process that holds the face model (face-api on TensorFlow.js' WebAssembly
 * backend), niced by its parent like the media tools. It answers one photo at a time; the
 * parent stops it when idle, which is the only way to give back the WebAssembly heap (it
 * grows to ~0.5 GB and never shrinks).
 */
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
}

/** Detections below this confidence are dropped (SSD's own default is 0.5). */
const MIN_CONFIDENCE = 0.5;
const MAX_FACES = 100;
/** A tight crop (a face filling the frame) is found only with a margin around it. */
const CROP_PADDING = 0.5;
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

const send = (message: ReadyMessage | DetectResponse) => process.send?.(message);
process.on('disconnect', () => process.exit(0));
const started = performance.now();
const model = await loadFaceApi();
send({ ready: true, loadMs: Math.round(performance.now() - started) });
// One photo at a time: the model is not reentrant, and each call uses both cores anyway.
let queue = Promise.resolve();
process.on('message', (request: DetectRequest) => {
  queue = queue.then(async () => {
    try {
      send({ id: request.id, faces: await detect(model, request.image) });
    } catch (error) {
      send({ id: request.id, error: error instanceof Error ? error.message : String(error) });
    }
  });
});
