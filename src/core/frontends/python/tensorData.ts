/**
 * The values of small tensors built from constants (`torch.arange(depth) * w_a + w_0`,
 * `np.linspace(0, rate, n)`), so model code that computes widths, depths and drop-path schedules
 * with tensor arithmetic gets the numbers it would at run time. Values are kept flat in row-major
 * order with the dtype the framework would give them, and float32 results are rounded to float32
 * after every operation as torch does (which shows in `.tolist()`). torch and numpy differ in their
 * default float (float32 vs float64), so the data remembers which library made it. A tensor derived
 * from the model's input never has data: any op with a symbolic operand drops it.
 */
import type { Dim } from '../../ir/dims';

export type DType = 'bool' | 'int64' | 'int32' | 'float32' | 'float64';
export type ArrayLib = 'torch' | 'numpy';

export interface TensorData {
  readonly lib: ArrayLib;
  readonly dtype: DType;
  readonly values: readonly number[];
}

/** A data-carrying array: its data and its (fully known) shape. */
export interface DataArray {
  readonly shape: readonly number[];
  readonly data: TensorData;
}

/**
 * Tensors bigger than this are kept symbolic: configuration tensors are small. Window attention's
 * relative-position index is the largest kind met in practice (2 × 64 × 64 for an 8 × 8 window,
 * before it is summed), and it must stay known for `table[index]` to have a shape.
 */
export const maxDataElements = 65_536;

const category = (d: DType): number => (d === 'bool' ? 0 : d === 'int64' || d === 'int32' ? 1 : 2);
export const isFloat = (d: DType): boolean => category(d) === 2;
export const defaultFloat = (lib: ArrayLib): DType => (lib === 'torch' ? 'float32' : 'float64');

/** Rounds values into what `dtype` can hold (float32 rounding, integer truncation, bool). */
export function cast(values: readonly number[], dtype: DType): number[] {
  // Plain loops: every op's result passes through here, up to 65,536 values at a time.
  const n = values.length;
  const out = new Array<number>(n);
  switch (dtype) {
    case 'float32':
      for (let i = 0; i < n; i++) out[i] = Math.fround(values[i]);
      return out;
    case 'float64':
      for (let i = 0; i < n; i++) out[i] = values[i];
      return out;
    case 'bool':
      for (let i = 0; i < n; i++) out[i] = values[i] ? 1 : 0;
      return out;
    default:
      for (let i = 0; i < n; i++) {
        const v = values[i];
        out[i] = Number.isFinite(v) ? Math.trunc(v) : 0;
      }
      return out;
  }
}

export function make(lib: ArrayLib, dtype: DType, shape: readonly number[], values: readonly number[]): DataArray {
  return { shape, data: { lib, dtype, values: cast(values, dtype) } };
}

/**
 * Data whose values are worked out when first read. Most constant tensors in model code only feed
 * symbolic ones (a window-attention mask added to the attention scores), so their values are never
 * needed; the arithmetic on them is what made a warm swin_v2 analysis cost 300 ms. Shapes and dtypes
 * stay eager, so every error an op can raise is still raised when it runs.
 */
class DeferredData implements TensorData {
  #values: readonly number[] | undefined;
  #compute: (() => readonly number[]) | undefined;
  constructor(
    readonly lib: ArrayLib,
    readonly dtype: DType,
    compute: () => readonly number[],
  ) {
    this.#compute = compute;
  }
  get values(): readonly number[] {
    if (!this.#values) {
      this.#values = cast(this.#compute!(), this.dtype);
      this.#compute = undefined;
    }
    return this.#values;
  }
}

/** A data array of `shape` whose values `compute` gives (cast to dtype) when first read. */
export function deferred(
  lib: ArrayLib,
  dtype: DType,
  shape: readonly number[],
  compute: () => readonly number[],
): DataArray {
  return { shape, data: new DeferredData(lib, dtype, compute) };
}

/** The same values under another library's name (np.asarray of a torch tensor). */
export const relabel = (a: DataArray, lib: ArrayLib): DataArray =>
  deferred(lib, a.data.dtype, a.shape, () => a.data.values);

