/**
 * Turns one plan node into a step: a function from its input tensors (as held) to its outputs,
 * decided once when the model is built. Everything that can be known before running is settled
 * here — padding per side, window sizes from the analysis's shapes, weights converted to tfjs
 * layout, the layout each tensor comes out in, the constants the spec carries (eps, slopes,
 * align_corners, a pad's mode, a number in `x / 6`), with each framework's default where the
 * source gives none — and anything this file cannot compute exactly (3-D layers, a constant the
 * source gives but the analysis could not evaluate, an unknown class) is refused with a sentence
 * saying why, so the panel stops at that layer instead of showing a plausible but wrong picture.
 * One definition is chosen rather than known: Keras's `hard_sigmoid` is Keras 3's (see
 * elementOps.ts; `keras` and `tensorflow.keras` both name Keras 3 from TensorFlow 2.16 on, so the
 * source cannot say). The builder owns the order of steps, memory and checking; this file owns
 * the meaning of each op.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { ActivationPlan, PlanNode } from '../../src/core/analysis/activationPlan';
import type { ActivationFn, LayerSpec, Padding } from '../../src/core/ir/layers';
import { activate, alongAxis, frameworkDefaults, groupNormalize, kerasEpsilon, normalize, normalizeOver, torchImplicitSoftmaxAxis, withScalar, type ActivationConstants } from './elementOps';
import { adaptivePool, convolve, depthwiseConvolve, dividedSumPool, linearIndex, nearestIndex, padAfterFor, padAxis, pool, resizeAxis, samePadBefore, transposedConvolve, type AxisWindow } from './spatialOps';
import { convertHeld, effectiveLayout, heldAxis, normalizePlanAxis, type HeldLayout, type HeldTensor } from './tensorLayout';
import { kerasConvTransposeKernelToForward, liftKerasKernel, torchConvTransposeWeightToForward, torchConvWeightToTf, weightId, type WeightStore } from './weights';

/** Thrown while compiling a node that cannot be run exactly; the message is shown to the user. */
export class UnsupportedLayer extends Error {}

export type Step = (inputs: readonly HeldTensor[]) => HeldTensor[];

/** What compiling a node needs from the builder. */
export interface StepContext {
  readonly plan: ActivationPlan;
  readonly weights: WeightStore;
  /** Tensors made at build time (converted weights, constants), freed with the model. */
  readonly owned: tf.Tensor[];
}

/** The node's shapes with the batch fixed to 1; refuses unknown dimensions, which no op can run with. */
export function knownShapes(node: PlanNode): { inputs: number[][]; outputs: number[][] } {
  const fix = (shape: readonly (number | null)[], what: string) =>
    shape.map((d, i) => {
      if (d !== null) return d;
      if (i === 0) return 1;
      throw new UnsupportedLayer(`the analysis does not know every dimension of its ${what} ([${shape.map((x) => x ?? '?').join(', ')}])`);
    });
  return { inputs: node.inputShapes.map((s) => fix(s, 'input')), outputs: node.outputShapes.map((s) => fix(s, 'output')) };
}

export function compileStep(node: PlanNode, ctx: StepContext): Step {
  return new NodeCompiler(node, ctx).compile();
}

class NodeCompiler {
  private readonly framework: 'pytorch' | 'keras';
  private readonly inShapes: number[][];
  private readonly outShapes: number[][];
  private readonly spec: LayerSpec;

  constructor(private readonly node: PlanNode, private readonly ctx: StepContext) {
    this.framework = ctx.plan.framework;
    this.spec = node.spec;
    const shapes = knownShapes(node);
    this.inShapes = shapes.inputs;
    this.outShapes = shapes.outputs;
  }

  /** The layout a tensor of `rank` is kept in between layers: channels last, whatever the framework. */
  private canonical(rank: number): HeldLayout {
    return this.ctx.plan.layout === 'channels_first' && rank >= 3 ? 'channelsLast' : 'asPlan';
  }

