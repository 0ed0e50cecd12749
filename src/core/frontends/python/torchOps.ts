/**
 * The model of torch's tensor API: `torch` and `torch.nn.functional` functions, tensor methods
 * and attributes (`x.size(0)`, `x.view(...)`, `x.mean([2, 3])`), and operators on tensors
 * (`out += identity`, `x * scale`, `x / 6`, `1 - x`, `-x`). Each op on symbolic tensors becomes
 * an IR node through the tracer, including arithmetic with a Python number (a `scalar` node that
 * keeps the number); functional layers reuse the torch.nn catalog so `F.max_pool2d` and
 * `nn.MaxPool2d` share one rule. The operators also serve Keras's symbolic tensors, which share
 * the value type. torch.jit and torch.utils.checkpoint are modelled as what they do at eval time.
 */
import { bindArgs, type ArgValue } from '../../frameworks/args';
import { buildSpec } from '../../frameworks/catalog';
import { torchLayers } from '../../frameworks/torchLayers';
import { isKnown, normalizeAxis, spatialAxes, type Dim } from '../../ir/dims';
import type { LayerSpec, PadSpec, ScalarSpec } from '../../ir/layers';
import { toArg } from './torchNn';
import type { Session } from './session';
import {
  NONE, FALSE, builtin, int, numberOf, str, tuple, unknown,
  type CallArgs, type CallSite, type ModuleValue, type TensorValue, type Value,
} from './values';

/** Python operators between a tensor and a number, by which side the number is on. */
const scalarRight: Readonly<Record<string, ScalarSpec['op']>> = { '+': 'add', '-': 'sub', '*': 'mul', '/': 'div', '**': 'pow' };
const scalarLeft: Readonly<Record<string, ScalarSpec['op']>> = { '+': 'add', '-': 'rsub', '*': 'mul', '/': 'rdiv', '**': 'rpow' };
/** torch's names for the operators CNN Lens does not model with a number, for the unknown node. */
const operatorNames: Readonly<Record<string, string>> = { '//': 'floor_divide', '%': 'remainder', '<': 'lt', '>': 'gt', '<=': 'le', '>=': 'ge', '==': 'eq', '!=': 'ne', '&': 'bitwise_and', '|': 'bitwise_or', '^': 'bitwise_xor', '@': 'matmul', '<<': 'bitwise_left_shift', '>>': 'bitwise_right_shift' };
/** Operators that ask about the objects, not the values: the tensor stands for itself. */
const identityTests = new Set(['is', 'is not', 'in', 'not in', 'and', 'or']);
/** torch.add / x.sub / … and the Python operator each one is. */
const arithmetic = { add: '+', sub: '-', mul: '*', div: '/', pow: '**' } as const;

