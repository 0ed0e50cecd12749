/**
 * The keras.layers catalog, shared by the Python evaluator (keyword arguments) and the Keras
 * JSON / tfjs / .h5 front-ends (layer `config` objects, same snake_case names): parameter order
 * for positional binding and the mapping to a normalised LayerSpec. Keras 2 and Keras 3 spellings
 * are both accepted (`alpha`/`negative_slope`, `keepdims`).
 */
import type { Layout } from '../ir/dims';
import type { ActivationFn, ActivationSpec, LayerSpec, Padding } from '../ir/layers';
import { ArgumentError, bool, int, intList, ints, num, optionalNum, str, type ArgValue, type Args } from './args';
import type { CatalogEntry } from './catalog';

type Rank = 1 | 2 | 3;

const activationNames: Readonly<Record<string, ActivationFn>> = {
  relu: 'relu',
  relu6: 'relu6',
  leaky_relu: 'leakyRelu',
  elu: 'elu',
  selu: 'selu',
  gelu: 'gelu',
  swish: 'silu',
  silu: 'silu',
  hard_swish: 'hardswish',
  hard_silu: 'hardswish',
  hard_sigmoid: 'hardsigmoid',
  sigmoid: 'sigmoid',
  tanh: 'tanh',
  softmax: 'softmax',
  log_softmax: 'logSoftmax',
  softplus: 'softplus',
  mish: 'mish',
  linear: 'linear',
};

/** `activation='relu'`, Keras 3's `{"module": ..., "config": ...}` or a registered name. */
export function kerasActivation(value: ArgValue | undefined): ActivationFn | undefined {
  if (value === undefined || value === null) return undefined;
  const name = typeof value === 'string' ? value : typeof value === 'object' && !Array.isArray(value) && typeof (value as Record<string, ArgValue>).class_name === 'string' ? String((value as Record<string, ArgValue>).class_name) : undefined;
  if (name === undefined) throw new ArgumentError(`activation ${JSON.stringify(value)} is not understood`);
  const fn = activationNames[name.toLowerCase()];
  if (!fn) throw new ArgumentError(`activation '${name}' is not one CNN Lens knows`);
  return fn === 'linear' ? undefined : fn;
}

function padding(a: Args): Padding {
  const p = str(a, 'padding', 'valid').toLowerCase();
  if (p === 'same' || p === 'valid') return { mode: p };
  throw new ArgumentError(`padding must be 'valid' or 'same', got '${p}'`);
}

function dataFormat(a: Args): Layout | undefined {
  const f = a.data_format;
  return f === 'channels_first' || f === 'channels_last' ? f : undefined;
}

const convParams = ['filters', 'kernel_size', 'strides', 'padding', 'data_format', 'dilation_rate', 'groups', 'activation', 'use_bias'];

function spatial(a: Args, rank: Rank, kernelName = 'kernel_size') {
  return { rank, kernel: ints(a, kernelName, rank), stride: ints(a, 'strides', rank, 1), dilation: ints(a, 'dilation_rate', rank, 1), padding: padding(a), dataFormat: dataFormat(a) };
}

function conv(rank: Rank): CatalogEntry {
  return { params: convParams, build: (a) => ({ kind: 'conv', ...spatial(a, rank), outChannels: int(a, 'filters'), groups: int(a, 'groups', 1), bias: bool(a, 'use_bias', true), activation: kerasActivation(a.activation) }) };
}

function convTranspose(rank: Rank): CatalogEntry {
  return {
    params: ['filters', 'kernel_size', 'strides', 'padding', 'output_padding', 'data_format', 'dilation_rate', 'activation', 'use_bias'],
    build: (a) => ({
      kind: 'convTranspose',
      ...spatial(a, rank),
      outChannels: int(a, 'filters'),
      groups: 1,
      bias: bool(a, 'use_bias', true),
      outputPadding: a.output_padding === undefined || a.output_padding === null ? undefined : ints(a, 'output_padding', rank),
      activation: kerasActivation(a.activation),
    }),
  };
}

function pool(op: 'max' | 'avg', rank: Rank): CatalogEntry {
  return {
    params: ['pool_size', 'strides', 'padding', 'data_format'],
    build: (a) => {
      const kernel = ints(a, 'pool_size', rank, 2);
      const stride = a.strides === undefined || a.strides === null ? kernel : ints(a, 'strides', rank);
      return { kind: 'pool', op, rank, kernel, stride, dilation: kernel.map(() => 1), padding: padding(a), ceilMode: false, dataFormat: dataFormat(a) };
    },
  };
}