  /** A weight as stored, checked against the shape the analysis expects. */
  private weight(name: string): tf.Tensor {
    if (this.node.weightKey === undefined) throw new UnsupportedLayer(`it has no module to hold its ${name}`);
    const id = weightId(this.node.weightKey, name);
    const t = this.ctx.weights.get(id);
    if (!t) throw new UnsupportedLayer(`the weights have no ${id}`);
    const expected = this.node.weights.find((w) => w.name === name)?.shape;
    if (expected && (expected.length !== t.rank || expected.some((d, i) => d !== null && d !== t.shape[i]))) {
      throw new UnsupportedLayer(`${id} has shape [${t.shape.join(', ')}] but the layer needs [${expected.map((d) => d ?? '?').join(', ')}]`);
    }
    return t;
  }

  private optionalWeight(name: string, present: boolean): tf.Tensor | undefined {
    return present ? this.weight(name) : undefined;
  }

  /**
   * A tensor derived at build time (a weight in tfjs layout), kept until the model is disposed;
   * intermediates are freed, and a conversion that changed nothing returns the caller's own tensor,
   * which the model must not free.
   */
  private converted<T extends tf.Tensor>(make: () => T): T {
    const t = tf.tidy(make);
    if (![...this.ctx.weights.values()].includes(t)) this.ctx.owned.push(tf.keep(t));
    return t;
  }

  compile(): Step {
    const spec = this.spec;
    const unresolved = 'unresolved' in spec ? spec.unresolved : undefined;
    if (unresolved?.length) throw new UnsupportedLayer(`the source gives its ${unresolved.join(', ')} in a form the analysis could not evaluate`);
    switch (spec.kind) {
      case 'conv':
      case 'depthwiseConv':
      case 'separableConv':
      case 'convTranspose':
        return this.convolution();
      case 'pool':
      case 'adaptivePool':
        return this.pooling();
      case 'globalPool':
        return this.globalPool();
      case 'batchNorm':
        return this.batchNorm();
      case 'layerNorm':
        return this.layerNorm();
      case 'groupNorm':
        return this.groupNorm();
      case 'normalization':
        return this.kerasNormalization();
      case 'activation':
        return this.activation();
      case 'dropout':
      case 'identity':
      case 'stochasticDepth':
        return (inputs) => [inputs[0]];
      case 'rescaling': {
        // Keras: x · scale + offset, a list broadcasting along the last axis.
        const [scale, offset] = [spec.scale, spec.offset].map((v) => (typeof v === 'number' ? v : this.converted(() => tf.tensor1d([...v]))));
        return this.inPlanLayout((x) => tf.add(tf.mul(x, scale), offset));
      }
      case 'scalar':
        return (inputs) => [{ tensor: withScalar(inputs[0].tensor, spec.op, spec.value), layout: inputs[0].layout }];
      case 'flatten':
        if (spec.dataFormat === 'channels_first' && this.inShapes[0].length > 2) {
          // Keras moves the channels (axis 1) last, then flattens.
          const rank = this.inShapes[0].length;
          const perm = [0, ...Array.from({ length: rank - 2 }, (_, i) => i + 2), 1];
          return this.inPlanLayout((x) => tf.reshape(tf.transpose(x, perm), this.outShapes[0]));
        }
        return this.inPlanLayout((x) => tf.reshape(x, this.outShapes[0]));
      case 'reshape':
        return this.inPlanLayout((x) => tf.reshape(x, this.outShapes[0]));
      case 'permute':
        return this.inPlanLayout((x) => tf.transpose(x, spec.perm.map((a) => normalizePlanAxis(a, x.rank))));
      case 'reduce':
        return this.inPlanLayout((x) => {
          const axes = spec.axes.map((a) => normalizePlanAxis(a, x.rank));
          const reducer = { mean: tf.mean, sum: tf.sum, max: tf.max, min: tf.min }[spec.op];
          return reducer(x, axes, spec.keepDims);
        });
      case 'dense':
        return this.dense();
      case 'zeroPad':
      case 'pad':
      case 'upsample':
        return this.resizing();
      case 'add':
      case 'multiply':
      case 'subtract':
      case 'divide':
      case 'average':
      case 'maximum':
      case 'minimum':
        return this.merge();
      case 'concat':
        return this.concat();
      case 'matmul':
        return this.matmul();
      case 'split':
        return this.split();
      case 'channelShuffle':
        return this.channelShuffle();
      case 'index':
        throw new UnsupportedLayer('indexing a tensor is not run in the activations panel yet');
      case 'embedding':
        throw new UnsupportedLayer('an embedding looks up integer token ids, which an image cannot provide');
      case 'expand':
        return this.inPlanLayout((x) => tf.broadcastTo(x, this.outShapes[0]));
      case 'parameter':
        throw new UnsupportedLayer(`${spec.attribute} is a tensor the module holds, not a layer the panel can run`);
      case 'multiheadAttention':
        throw new UnsupportedLayer('multi-head attention is not among the layers the panel runs');
      case 'einsum':
        throw new UnsupportedLayer('einsum is not among the ops the panel runs');
      case 'repeat':
        throw new UnsupportedLayer('repeating a tensor is not run in the activations panel yet');
      case 'unknown':
        throw new UnsupportedLayer(spec.reason ? `${spec.className} could not be built: ${spec.reason}` : `${spec.className} is not a layer CNN Lens knows how to run`);
    }
  }