/** How many elements a data array holds, read from its shape so deferred values stay unread. */
export const elementCount = (a: { readonly shape: readonly number[] }): number => a.shape.reduce((p, d) => p * d, 1);

export const sizeOf = (shape: readonly Dim[]): number | undefined =>
  shape.every((d): d is number => typeof d === 'number') ? shape.reduce((p, d) => p * d, 1) : undefined;

/** The dtype of an op between two arrays, or an array and a Python number (`scalar`). */
export function promote(a: DType, b: DType, lib: ArrayLib, bIsScalar: boolean): DType {
  if (bIsScalar) {
    // A Python number only raises the category: an int tensor times 0.5 becomes the default float.
    if (category(b) <= category(a)) return a;
    return category(b) === 2 ? defaultFloat(lib) : 'int64';
  }
  if (category(a) !== category(b)) return category(a) > category(b) ? a : b;
  if (a === b) return a;
  return category(a) === 2 ? 'float64' : 'int64';
}

/** The strides-free index of every element of `shape` broadcast from `from`. */
function broadcastIndex(shape: readonly number[], from: readonly number[]): number[] {
  const rank = shape.length;
  let total = 1;
  for (const d of shape) total *= d;
  const out = new Array<number>(total);
  // Walks the output like an odometer, the source index moving by its own stride on each axis
  // (0 on a broadcast one): these arrays reach 65,536 values (swin's attention masks, per block).
  const offset = rank - from.length;
  const sourceStride = new Array<number>(rank).fill(0);
  for (let k = from.length - 1, stride = 1; k >= 0; k--) {
    if (from[k] !== 1) sourceStride[k + offset] = stride;
    stride *= from[k];
  }
  const counter = new Array<number>(rank).fill(0);
  let source = 0;
  for (let flat = 0; flat < total; flat++) {
    out[flat] = source;
    for (let axis = rank - 1; axis >= 0; axis--) {
      source += sourceStride[axis];
      if (++counter[axis] < shape[axis]) break;
      source -= sourceStride[axis] * shape[axis];
      counter[axis] = 0;
    }
  }
  return out;
}

const sameShape = (a: readonly number[], b: readonly number[]): boolean =>
  a.length === b.length && a.every((d, i) => d === b[i]);

export function broadcast(a: readonly number[], b: readonly number[]): number[] | undefined {
  const n = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const x = a[a.length - n + i] ?? 1;
    const y = b[b.length - n + i] ?? 1;
    if (x !== y && x !== 1 && y !== 1) return undefined;
    out.push(x === 1 ? y : x);
  }
  return out;
}

export type Elementwise = (x: number, y: number) => number;

/** Python's floor-division and modulo, which torch and numpy follow. */
const floorDiv = (x: number, y: number) => Math.floor(x / y);
const pyMod = (x: number, y: number) => x - Math.floor(x / y) * y;

export const binaryOps: Readonly<Record<string, Elementwise>> = {
  '+': (x, y) => x + y,
  '-': (x, y) => x - y,
  '*': (x, y) => x * y,
  '/': (x, y) => x / y,
  '//': floorDiv,
  '%': pyMod,
  '**': (x, y) => x ** y,
  '<': (x, y) => +(x < y),
  '>': (x, y) => +(x > y),
  '<=': (x, y) => +(x <= y),
  '>=': (x, y) => +(x >= y),
  '==': (x, y) => +(x === y),
  '!=': (x, y) => +(x !== y),
  '&': (x, y) => x & y,
  '|': (x, y) => x | y,
  '^': (x, y) => x ^ y,
  maximum: Math.max,
  minimum: Math.min,
};
const comparisons = new Set(['<', '>', '<=', '>=', '==', '!=']);

/** Both operands as arrays (a Python number is a 0-d array flagged as a scalar). */
export interface Operand {
  readonly array: DataArray;
  readonly scalar: boolean;
}

