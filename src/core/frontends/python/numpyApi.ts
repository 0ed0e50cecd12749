/**
 * A model of the part of numpy that model code uses to compute its configuration: widths, depths
 * and drop-path schedules (`np.linspace(0, rate, n)`, `np.round(w / q).astype(int)`,
 * `np.cumsum(depths)`, `np.unique`, `np.split`). Arrays are tensor values with data whose library
 * is numpy, so they follow numpy's dtype rules (float64 by default) and give Python numbers for
 * their elements, as np.int64 acts as an int. Only arrays built from constants have values; any
 * other call gives an unknown value that names it, as numpy was before this model.
 */
import { arrayFromValue, arrayOf, dtypeNamed, dtypeObjects, scalarValue, tensorOf, toList } from './arrayValues';
import { bindCall } from './callArgs';
import type { Session } from './session';
import * as data from './tensorData';
import { NONE, builtin, float, int, list, numberOf, tuple, unknown, type CallArgs, type CallSite, type ModuleValue, type Value } from './values';

const numpyDtypes: Readonly<Record<string, data.DType>> = {
  int64: 'int64', int32: 'int32', int_: 'int64', intc: 'int32', float64: 'float64', float32: 'float32', float_: 'float64', double: 'float64', bool_: 'bool',
};

/** A numpy result: 0-d results are Python numbers (np.float64 is a float), the rest arrays. */
export function numpyResult(a: data.DataArray | undefined, what: string): Value {
  if (!a) return unknown(`${what} of values not known statically`);
  return a.shape.length ? tensorOf(a) : scalarValue(a.data.values[0], a.data.dtype);
}

type Row = readonly [params: readonly string[], run: (get: (p: string) => Value | undefined, num: (p: string, fallback?: number) => number | undefined, s: CallSite) => Value];

/** Reads an argument as a numpy array (a Python number or list is an array too). */
const asArray = (v: Value | undefined): data.DataArray | undefined => (v ? arrayFromValue(v, 'numpy') : undefined);

const math: Readonly<Record<string, { fn: (x: number) => number; toFloat: boolean }>> = {
  floor: { fn: Math.floor, toFloat: true }, ceil: { fn: Math.ceil, toFloat: true }, trunc: { fn: Math.trunc, toFloat: true },
  log: { fn: Math.log, toFloat: true }, log2: { fn: Math.log2, toFloat: true }, log10: { fn: Math.log10, toFloat: true },
  exp: { fn: Math.exp, toFloat: true }, sqrt: { fn: Math.sqrt, toFloat: true }, abs: { fn: Math.abs, toFloat: false },
  absolute: { fn: Math.abs, toFloat: false }, negative: { fn: (x) => -x, toFloat: false },
};
const binaries: Readonly<Record<string, string>> = {
  add: '+', subtract: '-', multiply: '*', divide: '/', true_divide: '/', floor_divide: '//', power: '**', mod: '%', remainder: '%',
  maximum: 'maximum', minimum: 'minimum',
};
const reductions: Readonly<Record<string, data.Reduction>> = { sum: 'sum', prod: 'prod', max: 'max', amax: 'max', min: 'min', amin: 'min', mean: 'mean', cumsum: 'cumsum', cumprod: 'cumprod' };

/** The reduction `name` of `a` over `axis` (None: all elements, flattened for the scans). */
function reduceArray(a: data.DataArray | undefined, name: string, axis: Value | undefined, keep: Value | undefined): Value {
  if (!a) return unknown(`np.${name}() of values not known statically`);
  const op = reductions[name];
  const ax = axis && axis.t !== 'none' ? numberOf(axis) : undefined;
  if (axis && axis.t !== 'none' && ax === undefined) return unknown(`np.${name}() over an axis not known statically`);
  const scanAll = ax === undefined && (op === 'cumsum' || op === 'cumprod');
  const source = scanAll ? { shape: [data.elementCount(a)], data: a.data } : a;
  return numpyResult(data.reduce(source, op, ax, keep?.t === 'bool' && keep.v), `np.${name}()`);
}

