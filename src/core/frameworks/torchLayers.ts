/**
 * The torch.nn catalog: for each layer class the evaluator models, its constructor's parameter
 * names (to bind positional arguments as Python does) and how its arguments become a normalised
 * LayerSpec. Signatures follow torch 1.13–2.x. Classes missing here are not guessed at; the
 * front-end evaluates them from source or reports them as unknown layers.
 */
import type { ActivationFn, ActivationSpec, LayerSpec, Padding } from '../ir/layers';
import {
  ArgumentError,
  bool,
  int,
  intList,
  ints,
  num,
  optionalInts,
  optionalNum,
  str,
  type ArgValue,
  type Args,
} from './args';
import type { CatalogEntry } from './catalog';

type Rank = 1 | 2 | 3;

function torchPadding(args: Args, rank: Rank): Padding {
  const p = args.padding;
  if (p === 'same' || p === 'valid') return { mode: p };
  const each = ints(args, 'padding', rank, 0);
  return { mode: 'explicit', pads: each.map((x) => [x, x] as const) };
}

const convParams = [
  'in_channels',
  'out_channels',
  'kernel_size',
  'stride',
  'padding',
  'dilation',
  'groups',
  'bias',
  'padding_mode',
];
const convTransposeParams = [
  'in_channels',
  'out_channels',
  'kernel_size',
  'stride',
  'padding',
  'output_padding',
  'groups',
  'bias',
  'dilation',
  'padding_mode',
];

const convSizes = ['in_channels', 'out_channels', 'kernel_size', 'groups'];

const convAttributes = (rank: Rank) => ({
  tupled: ['kernel_size', 'stride', 'padding', 'dilation', 'output_padding'],
  rank,
  defaults: { stride: 1, padding: 0, dilation: 1, output_padding: 0, groups: 1, padding_mode: 'zeros' },
});

function conv(rank: Rank): CatalogEntry {
  return {
    params: convParams,
    sizes: convSizes,
    attributes: convAttributes(rank),
    build: (a) => ({
      kind: 'conv',
      rank,
      inChannels: int(a, 'in_channels'),
      outChannels: int(a, 'out_channels'),
      kernel: ints(a, 'kernel_size', rank),
      stride: ints(a, 'stride', rank, 1),
      dilation: ints(a, 'dilation', rank, 1),
      padding: torchPadding(a, rank),
      groups: int(a, 'groups', 1),
      bias: bool(a, 'bias', true),
      paddingMode: str(a, 'padding_mode', 'zeros') as 'zeros',
    }),
  };
}

function convTranspose(rank: Rank): CatalogEntry {
  return {
    params: convTransposeParams,
    sizes: convSizes,
    attributes: convAttributes(rank),
    build: (a) => ({
      kind: 'convTranspose',
      rank,
      inChannels: int(a, 'in_channels'),
      outChannels: int(a, 'out_channels'),
      kernel: ints(a, 'kernel_size', rank),
      stride: ints(a, 'stride', rank, 1),
      dilation: ints(a, 'dilation', rank, 1),
      padding: { mode: 'explicit', pads: ints(a, 'padding', rank, 0).map((x) => [x, x] as const) },
      outputPadding: ints(a, 'output_padding', rank, 0),
      groups: int(a, 'groups', 1),
      bias: bool(a, 'bias', true),
    }),
  };
}

function pool(op: 'max' | 'avg', rank: Rank): CatalogEntry {
  const params =
    op === 'max'
      ? ['kernel_size', 'stride', 'padding', 'dilation', 'return_indices', 'ceil_mode']
      : ['kernel_size', 'stride', 'padding', 'ceil_mode', 'count_include_pad', 'divisor_override'];
  return {
    params,
    constants: op === 'avg' ? ['count_include_pad', 'divisor_override'] : [],
    build: (a) => {
      const kernel = ints(a, 'kernel_size', rank);
      const divisor =
        op === 'avg' && a.divisor_override !== undefined && a.divisor_override !== null
          ? int(a, 'divisor_override')
          : undefined;
      if (divisor === 0) throw new ArgumentError('divisor_override must not be 0');
      return {
        kind: 'pool',
        op,
        rank,
        kernel,
        // stride=None means "the kernel size"
        stride:
          a.stride === undefined || a.stride === null || (Array.isArray(a.stride) && a.stride.length === 0)
            ? kernel
            : ints(a, 'stride', rank),
        dilation: op === 'max' ? ints(a, 'dilation', rank, 1) : kernel.map(() => 1),
        padding: { mode: 'explicit', pads: ints(a, 'padding', rank, 0).map((x) => [x, x] as const) },
        ceilMode: bool(a, 'ceil_mode', false),
        countIncludePad: op === 'avg' ? bool(a, 'count_include_pad', true) : undefined,
        divisorOverride: divisor,
      };
    },
  };
}

