/**
 * The layer vocabulary: one normalised spec per op family, shared by every framework. Front-ends
 * (via the framework catalogs) turn what the source says — `nn.Conv2d(3, 64, 7, 2, 3)`,
 * `layers.Conv2D(64, 7, strides=2, padding="same")`, an ONNX Conv node — into these specs; the
 * shape rules read only these. Sizes that the source leaves to be inferred (Keras input channels)
 * are absent, and sizes the source states (PyTorch `in_channels`) are kept so rules can check them.
 */
import type { Dim, Layout } from './dims';

/** Spatial padding: explicit [before, after] per spatial axis, or Keras/PyTorch 'same'/'valid'. */
export type Padding = { readonly mode: 'explicit'; readonly pads: readonly (readonly [number, number])[] } | { readonly mode: 'same' } | { readonly mode: 'valid' };

/** A layer-level data_format (Keras `data_format=`) that overrides the graph's layout. */
interface LayoutOverride {
  readonly dataFormat?: Layout;
}

/**
 * Constants the computation needs but the shape does not (eps, a slope, a scale) that the source
 * gives in a form CNN Lens cannot evaluate (`eps=cfg.eps` with `cfg` unknown). The shape is still
 * exact; anything that computes values (the activations panel) must refuse the layer.
 */
interface Unresolved {
  readonly unresolved?: readonly string[];
}

/** Keras layers can fuse an activation (`Conv2D(..., activation='relu')`). */
interface FusedActivation {
  readonly activation?: ActivationFn;
}

interface Spatial extends LayoutOverride {
  /** 1, 2 or 3 spatial dims. */
  readonly rank: 1 | 2 | 3;
  readonly kernel: readonly number[];
  readonly stride: readonly number[];
  readonly dilation: readonly number[];
  readonly padding: Padding;
}

export interface ConvSpec extends Spatial, FusedActivation {
  readonly kind: 'conv';
  readonly outChannels: number;
  /** Stated by PyTorch/ONNX; inferred from the input for Keras. */
  readonly inChannels?: number;
  readonly groups: number;
  readonly bias: boolean;
  readonly paddingMode?: 'zeros' | 'reflect' | 'replicate' | 'circular';
}

/** Keras DepthwiseConv2D: one (or `depthMultiplier`) filter per input channel. */
export interface DepthwiseConvSpec extends Spatial, FusedActivation {
  readonly kind: 'depthwiseConv';
  readonly depthMultiplier: number;
  readonly bias: boolean;
}

/** Keras SeparableConv2D: depthwise then 1×1 pointwise, as one layer. */
export interface SeparableConvSpec extends Spatial, FusedActivation {
  readonly kind: 'separableConv';
  readonly outChannels: number;
  readonly depthMultiplier: number;
  readonly bias: boolean;
}

export interface ConvTransposeSpec extends Spatial, FusedActivation {
  readonly kind: 'convTranspose';
  readonly outChannels: number;
  readonly inChannels?: number;
  readonly groups: number;
  readonly bias: boolean;
  /** Extra size added to one side of the output (PyTorch output_padding, Keras output_padding). */
  readonly outputPadding?: readonly number[];
}

export interface PoolSpec extends Spatial, Unresolved {
  readonly kind: 'pool';
  readonly op: 'max' | 'avg';
  readonly ceilMode: boolean;
  readonly countIncludePad?: boolean;
  /** PyTorch avg_pool `divisor_override`: every window's sum is divided by this instead. */
  readonly divisorOverride?: number;
}

export interface AdaptivePoolSpec extends LayoutOverride {
  readonly kind: 'adaptivePool';
  readonly op: 'max' | 'avg';
  readonly rank: 1 | 2 | 3;
  /** Per spatial axis; null keeps the input size (PyTorch `None`). */
  readonly outputSize: readonly (number | null)[];
}

export interface GlobalPoolSpec extends LayoutOverride {
  readonly kind: 'globalPool';
  /** `sum`: PyTorch `x.sum([2, 3])`, a sum (not a mean) over every spatial position. */
  readonly op: 'max' | 'avg' | 'sum';
  readonly rank: 1 | 2 | 3;
  readonly keepDims: boolean;
}

export interface BatchNormSpec extends Unresolved {
  readonly kind: 'batchNorm';
  /** PyTorch `eps`, Keras `epsilon`, when the source gives it; else the framework's default. */
  readonly eps?: number;
  readonly numFeatures?: number;
  /** Feature axis; default: the layout's channel axis. */
  readonly axis?: number;
  /** PyTorch `affine`; Keras `scale` and `center`. */
  readonly scale: boolean;
  readonly center: boolean;
  /** PyTorch track_running_stats; Keras always keeps moving stats (as non-trainable weights). */
  readonly trackRunningStats: boolean;
}