/** An elementwise op with broadcasting and the framework's dtype rules; undefined if shapes clash. */
export function binary(op: string, l: Operand, r: Operand): DataArray | undefined {
  const fn = binaryOps[op] as Elementwise | undefined;
  const shape = fn && broadcast(l.array.shape, r.array.shape);
  if (!fn || !shape) return undefined;
  const lib = l.scalar ? r.array.data.lib : l.array.data.lib;
  const [a, b] = [l.array.data.dtype, r.array.data.dtype];
  let dtype = l.scalar ? promote(b, a, lib, true) : promote(a, b, lib, r.scalar);
  if (op === '/' && !isFloat(dtype)) dtype = defaultFloat(lib);
  if (op === '**' && !isFloat(dtype) && !r.scalar && !l.scalar) dtype = promote(a, b, lib, false);
  const compute = (): number[] => {
    const [lv, rv] = [l.array.data.values, r.array.data.values];
    if (sameShape(l.array.shape, shape) && sameShape(r.array.shape, shape)) return lv.map((x, k) => fn(x, rv[k]));
    if (rv.length === 1) return broadcastIndex(shape, l.array.shape).map((i) => fn(lv[i], rv[0]));
    if (lv.length === 1) return broadcastIndex(shape, r.array.shape).map((i) => fn(lv[0], rv[i]));
    const ri = broadcastIndex(shape, r.array.shape);
    return broadcastIndex(shape, l.array.shape).map((i, k) => fn(lv[i], rv[ri[k]]));
  };
  const outType = comparisons.has(op) ? 'bool' : dtype;
  // Integer division by zero raises in torch: those values are needed now, to know whether it does.
  if ((op === '//' || op === '%') && !isFloat(dtype)) {
    const values = compute();
    return values.some((v) => !Number.isFinite(v)) ? undefined : make(lib, outType, shape, values);
  }
  return deferred(lib, outType, shape, compute);
}

/** An elementwise function; `toFloat` ops (log, sqrt, exp) turn integers into the default float. */
export function unary(a: DataArray, fn: (x: number) => number, toFloat: boolean, keepInt = true): DataArray {
  const d = a.data;
  const dtype = (toFloat || !keepInt) && !isFloat(d.dtype) ? defaultFloat(d.lib) : d.dtype;
  return deferred(d.lib, dtype, a.shape, () => d.values.map(fn));
}

export function astype(a: DataArray, dtype: DType, lib = a.data.lib): DataArray {
  return deferred(lib, dtype, a.shape, () => a.data.values);
}

/** Python's round-half-to-even, which torch.round and np.round use. */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

function strides(shape: readonly number[]): number[] {
  const out = new Array<number>(shape.length).fill(1);
  for (let i = shape.length - 2; i >= 0; i--) out[i] = out[i + 1] * shape[i + 1];
  return out;
}

export type Reduction = 'sum' | 'prod' | 'max' | 'min' | 'mean' | 'cumsum' | 'cumprod' | 'diff';