function adaptive(op: 'max' | 'avg', rank: Rank): CatalogEntry {
  return {
    params: op === 'max' ? ['output_size', 'return_indices'] : ['output_size'],
    build: (a) => ({ kind: 'adaptivePool', op, rank, outputSize: optionalInts(a, 'output_size', rank) }),
  };
}

/** BatchNorm and InstanceNorm share a constructor: (num_features, eps, momentum, affine, track_running_stats). */
function featureNorm(
  affineByDefault: boolean,
  build: (a: Args, features: number, affine: boolean) => LayerSpec,
): CatalogEntry {
  return {
    params: ['num_features', 'eps', 'momentum', 'affine', 'track_running_stats'],
    constants: ['eps'],
    sizes: ['num_features'],
    build: (a) => build(a, int(a, 'num_features'), bool(a, 'affine', affineByDefault)),
  };
}

function batchNorm(): CatalogEntry {
  return featureNorm(true, (a, c, affine) => ({
    kind: 'batchNorm',
    numFeatures: c,
    axis: 1,
    scale: affine,
    center: affine,
    trackRunningStats: bool(a, 'track_running_stats', true),
    eps: optionalNum(a, 'eps'),
  }));
}

/**
 * InstanceNorm is GroupNorm with one group per channel (as ONNX's InstanceNormalization is read),
 * affine off by default. With track_running_stats eval mode normalises by the running statistics
 * instead, a computation GroupNorm does not describe: the shape and parameters are exact, and the
 * spec says the computation is not.
 */
function instanceNorm(): CatalogEntry {
  return featureNorm(false, (a, c, affine) => {
    const spec = { kind: 'groupNorm' as const, groups: c, numChannels: c, affine, eps: optionalNum(a, 'eps') };
    return bool(a, 'track_running_stats', false) ? { ...spec, unresolved: ['track_running_stats'] } : spec;
  });
}

/** nn.MultiheadAttention; torch asserts at construction that the heads divide embed_dim. */
function multiheadAttention(): CatalogEntry {
  return {
    params: [
      'embed_dim',
      'num_heads',
      'dropout',
      'bias',
      'add_bias_kv',
      'add_zero_attn',
      'kdim',
      'vdim',
      'batch_first',
    ],
    sizes: ['embed_dim', 'kdim', 'vdim'],
    inputs: ['query', 'key', 'value'],
    build: (a) => {
      const embedDim = int(a, 'embed_dim');
      const numHeads = int(a, 'num_heads');
      if (numHeads <= 0 || embedDim % numHeads !== 0)
        throw new ArgumentError(`embed_dim (${embedDim}) must be divisible by num_heads (${numHeads})`);
      const kdim = a.kdim === undefined || a.kdim === null ? undefined : int(a, 'kdim');
      const vdim = a.vdim === undefined || a.vdim === null ? undefined : int(a, 'vdim');
      return defined({
        kind: 'multiheadAttention' as const,
        embedDim,
        numHeads,
        bias: bool(a, 'bias', true),
        addBiasKv: bool(a, 'add_bias_kv', false),
        addZeroAttn: bool(a, 'add_zero_attn', false),
        kdim,
        vdim,
        batchFirst: bool(a, 'batch_first', false),
        dropout: num(a, 'dropout', 0),
        averageWeights: true,
      });
    },
  };
}

/** An activation class; `constants` maps its constructor's constant arguments onto the spec. */
function activation(
  fn: ActivationFn,
  params: string[] = ['inplace'],
  constants: (a: Args) => Partial<ActivationSpec> = () => ({}),
): CatalogEntry {
  return {
    params,
    constants: params.filter((p) => p !== 'inplace'),
    build: (a) => ({ kind: 'activation', fn, ...defined(constants(a)) }),
  };
}

/** The object without its undefined fields, so that specs only carry what the source says. */
function defined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

function geluApproximate(a: Args): 'none' | 'tanh' | undefined {
  if (a.approximate === undefined || a.approximate === null) return undefined;
  const v = str(a, 'approximate', 'none');
  if (v !== 'none' && v !== 'tanh') throw new ArgumentError(`approximate must be 'none' or 'tanh', got '${v}'`);
  return v;
}

