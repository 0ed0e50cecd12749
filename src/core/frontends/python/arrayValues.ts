/**
 * The bridge between the evaluator's values and tensor data (tensorData.ts), shared by the torch
 * and numpy models: reading a data tensor, a Python number or a nested list as an array; making
 * a tensor value from an array (kept symbolic above the size limit); `.tolist()` / `.item()`;
 * dtype objects (`torch.float32`, `np.int64`, `int`) and which dtype each names; and the items of
 * a subscript (`x[:, :c]`, `x[..., 0]`, `x[None]`, `x[idx]`) resolved for data or for a shape rule.
 */
import type { IndexItemSpec } from '../../ir/layers';
import {
  astype, elementCount, make, maxDataElements, nest,
  type ArrayLib, type DataArray, type DType, type IndexItem, type Operand,
} from './tensorData';
import {
  FALSE, TRUE, builtin, float, int, list, numberOf, unknown, type BuiltinValue, type CallArgs, type TensorValue, type Value,
} from './values';

/** The array a data tensor holds, or undefined for a symbolic tensor or anything else. */
export function arrayOf(v: Value | undefined): DataArray | undefined {
  return v?.t === 'tensor' && v.data ? { shape: v.shape as number[], data: v.data } : undefined;
}

/** An operand of arithmetic: a data tensor, or a Python number as a 0-d scalar. */
export function operandOf(v: Value | undefined, lib: ArrayLib): Operand | undefined {
  const a = arrayOf(v);
  if (a) return { array: a, scalar: false };
  if (v?.t === 'bool') return { array: make(lib, 'bool', [], [v.v ? 1 : 0]), scalar: true };
  if (v?.t === 'int') return { array: make(lib, 'int64', [], [v.v]), scalar: true };
  if (v?.t === 'float') return { array: make(lib, 'float64', [], [v.v]), scalar: true };
  return undefined;
}

/** A tensor value for an array: with its data when small, else only its shape. */
export function tensorOf(a: DataArray): TensorValue {
  return elementCount(a) <= maxDataElements
    ? { t: 'tensor', id: -1, shape: a.shape, data: a.data }
    : { t: 'tensor', id: -1, shape: a.shape };
}

/** One element as the Python number `.item()` / `.tolist()` gives. */
export function scalarValue(x: number, dtype: DType): Value {
  return dtype === 'bool' ? (x ? TRUE : FALSE) : dtype.startsWith('float') ? float(x) : int(x);
}

export function toList(a: DataArray): Value {
  return nest<Value>(a, (x) => scalarValue(x, a.data.dtype), list);
}

/**
 * The array a nested list / tuple of numbers, bools and data tensors stands for (`torch.tensor`,
 * `np.array`); undefined if ragged or not all known. The dtype is the framework's for the kinds seen.
 */
export function arrayFromValue(v: Value, lib: ArrayLib, dtype?: DType): DataArray | undefined {
  const direct = arrayOf(v);
  if (direct)
    return (dtype ?? direct.data.dtype) === direct.data.dtype && lib === direct.data.lib
      ? direct
      : astype(direct, dtype ?? direct.data.dtype, lib);
  let kind = 0; // 0 bool, 1 int, 2 float
  const values: number[] = [];
  const shape: number[] = [];
  const walk = (x: Value, depth: number): boolean => {
    if (x.t === 'list' || x.t === 'tuple') {
      if (shape.length === depth) shape.push(x.items.length);
      else if (shape[depth] !== x.items.length) return false;
      return x.items.every((y) => walk(y, depth + 1));
    }
    const inner = arrayOf(x);
    if (inner && inner.shape.length === 0) {
      kind = Math.max(kind, inner.data.dtype === 'bool' ? 0 : inner.data.dtype.startsWith('float') ? 2 : 1);
      values.push(inner.data.values[0]);
      return shape.length === depth;
    }
    const n = numberOf(x);
    if (n === undefined || shape.length !== depth) return false;
    kind = Math.max(kind, x.t === 'bool' ? 0 : x.t === 'int' ? 1 : 2);
    values.push(n);
    return true;
  };
  if (!walk(v, 0)) return undefined;
  const inferred: DType = kind === 0 ? 'bool' : kind === 1 ? 'int64' : lib === 'torch' ? 'float32' : 'float64';
  return make(lib, dtype ?? inferred, shape, values);
}

