/**
 * keras.ops and the Keras backend functions (`K.l2_normalize`, `K.concatenate`) on symbolic
 * tensors, as one table: each row names the torch function of the same meaning and how Keras's
 * parameter names map onto torch's (`axis` → `dim`, `keepdims` → `keepdim`), so the shape rules,
 * data-tensor values and diagnostics are torch's own rows, not a second copy. The backend's image
 * data format lives here too: `K.set_image_data_format('channels_first')` changes the default of
 * every layer built after it, as Keras's global config does.
 */
import type { Session } from './session';
import {
  NONE,
  builtin,
  float,
  str,
  tuple,
  unknown,
  type CallArgs,
  type CallSite,
  type ModuleValue,
  type Value,
} from './values';

interface KerasOpRow {
  /** The torch function (`torch.X`, or `torch.nn.functional.X` with `functional`). */
  readonly torch: string;
  readonly functional?: boolean;
  /**
   * Keras's parameters in order, each `keras` or `keras:torch` where torch names it otherwise, so a
   * positional argument lands on the torch parameter of the same meaning (`normalize(x, axis)`).
   */
  readonly params: readonly string[];
  /** Torch keyword arguments where Keras has a default torch lacks (`softmax`'s axis=-1). */
  readonly defaults?: Readonly<Record<string, Value>>;
  /**
   * Keras takes several axes (`squeeze(x, axis=(1, 2))`) where torch 1.13 takes one: applied once
   * per axis, from the last axis of the result back (`descending`) or from the first (`ascending`).
   */
  readonly eachAxis?: 'descending' | 'ascending';
}

const minusOne: Value = { t: 'int', v: -1 };
const x = 'x:input';
const binary = ['x1:input', 'x2:other'];
const reduction = [x, 'axis:dim', 'keepdims:keepdim'];
const unary = (torch: string, functional = false): KerasOpRow => ({ torch, functional, params: [x] });

/** keras.ops.X (and the backend's functions of the same name) as torch functions. */
const kerasOps: Readonly<Record<string, KerasOpRow>> = {
  add: { torch: 'add', params: binary },
  subtract: { torch: 'sub', params: binary },
  multiply: { torch: 'mul', params: binary },
  divide: { torch: 'div', params: binary },
  true_divide: { torch: 'div', params: binary },
  power: { torch: 'pow', params: ['x1:input', 'x2:exponent'] },
  maximum: { torch: 'maximum', params: binary },
  minimum: { torch: 'minimum', params: binary },
  matmul: { torch: 'matmul', params: binary },
  dot: { torch: 'matmul', params: binary },
  abs: unary('abs'),
  exp: unary('exp'),
  log: unary('log'),
  sqrt: unary('sqrt'),
  square: unary('square'),
  negative: unary('neg'),
  sign: unary('sign'),
  clip: { torch: 'clamp', params: [x, 'x_min:min', 'x_max:max'] },
  mean: { torch: 'mean', params: reduction },
  sum: { torch: 'sum', params: reduction },
  max: { torch: 'amax', params: reduction },
  min: { torch: 'amin', params: reduction },
  concatenate: { torch: 'cat', params: ['xs:tensors', 'axis:dim'], defaults: { dim: minusOne } },
  stack: { torch: 'stack', params: ['x:tensors', 'axis:dim'] },
  reshape: { torch: 'reshape', params: [x, 'newshape:shape'] },
  expand_dims: { torch: 'unsqueeze', params: [x, 'axis:dim'], eachAxis: 'ascending' },
  squeeze: { torch: 'squeeze', params: [x, 'axis:dim'], eachAxis: 'descending' },
  transpose: { torch: 'permute', params: [x, 'axes:dims'] },
  permute_dimensions: { torch: 'permute', params: [x, 'pattern:dims'] },
  zeros_like: unary('zeros_like'),
  ones_like: unary('ones_like'),
  relu: unary('relu', true),
  relu6: unary('relu6', true),
  sigmoid: unary('sigmoid', true),
  hard_sigmoid: unary('hardsigmoid', true),
  hard_swish: unary('hardswish', true),
  tanh: unary('tanh', true),
  gelu: unary('gelu', true),
  silu: unary('silu', true),
  swish: unary('silu', true),
  elu: unary('elu', true),
  selu: unary('selu', true),
  softplus: unary('softplus', true),
  softmax: { torch: 'softmax', functional: true, params: [x, 'axis:dim'], defaults: { dim: minusOne } },
  log_softmax: { torch: 'log_softmax', functional: true, params: [x, 'axis:dim'], defaults: { dim: minusOne } },
  normalize: {
    torch: 'normalize',
    functional: true,
    params: [x, 'axis:dim', 'order:p'],
    defaults: { dim: minusOne, p: { t: 'int', v: 2 } },
  },
  l2_normalize: { torch: 'normalize', functional: true, params: [x, 'axis:dim'], defaults: { dim: minusOne } },
};