function dropout(): CatalogEntry {
  return { params: ['p', 'inplace'], build: (a) => ({ kind: 'dropout', rate: num(a, 'p', 0.5) }) };
}

function softmax(fn: 'softmax' | 'logSoftmax'): CatalogEntry {
  return {
    params: ['dim'],
    constants: ['dim'],
    build: (a) => ({ kind: 'activation', fn, axis: a.dim === undefined || a.dim === null ? undefined : int(a, 'dim') }),
  };
}

function upsample(fixedMode?: string): CatalogEntry {
  return {
    params: fixedMode
      ? ['size', 'scale_factor']
      : ['size', 'scale_factor', 'mode', 'align_corners', 'recompute_scale_factor'],
    constants: ['mode', 'align_corners', 'recompute_scale_factor'],
    build: (a) => {
      const size =
        a.size === undefined || a.size === null
          ? undefined
          : typeof a.size === 'number'
            ? [a.size]
            : intList(a, 'size');
      const sf = a.scale_factor;
      const scale =
        sf === undefined || sf === null
          ? undefined
          : typeof sf === 'number'
            ? [sf]
            : Array.isArray(sf)
              ? (sf as ArgValue[]).map((x) => Number(x))
              : undefined;
      if (!size && !scale) throw new ArgumentError('either size or scale_factor is required');
      // The rank comes from the input (Upsample works on 3-, 4- and 5-D tensors alike).
      // UpsamplingBilinear2d is interpolate(..., mode='bilinear', align_corners=True).
      const alignCorners =
        fixedMode === 'bilinear'
          ? true
          : fixedMode
            ? undefined
            : a.align_corners === undefined || a.align_corners === null
              ? undefined
              : bool(a, 'align_corners', false);
      const recomputeScale = fixedMode || !bool(a, 'recompute_scale_factor', false) ? undefined : true;
      return defined({
        kind: 'upsample' as const,
        size,
        scale,
        mode: fixedMode ?? str(a, 'mode', 'nearest'),
        alignCorners,
        recomputeScale,
      });
    },
  };
}

/** torch's ZeroPad2d takes (left, right, top, bottom): last axis first. */
function zeroPad(rank: Rank): CatalogEntry {
  return {
    params: ['padding'],
    build: (a) => {
      const raw = ints(a, 'padding', rank * 2);
      const pads = Array.from(
        { length: rank },
        (_, i) => [raw[2 * (rank - 1 - i)], raw[2 * (rank - 1 - i) + 1]] as const,
      );
      return { kind: 'zeroPad', rank, pads };
    },
  };
}