  // ---- layout helpers ---------------------------------------------------------------------------

  /** The layer's spatial data format: its own data_format, else the graph's. */
  private dataFormat(): 'channels_first' | 'channels_last' {
    return ('dataFormat' in this.spec && this.spec.dataFormat) || this.ctx.plan.layout;
  }

  /** The held layout in which this layer's input is NHWC for tfjs. */
  private spatialLayout(): HeldLayout {
    return this.dataFormat() === 'channels_first' ? 'channelsLast' : 'asPlan';
  }

  /** Plan indices of the spatial axes of a rank-`rank` tensor in this layer's format. */
  private planSpatialAxes(rank: number): number[] {
    const first = this.dataFormat() === 'channels_first' ? 2 : 1;
    return Array.from({ length: rank - 2 }, (_, i) => first + i);
  }

  /** Runs `op` on the input in the plan's own layout and keeps the result channels-last where it is spatial. */
  private inPlanLayout(op: (x: tf.Tensor) => tf.Tensor): Step {
    return (inputs) => {
      const y = op(convertHeld(inputs[0], 'asPlan'));
      const layout = this.canonical(y.rank);
      return [{ tensor: convertHeld({ tensor: y, layout: 'asPlan' }, layout), layout }];
    };
  }

  /** Refuses a layer whose weights cannot take its input (the analysis reports the mismatch too). */
  private expectInputWidth(expected: number, what: string): void {
    const input = this.inShapes[0];
    const axis = what === 'features' ? input.length - 1 : this.dataFormat() === 'channels_first' ? 1 : input.length - 1;
    if (input[axis] !== expected) throw new UnsupportedLayer(`it receives ${input[axis]} input ${what} but its weights take ${expected}`);
  }

  // ---- windowed layers ----------------------------------------------------------------------------

  private spatialRank(rank: number | undefined): 1 | 2 {
    const r = rank ?? this.inShapes[0].length - 2;
    if (r === 3) throw new UnsupportedLayer('3-D layers are not run in the activations panel');
    if (r !== 1 && r !== 2) throw new UnsupportedLayer(`a ${this.inShapes[0].length}-D input is not a batch of 1-D or 2-D maps`);
    return r;
  }

  /** The per-axis windows of a conv or pool, from its spec and the analysis's in/out sizes; 1-D layers get a unit first axis. */
  private windows(padding: Padding, kernel: readonly number[], stride: readonly number[], dilation: readonly number[], transposed = false): [AxisWindow, AxisWindow] {
    const axes = this.planSpatialAxes(this.inShapes[0].length);
    const built = axes.map((axis, i) => {
      const size = this.inShapes[0][axis];
      const out = this.outShapes[0][axis];
      let padBefore = 0;
      let padAfter = 0;
      if (padding.mode === 'explicit') [padBefore, padAfter] = padding.pads[i];
      else if (padding.mode === 'same') padBefore = transposed ? samePadBefore(out, size, kernel[i], stride[i], dilation[i]) : samePadBefore(size, out, kernel[i], stride[i], dilation[i]);
      return { size, out, kernel: kernel[i], stride: stride[i], dilation: dilation[i], padBefore, padAfter };
    });
    const unit: AxisWindow = { size: 1, out: 1, kernel: 1, stride: 1, dilation: 1, padBefore: 0, padAfter: 0 };
    return built.length === 1 ? [unit, built[0]] : [built[0], built[1]];
  }

