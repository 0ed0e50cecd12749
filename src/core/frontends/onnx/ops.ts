/**
 * ONNX operators as CNN Lens layer specs. An ONNX node states its sizes through attributes and the
 * shapes of the initializers it reads (a Conv's kernel size and channel counts are its weight's
 * dims), so each mapping here takes the node plus lookups for constants and known input shapes and
 * returns the normalised spec the shape rules already understand — the same vocabulary the PyTorch
 * and Keras front-ends produce — or a refusal with its reason. Nodes whose inputs are all
 * constants (Shape → Gather → Concat → Reshape, as torch.onnx.export writes `x.view(x.size(0), -1)`)
 * fold to constants through ./fold, which is how a Reshape's target or a Slice's bounds become known.
 */
import { isKnown, type Dim, type Shape } from '../../ir/dims';
import type { ActivationFn, IndexItemSpec, LayerSpec, Padding } from '../../ir/layers';
import { foldConstants, isFloatType, maxConstValues, pickWhere, reshapeDims, roundings, sameOrScalar, sliceConst, transposeConst, type Const } from './fold';
import type { OnnxAttribute, OnnxNode } from './proto';

export { isFloatType, type Const };


export interface OpContext {
  readonly opset: number;
  constant(name: string | undefined): Const | undefined;
  shape(name: string | undefined): Shape | undefined;
  /**
   * Whether an initializer holds the tensor: a learned parameter, not a constant the exporter wrote (InstanceNorm's
   * ones when affine=False).
   */
  stored(name: string | undefined): boolean;
}

/** What a node becomes: a layer (weights keyed by the initializer that holds them), folded constants, or a refusal. */
export type Mapped =
  | { readonly spec: LayerSpec; readonly tensors: readonly string[]; readonly weightKey?: string }
  | { readonly folded: readonly Const[] }
  | { readonly unknown: string; readonly tensors: readonly string[] };

export function attribute(node: OnnxNode, name: string): OnnxAttribute | undefined {
  return node.attributes.find((a) => a.name === name);
}
export const int = (n: OnnxNode, k: string, d: number) => attribute(n, k)?.i ?? d;
export const float = (n: OnnxNode, k: string, d: number) => attribute(n, k)?.f ?? d;
const str = (n: OnnxNode, k: string, d: string) => attribute(n, k)?.s ?? d;
const ints = (n: OnnxNode, k: string) => attribute(n, k)?.ints;
export const present = (s: string | undefined): s is string => s !== undefined && s !== '';
export const numbers = (c: Const | undefined): number[] | undefined => (c?.values && c.values.every(isKnown) ? (c.values as number[]) : undefined);
const count = (dims: readonly number[]) => dims.reduce((a, b) => a * b, 1);

const activations: Record<string, ActivationFn> = { Relu: 'relu', Sigmoid: 'sigmoid', Tanh: 'tanh', HardSwish: 'hardswish', Selu: 'selu', Softplus: 'softplus', Mish: 'mish', Elu: 'elu', LeakyRelu: 'leakyRelu' };
const merges = { Add: 'add', Mul: 'multiply', Sub: 'subtract', Div: 'divide' } as const;
const scalarOps = { Add: ['add', 'add'], Mul: ['mul', 'mul'], Sub: ['sub', 'rsub'], Div: ['div', 'rdiv'] } as const;

