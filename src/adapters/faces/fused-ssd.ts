/**
 * face-api's SSD MobileNet v1 detector with each layer's bias, batch norm and ReLU6 folded into
 * its convolution. face-api (1.7.15) runs every layer as three passes over the activations:
 * the convolution, then a batch norm (depthwise layers) or a bias add (pointwise layers), then
 * a clip to [0, 6]. A TensorFlow.js fused convolution does all three in the one pass, which
 * XNNPACK applies as it writes each output: about a fifth of the detector's time was in those
 * extra passes. The batch norm folds into the depthwise filter and a bias, once, at load:
 *   y = (conv(x, W) − mean) · s + offset = conv(x, W · s) + (offset − mean · s),
 *   s = scale / √(variance + ε).
 * Same network and weights, so the same faces; the folded arithmetic rounds differently in the
 * last bits (test/faces/fused-nets.test.ts compares it with face-api's own forward pass).
 * Only `forwardInput` of the loaded network is replaced: the input's resize and padding and
 * the non-maximum suppression stay face-api's; its box decoding is copied below (face-api does
 * not export it).
 */

// Minimal types for the parts of tfjs and face-api used here (their own typings drag in DOM types).
export interface Tensor {
  shape: number[];
  dispose(): void;
}
type Activation = 'linear' | 'relu' | 'relu6';
interface FusedConvArgs {
  x: Tensor;
  filter: Tensor;
  strides: [number, number];
  pad: 'same' | 'valid';
  bias: Tensor;
  activation: Activation;
}
export interface FusedTf {
  tidy<T>(fn: () => T): T;
  keep<T extends Tensor>(tensor: T): T;
  cast(x: Tensor, dtype: 'float32'): Tensor;
  add(a: Tensor, b: Tensor | number): Tensor;
  sub(a: Tensor, b: Tensor | number): Tensor;
  mul(a: Tensor, b: Tensor | number): Tensor;
  div(a: Tensor, b: Tensor | number): Tensor;
  exp(x: Tensor): Tensor;
  sqrt(x: Tensor): Tensor;
  sigmoid(x: Tensor): Tensor;
  reshape(x: Tensor, shape: number[]): Tensor;
  tile(x: Tensor, reps: number[]): Tensor;
  transpose(x: Tensor, perm: number[]): Tensor;
  slice(x: Tensor, begin: number[], size: number[]): Tensor;
  concat(tensors: Tensor[], axis: number): Tensor;
  stack(tensors: Tensor[]): Tensor;
  unstack(x: Tensor): Tensor[];
  fused: { conv2d(args: FusedConvArgs): Tensor; depthwiseConv2d(args: FusedConvArgs): Tensor };
}

interface Pointwise {
  filters: Tensor;
  batch_norm_offset: Tensor;
}
interface Depthwise {
  filters: Tensor;
  batch_norm_scale: Tensor;
  batch_norm_offset: Tensor;
  batch_norm_mean: Tensor;
  batch_norm_variance: Tensor;
}
interface Conv {
  filters: Tensor;
  bias: Tensor;
}
interface BoxPredictor {
  box_encoding_predictor: Conv;
  class_predictor: Conv;
}
/** MobileNet's thirteen depthwise + pointwise pairs, after its first convolution (conv_0). */
type PairLayer = 'conv_1' | 'conv_2' | 'conv_3' | 'conv_4' | 'conv_5' | 'conv_6' | 'conv_7' | 'conv_8' | 'conv_9' | 'conv_10' | 'conv_11' | 'conv_12' | 'conv_13';
interface SsdParams {
  mobilenetv1: { conv_0: Pointwise } & Record<PairLayer, { depthwise_conv: Depthwise; pointwise_conv: Pointwise }>;
  prediction_layer: Record<`conv_${0 | 1 | 2 | 3 | 4 | 5 | 6 | 7}`, Pointwise> & Record<`box_predictor_${0 | 1 | 2 | 3 | 4 | 5}`, BoxPredictor>;
  output_layer: { extra_dim: Tensor };
}
/** face-api's NetInput: the photo, resized and padded to the network's square input. */
export interface NetInput {
  toBatchTensor(inputSize: number, isCenterInputs: boolean): Tensor;
}
/** face-api's loaded `SsdMobilenetv1` network (the parts replaced or read). */
export interface SsdNet {
  params: SsdParams | undefined;
  forwardInput(input: NetInput): { boxes: Tensor[]; scores: Tensor[] };
}

