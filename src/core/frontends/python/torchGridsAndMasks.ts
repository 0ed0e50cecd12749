/**
 * Rows of the torch function table for building grids and masks and shifting windows — what
 * window attention does before and around its matrix products (relative-position tables from
 * `torch.meshgrid`, shifted-window masks from `x.new_zeros` filled by slices and `masked_fill`,
 * cyclic shifts by `torch.roll`) — plus `torch.where` and `F.normalize`. Each works on symbolic
 * tensors (shape only) and computes the values of small tensors built from constants.
 */
import { arrayOf, dtypeNamed, operandOf, tensorOf } from './arrayValues';
import { Bound, creationExtras, rowOf, type TorchFunction, type TorchKit } from './torchFunctions';
import * as data from './tensorData';
import { tuple, unknown, type CallSite, type TensorValue, type Value } from './values';

/** Positions of a row-major array of `shape`, one coordinate list per flat index. */
function coordinates(shape: readonly number[]): number[][] {
  const total = shape.reduce((p, d) => p * d, 1);
  return Array.from({ length: total }, (_, flat) => {
    const at: number[] = [];
    for (let axis = shape.length - 1; axis >= 0; axis--) {
      at.unshift(flat % shape[axis]);
      flat = Math.floor(flat / shape[axis]);
    }
    return at;
  });
}

const flatIndex = (shape: readonly number[], at: readonly number[]) =>
  at.reduce((p, i, axis) => p * shape[axis] + i, 0);

/** torch.roll's values: each listed axis shifted cyclically; no axes means the flattened tensor. */
function rolled(a: data.DataArray, shifts: readonly number[], dims: readonly number[]): data.DataArray | undefined {
  if (!dims.length) {
    const n = a.data.values.length;
    const k = n ? (((shifts[0] ?? 0) % n) + n) % n : 0;
    return data.make(
      a.data.lib,
      a.data.dtype,
      a.shape,
      a.data.values.map((_, i) => a.data.values[(i - k + n) % n]),
    );
  }
  if (shifts.length !== dims.length) return undefined;
  const axes = dims.map((d) => (d < 0 ? d + a.shape.length : d));
  if (axes.some((d) => d < 0 || d >= a.shape.length)) return undefined;
  const values = coordinates(a.shape).map((at) => {
    const from = [...at];
    axes.forEach(
      (axis, k) => (from[axis] = (((at[axis] - shifts[k]) % a.shape[axis]) + a.shape[axis]) % a.shape[axis]),
    );
    return a.data.values[flatIndex(a.shape, from)];
  });
  return data.make(a.data.lib, a.data.dtype, a.shape, values);
}

