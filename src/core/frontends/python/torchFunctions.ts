/**
 * torch's functions and tensor methods as one table: a row gives `torch.mean(x, dim)`, `x.mean(dim)`
 * and, where torch has it, `F.mean`, with the parameter names torch uses, so positional and keyword
 * arguments bind the same way through the shared binder. Each row works on symbolic tensors (an IR
 * node with a shape rule) and on tensors whose values are known (configuration tensors built from
 * constants: `torch.arange(d) * w_a + w_0`, `torch.linspace(0, rate, n)`), whose values it computes
 * with torch's dtype rules. An argument the row has no place for, or one it needs but cannot know,
 * makes the output unknown (the op's node says why); nothing is silently defaulted.
 */
import { isKnown, normalizeAxis, spatialAxes, type Dim } from '../../ir/dims';
import type { LayerSpec } from '../../ir/layers';
import { arrayFromValue, arrayOf, dtypeNamed, scalarValue, tensorOf, toList } from './arrayValues';
import { bindCall } from './callArgs';
import { functionalOps } from './torchFunctionalOps';
import { gridAndMaskFunctions } from './torchGridsAndMasks';
import { repeatFunctions } from './torchRepeat';
import type { Session } from './session';
import * as data from './tensorData';
import {
  NONE, int, numberOf, tuple, unknown, type CallArgs, type CallSite, type TensorValue, type Value,
} from './values';

/** What a row's implementation needs from the torch model. */
export interface TorchKit {
  readonly session: Session;
  /** Records an op on a symbolic tensor (a data tensor enters the graph as a constant). */
  op(name: string, spec: LayerSpec, input: Value | undefined, site: CallSite, extra?: TensorValue[]): Value;
  /** A functional catalog op (`F.relu`, `F.softmax`), bound to the catalog class's parameters. */
  catalog(name: string, args: CallArgs, site: CallSite): Value;
}

/** A call bound to a row's parameters. */
export class Bound {
  constructor(readonly name: string, readonly values: Map<string, Value>) {}

  get(param: string): Value | undefined {
    const v = this.values.get(param);
    return v?.t === 'lazy' ? v.resolve() : v;
  }

  /** The argument as a number: `fallback` when absent or None, undefined when given but not known. */
  num(param: string, fallback?: number): number | undefined {
    const v = this.get(param);
    return v === undefined || v.t === 'none' ? fallback : numberOf(v) ?? arrayScalar(v);
  }

  bool(param: string, fallback: boolean): boolean | undefined {
    const v = this.num(param, fallback ? 1 : 0);
    return v === undefined ? undefined : v !== 0;
  }

  /** Ints from an int or a sequence (`dim=(2, 3)`); undefined when any is not known. */
  ints(param: string): number[] | undefined {
    const v = this.get(param);
    if (!v || v.t === 'none') return [];
    if (v.t === 'tuple' || v.t === 'list') {
      const ns = v.items.map((x) => numberOf(x) ?? arrayScalar(x));
      return ns.every((n) => n !== undefined) ? (ns as number[]) : undefined;
    }
    const a = arrayOf(v);
    if (a && a.shape.length === 1) return [...a.data.values];
    const n = this.num(param);
    return n === undefined ? undefined : [n];
  }
}

const arrayScalar = (v: Value): number | undefined => {
  const a = arrayOf(v);
  return a && data.elementCount(a) === 1 ? a.data.values[0] : undefined;
};

export interface TorchFunction {
  /** torch's parameter names; the tensor a method is called on binds to the first. */
  readonly params: readonly string[];
  /** `t`: torch.name, `m`: tensor.name (and in-place name_), `f`: torch.nn.functional.name. */
  readonly forms: string;
  /** Other names the same parameter goes by (Tensor.split's `split_size`). */
  readonly aliases?: Readonly<Record<string, string>>;
  readonly run: (b: Bound, site: CallSite) => Value;
}

/** Calls a row: binds the arguments, and makes the output unknown for an argument it cannot place. */
export function callRow(kit: TorchKit, name: string, row: TorchFunction, args: CallArgs, site: CallSite): Value {
  const keywords = row.aliases ? new Map([...args.keywords].map(([k, v]) => [row.aliases![k] ?? k, v])) : args.keywords;
  const { values, extra } = bindCall(row.params, { positional: args.positional, keywords });
  if (extra.length) {
    const what = `${name}() was given ${extra.map((k) => (k.startsWith('#') ? `an extra argument ${Number(k.slice(1)) + 1}` : `${k}=`)).join(', ')}, which CNN Lens does not model`;
    const input = values.get(row.params[0]);
    return input?.t === 'tensor' && !input.data ? kit.op(name, { kind: 'unknown', className: name, reason: what }, input, site) : unknown(what);
  }
  return row.run(new Bound(name, values), site);
}

