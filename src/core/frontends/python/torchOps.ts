/**
 * The model of torch's tensor API: installs the function/method table (torchFunctions.ts) as
 * `torch.*`, tensor methods and `torch.nn.functional.*`; the functional forms of torch.nn layers
 * (`F.max_pool2d` shares `nn.MaxPool2d`'s catalog rule); tensor attributes (`x.shape`,
 * `x.size(0)`); indexing (`x[:, :c]`, an `index` node with its own shape rule); and the Python
 * operators on tensors (`out += identity`, `x * scale`, `1 - x`, comparisons). Each op on symbolic
 * tensors becomes an IR node through the tracer; an op on tensors whose values are known computes
 * the values instead. The operators also serve Keras's symbolic tensors, which share the value type.
 */
import { torchLayers } from '../../frameworks/torchLayers';
import { isKnown, normalizeAxis } from '../../ir/dims';
import type { LayerSpec, PadSpec, ScalarSpec } from '../../ir/layers';
import { arrayOf, dtypeObjects, operandOf, scalarValue, subscriptItems, tensorOf } from './arrayValues';
import { catalogCall, toArg } from './callArgs';
import { numpyAttr } from './numpyApi';
import type { Session } from './session';
import * as data from './tensorData';
import { callRow, torchFunctions, type TorchKit } from './torchFunctions';
import {
  NONE,
  FALSE,
  builtin,
  int,
  numberOf,
  str,
  tuple,
  unknown,
  type CallArgs,
  type CallSite,
  type ModuleValue,
  type TensorValue,
  type Value,
} from './values';

/** Python operators between a tensor and a number, by which side the number is on. */
const scalarRight: Readonly<Record<string, ScalarSpec['op']>> = {
  '+': 'add',
  '-': 'sub',
  '*': 'mul',
  '/': 'div',
  '**': 'pow',
};
const scalarLeft: Readonly<Record<string, ScalarSpec['op']>> = {
  '+': 'add',
  '-': 'rsub',
  '*': 'mul',
  '/': 'rdiv',
  '**': 'rpow',
};
/** torch's names for the operators CNN Lens does not model with a number, for the unknown node. */
const operatorNames: Readonly<Record<string, string>> = {
  '//': 'floor_divide',
  '%': 'remainder',
  '<': 'lt',
  '>': 'gt',
  '<=': 'le',
  '>=': 'ge',
  '==': 'eq',
  '!=': 'ne',
  '&': 'bitwise_and',
  '|': 'bitwise_or',
  '^': 'bitwise_xor',
  '@': 'matmul',
  '<<': 'bitwise_left_shift',
  '>>': 'bitwise_right_shift',
  maximum: 'maximum',
  minimum: 'minimum',
};
/** Operators that ask about the objects, not the values: the tensor stands for itself. */
const identityTests = new Set(['is', 'is not', 'in', 'not in', 'and', 'or']);
/** Elementwise comparisons of a symbolic tensor keep its shape (a bool tensor). */
const comparisons = new Set(['<', '>', '<=', '>=', '==', '!=']);
/** torch's dtype objects and the dtype each names. */
const torchDtypes: Readonly<Record<string, data.DType>> = {
  float32: 'float32',
  float: 'float32',
  float64: 'float64',
  double: 'float64',
  float16: 'float32',
  half: 'float32',
  bfloat16: 'float32',
  int64: 'int64',
  long: 'int64',
  int32: 'int32',
  int: 'int32',
  int16: 'int32',
  int8: 'int32',
  uint8: 'int32',
  bool: 'bool',
};
/** An element or row of an array: numpy gives its scalars as numbers (np.int64 acts as an int), torch 0-d tensors. */
const elementOf = (a: data.DataArray): Value =>
  a.shape.length || a.data.lib === 'torch' ? tensorOf(a) : scalarValue(a.data.values[0], a.data.dtype);
/** F.max_pool's parameter order differs from nn.MaxPool's (ceil_mode before return_indices). */
const maxPoolParams = ['kernel_size', 'stride', 'padding', 'dilation', 'ceil_mode', 'return_indices'];