export function gridAndMaskFunctions(kit: TorchKit): Record<string, TorchFunction> {
  const table: Record<string, TorchFunction> = {};
  /** A symbolic tensor's op that keeps its shape. */
  const sameShape = (b: Bound, s: CallSite, note: string): Value => {
    const x = b.get('input');
    if (x?.t !== 'tensor') return unknown(`${b.name}() of something that is not a tensor`);
    return x.data ? { t: 'tensor', id: -1, shape: x.shape } : kit.op(b.name, { kind: 'identity', note }, x, s);
  };

  table.roll = rowOf(['input', 'shifts', 'dims'], 'tm', (b, s) => {
    const a = arrayOf(b.get('input'));
    const [shifts, dims] = [b.ints('shifts'), b.ints('dims')];
    const out = a && shifts && dims && rolled(a, shifts, dims);
    return out ? tensorOf(out) : sameShape(b, s, 'torch.roll: a cyclic shift, same shape');
  });

  table.meshgrid = rowOf(['*tensors', 'indexing'], 't', (b) => {
    const given = b.get('tensors');
    const listed =
      given?.t === 'tuple' && given.items.length === 1 && (given.items[0].t === 'list' || given.items[0].t === 'tuple')
        ? given.items[0]
        : given;
    const items = listed?.t === 'tuple' || listed?.t === 'list' ? listed.items : [];
    const indexing = b.get('indexing');
    const xy = indexing?.t === 'str' && indexing.v === 'xy';
    if (!items.length || !items.every((t): t is TensorValue => t.t === 'tensor' && t.shape.length <= 1))
      return unknown('torch.meshgrid() of tensors not known statically');
    const sizes = items.map((t) => t.shape[0] ?? 1);
    const shape = xy && sizes.length > 1 ? [sizes[1], sizes[0], ...sizes.slice(2)] : sizes;
    const arrays = items.map(arrayOf);
    const known = shape.every((d): d is number => typeof d === 'number');
    return tuple(
      items.map((t, k) => {
        const a = arrays[k];
        if (!known || !a || shape.reduce((p, d) => p * (d as number), 1) > data.maxDataElements)
          return { t: 'tensor', id: -1, shape };
        // With 'xy' the first two inputs vary along the swapped axes.
        const axis = xy && k < 2 && sizes.length > 1 ? 1 - k : k;
        return tensorOf(
          data.make(
            a.data.lib,
            a.data.dtype,
            shape,
            coordinates(shape).map((at) => a.data.values[at[axis]]),
          ),
        );
      }),
    );
  });

  // x.new_zeros(size): a fresh tensor with x's dtype (known values even when x is symbolic).
  for (const [name, fill] of [
    ['new_zeros', 0],
    ['new_ones', 1],
    ['new_empty', undefined],
    ['new_full', undefined],
  ] as const) {
    const params = [
      'input',
      name === 'new_full' ? 'size' : '*size',
      ...(name === 'new_full' ? ['fill_value'] : []),
      ...creationExtras,
    ];
    table[name] = rowOf(params, 'm', (b) => {
      const given = b.get('size');
      const nested =
        given?.t === 'tuple' &&
        given.items.length === 1 &&
        (given.items[0].t === 'tuple' || given.items[0].t === 'list');
      const dims = nested ? new Bound(b.name, new Map([['size', given.items[0]]])).ints('size') : b.ints('size');
      const x = b.get('input');
      const dtype = dtypeNamed(b.get('dtype'), 'torch') ?? (x?.t === 'tensor' && x.data ? x.data.dtype : 'float32');
      const value = fill ?? (name === 'new_full' ? b.num('fill_value') : undefined);
      if (!dims) return unknown(`${name}() of a size not known statically`);
      const n = dims.reduce((p, d) => p * d, 1);
      return value === undefined || n > data.maxDataElements
        ? { t: 'tensor', id: -1, shape: dims }
        : tensorOf(data.deferred('torch', dtype, dims, () => Array<number>(n).fill(value)));
    });
  }

  table.masked_fill = rowOf(['input', 'mask', 'value'], 'tm', (b, s) => {
    const a = arrayOf(b.get('input'));
    const mask = arrayOf(b.get('mask'));
    const value = b.num('value');
    if (a && mask && value !== undefined) {
      // The mask broadcast to the input's shape (adding zeros of that shape spreads it), unless it has it.
      const fits = mask.shape.join() === a.shape.join();
      const zeros = fits ? undefined : data.make(a.data.lib, 'int64', a.shape, Array(data.elementCount(a)).fill(0));
      const spread = zeros ? data.binary('+', { array: mask, scalar: false }, { array: zeros, scalar: false }) : mask;
      if (spread && spread.shape.join() === a.shape.join()) {
        const values = () => a.data.values.map((v, i) => (spread.data.values[i] ? value : v));
        return tensorOf(data.deferred(a.data.lib, a.data.dtype, a.shape, values));
      }
    }
    return sameShape(b, s, 'masked_fill: the input with some elements replaced, same shape');
  });

  table.where = rowOf(['condition', 'input', 'other'], 'tm', (b, s) => {
    const parts = ['condition', 'input', 'other'].map((p) => b.get(p));
    if (parts[1] === undefined)
      return unknown('torch.where(condition) (the positions of true elements) is not modelled');
    const tensors = parts.filter((v): v is TensorValue => v?.t === 'tensor');
    if (!tensors.length) return unknown('torch.where() of values that are not tensors');
    if (tensors.every((t) => t.data)) {
      const [c, x, y] = parts.map((v) => operandOf(v, tensors[0].data!.lib));
      const picked = c && x && y && data.binary('*', c, x) && data.binary('*', c, y);
      if (c && x && y && picked) {
        const shape = data.broadcast(data.broadcast(c.array.shape, x.array.shape)!, y.array.shape)!;
        const dtype = data.promote(x.array.data.dtype, y.array.data.dtype, x.array.data.lib, y.scalar);
        const at = (o: typeof c, i: number) =>
          o.array.data.values[o.array.data.values.length === 1 ? 0 : i % o.array.data.values.length];
        const n = shape.reduce((p, d) => p * d, 1);
        if ([c, x, y].every((o) => o.array.data.values.length === 1 || o.array.data.values.length === n)) {
          return tensorOf(
            data.make(
              x.array.data.lib,
              dtype,
              shape,
              Array.from({ length: n }, (_, i) => (at(c, i) ? at(x, i) : at(y, i))),
            ),
          );
        }
      }
    }
    const [first, ...rest] = tensors;
    return kit.op('where', { kind: 'add', broadcast: true }, first, s, rest);
  });

  table.normalize = rowOf(['input', 'p', 'dim', 'eps', 'out'], 'f', (b, s) =>
    sameShape(b, s, 'F.normalize: each vector divided by its norm, same shape'),
  );
  return table;
}