export interface LayerNormSpec extends Unresolved {
  readonly kind: 'layerNorm';
  /** PyTorch `eps`, Keras `epsilon`, when the source gives it; else the framework's default. */
  readonly eps?: number;
  /** PyTorch normalized_shape (trailing dims); for Keras, resolved from `axis` at shape time. */
  readonly normalizedShape?: readonly number[];
  readonly axis?: readonly number[];
  readonly scale: boolean;
  readonly center: boolean;
}

export interface GroupNormSpec extends Unresolved {
  readonly kind: 'groupNorm';
  /** PyTorch `eps`, Keras `epsilon`, when the source gives it; else the framework's default. */
  readonly eps?: number;
  readonly groups: number;
  readonly numChannels?: number;
  readonly affine: boolean;
}

export type ActivationFn = 'relu' | 'relu6' | 'leakyRelu' | 'elu' | 'selu' | 'gelu' | 'silu' | 'hardswish' | 'hardsigmoid' | 'sigmoid' | 'tanh' | 'softmax' | 'logSoftmax' | 'softplus' | 'mish' | 'prelu' | 'linear';

/**
 * An activation and the constants the source gives it; an absent constant means the framework's
 * default for that class (PyTorch LeakyReLU 0.01; Keras's LeakyReLU *layer* always records its
 * slope, since its default 0.3 differs from the `leaky_relu` function's 0.2).
 */
export interface ActivationSpec extends Unresolved {
  readonly kind: 'activation';
  readonly fn: ActivationFn;
  /** leakyRelu: the negative slope (PyTorch negative_slope, Keras alpha / negative_slope); elu: alpha; relu: Keras ReLU's negative_slope. */
  readonly alpha?: number;
  /** relu: Keras ReLU `max_value` (outputs are clipped to it). */
  readonly maxValue?: number;
  /** relu: Keras ReLU `threshold` (values at or below it are not passed through). */
  readonly threshold?: number;
  /** softplus: PyTorch `beta` (log(1 + e^(βx)) / β). */
  readonly beta?: number;
  /** softplus: PyTorch `threshold` (βx above it returns x). */
  readonly softplusThreshold?: number;
  /** gelu: PyTorch `approximate` ('tanh' is the tanh approximation). */
  readonly approximate?: 'none' | 'tanh';
  /** PReLU: PyTorch num_parameters (1 or C); Keras: alpha per non-shared axis, resolved from the input. */
  readonly preluParameters?: number;
  readonly preluSharedAxes?: readonly number[];
  readonly axis?: number;
}

export interface DropoutSpec {
  readonly kind: 'dropout';
  readonly rate: number;
}

export interface FlattenSpec extends Unresolved {
  readonly kind: 'flatten';
  readonly startDim: number;
  readonly endDim: number;
  /**
   * Keras `data_format='channels_first'`: the input's channels are moved last before flattening,
   * so the flat order is that of a channels-last tensor (the shape is the same either way).
   */
  readonly dataFormat?: Layout;
}

export interface DenseSpec extends FusedActivation {
  readonly kind: 'dense';
  readonly units: number;
  readonly inFeatures?: number;
  readonly bias: boolean;
}

export interface EmbeddingSpec {
  readonly kind: 'embedding';
  readonly numEmbeddings: number;
  readonly embeddingDim: number;
}

export interface ZeroPadSpec extends LayoutOverride {
  readonly kind: 'zeroPad';
  readonly rank: 1 | 2 | 3;
  /** [before, after] per spatial axis, in axis order (H then W); negative crops (F.pad). */
  readonly pads: readonly (readonly [number, number])[];
  /**
   * F.pad over more axes than the spatial ones (`F.pad(x, (0, 0, 0, 1, 0, 1))` on a channels-last
   * [N, H, W, C]): `pads` are for the last `pads.length` axes of the tensor, whatever they are.
   */
  readonly trailing?: boolean;
}

/** F.pad with mode reflect / replicate / circular, or constant with a value other than 0. */
export interface PadSpec extends Unresolved {
  readonly kind: 'pad';
  readonly rank: 1 | 2 | 3;
  /** [before, after] per spatial axis, in axis order (H then W). */
  readonly pads: readonly (readonly [number, number])[];
  /** As ZeroPadSpec's: `pads` are for the tensor's last axes. */
  readonly trailing?: boolean;
  readonly mode: 'constant' | 'reflect' | 'replicate' | 'circular';
  /** constant mode: the fill value. */
  readonly value: number;
}