export const isInt = (v: Value | undefined) => v?.t === 'int' || v?.t === 'bool' || (v?.t === 'tensor' && !!v.data && !data.isFloat(v.data.dtype));
export const rowOf = (params: string[], forms: string, run: TorchFunction['run'], aliases?: Record<string, string>): TorchFunction => ({ params, forms, run, aliases });
export const creationExtras = ['dtype', 'layout', 'device', 'pin_memory', 'requires_grad', 'generator', 'out', 'memory_format'];

/** The elementwise functions of the table, each with its value function for data tensors. */
/**
 * `approximate`: torch's kernels (and libm) may round these an ulp away from JavaScript's, so their
 * values stay unknown (position-encoding tables need only their shape); the rest are exact.
 */
const math: Readonly<Record<string, { fn: (x: number) => number; toFloat: boolean; approximate?: boolean }>> = {
  floor: { fn: Math.floor, toFloat: false },
  ceil: { fn: Math.ceil, toFloat: false },
  trunc: { fn: Math.trunc, toFloat: false },
  abs: { fn: Math.abs, toFloat: false },
  neg: { fn: (x) => -x, toFloat: false },
  negative: { fn: (x) => -x, toFloat: false },
  sign: { fn: Math.sign, toFloat: false },
  log: { fn: Math.log, toFloat: true },
  log2: { fn: Math.log2, toFloat: true },
  log10: { fn: Math.log10, toFloat: true },
  exp: { fn: Math.exp, toFloat: true },
  sqrt: { fn: Math.sqrt, toFloat: true },
  rsqrt: { fn: (x) => 1 / Math.sqrt(x), toFloat: true },
  sin: { fn: Math.sin, toFloat: true, approximate: true },
  cos: { fn: Math.cos, toFloat: true, approximate: true },
  tan: { fn: Math.tan, toFloat: true, approximate: true },
  atan: { fn: Math.atan, toFloat: true, approximate: true },
  log1p: { fn: Math.log1p, toFloat: true, approximate: true },
  expm1: { fn: Math.expm1, toFloat: true, approximate: true },
  reciprocal: { fn: (x) => 1 / x, toFloat: true },
  square: { fn: (x) => x * x, toFloat: false },
};

/** torch's binary functions and the Python operator each one is. */
const arithmetic: Readonly<Record<string, string>> = {
  add: '+', sub: '-', subtract: '-', mul: '*', multiply: '*', div: '/', divide: '/', true_divide: '/', floor_divide: '//',
  remainder: '%', fmod: '%', pow: '**', maximum: 'maximum', minimum: 'minimum', eq: '==', ne: '!=', lt: '<', le: '<=', gt: '>', ge: '>=',
};

/** A row's output it cannot work out: an unknown node on a symbolic input (which says why), else unknown. */
export function unknownRowOutput(kit: TorchKit, b: Bound, s: CallSite, reason: string): Value {
  const x = b.get('input');
  return x?.t === 'tensor' && !x.data ? kit.op(b.name, { kind: 'unknown', className: b.name, reason }, x, s) : unknown(`${b.name}(): ${reason}`);
}