/** A reduction over all elements (axis undefined) or along one axis. */
export function reduce(a: DataArray, op: Reduction, axis: number | undefined, keepDims = false): DataArray | undefined {
  const { lib, dtype } = a.data;
  const outType: DType =
    op === 'mean'
      ? isFloat(dtype)
        ? dtype
        : defaultFloat(lib)
      : (op === 'sum' || op === 'prod' || op === 'cumsum' || op === 'cumprod') && !isFloat(dtype)
        ? 'int64'
        : dtype;
  const fold = (xs: number[]): number[] => {
    switch (op) {
      case 'sum':
        return [xs.reduce((p, x) => p + x, 0)];
      case 'prod':
        return [xs.reduce((p, x) => p * x, 1)];
      case 'max':
        return xs.length ? [Math.max(...xs)] : [];
      case 'min':
        return xs.length ? [Math.min(...xs)] : [];
      case 'mean':
        return [xs.reduce((p, x) => p + x, 0) / xs.length];
      case 'cumsum':
      case 'cumprod': {
        let acc = op === 'cumsum' ? 0 : 1;
        return xs.map(
          (x) => (acc = op === 'cumsum' ? (outType === 'float32' ? Math.fround(acc + x) : acc + x) : acc * x),
        );
      }
      case 'diff':
        return xs.slice(1).map((x, i) => x - xs[i]);
    }
  };
  const scan = op === 'cumsum' || op === 'cumprod';
  if (axis === undefined) {
    const out = fold([...a.data.values]);
    if (op === 'diff' || (!out.length && !scan)) return undefined;
    return make(lib, outType, scan ? [out.length] : [], out);
  }
  if (axis < -a.shape.length || axis >= a.shape.length) return undefined;
  const ax = axis < 0 ? axis + a.shape.length : axis;
  const st = strides(a.shape);
  const n = a.shape[ax];
  const outer = a.shape.slice(0, ax).reduce((p, d) => p * d, 1);
  const inner = st[ax];
  // A sum or mean along an axis folds in place: swin's relative-position tables sum 4,096 lanes of 2.
  if ((op === 'sum' || op === 'mean') && n > 0) {
    const shape = keepDims ? a.shape.map((d, i) => (i === ax ? 1 : d)) : a.shape.filter((_, i) => i !== ax);
    return deferred(lib, outType, shape, () => {
      const source = a.data.values;
      const values = new Array<number>(outer * inner).fill(0);
      for (let o = 0; o < outer; o++)
        for (let k = 0; k < n; k++)
          for (let i = 0; i < inner; i++) values[o * inner + i] += source[o * n * inner + k * inner + i];
      if (op === 'mean') for (let j = 0; j < values.length; j++) values[j] /= n;
      return values;
    });
  }
  const lanes: number[][] = [];
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const xs = Array.from({ length: n }, (_, k) => a.data.values[o * n * inner + k * inner + i]);
      lanes.push(fold(xs));
    }
  }
  const m = lanes[0]?.length ?? (op === 'diff' ? Math.max(n - 1, 0) : scan ? n : 1);
  if (!scan && op !== 'diff' && n === 0 && op !== 'sum' && op !== 'prod') return undefined;
  const values: number[] = [];
  for (let o = 0; o < outer; o++)
    for (let k = 0; k < m; k++) for (let i = 0; i < inner; i++) values.push(lanes[o * inner + i][k]);
  const shape =
    scan || op === 'diff'
      ? a.shape.map((d, i) => (i === ax ? m : d))
      : keepDims
        ? a.shape.map((d, i) => (i === ax ? 1 : d))
        : a.shape.filter((_, i) => i !== ax);
  return make(lib, outType, shape, values);
}

export function reshape(a: DataArray, shape: readonly number[]): DataArray | undefined {
  const known = shape.filter((d) => d !== -1).reduce((p, d) => p * d, 1);
  const target = shape.map((d) => (d === -1 ? elementCount(a) / known : d));
  if (target.some((d) => !Number.isInteger(d) || d < 0) || target.reduce((p, d) => p * d, 1) !== elementCount(a))
    return undefined;
  return { shape: target, data: a.data };
}

export function unique(a: DataArray): DataArray {
  const values = [...new Set(a.data.values)].sort((x, y) => x - y);
  return make(a.data.lib, a.data.dtype, [values.length], values);
}

/** One index of a subscript, already resolved against the data it indexes. */
export type IndexItem =
  | { readonly kind: 'int'; readonly at: number }
  | {
      readonly kind: 'slice';
      readonly start: number | null;
      readonly stop: number | null;
      readonly step: number | null;
    }
  | { readonly kind: 'newaxis' }
  | { readonly kind: 'ellipsis' }
  | { readonly kind: 'array'; readonly array: DataArray };

/** The positions `slice(start, stop, step)` picks from `n` items, as Python computes them. */
export function sliceRange(
  n: number,
  start: number | null,
  stop: number | null,
  step: number | null,
): number[] | undefined {
  const s = step ?? 1;
  if (s === 0) return undefined;
  const clamp = (v: number, lo: number, hi: number) => Math.min(Math.max(v, lo), hi);
  const norm = (v: number | null, dflt: number, lo: number, hi: number) =>
    v === null ? dflt : clamp(v < 0 ? v + n : v, lo, hi);
  const out: number[] = [];
  if (s > 0) for (let i = norm(start, 0, 0, n); i < norm(stop, n, 0, n); i += s) out.push(i);
  else for (let i = norm(start, n - 1, -1, n - 1); i > norm(stop, -1, -1, n - 1); i += s) out.push(i);
  return out;
}

