/**
 * A faster Slice kernel for TensorFlow.js' WebAssembly backend. The backend's own (4.22.0)
 * starts with `backend.readSync(x)`, which copies the *whole* input out of the WebAssembly
 * heap into a fresh JavaScript array for every slice, however small: face-api slices its big
 * activations and the photo itself many times per photo, and the copies and their garbage were
 * about a fifth of the worker's time. This one copies only the slice, row by row, heap to heap.
 * Same values, bit for bit (a copy, no arithmetic); test/unit/wasm-slice.test.ts checks it
 * against tfjs' reference slice.
 */

// Minimal types for the parts of tfjs used (its own typings drag in DOM types).
type DataType = 'float32' | 'int32' | 'bool' | 'complex64' | 'string';
type HeapArray = Float32Array | Int32Array | Uint8Array;
export interface TensorInfo {
  dataId: object;
  shape: number[];
  dtype: DataType;
}
interface WasmBackend {
  makeOutput(shape: number[], dtype: DataType): TensorInfo;
  typedArrayFromHeap(tensor: TensorInfo): HeapArray;
}
interface SliceArgs {
  inputs: { x: TensorInfo };
  attrs: { begin: number | number[]; size?: number | number[] };
  backend: WasmBackend;
}
type KernelFunc = (args: SliceArgs) => TensorInfo;
interface KernelConfig {
  kernelName: string;
  backendName: string;
  kernelFunc: KernelFunc;
}
/** The tfjs namespace (`@tensorflow/tfjs`, or face-api's `tf`): the one whose registry the model uses. */
export interface TfKernels {
  getKernel(kernelName: string, backendName: string): KernelConfig | undefined;
  unregisterKernel(kernelName: string, backendName: string): void;
  registerKernel(config: KernelConfig): void;
  slice_util: { parseSliceParams(x: TensorInfo, begin: number | number[], size?: number | number[]): [number[], number[]] };
}

/** Replaces the wasm backend's Slice kernel with `fastSlice` (once; strings still go to the original). */
export function installWasmSlice(tf: TfKernels): void {
  const original = tf.getKernel('Slice', 'wasm');
  if (!original) throw new Error('tfjs-backend-wasm has no Slice kernel to replace');
  if (original.kernelFunc.name === 'fastSlice') return;
  const parse = tf.slice_util.parseSliceParams.bind(tf.slice_util);
  const fastSlice: KernelFunc = function fastSlice(args) {
    const { x } = args.inputs;
    if (x.dtype === 'string' || x.dtype === 'complex64') return original.kernelFunc(args);
    const [begin, size] = parse(x, args.attrs.begin, args.attrs.size);
    const out = args.backend.makeOutput(size, x.dtype);
    // Views taken after makeOutput: allocating may grow (and so replace) the heap's buffer.
    copySlice(args.backend.typedArrayFromHeap(x), x.shape, begin, size, args.backend.typedArrayFromHeap(out));
    return out;
  };
  tf.unregisterKernel('Slice', 'wasm');
  tf.registerKernel({ ...original, kernelFunc: fastSlice });
}

/**
 * Copies the box `begin`…`begin + size` of a row-major `shape` array into `out`. The trailing
 * dimensions the box covers whole merge into one run, so each copy is as long as it can be.
 */
export function copySlice(input: HeapArray, shape: number[], begin: number[], size: number[], out: HeapArray): void {
  if (size.some((n) => n === 0)) return;
  const rank = shape.length;
  const strides = new Array<number>(rank);
  let stride = 1;
  for (let d = rank - 1; d >= 0; d--) {
    strides[d] = stride;
    stride *= shape[d]!;
  }
  // The outermost dimension `k` the box does not cover whole; inside it one run is contiguous.
  let k = rank - 1;
  while (k > 0 && begin[k] === 0 && size[k] === shape[k]) k--;
  const run = rank === 0 ? 1 : size[k]! * strides[k]!;
  const index = begin.slice(0, k);
  let from = 0;
  for (let d = 0; d <= k && d < rank; d++) from += begin[d]! * strides[d]!;
  const rows = size.slice(0, k).reduce((a, b) => a * b, 1);
  for (let row = 0, to = 0; row < rows; row++, to += run) {
    out.set(input.subarray(from, from + run), to);
    // The next row: an odometer over dimensions 0…k−1.
    for (let d = k - 1; d >= 0; d--) {
      index[d]!++;
      from += strides[d]!;
      if (index[d]! < begin[d]! + size[d]!) break;
      index[d] = begin[d]!;
      from -= size[d]! * strides[d]!;
    }
  }
}