/** The dtype objects of a library (`torch.float32`, `np.int64`), each callable as numpy's are. */
export function dtypeObjects(lib: ArrayLib, names: Readonly<Record<string, DType>>): Map<string, BuiltinValue> {
  const out = new Map<string, BuiltinValue>();
  for (const [name, dtype] of Object.entries(names)) {
    const convert = (a: CallArgs): Value => {
      const arr = operandOf(a.positional[0], lib)?.array ?? (a.positional[0] ? arrayFromValue(a.positional[0], lib) : undefined);
      if (!arr) return unknown(`${lib}.${name}() of an unknown value`);
      const cast = make(lib, dtype, arr.shape, arr.data.values);
      return arr.shape.length || lib === 'torch' ? tensorOf(cast) : scalarValue(cast.data.values[0], dtype);
    };
    out.set(name, builtin(`${lib}.${dtype}`, convert));
  }
  return out;
}

const pythonTypes: Readonly<Record<string, DType>> = { int: 'int64', float: 'float64', bool: 'bool' };

/** The dtype a value names: a dtype object, Python's int/float/bool, or a string ('float32'). */
export function dtypeNamed(v: Value | undefined, lib: ArrayLib): DType | undefined {
  if (!v) return undefined;
  if (v.t === 'builtin') return v.name.replace(/^(torch|numpy)\./, '') as DType;
  if (v.t === 'class') return pythonTypes[v.name] === 'float64' && lib === 'torch' ? 'float32' : pythonTypes[v.name];
  if (v.t === 'str') return (['bool', 'int64', 'int32', 'float32', 'float64'] as const).find((d) => d === v.v);
  return undefined;
}

export interface SubscriptItems {
  /** For indexing data; undefined when an index is not known as data. */
  readonly data?: IndexItem[];
  /** For the shape rule of a symbolic tensor. */
  readonly spec: IndexItemSpec[];
}

/** The items of a subscript, resolved both for data indexing and for the index shape rule. */
export function subscriptItems(index: Value, ellipsis: Value, lib: ArrayLib): SubscriptItems {
  const raw = index.t === 'tuple' ? index.items : [index];
  const data: IndexItem[] = [];
  const spec: IndexItemSpec[] = [];
  let dataKnown = true;
  const bound = (b: Value): number | null | '?' => (b.t === 'none' ? null : numberOf(b) ?? '?');
  for (const it of raw) {
    if (it === ellipsis) {
      data.push({ kind: 'ellipsis' });
      spec.push({ ellipsis: true });
    } else if (it.t === 'none') {
      data.push({ kind: 'newaxis' });
      spec.push({ newAxis: true });
    } else if (it.t === 'int' || it.t === 'bool') {
      const at = numberOf(it)!;
      data.push({ kind: 'int', at });
      spec.push({ int: at });
    } else if (it.t === 'slice') {
      const [start, stop, step] = [bound(it.lower), bound(it.upper), bound(it.step)];
      spec.push({ slice: [start, stop, step] });
      if (start === '?' || stop === '?' || step === '?') dataKnown = false;
      else data.push({ kind: 'slice', start, stop, step });
    } else {
      const arr = arrayFromValue(it, lib);
      if (arr) {
        data.push({ kind: 'array', array: arr });
        spec.push(arr.data.dtype === 'bool' ? { tensor: [null], mask: arr.shape.length } : { tensor: arr.shape });
      } else {
        // A symbolic index tensor may be a mask or positions, and an unknown value an int or a slice.
        dataKnown = false;
        spec.push({ unknown: true });
      }
    }
  }
  return { data: dataKnown ? data : undefined, spec };
}