export function mapNode(node: OnnxNode, ctx: OpContext): Mapped {
  const op = node.opType;
  const x = node.inputs[0];
  const inShape = ctx.shape(x);
  const layer = (spec: LayerSpec, weightKey?: string): Mapped => ({ spec, tensors: [x], weightKey });
  const refuse = (why: string): Mapped => ({ unknown: why, tensors: node.inputs.filter((i) => present(i) && ctx.shape(i)) });
  switch (op) {
    case 'Conv':
    case 'ConvTranspose': {
      const w = ctx.constant(node.inputs[1]);
      if (!w) return refuse('its weight is computed in the graph, not stored');
      const rank = w.dims.length - 2;
      if (rank < 1 || rank > 3) return refuse(`a ${w.dims.length}-D weight`);
      const group = int(node, 'group', 1);
      const kernel = ints(node, 'kernel_shape') ?? w.dims.slice(2);
      const spatial = { rank: rank as 1 | 2 | 3, kernel, stride: ints(node, 'strides') ?? kernel.map(() => 1), dilation: ints(node, 'dilations') ?? kernel.map(() => 1), padding: padding(node, rank), bias: present(node.inputs[2]) };
      if (group < 1) return refuse(`group ${group}`);
      if (op === 'Conv') return layer({ kind: 'conv', ...spatial, outChannels: w.dims[0], inChannels: w.dims[1] * group, groups: group }, node.inputs[1]);
      if (ints(node, 'output_shape')) return refuse('output_shape is not supported; give pads and output_padding');
      return layer({ kind: 'convTranspose', ...spatial, outChannels: w.dims[1] * group, inChannels: w.dims[0], groups: group, outputPadding: ints(node, 'output_padding') ?? kernel.map(() => 0) }, node.inputs[1]);
    }
    case 'Gemm': {
      const b = ctx.constant(node.inputs[1]);
      if (!b || b.dims.length !== 2) return refuse('its second input is not a stored 2-D weight');
      if (int(node, 'transA', 0)) return refuse('transA=1');
      const t = int(node, 'transB', 0) === 1;
      return layer({ kind: 'dense', units: t ? b.dims[0] : b.dims[1], inFeatures: t ? b.dims[1] : b.dims[0], bias: present(node.inputs[2]) }, node.inputs[1]);
    }
    case 'MatMul': {
      const b = ctx.constant(node.inputs[1]);
      if (!b || b.dims.length !== 2) return refuse('a product of two computed tensors');
      return layer({ kind: 'dense', units: b.dims[1], inFeatures: b.dims[0], bias: false }, node.inputs[1]);
    }
    case 'MaxPool':
    case 'AveragePool': {
      const kernel = ints(node, 'kernel_shape');
      if (!kernel || kernel.length < 1 || kernel.length > 3) return refuse('no kernel_shape');
      const avg = op === 'AveragePool';
      return layer({ kind: 'pool', op: avg ? 'avg' : 'max', rank: kernel.length as 1 | 2 | 3, kernel, stride: ints(node, 'strides') ?? kernel.map(() => 1), dilation: ints(node, 'dilations') ?? kernel.map(() => 1), padding: padding(node, kernel.length), ceilMode: int(node, 'ceil_mode', 0) === 1, countIncludePad: avg ? int(node, 'count_include_pad', 0) === 1 : undefined });
    }
    case 'GlobalAveragePool':
    case 'GlobalMaxPool': {
      const rank = inShape && inShape.length >= 3 && inShape.length <= 5 ? inShape.length - 2 : 2;
      return layer({ kind: 'globalPool', op: op === 'GlobalMaxPool' ? 'max' : 'avg', rank: rank as 1 | 2 | 3, keepDims: true });
    }
    case 'BatchNormalization': {
      // nn.BatchNorm*d(affine=False) is exported with Constant ones and zeros: parameters only when stored.
      const scale = ctx.constant(node.inputs[1]);
      const affine = ctx.stored(node.inputs[1]);
      return layer({ kind: 'batchNorm', eps: float(node, 'epsilon', 1e-5), numFeatures: scale?.dims[0], scale: affine, center: affine && ctx.stored(node.inputs[2]), trackRunningStats: true }, affine ? node.inputs[1] : undefined);
    }
    case 'Relu':
    case 'Sigmoid':
    case 'Tanh':
    case 'HardSwish':
    case 'Selu':
    case 'Softplus':
    case 'Mish':
      return layer({ kind: 'activation', fn: activations[op] });
    case 'Elu':
      return layer({ kind: 'activation', fn: 'elu', alpha: float(node, 'alpha', 1) });
    case 'LeakyRelu':
      return layer({ kind: 'activation', fn: 'leakyRelu', alpha: float(node, 'alpha', 0.01) });
    case 'HardSigmoid': {
      // PyTorch's hardsigmoid is ONNX's with alpha 1/6; other slopes are not a function CNN Lens can compute.
      const alpha = float(node, 'alpha', 0.2);
      return layer({ kind: 'activation', fn: 'hardsigmoid', ...(Math.abs(alpha - 1 / 6) > 1e-6 || float(node, 'beta', 0.5) !== 0.5 ? { unresolved: ['alpha', 'beta'] } : {}) });
    }
    case 'Softmax':
    case 'LogSoftmax':
      return layer({ kind: 'activation', fn: op === 'Softmax' ? 'softmax' : 'logSoftmax', axis: int(node, 'axis', ctx.opset >= 13 ? -1 : 1) });
    case 'Gelu':
      return layer({ kind: 'activation', fn: 'gelu', approximate: str(node, 'approximate', 'none') === 'tanh' ? 'tanh' : 'none' });
    case 'LayerNormalization': {
      const rank = inShape?.length;
      if (rank === undefined) return refuse('its input has no known shape');
      const axis = int(node, 'axis', -1);
      const from = axis < 0 ? axis + rank : axis;
      if (from < 0 || from >= rank) return refuse(`axis ${axis} is out of range for a ${rank}-D input`);
      // Scale and bias are parameters only when stored; a graph-computed constant is the exporter's 1 and 0.
      const scale = ctx.stored(node.inputs[1]);
      const center = present(node.inputs[2]) && ctx.stored(node.inputs[2]);
      return layer({ kind: 'layerNorm', axis: Array.from({ length: rank - from }, (_, i) => from + i - rank), eps: float(node, 'epsilon', 1e-5), scale, center }, scale ? node.inputs[1] : undefined);
    }
    case 'InstanceNormalization': {
      // Instance norm is group norm with one channel per group: the same parameters (scale and bias per channel) and
      // shape.
      const channels = ctx.constant(node.inputs[1])?.dims[0] ?? (inShape && isKnown(inShape[1]) ? inShape[1] : undefined);
      if (channels === undefined) return refuse('its channel count is unknown');
      const affine = ctx.stored(node.inputs[1]);
      return layer({ kind: 'groupNorm', groups: channels, numChannels: channels, affine, eps: float(node, 'epsilon', 1e-5) }, affine ? node.inputs[1] : undefined);
    }
    case 'Sqrt':
    case 'Reciprocal':
    case 'Neg':
    case 'Exp': {
      // Elementwise powers are arithmetic with a number: √x = x^0.5, 1/x, −x, e^x; on a constant (an attention
      // scale's √d) they fold.
      const spec = ({ Sqrt: { op: 'pow', value: 0.5 }, Reciprocal: { op: 'rdiv', value: 1 }, Neg: { op: 'neg', value: -1 }, Exp: { op: 'rpow', value: Math.E } } as const)[op];
      const c = ctx.constant(x);
      return c ? foldEach(c, (v) => ({ Sqrt: Math.sqrt(v), Reciprocal: 1 / v, Neg: -v, Exp: Math.exp(v) })[op], op === 'Neg' ? c.float : true) : layer({ kind: 'scalar', ...spec });
    }
    case 'Pow': {
      const e = numbers(ctx.constant(node.inputs[1]));
      if (!e || e.length !== 1) return refuse('only a tensor raised to a constant number is supported');
      const c = ctx.constant(x);
      return c ? foldEach(c, (v) => v ** e[0], c.float) : layer({ kind: 'scalar', op: 'pow', value: e[0] });
    }
    case 'Abs':
    case 'Sign':
    case 'Floor':
    case 'Ceil':
    case 'Round': {
      // Exporters compute sizes this way (`int(h * 0.5)` is Cast, Mul, Floor, Cast): fold them where the operand is
      // known.
      const c = ctx.constant(x);
      if (c) return foldEach(c, roundings[op], c.float);
      return layer({ kind: 'identity', note: `${op.toLowerCase()}, elementwise: same shape, no parameters` });
    }
    case 'Erf':
    case 'Log':
    case 'Sin':
    case 'Cos': {
      if (ctx.constant(x)) return refuse('it computes from a constant CNN Lens does not fold');
      // The vocabulary has no such function, but the shape is certain: elementwise, nothing learned.
      return layer({ kind: 'identity', note: `${op.toLowerCase()}, elementwise: same shape, no parameters` });
    }
    case 'PRelu': {
      const slope = ctx.constant(node.inputs[1]);
      return { spec: { kind: 'activation', fn: 'prelu', preluParameters: slope ? count(slope.dims) : undefined }, tensors: [x], weightKey: node.inputs[1] };
    }
    case 'Clip': {
      const lo = ctx.opset >= 11 ? (present(node.inputs[1]) ? numbers(ctx.constant(node.inputs[1]))?.[0] : -Infinity) : float(node, 'min', -Infinity);
      const hi = ctx.opset >= 11 ? (present(node.inputs[2]) ? numbers(ctx.constant(node.inputs[2]))?.[0] : Infinity) : float(node, 'max', Infinity);
      if (lo === undefined || hi === undefined) return refuse('its bounds are computed, not constants');
      if (lo === 0 && hi === 6) return layer({ kind: 'activation', fn: 'relu6' });
      if (lo === 0) return layer({ kind: 'activation', fn: 'relu', ...(hi !== Infinity ? { maxValue: hi } : {}) });
      return refuse(`Clip(${lo}, ${hi}): only a lower bound of 0 (ReLU, ReLU6) is supported`);
    }
    case 'Add':
    case 'Mul':
    case 'Sub':
    case 'Div':
      return elementwise(node, op, ctx);
    case 'Concat': {
      const axis = int(node, 'axis', 0);
      const consts = node.inputs.map((i) => ctx.constant(i));
      if (consts.every((c) => c?.values && c.dims.length <= 1)) return { folded: [{ dims: [consts.reduce((n, c) => n + c!.values!.length, 0)], values: consts.flatMap((c) => c!.values!) }] };
      if (consts.some(Boolean)) return refuse('it joins computed tensors with constants');
      return { spec: { kind: 'concat', axis }, tensors: node.inputs.filter(present) };
    }
    case 'Split': {
      if (ctx.constant(x)) return refuse('it splits a constant CNN Lens does not fold');
      const axis = int(node, 'axis', 0);
      const sizes = ctx.opset >= 13 ? (present(node.inputs[1]) ? numbers(ctx.constant(node.inputs[1])) : undefined) : ints(node, 'split');
      if (present(node.inputs[1]) && !sizes) return refuse('its sizes are computed, not constants');
      // Without sizes: equal pieces (opset 18: pieces of ⌈n / k⌉, the last one smaller, as torch.chunk cuts).
      return layer(sizes?.length ? { kind: 'split', axis, sizes } : { kind: 'split', axis, chunks: int(node, 'num_outputs', node.outputs.length) });
    }
    case 'Flatten': {
      const axis = int(node, 'axis', 1);
      if (axis === 1) return layer({ kind: 'flatten', startDim: 1, endDim: -1 });
      if (!inShape) return refuse(`Flatten(axis=${axis}) of a tensor of unknown rank`);
      const a = axis < 0 ? axis + inShape.length : axis;
      return layer(reshapeTo(inShape, [product(inShape.slice(0, a)), product(inShape.slice(a))]));
    }
    case 'Reshape': {
      const target = ctx.constant(node.inputs[1])?.values;
      if (!target) return refuse('its target shape is computed from values CNN Lens cannot fold');
      const data = ctx.constant(x);
      const allowZero = int(node, 'allowzero', 0) === 1;
      const resolved = target.map((d, i) => (d === 0 && !allowZero ? (inShape?.[i] ?? null) : d));
      if (data?.values) {
        const dims = reshapeDims(resolved, data.values.length);
        return dims ? { folded: [{ dims, values: data.values }] } : refuse(`a constant of ${data.values.length} values cannot take shape [${target.join(', ')}]`);
      }
      if (!inShape) return refuse('its input has no known shape');
      return layer(reshapeTo(inShape, resolved));
    }
    case 'Transpose': {
      const c = ctx.constant(x);
      const rank = (inShape ?? c?.dims)?.length ?? 0;
      const perm = ints(node, 'perm') ?? Array.from({ length: rank }, (_, i) => rank - 1 - i);
      if (c?.values) {
        const t = transposeConst(c, perm);
        return t ? { folded: [t] } : refuse(`perm [${perm.join(', ')}] does not fit a ${c.dims.length}-D constant`);
      }
      return rank ? layer({ kind: 'permute', perm }) : refuse('no perm and an input of unknown rank');
    }
    case 'Pad': {
      const pads = ctx.opset >= 11 ? numbers(ctx.constant(node.inputs[1])) : ints(node, 'pads');
      if (!pads || pads.length % 2 || pads.length < 6 || pads.length > 10) return refuse('its pads are not constants over a 3- to 5-D tensor');
      const n = pads.length / 2;
      if (pads[0] || pads[1] || pads[n] || pads[n + 1]) return refuse('it pads the batch or channel axis');
      const pairs = pads.slice(2, n).map((p, i) => [p, pads[n + 2 + i]] as const);
      const mode = str(node, 'mode', 'constant');
      const value = ctx.opset >= 11 ? (present(node.inputs[2]) ? numbers(ctx.constant(node.inputs[2]))?.[0] : 0) : float(node, 'value', 0);
      const rank = (n - 2) as 1 | 2 | 3;
      if (mode === 'constant' && value === 0) return layer({ kind: 'zeroPad', rank, pads: pairs });
      const m = ({ constant: 'constant', reflect: 'reflect', edge: 'replicate', wrap: 'circular' } as const)[mode as 'constant'];
      if (!m || value === undefined) return refuse(`mode '${mode}' or a computed fill value`);
      return layer({ kind: 'pad', rank, pads: pairs, mode: m, value });
    }
    case 'Resize':
    case 'Upsample': {
      const scales = op === 'Upsample' && ctx.opset < 9 ? attribute(node, 'scales')?.floats : numbers(ctx.constant(node.inputs[op === 'Resize' ? 2 : 1]));
      const sizes = op === 'Resize' ? numbers(ctx.constant(node.inputs[3])) : undefined;
      const mode = str(node, 'mode', 'nearest');
      const spatial = (v: readonly number[]) => v.slice(2);
      const base = { kind: 'upsample' as const, rank: undefined, mode: mode === 'linear' ? 'bilinear' : mode === 'cubic' ? 'bicubic' : mode, alignCorners: str(node, 'coordinate_transformation_mode', '') === 'align_corners' || undefined };
      if (sizes && sizes.length > 2) return layer({ ...base, rank: (sizes.length - 2) as 1 | 2 | 3, size: spatial(sizes) });
      if (scales && scales.length > 2 && scales[0] === 1 && scales[1] === 1) return layer({ ...base, rank: (scales.length - 2) as 1 | 2 | 3, scale: spatial(scales) });
      return refuse('its scales or sizes are not constants over the spatial axes');
    }
    case 'Dropout': {
      const ratio = present(node.inputs[1]) ? numbers(ctx.constant(node.inputs[1]))?.[0] : undefined;
      return layer({ kind: 'dropout', rate: ratio ?? float(node, 'ratio', 0.5) });
    }
    case 'Identity':
    case 'Cast': {
      const c = ctx.constant(x);
      if (!c) return layer({ kind: 'identity' });
      if (op === 'Identity') return { folded: [c] };
      const float = isFloatType(int(node, 'to', 1));
      // A cast to an integer type truncates toward zero, as C and onnxruntime do.
      return { folded: [{ dims: c.dims, values: float ? c.values : c.values?.map((v) => (isKnown(v) ? Math.trunc(v) : v)), float }] };
    }
    case 'Squeeze':
    case 'Unsqueeze': {
      const axes = ctx.opset >= 13 ? (present(node.inputs[1]) ? numbers(ctx.constant(node.inputs[1])) : op === 'Squeeze' ? [] : undefined) : ints(node, 'axes') ?? (op === 'Squeeze' ? [] : undefined);
      if (!axes) return refuse('its axes are not constants');
      const c = ctx.constant(x);
      const from = c ? c.dims : inShape;
      if (!from) return refuse('its input has no known shape');
      const out = squeeze(from, axes, op === 'Unsqueeze');
      if (!out) return refuse(`axes [${axes.join(', ')}] do not fit a ${from.length}-D input`);
      if (c) return { folded: [{ dims: out.map((d) => (isKnown(d) ? d : 0)), values: c.values }] };
      return layer(reshapeTo(inShape!, out));
    }
    case 'ReduceMean':
    case 'ReduceSum':
    case 'ReduceMax':
    case 'ReduceMin': {
      const fromInput = op === 'ReduceSum' ? ctx.opset >= 13 : ctx.opset >= 18;
      const axes = fromInput ? (present(node.inputs[1]) ? numbers(ctx.constant(node.inputs[1])) : undefined) : ints(node, 'axes');
      const keepDims = int(node, 'keepdims', 1) === 1;
      const r = inShape?.length;
      const norm = axes && r !== undefined ? [...new Set(axes.map((a) => (a < 0 ? a + r : a)))].sort((a, b) => a - b) : axes;
      const reduceOp = ({ ReduceMean: 'mean', ReduceSum: 'sum', ReduceMax: 'max', ReduceMin: 'min' } as const)[op];
      if (!norm) return refuse('its axes are not constants');
      if (r !== undefined && r >= 3 && r <= 5 && norm.length === r - 2 && norm.every((a, i) => a === i + 2) && reduceOp !== 'min') return layer({ kind: 'globalPool', op: reduceOp === 'mean' ? 'avg' : reduceOp, rank: (r - 2) as 1 | 2 | 3, keepDims });
      return layer({ kind: 'reduce', op: reduceOp, axes: norm, keepDims });
    }
    case 'Constant': {
      const a = node.attributes[0];
      if (!a) return refuse('no value');
      if (a.t) return { folded: [{ dims: a.t.dims, values: a.t.values, float: isFloatType(a.t.dataType) }] };
      if (a.name === 'value_float' || a.name === 'value_int') return { folded: [{ dims: [], values: [a.f ?? a.i ?? 0], float: a.name === 'value_float' }] };
      if (a.name === 'value_floats' || a.name === 'value_ints') {
        const v = a.name === 'value_floats' ? a.floats : a.ints;
        return { folded: [{ dims: [v.length], values: v, float: a.name === 'value_floats' }] };
      }
      return refuse(`a '${a.name}' value`);
    }
    case 'Shape': {
      const s = inShape ?? ctx.constant(x)?.dims;
      if (!s) return refuse('its input has no known shape');
      const start = int(node, 'start', 0);
      const end = attribute(node, 'end')?.i;
      const values = s.slice(start, end).map((d) => (d === null ? null : d));
      return { folded: [{ dims: [values.length], values }] };
    }
    case 'Gather': {
      const data = ctx.constant(x);
      const idx = numbers(ctx.constant(node.inputs[1]));
      const indices = ctx.constant(node.inputs[1]);
      const axis = int(node, 'axis', 0);
      if (data?.values && data.dims.length === 1 && idx && indices && axis === 0) {
        const picked = idx.map((i) => data.values![i < 0 ? i + data.values!.length : i]);
        if (picked.every((v) => v !== undefined)) return { folded: [{ dims: indices.dims, values: picked, float: data.float }] };
      }
      // nn.Embedding: rows of a stored [V, D] weight picked by a computed tensor of ids.
      if (data && ctx.stored(x) && data.dims.length === 2 && axis === 0 && ctx.shape(node.inputs[1])) {
        return { spec: { kind: 'embedding', numEmbeddings: data.dims[0], embeddingDim: data.dims[1] }, tensors: [node.inputs[1]], weightKey: x };
      }
      // x[:, 0] or x[:, [1, 3]], as torch.onnx.export writes an index on one axis: a subscript.
      if (!data && inShape && indices && idx) {
        const at = axis < 0 ? axis + inShape.length : axis;
        if (at < 0 || at >= inShape.length) return refuse(`axis ${axis} is out of range for a ${inShape.length}-D input`);
        const pick: IndexItemSpec = indices.dims.length === 0 ? { int: idx[0] } : { tensor: [...indices.dims] };
        return layer({ kind: 'index', items: [...Array.from({ length: at }, () => ({ slice: [null, null, null] as const })), pick] });
      }
      return refuse(data ? 'it gathers from a constant CNN Lens does not fold' : 'its indices are computed, not constants');
    }
    case 'Slice': {
      const data = ctx.constant(x);
      const bounds = ctx.opset >= 10 ? [1, 2, 3, 4].map((k) => (present(node.inputs[k]) ? ctx.constant(node.inputs[k])?.values : undefined)) : [ints(node, 'starts'), ints(node, 'ends'), ints(node, 'axes'), undefined];
      const [starts, ends, axes, steps] = bounds.map((b) => (b && b.every(isKnown) ? (b as number[]) : undefined));
      if (data) {
        const sliced = data.values && starts && ends ? sliceConst(data, starts, ends, axes, steps) : undefined;
        return sliced ? { folded: [{ ...sliced, float: data.float }] } : refuse('a slice of a constant CNN Lens cannot fold');
      }
      // A slice of a tensor (torch.chunk / split / x[:, :c] as torch.onnx.export writes them): bounds folded from the
      // graph's shapes.
      if (!bounds[0] || !bounds[1] || (present(node.inputs[3]) && !axes) || (present(node.inputs[4]) && !steps)) return refuse('its starts, ends, axes or steps are computed from values CNN Lens cannot fold');
      if (!inShape) return refuse('its input has no known shape');
      const items = sliceItems(inShape.length, bounds[0], bounds[1], axes, steps);
      return items ? layer({ kind: 'index', items }) : refuse(`axes [${(axes ?? []).join(', ')}] or steps do not fit a ${inShape.length}-D input`);
    }
    case 'Mod':
    case 'Min':
    case 'Max':
    case 'Equal':
    case 'Less':
    case 'Greater':
    case 'LessOrEqual':
    case 'GreaterOrEqual': {
      const folded = foldConstants(op, node.inputs.map((i) => ctx.constant(i)));
      return folded ? { folded: [folded] } : refuse(node.inputs.every((i) => ctx.constant(i)) ? 'its constants do not broadcast as CNN Lens folds them' : '');
    }
    case 'Where': {
      const consts = node.inputs.map((i) => ctx.constant(i));
      if (consts.length === 3 && sameOrScalar(consts)) return { folded: [pickWhere(consts[0], consts[1], consts[2])] };
      return refuse(consts.every(Boolean) ? 'its constants do not broadcast as CNN Lens folds them' : 'it selects from computed tensors');
    }
    case 'Range': {
      const [start, limit, delta] = node.inputs.map((i) => numbers(ctx.constant(i))?.[0]);
      if (start === undefined || limit === undefined || !delta) return refuse('its start, limit or delta is not a known number');
      const n = Math.max(0, Math.ceil((limit - start) / delta));
      if (n > maxConstValues) return refuse(`it makes ${n} values`);
      return { folded: [{ dims: [n], values: Array.from({ length: n }, (_, i) => start + i * delta), float: ctx.constant(node.inputs[0])?.float }] };
    }
    case 'Size': {
      const s = inShape ?? ctx.constant(x)?.dims;
      const n = s ? product(s) : null;
      return isKnown(n) ? { folded: [{ dims: [], values: [n] }] } : refuse('its input has no known shape');
    }
    case 'ConstantOfShape': {
      const dims = numbers(ctx.constant(x));
      const value = attribute(node, 'value')?.t;
      if (!dims || dims.some((d) => d < 0) || count(dims) > maxConstValues) return refuse('its shape is not a small constant');
      return { folded: [{ dims, values: new Array(count(dims)).fill(value?.values?.[0] ?? 0), float: value ? isFloatType(value.dataType) : true }] };
    }
    default:
      return refuse('');
  }
}

