/**
 * Activations, normalisations and arithmetic with a number as each framework defines them at
 * inference. The IR names an activation once (`hardsigmoid`, `leakyRelu`) and carries the
 * constants the source gives (a slope, ELU's alpha, GELU's approximation, Keras ReLU's max_value
 * and threshold, an eps); where the source leaves one out, the framework's default applies, and
 * PyTorch and Keras differ there (normalisation epsilons, the Keras activation *function*
 * `leaky_relu`'s slope), so the defaults live here in one table per framework. Everything is
 * written with tfjs-core ops on an axis the caller has already mapped from the plan's layout to
 * the tensor's.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { ActivationFn, ActivationSpec, ScalarSpec } from '../../src/core/ir/layers';

export type Framework = 'pytorch' | 'keras';

/**
 * Framework defaults for constants the source leaves out (the spec then carries none). The Keras
 * LeakyReLU *layer*'s default slope, 0.3, is not here: the catalog records it on the spec.
 */
export const frameworkDefaults = {
  pytorch: { batchNormEps: 1e-5, layerNormEps: 1e-5, groupNormEps: 1e-5, leakyReluSlope: 0.01 },
  // Keras 3 and tf.keras 2 agree on these: BatchNormalization/LayerNormalization/GroupNormalization
  // epsilon 1e-3; the `leaky_relu` activation function's slope 0.2.
  keras: { batchNormEps: 1e-3, layerNormEps: 1e-3, groupNormEps: 1e-3, leakyReluSlope: 0.2 },
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

/** The constants an activation spec may carry; absent ones take the framework's default. */
export type ActivationConstants = Pick<ActivationSpec, 'alpha' | 'maxValue' | 'threshold' | 'beta' | 'softplusThreshold' | 'approximate'>;

export interface ActivationContext {
  readonly framework: Framework;
  /** Held axis for softmax / log-softmax. */
  readonly axis?: number;
  /** The spec's constants (none for an activation fused into a Keras layer: the function's defaults). */
  readonly constants?: ActivationConstants;
  /** PReLU's learned slopes, already broadcastable against x. */
  readonly preluAlpha?: tf.Tensor;
}

/**
 * Keras ReLU(max_value, negative_slope, threshold) as Keras computes it: x where x > threshold
 * (else 0), clipped to [0, max_value], minus negative_slope · relu(threshold − x).
 */
function kerasRelu(x: tf.Tensor, slope: number, maxValue: number | undefined, threshold: number): tf.Tensor {
  let y = threshold !== 0 ? tf.mul(x, tf.cast(tf.greater(x, threshold), x.dtype)) : tf.relu(x);
  if (maxValue !== undefined) y = tf.clipByValue(y, 0, maxValue);
  return slope ? tf.sub(y, tf.mul(slope, tf.relu(tf.sub(threshold, x)))) : y;
}

/** The elementwise activations, with the definitions both frameworks share unless noted. */
export function activate(x: tf.Tensor, fn: ActivationFn, ctx: ActivationContext): tf.Tensor {
  const c = ctx.constants ?? {};
  switch (fn) {
    case 'linear':
      return x;
    case 'relu':
      if (c.alpha !== undefined || c.maxValue !== undefined || c.threshold !== undefined) return kerasRelu(x, c.alpha ?? 0, c.maxValue, c.threshold ?? 0);
      return tf.relu(x);
    case 'relu6':
      return tf.relu6(x);
    case 'leakyRelu':
      return tf.leakyRelu(x, c.alpha ?? frameworkDefaults[ctx.framework].leakyReluSlope);
    case 'elu': {
      // x for x > 0, alpha·(eˣ − 1) otherwise; alpha 1 by default in both.
      const alpha = c.alpha ?? 1;
      return alpha === 1 ? tf.elu(x) : tf.add(tf.relu(x), tf.mul(alpha, tf.sub(tf.exp(tf.minimum(x, 0)), 1)));
    }
    case 'selu':
      return tf.selu(x);
    case 'gelu':
      if (c.approximate === 'tanh') {
        // PyTorch approximate='tanh': ½x(1 + tanh(√(2/π)(x + 0.044715x³))).
        const inner = tf.mul(Math.sqrt(2 / Math.PI), tf.add(x, tf.mul(0.044715, tf.mul(x, tf.mul(x, x)))));
        return tf.mul(tf.mul(x, 0.5), tf.add(1, tf.tanh(inner)));
      }
      // exact (erf) form: PyTorch approximate='none', Keras approximate=False
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
    case 'softplus': {
      // PyTorch: log(1 + e^(βx)) / β, and x itself where βx > threshold (β 1, threshold 20 by default).
      if (c.beta === undefined && c.softplusThreshold === undefined) return tf.softplus(x); // above 20, softplus(x) − x < 3e-9
      const beta = c.beta ?? 1;
      const scaled = tf.mul(x, beta);
      return tf.where(tf.greater(scaled, c.softplusThreshold ?? 20), x, tf.div(tf.softplus(scaled), beta));
    }
    case 'mish':
      return tf.mul(x, tf.tanh(tf.softplus(x)));
    case 'softmax':
    case 'logSoftmax':
      return softmaxAlong(x, ctx.axis ?? x.rank - 1, fn === 'logSoftmax');
    case 'prelu': {
      if (!ctx.preluAlpha) throw new Error('PReLU needs its alpha weights');
      return tf.add(tf.relu(x), tf.mul(ctx.preluAlpha, tf.minimum(x, 0)));
    }
  }
}

/** A tensor with a Python number, as the operator computes it (`rsub`: value − x, `rdiv`: value / x). */
export function withScalar(x: tf.Tensor, op: ScalarSpec['op'], value: number): tf.Tensor {
  switch (op) {
    case 'add':
      return tf.add(x, value);
    case 'sub':
      return tf.sub(x, value);
    case 'rsub':
      return tf.sub(value, x);
    case 'mul':
      return tf.mul(x, value);
    case 'div':
      return tf.div(x, value);
    case 'rdiv':
      return tf.div(value, x);
    case 'neg':
      return tf.neg(x);
    case 'pow':
      return tf.pow(x, value);
    case 'rpow':
      return tf.pow(value, x);
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