  /** Runs a 2-D op on an NHWC (or lifted NLC) input; the output stays in the spatial layout. */
  private spatialStep(rank: 1 | 2, op: (x: tf.Tensor4D) => tf.Tensor4D, activation?: ActivationFn): Step {
    const layout = this.spatialLayout();
    return (inputs) => {
      const x = convertHeld(inputs[0], layout);
      const lifted = (rank === 1 ? tf.expandDims(x, 1) : x) as tf.Tensor4D;
      let y: tf.Tensor = op(lifted);
      if (rank === 1) y = tf.squeeze(y, [1]);
      if (activation) y = this.activate(y, activation, layout);
      return [{ tensor: y, layout }];
    };
  }

  private convolution(): Step {
    const spec = this.spec;
    if (spec.kind !== 'conv' && spec.kind !== 'depthwiseConv' && spec.kind !== 'separableConv' && spec.kind !== 'convTranspose') throw new Error('not a convolution');
    const rank = this.spatialRank(spec.rank);
    const torch = this.framework === 'pytorch';
    const bias = this.optionalWeight('bias', spec.bias);
    const addBias = (y: tf.Tensor4D) => (bias ? (tf.add(y, bias) as tf.Tensor4D) : y);
    if (spec.kind === 'conv') {
      const mode = spec.paddingMode ?? 'zeros';
      const filter = this.converted(() => (torch ? torchConvWeightToTf(this.weight('weight')) : liftKerasKernel(this.weight('kernel'))));
      this.expectInputWidth(filter.shape[2] * spec.groups, 'channels');
      const windows = this.windows(spec.padding, spec.kernel, spec.stride, spec.dilation);
      if (mode !== 'zeros') {
        // Pad in the conv's mode first (as much as the analysis's output needs), then convolve with no padding of its own.
        const after = windows.map(padAfterFor);
        const padded = windows.map((w, i) => ({ ...w, size: w.size + w.padBefore + after[i], padBefore: 0, padAfter: 0 })) as unknown as [AxisWindow, AxisWindow];
        const padModed = (x: tf.Tensor4D) => windows.reduce<tf.Tensor>((y, w, i) => (w.padBefore || after[i] ? padAxis(y, i + 1, w.padBefore, after[i], mode) : y), x) as tf.Tensor4D;
        return this.spatialStep(rank, (x) => addBias(convolve(padModed(x), filter, padded, spec.groups)), spec.activation);
      }
      return this.spatialStep(rank, (x) => addBias(convolve(x, filter, windows, spec.groups)), spec.activation);
    }
    if (spec.kind === 'depthwiseConv') {
      const filter = this.converted(() => liftKerasKernel(this.weight('depthwise_kernel')));
      this.expectInputWidth(filter.shape[2], 'channels');
      const windows = this.windows(spec.padding, spec.kernel, spec.stride, spec.dilation);
      return this.spatialStep(rank, (x) => addBias(depthwiseConvolve(x, filter, windows)), spec.activation);
    }
    if (spec.kind === 'separableConv') {
      const depthwise = this.converted(() => liftKerasKernel(this.weight('depthwise_kernel')));
      const pointwise = this.converted(() => liftKerasKernel(this.weight('pointwise_kernel')));
      this.expectInputWidth(depthwise.shape[2], 'channels');
      const windows = this.windows(spec.padding, spec.kernel, spec.stride, spec.dilation);
      const unit = (out: number): AxisWindow => ({ size: out, out, kernel: 1, stride: 1, dilation: 1, padBefore: 0, padAfter: 0 });
      return this.spatialStep(rank, (x) => addBias(convolve(depthwiseConvolve(x, depthwise, windows), pointwise, [unit(windows[0].out), unit(windows[1].out)], 1)), spec.activation);
    }
    const filter = this.converted(() => (torch ? torchConvTransposeWeightToForward(this.weight('weight'), spec.groups) : kerasConvTransposeKernelToForward(this.weight('kernel'))));
    this.expectInputWidth(filter.shape[2] * spec.groups, 'channels');
    const windows = this.windows(spec.padding, spec.kernel, spec.stride, spec.dilation, true);
    return this.spatialStep(rank, (x) => addBias(transposedConvolve(x, filter, windows, spec.groups)), spec.activation);
  }