function elementwise(node: OnnxNode, op: 'Add' | 'Mul' | 'Sub' | 'Div', ctx: OpContext): Mapped {
  const [a, b] = node.inputs;
  const ca = ctx.constant(a);
  const cb = ctx.constant(b);
  const folded = foldConstants(op, [ca, cb]);
  if (folded) return { folded: [folded] };
  if (!ca && !cb) return { spec: { kind: merges[op], broadcast: true }, tensors: [a, b] };
  if (ca && cb) return { unknown: 'both operands are large constants', tensors: [] };
  const c = (ca ?? cb)!;
  const v = numbers(c);
  if (!v || !v.length || v.some((x) => x !== v[0])) return { unknown: `it combines a tensor with a constant of shape [${c.dims.join(', ')}], which CNN Lens does not model`, tensors: [ca ? b : a] };
  return { spec: { kind: 'scalar', op: scalarOps[op][ca ? 1 : 0], value: v[0] }, tensors: [ca ? b : a] };
}

/** A small constant with `f` applied to each value, or a refusal when some value is not a number. */
function foldEach(c: Const, f: (v: number) => number, float: boolean | undefined): Mapped {
  const v = numbers(c);
  return v ? { folded: [{ dims: c.dims, values: v.map(f), float }] } : { unknown: 'it computes from a constant CNN Lens does not fold', tensors: [] };
}

