import { createRequire } from 'node:module';
import path from 'node:path';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { installFusedSsd, type FusedTf, type SsdNet, type Tensor } from '../../src/adapters/faces/fused-ssd.js';
import { GROUP_PHOTOS } from '../helpers/faces.js';

// face-api itself, in this thread: its own forward pass is the reference for the fused one.
const require = createRequire(import.meta.url);
interface Detection {
  score: number;
  box: { x: number; y: number; width: number; height: number };
}
interface FaceApi {
  tf: FusedTf & {
    setBackend(name: string): Promise<boolean>;
    ready(): Promise<void>;
    tensor3d(data: Uint8Array, shape: [number, number, number], dtype: 'int32'): Tensor;
  };
  nets: { ssdMobilenetv1: SsdNet & { loadFromDisk(dir: string): Promise<void>; locateFaces(input: Tensor, options: object): Promise<Detection[]> } };
}

describe('SSD MobileNet v1 with fused convolutions', () => {
  let faceapi: FaceApi;
  let net: FaceApi['nets']['ssdMobilenetv1'];
  let stock: SsdNet['forwardInput'];
  let fused: SsdNet['forwardInput'];
  const photos: Tensor[] = [];

  beforeAll(async () => {
    const wasm = require('@tensorflow/tfjs-backend-wasm') as { setWasmPaths(prefix: string): void };
    wasm.setWasmPaths(path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm')) + path.sep);
    faceapi = require('@vladmandic/face-api/dist/face-api.node-wasm.js') as FaceApi;
    await faceapi.tf.setBackend('wasm');
    await faceapi.tf.ready();
    net = faceapi.nets.ssdMobilenetv1;
    await net.loadFromDisk(path.join(path.dirname(require.resolve('@vladmandic/face-api/package.json')), 'model'));
    stock = net.forwardInput;
    installFusedSsd(faceapi.tf, net);
    fused = net.forwardInput;
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

  it('really replaces the forward pass: face-api\'s own ops (batch norm, clip) are not run', async () => {
    const tf = faceapi.tf as unknown as { profile(fn: () => Promise<unknown>): Promise<{ kernelNames: string[] }> };
    const ran = async (forward: SsdNet['forwardInput']) => (await tf.profile(() => detect(forward, photos[0]!))).kernelNames;
    expect(await ran(stock)).toEqual(expect.arrayContaining(['FusedBatchNorm', 'ClipByValue']));
    const kernels = await ran(fused);
    expect(kernels).not.toContain('FusedBatchNorm');
    expect(kernels).not.toContain('ClipByValue');
    expect(kernels).toEqual(expect.arrayContaining(['FusedConv2D', 'FusedDepthwiseConv2D']));
  });
});