function globalPool(op: 'max' | 'avg', rank: Rank): CatalogEntry {
  return { params: ['data_format', 'keepdims'], build: (a) => ({ kind: 'globalPool', op, rank, keepDims: bool(a, 'keepdims', false), dataFormat: dataFormat(a) }) };
}

/** Keras `axis` may be an int or a list. */
function axes(a: Args, fallback: number): number[] {
  return a.axis === undefined || a.axis === null ? [fallback] : intList(a, 'axis');
}

/** ZeroPadding2D(padding=1 | (1, 2) | ((1, 2), (3, 4))): symmetric per axis or explicit pairs. */
function zeroPad(rank: Rank): CatalogEntry {
  return {
    params: ['padding', 'data_format'],
    build: (a) => {
      const p = a.padding ?? 1;
      let pads: (readonly [number, number])[];
      if (typeof p === 'number') pads = Array.from({ length: rank }, () => [p, p] as const);
      else if (Array.isArray(p) && p.every((x) => typeof x === 'number')) pads = rank === 1 ? [[p[0] as number, p[1] as number]] : (p as number[]).map((x) => [x, x] as const);
      else if (Array.isArray(p) && p.every((x) => Array.isArray(x) && x.length === 2)) pads = (p as number[][]).map((x) => [x[0], x[1]] as const);
      else throw new ArgumentError(`padding ${JSON.stringify(p)} is not understood`);
      if (pads.length !== rank) throw new ArgumentError(`padding needs ${rank} entries, got ${pads.length}`);
      return { kind: 'zeroPad', rank, pads, dataFormat: dataFormat(a) };
    },
  };
}

function dropout(): CatalogEntry {
  return { params: ['rate', 'noise_shape', 'seed'], build: (a) => ({ kind: 'dropout', rate: num(a, 'rate', 0.5) }) };
}

function merge(kind: 'add' | 'multiply' | 'subtract' | 'average' | 'maximum' | 'minimum'): CatalogEntry {
  return { params: [], build: () => ({ kind, broadcast: true }) };
}

/**
 * Keras ReLU(max_value, negative_slope, threshold): the plain cases as relu, relu6 and leakyRelu;
 * any other combination as relu carrying all three, which the activations panel computes as Keras
 * does (x above the threshold, clipped at max_value, minus negative_slope · relu(threshold − x)).
 */
function kerasRelu(a: Args): ActivationSpec {
  const maxValue = optionalNum(a, 'max_value');
  const slope = num(a, 'negative_slope', 0);
  const threshold = num(a, 'threshold', 0);
  if (maxValue !== undefined && maxValue < 0) throw new ArgumentError(`max_value must be non-negative, got ${maxValue}`);
  if (slope < 0) throw new ArgumentError(`negative_slope must be non-negative, got ${slope}`);
  if (threshold === 0 && slope === 0 && maxValue === undefined) return { kind: 'activation', fn: 'relu' };
  if (threshold === 0 && slope === 0 && maxValue === 6) return { kind: 'activation', fn: 'relu6' };
  if (threshold === 0 && maxValue === undefined) return { kind: 'activation', fn: 'leakyRelu', alpha: slope };
  return { kind: 'activation', fn: 'relu', ...(slope ? { alpha: slope } : {}), ...(maxValue !== undefined ? { maxValue } : {}), ...(threshold ? { threshold } : {}) };
}

/** The epsilon of a Keras normalisation layer, when the source gives it. */
function epsilon(a: Args): { eps?: number } {
  const eps = optionalNum(a, 'epsilon');
  return eps === undefined ? {} : { eps };
}

/** Rescaling's scale / offset: a number, or one per feature of the last axis. */
function scalars(a: Args, name: string, fallback?: number): number | number[] {
  const v = a[name];
  if (v === undefined || v === null) {
    if (fallback === undefined) throw new ArgumentError(`${name} is required`);
    return fallback;
  }
  if (typeof v === 'number') return v;
  if (Array.isArray(v) && v.every((x) => typeof x === 'number')) return v.length === 1 ? (v[0] as number) : [...(v as number[])];
  throw new ArgumentError(`${name} must be a number or a list of numbers, got ${JSON.stringify(v)}`);
}

