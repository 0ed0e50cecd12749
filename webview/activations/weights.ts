/**
 * The weights the activations panel runs a model with, kept in each framework's own layout and
 * named as the framework names them (`layer1.0.conv1/weight`, `conv2d/kernel`), so that a loaded
 * state_dict, a safetensors file or a tfjs weights manifest drops in by name. Without a file the
 * panel shows what an *untrained* network does, so the random weights follow each framework's own
 * initialisers from a seeded generator (the same picture on every reload); the course's
 * hand-designed edge detectors can replace the first convolution so that its feature maps mean
 * something a learner recognises. The layout conversions the model builder needs live here too,
 * next to the layouts they convert from.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { ActivationPlan, PlainShape, PlanNode } from '../../src/core/analysis/activationPlan';

/** `${weightKey}/${name}` → tensor in the framework's own layout. */
export type WeightStore = Map<string, tf.Tensor>;

export const weightId = (weightKey: string, name: string): string => `${weightKey}/${name}`;

/** One tensor the plan's modules own: a weight of the plan, or a PyTorch BatchNorm buffer. */
export interface ExpectedWeight {
  readonly id: string;
  readonly weightKey: string;
  readonly name: string;
  /** Null where the analysis does not know a dimension. */
  readonly shape: PlainShape;
  /** The first node applying the module. */
  readonly node: PlanNode;
}

/**
 * Every tensor the plan's modules own, once per module (a module applied twice shares them). Adds
 * PyTorch BatchNorm's running_mean / running_var, which are buffers rather than parameters and so
 * absent from the analysis's weights, but which inference reads.
 */
export function expectedWeights(plan: ActivationPlan): ExpectedWeight[] {
  const seen = new Set<string>();
  const out: ExpectedWeight[] = [];
  const add = (node: PlanNode, name: string, shape: PlainShape) => {
    const id = weightId(node.weightKey!, name);
    if (seen.has(id)) return;
    seen.add(id);
    out.push({ id, weightKey: node.weightKey!, name, shape, node });
  };
  for (const node of plan.nodes) {
    if (node.weightKey === undefined) continue;
    for (const w of node.weights) add(node, w.name, w.shape);
    if (plan.framework === 'pytorch' && node.spec.kind === 'batchNorm' && node.spec.trackRunningStats) {
      const input = node.inputShapes[0] ?? [];
      const channels = node.spec.numFeatures ?? input[1] ?? null;
      add(node, 'running_mean', [channels]);
      add(node, 'running_var', [channels]);
    }
  }
  return out;
}