export interface UpsampleSpec extends LayoutOverride, Unresolved {
  readonly kind: 'upsample';
  /** Spatial rank; when absent, taken from the input (PyTorch's Upsample serves 1-, 2- and 3-D). */
  readonly rank?: 1 | 2 | 3;
  readonly scale?: readonly number[];
  readonly size?: readonly number[];
  readonly mode: string;
  /** PyTorch `align_corners` (linear modes): corner pixels' centres line up; UpsamplingBilinear2d is always true. */
  readonly alignCorners?: boolean;
  /** PyTorch `recompute_scale_factor=True`: interpolation reads in/out rather than 1/scale_factor. */
  readonly recomputeScale?: boolean;
}

export interface ReshapeSpec {
  readonly kind: 'reshape';
  /** May contain one -1, and symbolic dims (the batch N) the input has too, which carry over. */
  readonly target: readonly (number | string)[];
  /** PyTorch view/reshape name every axis; Keras Reshape leaves out the batch. */
  readonly includesBatch: boolean;
}

export interface PermuteSpec {
  readonly kind: 'permute';
  /** A permutation of every axis, batch included (Keras's 1-based dims are converted). */
  readonly perm: readonly number[];
}

/**
 * Elementwise tensor–tensor ops; `divide` is the first input divided by the second (`a / b`);
 * `average`, `maximum` and `minimum` are Keras's merge layers of those names.
 */
export interface MergeSpec {
  readonly kind: 'add' | 'multiply' | 'subtract' | 'divide' | 'average' | 'maximum' | 'minimum';
  /** Keras merge layers need equal shapes; PyTorch operators broadcast. */
  readonly broadcast: boolean;
}

export interface ConcatSpec {
  readonly kind: 'concat';
  readonly axis: number;
}

/** x.mean(dims) / sum / amax over axes that are not exactly the spatial ones (those are global pooling). */
export interface ReduceSpec {
  readonly kind: 'reduce';
  readonly op: 'mean' | 'sum' | 'max' | 'min';
  readonly axes: readonly number[];
  readonly keepDims: boolean;
}

/** torch.chunk / torch.split / tf.split: one input, several outputs along an axis. */
export interface SplitSpec {
  readonly kind: 'split';
  readonly axis: number;
  /** `chunks` equal-ish pieces (torch.chunk), or explicit sizes (torch.split with a list). */
  readonly chunks?: number;
  readonly sizes?: readonly number[];
  /** torch.split with an int: pieces of this size, the last one smaller. */
  readonly size?: number;
}

/** One subscript item of `x[...]` on a symbolic tensor; `'?'` is a slice bound not known statically. */
export type IndexItemSpec =
  | { readonly int: number }
  | { readonly slice: readonly [number | null | '?', number | null | '?', number | null | '?'] }
  | { readonly newAxis: true }
  | { readonly ellipsis: true }
  /** An index tensor of this shape, or a bool mask over `mask` axes (one axis of unknown length). */
  | { readonly tensor: readonly (number | string | null)[]; readonly mask?: number }
  /** An index whose kind is not known (an int or a slice?): the output's dims are unknown. */
  | { readonly unknown: true };

/** `x[:, :c]`, `x[..., 0]`, `x[:, None]`, `x[idx]`: torch/numpy basic and advanced indexing. */
export interface IndexSpec {
  readonly kind: 'index';
  readonly items: readonly IndexItemSpec[];
}

export interface ChannelShuffleSpec {
  readonly kind: 'channelShuffle';
  readonly groups: number;
}

export interface PassThroughSpec {
  readonly kind: 'identity' | 'stochasticDepth';
  readonly note?: string;
}

/** Keras Rescaling: x · scale + offset, each a number or one value per feature of the last axis. */
export interface RescalingSpec extends Unresolved {
  readonly kind: 'rescaling';
  readonly scale: number | readonly number[];
  readonly offset: number | readonly number[];
}

/**
 * A tensor with a Python number (`x + 3`, `1 - x`, `x / 6`, `-x`, `x ** 2`, and in-place forms):
 * elementwise, same shape. `r…` ops have the number on the left (`rsub`: value − x, `rdiv`:
 * value / x, `rpow`: value ** x); `neg` carries value −1, the factor it multiplies by.
 */
export interface ScalarSpec {
  readonly kind: 'scalar';
  readonly op: 'add' | 'sub' | 'rsub' | 'mul' | 'div' | 'rdiv' | 'neg' | 'pow' | 'rpow';
  readonly value: number;
}