/**
 * Layers that only act while training (random augmentation, noise, regularisers): the identity at
 * inference, which is what a summary and a forward pass show. `params` are their leading arguments.
 */
function trainingOnly(params: readonly string[], note: string): CatalogEntry {
  return { params, build: () => ({ kind: 'identity', note }) };
}
const augmentation = (params: readonly string[]) => trainingOnly(params, 'random augmentation while training');

/** Resizing / CenterCrop / RandomCrop (height, width): the image's spatial size becomes (height, width). */
function toSize(mode: string, extra: readonly string[] = []): CatalogEntry {
  return {
    params: ['height', 'width', ...extra],
    build: (a) => ({
      kind: 'upsample',
      rank: 2,
      size: [int(a, 'height'), int(a, 'width')],
      mode: mode === 'interpolation' ? str(a, 'interpolation', 'bilinear') : mode,
      dataFormat: dataFormat(a),
    }),
  };
}

/** Cropping1D/2D/3D(cropping): as padding by minus the cropped amounts. */
function cropping(rank: Rank): CatalogEntry {
  const padding = zeroPad(rank);
  return {
    params: ['cropping', 'data_format'],
    build: (a, unresolved) => {
      const spec = padding.build({ ...a, padding: a.cropping ?? (rank === 1 ? [1, 1] : 0) }, unresolved);
      return spec.kind === 'zeroPad' ? { ...spec, pads: spec.pads.map(([x, y]) => [-x, -y] as const) } : spec;
    },
  };
}

/**
 * The other names Keras exports for a layer class (`MaxPool2D is MaxPooling2D`): the same class,
 * so layers keep the canonical class's automatic names (`max_pooling2d`).
 */
export const kerasLayerAliases: Readonly<Record<string, string>> = {
  MaxPool1D: 'MaxPooling1D',
  MaxPool2D: 'MaxPooling2D',
  MaxPool3D: 'MaxPooling3D',
  AvgPool1D: 'AveragePooling1D',
  AvgPool2D: 'AveragePooling2D',
  AvgPool3D: 'AveragePooling3D',
  GlobalAvgPool1D: 'GlobalAveragePooling1D',
  GlobalAvgPool2D: 'GlobalAveragePooling2D',
  GlobalAvgPool3D: 'GlobalAveragePooling3D',
  GlobalMaxPool1D: 'GlobalMaxPooling1D',
  GlobalMaxPool2D: 'GlobalMaxPooling2D',
  GlobalMaxPool3D: 'GlobalMaxPooling3D',
  Convolution1D: 'Conv1D',
  Convolution2D: 'Conv2D',
  Convolution3D: 'Conv3D',
  Convolution1DTranspose: 'Conv1DTranspose',
  Convolution2DTranspose: 'Conv2DTranspose',
  Convolution3DTranspose: 'Conv3DTranspose',
  Deconvolution2D: 'Conv2DTranspose',
  Deconvolution3D: 'Conv3DTranspose',
  Deconv2D: 'Conv2DTranspose',
  Deconv3D: 'Conv3DTranspose',
  SeparableConvolution1D: 'SeparableConv1D',
  SeparableConvolution2D: 'SeparableConv2D',
};