export function numpyRows(): Record<string, Row> {
  const rows: Record<string, Row> = {};
  const array = (dtypeFrom: (get: (p: string) => Value | undefined) => Value | undefined) => (get: (p: string) => Value | undefined): Value => {
    const dtype = dtypeNamed(dtypeFrom(get), 'numpy');
    const a = get('object') ? arrayFromValue(get('object')!, 'numpy', dtype) : undefined;
    return a ? tensorOf(a) : unknown('np.array() of values not known statically');
  };
  rows.array = [['object', 'dtype'], array((get) => get('dtype'))];
  rows.asarray = rows.array;
  rows.arange = [['start', 'stop', 'step', 'dtype'], (get, num) => {
    const given = ['start', 'stop', 'step'].filter((p) => get(p) && get(p)!.t !== 'none');
    const [start, stop, step] = given.length === 1 ? [0, num('start'), 1] : [num('start'), num('stop'), num('step', 1)];
    if (start === undefined || stop === undefined || !step) return unknown('np.arange() of bounds not known statically');
    const ints = given.every((p) => get(p)!.t === 'int' || get(p)!.t === 'bool');
    const n = Math.max(0, Math.ceil((stop - start) / step));
    if (n > data.maxDataElements) return { t: 'tensor', id: -1, shape: [n] };
    const dtype = dtypeNamed(get('dtype'), 'numpy') ?? (ints ? 'int64' : 'float64');
    return tensorOf(data.make('numpy', dtype, [n], Array.from({ length: n }, (_, i) => start + i * step)));
  }];
  rows.linspace = [['start', 'stop', 'num', 'endpoint', 'retstep', 'dtype'], (get, num) => {
    const [start, stop, n] = [num('start'), num('stop'), num('num', 50)];
    const endpoint = num('endpoint', 1);
    if (start === undefined || stop === undefined || n === undefined || endpoint === undefined || get('retstep')) return unknown('np.linspace() of values not known statically');
    if (n > data.maxDataElements) return { t: 'tensor', id: -1, shape: [n] };
    // numpy: arange(num) * step + start, with the end point set exactly.
    const div = endpoint ? n - 1 : n;
    const step = (stop - start) / div;
    const values = Array.from({ length: n }, (_, i) => (div > 0 ? i * step + start : i * (stop - start) + start));
    if (endpoint && n > 1) values[n - 1] = stop;
    return tensorOf(data.make('numpy', dtypeNamed(get('dtype'), 'numpy') ?? 'float64', [n], values));
  }];
  const filled = (fill: number | undefined) => (get: (p: string) => Value | undefined, num: (p: string) => number | undefined): Value => {
    const shape = get('shape');
    const dims = shape?.t === 'tuple' || shape?.t === 'list' ? shape.items.map(numberOf) : [shape ? numberOf(shape) : undefined];
    const value = fill ?? num('fill_value');
    if (dims.some((d) => d === undefined) || value === undefined) return unknown('an array of a shape not known statically');
    const size = (dims as number[]).reduce((p, d) => p * d, 1);
    if (size > data.maxDataElements) return { t: 'tensor', id: -1, shape: dims as number[] };
    const inferred = fill === undefined && get('fill_value')?.t === 'int' ? 'int64' : 'float64';
    return tensorOf(data.make('numpy', dtypeNamed(get('dtype'), 'numpy') ?? inferred, dims as number[], Array(size).fill(value)));
  };
  rows.zeros = [['shape', 'dtype'], filled(0)];
  rows.ones = [['shape', 'dtype'], filled(1)];
  rows.full = [['shape', 'fill_value', 'dtype'], filled(undefined)];
  for (const [name, { fn, toFloat }] of Object.entries(math)) rows[name] = [['x'], (get) => numpyResult(mapArray(asArray(get('x')), fn, toFloat), `np.${name}()`)];
  const round: Row = [['a', 'decimals'], (get, num) => {
    const decimals = num('decimals', 0);
    const scale = 10 ** (decimals ?? 0);
    return decimals === undefined ? unknown('np.round() decimals not known statically') : numpyResult(mapArray(asArray(get('a')), (x) => data.roundHalfEven(x * scale) / scale, false), 'np.round()');
  }];
  rows.round = round;
  rows.around = round;
  rows.rint = round;
  for (const [name, symbol] of Object.entries(binaries)) {
    rows[name] = [['x1', 'x2'], (get) => {
      const [l, r] = [get('x1'), get('x2')];
      const operand = (v: Value | undefined) => (v && arrayOf(v) ? { array: arrayOf(v)!, scalar: false } : v && numberOf(v) !== undefined ? { array: asArray(v)!, scalar: true } : v ? { array: asArray(v)!, scalar: false } : undefined);
      const [lo, ro] = [operand(l), operand(r)];
      return numpyResult(lo?.array && ro?.array ? data.binary(symbol, lo, ro) : undefined, `np.${name}()`);
    }];
  }
  for (const name of Object.keys(reductions)) rows[name] = [['a', 'axis', 'dtype', 'out', 'keepdims'], (get) => reduceArray(asArray(get('a')), name, get('axis'), get('keepdims'))];
  rows.unique = [['ar'], (get) => numpyResult(mapUnique(asArray(get('ar'))), 'np.unique()')];
  rows.diff = [['a', 'n', 'axis'], (get, num) => {
    let a = asArray(get('a'));
    const [n, axis] = [num('n', 1), num('axis', -1)];
    for (let i = 0; i < (n ?? 0) && a; i++) a = data.reduce(a, 'diff', axis ?? -1);
    return n === undefined || axis === undefined ? unknown('np.diff() of values not known statically') : numpyResult(a, 'np.diff()');
  }];
  const split = (even: boolean): Row => [['ary', 'indices_or_sections', 'axis'], (get, num) => {
    const a = asArray(get('ary'));
    const how = get('indices_or_sections');
    const axis = num('axis', 0);
    if (!a || !how || axis === undefined || !a.shape.length) return unknown('np.split() of values not known statically');
    const ax = axis < 0 ? axis + a.shape.length : axis;
    const total = a.shape[ax];
    let cuts: number[];
    if (how.t === 'list' || how.t === 'tuple') {
      const ns = how.items.map(numberOf);
      if (ns.some((n) => n === undefined)) return unknown('np.split() at indices not known statically');
      cuts = ns as number[];
    } else {
      const n = numberOf(how);
      if (!n) return unknown('np.split() into a number of sections not known statically');
      if (even && total % n) return unknown('np.split(): array split does not result in an equal division');
      // array_split: the first total % n sections get one more.
      const sizes = Array.from({ length: n }, (_, i) => Math.floor(total / n) + (i < total % n ? 1 : 0));
      cuts = sizes.slice(0, -1).map((_, i) => sizes.slice(0, i + 1).reduce((p, d) => p + d, 0));
    }
    const bounds = [0, ...cuts, total];
    const pieces = bounds.slice(1).map((stop, i) => data.index(a, a.shape.map((_, k) => (k === ax ? { kind: 'slice' as const, start: bounds[i], stop, step: 1 } : { kind: 'slice' as const, start: null, stop: null, step: null }))));
    return pieces.every((p) => p) ? list(pieces.map((p) => tensorOf(p!))) : unknown('np.split() out of range');
  }];
  rows.split = split(true);
  rows.array_split = split(false);
  const join = (stack: boolean): Row => [['arrays', 'axis'], (get, num) => {
    const items = get('arrays');
    const arrays = items?.t === 'list' || items?.t === 'tuple' ? items.items.map(asArray) : [];
    const axis = num('axis', 0);
    if (!arrays.length || axis === undefined || arrays.some((a) => !a)) return unknown(`np.${stack ? 'stack' : 'concatenate'}() of values not known statically`);
    return numpyResult(data.join(arrays as data.DataArray[], axis, stack), 'np.concatenate()');
  }];
  rows.concatenate = join(false);
  rows.stack = join(true);
  return rows;
}