/** Keras Normalization: mean, variance (per feature) and count as non-trainable weights. */
export interface NormalizationSpec {
  readonly kind: 'normalization';
  readonly axis: readonly number[];
  /** Mean and variance learned by adapt() (weights), rather than given as constants (none). */
  readonly adapted?: boolean;
}

/**
 * A tensor a module owns directly (PyTorch `self.cls_token = nn.Parameter(torch.zeros(1, 1, 768))`,
 * `register_parameter`): it takes no input, outputs itself, and is its own weight, named as the
 * owner's attribute. Frozen by `requires_grad=False` through the module's `frozen` flag.
 */
export interface ParameterSpec {
  readonly kind: 'parameter';
  readonly attribute: string;
  readonly shape: readonly Dim[];
}

/**
 * PyTorch nn.MultiheadAttention: inputs query, key, value; outputs the attention output (the
 * query's shape) and the attention weights, averaged over heads unless `averageWeights` is false.
 */
export interface MultiheadAttentionSpec {
  readonly kind: 'multiheadAttention';
  readonly embedDim: number;
  readonly numHeads: number;
  readonly bias: boolean;
  readonly addBiasKv: boolean;
  readonly addZeroAttn: boolean;
  /** Key and value feature sizes; absent means embedDim (one packed in_proj_weight). */
  readonly kdim?: number;
  readonly vdim?: number;
  readonly batchFirst: boolean;
  readonly dropout: number;
  readonly averageWeights: boolean;
}

/**
 * PyTorch `x.expand(*sizes)`: a view that repeats size-1 axes (and may add leading ones); -1 keeps
 * the input's size on that axis. Broadcasting without copying, so no weights and no MACs.
 */
export interface ExpandSpec {
  readonly kind: 'expand';
  readonly sizes: readonly number[];
}

/**
 * `torch.einsum(equation, *operands)`: the equation's subscripts say which axes of the operands
 * meet and which remain (`'bhqd,bhkd->bhqk'`). No weights of its own.
 */
export interface EinsumSpec {
  readonly kind: 'einsum';
  readonly equation: string;
}

/**
 * PyTorch `torch.matmul(a, b)` / `a @ b` / `torch.bmm`, and `F.linear(x, w)` as `x @ wᵀ`
 * (`transposeB`): the matrix product of the last two axes, with the leading axes broadcast; a 1-D
 * operand is a vector (its added axis is removed from the output). The operands' weights belong to
 * whoever holds them (a Linear passing its own weight), so the product has none.
 */
export interface MatmulSpec {
  readonly kind: 'matmul';
  readonly transposeB?: boolean;
}

/**
 * Copies along axes: `Tensor.repeat(*sizes)` / `torch.tile` (`repeats`, one multiplier per axis,
 * aligned to the right; extra leading ones add axes) or `repeat_interleave` along one axis (each
 * element `count` times, or per-element counts adding up to `size`).
 */
export interface RepeatSpec {
  readonly kind: 'repeat';
  readonly repeats?: readonly number[];
  readonly interleave?: { readonly axis: number; readonly count?: number; readonly size?: number };
}

export interface UnknownSpec {
  readonly kind: 'unknown';
  /** What the source called it, e.g. `MyAttention` or `tfa.layers.GELU`. */
  readonly className: string;
  /** Why it is unknown when CNN Lens knows the class but could not build it (`in_channels is required`). */
  readonly reason?: string;
  /**
   * The output shape the source declares without the batch (Keras `Lambda(f, output_shape=…)`):
   * what Keras itself uses, so the shape after it is known, not guessed.
   */
  readonly declaredShape?: readonly Dim[];
}

export type LayerSpec =
  | ConvSpec
  | DepthwiseConvSpec
  | SeparableConvSpec
  | ConvTransposeSpec
  | PoolSpec
  | AdaptivePoolSpec
  | GlobalPoolSpec
  | BatchNormSpec
  | LayerNormSpec
  | GroupNormSpec
  | ActivationSpec
  | DropoutSpec
  | FlattenSpec
  | DenseSpec
  | MatmulSpec
  | EmbeddingSpec
  | ZeroPadSpec
  | PadSpec
  | UpsampleSpec
  | ReshapeSpec
  | PermuteSpec
  | MergeSpec
  | ConcatSpec
  | SplitSpec
  | IndexSpec
  | ReduceSpec
  | ChannelShuffleSpec
  | PassThroughSpec
  | RescalingSpec
  | ScalarSpec
  | NormalizationSpec
  | ParameterSpec
  | MultiheadAttentionSpec
  | ExpandSpec
  | EinsumSpec
  | RepeatSpec
  | UnknownSpec;

export type LayerKind = LayerSpec['kind'];