export function installTorchOps(session: Session, torch: ModuleValue, functional: ModuleValue): void {
  const { om } = session;
  const fn = (name: string, call: (a: CallArgs, s: CallSite) => Value) => builtin(name, call);
  const identity = fn('identity', (a) => a.positional[0] ?? NONE);

  /** A functional op: records a node when the input is a known tensor. */
  const op = (
    className: string,
    spec: LayerSpec | { error: string },
    input: Value | undefined,
    site: CallSite,
    extra: TensorValue[] = [],
  ): Value => {
    const x = session.tensorArg(input, site, className);
    if (!x || !session.tracer) return unknown(`${className}() output`);
    if ('error' in spec) {
      session.interp.report(site.file, site.from, site.to, 'warning', spec.error);
      return session.tracer.applyOp(className, { kind: 'unknown', className }, [x, ...extra], site);
    }
    return session.tracer.applyOp(className, spec, [x, ...extra], site);
  };
  /** A functional form of a torch.nn layer: its arguments after the input bound to the class's parameters. */
  const catalogOps = new Map<string, { cls: string; params?: readonly string[] }>();
  const catalogApply = (name: string, a: CallArgs, s: CallSite): Value => {
    const { cls, params } = catalogOps.get(name)!;
    const keywords = new Map([...a.keywords].filter(([k]) => k !== 'input'));
    const { spec, error } = catalogCall(torchLayers, cls, { positional: a.positional.slice(1), keywords }, params);
    if (error) session.interp.report(s.file, s.from, s.to, 'warning', error);
    return op(name, spec, a.positional[0] ?? a.keywords.get('input'), s);
  };
  const catalogOp = (name: string, cls: string, params?: readonly string[]) => {
    catalogOps.set(name, { cls, params });
    return fn(name, (a, s) => catalogApply(name, a, s));
  };

  const F = functional.attrs;
  for (const [name, cls] of Object.entries({
    relu: 'ReLU',
    relu6: 'ReLU6',
    elu: 'ELU',
    selu: 'SELU',
    gelu: 'GELU',
    silu: 'SiLU',
    hardswish: 'Hardswish',
    hardsigmoid: 'Hardsigmoid',
    sigmoid: 'Sigmoid',
    tanh: 'Tanh',
    leaky_relu: 'LeakyReLU',
    softplus: 'Softplus',
    mish: 'Mish',
  })) {
    // F.leaky_relu(x, 0.2), F.elu(x, alpha), F.gelu(x, approximate=…): the class's own parameter order.
    F.set(name, catalogOp(name, cls));
  }
  F.set('softmax', catalogOp('softmax', 'Softmax', ['dim', '_stacklevel', 'dtype']));
  F.set('log_softmax', catalogOp('log_softmax', 'LogSoftmax', ['dim', '_stacklevel', 'dtype']));
  for (const name of ['dropout', 'dropout1d', 'dropout2d', 'dropout3d', 'alpha_dropout'])
    F.set(name, catalogOp(name, 'Dropout', ['p', 'training', 'inplace']));
  for (const r of [1, 2, 3]) {
    F.set(`max_pool${r}d`, catalogOp(`max_pool${r}d`, `MaxPool${r}d`, maxPoolParams));
    F.set(`avg_pool${r}d`, catalogOp(`avg_pool${r}d`, `AvgPool${r}d`));
    F.set(`adaptive_avg_pool${r}d`, catalogOp(`adaptive_avg_pool${r}d`, `AdaptiveAvgPool${r}d`));
    F.set(`adaptive_max_pool${r}d`, catalogOp(`adaptive_max_pool${r}d`, `AdaptiveMaxPool${r}d`));
  }
  F.set('interpolate', catalogOp('interpolate', 'Upsample'));
  F.set('upsample', catalogOp('upsample', 'Upsample'));
  F.set(
    'pad',
    fn('pad', (a, s) => {
      const x = a.positional[0] ?? a.keywords.get('input');
      const pad = toArg(a.positional[1] ?? a.keywords.get('pad') ?? NONE);
      const modeValue = a.positional[2] ?? a.keywords.get('mode');
      const fillValue = a.positional[3] ?? a.keywords.get('value');
      const mode = modeValue ? toArg(modeValue) : 'constant';
      const fill = fillValue ? toArg(fillValue) : 0;
      const unresolved = [...(mode === undefined ? ['mode'] : []), ...(fill === undefined ? ['value'] : [])];
      const sides = Array.isArray(pad) ? pad.length / 2 : 0;
      // Beyond the spatial axes (a channels-last tensor, a sequence), F.pad's pads name the last axes.
      const trailing = x?.t === 'tensor' && (sides > x.shape.length - 2 || x.shape.length - 2 > 3);
      const rank = x?.t === 'tensor' ? (trailing ? Math.min(sides, 3) : x.shape.length - 2) : 0;
      if (
        x?.t !== 'tensor' ||
        !Array.isArray(pad) ||
        pad.length % 2 ||
        !pad.every((p) => typeof p === 'number') ||
        rank < 1 ||
        sides > x.shape.length
      )
        return op('pad', { kind: 'unknown', className: 'pad' }, x, s);
      if (
        mode !== undefined &&
        mode !== 'constant' &&
        mode !== 'reflect' &&
        mode !== 'replicate' &&
        mode !== 'circular'
      )
        return op(
          'pad',
          { kind: 'unknown', className: 'pad', reason: `mode ${JSON.stringify(mode)} is not one PyTorch has` },
          x,
          s,
        );
      if (fill !== undefined && fill !== null && typeof fill !== 'number')
        return op(
          'pad',
          { kind: 'unknown', className: 'pad', reason: `value ${JSON.stringify(fill)} is not a number` },
          x,
          s,
        );
      // F.pad lists the last axis first: (left, right, top, bottom, …); axes it leaves out keep their size.
      const padded = trailing ? sides : rank;
      const pads = Array.from({ length: padded }, (_, i) => {
        const k = padded - 1 - i;
        return k < sides ? ([pad[2 * k], pad[2 * k + 1]] as const) : ([0, 0] as const);
      }) as (readonly [number, number])[];
      const value = typeof fill === 'number' ? fill : 0;
      const r = rank as 1 | 2 | 3;
      const along = trailing ? { trailing } : {};
      if ((mode ?? 'constant') === 'constant' && value === 0 && !unresolved.length)
        return op('pad', { kind: 'zeroPad', rank: r, pads, ...along }, x, s);
      const spec: PadSpec = {
        kind: 'pad',
        rank: r,
        pads,
        mode: (mode ?? 'constant') as PadSpec['mode'],
        value,
        ...along,
        ...(unresolved.length ? { unresolved } : {}),
      };
      return op('pad', spec, x, s);
    }),
  );

  const kit: TorchKit = {
    session,
    op: (name, spec, input, site, extra) => op(name, spec, input, site, extra),
    catalog: catalogApply,
  };
  const table = torchFunctions(kit, (o, l, r, s) => om.binop(o, l, r, s, false));
  const T = torch.attrs;
  const methods = new Map<string, (x: TensorValue) => Value>();
  for (const [name, row] of Object.entries(table)) {
    const call = fn(name, (a, s) => callRow(kit, name, row, a, s));
    if (row.forms.includes('t')) T.set(name, call);
    if (row.forms.includes('f') || (row.forms.includes('t') && !F.has(name) && ['cat', 'stack'].includes(name)))
      F.set(name, call);
    if (row.forms.includes('m')) {
      const method = (x: TensorValue) =>
        builtin(name, (a, s) => callRow(kit, name, row, { positional: [x, ...a.positional], keywords: a.keywords }, s));
      methods.set(name, method);
      // In-place forms (x.add_(y), x.relu_()) compute what the out-of-place form does, and the tensor
      // object itself then stands for the result, for every name that holds it, as torch's does.
      if (!methods.has(`${name}_`)) {
        methods.set(`${name}_`, (x) =>
          builtin(`${name}_`, (a, s) => {
            const out = callRow(kit, name, row, { positional: [x, ...a.positional], keywords: a.keywords }, s);
            if (out.t !== 'tensor' || out === x) return out;
            Object.assign(x, { id: out.id, shape: out.shape, data: out.data });
            return x;
          }),
        );
      }
    }
  }
  T.set(
    'is_tensor',
    fn('is_tensor', (a) => ({ t: 'bool', v: a.positional[0]?.t === 'tensor' })),
  );
  // torch.device: CNN Lens analyses as if on the CPU (a tensor's .device), which no shape depends on.
  const deviceText = (d: Value) => (d.t === 'instance' ? d.attrs.get('type') : undefined);
  const deviceClass = om.newClass(
    'device',
    [],
    new Map<string, Value>([
      [
        '__init__',
        builtin(
          '__init__',
          (a) => {
            const [self, spec] = a.positional;
            const text =
              spec?.t === 'str'
                ? spec.v
                : spec?.t === 'instance'
                  ? (deviceText(spec) as { v?: string } | undefined)?.v
                  : undefined;
            if (self?.t === 'instance')
              self.attrs.set(
                'type',
                text === undefined ? unknown('a device not known statically') : str(text.split(':')[0]),
              );
            return NONE;
          },
          true,
        ),
      ],
      ['__str__', builtin('__str__', (a) => deviceText(a.positional[0] ?? NONE) ?? unknown('device'), true)],
      ['__repr__', builtin('__repr__', (a) => deviceText(a.positional[0] ?? NONE) ?? unknown('device'), true)],
    ]),
  );
  T.set('device', deviceClass);
  const cpu: Value = {
    t: 'instance',
    cls: deviceClass,
    attrs: new Map<string, Value>([
      ['type', str('cpu')],
      ['index', NONE],
    ]),
  };
  T.set(
    '_assert',
    fn('_assert', () => NONE),
  );
  T.set('Tensor', om.newClass('Tensor', [], new Map(), 'torch.Tensor'));
  T.set('Size', om.builtins.get('tuple')!);
  T.set('__version__', str('2.1.0'));
  T.set(
    'no_grad',
    fn('no_grad', () => unknown('torch.no_grad()')),
  );
  for (const [name, dtype] of dtypeObjects('torch', torchDtypes)) T.set(name, dtype);
  T.set('jit', {
    t: 'module',
    name: 'torch.jit',
    open: true,
    attrs: new Map<string, Value>([
      ['is_scripting', fn('is_scripting', () => FALSE)],
      ['is_tracing', fn('is_tracing', () => FALSE)],
      ['annotate', fn('annotate', (a) => a.positional[1] ?? NONE)],
      ['unused', identity],
      ['ignore', identity],
      ['export', identity],
      ['script', identity],
      ['_overload_method', identity],
      ['Final', unknown('Final')],
    ]),
  });

  const tensorAttr = (x: TensorValue, name: string): Value => {
    const numpyArray =
      x.data?.lib === 'numpy' ? numpyAttr({ shape: x.shape as number[], data: x.data }, name) : undefined;
    if (numpyArray) return numpyArray;
    // Keras's symbolic tensors say None for a dimension left open (the batch, `Input((None, None, 3))`).
    const open = session.tracer?.frameworkOf(x) === 'keras' ? NONE : undefined;
    const shapeTuple = () =>
      tuple(x.shape.map((d) => (isKnown(d) ? int(d) : (open ?? unknown('a dimension not known statically')))));
    const method = (call: (a: CallArgs) => Value) => builtin(name, (a) => call(a));
    switch (name) {
      case 'shape':
        return shapeTuple();
      case 'ndim':
        return int(x.shape.length);
      case 'dtype':
        return x.data ? (T.get(x.data.dtype) ?? unknown('dtype')) : unknown('dtype');
      case 'device':
        return cpu;
      case 'is_cuda':
        return FALSE;
      case 'T':
        return x.shape.length === 2
          ? om.call(
              methods.get('transpose')!(x),
              { positional: [int(0), int(1)], keywords: new Map() },
              { file: '', from: 0, to: 0 },
            )
          : unknown('Tensor.T');
      case 'size':
        return method((a) => {
          const d = numberOf(a.positional[0] ?? a.keywords.get('dim') ?? NONE);
          if (d === undefined)
            return a.positional.length || a.keywords.size
              ? unknown('size() of a dim not known statically')
              : shapeTuple();
          const axis = normalizeAxis(d, x.shape.length);
          const v = axis === null ? undefined : x.shape[axis];
          return isKnown(v) ? int(v) : unknown('a dimension not known statically');
        });
      case 'dim':
        return method(() => int(x.shape.length));
      case 'numel':
      case 'nelement':
        return method(() =>
          x.shape.every(isKnown) ? int(x.shape.reduce<number>((p, d) => p * (d as number), 1)) : unknown('numel()'),
        );
      default:
        return methods.get(name)?.(x) ?? unknown(`Tensor.${name}`);
    }
  };

  const views = viewTracker();
  const mergeKind = { '+': 'add', '*': 'multiply', '-': 'subtract', '/': 'divide' } as const;
  const mergeName = { add: 'add', multiply: 'mul', subtract: 'sub', divide: 'div' } as const;
  om.tensors = {
    binop(opText, l, r, s) {
      // `+=` arrives as '+='; '<=', '>=', '==' and '!=' are comparisons, not in-place forms.
      const base = opText.endsWith('=') && !comparisons.has(opText) ? opText.slice(0, -1) : opText;
      // Tensors whose values are known (and numbers with them) compute their values.
      if (!identityTests.has(base) && ((l.t === 'tensor' && l.data) || (r.t === 'tensor' && r.data))) {
        const lib = l.t === 'tensor' && l.data ? l.data.lib : r.t === 'tensor' && r.data ? r.data.lib : 'torch';
        const [lo, ro] = [operandOf(l, lib), operandOf(r, lib)];
        const shape = lo && ro && data.broadcast(lo.array.shape, ro.array.shape);
        // Too many values to keep: the result is a constant of known shape, as tensorOf would make it.
        if (shape && shape.reduce((p, d) => p * d, 1) > data.maxDataElements) return { t: 'tensor', id: -1, shape };
        if (lo && ro) {
          const out = data.binary(base, lo, ro);
          if (out) return tensorOf(out);
          if (data.broadcast(lo.array.shape, ro.array.shape) === undefined)
            return unknown(
              `tensors of shapes [${lo.array.shape.join(', ')}] and [${ro.array.shape.join(', ')}] do not broadcast`,
            );
        }
      }
      if (l.t === 'tensor' && r.t === 'tensor' && base === '@' && session.tracer)
        return session.tracer.applyOp('matmul', { kind: 'matmul' }, [l, r], s);
      if (l.t === 'tensor' && r.t === 'tensor' && base in mergeKind && session.tracer) {
        const kind = mergeKind[base as keyof typeof mergeKind];
        return session.tracer.applyOp(mergeName[kind], { kind, broadcast: true }, [l, r], s);
      }
      if (l.t === 'tensor' && r.t === 'tensor' && comparisons.has(base) && session.tracer) {
        // A comparison broadcasts like add; the bool result has the same shape.
        return session.tracer.applyOp(operatorNames[base], { kind: 'add', broadcast: true }, [l, r], s);
      }
      // A tensor with a Python number: arithmetic keeps the number; a comparison keeps the shape.
      const tensorLeft = l.t === 'tensor';
      const [x, other] = tensorLeft ? [l, r] : [r, l];
      const value = numberOf(other);
      if (x.t === 'tensor' && value !== undefined && !identityTests.has(base)) {
        const scalar = (tensorLeft ? scalarRight : scalarLeft)[base];
        if (scalar) return op(scalar, { kind: 'scalar', op: scalar, value }, x, s);
        const name = operatorNames[base] ?? base;
        if (comparisons.has(base))
          return op(
            name,
            {
              kind: 'identity',
              note: `${name}: an elementwise comparison with ${value}, a bool tensor of the same shape`,
            },
            x,
            s,
          );
        return op(name, { kind: 'unknown', className: name, reason: `'${base}' with a number is not modelled` }, x, s);
      }
      // Identity: a tensor is itself and nothing else (`if self.cls_token is not None:`).
      if (
        (base === 'is' || base === 'is not') &&
        l.t !== 'unknown' &&
        r.t !== 'unknown' &&
        l.t !== 'lazy' &&
        r.t !== 'lazy'
      ) {
        return { t: 'bool', v: (l === r) === (base === 'is') };
      }
      // Membership compares with `is` first, then `==`, which a tensor answers elementwise.
      if ((base === 'in' || base === 'not in') && (r.t === 'list' || r.t === 'tuple') && r.items.includes(l))
        return { t: 'bool', v: base === 'in' };
      return unknown(`tensor ${base} ${l.t === 'tensor' ? r.t : l.t}`);
    },
    unary: (unaryOp, v, s) => {
      const a = arrayOf(v);
      if (a && (unaryOp === '-' || unaryOp === '+'))
        return tensorOf(data.unary(a, (n) => (unaryOp === '-' ? -n : n), false));
      if (a && unaryOp === '~') return tensorOf(data.unary(a, (n) => (a.data.dtype === 'bool' ? +!n : ~n), false));
      if (unaryOp === '-') return op('neg', { kind: 'scalar', op: 'neg', value: -1 }, v, s);
      if (unaryOp === '~') return op('invert', { kind: 'identity', note: 'bitwise not: same shape' }, v, s);
      if (unaryOp === 'not' && a)
        return data.elementCount(a) === 1
          ? { t: 'bool', v: !a.data.values[0] }
          : unknown('the truth value of a tensor with several elements is ambiguous');
      return v;
    },
    getAttr: (t, name) => tensorAttr(t as TensorValue, name),
    getItem: (t, index, s) => {
      const x = t as TensorValue;
      const items = subscriptItems(index, om.ellipsis, x.data?.lib ?? 'torch');
      const a = arrayOf(x);
      // torch refuses a negative step; the index rule says so on the node.
      const negativeStep = items.spec.some((it) => 'slice' in it && typeof it.slice[2] === 'number' && it.slice[2] < 0);
      if (a && items.data && !(negativeStep && a.data.lib === 'torch')) {
        const picked = data.index(a, items.data);
        if (picked) {
          const element = elementOf(picked);
          // Basic indexing gives a view: writing through either must reach the other.
          if (element.t === 'tensor' && items.data.every((it) => it.kind !== 'array')) views.link(x, element);
          return element;
        }
      }
      return op('getitem', { kind: 'index', items: items.spec }, x, s);
    },
    setItem: (t, index, value) => {
      const x = t as TensorValue;
      const a = arrayOf(x);
      if (!a) return;
      const items = subscriptItems(index, om.ellipsis, a.data.lib);
      const written = items.data && operandOf(value, a.data.lib);
      const result = written && data.assign(a, items.data!, written.array);
      views.forget(x);
      x.data = result ? result.data : undefined;
    },
    iterate: (t) => {
      const a = arrayOf(t);
      if (!a || !a.shape.length) return undefined;
      return Array.from({ length: a.shape[0] }, (_, i) => elementOf(data.index(a, [{ kind: 'int', at: i }])!));
    },
  };
}

/**
 * Which data tensors are views of which (`row = table[0]`). Their values are copies here, so a
 * write through one makes the values of the others unknown rather than stale.
 */
function viewTracker() {
  const related = new WeakMap<TensorValue, TensorValue[]>();
  const add = (from: TensorValue, to: TensorValue) => related.set(from, [...(related.get(from) ?? []), to]);
  return {
    link(base: TensorValue, view: TensorValue): void {
      add(base, view);
      add(view, base);
    },
    /** After a write to `t`: every tensor sharing its memory no longer has known values. */
    forget(t: TensorValue): void {
      const seen = new Set<TensorValue>([t]);
      const queue = [...(related.get(t) ?? [])];
      for (let other = queue.pop(); other; other = queue.pop()) {
        if (seen.has(other)) continue;
        seen.add(other);
        other.data = undefined;
        queue.push(...(related.get(other) ?? []));
      }
    },
  };
}