export function installTorchOps(session: Session, torch: ModuleValue, functional: ModuleValue): void {
  const { om } = session;
  const fn = (name: string, call: (a: CallArgs, s: CallSite) => Value) => builtin(name, call);
  const identity = fn('identity', (a) => a.positional[0] ?? NONE);

  /** A functional op: records a node when the input is a known tensor. */
  const op = (className: string, spec: LayerSpec | { error: string }, input: Value | undefined, site: CallSite, extra: TensorValue[] = []): Value => {
    const x = session.tensorArg(input, site, className);
    if (!x || !session.tracer) return unknown(`${className}() output`);
    if ('error' in spec) {
      session.interp.report(site.file, site.from, site.to, 'warning', spec.error);
      return session.tracer.applyOp(className, { kind: 'unknown', className }, [x, ...extra], site);
    }
    return session.tracer.applyOp(className, spec, [x, ...extra], site);
  };
  /** Binds a functional call's arguments (after the input) to a catalog class's parameters. */
  const catalogOp = (name: string, cls: string, params?: readonly string[]) =>
    fn(name, (a, s) => {
      const entry = torchLayers[cls];
      const names = params ?? entry.params;
      const literal: Record<string, ArgValue> = {};
      const unresolved: string[] = [];
      a.positional.slice(1).forEach((v, i) => {
        const lit = toArg(v);
        if (names[i] && lit !== undefined) literal[names[i]] = lit;
        else if (names[i]) unresolved.push(names[i]);
      });
      for (const [k, v] of a.keywords) {
        const lit = toArg(v);
        if (lit !== undefined && k !== 'input') literal[k] = lit;
        else if (k !== 'input') unresolved.push(k);
      }
      return op(name, buildSpec(torchLayers, cls, bindArgs(entry.params, [], literal), unresolved), a.positional[0] ?? a.keywords.get('input'), s);
    });

  const F = functional.attrs;
  for (const [name, cls] of Object.entries({ relu: 'ReLU', relu6: 'ReLU6', elu: 'ELU', selu: 'SELU', gelu: 'GELU', silu: 'SiLU', hardswish: 'Hardswish', hardsigmoid: 'Hardsigmoid', sigmoid: 'Sigmoid', tanh: 'Tanh', leaky_relu: 'LeakyReLU', softplus: 'Softplus', mish: 'Mish' })) {
    // F.leaky_relu(x, 0.2), F.elu(x, alpha), F.gelu(x, approximate=…): the class's own parameter order.
    F.set(name, catalogOp(name, cls));
  }
  F.set('softmax', catalogOp('softmax', 'Softmax', ['dim']));
  F.set('log_softmax', catalogOp('log_softmax', 'LogSoftmax', ['dim']));
  for (const name of ['dropout', 'dropout1d', 'dropout2d', 'dropout3d', 'alpha_dropout']) F.set(name, catalogOp(name, 'Dropout', ['p']));
  for (const r of [1, 2, 3]) {
    F.set(`max_pool${r}d`, catalogOp(`max_pool${r}d`, `MaxPool${r}d`));
    F.set(`avg_pool${r}d`, catalogOp(`avg_pool${r}d`, `AvgPool${r}d`));
    F.set(`adaptive_avg_pool${r}d`, catalogOp(`adaptive_avg_pool${r}d`, `AdaptiveAvgPool${r}d`));
    F.set(`adaptive_max_pool${r}d`, catalogOp(`adaptive_max_pool${r}d`, `AdaptiveMaxPool${r}d`));
  }
  F.set('interpolate', catalogOp('interpolate', 'Upsample'));
  F.set('upsample', catalogOp('upsample', 'Upsample'));
  F.set('pad', fn('pad', (a, s) => {
    const x = a.positional[0] ?? a.keywords.get('input');
    const pad = toArg(a.positional[1] ?? a.keywords.get('pad') ?? NONE);
    const modeValue = a.positional[2] ?? a.keywords.get('mode');
    const fillValue = a.positional[3] ?? a.keywords.get('value');
    const mode = modeValue ? toArg(modeValue) : 'constant';
    const fill = fillValue ? toArg(fillValue) : 0;
    const unresolved = [...(mode === undefined ? ['mode'] : []), ...(fill === undefined ? ['value'] : [])];
    const rank = x?.t === 'tensor' ? x.shape.length - 2 : 0;
    const sides = Array.isArray(pad) ? pad.length / 2 : 0;
    if (x?.t !== 'tensor' || !Array.isArray(pad) || pad.length % 2 || !pad.every((p) => typeof p === 'number') || rank < 1 || rank > 3 || sides > rank) return op('pad', { kind: 'unknown', className: 'pad' }, x, s);
    if (mode !== undefined && mode !== 'constant' && mode !== 'reflect' && mode !== 'replicate' && mode !== 'circular') return op('pad', { kind: 'unknown', className: 'pad', reason: `mode ${JSON.stringify(mode)} is not one PyTorch has` }, x, s);
    if (fill !== undefined && fill !== null && typeof fill !== 'number') return op('pad', { kind: 'unknown', className: 'pad', reason: `value ${JSON.stringify(fill)} is not a number` }, x, s);
    // F.pad lists the last axis first: (left, right, top, bottom, …); axes it leaves out keep their size.
    const pads = Array.from({ length: rank }, (_, i) => {
      const k = rank - 1 - i;
      return k < sides ? ([pad[2 * k], pad[2 * k + 1]] as const) : ([0, 0] as const);
    }) as (readonly [number, number])[];
    const value = typeof fill === 'number' ? fill : 0;
    const r = rank as 1 | 2 | 3;
    if ((mode ?? 'constant') === 'constant' && value === 0 && !unresolved.length) return op('pad', { kind: 'zeroPad', rank: r, pads }, x, s);
    const spec: PadSpec = { kind: 'pad', rank: r, pads, mode: (mode ?? 'constant') as PadSpec['mode'], value, ...(unresolved.length ? { unresolved } : {}) };
    return op('pad', spec, x, s);
  }));

  const tensorsIn = (v: Value | undefined, s: CallSite) => (v ? om.iterate(v, s) : undefined)?.filter((t): t is TensorValue => t.t === 'tensor');
  const cat = fn('cat', (a, s) => {
    const items = a.positional[0] ? om.iterate(a.positional[0], s) : undefined;
    const tensors = tensorsIn(a.positional[0], s);
    if (!items || !tensors || tensors.length !== items.length || !tensors.length || !session.tracer) return unknown('torch.cat() of unknown tensors');
    const dim = numberOf(a.positional[1] ?? a.keywords.get('dim') ?? int(0)) ?? 0;
    return session.tracer.applyOp('cat', { kind: 'concat', axis: dim }, tensors, s);
  });
  const flatten = (defaultStart: number) =>
    fn('flatten', (a, s) => {
      const start = numberOf(a.positional[1] ?? a.keywords.get('start_dim') ?? int(defaultStart)) ?? defaultStart;
      const end = numberOf(a.positional[2] ?? a.keywords.get('end_dim') ?? int(-1)) ?? -1;
      return op('flatten', { kind: 'flatten', startDim: start, endDim: end }, a.positional[0], s);
    });
  const sizeArgs = (a: CallArgs, from: number): Dim[] | undefined => {
    const first = a.positional[from];
    const raw = a.positional.length === from + 1 && first && (first.t === 'tuple' || first.t === 'list') ? first.items : a.positional.slice(from);
    const dims = raw.map((v) => numberOf(v));
    return dims.every((d) => d !== undefined) ? (dims as number[]) : undefined;
  };
  const reshape = (x: Value | undefined, target: Dim[] | undefined, s: CallSite, name: string): Value =>
    target ? op(name, { kind: 'reshape', target: target.map((d) => (isKnown(d) ? d : -1)), includesBatch: true }, x, s) : op(name, { kind: 'unknown', className: name }, x, s);
  const permute = (x: Value | undefined, perm: number[] | undefined, s: CallSite, name: string) =>
    perm ? op(name, { kind: 'permute', perm }, x, s) : op(name, { kind: 'unknown', className: name }, x, s);
  const transposePerm = (x: Value | undefined, a0: Value | undefined, a1: Value | undefined): number[] | undefined => {
    const [d0, d1] = [numberOf(a0 ?? NONE), numberOf(a1 ?? NONE)];
    if (x?.t !== 'tensor' || d0 === undefined || d1 === undefined) return undefined;
    const perm = x.shape.map((_, i) => i);
    const [i, j] = [normalizeAxis(d0, perm.length), normalizeAxis(d1, perm.length)];
    if (i === null || j === null) return undefined;
    [perm[i], perm[j]] = [perm[j], perm[i]];
    return perm;
  };
  const squeezeShape = (x: TensorValue, dim: number | undefined, add: boolean): Dim[] | undefined => {
    const shape = [...x.shape];
    if (add) {
      const at = dim === undefined ? undefined : dim < 0 ? shape.length + 1 + dim : dim;
      if (at === undefined) return undefined;
      shape.splice(at, 0, 1);
      return shape;
    }
    if (dim === undefined) return shape.filter((d) => d !== 1);
    const at = normalizeAxis(dim, shape.length);
    if (at !== null && shape[at] === 1) shape.splice(at, 1);
    return shape;
  };
  /** x.mean([2, 3]) over exactly the spatial axes is global average pooling; anything else is unknown. */
  const reduce = (name: string, x: Value | undefined, dims: Value | undefined, keep: Value | undefined, s: CallSite): Value => {
    if (x?.t !== 'tensor') return unknown(`${name}() output`);
    const axes = (dims ? (dims.t === 'int' ? [dims.v] : (om.iterate(dims, s) ?? []).map((v) => numberOf(v))) : []).map((d) => (d === undefined ? null : normalizeAxis(d, x.shape.length)));
    const spatial = spatialAxes('channels_first', x.shape.length);
    const isSpatial = axes.length === spatial.length && spatial.length > 0 && axes.every((a) => a !== null && spatial.includes(a));
    if (!isSpatial) {
      if (axes.some((a) => a === null) || !axes.length) return op(name, { kind: 'unknown', className: name }, x, s);
      return op(name, { kind: 'reduce', op: name === 'mean' ? 'mean' : name === 'sum' ? 'sum' : 'max', axes: axes as number[], keepDims: keep?.t === 'bool' && keep.v }, x, s);
    }
    return op(name, { kind: 'globalPool', op: name === 'mean' ? 'avg' : name === 'sum' ? 'sum' : 'max', rank: spatial.length as 1 | 2 | 3, keepDims: keep?.t === 'bool' && keep.v }, x, s);
  };

  const split = (name: string, x: Value | undefined, what: Value | undefined, dimValue: Value | undefined, s: CallSite): Value => {
    if (x?.t !== 'tensor' || !session.tracer) return unknown(`${name}() output`);
    const axis = numberOf(dimValue ?? int(0)) ?? 0;
    const n = numberOf(what ?? NONE);
    const sizes = what && (what.t === 'list' || what.t === 'tuple') ? what.items.map((v) => numberOf(v)) : undefined;
    const spec: LayerSpec | undefined =
      name === 'chunk' && n !== undefined ? { kind: 'split', axis, chunks: n } : sizes?.every((v) => v !== undefined) ? { kind: 'split', axis, sizes: sizes as number[] } : n !== undefined ? { kind: 'split', axis, size: n } : undefined;
    if (!spec) return unknown(`${name}() with sizes not known statically`);
    return tuple(session.tracer.applyOpMulti(name, spec, [x], s));
  };
  const T = torch.attrs;
  T.set('chunk', fn('chunk', (a, s) => split('chunk', a.positional[0], a.positional[1] ?? a.keywords.get('chunks'), a.positional[2] ?? a.keywords.get('dim'), s)));
  T.set('split', fn('split', (a, s) => split('split', a.positional[0], a.positional[1] ?? a.keywords.get('split_size_or_sections'), a.positional[2] ?? a.keywords.get('dim'), s)));
  T.set('cat', cat);
  T.set('concat', cat);
  T.set('concatenate', cat);
  T.set('flatten', flatten(0));
  T.set('reshape', fn('reshape', (a, s) => reshape(a.positional[0], sizeArgs(a, 1), s, 'reshape')));
  T.set('transpose', fn('transpose', (a, s) => permute(a.positional[0], transposePerm(a.positional[0], a.positional[1], a.positional[2]), s, 'transpose')));
  T.set('permute', fn('permute', (a, s) => permute(a.positional[0], sizeArgs(a, 1) as number[] | undefined, s, 'permute')));
  T.set('unsqueeze', fn('unsqueeze', (a, s) => {
    const x = a.positional[0];
    return x?.t === 'tensor' ? reshape(x, squeezeShape(x, numberOf(a.positional[1] ?? NONE), true), s, 'unsqueeze') : unknown('unsqueeze()');
  }));
  T.set('squeeze', fn('squeeze', (a, s) => {
    const x = a.positional[0];
    return x?.t === 'tensor' ? reshape(x, squeezeShape(x, numberOf(a.positional[1] ?? NONE), false), s, 'squeeze') : unknown('squeeze()');
  }));
  T.set('mean', fn('mean', (a, s) => reduce('mean', a.positional[0], a.positional[1] ?? a.keywords.get('dim'), a.positional[2] ?? a.keywords.get('keepdim'), s)));
  T.set('amax', fn('amax', (a, s) => reduce('amax', a.positional[0], a.positional[1] ?? a.keywords.get('dim'), a.positional[2] ?? a.keywords.get('keepdim'), s)));
  for (const name of ['relu', 'sigmoid', 'tanh']) T.set(name, F.get(name)!);
  T.set('softmax', F.get('softmax')!);
  T.set('sum', fn('sum', (a, s) => reduce('sum', a.positional[0], a.positional[1] ?? a.keywords.get('dim'), a.positional[2] ?? a.keywords.get('keepdim'), s)));
  for (const [name, symbol] of Object.entries(arithmetic)) {
    T.set(name, fn(name, (a, s) => (a.keywords.has('alpha') || a.keywords.has('rounding_mode') ? op(name, { kind: 'unknown', className: name, reason: 'alpha / rounding_mode are not modelled' }, a.positional[0], s) : om.binop(symbol, a.positional[0] ?? NONE, a.positional[1] ?? a.keywords.get('other') ?? a.keywords.get('exponent') ?? NONE, s, false))));
  }
  T.set('neg', fn('neg', (a, s) => om.unary('-', a.positional[0] ?? NONE, s)));
  for (const name of ['zeros', 'ones', 'randn', 'rand', 'empty', 'full']) {
    T.set(name, fn(name, (a, s) => {
      const dims = sizeArgs(a, 0);
      return dims && name !== 'full' ? session.looseTensor(dims, s) : unknown(`torch.${name}()`);
    }));
  }
  T.set('is_tensor', fn('is_tensor', (a) => ({ t: 'bool', v: a.positional[0]?.t === 'tensor' })));
  T.set('_assert', fn('_assert', () => NONE));
  T.set('Tensor', om.newClass('Tensor', [], new Map(), 'torch.Tensor'));
  T.set('Size', om.builtins.get('tuple')!);
  T.set('__version__', str('2.1.0'));
  T.set('no_grad', fn('no_grad', () => unknown('torch.no_grad()')));
  T.set('jit', { t: 'module', name: 'torch.jit', open: true, attrs: new Map<string, Value>([
    ['is_scripting', fn('is_scripting', () => FALSE)],
    ['is_tracing', fn('is_tracing', () => FALSE)],
    ['annotate', fn('annotate', (a) => a.positional[1] ?? NONE)],
    ['unused', identity], ['ignore', identity], ['export', identity], ['script', identity], ['_overload_method', identity], ['Final', unknown('Final')],
  ]) });

  const tensorAttr = (x: TensorValue, name: string, s: CallSite): Value => {
    const shapeTuple = () => tuple(x.shape.map((d) => (isKnown(d) ? int(d) : unknown('a dimension not known statically'))));
    const method = (call: (a: CallArgs) => Value) => builtin(name, (a) => call(a));
    switch (name) {
      case 'shape':
        return shapeTuple();
      case 'ndim':
        return int(x.shape.length);
      case 'dtype':
        return unknown('dtype');
      case 'device':
        return unknown('device');
      case 'is_cuda':
        return FALSE;
      case 'size':
        return method((a) => {
          const d = numberOf(a.positional[0] ?? a.keywords.get('dim') ?? NONE);
          if (d === undefined) return shapeTuple();
          const axis = normalizeAxis(d, x.shape.length);
          const v = axis === null ? undefined : x.shape[axis];
          return isKnown(v) ? int(v) : unknown('a dimension not known statically');
        });
      case 'dim':
        return method(() => int(x.shape.length));
      case 'numel':
        return method(() => (x.shape.every(isKnown) ? int(x.shape.reduce<number>((p, d) => p * (d as number), 1)) : unknown('numel()')));
      case 'view':
      case 'reshape':
        return method((a) => reshape(x, sizeArgs(a, 0), s, name));
      case 'flatten':
        return method((a) => flatten(0).call({ positional: [x, ...a.positional], keywords: a.keywords }, s));
      case 'permute':
        return method((a) => permute(x, sizeArgs(a, 0) as number[] | undefined, s, 'permute'));
      case 'transpose':
        return method((a) => permute(x, transposePerm(x, a.positional[0], a.positional[1]), s, 'transpose'));
      case 'unsqueeze':
      case 'squeeze':
        return method((a) => reshape(x, squeezeShape(x, numberOf(a.positional[0] ?? NONE), name === 'unsqueeze'), s, name));
      case 'chunk':
        return method((a) => split('chunk', x, a.positional[0] ?? a.keywords.get('chunks'), a.positional[1] ?? a.keywords.get('dim'), s));
      case 'split':
        return method((a) => split('split', x, a.positional[0] ?? a.keywords.get('split_size'), a.positional[1] ?? a.keywords.get('dim'), s));
      case 'mean':
      case 'sum':
      case 'amax':
        return method((a) => reduce(name, x, a.positional[0] ?? a.keywords.get('dim'), a.positional[1] ?? a.keywords.get('keepdim'), s));
      case 'relu':
      case 'relu_':
      case 'sigmoid':
      case 'sigmoid_':
      case 'tanh':
        return method(() => (F.get(name.replace(/_$/, '')) as { call: (a: CallArgs, s: CallSite) => Value }).call({ positional: [x], keywords: new Map() }, s));
      case 'softmax':
        return method((a) => (F.get('softmax') as { call: (a: CallArgs, s: CallSite) => Value }).call({ positional: [x, ...a.positional], keywords: a.keywords }, s));
      case 'add':
      case 'add_':
      case 'sub':
      case 'sub_':
      case 'mul':
      case 'mul_':
      case 'div':
      case 'div_':
      case 'pow':
      case 'pow_': {
        const base = name.replace(/_$/, '');
        return method((a) =>
          a.keywords.has('alpha') || a.keywords.has('rounding_mode')
            ? op(base, { kind: 'unknown', className: base, reason: 'alpha / rounding_mode are not modelled' }, x, s)
            : om.binop(arithmetic[base as keyof typeof arithmetic], x, a.positional[0] ?? a.keywords.get('other') ?? a.keywords.get('exponent') ?? NONE, s, name.endsWith('_')),
        );
      }
      case 'neg':
      case 'neg_':
        return method(() => om.unary('-', x, s));
      case 'contiguous':
      case 'clone':
      case 'detach':
      case 'float':
      case 'half':
      case 'double':
      case 'to':
      case 'cpu':
      case 'cuda':
      case 'type_as':
      case 'expand_as':
      case 'requires_grad_':
        return method(() => x);
      default:
        return unknown(`Tensor.${name}`);
    }
  };

  const mergeKind = { '+': 'add', '*': 'multiply', '-': 'subtract', '/': 'divide' } as const;
  const mergeName = { add: 'add', multiply: 'mul', subtract: 'sub', divide: 'div' } as const;
  om.tensors = {
    binop(opText, l, r, s) {
      const base = opText.endsWith('=') ? opText.slice(0, -1) : opText;
      if (l.t === 'tensor' && r.t === 'tensor' && base in mergeKind && session.tracer) {
        const kind = mergeKind[base as keyof typeof mergeKind];
        return session.tracer.applyOp(mergeName[kind], { kind, broadcast: true }, [l, r], s);
      }
      // A tensor with a Python number: arithmetic keeps the number; anything else is an op CNN Lens does not model.
      const tensorLeft = l.t === 'tensor';
      const [x, other] = tensorLeft ? [l, r] : [r, l];
      const value = numberOf(other);
      if (x.t === 'tensor' && value !== undefined && !identityTests.has(base)) {
        const scalar = (tensorLeft ? scalarRight : scalarLeft)[base];
        if (scalar) return op(scalar, { kind: 'scalar', op: scalar, value }, x, s);
        const name = operatorNames[base] ?? base;
        return op(name, { kind: 'unknown', className: name, reason: `'${base}' with a number is not modelled` }, x, s);
      }
      // With None, a string or a container (`x is None`) the tensor stands for itself, as before.
      if (l.t === 'tensor' && r.t !== 'tensor' && r.t !== 'unknown') return l;
      if (r.t === 'tensor' && l.t !== 'tensor' && l.t !== 'unknown') return r;
      return unknown(`tensor ${base} ${l.t === 'tensor' ? r.t : l.t}`);
    },
    unary: (unaryOp, v, s) => {
      if (unaryOp === '-') return op('neg', { kind: 'scalar', op: 'neg', value: -1 }, v, s);
      if (unaryOp === '~') return op('invert', { kind: 'unknown', className: 'invert', reason: 'bitwise not is not modelled' }, v, s);
      return v;
    },
    getAttr: (t, name, s) => tensorAttr(t as TensorValue, name, s),
    getItem: (t, index, s) => op('getitem', { kind: 'unknown', className: 'getitem' }, t, s),
  };
}