export function torchFunctions(kit: TorchKit, binop: (op: string, l: Value, r: Value, s: CallSite) => Value): Record<string, TorchFunction> {
  const { session } = kit;
  const { om } = session;
  const table: Record<string, TorchFunction> = {};
  const unknownOp = (b: Bound, s: CallSite, reason: string): Value => unknownRowOutput(kit, b, s, reason);
  /** The output of an elementwise op on a symbolic tensor: same shape, recorded as a node. */
  const elementwise = (b: Bound, s: CallSite): Value => kit.op(b.name, { kind: 'identity', note: `torch.${b.name}: elementwise, same shape` }, b.get('input'), s);

  // ---- creation -------------------------------------------------------------------------------
  const dtypeArg = (b: Bound): data.DType | undefined | null => {
    const v = b.get('dtype');
    if (!v || v.t === 'none') return undefined;
    return dtypeNamed(v, 'torch') ?? null;
  };
  table.tensor = rowOf(['data', ...creationExtras], 't', (b) => {
    const dtype = dtypeArg(b);
    const a = dtype === null ? undefined : arrayFromValue(b.get('data') ?? NONE, 'torch', dtype);
    return a ? tensorOf(a) : unknown('torch.tensor() of values not known statically');
  });
  table.as_tensor = table.tensor;
  table.arange = rowOf(['start', 'end', 'step', ...creationExtras], 't', (b) => {
    const given = ['start', 'end', 'step'].filter((p) => b.get(p) && b.get(p)!.t !== 'none');
    const [start, end, step] = given.length === 1 ? [0, b.num('start'), 1] : [b.num('start'), b.num('end'), b.num('step', 1)];
    const dtype = dtypeArg(b);
    if (start === undefined || end === undefined || step === undefined || !step || dtype === null) return unknown('torch.arange() of bounds not known statically');
    const ints = given.every((p) => isInt(b.get(p)));
    const n = Math.max(0, Math.ceil((end - start) / step));
    const values = Array.from({ length: Math.min(n, data.maxDataElements + 1) }, (_, i) => start + i * step);
    return sized(data.make('torch', dtype ?? (ints ? 'int64' : 'float32'), [n], values), n);
  });
  table.linspace = rowOf(['start', 'end', 'steps', ...creationExtras], 't', (b) => {
    const [start, end, steps] = [b.num('start'), b.num('end'), b.num('steps')];
    const dtype = dtypeArg(b) ?? 'float32';
    if (start === undefined || end === undefined || steps === undefined || dtype === null) return unknown('torch.linspace() of values not known statically');
    // torch's kernel: a float32 step, counted from the start for the first half and from the end for the rest.
    const f = dtype === 'float32' ? Math.fround : (x: number) => x;
    const step = steps > 1 ? f((f(end) - f(start)) / (steps - 1)) : 0;
    const half = Math.floor(steps / 2);
    const values = Array.from({ length: Math.min(steps, data.maxDataElements + 1) }, (_, i) => (i < half || steps === 1 ? f(f(start) + f(step * i)) : f(f(end) - f(step * (steps - i - 1)))));
    return sized(data.make('torch', dtype, [steps], values), steps);
  });
  const filled = (fill: number | undefined, what: string) => (b: Bound): Value => {
    const dims = b.ints('size');
    const dtype = dtypeArg(b);
    const value = fill ?? b.num('fill_value');
    if (!dims || dtype === null) return unknown(`torch.${what}() of a size not known statically`);
    const n = dims.reduce((p, d) => p * d, 1);
    const inferred = fill === undefined ? (isInt(b.get('fill_value')) ? (b.get('fill_value')?.t === 'bool' ? 'bool' : 'int64') : 'float32') : 'float32';
    if (value === undefined || n > data.maxDataElements) return { t: 'tensor', id: -1, shape: dims };
    return tensorOf(data.make('torch', dtype ?? inferred, dims, Array(n).fill(value)));
  };
  table.zeros = rowOf(['*size', ...creationExtras], 't', filled(0, 'zeros'));
  table.ones = rowOf(['*size', ...creationExtras], 't', filled(1, 'ones'));
  table.full = rowOf(['size', 'fill_value', ...creationExtras], 't', filled(undefined, 'full'));
  for (const name of ['empty', 'rand', 'randn']) table[name] = rowOf(['*size', ...creationExtras], 't', filled(undefined, name));
  for (const [name, fill] of [['zeros_like', 0], ['ones_like', 1], ['empty_like', undefined], ['rand_like', undefined], ['randn_like', undefined]] as const) {
    table[name] = rowOf(['input', ...creationExtras], 't', (b) => {
      const x = b.get('input');
      if (x?.t !== 'tensor') return unknown(`torch.${name}() of something that is not a tensor`);
      if (x.data && fill !== undefined) return tensorOf(data.make('torch', x.data.dtype, x.shape as number[], Array(data.sizeOf(x.shape)).fill(fill)));
      return { t: 'tensor', id: -1, shape: x.shape };
    });
  }

  // ---- arithmetic and elementwise math --------------------------------------------------------
  for (const [name, symbol] of Object.entries(arithmetic)) {
    const other = name === 'pow' ? 'exponent' : 'other';
    const params = ['input', other, ...(name === 'add' || name === 'sub' || name === 'subtract' ? ['alpha'] : name.endsWith('div') || name === 'divide' ? ['rounding_mode'] : [])];
    table[name] = rowOf(params, 'tm', (b, s) => {
      let right = b.get(other) ?? NONE;
      const alpha = b.get('alpha');
      if (alpha && alpha.t !== 'none') right = binop('*', right, alpha, s);
      const mode = b.get('rounding_mode');
      if (mode && mode.t !== 'none') {
        if (mode.t !== 'str' || (mode.v !== 'floor' && mode.v !== 'trunc')) return unknownOp(b, s, 'rounding_mode not known statically');
        const quotient = binop('/', b.get('input') ?? NONE, right, s);
        const rounded = mode.v === 'floor' ? binop('//', b.get('input') ?? NONE, right, s) : callRow(kit, 'trunc', table.trunc, { positional: [quotient], keywords: new Map() }, s);
        return rounded;
      }
      return binop(symbol, b.get('input') ?? NONE, right, s);
    });
  }
  for (const [name, { fn, toFloat, approximate }] of Object.entries(math)) {
    table[name] = rowOf(['input'], 'tm', (b, s) => {
      const a = arrayOf(b.get('input'));
      if (a) return approximate ? { t: 'tensor', id: -1, shape: a.shape } : tensorOf(data.unary(a, fn, toFloat));
      return b.get('input')?.t === 'tensor' ? elementwise(b, s) : unknown(`torch.${name}() of something that is not a tensor`);
    });
  }
  table.round = rowOf(['input', 'decimals'], 'tm', (b, s) => {
    const a = arrayOf(b.get('input'));
    const decimals = b.num('decimals', 0);
    if (!a) return b.get('input')?.t === 'tensor' ? elementwise(b, s) : unknown('torch.round() of something that is not a tensor');
    if (decimals === undefined) return unknown('torch.round() with decimals not known statically');
    const scale = 10 ** decimals;
    return tensorOf(data.unary(a, (x) => data.roundHalfEven(x * scale) / scale, false));
  });
  table.clamp = rowOf(['input', 'min', 'max'], 'tm', (b, s) => {
    const a = arrayOf(b.get('input'));
    if (!a) return b.get('input')?.t === 'tensor' ? elementwise(b, s) : unknown('torch.clamp() of something that is not a tensor');
    const [lo, hi] = [b.num('min', -Infinity), b.num('max', Infinity)];
    if (lo === undefined || hi === undefined) return unknown('torch.clamp() bounds not known statically');
    const floatBound = [b.get('min'), b.get('max')].some((v) => v?.t === 'float');
    return tensorOf(data.unary(a, (x) => Math.min(Math.max(x, lo), hi), false, !floatBound));
  });
  table.clip = table.clamp;

  // ---- reductions and scans -------------------------------------------------------------------
  /** x.mean([2, 3]) over exactly the spatial axes is global pooling; other axes a reduce node. */
  const reduceSymbolic = (b: Bound, op: 'mean' | 'sum' | 'max' | 'min', s: CallSite): Value => {
    const x = b.get('input') as TensorValue;
    const dims = b.ints('dim');
    const keep = b.bool('keepdim', false);
    if (!dims || keep === undefined) return unknownOp(b, s, 'dim / keepdim not known statically');
    if (!dims.length) return kit.op(b.name, { kind: 'reduce', op, axes: x.shape.map((_, i) => i), keepDims: false }, x, s);
    const axes = dims.map((d) => normalizeAxis(d, x.shape.length));
    const spatial = spatialAxes('channels_first', x.shape.length);
    if (op !== 'min' && axes.length === spatial.length && spatial.length > 0 && axes.every((a) => a !== null && spatial.includes(a))) {
      return kit.op(b.name, { kind: 'globalPool', op: op === 'mean' ? 'avg' : op, rank: spatial.length as 1 | 2 | 3, keepDims: keep }, x, s);
    }
    return kit.op(b.name, { kind: 'reduce', op, axes: dims, keepDims: keep }, x, s);
  };
  const reductions: Record<string, data.Reduction> = { sum: 'sum', mean: 'mean', prod: 'prod', amax: 'max', amin: 'min', max: 'max', min: 'min' };
  for (const [name, op] of Object.entries(reductions)) {
    const minmax = name === 'max' || name === 'min';
    table[name] = rowOf(['input', 'dim', 'keepdim', ...(minmax ? [] : ['dtype'])], 'tm', (b, s) => {
      const x = b.get('input');
      // torch.max(a, b) is the elementwise maximum.
      if (minmax && b.get('dim')?.t === 'tensor') return binop(name === 'max' ? 'maximum' : 'minimum', x ?? NONE, b.get('dim')!, s);
      const a = arrayOf(x);
      if (a) {
        const dims = b.ints('dim');
        const keep = b.bool('keepdim', false);
        if (!dims || keep === undefined || dims.length > 1) return unknown(`${name}() over dims not known statically`);
        const out = data.reduce(a, op, dims[0], keep);
        if (!out) return unknown(`${name}() of an empty tensor or a dim out of range`);
        // torch.max(x, dim) gives (values, indices); the indices are not modelled.
        return minmax && dims.length ? tuple([tensorOf(out), unknown('indices of max/min')]) : tensorOf(out);
      }
      if (x?.t !== 'tensor') return unknown(`torch.${name}() of something that is not a tensor`);
      const out = reduceSymbolic(b, op === 'prod' ? 'sum' : (op as 'mean' | 'sum' | 'max' | 'min'), s);
      return minmax && b.get('dim') ? tuple([out, out]) : out;
    });
  }
  // Vector and matrix norms reduce like sum (GRN's x.norm(p=2, dim=(1, 2), keepdim=True)); values of a
  // data tensor's norm are not computed.
  for (const name of ['norm']) {
    table[name] = rowOf(['input', 'p', 'dim', 'keepdim', 'dtype'], 'tm', (b, s) => {
      const x = b.get('input');
      if (x?.t !== 'tensor') return unknown(`${name}() of something that is not a tensor`);
      if (!x.data) return reduceSymbolic(b, 'sum', s);
      const dims = b.ints('dim');
      const keep = b.bool('keepdim', false);
      if (!dims || keep === undefined) return unknown(`${name}() over dims not known statically`);
      const axes = dims.length ? dims.map((d) => normalizeAxis(d, x.shape.length)) : x.shape.map((_, i) => i);
      return { t: 'tensor', id: -1, shape: x.shape.flatMap((d, i) => (axes.includes(i) ? (keep ? [1] : []) : [d])) };
    });
  }
  for (const name of ['cumsum', 'cumprod'] as const) {
    table[name] = rowOf(['input', 'dim', 'dtype'], 'tm', (b, s) => {
      const a = arrayOf(b.get('input'));
      const dim = b.num('dim');
      if (!a) return b.get('input')?.t === 'tensor' ? elementwise(b, s) : unknown(`torch.${name}() of something that is not a tensor`);
      const out = dim === undefined ? undefined : data.reduce(a, name, dim);
      return out ? tensorOf(out) : unknown(`${name}() over a dim not known statically`);
    });
  }
  table.diff = rowOf(['input', 'n', 'dim', 'prepend', 'append'], 'tm', (b, s) => {
    let a = arrayOf(b.get('input'));
    const [n, dim] = [b.num('n', 1), b.num('dim', -1)];
    if (!a || n === undefined || dim === undefined || b.get('prepend') || b.get('append')) return unknownOp(b, s, 'diff() is modelled for known values only');
    for (let i = 0; i < n && a; i++) a = data.reduce(a, 'diff', dim);
    return a ? tensorOf(a) : unknown('diff() over a dim out of range');
  });
  table.unique = rowOf(['input', 'sorted', 'return_inverse', 'return_counts', 'dim'], 'tm', (b, s) => {
    const a = arrayOf(b.get('input'));
    const [inverse, counts] = [b.bool('return_inverse', false), b.bool('return_counts', false)];
    const dim = b.get('dim');
    if (!a || inverse === undefined || counts === undefined || (dim && dim.t !== 'none')) return unknownOp(b, s, 'unique() is modelled for known values and no dim only');
    const values = data.unique(a);
    if (!inverse && !counts) return tensorOf(values);
    // (values, inverse, counts) as asked for: positions in values, and how often each occurs.
    const position = new Map(values.data.values.map((v, i) => [v, i]));
    const extra = [
      ...(inverse ? [data.make(a.data.lib, 'int64', a.shape, a.data.values.map((v) => position.get(v)!))] : []),
      ...(counts ? [data.make(a.data.lib, 'int64', values.shape, values.data.values.map((v) => a.data.values.filter((x) => x === v).length))] : []),
    ];
    return tuple([values, ...extra].map(tensorOf));
  });

  // ---- shapes -------------------------------------------------------------------------------
  const reshapeTo = (b: Bound, target: Dim[] | undefined, s: CallSite): Value => {
    const x = b.get('input');
    const a = arrayOf(x);
    if (a && target?.every((d): d is number => typeof d === 'number')) {
      const out = data.reshape(a, target);
      if (out) return tensorOf(out);
    }
    // A symbolic dim (Keras's batch N) stays itself, so squeeze/unsqueeze keep it; only an unknown one is inferred.
    const dims = target?.map((d) => (isKnown(d) || typeof d === 'string' ? d : -1));
    if (!dims) return unknownOp(b, s, 'a target shape not known statically');
    return kit.op(b.name, { kind: 'reshape', target: dims, includesBatch: true }, x, s);
  };
  const sizeParam = (b: Bound, p: string): number[] | undefined => b.ints(p);
  table.view = rowOf(['input', '*size'], 'm', (b, s) => reshapeTo(b, sizeParam(b, 'size'), s));
  table.reshape = rowOf(['input', '*shape'], 'tm', (b, s) => reshapeTo(b, sizeParam(b, 'shape'), s));
  for (const name of ['view_as', 'reshape_as']) {
    table[name] = rowOf(['input', 'other'], 'm', (b, s) => {
      const other = b.get('other');
      return other?.t === 'tensor' ? reshapeTo(b, [...other.shape], s) : unknownOp(b, s, `${name}() of something that is not a tensor`);
    });
  }
  table.flatten = rowOf(['input', 'start_dim', 'end_dim'], 'tm', (b, s) => {
    const [start, end] = [b.num('start_dim', 0), b.num('end_dim', -1)];
    const x = b.get('input');
    if (start === undefined || end === undefined) return unknownOp(b, s, 'start_dim / end_dim not known statically');
    const a = arrayOf(x);
    if (a) {
      const [i, j] = [normalizeAxis(start, a.shape.length), normalizeAxis(end, a.shape.length)];
      if (i !== null && j !== null && i <= j) return tensorOf({ shape: [...a.shape.slice(0, i), a.shape.slice(i, j + 1).reduce((p, d) => p * d, 1), ...a.shape.slice(j + 1)], data: a.data });
      if (!a.shape.length) return tensorOf({ shape: [1], data: a.data });
    }
    return kit.op('flatten', { kind: 'flatten', startDim: start, endDim: end }, x, s);
  });
  table.permute = rowOf(['input', '*dims'], 'tm', (b, s) => {
    const perm = b.ints('dims');
    return perm ? permuted(b, perm, s) : unknownOp(b, s, 'dims not known statically');
  });
  table.transpose = rowOf(['input', 'dim0', 'dim1'], 'tm', (b, s) => {
    const x = b.get('input');
    const [d0, d1] = [b.num('dim0'), b.num('dim1')];
    if (x?.t !== 'tensor' || d0 === undefined || d1 === undefined) return unknownOp(b, s, 'dims not known statically');
    const perm = x.shape.map((_, i) => i);
    const [i, j] = [normalizeAxis(d0, perm.length), normalizeAxis(d1, perm.length)];
    if (i === null || j === null) return unknownOp(b, s, `dims ${d0}, ${d1} out of range for a ${perm.length}-D tensor`);
    [perm[i], perm[j]] = [perm[j], perm[i]];
    return permuted(b, perm, s);
  });
  table.swapaxes = rowOf(['input', 'axis0', 'axis1'], 'tm', (b, s) =>
    table.transpose.run(new Bound(b.name, new Map([['input', b.get('input') ?? NONE], ['dim0', b.get('axis0') ?? NONE], ['dim1', b.get('axis1') ?? NONE]])), s));
  table.swapdims = rowOf(['input', 'dim0', 'dim1'], 'tm', (b, s) => table.transpose.run(b, s));
  function permuted(b: Bound, perm: number[], s: CallSite): Value {
    const a = arrayOf(b.get('input'));
    const values = a && data.permute(a, perm);
    return values ? tensorOf(values) : kit.op(b.name, { kind: 'permute', perm }, b.get('input'), s);
  }
  const squeeze = (add: boolean) => (b: Bound, s: CallSite): Value => {
    const x = b.get('input');
    const dim = b.num('dim');
    if (x?.t !== 'tensor' || (dim === undefined && (add || b.get('dim')))) return unknownOp(b, s, 'dim not known statically');
    const shape = [...x.shape];
    if (add) shape.splice(dim! < 0 ? shape.length + 1 + dim! : dim!, 0, 1);
    else if (dim === undefined) return reshapeTo(b, shape.filter((d) => d !== 1), s);
    else {
      const at = normalizeAxis(dim, shape.length);
      if (at !== null && shape[at] === 1) shape.splice(at, 1);
    }
    return reshapeTo(b, shape, s);
  };
  table.unsqueeze = rowOf(['input', 'dim'], 'tm', squeeze(true));
  table.squeeze = rowOf(['input', 'dim'], 'tm', squeeze(false));

  // ---- split and join ---------------------------------------------------------------------------
  const pieces = (b: Bound, s: CallSite, how: 'chunks' | 'sections' | 'unbind'): Value => {
    const x = b.get('input');
    const axis = b.num('dim', 0);
    if (x?.t !== 'tensor' || axis === undefined) return unknownOp(b, s, 'dim not known statically');
    const what = how === 'chunks' ? b.get('chunks') : b.get('split_size_or_sections');
    const sizes = what && (what.t === 'list' || what.t === 'tuple') ? b.ints('split_size_or_sections') : undefined;
    const n = how === 'unbind' ? undefined : b.num(how === 'chunks' ? 'chunks' : 'split_size_or_sections');
    const at = normalizeAxis(axis, x.shape.length);
    const length = at === null ? undefined : x.shape[at];
    let spec: LayerSpec;
    if (how === 'unbind') {
      if (!isKnown(length)) return unknown('unbind() along a dim of unknown length');
      spec = { kind: 'split', axis, size: 1 };
    } else if (sizes) spec = { kind: 'split', axis, sizes };
    else if (n === undefined) return unknown(`${b.name}() with sizes not known statically`);
    else if (how === 'chunks') spec = { kind: 'split', axis, chunks: n };
    else if (!isKnown(length)) return unknown(`${b.name}() of a dim of unknown length into pieces of ${n}`);
    else spec = { kind: 'split', axis, size: n };
    const a = arrayOf(x);
    if (a && at !== null) {
      // Data: each piece is a slice along the axis.
      const total = a.shape[at];
      const lengths = how === 'unbind' ? Array(total).fill(1) : sizes ?? chunkLengths(total, how === 'chunks' ? Math.ceil(total / n!) : n!);
      let from = 0;
      const out: Value[] = [];
      for (const len of lengths) {
        const items: data.IndexItem[] = a.shape.map((_, i) => (i === at ? (how === 'unbind' ? { kind: 'int', at: from } : { kind: 'slice', start: from, stop: from + len, step: 1 }) : { kind: 'slice', start: null, stop: null, step: null }));
        const piece = data.index(a, items);
        if (!piece) return unknown(`${b.name}() sizes do not fit the tensor`);
        out.push(tensorOf(piece));
        from += len;
      }
      return tuple(out);
    }
    if (!session.tracer) return unknown(`${b.name}() outside a forward pass`);
    const outputs = session.tracer.applyOpMulti(b.name, spec, [x], s);
    if (how !== 'unbind') return tuple(outputs);
    return tuple(outputs.map((t) => kit.op('squeeze', { kind: 'reshape', target: t.shape.filter((_, i) => i !== at).map((d) => (isKnown(d) ? d : -1)), includesBatch: true }, t, s)));
  };
  table.chunk = rowOf(['input', 'chunks', 'dim'], 'tm', (b, s) => pieces(b, s, 'chunks'));
  table.split = rowOf(['input', 'split_size_or_sections', 'dim'], 'tm', (b, s) => pieces(b, s, 'sections'), { split_size: 'split_size_or_sections' });
  table.unbind = rowOf(['input', 'dim'], 'tm', (b, s) => pieces(b, s, 'unbind'));
  // tensor_split: an int is a number of near-equal sections (the first ones one longer), a sequence
  // the indices to split before; both become the sizes of a split.
  table.tensor_split = rowOf(['input', 'indices_or_sections', 'dim'], 'tm', (b, s) => {
    const x = b.get('input');
    const how = b.get('indices_or_sections');
    const [axis, cuts] = [b.num('dim', 0), b.ints('indices_or_sections')];
    const at = x?.t === 'tensor' && axis !== undefined ? normalizeAxis(axis, x.shape.length) : null;
    const length = at === null ? undefined : (x as TensorValue).shape[at];
    if (!isKnown(length) || !cuts || !how || how.t === 'none') return unknownOp(b, s, 'tensor_split() of a dim or sections not known statically');
    let sizes: number[];
    if (how.t === 'tuple' || how.t === 'list') {
      const ends = [...cuts, length].map((c) => Math.min(Math.max(c < 0 ? c + length : c, 0), length));
      sizes = ends.map((e, i) => Math.max(0, e - Math.max(i ? ends[i - 1] : 0, 0)));
    } else {
      const n = cuts[0];
      if (!(n > 0)) return unknownOp(b, s, `tensor_split() into ${n} sections`);
      sizes = Array.from({ length: n }, (_, i) => Math.floor(length / n) + (i < length % n ? 1 : 0));
    }
    return pieces(new Bound(b.name, new Map<string, Value>([['input', x!], ['split_size_or_sections', tuple(sizes.map(int))], ['dim', int(axis!)]])), s, 'sections');
  }, { indices: 'indices_or_sections', sections: 'indices_or_sections', tensor_indices_or_sections: 'indices_or_sections' });
  const join = (stack: boolean) => (b: Bound, s: CallSite): Value => {
    const items = om.iterate(b.get('tensors') ?? NONE, s);
    const axis = b.num('dim', 0);
    if (!items?.length || axis === undefined || !items.every((t): t is TensorValue => t.t === 'tensor')) return unknown(`torch.${b.name}() of tensors not known statically`);
    const arrays = items.map(arrayOf);
    if (arrays.every((a): a is data.DataArray => !!a)) {
      const joined = data.join(arrays, axis, stack);
      if (joined) return tensorOf(joined);
    }
    if (!session.tracer) return unknown(`torch.${b.name}() outside a forward pass`);
    const parts = stack ? items.map((t) => squeeze(true)(new Bound('unsqueeze', new Map<string, Value>([['input', t], ['dim', int(axis)]])), s)) : items;
    if (!parts.every((t): t is TensorValue => t.t === 'tensor')) return unknown(`torch.${b.name}() of tensors not known statically`);
    return session.tracer.applyOp(stack ? 'stack' : 'cat', { kind: 'concat', axis }, parts, s);
  };
  // einsum("bhid,bhjd->bhij", q, k) or with the operands in one list, as torch accepts both.
  table.einsum = rowOf(['equation', '*operands'], 't', (b, s) => {
    const equation = b.get('equation');
    const operands = om.iterate(b.get('operands') ?? NONE, s);
    if (equation?.t !== 'str' || !operands?.length || !operands.every((t): t is TensorValue => t.t === 'tensor')) return unknown('torch.einsum() of an equation or operands not known statically');
    if (!session.tracer) return unknown('torch.einsum() outside a forward pass');
    return session.tracer.applyOp('einsum', { kind: 'einsum', equation: equation.v }, operands, s);
  });
  for (const name of ['cat', 'concat', 'concatenate']) table[name] = rowOf(['tensors', 'dim', 'out'], 't', join(false));
  table.stack = rowOf(['tensors', 'dim', 'out'], 't', join(true));

  // ---- values out of a tensor ---------------------------------------------------------------------
  const valuesOf = (b: Bound, what: string, read: (a: data.DataArray) => Value): Value => {
    const a = arrayOf(b.get('input'));
    return a ? read(a) : unknown(`${what} of a tensor whose values are not known statically`);
  };
  table.tolist = rowOf(['input'], 'm', (b) => valuesOf(b, '.tolist()', toList));
  table.item = rowOf(['input'], 'm', (b) => valuesOf(b, '.item()', (a) => (data.elementCount(a) === 1 ? scalarValue(a.data.values[0], a.data.dtype) : unknown('.item() of a tensor with more than one element'))));
  table.numpy = rowOf(['input', 'force'], 'm', (b) => {
    const x = b.get('input');
    const a = arrayOf(x);
    return a ? tensorOf(data.relabel(a, 'numpy')) : x ?? NONE;
  });
  const casts: Record<string, data.DType> = { int: 'int32', long: 'int64', float: 'float32', double: 'float64', bool: 'bool', half: 'float32' };
  for (const [name, dtype] of Object.entries(casts)) {
    table[name] = rowOf(['input', 'memory_format'], 'm', (b) => {
      const x = b.get('input');
      const a = arrayOf(x);
      return a ? tensorOf(data.astype(a, dtype)) : x ?? NONE;
    });
  }
  table.to = rowOf(['input', '*args', 'dtype', 'non_blocking', 'copy', 'memory_format', 'device'], 'm', (b) => {
    const x = b.get('input');
    const a = arrayOf(x);
    const args = b.get('args');
    const named = [b.get('dtype'), ...(args?.t === 'tuple' || args?.t === 'list' ? args.items : [])].map((v) => dtypeNamed(v, 'torch')).find((d) => d);
    return a && named ? tensorOf(data.astype(a, named)) : x ?? NONE;
  });
  table.type = rowOf(['input', 'dtype', 'non_blocking'], 'm', (b) => {
    const a = arrayOf(b.get('input'));
    const named = dtypeNamed(b.get('dtype'), 'torch');
    return a && named ? tensorOf(data.astype(a, named)) : b.get('input') ?? NONE;
  });
  // expand_as broadcasts to the other tensor's shape, as adding it would.
  table.expand_as = rowOf(['input', 'other'], 'm', (b, s) => {
    const other = b.get('other');
    return other?.t === 'tensor' && b.get('input')?.t === 'tensor' && session.tracer ? session.tracer.applyOp('expand_as', { kind: 'add', broadcast: true }, [b.get('input') as TensorValue, other], s) : unknownOp(b, s, 'expand_as() of something that is not a tensor');
  });
  table.expand = rowOf(['input', '*size', 'implicit'], 'm', (b, s) => {
    const sizes = b.ints('size');
    return sizes ? kit.op('expand', { kind: 'expand', sizes }, b.get('input'), s) : unknownOp(b, s, 'expand() to sizes not known statically');
  });
  // In-place initialisers (nn.Parameter(torch.empty(1, n, d).normal_(std=0.02))): the same shape,
  // values no longer known.
  for (const name of ['normal_', 'uniform_', 'trunc_normal_', 'zero_', 'fill_', 'exponential_', 'bernoulli_', 'random_', 'copy_']) {
    table[name] = rowOf(['input', '*args', 'mean', 'std', 'a', 'b', 'value', 'src', 'generator', 'from', 'to', 'p', 'lambd', 'non_blocking'], 'm', (b) => {
      const x = b.get('input');
      return x?.t === 'tensor' && x.data ? { t: 'tensor', id: -1, shape: x.shape } : x ?? NONE;
    });
  }
  for (const name of ['contiguous', 'clone', 'detach', 'cpu', 'cuda', 'requires_grad_', 'type_as', 'pin_memory']) {
    table[name] = rowOf(['input', '*args', 'memory_format', 'non_blocking', 'device'], 'm', (b) => b.get('input') ?? NONE);
  }

  // ---- layers used as functions: the torch.nn catalog's rule -------------------------------------
  const activations: Record<string, { params: string[]; forms: string }> = {
    relu: { params: ['inplace'], forms: 'tm' }, sigmoid: { params: [], forms: 'tm' }, tanh: { params: [], forms: 'tm' },
    softmax: { params: ['dim', '_stacklevel', 'dtype'], forms: 'tm' }, log_softmax: { params: ['dim', '_stacklevel', 'dtype'], forms: 'tm' },
    relu6: { params: ['inplace'], forms: 'm' }, gelu: { params: ['approximate'], forms: 'm' }, silu: { params: ['inplace'], forms: 'm' },
    hardswish: { params: ['inplace'], forms: 'm' }, hardsigmoid: { params: ['inplace'], forms: 'm' }, elu: { params: ['alpha', 'inplace'], forms: 'm' },
    leaky_relu: { params: ['negative_slope', 'inplace'], forms: 'm' }, mish: { params: ['inplace'], forms: 'm' },
  };
  for (const [name, { params, forms }] of Object.entries(activations)) {
    table[name] = rowOf(['input', ...params], forms, (b, s) => {
      const keywords = new Map([...b.values].filter(([k]) => k !== 'input'));
      return kit.catalog(name, { positional: [b.get('input') ?? NONE], keywords }, s);
    });
  }
  Object.assign(table, gridAndMaskFunctions(kit), repeatFunctions(kit), functionalOps(kit, binop));
  return table;

  function chunkLengths(total: number, piece: number): number[] {
    const out: number[] = [];
    for (let at = 0; at < total; at += piece) out.push(Math.min(piece, total - at));
    return out;
  }

  function sized(a: data.DataArray, n: number): Value {
    return n > data.maxDataElements ? { t: 'tensor', id: -1, shape: [n] } : tensorOf(a);
  }
}
