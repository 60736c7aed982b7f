import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadFaceApi, type FaceApi as LoadedFaceApi } from '../../src/adapters/faces/face-api-model.js';
import type { RecognitionNet } from '../../src/adapters/faces/fused-recognition.js';
import type { SsdNet, Tensor } from '../../src/adapters/faces/fused-ssd.js';
import { GROUP_PHOTOS } from '../helpers/faces.js';

// face-api loaded as the face worker loads it, in this thread. The fused passes replace each
// network's own `forwardInput`, which stays on its class: that one is the reference.
interface Detection {
  score: number;
  box: { x: number; y: number; width: number; height: number };
}
type FaceApi = LoadedFaceApi & {
  tf: { profile(fn: () => Promise<unknown>): Promise<{ kernelNames: string[]; kernels: { name: string }[] }> };
  nets: {
    ssdMobilenetv1: { locateFaces(input: Tensor, options: object): Promise<Detection[]> };
    faceRecognitionNet: { computeFaceDescriptor(input: Tensor): Promise<Float32Array> };
  };
  extractFaceTensors(input: Tensor, detections: Detection[]): Promise<Tensor[]>;
};
const ownPass = <T extends object, K extends keyof T & string>(net: T, name: K) => (Object.getPrototypeOf(net) as Record<string, unknown>)[name] as T[K];

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
    faceapi = (await loadFaceApi()) as FaceApi;
    ({ ssdMobilenetv1: net, faceRecognitionNet: recognition } = faceapi.nets);
    [stock, fused] = [ownPass(net, 'forwardInput'), net.forwardInput];
    [stockRecognition, fusedRecognition] = [ownPass(recognition, 'forwardInput'), recognition.forwardInput];
    expect(stock).not.toBe(fused);
    expect(stockRecognition).not.toBe(fusedRecognition);
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