export const torchLayers: Readonly<Record<string, CatalogEntry>> = {
  Conv1d: conv(1),
  Conv2d: conv(2),
  Conv3d: conv(3),
  ConvTranspose1d: convTranspose(1),
  ConvTranspose2d: convTranspose(2),
  ConvTranspose3d: convTranspose(3),
  MaxPool1d: pool('max', 1),
  MaxPool2d: pool('max', 2),
  MaxPool3d: pool('max', 3),
  AvgPool1d: pool('avg', 1),
  AvgPool2d: pool('avg', 2),
  AvgPool3d: pool('avg', 3),
  AdaptiveAvgPool1d: adaptive('avg', 1),
  AdaptiveAvgPool2d: adaptive('avg', 2),
  AdaptiveAvgPool3d: adaptive('avg', 3),
  AdaptiveMaxPool1d: adaptive('max', 1),
  AdaptiveMaxPool2d: adaptive('max', 2),
  AdaptiveMaxPool3d: adaptive('max', 3),
  BatchNorm1d: batchNorm(),
  BatchNorm2d: batchNorm(),
  BatchNorm3d: batchNorm(),
  LayerNorm: {
    params: ['normalized_shape', 'eps', 'elementwise_affine', 'bias'],
    build: (a) => {
      const affine = bool(a, 'elementwise_affine', true);
      return {
        kind: 'layerNorm',
        normalizedShape: intList(a, 'normalized_shape'),
        scale: affine,
        center: affine && bool(a, 'bias', true),
        eps: optionalNum(a, 'eps'),
      };
    },
    constants: ['eps'],
    sizes: ['normalized_shape'],
  },
  InstanceNorm1d: instanceNorm(),
  InstanceNorm2d: instanceNorm(),
  InstanceNorm3d: instanceNorm(),
  GroupNorm: {
    params: ['num_groups', 'num_channels', 'eps', 'affine'],
    constants: ['eps'],
    sizes: ['num_channels'],
    build: (a) => ({
      kind: 'groupNorm',
      groups: int(a, 'num_groups'),
      numChannels: int(a, 'num_channels'),
      affine: bool(a, 'affine', true),
      eps: optionalNum(a, 'eps'),
    }),
  },
  ReLU: activation('relu'),
  ReLU6: activation('relu6'),
  LeakyReLU: activation('leakyRelu', ['negative_slope', 'inplace'], (a) => ({
    alpha: optionalNum(a, 'negative_slope'),
  })),
  ELU: activation('elu', ['alpha', 'inplace'], (a) => ({ alpha: optionalNum(a, 'alpha') })),
  SELU: activation('selu'),
  GELU: activation('gelu', ['approximate'], (a) => ({ approximate: geluApproximate(a) })),
  SiLU: activation('silu'),
  Hardswish: activation('hardswish'),
  Hardsigmoid: activation('hardsigmoid'),
  Sigmoid: activation('sigmoid', []),
  Tanh: activation('tanh', []),
  Softplus: activation('softplus', ['beta', 'threshold'], (a) => ({
    beta: optionalNum(a, 'beta'),
    softplusThreshold: optionalNum(a, 'threshold'),
  })),
  Mish: activation('mish'),
  Softmax: softmax('softmax'),
  LogSoftmax: softmax('logSoftmax'),
  PReLU: {
    params: ['num_parameters', 'init'],
    sizes: ['num_parameters'],
    build: (a) => ({ kind: 'activation', fn: 'prelu', preluParameters: int(a, 'num_parameters', 1) }),
  },
  Dropout: dropout(),
  Dropout1d: dropout(),
  Dropout2d: dropout(),
  Dropout3d: dropout(),
  AlphaDropout: dropout(),
  Flatten: {
    params: ['start_dim', 'end_dim'],
    build: (a) => ({ kind: 'flatten', startDim: int(a, 'start_dim', 1), endDim: int(a, 'end_dim', -1) }),
  },
  Linear: {
    params: ['in_features', 'out_features', 'bias'],
    sizes: ['in_features', 'out_features'],
    build: (a) => ({
      kind: 'dense',
      inFeatures: int(a, 'in_features'),
      units: int(a, 'out_features'),
      bias: bool(a, 'bias', true),
    }),
  },
  Embedding: {
    params: ['num_embeddings', 'embedding_dim', 'padding_idx', 'max_norm'],
    sizes: ['num_embeddings', 'embedding_dim'],
    build: (a) => ({
      kind: 'embedding',
      numEmbeddings: int(a, 'num_embeddings'),
      embeddingDim: int(a, 'embedding_dim'),
    }),
  },
  ZeroPad1d: zeroPad(1),
  ZeroPad2d: zeroPad(2),
  ZeroPad3d: zeroPad(3),
  Upsample: upsample(),
  UpsamplingNearest2d: upsample('nearest'),
  UpsamplingBilinear2d: upsample('bilinear'),
  Identity: { params: [], build: () => ({ kind: 'identity' }) },
  ChannelShuffle: { params: ['groups'], build: (a) => ({ kind: 'channelShuffle', groups: int(a, 'groups') }) },
  MultiheadAttention: multiheadAttention(),
  // torch.ao.quantization's stubs (the front-end files them there): identities until a model is converted.
  QuantStub: {
    params: ['qconfig'],
    build: () => ({ kind: 'identity', note: 'quantizes once the model is converted' }),
  },
  DeQuantStub: {
    params: ['qconfig'],
    build: () => ({ kind: 'identity', note: 'dequantizes once the model is converted' }),
  },
};

interface LazyLayer {
  readonly base: string;
  readonly size: string;
  readonly axis: number;
}

/** `Lazy<family>1d/2d/3d`, each reading `size` from its input's channels. */
function lazyRanks(family: string, size: string): Record<string, LazyLayer> {
  return Object.fromEntries([1, 2, 3].map((r) => [`Lazy${family}${r}d`, { base: `${family}${r}d`, size, axis: 1 }]));
}

/**
 * torch.nn's lazy layers: the base class whose constructor they share minus `size`, which the
 * first call reads from its input's `axis` (channels, or the last axis for LazyLinear).
 */
export const torchLazyLayers: Readonly<Record<string, LazyLayer>> = {
  ...lazyRanks('Conv', 'in_channels'),
  ...lazyRanks('ConvTranspose', 'in_channels'),
  ...lazyRanks('BatchNorm', 'num_features'),
  ...lazyRanks('InstanceNorm', 'num_features'),
  LazyLinear: { base: 'Linear', size: 'in_features', axis: -1 },
};