function mapArray(a: data.DataArray | undefined, fn: (x: number) => number, toFloat: boolean): data.DataArray | undefined {
  return a && data.unary(a, fn, toFloat);
}

function mapUnique(a: data.DataArray | undefined): data.DataArray | undefined {
  return a && data.unique(a);
}

const rowCall = (name: string, [params, run]: Row, a: CallArgs, s: CallSite): Value => {
  const { values, extra } = bindCall(params, a);
  if (extra.length) return unknown(`np.${name}() was given arguments CNN Lens does not model (${extra.join(', ')})`);
  const get = (p: string) => values.get(p);
  const num = (p: string, fallback?: number) => {
    const v = values.get(p);
    if (!v || v.t === 'none') return fallback;
    const arr = arrayOf(v);
    return numberOf(v) ?? (arr && data.elementCount(arr) === 1 ? arr.data.values[0] : undefined);
  };
  return run(get, num, s);
};

/** The methods and attributes of a numpy array with known values (`w.astype(int).tolist()`). */
export function numpyAttr(a: data.DataArray, name: string): Value | undefined {
  const method = (call: (args: CallArgs, s: CallSite) => Value) => builtin(name, call);
  const rows = numpyRows();
  switch (name) {
    case 'shape':
      return tuple(a.shape.map(int));
    case 'ndim':
      return int(a.shape.length);
    case 'size':
      return int(data.elementCount(a));
    case 'dtype':
      return builtin(`numpy.${a.data.dtype}`, () => unknown('dtype()'));
    case 'T':
      return a.shape.length <= 1 ? tensorOf(a) : undefined;
    case 'tolist':
      return method(() => toList(a));
    case 'item':
      return method(() => (data.elementCount(a) === 1 ? scalarValue(a.data.values[0], a.data.dtype) : unknown('.item() of an array with several elements')));
    case 'astype':
      return method((args) => {
        const dtype = dtypeNamed(args.positional[0] ?? args.keywords.get('dtype'), 'numpy');
        return dtype ? tensorOf(data.astype(a, dtype)) : unknown('astype() to a dtype not known statically');
      });
    case 'copy':
      return method(() => tensorOf(a));
    case 'flatten':
    case 'ravel':
      return method(() => tensorOf({ shape: [data.elementCount(a)], data: a.data }));
    case 'reshape':
      return method((args) => {
        const first = args.positional[0];
        const dims = (first && (first.t === 'tuple' || first.t === 'list') ? first.items : args.positional).map(numberOf);
        return numpyResult(dims.every((d) => d !== undefined) ? data.reshape(a, dims as number[]) : undefined, 'reshape()');
      });
    case 'round':
      return method((args, s) => rowCall(name, rows.round, { positional: [tensorOf(a), ...args.positional], keywords: args.keywords }, s));
    default:
      if (name in reductions) return method((args, s) => rowCall(name, rows[name], { positional: [tensorOf(a), ...args.positional], keywords: args.keywords }, s));
      return undefined;
  }
}

export function installNumpy(session: Session, module: (name: string, attrs?: Record<string, Value>, open?: boolean) => ModuleValue): void {
  const attrs: Record<string, Value> = { pi: float(Math.PI), e: float(Math.E), inf: float(Infinity), nan: float(NaN), newaxis: NONE };
  for (const [name, row] of Object.entries(numpyRows())) attrs[name] = builtin(name, (a, s) => rowCall(name, row, a, s));
  for (const [name, dtype] of dtypeObjects('numpy', numpyDtypes)) attrs[name] = dtype;
  module('numpy', attrs);
  module('numpy.random');
  void session;
}