function padding(node: OnnxNode, rank: number): Padding {
  const auto = str(node, 'auto_pad', 'NOTSET');
  if (auto === 'SAME_UPPER' || auto === 'SAME_LOWER') return { mode: 'same' };
  if (auto === 'VALID') return { mode: 'valid' };
  const pads = ints(node, 'pads') ?? new Array(rank * 2).fill(0);
  return { mode: 'explicit', pads: Array.from({ length: rank }, (_, i) => [pads[i] ?? 0, pads[rank + i] ?? 0] as const) };
}

function product(dims: readonly Dim[]): Dim {
  let p = 1;
  for (const d of dims) {
    if (!isKnown(d)) return dims.length === 1 ? d : null;
    p *= d;
  }
  return p;
}

/** Squeeze (drop size-1 axes, or all of them when none named) or Unsqueeze (insert axes of size 1). */
function squeeze(from: readonly Dim[], axes: readonly number[], insert: boolean): Dim[] | undefined {
  if (insert) {
    const rank = from.length + axes.length;
    const at = new Set(axes.map((a) => (a < 0 ? a + rank : a)));
    if ([...at].some((a) => a < 0 || a >= rank) || at.size !== axes.length) return undefined;
    const out: Dim[] = [];
    let j = 0;
    for (let i = 0; i < rank; i++) out.push(at.has(i) ? 1 : from[j++]);
    return out;
  }
  const at = new Set(axes.map((a) => (a < 0 ? a + from.length : a)));
  if ([...at].some((a) => a < 0 || a >= from.length || (isKnown(from[a]) && from[a] !== 1))) return undefined;
  return from.filter((d, i) => (at.size ? !at.has(i) : d !== 1));
}

