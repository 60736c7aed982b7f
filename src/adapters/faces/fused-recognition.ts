/**
 * face-api's face descriptor network (a ResNet-34 made of 29 convolutions) with each layer's
 * bias, scale and ReLU folded into its convolution. face-api (1.7.15) follows every
 * convolution with three or four passes over the activations (add the bias, multiply by the
 * scale, add its offset, ReLU); a TensorFlow.js fused convolution does them as it writes each
 * output. The scale folds into the filter and the bias, once, at load:
 *   (conv(x, W) + b) · w + c = conv(x, W · w) + (b · w + c)      (per output channel)
 * Same network and weights: the descriptors agree with face-api's to rounding
 * (test/faces/fused-nets.test.ts).
 */
import type { Folded, FusedTf, NetInput, Tensor } from './fused-ssd.js';

interface ConvLayer {
  conv: { filters: Tensor; bias: Tensor };
  scale: { weights: Tensor; biases: Tensor };
}
interface Residual {
  conv1: ConvLayer;
  conv2: ConvLayer;
}
type Block = 'conv32_1' | 'conv32_2' | 'conv32_3' | 'conv64_down' | 'conv64_1' | 'conv64_2' | 'conv64_3' | 'conv128_down' | 'conv128_1' | 'conv128_2' | 'conv256_down' | 'conv256_1' | 'conv256_2' | 'conv256_down_out';
type RecognitionParams = { conv32_down: ConvLayer; fc: Tensor } & Record<Block, Residual>;
export interface RecognitionTf extends FusedTf {
  relu(x: Tensor): Tensor;
  maxPool(x: Tensor, size: number, stride: number, pad: 'valid'): Tensor;
  avgPool(x: Tensor, size: number, stride: number, pad: 'valid'): Tensor;
  zeros(shape: number[]): Tensor;
  mean(x: Tensor, axis: number[]): Tensor;
  matMul(a: Tensor, b: Tensor): Tensor;
  tensor1d(values: number[]): Tensor;
}
/** face-api's loaded `FaceRecognitionNet` (the parts replaced or read). */
export interface RecognitionNet {
  params: RecognitionParams | undefined;
  forwardInput(input: NetInput): Tensor;
}

const INPUT_SIZE = 150;
const MEAN_RGB = [122.782, 117.001, 104.298];
/** The residual blocks in order; the `_down` ones halve the feature map. */
const BLOCKS: Block[] = ['conv32_1', 'conv32_2', 'conv32_3', 'conv64_down', 'conv64_1', 'conv64_2', 'conv64_3', 'conv128_down', 'conv128_1', 'conv128_2', 'conv256_down', 'conv256_1', 'conv256_2', 'conv256_down_out'];

/** Replaces `net.forwardInput` with the fused one; the network must be loaded. */
export function installFusedRecognition(tf: RecognitionTf, net: RecognitionNet): void {
  const params = net.params;
  if (!params) throw new Error('installFusedRecognition: load the face recognition weights first');
  const fold = (layer: ConvLayer) => foldScale(tf, layer);
  const first = fold(params.conv32_down);
  const blocks = BLOCKS.map((name) => ({ down: name.includes('_down'), conv1: fold(params[name].conv1), conv2: fold(params[name].conv2) }));
  const mean = tf.keep(tf.tensor1d(MEAN_RGB));
  net.forwardInput = (input) =>
    tf.tidy(() => {
      const batch = tf.cast(input.toBatchTensor(INPUT_SIZE, true), 'float32');
      let out = tf.div(tf.sub(batch, mean), 255);
      out = conv(tf, out, first, 2, 'valid', 'relu');
      out = tf.maxPool(out, 3, 2, 'valid');
      for (const block of blocks) out = block.down ? residualDown(tf, out, block) : residual(tf, out, block);
      return tf.matMul(tf.mean(out, [1, 2]), params.fc);
    });
}

function foldScale(tf: RecognitionTf, { conv, scale }: ConvLayer): Folded {
  return tf.tidy(() => {
    const channels = conv.filters.shape[3]!; // [height, width, in, out]
    const filter = tf.mul(conv.filters, tf.reshape(scale.weights, [1, 1, 1, channels]));
    const bias = tf.add(tf.mul(conv.bias, scale.weights), scale.biases);
    return { filter: tf.keep(filter), bias: tf.keep(bias) };
  });
}

const conv = (tf: RecognitionTf, x: Tensor, layer: Folded, stride: 1 | 2, pad: 'same' | 'valid', activation: 'relu' | 'linear') =>
  tf.fused.conv2d({ x, filter: layer.filter, strides: [stride, stride], pad, bias: layer.bias, activation });

/** face-api's residual (residualLayer.ts). */
function residual(tf: RecognitionTf, x: Tensor, block: { conv1: Folded; conv2: Folded }): Tensor {
  const out = conv(tf, conv(tf, x, block.conv1, 1, 'same', 'relu'), block.conv2, 1, 'same', 'linear');
  return tf.relu(tf.add(out, x));
}

/** face-api's residualDown: the shortcut is average-pooled and padded with zero channels (and a row and column when the shapes differ). */
function residualDown(tf: RecognitionTf, x: Tensor, block: { conv1: Folded; conv2: Folded }): Tensor {
  let out = conv(tf, conv(tf, x, block.conv1, 2, 'valid', 'relu'), block.conv2, 1, 'same', 'linear');
  let pooled = tf.avgPool(x, 2, 2, 'valid');
  if (pooled.shape[1] !== out.shape[1] || pooled.shape[2] !== out.shape[2]) {
    out = tf.concat([out, tf.zeros([out.shape[0]!, 1, out.shape[2]!, out.shape[3]!])], 1);
    out = tf.concat([out, tf.zeros([out.shape[0]!, out.shape[1]!, 1, out.shape[3]!])], 2);
  }
  if (pooled.shape[3] !== out.shape[3]) pooled = tf.concat([pooled, tf.zeros(pooled.shape)], 3);
  return tf.relu(tf.add(pooled, out));
}
