/**
 * Loads face-api and its three networks on TensorFlow.js' WebAssembly backend, from the npm
 * packages on disk, with this project's faster kernels and fused networks installed. Used by
 * the face worker thread (and by the test that compares the fused networks with face-api's own).
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import { installFusedRecognition, type RecognitionNet, type RecognitionTf } from './fused-recognition.js';
import { installFusedSsd, type SsdNet, type Tensor } from './fused-ssd.js';
import { installWasmSlice, type TfKernels } from './wasm-slice.js';

// Minimal types for the parts of face-api and tfjs used (their own typings drag in DOM types).
interface Point {
  x: number;
  y: number;
}
export interface FaceResult {
  detection: { score: number; box: { x: number; y: number; width: number; height: number } };
  landmarks: { positions: Point[] };
  descriptor: Float32Array;
}
interface Loadable {
  loadFromDisk(dir: string): Promise<void>;
}
export interface FaceApi {
  nets: { ssdMobilenetv1: Loadable & SsdNet; faceLandmark68Net: Loadable; faceRecognitionNet: Loadable & RecognitionNet };
  SsdMobilenetv1Options: new (options: { minConfidence: number; maxResults: number }) => unknown;
  detectAllFaces(input: Tensor, options: unknown): { withFaceLandmarks(): { withFaceDescriptors(): Promise<FaceResult[]> } };
  tf: TfKernels &
    RecognitionTf & {
      setBackend(name: string): Promise<boolean>;
      ready(): Promise<void>;
      tensor3d(data: Uint8Array, shape: [number, number, number], dtype: 'int32'): Tensor;
      pad(t: Tensor, paddings: [number, number][], value: number): Tensor;
    };
}

const require = createRequire(import.meta.url);

export async function loadFaceApi(): Promise<FaceApi> {
  const wasm = require('@tensorflow/tfjs-backend-wasm') as { setWasmPaths(prefix: string): void };
  // The .wasm files ship in the package; without the platform-fetch flag they are read from
  // disk (Node's fetch cannot read file: URLs, and the demos' CDN is never contacted).
  wasm.setWasmPaths(path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm')) + path.sep);
  const faceapi = require('@vladmandic/face-api/dist/face-api.node-wasm.js') as FaceApi;
  await faceapi.tf.setBackend('wasm');
  await faceapi.tf.ready();
  installWasmSlice(faceapi.tf);
  const models = path.join(path.dirname(require.resolve('@vladmandic/face-api/package.json')), 'model');
  await faceapi.nets.ssdMobilenetv1.loadFromDisk(models);
  await faceapi.nets.faceLandmark68Net.loadFromDisk(models);
  await faceapi.nets.faceRecognitionNet.loadFromDisk(models);
  // The detector and the descriptor network fused: a sixth less time per photo, same faces.
  // Each replaces its network's own `forwardInput`, which stays on the class's prototype.
  installFusedSsd(faceapi.tf, faceapi.nets.ssdMobilenetv1);
  installFusedRecognition(faceapi.tf, faceapi.nets.faceRecognitionNet);
  return faceapi;
}
