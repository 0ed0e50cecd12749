/**
 * Constant folding for the ONNX front-end: the values exporters compute inside the graph from
 * shapes (torch.onnx.export writes `x.view(x.size(0), -1)` and `torch.chunk` as Shape, Gather,
 * Add, Div, Mul, Concat, Unsqueeze and Cast nodes feeding a Reshape or Slice), folded here so a
 * Reshape's target or a Slice's bounds are known whenever the shapes are. A constant knows whether
 * it is a float, so an integer Div truncates as onnxruntime does and a float one divides. Values
 * that are symbols (a dynamic batch) fold to unknown, never to a wrong number.
 */
import { isKnown, type Dim } from '../../ir/dims';

const count = (dims: readonly number[]) => dims.reduce((a, b) => a * b, 1);

/** A constant the graph computes or stores: its dims and, when small, its values (dims of a Shape may be symbols). */
export interface Const {
  readonly dims: readonly number[];
  readonly values?: readonly Dim[];
  /** A floating-point tensor: its Div divides exactly, where an integer one (a shape's arithmetic) truncates. */
  readonly float?: boolean;
}

/** TensorProto.DataType codes of the floating-point types (float, float16, double, bfloat16). */
export const isFloatType = (dataType: number | undefined): boolean =>
  dataType === 1 || dataType === 10 || dataType === 11 || dataType === 16;

/** ONNX Round is half to even (numpy's rule), unlike Math.round. */
const roundHalfEven = (v: number) => (Math.abs(v % 1) === 0.5 ? 2 * Math.round(v / 2) : Math.round(v));
export const roundings: Record<'Abs' | 'Sign' | 'Floor' | 'Ceil' | 'Round', (v: number) => number> = {
  Abs: Math.abs,
  Sign: Math.sign,
  Floor: Math.floor,
  Ceil: Math.ceil,
  Round: roundHalfEven,
};

/** Binary arithmetic and comparisons on the integers of shape computations (and on small float constants). */
const binaryFolds: Record<string, (x: number, y: number, float: boolean) => number> = {
  Add: (x, y) => x + y,
  Sub: (x, y) => x - y,
  Mul: (x, y) => x * y,
  // Integer Div truncates toward zero (C, onnxruntime); a float one divides.
  Div: (x, y, float) => (float ? x / y : Math.trunc(x / y)),
  // fmod=0 takes the divisor's sign (Python's %).
  Mod: (x, y, float) => (float ? x % y : x - y * Math.floor(x / y)),
  Min: (x, y) => Math.min(x, y),
  Max: (x, y) => Math.max(x, y),
  Equal: (x, y) => Number(x === y),
  Less: (x, y) => Number(x < y),
  Greater: (x, y) => Number(x > y),
  LessOrEqual: (x, y) => Number(x <= y),
  GreaterOrEqual: (x, y) => Number(x >= y),
};
const comparisons = new Set(['Equal', 'Less', 'Greater', 'LessOrEqual', 'GreaterOrEqual']);

/** Whether every constant has values, all of one size or a single one (the broadcasting shape arithmetic needs). */
export function sameOrScalar(cs: readonly (Const | undefined)[]): cs is readonly Const[] {
  if (!cs.every((c) => c?.values)) return false;
  const n = Math.max(...cs.map((c) => c!.values!.length));
  return cs.every((c) => c!.values!.length === n || c!.values!.length === 1);
}

/**
 * Folds `op` over constants of equal size or a scalar and another (what shape arithmetic uses);
 * a value that is a symbol (a batch size) gives an unknown value, never a wrong one.
 */
export function foldConstants(op: string, cs: readonly (Const | undefined)[]): Const | undefined {
  const f = binaryFolds[op];
  if (!f || cs.length < 2 || !sameOrScalar(cs)) return undefined;
  const all = cs as Const[];
  const n = Math.max(...all.map((c) => c.values!.length));
  const float = all.some((c) => c.float);
  const at = (c: Const, i: number) => c.values![c.values!.length === 1 ? 0 : i];
  const values = Array.from({ length: n }, (_, i) => {
    let acc = at(all[0], i);
    for (const c of all.slice(1)) {
      const y = at(c, i);
      acc = isKnown(acc) && isKnown(y) ? f(acc, y, float) : null;
    }
    return acc;
  });
  const widest = all.reduce((a, c) =>
    c.values!.length > a.values!.length || (c.values!.length === a.values!.length && c.dims.length > a.dims.length)
      ? c
      : a,
  );
  return { dims: widest.dims, values, float: float && !comparisons.has(op) };
}