/** mulberry32: a small, fast, well-mixed 32-bit generator; reproducible across machines. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** FNV-1a: each weight gets its own stream, so editing one layer does not reshuffle the others. */
function hashString(text: string, seed: number): number {
  let h = (0x811c9dc5 ^ seed) >>> 0;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

const product = (dims: readonly number[]) => dims.reduce((p, d) => p * d, 1);

// Plain loops into a preallocated array: Float32Array.from with a mapping function was 4× slower
// and made seeding MobileNetV2's 3.5 M weights most of the panel's build time.
function uniform(size: number, bound: number, random: () => number): Float32Array {
  const out = new Float32Array(size);
  for (let i = 0; i < size; i++) out[i] = (random() * 2 - 1) * bound;
  return out;
}

function normal(size: number, random: () => number): Float32Array {
  const out = new Float32Array(size);
  for (let i = 0; i < size; i++) out[i] = Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  return out;
}

/** PyTorch's fan-in: dim 1 times the kernel (conv [out, in/g, k…], linear [out, in], conv-transpose [in, out/g, k…]). */
function torchFanIn(shape: readonly number[]): number {
  return shape.length < 2 ? shape[0] ?? 1 : shape[1] * product(shape.slice(2));
}

/** The module's weight tensor's fan-in, which its bias's bound also uses. */
function torchWeightShape(node: PlanNode): number[] | undefined {
  const w = node.weights.find((x) => x.name === 'weight');
  return w && w.shape.every((d) => d !== null) ? (w.shape as number[]) : undefined;
}

/** PyTorch's reset_parameters for each module kind. */
function torchInit(weight: ExpectedWeight, shape: number[], random: () => number): Float32Array {
  const size = product(shape);
  const kind = weight.node.spec.kind;
  const fill = (v: number) => new Float32Array(size).fill(v);
  if (kind === 'batchNorm' || kind === 'layerNorm' || kind === 'groupNorm') return weight.name === 'weight' || weight.name === 'running_var' ? fill(1) : fill(0);
  if (kind === 'activation') return fill(0.25); // PReLU init
  if (kind === 'embedding') return normal(size, random);
  // conv, conv-transpose, linear: kaiming_uniform(a=√5) → U(±1/√fan_in); bias U(±1/√fan_in) of the weight's fan-in.
  const fanIn = weight.name === 'bias' ? torchFanIn(torchWeightShape(weight.node) ?? shape) : torchFanIn(shape);
  return uniform(size, 1 / Math.sqrt(Math.max(fanIn, 1)), random);
}

/** Keras's default initialisers by weight name: glorot_uniform kernels, zero biases, unit scales. */
function kerasInit(weight: ExpectedWeight, shape: number[], random: () => number): Float32Array {
  const size = product(shape);
  const fill = (v: number) => new Float32Array(size).fill(v);
  switch (weight.name) {
    case 'gamma':
    case 'moving_variance':
    case 'variance':
      return fill(1);
    case 'bias':
    case 'beta':
    case 'moving_mean':
    case 'mean':
    case 'count':
    case 'alpha':
      return fill(0);
    case 'embeddings':
      return uniform(size, 0.05, random);
    default: {
      // glorot_uniform: limit √(6 / (fan_in + fan_out)), fans over [receptive…, in, out].
      const receptive = shape.length > 2 ? product(shape.slice(0, -2)) : 1;
      const fanIn = shape.length >= 2 ? shape[shape.length - 2] * receptive : size;
      const fanOut = shape.length >= 2 ? shape[shape.length - 1] * receptive : size;
      return uniform(size, Math.sqrt(6 / Math.max(fanIn + fanOut, 1)), random);
    }
  }
}

/**
 * Random weights as the framework would initialise a fresh model, reproducibly: each tensor's
 * values depend only on `seed` and its id. Tensors whose shape the analysis does not know are left
 * out (the model builder then reports the layer).
 */
export function seededWeights(plan: ActivationPlan, seed: number): WeightStore {
  const store: WeightStore = new Map();
  for (const weight of expectedWeights(plan)) {
    if (!weight.shape.every((d) => d !== null)) continue;
    const shape = weight.shape as number[];
    const random = mulberry32(hashString(weight.id, seed));
    const values = plan.framework === 'pytorch' ? torchInit(weight, shape, random) : kerasInit(weight, shape, random);
    store.set(weight.id, tf.keep(tf.tensor(values, shape, 'float32')));
  }
  return store;
}

/** The course's hand-designed 3×3 edge detectors (cross-correlation, as the frameworks compute). */
export const courseFilterPatterns: readonly { readonly name: string; readonly kernel: readonly (readonly number[])[] }[] = [
  { name: 'vertical edge', kernel: [[1, 0, -1], [1, 0, -1], [1, 0, -1]] },
  { name: 'horizontal edge', kernel: [[1, 1, 1], [0, 0, 0], [-1, -1, -1]] },
  { name: 'Sobel vertical', kernel: [[1, 0, -1], [2, 0, -2], [1, 0, -1]] },
  { name: 'Sobel horizontal', kernel: [[1, 2, 1], [0, 0, 0], [-1, -2, -1]] },
  { name: 'Scharr vertical', kernel: [[3, 0, -3], [10, 0, -10], [3, 0, -3]] },
  { name: 'Scharr horizontal', kernel: [[3, 10, 3], [0, 0, 0], [-3, -10, -3]] },
];

export interface CourseFilters {
  /** A new store: every tensor cloned (dispose it independently), the first conv's kernels replaced. */
  readonly weights: WeightStore;
  /** The conv that received the filters; absent when the model has none that can take them. */
  readonly layer?: { readonly nodeId: string; readonly name: string | null; readonly weightKey: string };
  /** Which pattern each output channel got: `channel 0: vertical edge`. */
  readonly channels: readonly { readonly channel: number; readonly filter: string }[];
  /** The same, by output channel, for labelling tiles. */
  readonly labels: ReadonlyMap<number, string>;
  /** Why no conv received them. */
  readonly skipped?: string;
}

/**
 * Puts the course's edge detectors into the first 2-D convolution, cycling through the six
 * patterns over its output channels, the same pattern on every input channel it reads (so a grey
 * image and its RGB copy light up the same edges), centred in zeros for kernels larger than 3×3,
 * with zero bias. Other weights are cloned unchanged.
 */
export function courseFilters(plan: ActivationPlan, weights: WeightStore): CourseFilters {
  const copy: WeightStore = new Map([...weights].map(([id, t]) => [id, tf.keep(tf.clone(t))]));
  const node = plan.nodes.find((n) => n.spec.kind === 'conv' && n.spec.rank === 2);
  if (!node || node.spec.kind !== 'conv' || node.weightKey === undefined) return { weights: copy, channels: [], labels: new Map(), skipped: 'the model has no 2-D convolution' };
  const [kH, kW] = node.spec.kernel;
  if (kH < 3 || kW < 3) return { weights: copy, channels: [], labels: new Map(), skipped: `the first convolution's kernel is ${kH}×${kW}, smaller than the 3×3 edge detectors` };
  const kernelName = plan.framework === 'pytorch' ? 'weight' : 'kernel';
  const id = weightId(node.weightKey, kernelName);
  const current = copy.get(id);
  if (!current) return { weights: copy, channels: [], labels: new Map(), skipped: `the weights have no ${id}` };
  const torch = plan.framework === 'pytorch';
  const shape = current.shape as number[];
  // PyTorch [out, in/g, kH, kW]; Keras [kH, kW, in/g, out].
  const outChannels = torch ? shape[0] : shape[3];
  const perGroup = torch ? shape[1] : shape[2];
  const values = new Float32Array(current.size);
  const top = Math.floor((kH - 3) / 2);
  const left = Math.floor((kW - 3) / 2);
  const channels: { channel: number; filter: string }[] = [];
  for (let o = 0; o < outChannels; o++) {
    const pattern = courseFilterPatterns[o % courseFilterPatterns.length];
    channels.push({ channel: o, filter: pattern.name });
    for (let i = 0; i < perGroup; i++) {
      for (let r = 0; r < 3; r++) {
        for (let c = 0; c < 3; c++) {
          const [y, x] = [top + r, left + c];
          const at = torch ? ((o * perGroup + i) * kH + y) * kW + x : ((y * kW + x) * perGroup + i) * outChannels + o;
          values[at] = pattern.kernel[r][c];
        }
      }
    }
  }
  current.dispose();
  copy.set(id, tf.keep(tf.tensor(values, shape, 'float32')));
  const biasId = weightId(node.weightKey, 'bias');
  const bias = copy.get(biasId);
  if (bias) {
    copy.set(biasId, tf.keep(tf.zeros(bias.shape)));
    bias.dispose();
  }
  return { weights: copy, layer: { nodeId: node.id, name: node.name, weightKey: node.weightKey }, channels, labels: new Map(channels.map((c) => [c.channel, c.filter])) };
}

/** Frees every tensor of a store (the model builder's own copies are freed by BuiltModel.dispose). */
export function disposeWeights(weights: WeightStore): void {
  for (const t of weights.values()) t.dispose();
  weights.clear();
}

// ---- layout conversions for the model builder -------------------------------------------------

/** A 1-D kernel lifted to 2-D with a height of 1, so 1-D layers run as 2-D ones on [N, 1, L, C]. */
function liftTorchKernel(w: tf.Tensor): tf.Tensor4D {
  const [out, perGroup, length] = w.shape as number[];
  return (w.rank === 3 ? tf.reshape(w, [out, perGroup, 1, length]) : w) as tf.Tensor4D;
}

/** Keras 1-D kernels [k, in, out] → [1, k, in, out]. */
export function liftKerasKernel(w: tf.Tensor): tf.Tensor4D {
  return (w.rank === 3 ? tf.expandDims(w, 0) : w) as tf.Tensor4D;
}

/**
 * PyTorch conv weight [out, in/g, kH, kW] (or [out, in/g, k]) → tfjs filter [kH, kW, in/g, out].
 * A depthwise weight [C·m, 1, kH, kW] becomes [kH, kW, 1, C·m], which `convolve` reshapes to
 * tfjs's depthwise [kH, kW, C, m] (output channel c·m + j ↔ [c, j], the same order in both).
 */
export function torchConvWeightToTf(w: tf.Tensor): tf.Tensor4D {
  return tf.transpose(liftTorchKernel(w), [2, 3, 1, 0]);
}

/**
 * PyTorch conv-transpose weight [in, out/g, kH, kW] → the forward filter [kH, kW, in/g, out] that
 * correlates the stride-spread input: per group, input and output swap roles, and the kernel flips.
 */
export function torchConvTransposeWeightToForward(w: tf.Tensor, groups: number): tf.Tensor4D {
  const lifted = liftTorchKernel(w);
  const [inChannels, outPerGroup, kH, kW] = lifted.shape as [number, number, number, number];
  const grouped = tf.reshape(lifted, [groups, inChannels / groups, outPerGroup, kH, kW]);
  const forward = tf.reshape(tf.transpose(grouped, [3, 4, 1, 0, 2]), [kH, kW, inChannels / groups, groups * outPerGroup]);
  return tf.reverse(forward, [0, 1]) as tf.Tensor4D;
}

/** Keras Conv2DTranspose kernel [kH, kW, out, in] → the forward filter [kH, kW, in, out], flipped. */
export function kerasConvTransposeKernelToForward(k: tf.Tensor): tf.Tensor4D {
  return tf.reverse(tf.transpose(liftKerasKernel(k), [0, 1, 3, 2]), [0, 1]);
}
