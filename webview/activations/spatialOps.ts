/**
 * The windowed layers — convolution (grouped, depthwise, dilated, transposed), max/average
 * pooling, adaptive pooling, padding (zero, constant, reflect, replicate, circular) and resizing
 * — written once over NHWC tensors with the padding spelled out per side. PyTorch and Keras disagree on where padding goes, whether it
 * counts in an average, how `ceil_mode` and `same` stretch the last window, and tfjs refuses
 * some combinations (stride and dilation together, softmax on a middle axis); turning every
 * variant into "pad exactly, then run a valid window, then subsample" keeps each framework's
 * arithmetic exact instead of approximately matched, and the output length always comes from the
 * analysis so that a disagreement shows up as a shape error rather than a silently shifted map.
 */
import * as tf from '@tensorflow/tfjs-core';

/** One spatial axis of a windowed layer, in the layer's own terms, with the analysis's output length. */
export interface AxisWindow {
  /** Input length along this axis. */
  readonly size: number;
  /** Output length along this axis (from the analysis). */
  readonly out: number;
  readonly kernel: number;
  readonly stride: number;
  readonly dilation: number;
  /** Padding before the first element (explicit, or what `same` works out to). */
  readonly padBefore: number;
  /** The padding the framework declares after the last element (only average pooling's divisor reads it). */
  readonly padAfter: number;
}

const dilatedKernel = (w: AxisWindow) => w.dilation * (w.kernel - 1) + 1;

/** Padding after the last element that makes a valid window produce exactly `w.out` outputs (negative: crop). */
export function padAfterFor(w: AxisWindow): number {
  return (w.out - 1) * w.stride + dilatedKernel(w) - w.size - w.padBefore;
}

/** TF/Keras `same` (and PyTorch `same`, stride 1): half the needed padding before, the rest after. */
export function samePadBefore(size: number, out: number, kernel: number, stride: number, dilation: number): number {
  return Math.floor(Math.max((out - 1) * stride + dilation * (kernel - 1) + 1 - size, 0) / 2);
}

/** Pads (positive) or crops (negative) one axis of `x` at both ends. */
export function padOrCropAxis(x: tf.Tensor, axis: number, before: number, after: number, value = 0): tf.Tensor {
  let y = x;
  if (before < 0 || after < 0) {
    const begin = y.shape.map((_, i) => (i === axis ? Math.max(-before, 0) : 0));
    const size = y.shape.map((d, i) => (i === axis ? d - Math.max(-before, 0) - Math.max(-after, 0) : -1));
    y = tf.slice(y, begin, size);
  }
  if (before > 0 || after > 0) {
    y = tf.pad(y, y.shape.map((_, i) => (i === axis ? [Math.max(before, 0), Math.max(after, 0)] : [0, 0])) as [number, number][], value);
  }
  return y;
}

/**
 * Pads one axis as F.pad does: `constant` fills with `value`; `reflect` mirrors without repeating
 * the edge, `replicate` repeats the edge, `circular` wraps around, each by gathering source
 * positions (negative amounts crop).
 */
export function padAxis(x: tf.Tensor, axis: number, before: number, after: number, mode: 'constant' | 'reflect' | 'replicate' | 'circular', value = 0): tf.Tensor {
  if (mode === 'constant') return padOrCropAxis(x, axis, before, after, value);
  const n = x.shape[axis];
  const source = (j: number) => {
    if (mode === 'replicate') return Math.min(Math.max(j, 0), n - 1);
    if (mode === 'circular') return ((j % n) + n) % n;
    return j < 0 ? -j : j > n - 1 ? 2 * (n - 1) - j : j;
  };
  const indices = Array.from({ length: n + before + after }, (_, i) => source(i - before));
  return tf.gather(x, tf.tensor1d(indices, 'int32'), axis);
}

/** Pads the spatial axes (1 and 2) of NHWC `x` so that a valid window gives exactly the analysis's output. */
function padForWindows(x: tf.Tensor4D, windows: readonly [AxisWindow, AxisWindow], value: number): tf.Tensor4D {
  let y: tf.Tensor = x;
  windows.forEach((w, i) => {
    y = padOrCropAxis(y, i + 1, w.padBefore, padAfterFor(w), value);
  });
  return y as tf.Tensor4D;
}