  private pooling(): Step {
    const spec = this.spec;
    if (spec.kind === 'adaptivePool') {
      const rank = this.spatialRank(spec.rank);
      const axes = this.planSpatialAxes(this.outShapes[0].length);
      const out: [number, number] = rank === 1 ? [1, this.outShapes[0][axes[0]]] : [this.outShapes[0][axes[0]], this.outShapes[0][axes[1]]];
      return this.spatialStep(rank, (x) => adaptivePool(x, spec.op, out));
    }
    if (spec.kind !== 'pool') throw new Error('not a pool');
    const rank = this.spatialRank(spec.rank);
    const windows = this.windows(spec.padding, spec.kernel, spec.stride, spec.dilation);
    // Keras (TF) averages over real elements only; PyTorch's default counts the padding.
    const countIncludePad = this.framework === 'pytorch' ? spec.countIncludePad ?? true : false;
    if (spec.op === 'avg' && spec.divisorOverride !== undefined) {
      const divisor = spec.divisorOverride;
      return this.spatialStep(rank, (x) => dividedSumPool(x, windows, divisor));
    }
    return this.spatialStep(rank, (x) => pool(x, spec.op, windows, countIncludePad));
  }

  private globalPool(): Step {
    const spec = this.spec;
    if (spec.kind !== 'globalPool') throw new Error('not a global pool');
    const layout = this.spatialLayout();
    return (inputs) => {
      const x = convertHeld(inputs[0], layout);
      const axes = Array.from({ length: x.rank - 2 }, (_, i) => i + 1);
      const y = spec.op === 'sum' ? tf.sum(x, axes, spec.keepDims) : spec.op === 'avg' ? tf.mean(x, axes, spec.keepDims) : tf.max(x, axes, spec.keepDims);
      return [{ tensor: y, layout: effectiveLayout(layout, y.rank) }];
    };
  }

  private resizing(): Step {
    const spec = this.spec;
    if (spec.kind !== 'zeroPad' && spec.kind !== 'pad' && spec.kind !== 'upsample') throw new Error('not a resize');
    const layout = this.spatialLayout();
    const [input, output] = [this.inShapes[0], this.outShapes[0]];
    const axes = this.planSpatialAxes(input.length);
    const heldAxes = axes.map((_, i) => i + 1);
    if (spec.kind === 'zeroPad' || spec.kind === 'pad') {
      const mode = spec.kind === 'pad' ? spec.mode : 'constant';
      const value = spec.kind === 'pad' ? spec.value : 0;
      if (spec.trailing) {
        // The pads name the last axes of the tensor as the analysis has it (the plan's own layout).
        return (inputs) => {
          let x = convertHeld(inputs[0], 'asPlan');
          const first = x.rank - spec.pads.length;
          spec.pads.forEach(([before, after], k) => (x = padAxis(x, first + k, before, after, mode, value)));
          const held = this.canonical(x.rank);
          return [{ tensor: convertHeld({ tensor: x, layout: 'asPlan' }, held), layout: held }];
        };
      }
      return (inputs) => {
        let x = convertHeld(inputs[0], layout);
        heldAxes.forEach((axis, i) => (x = padAxis(x, axis, spec.pads[i][0], spec.pads[i][1], mode, value)));
        return [{ tensor: x, layout }];
      };
    }
    const mode = spec.mode.toLowerCase();
    const linear = mode === 'bilinear' || mode === 'linear' || mode === 'trilinear';
    if (!linear && mode !== 'nearest' && mode !== 'nearest-exact') throw new UnsupportedLayer(`upsampling mode '${spec.mode}' is not run in the activations panel`);
    // PyTorch uses 1/scale_factor when one is given (unless recompute_scale_factor); otherwise, and in Keras, in/out.
    const scale = (i: number) => (this.framework === 'pytorch' && spec.scale && !spec.size && !spec.recomputeScale ? 1 / (spec.scale[i] ?? spec.scale[0]) : input[axes[i]] / output[axes[i]]);
    const alignCorners = spec.alignCorners ?? false;
    const sources = axes.map((axis, i) => (linear ? linearIndex(input[axis], output[axis], scale(i), alignCorners) : nearestIndex(input[axis], scale(i), mode === 'nearest-exact')));
    return (inputs) => {
      let x = convertHeld(inputs[0], layout);
      heldAxes.forEach((axis, i) => (x = resizeAxis(x, axis, output[axes[i]], sources[i])));
      return [{ tensor: x, layout }];
    };
  }