/**
 * The reshape spec that turns `input` into `target` (numbers, one -1, symbols or unknowns): a
 * symbolic batch carried through is left out of the target so the rule keeps it symbolic.
 */
export function reshapeTo(input: Shape, target: readonly Dim[]): LayerSpec {
  let t = target;
  let includesBatch = true;
  const batch = input[0];
  if (t.length && input.length && !isKnown(batch) && (t[0] === batch || (t[0] === -1 && t.slice(1).every(isKnown) && product(t.slice(1)) === product(input.slice(1))))) {
    includesBatch = false;
    t = t.slice(1);
  }
  const open = t.filter((d) => !isKnown(d) || d === -1).length;
  if (open > 1) return { kind: 'unknown', className: 'Reshape', reason: `target [${target.join(', ')}] has more than one unknown size` };
  return { kind: 'reshape', target: t.map((d) => (isKnown(d) ? d : -1)), includesBatch };
}

/**
 * ONNX Slice bounds as one subscript item per axis (the `x[a:b:s]` of the index rule, whose
 * clamping is the same as ONNX's); a bound that is a symbol (from a dynamic batch) is '?'.
 */
function sliceItems(rank: number, starts: readonly Dim[], ends: readonly Dim[], axes: readonly number[] | undefined, steps: readonly number[] | undefined): IndexItemSpec[] | undefined {
  const items: IndexItemSpec[] = Array.from({ length: rank }, () => ({ slice: [null, null, null] as const }));
  const seen = new Set<number>();
  // INT64_MAX / INT64_MIN run past an end: the open bound on that side (Python's None), else clamped as ONNX clamps.
  const bound = (v: Dim | undefined, open: 1 | -1): number | null | '?' => (v === undefined ? null : !isKnown(v) ? '?' : v * open >= 2 ** 53 ? null : v);
  for (let k = 0; k < starts.length; k++) {
    const raw = axes?.[k] ?? k;
    const axis = raw < 0 ? raw + rank : raw;
    const step = steps?.[k] ?? 1;
    if (axis < 0 || axis >= rank || seen.has(axis) || step === 0 || k >= ends.length) return undefined;
    seen.add(axis);
    const forward = step > 0 ? 1 : -1;
    items[axis] = { slice: [bound(starts[k], -forward as 1 | -1), bound(ends[k], forward), step === 1 ? null : step] };
  }
  return items;
}