const strides = (windows: readonly [AxisWindow, AxisWindow]): [number, number] => [windows[0].stride, windows[1].stride];
const dilations = (windows: readonly [AxisWindow, AxisWindow]): [number, number] => [windows[0].dilation, windows[1].dilation];

/** tfjs refuses a stride and a dilation above 1 together; run at stride 1 and keep every stride-th output. */
function withStrideAfterDilation(windows: readonly [AxisWindow, AxisWindow], run: (stride: [number, number]) => tf.Tensor4D): tf.Tensor4D {
  const s = strides(windows);
  const d = dilations(windows);
  const both = s.some((v) => v > 1) && d.some((v) => v > 1);
  if (!both) return run(s);
  const dense = run([1, 1]);
  return tf.stridedSlice(dense, [0, 0, 0, 0], dense.shape, [1, s[0], s[1], 1]) as tf.Tensor4D;
}

/**
 * Convolution with a tfjs filter [kH, kW, in/groups, out]: groups 1 is conv2d, groups equal to the
 * input channels is a depthwise conv (output channel c·m + j reads input channel c, as in
 * PyTorch), anything between is one conv per group, concatenated.
 */
export function convolve(x: tf.Tensor4D, filter: tf.Tensor4D, windows: readonly [AxisWindow, AxisWindow], groups: number): tf.Tensor4D {
  const padded = padForWindows(x, windows, 0);
  const inChannels = x.shape[3];
  const [kH, kW, perGroup, outChannels] = filter.shape;
  if (groups === 1) return withStrideAfterDilation(windows, (s) => tf.conv2d(padded, filter, s, 'valid', 'NHWC', dilations(windows)));
  if (groups === inChannels && perGroup === 1) {
    const depthwiseFilter = tf.reshape(filter, [kH, kW, inChannels, outChannels / inChannels]) as tf.Tensor4D;
    return withStrideAfterDilation(windows, (s) => tf.depthwiseConv2d(padded, depthwiseFilter, s, 'valid', 'NHWC', dilations(windows)));
  }
  const inputs = tf.split(padded, groups, 3);
  const filters = tf.split(filter, groups, 3);
  const outputs = inputs.map((part, g) => withStrideAfterDilation(windows, (s) => tf.conv2d(part as tf.Tensor4D, filters[g] as tf.Tensor4D, s, 'valid', 'NHWC', dilations(windows))));
  return tf.concat(outputs, 3);
}

/** Keras DepthwiseConv2D with its own kernel layout [kH, kW, C, multiplier]. */
export function depthwiseConvolve(x: tf.Tensor4D, filter: tf.Tensor4D, windows: readonly [AxisWindow, AxisWindow]): tf.Tensor4D {
  const padded = padForWindows(x, windows, 0);
  return withStrideAfterDilation(windows, (s) => tf.depthwiseConv2d(padded, filter, s, 'valid', 'NHWC', dilations(windows)));
}

/** Inserts stride − 1 zeros between neighbours along `axis` (1 or 2) of NHWC `x`, with rank-4 ops only. */
function spreadByStride(x: tf.Tensor4D, axis: 1 | 2, stride: number): tf.Tensor4D {
  if (stride === 1) return x;
  const [n, h, w, c] = x.shape;
  const length = axis === 1 ? h : w;
  const grouped = axis === 1 ? tf.reshape(x, [n, h, 1, w * c]) : tf.reshape(x, [n * h, w, 1, c]);
  const spread = tf.pad(grouped, [[0, 0], [0, 0], [0, stride - 1], [0, 0]]);
  const back = axis === 1 ? tf.reshape(spread, [n, h * stride, w, c]) : tf.reshape(spread, [n, h, w * stride, c]);
  return tf.slice(back, [0, 0, 0, 0], axis === 1 ? [n, (length - 1) * stride + 1, w, c] : [n, h, (length - 1) * stride + 1, c]) as tf.Tensor4D;
}