/** The Keras image data format of this analysis (the `keras.config` global, per analysed program). */
export class KerasConfig {
  dataFormat: 'channels_last' | 'channels_first' = 'channels_last';
}

/** Fills `ops` (keras.ops) and `backend` (keras.backend) with the table's functions and the config. */
export function installKerasOps(session: Session, ops: ModuleValue, backend: ModuleValue, config: KerasConfig): void {
  const { om } = session;
  const torch = session.libraries.get('torch')!;
  const functional = session.libraries.get('torch.nn.functional')!;
  const row = (name: string, r: KerasOpRow) => {
    const names = new Map(r.params.map((p) => [p.split(':')[0], p.split(':')[1] ?? p]));
    const order = [...names.values()];
    return builtin(name, (a: CallArgs, s: CallSite) => {
      const target = (r.functional ? functional : torch).attrs.get(r.torch);
      if (!target) return unknown(`keras.ops.${name}: torch.${r.torch} is not modelled`);
      const keywords = new Map<string, Value>(Object.entries(r.defaults ?? {}));
      a.positional.slice(1).forEach((v, i) => keywords.set(order[i + 1] ?? `#${i + 1}`, v));
      for (const [k, v] of a.keywords) keywords.set(names.get(k) ?? k, v);
      // The first argument stays positional: torch's rows take their input (or tensors) there.
      const first = a.positional[0] ?? a.keywords.get(r.params[0].split(':')[0]);
      keywords.delete(order[0]);
      if (r.torch === 'permute' && !keywords.get('dims') && first?.t === 'tensor')
        keywords.set('dims', tuple(first.shape.map((_, i) => ({ t: 'int', v: first.shape.length - 1 - i }))));
      const axes = keywords.get('dim');
      if (r.eachAxis && first?.t === 'tensor' && (axes?.t === 'tuple' || axes?.t === 'list')) {
        const rank = first.shape.length + (r.eachAxis === 'ascending' ? axes.items.length : 0);
        const known = axes.items.map((v) => (v.t === 'int' ? (v.v < 0 ? v.v + rank : v.v) : undefined));
        if (known.some((v) => v === undefined)) return unknown(`keras.ops.${name}: axes not known statically`);
        const order = (known as number[]).sort((p, q) => (r.eachAxis === 'descending' ? q - p : p - q));
        return order.reduce<Value>(
          (t, axis) => om.call(target, { positional: [t], keywords: new Map([['dim', { t: 'int', v: axis }]]) }, s),
          first,
        );
      }
      return om.call(target, { positional: first ? [first] : [], keywords }, s);
    });
  };
  for (const [name, r] of Object.entries(kerasOps)) {
    ops.attrs.set(name, row(name, r));
    backend.attrs.set(name, row(name, r));
  }
  ops.attrs.set(
    'shape',
    builtin('shape', (a) => {
      const x = a.positional[0];
      return x?.t === 'tensor'
        ? tuple(x.shape.map((d) => (typeof d === 'number' ? { t: 'int', v: d } : NONE)))
        : unknown('keras.ops.shape() of something that is not a tensor');
    }),
  );
  backend.attrs.set('int_shape', ops.attrs.get('shape')!);
  backend.attrs.set(
    'image_data_format',
    builtin('image_data_format', () => str(config.dataFormat)),
  );
  backend.attrs.set(
    'set_image_data_format',
    builtin('set_image_data_format', (a) => {
      const f = a.positional[0] ?? a.keywords.get('data_format');
      if (f?.t === 'str' && (f.v === 'channels_first' || f.v === 'channels_last')) config.dataFormat = f.v;
      return NONE;
    }),
  );
  backend.attrs.set(
    'epsilon',
    builtin('epsilon', () => float(1e-7)),
  );
  backend.attrs.set(
    'floatx',
    builtin('floatx', () => str('float32')),
  );
}