export const kerasLayers: Readonly<Record<string, CatalogEntry>> = {
  Conv1D: conv(1),
  Conv2D: conv(2),
  Conv3D: conv(3),
  Conv1DTranspose: convTranspose(1),
  Conv2DTranspose: convTranspose(2),
  Conv3DTranspose: convTranspose(3),
  DepthwiseConv2D: {
    params: ['kernel_size', 'strides', 'padding', 'depth_multiplier', 'data_format', 'dilation_rate', 'activation', 'use_bias'],
    build: (a) => ({ kind: 'depthwiseConv', ...spatial(a, 2), depthMultiplier: int(a, 'depth_multiplier', 1), bias: bool(a, 'use_bias', true), activation: kerasActivation(a.activation) }),
  },
  SeparableConv2D: {
    params: ['filters', 'kernel_size', 'strides', 'padding', 'data_format', 'dilation_rate', 'depth_multiplier', 'activation', 'use_bias'],
    build: (a) => ({ kind: 'separableConv', ...spatial(a, 2), outChannels: int(a, 'filters'), depthMultiplier: int(a, 'depth_multiplier', 1), bias: bool(a, 'use_bias', true), activation: kerasActivation(a.activation) }),
  },
  MaxPooling1D: pool('max', 1),
  MaxPooling2D: pool('max', 2),
  MaxPooling3D: pool('max', 3),
  AveragePooling1D: pool('avg', 1),
  AveragePooling2D: pool('avg', 2),
  AveragePooling3D: pool('avg', 3),
  GlobalAveragePooling1D: globalPool('avg', 1),
  GlobalAveragePooling2D: globalPool('avg', 2),
  GlobalAveragePooling3D: globalPool('avg', 3),
  GlobalMaxPooling1D: globalPool('max', 1),
  GlobalMaxPooling2D: globalPool('max', 2),
  GlobalMaxPooling3D: globalPool('max', 3),
  BatchNormalization: {
    params: ['axis', 'momentum', 'epsilon', 'center', 'scale'],
    constants: ['epsilon'],
    build: (a) => ({ kind: 'batchNorm', axis: axes(a, -1)[0], center: bool(a, 'center', true), scale: bool(a, 'scale', true), trackRunningStats: true, ...epsilon(a) }),
  },
  LayerNormalization: { params: ['axis', 'epsilon', 'center', 'scale'], constants: ['epsilon'], build: (a) => ({ kind: 'layerNorm', axis: axes(a, -1), center: bool(a, 'center', true), scale: bool(a, 'scale', true), ...epsilon(a) }) },
  GroupNormalization: { params: ['groups', 'axis', 'epsilon', 'center', 'scale'], constants: ['epsilon'], build: (a) => ({ kind: 'groupNorm', groups: int(a, 'groups', 32), affine: bool(a, 'center', true) && bool(a, 'scale', true), ...epsilon(a) }) },
  Activation: {
    params: ['activation'],
    build: (a) => ({ kind: 'activation', fn: kerasActivation(a.activation) ?? 'linear' }),
  },
  ReLU: { params: ['max_value', 'negative_slope', 'threshold'], constants: ['max_value', 'negative_slope', 'threshold'], build: kerasRelu },
  // Keras 3 names the slope negative_slope (and still takes alpha); Keras 2 named it alpha. The layer's default is 0.3.
  LeakyReLU: { params: ['negative_slope'], constants: ['negative_slope', 'alpha'], build: (a) => ({ kind: 'activation', fn: 'leakyRelu', alpha: optionalNum(a, 'negative_slope') ?? num(a, 'alpha', 0.3) }) },
  ELU: { params: ['alpha'], constants: ['alpha'], build: (a) => ({ kind: 'activation', fn: 'elu', ...(a.alpha === undefined || a.alpha === null ? {} : { alpha: num(a, 'alpha', 1) }) }) },
  PReLU: { params: ['alpha_initializer', 'alpha_regularizer', 'alpha_constraint', 'shared_axes'], build: (a) => ({ kind: 'activation', fn: 'prelu', preluSharedAxes: a.shared_axes === undefined || a.shared_axes === null ? [] : intList(a, 'shared_axes') }) },
  Softmax: { params: ['axis'], constants: ['axis'], build: (a) => ({ kind: 'activation', fn: 'softmax', axis: axes(a, -1)[0] }) },
  Dropout: dropout(),
  SpatialDropout1D: dropout(),
  SpatialDropout2D: dropout(),
  SpatialDropout3D: dropout(),
  GaussianDropout: dropout(),
  AlphaDropout: dropout(),
  Flatten: { params: ['data_format'], constants: ['data_format'], build: (a) => (dataFormat(a) === 'channels_first' ? { kind: 'flatten', startDim: 1, endDim: -1, dataFormat: 'channels_first' } : { kind: 'flatten', startDim: 1, endDim: -1 }) },
  Dense: { params: ['units', 'activation', 'use_bias'], build: (a) => ({ kind: 'dense', units: int(a, 'units'), bias: bool(a, 'use_bias', true), activation: kerasActivation(a.activation) }) },
  Embedding: { params: ['input_dim', 'output_dim'], build: (a) => ({ kind: 'embedding', numEmbeddings: int(a, 'input_dim'), embeddingDim: int(a, 'output_dim') }) },
  ZeroPadding1D: zeroPad(1),
  ZeroPadding2D: zeroPad(2),
  ZeroPadding3D: zeroPad(3),
  UpSampling1D: { params: ['size'], build: (a) => ({ kind: 'upsample', rank: 1, scale: ints(a, 'size', 1, 2), mode: 'nearest' }) },
  UpSampling2D: { params: ['size', 'data_format', 'interpolation'], constants: ['interpolation'], build: (a) => ({ kind: 'upsample', rank: 2, scale: ints(a, 'size', 2, 2), mode: str(a, 'interpolation', 'nearest'), dataFormat: dataFormat(a) }) },
  UpSampling3D: { params: ['size', 'data_format'], build: (a) => ({ kind: 'upsample', rank: 3, scale: ints(a, 'size', 3, 2), mode: 'nearest', dataFormat: dataFormat(a) }) },
  Reshape: { params: ['target_shape'], build: (a) => ({ kind: 'reshape', target: intList(a, 'target_shape'), includesBatch: false }) },
  Permute: { params: ['dims'], build: (a) => ({ kind: 'permute', perm: [0, ...intList(a, 'dims')] }) },
  Add: merge('add'),
  Multiply: merge('multiply'),
  Subtract: merge('subtract'),
  Concatenate: { params: ['axis'], build: (a) => ({ kind: 'concat', axis: int(a, 'axis', -1) }) },
  Rescaling: { params: ['scale', 'offset'], constants: ['scale', 'offset'], build: (a, unresolved) => ({ kind: 'rescaling', scale: unresolved.includes('scale') ? 1 : scalars(a, 'scale'), offset: scalars(a, 'offset', 0) }) },
  // Keras 3 keeps mean, variance and count as weights only when they are to be adapted (no mean= given).
  Normalization: {
    params: ['axis', 'mean', 'variance'],
    build: (a) => ({ kind: 'normalization', axis: axes(a, -1), adapted: a.mean === undefined || a.mean === null }),
  },
  Average: merge('average'),
  Maximum: merge('maximum'),
  Minimum: merge('minimum'),
  Cropping1D: cropping(1),
  Cropping2D: cropping(2),
  Cropping3D: cropping(3),
  Resizing: toSize('interpolation', ['interpolation', 'crop_to_aspect_ratio', 'pad_to_aspect_ratio']),
  CenterCrop: toSize('center crop'),
  RandomCrop: toSize('center crop at inference'),
  RandomFlip: augmentation(['mode', 'seed']),
  RandomRotation: augmentation(['factor', 'fill_mode', 'interpolation', 'seed']),
  RandomZoom: augmentation(['height_factor', 'width_factor', 'fill_mode', 'interpolation', 'seed']),
  RandomContrast: augmentation(['factor', 'seed']),
  RandomTranslation: augmentation(['height_factor', 'width_factor', 'fill_mode', 'interpolation', 'seed']),
  RandomBrightness: augmentation(['factor', 'value_range', 'seed']),
  RandomShear: augmentation(['x_factor', 'y_factor']),
  RandomHue: augmentation(['factor', 'value_range', 'seed']),
  RandomSaturation: augmentation(['factor', 'value_range', 'seed']),
  RandomSharpness: augmentation(['factor', 'value_range', 'seed']),
  RandomColorJitter: augmentation(['value_range']),
  RandomGrayscale: augmentation(['factor', 'data_format', 'seed']),
  RandomInvert: augmentation(['factor', 'value_range', 'seed']),
  RandomPosterization: augmentation(['factor', 'value_range', 'seed']),
  RandomErasing: augmentation(['factor', 'scale', 'fill_value', 'value_range', 'seed']),
  RandomGaussianBlur: augmentation(['factor', 'kernel_size', 'sigma', 'value_range', 'seed']),
  RandomPerspective: augmentation(['factor', 'scale', 'interpolation', 'fill_value', 'seed']),
  RandomElasticTransform: augmentation(['factor', 'scale', 'interpolation', 'fill_mode', 'fill_value', 'value_range']),
  RandomColorDegeneration: augmentation(['factor', 'value_range', 'seed']),
  AutoContrast: augmentation(['value_range']),
  Solarization: augmentation(['addition_factor', 'threshold_factor', 'value_range', 'seed']),
  GaussianNoise: trainingOnly(['stddev', 'seed'], 'noise added while training'),
  ActivityRegularization: trainingOnly(['l1', 'l2'], 'adds an activity penalty to the loss'),
  Masking: trainingOnly(['mask_value'], 'marks masked timesteps for later layers'),
  Identity: { params: [], build: () => ({ kind: 'identity' }) },
};