  // ---- normalisation -----------------------------------------------------------------------------

  private batchNorm(): Step {
    const spec = this.spec;
    if (spec.kind !== 'batchNorm') throw new Error('not a batch norm');
    const torch = this.framework === 'pytorch';
    const rank = this.inShapes[0].length;
    const planAxis = normalizePlanAxis(spec.axis ?? (this.ctx.plan.layout === 'channels_first' ? 1 : -1), rank);
    const gamma = this.optionalWeight(torch ? 'weight' : 'gamma', spec.scale);
    const beta = this.optionalWeight(torch ? 'bias' : 'beta', torch ? spec.scale : spec.center);
    const useRunning = !torch || spec.trackRunningStats;
    const mean = useRunning ? this.weight(torch ? 'running_mean' : 'moving_mean') : undefined;
    const variance = useRunning ? this.weight(torch ? 'running_var' : 'moving_variance') : undefined;
    const eps = spec.eps ?? frameworkDefaults[this.framework].batchNormEps;
    return (inputs) => {
      const x = inputs[0].tensor;
      const axis = heldAxis(planAxis, rank, inputs[0].layout);
      const along = (v: tf.Tensor | undefined) => (v ? alongAxis(v, rank, axis) : undefined);
      if (mean && variance) return [{ tensor: normalize(x, along(mean)!, along(variance)!, eps, along(gamma), along(beta)), layout: inputs[0].layout }];
      // track_running_stats=False: eval mode normalises with the batch's own statistics.
      const others = Array.from({ length: rank }, (_, i) => i).filter((i) => i !== axis);
      return [{ tensor: normalizeOver(x, others, eps, along(gamma), along(beta)), layout: inputs[0].layout }];
    };
  }

  private layerNorm(): Step {
    const spec = this.spec;
    if (spec.kind !== 'layerNorm') throw new Error('not a layer norm');
    const torch = this.framework === 'pytorch';
    const rank = this.inShapes[0].length;
    const axes = torch ? Array.from({ length: spec.normalizedShape?.length ?? 1 }, (_, i) => rank - 1 - i).reverse() : (spec.axis ?? [-1]).map((a) => normalizePlanAxis(a, rank)).sort((a, b) => a - b);
    const broadcast = this.inShapes[0].map((d, i) => (axes.includes(i) ? d : 1));
    const gamma = this.optionalWeight(torch ? 'weight' : 'gamma', spec.scale);
    const beta = this.optionalWeight(torch ? 'bias' : 'beta', spec.center);
    const eps = spec.eps ?? frameworkDefaults[this.framework].layerNormEps;
    const shaped = (v: tf.Tensor | undefined) => (v ? tf.reshape(v, broadcast) : undefined);
    return this.inPlanLayout((x) => normalizeOver(x, axes, eps, shaped(gamma), shaped(beta)));
  }