/**
 * Basic and (one) advanced indexing of a data array: ints, slices, None, Ellipsis, an int array
 * or a bool mask. Undefined when out of range or beyond what is modelled (several index arrays).
 */
export function index(a: DataArray, items: readonly IndexItem[]): DataArray | undefined {
  const picked = selection(a, items);
  if (!picked) return undefined;
  // A gather too large to keep (a bias table indexed per window pair, times heads) is not
  // computed: its holes are never read, as a result over maxDataElements keeps only its shape.
  const total = picked.picks.reduce((p, pick) => p * pick.length, 1);
  const { lib, dtype } = a.data;
  if (total > maxDataElements) return { shape: picked.shape, data: { lib, dtype, values: new Array<number>(total) } };
  return deferred(lib, dtype, picked.shape, () => offsetsOf(picked.picks).map((o) => a.data.values[o]));
}

/** Per axis of `a`, the flat source positions an index picks, and the shape of what it picks. */
function selection(a: DataArray, items: readonly IndexItem[]): { shape: number[]; picks: number[][] } | undefined {
  const consumed = items.reduce(
    (p, it) =>
      p +
      (it.kind === 'newaxis' || it.kind === 'ellipsis'
        ? 0
        : it.kind === 'array' && it.array.data.dtype === 'bool'
          ? it.array.shape.length
          : 1),
    0,
  );
  if (
    consumed > a.shape.length ||
    items.filter((i) => i.kind === 'ellipsis').length > 1 ||
    items.filter((i) => i.kind === 'array').length > 1
  )
    return undefined;
  const expanded: IndexItem[] = [];
  for (const it of items) {
    if (it.kind === 'ellipsis')
      for (let k = 0; k < a.shape.length - consumed; k++)
        expanded.push({ kind: 'slice', start: null, stop: null, step: null });
    else if (it.kind === 'array' && it.array.data.dtype === 'bool') {
      // A 1-D mask picks the positions where it is true.
      if (it.array.shape.length !== 1) return undefined;
      const picked = it.array.data.values.flatMap((v, i) => (v ? [i] : []));
      expanded.push({ kind: 'array', array: make(it.array.data.lib, 'int64', [picked.length], picked) });
    } else expanded.push(it);
  }
  while (expanded.filter((i) => i.kind !== 'newaxis').length < a.shape.length)
    expanded.push({ kind: 'slice', start: null, stop: null, step: null });
  // Per axis: the source positions picked and the output dims it contributes.
  let axis = 0;
  const picks: number[][] = [];
  const outShape: number[] = [];
  const st = strides(a.shape);
  for (const it of expanded) {
    if (it.kind === 'newaxis') {
      outShape.push(1);
      continue;
    }
    const n = a.shape[axis];
    if (it.kind === 'int') {
      const i = it.at < 0 ? it.at + n : it.at;
      if (i < 0 || i >= n) return undefined;
      picks.push([i * st[axis]]);
    } else if (it.kind === 'slice') {
      const range = sliceRange(n, it.start, it.stop, it.step);
      if (!range) return undefined;
      picks.push(range.map((i) => i * st[axis]));
      outShape.push(range.length);
    } else if (it.kind === 'array') {
      const idx = it.array.data.values.map((i) => (i < 0 ? i + n : i));
      if (idx.some((i) => i < 0 || i >= n)) return undefined;
      if (it.array.shape.length !== 1 && it.array.shape.length !== 0) return undefined;
      picks.push(idx.map((i) => i * st[axis]));
      if (it.array.shape.length === 1) outShape.push(idx.length);
    }
    axis++;
  }
  return { shape: outShape, picks };
}

/** Every flat position a selection picks, in order: the sums of one pick per axis. */
function offsetsOf(picks: readonly number[][]): number[] {
  let offsets = [0];
  for (const p of picks) {
    const next = new Array<number>(offsets.length * p.length);
    let k = 0;
    for (const o of offsets) for (const q of p) next[k++] = o + q;
    offsets = next;
  }
  return offsets;
}