/** Where(cond, a, b) over constants of equal size or scalars. */
export function pickWhere(cond: Const, a: Const, b: Const): Const {
  const n = Math.max(cond.values!.length, a.values!.length, b.values!.length);
  const at = (c: Const, i: number) => c.values![c.values!.length === 1 ? 0 : i];
  const values = Array.from({ length: n }, (_, i) => {
    const c = at(cond, i);
    return isKnown(c) ? (c ? at(a, i) : at(b, i)) : null;
  });
  const widest = [cond, a, b].find((c) => c.values!.length === n)!;
  return { dims: widest.dims, values, float: a.float || b.float };
}

/** Most values a folded constant may hold (a shape, pads, axes: never large). */
export const maxConstValues = 65_536;

/** Resolves one -1 in a constant's new dims against its value count. */
export function reshapeDims(target: readonly Dim[], total: number): number[] | undefined {
  if (!target.every(isKnown)) return undefined;
  const t = target as number[];
  const rest = count(t.filter((d) => d !== -1));
  const open = t.filter((d) => d === -1).length;
  if (open > 1 || (open === 0 && rest !== total) || (open === 1 && (rest === 0 || total % rest))) return undefined;
  return t.map((d) => (d === -1 ? total / rest : d));
}

const strides = (dims: readonly number[]) => dims.map((_, i) => count(dims.slice(i + 1)));

/** ONNX Slice of a small constant (negative steps, clamped bounds, as the spec says). */
export function sliceConst(
  c: Const,
  starts: number[],
  ends: number[],
  axes: number[] | undefined,
  steps: number[] | undefined,
): Const | undefined {
  const rank = c.dims.length;
  const ranges = c.dims.map((d) => ({ start: 0, step: 1, n: d }));
  for (let k = 0; k < starts.length; k++) {
    const raw = axes?.[k] ?? k;
    const axis = raw < 0 ? raw + rank : raw;
    const step = steps?.[k] ?? 1;
    const size = c.dims[axis];
    if (size === undefined || step === 0 || ends[k] === undefined) return undefined;
    const clamp = (v: number, lo: number, hi: number) => Math.min(Math.max(v < 0 ? v + size : v, lo), hi);
    const start = step > 0 ? clamp(starts[k], 0, size) : clamp(starts[k], -1, size - 1);
    const end = step > 0 ? clamp(ends[k], 0, size) : clamp(ends[k], -1, size - 1);
    ranges[axis] = { start, step, n: Math.max(0, Math.ceil((end - start) / step)) };
  }
  const dims = ranges.map((r) => r.n);
  const from = strides(c.dims);
  const values: Dim[] = [];
  const total = count(dims);
  for (let flat = 0; flat < total; flat++) {
    let rem = flat;
    let src = 0;
    for (let a = rank - 1; a >= 0; a--) {
      const i = rem % dims[a];
      rem = Math.floor(rem / dims[a]);
      src += (ranges[a].start + i * ranges[a].step) * from[a];
    }
    values.push(c.values![src]);
  }
  return { dims, values };
}

export function transposeConst(c: Const, perm: readonly number[]): Const | undefined {
  const rank = c.dims.length;
  if (perm.length !== rank || new Set(perm).size !== rank || perm.some((p) => p < 0 || p >= rank)) return undefined;
  const dims = perm.map((p) => c.dims[p]);
  const from = strides(c.dims);
  const values: Dim[] = [];
  for (let flat = 0; flat < c.values!.length; flat++) {
    let rem = flat;
    let src = 0;
    for (let a = rank - 1; a >= 0; a--) {
      const i = rem % dims[a];
      rem = Math.floor(rem / dims[a]);
      src += i * from[perm[a]];
    }
    values.push(c.values![src]);
  }
  return { dims, values };
}