/**
 * Transposed convolution as the adjoint it is: spread the input by the stride, pad it by the
 * dilated kernel minus one less the framework's crop (`padBefore`: PyTorch `padding`, or what
 * Keras's `same` works out to), and correlate with the flipped kernel given here as a forward
 * filter [kH, kW, in/groups, out]. Outputs past the full result (PyTorch output_padding) are zero,
 * before the bias, as in both frameworks.
 */
export function transposedConvolve(x: tf.Tensor4D, forwardFilter: tf.Tensor4D, windows: readonly [AxisWindow, AxisWindow], groups: number): tf.Tensor4D {
  let spread = spreadByStride(x, 1, windows[0].stride);
  spread = spreadByStride(spread, 2, windows[1].stride);
  const asForward = windows.map((w, i) => {
    const size = spread.shape[i + 1];
    return { size, out: w.out, kernel: w.kernel, stride: 1, dilation: w.dilation, padBefore: dilatedKernel(w) - 1 - w.padBefore, padAfter: 0 };
  }) as unknown as readonly [AxisWindow, AxisWindow];
  return convolve(spread, forwardFilter, asForward, groups);
}

/** How many of a window's positions [start, start + k·d) fall in [low, high). */
function countInside(start: number, w: AxisWindow, low: number, high: number): number {
  let count = 0;
  for (let t = 0; t < w.kernel; t++) {
    const at = start + t * w.dilation;
    if (at >= low && at < high) count++;
  }
  return count;
}

/**
 * Max or average pooling. Max pads with −∞ so padding never wins. Average sums over zero padding
 * and divides by what the framework divides by: PyTorch's count_include_pad=True counts the
 * declared padding but not the extra positions `ceil_mode` adds past it; False (and Keras's
 * `same`, which TF averages over real elements only) counts real elements only.
 */
export function pool(x: tf.Tensor4D, op: 'max' | 'avg', windows: readonly [AxisWindow, AxisWindow], countIncludePad: boolean): tf.Tensor4D {
  const window: [number, number] = [windows[0].kernel, windows[1].kernel];
  if (op === 'max') {
    const padded = padForWindows(x, windows, -Infinity);
    return withStrideAfterDilation(windows, (s) => tf.pool(padded, window, 'max', 'valid', dilations(windows), s));
  }
  const padded = padForWindows(x, windows, 0);
  const averaged = tf.avgPool(padded, window, strides(windows), 'valid');
  const counts = windows.map((w) =>
    Array.from({ length: w.out }, (_, o) => {
      const start = o * w.stride - w.padBefore;
      return countIncludePad ? countInside(start, w, -w.padBefore, w.size + w.padAfter) : countInside(start, w, 0, w.size);
    }),
  );
  const uniform = counts.every((axis, i) => axis.every((c) => c === windows[i].kernel));
  if (uniform) return averaged;
  // tf.avgPool divided by kH·kW; rescale each output to the framework's divisor.
  const factors = new Float32Array(windows[0].out * windows[1].out);
  counts[0].forEach((ch, i) => counts[1].forEach((cw, j) => (factors[i * windows[1].out + j] = (window[0] * window[1]) / Math.max(ch * cw, 1))));
  return tf.mul(averaged, tf.tensor4d(factors, [1, windows[0].out, windows[1].out, 1]));
}

/** Each window's sum over zero padding, divided by `divisor` (PyTorch avg_pool's divisor_override). */
export function dividedSumPool(x: tf.Tensor4D, windows: readonly [AxisWindow, AxisWindow], divisor: number): tf.Tensor4D {
  const window: [number, number] = [windows[0].kernel, windows[1].kernel];
  const averaged = tf.avgPool(padForWindows(x, windows, 0), window, strides(windows), 'valid');
  return tf.mul(averaged, (window[0] * window[1]) / divisor);
}