/** face-api's batch-norm epsilon (mobileNetV1.ts). */
const EPSILON = 0.0010000000474974513;
const INPUT_SIZE = 512;
const LAYERS: PairLayer[] = ['conv_1', 'conv_2', 'conv_3', 'conv_4', 'conv_5', 'conv_6', 'conv_7', 'conv_8', 'conv_9', 'conv_10', 'conv_11', 'conv_12', 'conv_13'];
/** The depthwise layers that halve the feature map (face-api's getStridesForLayerIdx). */
const STRIDE_2 = new Set(['conv_2', 'conv_4', 'conv_6', 'conv_12']);

/** A convolution's filter and bias with the normalisation after it folded in. */
export interface Folded {
  filter: Tensor;
  bias: Tensor;
}

/** Replaces `net.forwardInput` with the fused one; the network must be loaded. */
export function installFusedSsd(tf: FusedTf, net: SsdNet): void {
  const params = net.params;
  if (!params) throw new Error('installFusedSsd: load the SSD MobileNet v1 weights first');
  const folded = new Map<PairLayer, Folded>(LAYERS.map((name) => [name, foldBatchNorm(tf, params.mobilenetv1[name].depthwise_conv)]));
  net.forwardInput = (input) =>
    tf.tidy(() => {
      const batch = tf.cast(input.toBatchTensor(INPUT_SIZE, false), 'float32');
      const x = tf.sub(tf.div(batch, 127.5), 1); // face-api's input scaling, -1..1
      const { out, conv11 } = mobileNet(tf, x, params, folded);
      return outputLayer(tf, predictionLayer(tf, out, conv11, params.prediction_layer), params.output_layer);
    });
}

function foldBatchNorm(tf: FusedTf, layer: Depthwise): Folded {
  return tf.tidy(() => {
    const s = tf.div(layer.batch_norm_scale, tf.sqrt(tf.add(layer.batch_norm_variance, EPSILON)));
    const channels = layer.filters.shape[2]!; // a depthwise filter is [height, width, channels, 1]
    const filter = tf.mul(layer.filters, tf.reshape(s, [1, 1, channels, 1]));
    const bias = tf.sub(layer.batch_norm_offset, tf.mul(layer.batch_norm_mean, s));
    return { filter: tf.keep(filter), bias: tf.keep(bias) };
  });
}

const pointwise = (tf: FusedTf, x: Tensor, layer: Pointwise, stride: 1 | 2) =>
  tf.fused.conv2d({ x, filter: layer.filters, strides: [stride, stride], pad: 'same', bias: layer.batch_norm_offset, activation: 'relu6' });

function mobileNet(tf: FusedTf, x: Tensor, params: SsdParams, folded: Map<PairLayer, Folded>) {
  let out = pointwise(tf, x, params.mobilenetv1.conv_0, 2);
  let conv11: Tensor | undefined;
  for (const name of LAYERS) {
    const depthwise = folded.get(name)!;
    const stride = STRIDE_2.has(name) ? 2 : 1;
    out = tf.fused.depthwiseConv2d({ x: out, filter: depthwise.filter, strides: [stride, stride], pad: 'same', bias: depthwise.bias, activation: 'relu6' });
    out = pointwise(tf, out, params.mobilenetv1[name].pointwise_conv, 1);
    if (name === 'conv_11') conv11 = out;
  }
  return { out, conv11: conv11! };
}

