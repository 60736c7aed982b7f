import { createRequire } from 'node:module';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { copySlice, installWasmSlice, type TfKernels } from '../../src/adapters/faces/wasm-slice.js';

// The real tfjs (the package face-api runs on): its CPU backend's slice is the reference.
const require = createRequire(import.meta.url);
interface Tensor {
  shape: number[];
  dataSync(): ArrayLike<number>;
  dispose(): void;
}
type DType = 'float32' | 'int32' | 'bool';
interface Tf extends TfKernels {
  setBackend(name: string): Promise<boolean>;
  ready(): Promise<void>;
  tensor(values: ArrayLike<number>, shape: number[], dtype: DType): Tensor;
  slice(x: Tensor, begin: number | number[], size?: number | number[]): Tensor;
  backend(): { wasm: { HEAPU8: Uint8Array } };
}
const tf = require('@tensorflow/tfjs') as Tf;
const wasm = require('@tensorflow/tfjs-backend-wasm') as { setWasmPaths(prefix: string): void };

/** A small seeded generator: the same cases every run. */
function random(seed: number): (n: number) => number {
  let state = seed;
  return (n) => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return Math.floor((state / 2147483648) * n);
  };
}

interface Case {
  shape: number[];
  begin: number[];
  size: number[];
  dtype: DType;
}

function cases(): Case[] {
  const pick = random(12);
  const dtypes: DType[] = ['float32', 'int32', 'bool'];
  const list: Case[] = [];
  for (let i = 0; i < 400; i++) {
    const rank = 1 + (i % 6);
    const shape = Array.from({ length: rank }, () => 1 + pick(7));
    const begin = shape.map((s) => pick(s));
    // To the end (-1), nothing, the rest of the dimension, or part of it.
    const size = shape.map((s, d) => [-1, 0, s - begin[d]!, s - begin[d]!][pick(8)] ?? 1 + pick(s - begin[d]!));
    // Now and then whole trailing dimensions (their runs merge into one copy).
    if (pick(3) === 0) for (let d = pick(rank); d < rank; d++) [begin[d], size[d]] = [0, shape[d]!];
    list.push({ shape, begin, size, dtype: dtypes[i % 3]! });
  }
  // The shapes face-api slices: a photo's rows, SSD's box outputs, ResNet's activations.
  list.push({ shape: [1, 768, 1024, 3], begin: [0, 100, 200, 0], size: [1, 300, 250, 3], dtype: 'int32' });
  list.push({ shape: [1, 5118, 4], begin: [0, 0, 1], size: [1, -1, 2], dtype: 'float32' });
  list.push({ shape: [1, 150, 150, 32], begin: [0, 0, 0, 8], size: [1, 150, 150, 8], dtype: 'float32' });
  list.push({ shape: [2, 3, 4, 5, 6, 7], begin: [1, 0, 1, 2, 0, 3], size: [1, 3, 2, 2, 6, 4], dtype: 'float32' });
  return list;
}

function values(shape: number[], dtype: DType): number[] {
  const count = shape.reduce((a, b) => a * b, 1);
  const pick = random(count);
  return Array.from({ length: count }, (_, i) => (dtype === 'bool' ? pick(2) : dtype === 'int32' ? i - 1000 : i * 0.37 - pick(1000) / 7));
}

async function sliced(backend: string, { shape, begin, size, dtype }: Case, data: number[]): Promise<{ shape: number[]; values: number[] }> {
  await tf.setBackend(backend);
  const x = tf.tensor(data, shape, dtype);
  const y = tf.slice(x, begin, size);
  const result = { shape: y.shape, values: Array.from(y.dataSync()) };
  x.dispose();
  y.dispose();
  return result;
}

describe('Slice kernel for the wasm backend', () => {
  beforeAll(async () => {
    wasm.setWasmPaths(path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm')) + path.sep);
    await tf.setBackend('wasm');
    await tf.ready();
    installWasmSlice(tf);
  });

  it('replaces the backend’s own kernel (once, however often it is installed)', () => {
    installWasmSlice(tf);
    expect(tf.getKernel('Slice', 'wasm')?.kernelFunc.name).toBe('fastSlice');
  });

  it('gives exactly what tfjs’ CPU slice gives, on every rank, dtype, begin and size', async () => {
    for (const testCase of cases()) {
      const data = values(testCase.shape, testCase.dtype);
      const expected = await sliced('cpu', testCase, data);
      const actual = await sliced('wasm', testCase, data);
      expect(actual, JSON.stringify(testCase)).toEqual(expected);
    }
  });

  it('reads the input after allocating the output, when that grows the WebAssembly memory', async () => {
    await tf.setBackend('wasm');
    const heap = tf.backend().wasm.HEAPU8.buffer;
    // An input half the heap's size, and a slice of almost all of it: the heap must grow.
    const rows = Math.ceil(heap.byteLength / 2 / 4 / 1000);
    const testCase: Case = { shape: [rows, 1000], begin: [1, 0], size: [rows - 1, 1000], dtype: 'float32' };
    const data = Array.from({ length: rows * 1000 }, (_, i) => i);
    const actual = await sliced('wasm', testCase, data);
    expect(tf.backend().wasm.HEAPU8.buffer).not.toBe(heap);
    expect(actual.values).toEqual(data.slice(1000));
  });
});

describe('copySlice', () => {
  /** The obvious element-by-element copy. */
  function reference(input: number[], shape: number[], begin: number[], size: number[]): number[] {
    const out: number[] = [];
    const walk = (d: number, offset: number) => {
      if (d === shape.length) return void out.push(input[offset]!);
      const stride = shape.slice(d + 1).reduce((a, b) => a * b, 1);
      for (let i = begin[d]!; i < begin[d]! + size[d]!; i++) walk(d + 1, offset + i * stride);
    };
    walk(0, 0);
    return out;
  }

  it('copies the box row by row, merging whole trailing dimensions, for ranks 0 to 6', () => {
    const pick = random(7);
    for (let i = 0; i < 500; i++) {
      const rank = i % 7;
      const shape = Array.from({ length: rank }, () => 1 + pick(6));
      const begin = shape.map((s) => pick(s));
      const size = shape.map((s, d) => (pick(3) === 0 ? s - begin[d]! : pick(s - begin[d]! + 1)));
      if (pick(3) === 0) shape.forEach((s, d) => d >= rank / 2 && ((begin[d] = 0), (size[d] = s)));
      const input = Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, k) => k + 1);
      const out = new Float32Array(size.reduce((a, b) => a * b, 1));
      copySlice(input, shape, begin, size, out);
      expect(Array.from(out), JSON.stringify({ shape, begin, size })).toEqual(reference(Array.from(input), shape, begin, size));
    }
  });
});