  private groupNorm(): Step {
    const spec = this.spec;
    if (spec.kind !== 'groupNorm') throw new Error('not a group norm');
    const torch = this.framework === 'pytorch';
    const gamma = this.optionalWeight(torch ? 'weight' : 'gamma', spec.affine);
    const beta = this.optionalWeight(torch ? 'bias' : 'beta', spec.affine);
    const eps = spec.eps ?? frameworkDefaults[this.framework].groupNormEps;
    // Channels are the layout's channel axis; hold them last.
    const layout: HeldLayout = this.ctx.plan.layout === 'channels_first' ? 'channelsLast' : 'asPlan';
    return (inputs) => [{ tensor: groupNormalize(convertHeld(inputs[0], layout), spec.groups, eps, gamma, beta), layout: effectiveLayout(layout, inputs[0].tensor.rank) }];
  }

  private kerasNormalization(): Step {
    const spec = this.spec;
    if (spec.kind !== 'normalization') throw new Error('not a normalization');
    const rank = this.inShapes[0].length;
    const axes = spec.axis.map((a) => normalizePlanAxis(a, rank));
    const broadcast = this.inShapes[0].map((d, i) => (axes.includes(i) ? d : 1));
    const mean = this.weight('mean');
    const variance = this.weight('variance');
    return this.inPlanLayout((x) => tf.div(tf.sub(x, tf.reshape(mean, broadcast)), tf.maximum(tf.sqrt(tf.reshape(variance, broadcast)), kerasEpsilon)));
  }

  // ---- activations and dense ---------------------------------------------------------------------

  /**
   * Applies an activation to a tensor held in `layout`: an activation layer's with the constants
   * its spec carries, one fused into a Keras layer (`activation='leaky_relu'`) with the function's defaults.
   */
  private activate(x: tf.Tensor, fn: ActivationFn, layout: HeldLayout, preluAlpha?: tf.Tensor): tf.Tensor {
    const spec = this.spec;
    let axis: number | undefined;
    if (fn === 'softmax' || fn === 'logSoftmax') {
      const planAxis = spec.kind === 'activation' && spec.axis !== undefined ? spec.axis : this.framework === 'pytorch' ? torchImplicitSoftmaxAxis(x.rank) : -1;
      axis = heldAxis(planAxis, x.rank, layout);
    }
    const constants: ActivationConstants | undefined = spec.kind === 'activation' ? spec : undefined;
    return activate(x, fn, { framework: this.framework, axis, constants, preluAlpha });
  }

  private activation(): Step {
    const spec = this.spec;
    if (spec.kind !== 'activation') throw new Error('not an activation');
    if (spec.fn !== 'prelu') return (inputs) => [{ tensor: this.activate(inputs[0].tensor, spec.fn, inputs[0].layout), layout: inputs[0].layout }];
    const rank = this.inShapes[0].length;
    if (this.framework === 'pytorch') {
      const weight = this.weight('weight');
      return (inputs) => {
        const alpha = weight.size === 1 || rank < 2 ? weight : alongAxis(weight, rank, heldAxis(1, rank, inputs[0].layout));
        return [{ tensor: this.activate(inputs[0].tensor, 'prelu', inputs[0].layout, alpha), layout: inputs[0].layout }];
      };
    }
    const alpha = this.weight('alpha');
    return this.inPlanLayout((x) => this.activate(x, 'prelu', 'asPlan', tf.expandDims(alpha, 0)));
  }

  private dense(): Step {
    const spec = this.spec;
    if (spec.kind !== 'dense') throw new Error('not a dense layer');
    const torch = this.framework === 'pytorch';
    const kernel = this.weight(torch ? 'weight' : 'kernel');
    const bias = this.optionalWeight('bias', spec.bias);
    const inFeatures = this.inShapes[0][this.inShapes[0].length - 1];
    this.expectInputWidth((kernel.shape as number[])[torch ? 1 : 0], 'features');
    return this.inPlanLayout((x) => {
      // PyTorch weight [out, in] (x·Wᵀ), Keras kernel [in, out] (x·K), both on the last axis.
      let y: tf.Tensor = tf.matMul(tf.reshape(x, [-1, inFeatures]) as tf.Tensor2D, kernel as tf.Tensor2D, false, torch);
      if (bias) y = tf.add(y, bias);
      y = tf.reshape(y, this.outShapes[0]);
      return spec.activation ? this.activate(y, spec.activation, 'asPlan') : y;
    });
  }

