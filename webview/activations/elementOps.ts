/**
 * Activations and normalisations as each framework defines them at inference. The IR names an
 * activation once (`hardsigmoid`, `leakyRelu`) but PyTorch and Keras attach different constants
 * to the same name (LeakyReLU's slope, normalisation epsilons, the Keras activation *function*
 * `leaky_relu` versus the *layer* `LeakyReLU`), so the constants live here in one table per
 * framework; everything is written with tfjs-core ops on an axis the caller has already mapped
 * from the plan's layout to the tensor's.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { ActivationFn } from '../../src/core/ir/layers';

export type Framework = 'pytorch' | 'keras';

/**
 * Framework defaults the plan does not carry (it records no eps, slope or alpha): the panel uses
 * these, which is exact for every model that keeps the defaults.
 */
export const frameworkDefaults = {
  pytorch: { batchNormEps: 1e-5, layerNormEps: 1e-5, groupNormEps: 1e-5, leakyReluLayerSlope: 0.01, leakyReluFunctionSlope: 0.01 },
  // Keras 3 and tf.keras 2 agree on these: BatchNormalization/LayerNormalization/GroupNormalization
  // epsilon 1e-3, the LeakyReLU layer's slope 0.3, the `leaky_relu` activation function's 0.2.
  keras: { batchNormEps: 1e-3, layerNormEps: 1e-3, groupNormEps: 1e-3, leakyReluLayerSlope: 0.3, leakyReluFunctionSlope: 0.2 },
} as const;

/** Keras Normalization divides by max(√variance, backend epsilon). */
export const kerasEpsilon = 1e-7;

/** x reshaped so that a per-feature vector broadcasts along `axis` of a rank-`rank` tensor. */
export function alongAxis(v: tf.Tensor, rank: number, axis: number): tf.Tensor {
  return tf.reshape(v, Array.from({ length: rank }, (_, i) => (i === axis ? -1 : 1)));
}

/** Softmax / log-softmax along any axis (tfjs's own handles only the last), stabilised by the max. */
export function softmaxAlong(x: tf.Tensor, axis: number, log: boolean): tf.Tensor {
  const shifted = tf.sub(x, tf.max(x, axis, true));
  const total = tf.sum(tf.exp(shifted), axis, true);
  return log ? tf.sub(shifted, tf.log(total)) : tf.div(tf.exp(shifted), total);
}

/** relu6(x + 3) / 6: PyTorch's Hardsigmoid and Keras 3's hard_sigmoid (tf.keras 2's was clip(0.2x + 0.5)). */
function hardSigmoid(x: tf.Tensor): tf.Tensor {
  return tf.div(tf.relu6(tf.add(x, 3)), 6);
}

export interface ActivationContext {
  readonly framework: Framework;
  /** Held axis for softmax / log-softmax. */
  readonly axis?: number;
  /** LeakyReLU's negative slope. */
  readonly slope?: number;
  /** PReLU's learned slopes, already broadcastable against x. */
  readonly alpha?: tf.Tensor;
}

/** The elementwise activations, with the definitions both frameworks share unless noted. */
export function activate(x: tf.Tensor, fn: ActivationFn, ctx: ActivationContext): tf.Tensor {
  switch (fn) {
    case 'linear':
      return x;
    case 'relu':
      return tf.relu(x);
    case 'relu6':
      return tf.relu6(x);
    case 'leakyRelu':
      return tf.leakyRelu(x, ctx.slope ?? frameworkDefaults[ctx.framework].leakyReluLayerSlope);
    case 'elu':
      return tf.elu(x); // alpha 1 in both
    case 'selu':
      return tf.selu(x);
    case 'gelu': // exact (erf) form: PyTorch approximate='none', Keras approximate=False
      return tf.mul(tf.mul(x, 0.5), tf.add(1, tf.erf(tf.div(x, Math.SQRT2))));
    case 'silu':
      return tf.mul(x, tf.sigmoid(x));
    case 'hardsigmoid':
      return hardSigmoid(x);
    case 'hardswish':
      return tf.mul(x, hardSigmoid(x));
    case 'sigmoid':
      return tf.sigmoid(x);
    case 'tanh':
      return tf.tanh(x);
    case 'softplus':
      return tf.softplus(x);
    case 'mish':
      return tf.mul(x, tf.tanh(tf.softplus(x)));
    case 'softmax':
    case 'logSoftmax':
      return softmaxAlong(x, ctx.axis ?? x.rank - 1, fn === 'logSoftmax');
    case 'prelu': {
      if (!ctx.alpha) throw new Error('PReLU needs its alpha weights');
      return tf.add(tf.relu(x), tf.mul(ctx.alpha, tf.minimum(x, 0)));
    }
  }
}

/** PyTorch's implicit softmax dim when none is given (torch.nn.functional._get_softmax_dim). */
export function torchImplicitSoftmaxAxis(rank: number): number {
  return rank === 0 || rank === 1 || rank === 3 ? 0 : 1;
}

/** (x − mean) / √(variance + eps) · gamma + beta, every statistic broadcastable against x. */
export function normalize(x: tf.Tensor, mean: tf.Tensor, variance: tf.Tensor, eps: number, gamma?: tf.Tensor, beta?: tf.Tensor): tf.Tensor {
  let y = tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, eps)));
  if (gamma) y = tf.mul(y, gamma);
  if (beta) y = tf.add(y, beta);
  return y;
}

/** Normalises over `axes` with the tensor's own (biased) statistics, as LayerNorm does. */
export function normalizeOver(x: tf.Tensor, axes: readonly number[], eps: number, gamma?: tf.Tensor, beta?: tf.Tensor): tf.Tensor {
  const { mean, variance } = tf.moments(x, [...axes], true);
  return normalize(x, mean, variance, eps, gamma, beta);
}

/**
 * GroupNorm on a channels-last tensor [N, …, C]: channels split into `groups` consecutive runs,
 * each normalised over its channels and every spatial position; then the per-channel affine.
 */
export function groupNormalize(x: tf.Tensor, groups: number, eps: number, gamma?: tf.Tensor, beta?: tf.Tensor): tf.Tensor {
  const shape = x.shape;
  const channels = shape[shape.length - 1];
  const grouped = tf.reshape(x, [...shape.slice(0, -1), groups, channels / groups]);
  const axes = [...Array.from({ length: shape.length - 2 }, (_, i) => i + 1), shape.length];
  const y = tf.reshape(normalizeOver(grouped, axes, eps), shape);
  const withScale = gamma ? tf.mul(y, gamma) : y;
  return beta ? tf.add(withScale, beta) : withScale;
}