/**
 * PyTorch adaptive pooling along one axis of NHWC `x`: output cell i covers
 * [⌊i·n/out⌋, ⌈(i+1)·n/out⌉). A divisible size is an ordinary pool; other sizes reduce each cell's
 * slice. Rectangles are products of intervals, so pooling rows then columns is exact for both ops.
 */
function adaptiveAxis(x: tf.Tensor4D, axis: 1 | 2, out: number, op: 'max' | 'avg'): tf.Tensor4D {
  const n = x.shape[axis];
  if (out === n) return x;
  if (out === 1) return (op === 'avg' ? tf.mean(x, axis, true) : tf.max(x, axis, true)) as tf.Tensor4D;
  if (n % out === 0) {
    const k = n / out;
    const window: [number, number] = axis === 1 ? [k, 1] : [1, k];
    return op === 'avg' ? tf.avgPool(x, window, window, 'valid') : tf.maxPool(x, window, window, 'valid');
  }
  const cells = Array.from({ length: out }, (_, i) => {
    const start = Math.floor((i * n) / out);
    const end = Math.ceil(((i + 1) * n) / out);
    const part = tf.slice(x, axis === 1 ? [0, start, 0, 0] : [0, 0, start, 0], axis === 1 ? [-1, end - start, -1, -1] : [-1, -1, end - start, -1]);
    return op === 'avg' ? tf.mean(part, axis, true) : tf.max(part, axis, true);
  });
  return tf.concat(cells, axis) as tf.Tensor4D;
}

export function adaptivePool(x: tf.Tensor4D, op: 'max' | 'avg', out: readonly [number, number]): tf.Tensor4D {
  return adaptiveAxis(adaptiveAxis(x, 1, out[0], op), 2, out[1], op);
}

/** Where output position `dst` of a resized axis reads from: one index, or two with a blend weight. */
export type SourceIndex = (dst: number) => { readonly low: number; readonly high: number; readonly weight: number };

/**
 * PyTorch `nearest`: ⌊dst·scale⌋ (scale = 1/scale_factor when given, else in/out), in float32 as
 * PyTorch computes it (a float64 product can land just below an integer where float32 does not);
 * `nearest-exact` reads ⌊(dst + ½)·scale⌋. Also Keras UpSampling's repeat (scale = 1/size).
 */
export function nearestIndex(size: number, scale: number, exact = false): SourceIndex {
  const f = Math.fround;
  return (dst) => {
    const i = Math.min(Math.floor(exact ? f(f(dst + 0.5) * f(scale)) : f(f(dst) * f(scale))), size - 1);
    return { low: i, high: i, weight: 0 };
  };
}

/**
 * Linear interpolation: PyTorch align_corners=False and TF's half-pixel centres both read
 * (dst + ½)·scale − ½ clamped at 0; align_corners=True reads dst·(in − 1)/(out − 1).
 */
export function linearIndex(size: number, out: number, scale: number, alignCorners: boolean): SourceIndex {
  return (dst) => {
    const src = alignCorners ? (out > 1 ? (dst * (size - 1)) / (out - 1) : 0) : Math.max((dst + 0.5) * scale - 0.5, 0);
    const low = Math.min(Math.floor(src), size - 1);
    const high = Math.min(low + 1, size - 1);
    return { low, high, weight: src - low };
  };
}

/** Resizes one axis of `x` to `out` positions by gathering (and blending) source positions. */
export function resizeAxis(x: tf.Tensor, axis: number, out: number, source: SourceIndex): tf.Tensor {
  const picks = Array.from({ length: out }, (_, dst) => source(dst));
  const low = tf.gather(x, tf.tensor1d(picks.map((p) => p.low), 'int32'), axis);
  if (picks.every((p) => p.weight === 0 || p.low === p.high)) return low;
  const high = tf.gather(x, tf.tensor1d(picks.map((p) => p.high), 'int32'), axis);
  const weightShape = x.shape.map((_, i) => (i === axis ? out : 1));
  const weight = tf.tensor(Float32Array.from(picks, (p) => p.weight), weightShape);
  return tf.add(low, tf.mul(tf.sub(high, low), weight));
}
