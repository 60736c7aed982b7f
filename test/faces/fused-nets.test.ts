import { createRequire } from 'node:module';
import path from 'node:path';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { installFusedRecognition, type RecognitionNet, type RecognitionTf } from '../../src/adapters/faces/fused-recognition.js';
import { installFusedSsd, type SsdNet, type Tensor } from '../../src/adapters/faces/fused-ssd.js';
import { GROUP_PHOTOS } from '../helpers/faces.js';

// face-api itself, in this thread: its own forward pass is the reference for the fused one.
const require = createRequire(import.meta.url);
interface Detection {
  score: number;
  box: { x: number; y: number; width: number; height: number };
}
interface Loadable {
  loadFromDisk(dir: string): Promise<void>;
}
interface FaceApi {
  tf: RecognitionTf & {
    setBackend(name: string): Promise<boolean>;
    ready(): Promise<void>;
    tensor3d(data: Uint8Array, shape: [number, number, number], dtype: 'int32'): Tensor;
    profile(fn: () => Promise<unknown>): Promise<{ kernelNames: string[]; kernels: { name: string }[] }>;
  };
  nets: {
    ssdMobilenetv1: SsdNet & Loadable & { locateFaces(input: Tensor, options: object): Promise<Detection[]> };
    faceRecognitionNet: RecognitionNet & Loadable & { computeFaceDescriptor(input: Tensor): Promise<Float32Array> };
  };
  extractFaceTensors(input: Tensor, detections: Detection[]): Promise<Tensor[]>;
}

describe('face-api\'s networks with fused convolutions', () => {
  let faceapi: FaceApi;
  let net: FaceApi['nets']['ssdMobilenetv1'];
  let recognition: FaceApi['nets']['faceRecognitionNet'];
  let stock: SsdNet['forwardInput'];
  let fused: SsdNet['forwardInput'];
  let stockRecognition: RecognitionNet['forwardInput'];
  let fusedRecognition: RecognitionNet['forwardInput'];
  const photos: Tensor[] = [];

  beforeAll(async () => {
    const wasm = require('@tensorflow/tfjs-backend-wasm') as { setWasmPaths(prefix: string): void };
    wasm.setWasmPaths(path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm')) + path.sep);
    faceapi = require('@vladmandic/face-api/dist/face-api.node-wasm.js') as FaceApi;
    await faceapi.tf.setBackend('wasm');
    await faceapi.tf.ready();
    const models = path.join(path.dirname(require.resolve('@vladmandic/face-api/package.json')), 'model');
    ({ ssdMobilenetv1: net, faceRecognitionNet: recognition } = faceapi.nets);
    await net.loadFromDisk(models);
    await recognition.loadFromDisk(models);
    stock = net.forwardInput;
    installFusedSsd(faceapi.tf, net);
    fused = net.forwardInput;
    stockRecognition = recognition.forwardInput;
    installFusedRecognition(faceapi.tf, recognition);
    fusedRecognition = recognition.forwardInput;
    for (const photo of GROUP_PHOTOS) {
      const { data, info } = await sharp(photo.bytes()).resize(1024, 1024, { fit: 'inside' }).raw().toBuffer({ resolveWithObject: true });
      photos.push(faceapi.tf.tensor3d(new Uint8Array(data), [info.height, info.width, 3], 'int32'));
    }
  }, 120_000);

  async function detect(forward: SsdNet['forwardInput'], photo: Tensor): Promise<Detection[]> {
    net.forwardInput = forward;
    try {
      return await net.locateFaces(photo, { minConfidence: 0.3, maxResults: 100 });
    } finally {
      net.forwardInput = fused;
    }
  }

  it('finds the same faces as face-api, with the same boxes and scores to rounding', async () => {
    for (const [index, photo] of photos.entries()) {
      const expected = await detect(stock, photo);
      const actual = await detect(fused, photo);
      expect(actual.length, GROUP_PHOTOS[index]!.name).toBe(expected.length);
      expect(actual.length).toBeGreaterThanOrEqual(GROUP_PHOTOS[index]!.people);
      actual.forEach((face, i) => {
        const reference = expected[i]!;
        expect(Math.abs(face.score - reference.score)).toBeLessThan(1e-4);
        for (const key of ['x', 'y', 'width', 'height'] as const) expect(Math.abs(face.box[key] - reference.box[key])).toBeLessThan(0.05);
      });
    }
  });

  it('really replaces the detector\'s forward pass: face-api\'s own ops (batch norm, clip) are not run', async () => {
    const ran = async (forward: SsdNet['forwardInput']) => (await faceapi.tf.profile(() => detect(forward, photos[0]!))).kernelNames;
    expect(await ran(stock)).toEqual(expect.arrayContaining(['FusedBatchNorm', 'ClipByValue']));
    const kernels = await ran(fused);
    expect(kernels).not.toContain('FusedBatchNorm');
    expect(kernels).not.toContain('ClipByValue');
    expect(kernels).toEqual(expect.arrayContaining(['FusedConv2D', 'FusedDepthwiseConv2D']));
  });

  async function describeFace(forward: RecognitionNet['forwardInput'], face: Tensor): Promise<Float32Array> {
    recognition.forwardInput = forward;
    try {
      return await recognition.computeFaceDescriptor(face);
    } finally {
      recognition.forwardInput = fusedRecognition;
    }
  }

  it('describes every face of the group photos as face-api does, to rounding, with fused convolutions only', async () => {
    let faces = 0;
    for (const photo of photos) {
      for (const face of await faceapi.extractFaceTensors(photo, await detect(fused, photo))) {
        const expected = await describeFace(stockRecognition, face);
        const actual = await describeFace(fusedRecognition, face);
        const distance = Math.hypot(...actual.map((value, i) => value - expected[i]!));
        expect(distance).toBeLessThan(1e-4); // the matching threshold is 0.40
        expect(Math.hypot(...actual)).toBeGreaterThan(0.1);
        face.dispose();
        faces++;
      }
    }
    expect(faces).toBeGreaterThanOrEqual(22);
    const face = (await faceapi.extractFaceTensors(photos[0]!, await detect(fused, photos[0]!)))[0]!;
    const ran = async (forward: RecognitionNet['forwardInput']) => (await faceapi.tf.profile(() => describeFace(forward, face))).kernels.map((kernel) => kernel.name);
    expect((await ran(stockRecognition)).filter((name) => name === 'Conv2D').length).toBeGreaterThan(20);
    const kernels = await ran(fusedRecognition);
    expect(kernels).not.toContain('Conv2D');
    expect(kernels.filter((name) => name === 'FusedConv2D')).toHaveLength(29);
  });
});