/** The axes of `a` reordered (torch.permute, np.transpose); undefined for a bad permutation. */
export function permute(a: DataArray, perm: readonly number[]): DataArray | undefined {
  const rank = a.shape.length;
  const axes = perm.map((p) => (p < 0 ? p + rank : p));
  if (axes.length !== rank || new Set(axes).size !== rank || axes.some((p) => p < 0 || p >= rank)) return undefined;
  const shape = axes.map((p) => a.shape[p]);
  return deferred(a.data.lib, a.data.dtype, shape, () => permuted(a, axes, shape));
}

function permuted(a: DataArray, axes: readonly number[], shape: readonly number[]): number[] {
  const rank = shape.length;
  const st = strides(a.shape);
  const total = elementCount(a);
  const values = new Array<number>(total);
  // An odometer over the output; each output axis moves the source by the stride of its axis in `a`.
  const sourceStride = axes.map((p) => st[p]);
  const counter = new Array<number>(rank).fill(0);
  let source = 0;
  for (let flat = 0; flat < total; flat++) {
    values[flat] = a.data.values[source];
    for (let k = rank - 1; k >= 0; k--) {
      source += sourceStride[k];
      if (++counter[k] < shape[k]) break;
      source -= sourceStride[k] * shape[k];
      counter[k] = 0;
    }
  }
  return values;
}

/**
 * `a[items] = value` (value broadcast to the indexed region, cast to a's dtype) as a new array;
 * undefined when the index is beyond `index` or the value does not broadcast to the region.
 */
export function assign(a: DataArray, items: readonly IndexItem[], value: DataArray): DataArray | undefined {
  const region = selection(a, items);
  const shape = region && broadcast(value.shape, region.shape);
  if (!region || !shape || shape.length !== region.shape.length || shape.some((d, i) => d !== region.shape[i]))
    return undefined;
  return deferred(a.data.lib, a.data.dtype, a.shape, () => {
    const at = offsetsOf(region.picks);
    const values = [...a.data.values];
    const source = value.data.values;
    if (source.length === 1) for (const o of at) values[o] = source[0];
    else {
      const from = broadcastIndex(region.shape, value.shape);
      for (let k = 0; k < at.length; k++) values[at[k]] = source[from[k]];
    }
    return values;
  });
}

/** The nested Python-list structure of `.tolist()`, with `leaf` making each element. */
export function nest<T>(a: DataArray, leaf: (x: number) => T, list: (items: T[]) => T): T {
  const build = (axis: number, offset: number): T => {
    if (axis === a.shape.length) return leaf(a.data.values[offset]);
    const st = strides(a.shape)[axis];
    return list(Array.from({ length: a.shape[axis] }, (_, i) => build(axis + 1, offset + i * st)));
  };
  return build(0, 0);
}

/** torch.cat / np.concatenate (or torch.stack / np.stack with `stack`) along `axis`. */
export function join(arrays: readonly DataArray[], axis: number, stack: boolean): DataArray | undefined {
  const parts = stack
    ? arrays.map((a) => ({
        shape: [
          ...a.shape.slice(0, axis < 0 ? a.shape.length + 1 + axis : axis),
          1,
          ...a.shape.slice(axis < 0 ? a.shape.length + 1 + axis : axis),
        ],
        data: a.data,
      }))
    : arrays;
  const rank = parts[0].shape.length;
  const ax = axis < 0 ? axis + rank : axis;
  if (
    ax < 0 ||
    ax >= rank ||
    parts.some((p) => p.shape.length !== rank || p.shape.some((d, i) => i !== ax && d !== parts[0].shape[i]))
  )
    return undefined;
  const outer = parts[0].shape.slice(0, ax).reduce((p, d) => p * d, 1);
  const dtype = parts.map((p) => p.data.dtype).reduce((a, b) => promote(a, b, parts[0].data.lib, false));
  const shape = parts[0].shape.map((d, i) => (i === ax ? parts.reduce((n, p) => n + p.shape[ax], 0) : d));
  return deferred(parts[0].data.lib, dtype, shape, () => {
    const values: number[] = [];
    for (let o = 0; o < outer; o++) {
      for (const p of parts) {
        const block = elementCount(p) / outer;
        const source = p.data.values;
        for (let k = o * block; k < (o + 1) * block; k++) values.push(source[k]);
      }
    }
    return values;
  });
}