  // ---- combining and splitting -------------------------------------------------------------------

  private merge(): Step {
    const spec = this.spec;
    const rank = this.outShapes[0].length;
    const layout = this.canonical(rank);
    const kind = spec.kind as 'add' | 'multiply' | 'subtract' | 'divide' | 'average' | 'maximum' | 'minimum';
    const ops = { add: tf.add, multiply: tf.mul, subtract: tf.sub, divide: tf.div, average: tf.add };
    const op = { ...ops, maximum: tf.maximum, minimum: tf.minimum }[kind];
    return (inputs) => {
      const operands = inputs.map((h) => {
        if (h.tensor.rank === rank) return convertHeld(h, layout);
        // Broadcasting aligns trailing plan axes: pad the plan shape with leading 1s, then hold it as the rest.
        const plan = convertHeld(h, 'asPlan');
        const full = tf.reshape(plan, [...Array(rank - plan.rank).fill(1), ...plan.shape]);
        return convertHeld({ tensor: full, layout: 'asPlan' }, layout);
      });
      const merged = operands.slice(1).reduce((acc, t) => op(acc, t), operands[0]);
      return [{ tensor: kind === 'average' ? tf.div(merged, operands.length) : merged, layout }];
    };
  }

  /** torch.matmul on the plan's own layout (torch's axes); tfjs broadcasts the batch axes. */
  private matmul(): Step {
    const spec = this.spec;
    if (spec.kind !== 'matmul') throw new Error('not a matmul');
    if (this.inShapes.some((shape) => shape.length < 2)) throw new UnsupportedLayer('a product with a vector is not run in the activations panel yet');
    return (inputs) => {
      const held = inputs.map((h) => convertHeld(h, 'asPlan'));
      const rank = Math.max(...held.map((t) => t.rank));
      const [a, b] = held.map((t) => (t.rank === rank ? t : tf.reshape(t, [...Array(rank - t.rank).fill(1), ...t.shape])));
      const y = tf.matMul(a, b, false, spec.transposeB ?? false);
      const layout = this.canonical(y.rank);
      return [{ tensor: convertHeld({ tensor: y, layout: 'asPlan' }, layout), layout }];
    };
  }

  private concat(): Step {
    const spec = this.spec;
    if (spec.kind !== 'concat') throw new Error('not a concat');
    const rank = this.outShapes[0].length;
    const layout = this.canonical(rank);
    const axis = heldAxis(spec.axis, rank, layout);
    return (inputs) => [{ tensor: tf.concat(inputs.map((h) => convertHeld(h, layout)), axis), layout }];
  }

  private split(): Step {
    const spec = this.spec;
    if (spec.kind !== 'split') throw new Error('not a split');
    const rank = this.inShapes[0].length;
    const planAxis = normalizePlanAxis(spec.axis, rank);
    const sizes = this.outShapes.map((s) => s[planAxis]);
    return (inputs) => {
      const axis = heldAxis(planAxis, rank, inputs[0].layout);
      return tf.split(inputs[0].tensor, sizes, axis).map((tensor) => ({ tensor, layout: inputs[0].layout }));
    };
  }

  private channelShuffle(): Step {
    const spec = this.spec;
    if (spec.kind !== 'channelShuffle') throw new Error('not a channel shuffle');
    const layout: HeldLayout = this.ctx.plan.layout === 'channels_first' ? 'channelsLast' : 'asPlan';
    return (inputs) => {
      const x = convertHeld(inputs[0], layout);
      const shape = x.shape;
      const channels = shape[shape.length - 1];
      // Channel i·(C/g) + j moves to j·g + i, as x.view(N, g, C/g, …).transpose(1, 2) does.
      const grouped = tf.reshape(x, [...shape.slice(0, -1), spec.groups, channels / spec.groups]);
      const perm = [...Array.from({ length: shape.length - 1 }, (_, i) => i), shape.length, shape.length - 1];
      return [{ tensor: tf.reshape(tf.transpose(grouped, perm), shape), layout: effectiveLayout(layout, shape.length) }];
    };
  }
}
