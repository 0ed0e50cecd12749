/**
 * Rows of the torch function table that copy a tensor along its axes: `Tensor.repeat(*sizes)`,
 * `torch.tile(x, dims)` and `torch.repeat_interleave(x, repeats, dim)` (positional embeddings
 * repeated over time, tokens over windows). Each is a `repeat` node on a symbolic tensor and
 * computes the values of a small tensor built from constants.
 */
import { normalizeAxis } from '../../ir/dims';
import type { RepeatSpec } from '../../ir/layers';
import { arrayOf, tensorOf } from './arrayValues';
import { Bound, rowOf, type TorchFunction, type TorchKit } from './torchFunctions';
import * as data from './tensorData';
import { unknown, type CallSite, type Value } from './values';

/** A repeat spec that may still carry repeat_interleave's per-element counts (the node keeps their sum). */
type Copies = RepeatSpec & { readonly interleave?: { readonly counts?: readonly number[] } };

/** The values of `a` copied as `spec` says (its axis already normalised); undefined when they do not fit. */
function repeated(a: data.DataArray, spec: Copies): data.DataArray | undefined {
  const rank = Math.max(a.shape.length, spec.repeats?.length ?? 0);
  const shape = [...Array<number>(rank - a.shape.length).fill(1), ...a.shape];
  // For each axis, the source position of every output position along it.
  let sources: number[][];
  if (spec.interleave) {
    const { axis, count } = spec.interleave;
    const counts = spec.interleave.counts ?? Array<number>(shape[axis]).fill(count ?? 0);
    if (counts.length !== shape[axis]) return undefined;
    sources = shape.map((n, i) =>
      i === axis ? counts.flatMap((c, j) => Array<number>(c).fill(j)) : [...Array(n).keys()],
    );
  } else {
    const repeats = spec.repeats!;
    sources = shape.map((n, i) => Array.from({ length: n * repeats[i] }, (_, k) => k % n));
  }
  const outShape = sources.map((s) => s.length);
  if (outShape.reduce((p, d) => p * d, 1) > data.maxDataElements) return undefined;
  const strides = shape.map((_, i) => shape.slice(i + 1).reduce((p, d) => p * d, 1));
  let offsets = [0];
  sources.forEach((s, i) => (offsets = offsets.flatMap((o) => s.map((j) => o + j * strides[i]))));
  return data.make(
    a.data.lib,
    a.data.dtype,
    outShape,
    offsets.map((o) => a.data.values[o]),
  );
}

export function repeatFunctions(kit: TorchKit): Record<string, TorchFunction> {
  const table: Record<string, TorchFunction> = {};
  /** Applies a repeat spec: values when the input's are known, else a node. */
  const apply = (b: Bound, spec: Copies, s: CallSite, input = b.get('input')): Value => {
    const a = arrayOf(input);
    const out = a && repeated(a, spec);
    if (out) return tensorOf(out);
    if (!spec.interleave) return kit.op(b.name, spec, input, s);
    const { counts, ...interleave } = spec.interleave;
    const size = counts?.reduce((p, c) => p + c, 0);
    return kit.op(
      b.name,
      { kind: 'repeat', interleave: size === undefined ? interleave : { ...interleave, size } },
      input,
      s,
    );
  };

  table.repeat = rowOf(['input', '*sizes'], 'm', (b, s) => {
    const repeats = b.ints('sizes');
    return repeats ? apply(b, { kind: 'repeat', repeats }, s) : unknown('repeat() of sizes not known statically');
  });
  table.tile = rowOf(['input', 'dims'], 'tm', (b, s) => {
    const x = b.get('input');
    const dims = b.ints('dims');
    if (!dims || x?.t !== 'tensor') return unknown('torch.tile() of dims not known statically');
    return apply(
      b,
      { kind: 'repeat', repeats: [...Array<number>(Math.max(0, x.shape.length - dims.length)).fill(1), ...dims] },
      s,
    );
  });
  table.repeat_interleave = rowOf(['input', 'repeats', 'dim', 'output_size'], 'tm', (b, s) => {
    let x = b.get('input');
    const given = b.get('repeats');
    const repeats = arrayOf(given);
    const count = given?.t === 'int' ? given.v : repeats?.shape.length === 0 ? repeats.data.values[0] : undefined;
    const counts = repeats && repeats.shape.length === 1 ? [...repeats.data.values] : undefined;
    if (x?.t !== 'tensor' || (count === undefined && !counts))
      return unknown('repeat_interleave() of repeats not known statically');
    // No dim: the flattened tensor is repeated.
    const dim = b.get('dim');
    if (!dim || dim.t === 'none') {
      x = flattened(b, x, s);
      if (x.t !== 'tensor') return x;
    }
    const axis = dim && dim.t !== 'none' ? b.num('dim') : 0;
    const at = axis === undefined ? null : normalizeAxis(axis, x.shape.length);
    if (at === null) return unknown('repeat_interleave() along a dim not known statically');
    return apply(
      b,
      { kind: 'repeat', interleave: { axis: at, ...(count === undefined ? { counts } : { count }) } },
      s,
      x,
    );
  });
  return table;

  function flattened(b: Bound, x: Value, s: CallSite): Value {
    const a = arrayOf(x);
    if (a) return tensorOf({ shape: [data.elementCount(a)], data: a.data });
    return kit.op(b.name, { kind: 'flatten', startDim: 0, endDim: -1 }, x, s);
  }
}