/** face-api's predictionLayer.ts with fused convolutions. */
function predictionLayer(tf: FusedTf, x: Tensor, conv11: Tensor, params: SsdParams['prediction_layer']) {
  const conv0 = pointwise(tf, x, params.conv_0, 1);
  const conv1 = pointwise(tf, conv0, params.conv_1, 2);
  const conv2 = pointwise(tf, conv1, params.conv_2, 1);
  const conv3 = pointwise(tf, conv2, params.conv_3, 2);
  const conv4 = pointwise(tf, conv3, params.conv_4, 1);
  const conv5 = pointwise(tf, conv4, params.conv_5, 2);
  const conv6 = pointwise(tf, conv5, params.conv_6, 1);
  const conv7 = pointwise(tf, conv6, params.conv_7, 2);
  const sources = [conv11, x, conv1, conv3, conv5, conv7];
  const predictions = sources.map((source, i) => boxPrediction(tf, source, params[`box_predictor_${i as 0 | 1 | 2 | 3 | 4 | 5}`]));
  return {
    boxes: tf.concat(predictions.map((p) => p.boxes), 1),
    classes: tf.concat(predictions.map((p) => p.classes), 1),
  };
}

function boxPrediction(tf: FusedTf, x: Tensor, params: BoxPredictor) {
  const conv = ({ filters, bias }: Conv) => tf.fused.conv2d({ x, filter: filters, strides: [1, 1], pad: 'same', bias, activation: 'linear' });
  const batchSize = x.shape[0]!;
  return {
    boxes: tf.reshape(conv(params.box_encoding_predictor), [batchSize, -1, 1, 4]),
    classes: tf.reshape(conv(params.class_predictor), [batchSize, -1, 3]),
  };
}

/** face-api's outputLayer.ts: anchors and box encodings to corner boxes, class logits to face scores. */
function outputLayer(tf: FusedTf, { boxes, classes }: { boxes: Tensor; classes: Tensor }, params: SsdParams['output_layer']) {
  const batchSize = boxes.shape[0]!;
  const anchors = tf.reshape(tf.tile(params.extra_dim, [batchSize, 1, 1]), [-1, 4]);
  let decoded = decodeBoxes(tf, anchors, tf.reshape(boxes, [-1, 4]));
  decoded = tf.reshape(decoded, [batchSize, decoded.shape[0]! / batchSize, 4]);
  const scoresAndClasses = tf.sigmoid(tf.slice(classes, [0, 0, 1], [-1, -1, -1]));
  const scores = tf.slice(scoresAndClasses, [0, 0, 0], [-1, -1, 1]);
  return { boxes: tf.unstack(decoded), scores: tf.unstack(tf.reshape(scores, [batchSize, scores.shape[1]!])) };
}

function decodeBoxes(tf: FusedTf, anchors: Tensor, encodings: Tensor): Tensor {
  const [y0, x0, y1, x1] = tf.unstack(tf.transpose(anchors, [1, 0])) as [Tensor, Tensor, Tensor, Tensor];
  const sizes = [tf.sub(y1, y0), tf.sub(x1, x0)] as const;
  const centers = [tf.add(y0, tf.div(sizes[0], 2)), tf.add(x0, tf.div(sizes[1], 2))] as const;
  const [dy, dx, dh, dw] = tf.unstack(tf.transpose(encodings, [1, 0])) as [Tensor, Tensor, Tensor, Tensor];
  const halfHeight = tf.div(tf.mul(tf.exp(tf.div(dh, 5)), sizes[0]), 2);
  const centerY = tf.add(tf.mul(tf.div(dy, 10), sizes[0]), centers[0]);
  const halfWidth = tf.div(tf.mul(tf.exp(tf.div(dw, 5)), sizes[1]), 2);
  const centerX = tf.add(tf.mul(tf.div(dx, 10), sizes[1]), centers[1]);
  return tf.transpose(
    tf.stack([tf.sub(centerY, halfHeight), tf.sub(centerX, halfWidth), tf.add(centerY, halfHeight), tf.add(centerX, halfWidth)]),
    [1, 0],
  );
}
