/**
 * Rules that rearrange or combine tensors without weights: Flatten (start_dim/end_dim), Reshape
 * and View (one inferred -1), Permute, zero and other padding (F.pad's reflect / replicate /
 * circular / constant value), upsampling, the elementwise merges (add, multiply, subtract, divide,
 * with broadcasting), concatenation along an axis, split into pieces, reductions, and indexing
 * (`x[:, :c]`, `x[..., 0]`, `x[:, None]`, index tensors and bool masks).
 */
import { broadcastShapes, isKnown, normalizeAxis, type Dim, type Shape } from '../../ir/dims';
import type { ConcatSpec, FlattenSpec, IndexItemSpec, IndexSpec, MergeSpec, PadSpec, PermuteSpec, ReduceSpec, ReshapeSpec, SplitSpec, UpsampleSpec, ZeroPadSpec } from '../../ir/layers';
import { formatInt, productText } from '../format';
import { error, info, noDiagnostics, noInput, noText, type RuleContext, type RuleResult } from '../rule';
import { assemble, axisName, locateAxes, rankMismatch } from './spatial';

function result(output: Dim[], arithmetic: readonly string[], diagnostics: RuleResult['diagnostics'] = noDiagnostics): RuleResult {
  return { outputs: [output], weights: [], macs: 0, arithmetic, diagnostics };
}

function product(dims: readonly Dim[]): Dim {
  return dims.every(isKnown) ? dims.reduce<number>((p, d) => p * (d as number), 1) : null;
}

export function flattenRule(spec: FlattenSpec, inputs: readonly Shape[], ctx: RuleContext): RuleResult {
  const input = inputs[0];
  if (!input) return noInput('Flatten');
  const start = normalizeAxis(spec.startDim, input.length);
  const end = normalizeAxis(spec.endDim, input.length);
  if (start === null || end === null || start > end) {
    return result([...input], noText, [error('bad-axis', `flatten dims ${spec.startDim}..${spec.endDim} do not fit a ${input.length}-D input`)]);
  }
  const merged = input.slice(start, end + 1);
  const size = product(merged);
  const order = spec.dataFormat === 'channels_first' && input.length > 2 ? ["channels are moved last before flattening (data_format='channels_first')"] : [];
  return result([...input.slice(0, start), size, ...input.slice(end + 1)], ctx.explain ? [`${productText(merged)} = ${formatInt(isKnown(size) ? size : null)}`, ...order] : noText);
}

export function reshapeRule(spec: ReshapeSpec, inputs: readonly Shape[], ctx: RuleContext): RuleResult {
  const input = inputs[0];
  if (!input) return noInput('Reshape');
  const source = spec.includesBatch ? input : input.slice(1);
  const target: Dim[] = [...spec.target];
  const inferred = target.filter((d) => d === -1).length;
  if (inferred > 1) return result(spec.includesBatch ? target.map(() => null) : [input[0], ...target.map(() => null)], noText, [error('reshape-size', 'only one dimension can be -1')]);
  // Symbolic dims (the batch N) cancel when both sides carry them.
  const known = (dims: readonly Dim[]) => dims.filter((d): d is number => isKnown(d) && d !== -1).reduce((p, d) => p * d, 1);
  const symbols = (dims: readonly Dim[]) => dims.filter((d) => typeof d === 'string').sort().join(',');
  const unknown = source.some((d) => d === null) || target.some((d) => d === null) || symbols(source) !== symbols(target);
  const diagnostics: RuleResult['diagnostics'][number][] = [];
  if (!unknown) {
    const total = known(source);
    const rest = known(target);
    if (inferred) {
      const missing = total / rest;
      if (!Number.isInteger(missing)) diagnostics.push(error('reshape-size', `cannot reshape ${formatInt(total)} elements into [${spec.target.join(', ')}]: ${formatInt(total)} / ${formatInt(rest)} is not whole`));
      target[target.indexOf(-1)] = Number.isInteger(missing) ? missing : null;
    } else if (total !== rest) {
      diagnostics.push(error('reshape-size', `cannot reshape [${input.join(', ')}] (${formatInt(total)} elements) into [${spec.target.join(', ')}] (${formatInt(rest)})`));
    }
  } else if (inferred) {
    target[target.indexOf(-1)] = null;
  }
  const output = spec.includesBatch ? target : [input[0], ...target];
  return result(output, ctx.explain ? [`[${input.join(', ')}] → [${output.map((d) => d ?? '?').join(', ')}]`] : noText, diagnostics);
}

export function permuteRule(spec: PermuteSpec, inputs: readonly Shape[], ctx: RuleContext): RuleResult {
  const input = inputs[0];
  if (!input) return noInput('Permute');
  const valid = spec.perm.length === input.length && new Set(spec.perm.map((a) => normalizeAxis(a, input.length))).size === input.length && spec.perm.every((a) => normalizeAxis(a, input.length) !== null);
  if (!valid) return result(input.map(() => null), noText, [error('bad-axis', `permutation (${spec.perm.join(', ')}) does not fit a ${input.length}-D input`)]);
  const output = spec.perm.map((a) => input[normalizeAxis(a, input.length)!]);
  return result(output, ctx.explain ? [`axes (${spec.perm.join(', ')}): [${input.join(', ')}] → [${output.join(', ')}]`] : noText);
}

export function zeroPadRule(spec: ZeroPadSpec, inputs: readonly Shape[], ctx: RuleContext): RuleResult {
  return padded(spec, inputs, ctx, `ZeroPadding${spec.rank}D`);
}

/** F.pad in reflect / replicate / circular mode, or constant with a fill value. */
export function padRule(spec: PadSpec, inputs: readonly Shape[], ctx: RuleContext): RuleResult {
  return padded(spec, inputs, ctx, `pad (${spec.mode})`);
}

function padded(spec: ZeroPadSpec | PadSpec, inputs: readonly Shape[], ctx: RuleContext, what: string): RuleResult {
  const input = inputs[0];
  if (!input) return noInput(what);
  if (spec.trailing) return paddedTrailing(spec, input, ctx, what);
  const axes = locateAxes(input, spec.rank, ctx.layout, what);
  if ('code' in axes) return rankMismatch(input, axes);
  const dims = axes.spatialAxes.map((axis, i) => (isKnown(input[axis]) ? (input[axis] as number) + spec.pads[i][0] + spec.pads[i][1] : null));
  const lines = axes.spatialAxes.map((axis, i) => `${axisName(spec.rank, i)}: ${input[axis] ?? '?'} + ${spec.pads[i][0]} + ${spec.pads[i][1]} = ${dims[i] ?? '?'}`);
  const diagnostics: RuleResult['diagnostics'][number][] = [];
  if (spec.kind === 'pad') {
    // PyTorch: a reflection must stay inside the input (pad < size); circular wraps at most once.
    axes.spatialAxes.forEach((axis, i) => {
      const size = input[axis];
      const most = Math.max(...spec.pads[i]);
      if (!isKnown(size)) return;
      if (spec.mode === 'reflect' && most >= size) diagnostics.push(error('pad-too-large', `${axisName(spec.rank, i)}: reflect padding (${most}) must be less than the input size (${size})`));
      if (spec.mode === 'circular' && most > size) diagnostics.push(error('pad-too-large', `${axisName(spec.rank, i)}: circular padding (${most}) must be at most the input size (${size})`));
    });
    lines.push(spec.mode === 'constant' ? `filled with ${spec.value}` : `mode: ${spec.mode}`);
  }
  return result(assemble(input, axes, input[axes.channelAxis], dims), ctx.explain ? lines : noText, diagnostics.length ? diagnostics : noDiagnostics);
}

/** F.pad's own rule: the last `pads.length` axes grow by their pads, whatever the layout. */
function paddedTrailing(spec: ZeroPadSpec | PadSpec, input: Shape, ctx: RuleContext, what: string): RuleResult {
  const first = input.length - spec.pads.length;
  if (first < 0) return { outputs: [input.map(() => null)], weights: [], macs: 0, arithmetic: noText, diagnostics: [error('rank-mismatch', `${what}: ${spec.pads.length} padded axes for a ${input.length}-D input`)] };
  const output = input.map((d, i) => (i < first ? d : isKnown(d) ? d + spec.pads[i - first][0] + spec.pads[i - first][1] : null));
  const lines = spec.pads.map(([before, after], k) => `axis ${first + k}: ${input[first + k] ?? '?'} + ${before} + ${after} = ${output[first + k] ?? '?'}`);
  return result(output, ctx.explain ? lines : noText);
}

export function upsampleRule(spec: UpsampleSpec, inputs: readonly Shape[], ctx: RuleContext): RuleResult {
  const input = inputs[0];
  if (!input) return noInput('Upsample');
  const rank = spec.rank ?? input.length - 2;
  const axes = locateAxes(input, rank, ctx.layout, `Upsample (${rank}-D)`);
  if ('code' in axes) return rankMismatch(input, axes);
  const dims = axes.spatialAxes.map((axis, i) => {
    if (spec.size) return spec.size[i] ?? spec.size[0];
    const scale = spec.scale?.[i] ?? spec.scale?.[0] ?? 1;
    return isKnown(input[axis]) ? Math.floor((input[axis] as number) * scale) : null;
  });
  const lines = axes.spatialAxes.map((axis, i) => (spec.size ? `${axisName(rank, i)}: ${input[axis] ?? '?'} → ${dims[i]} (size)` : `${axisName(rank, i)}: ⌊${input[axis] ?? '?'}·${spec.scale?.[i] ?? spec.scale?.[0]}⌋ = ${dims[i] ?? '?'}`));
  const corners = spec.alignCorners ? ' (align_corners)' : '';
  return result(assemble(input, axes, input[axes.channelAxis], dims), ctx.explain ? [...lines, `mode: ${spec.mode}${corners}`] : noText);
}

const mergeSymbol = {
  add: '+', multiply: '⊗', subtract: '−', divide: '÷', average: 'avg', maximum: 'max', minimum: 'min',
} as const;

export function mergeRule(spec: MergeSpec, inputs: readonly Shape[], ctx: RuleContext): RuleResult {
  if (!inputs.length) return noInput(spec.kind);
  let shape: Dim[] = [...inputs[0]];
  for (const other of inputs.slice(1)) {
    const combined = broadcastShapes(shape, other);
    if ('error' in combined) {
      return result(shape.map(() => null), noText, [error('merge-mismatch', `cannot ${spec.kind} [${inputs.map((s) => s.join(', ')).join('] and [')}]: ${combined.error}`)]);
    }
    shape = combined.shape;
  }
  return result(shape, ctx.explain ? [inputs.map((s) => `[${s.map((d) => d ?? '?').join('×')}]`).join(` ${mergeSymbol[spec.kind]} `) + ` → [${shape.map((d) => d ?? '?').join('×')}]`] : noText);
}

export function concatRule(spec: ConcatSpec, inputs: readonly Shape[], ctx: RuleContext): RuleResult {
  if (!inputs.length) return noInput('Concatenate');
  const rank = inputs[0].length;
  const axis = normalizeAxis(spec.axis, rank);
  if (axis === null || inputs.some((s) => s.length !== rank)) {
    return result(inputs[0].map(() => null), noText, [error('concat-mismatch', `cannot concatenate tensors of ranks ${inputs.map((s) => s.length).join(', ')} along axis ${spec.axis}`)]);
  }
  for (let i = 0; i < rank; i++) {
    if (i === axis) continue;
    const sizes = inputs.map((s) => s[i]).filter(isKnown);
    if (new Set(sizes).size > 1) {
      return result(inputs[0].map(() => null), noText, [error('concat-mismatch', `cannot concatenate along axis ${spec.axis}: dimension ${i} differs (${inputs.map((s) => s[i] ?? '?').join(' vs ')})`)]);
    }
  }
  const parts = inputs.map((s) => s[axis]);
  const total = parts.every(isKnown) ? parts.reduce<number>((a, b) => a + (b as number), 0) : null;
  const output = inputs[0].map((d, i) => (i === axis ? total : inputs.map((s) => s[i]).find(isKnown) ?? d));
  return result(output, ctx.explain ? [`axis ${spec.axis}: ${parts.map((d) => d ?? '?').join(' + ')} = ${output[axis] ?? '?'}`] : noText);
}

export function splitRule(spec: SplitSpec, inputs: readonly Shape[], ctx: RuleContext): RuleResult {
  const input = inputs[0];
  if (!input) return noInput('split');
  const axis = normalizeAxis(spec.axis, input.length);
  if (axis === null) return result([...input], noText, [error('bad-axis', `split dim ${spec.axis} is out of range for a ${input.length}-D input`)]);
  const n = input[axis];
  let sizes: Dim[];
  if (spec.sizes) sizes = [...spec.sizes];
  else if (!isKnown(n)) sizes = Array(spec.chunks ?? 1).fill(null);
  else if (spec.chunks) {
    // torch.chunk: pieces of ⌈n / chunks⌉, fewer pieces if they run out.
    const piece = Math.ceil(n / spec.chunks);
    sizes = [];
    for (let at = 0; at < n; at += piece) sizes.push(Math.min(piece, n - at));
  } else {
    const piece = spec.size ?? n;
    sizes = [];
    for (let at = 0; at < n; at += piece) sizes.push(Math.min(piece, n - at));
  }
  const problems = spec.sizes && isKnown(n) && spec.sizes.reduce((a, b) => a + b, 0) !== n ? [error('split-size', `split sizes ${spec.sizes.join(' + ')} do not add up to ${n}`)] : noDiagnostics;
  const outputs = sizes.map((s) => input.map((d, i) => (i === axis ? s : d)));
  return { outputs, weights: [], macs: 0, arithmetic: ctx.explain ? [`axis ${spec.axis}: ${n ?? '?'} → ${sizes.map((s) => s ?? '?').join(' + ')}`] : noText, diagnostics: problems };
}

export function reduceRule(spec: ReduceSpec, inputs: readonly Shape[], ctx: RuleContext): RuleResult {
  const input = inputs[0];
  if (!input) return noInput(spec.op);
  const axes = spec.axes.map((a) => normalizeAxis(a, input.length));
  if (axes.some((a) => a === null)) return result(input.map(() => null), noText, [error('bad-axis', `${spec.op} over dims (${spec.axes.join(', ')}) does not fit a ${input.length}-D input`)]);
  const output = spec.keepDims ? input.map((d, i) => (axes.includes(i) ? 1 : d)) : input.filter((_, i) => !axes.includes(i));
  return result(output, ctx.explain ? [`${spec.op} over dims (${spec.axes.join(', ')}): [${input.join(', ')}] → [${output.join(', ')}]`] : noText);
}

/** The length of `slice(start, stop, step)` over `n` items, as Python computes it; null when not knowable. */
function sliceLength(n: Dim, bounds: readonly (number | null | '?')[]): Dim {
  const [start, stop, step] = bounds;
  if (step === '?' || step === 0) return null;
  const s = step ?? 1;
  if (start === null && stop === null && s === 1) return n;
  if (start === '?' || stop === '?' || !isKnown(n)) return null;
  const clamp = (v: number, lo: number, hi: number) => Math.min(Math.max(v, lo), hi);
  const at = (v: number | null, dflt: number, lo: number, hi: number) => (v === null ? dflt : clamp(v < 0 ? v + n : v, lo, hi));
  const [from, to] = s > 0 ? [at(start, 0, 0, n), at(stop, n, 0, n)] : [at(start, n - 1, -1, n - 1), at(stop, -1, -1, n - 1)];
  return Math.max(0, Math.ceil((to - from) / s));
}

const consumes = (it: IndexItemSpec): number => ('newAxis' in it || 'ellipsis' in it ? 0 : 'tensor' in it ? it.mask ?? 1 : 1);
const itemText = (it: IndexItemSpec): string =>
  'int' in it ? String(it.int) : 'slice' in it ? it.slice.map((b) => (b === null ? '' : b)).join(':').replace(/:$/, '') || ':' : 'newAxis' in it ? 'None' : 'ellipsis' in it ? '...' : 'tensor' in it ? (it.mask ? 'mask' : 'tensor') : '?';

export function indexRule(spec: IndexSpec, inputs: readonly Shape[], ctx: RuleContext): RuleResult {
  const input = inputs[0];
  if (!input) return noInput('index');
  const text = `[${spec.items.map(itemText).join(', ')}]`;
  const unknownOut = (message: string, code?: string) => result(input.map(() => null), noText, [code ? error(code, message) : info('unknown-index', message)]);
  if (spec.items.some((it) => 'unknown' in it)) return unknownOut(`an index in ${text} is not known statically; the output's shape is unknown`);
  const used = spec.items.reduce((p, it) => p + consumes(it), 0);
  if (used > input.length || spec.items.filter((it) => 'ellipsis' in it).length > 1) return unknownOut(`too many indices ${text} for a ${input.length}-D tensor`, 'bad-index');
  const items: IndexItemSpec[] = spec.items.flatMap((it) => ('ellipsis' in it ? Array.from({ length: input.length - used }, () => ({ slice: [null, null, null] as const })) : [it]));
  while (items.reduce((p, it) => p + consumes(it), 0) < input.length) items.push({ slice: [null, null, null] });
  if (ctx.framework === 'pytorch' && items.some((it) => 'slice' in it && typeof it.slice[2] === 'number' && it.slice[2] <= 0)) return unknownOut(`torch slicing needs a step greater than zero (${text})`, 'bad-index');
  const output: Dim[] = [];
  const advanced: { at: number; shape: Dim[] }[] = [];
  let axis = 0;
  for (const it of items) {
    if ('newAxis' in it) output.push(1);
    else if ('int' in it) {
      const n = input[axis];
      if (isKnown(n) && (it.int >= n || it.int < -n)) return unknownOut(`index ${it.int} is out of bounds for dimension ${axis} with size ${n}`, 'bad-index');
    } else if ('slice' in it) output.push(sliceLength(input[axis], it.slice));
    else if ('tensor' in it) advanced.push({ at: output.length, shape: it.mask ? [null] : [...it.tensor] });
    axis += consumes(it);
  }
  if (advanced.length) {
    // Index tensors broadcast together; their dims go where they stand when adjacent, else first (torch and numpy).
    let shape: Dim[] = [];
    for (const a of advanced) {
      const b = broadcastShapes(shape, a.shape);
      if ('error' in b) return unknownOut(`index tensors of shapes ${advanced.map((x) => `[${x.shape.join(', ')}]`).join(' and ')} do not broadcast`, 'bad-index');
      shape = b.shape;
    }
    const adjacent = advanced.every((a) => a.at === advanced[0].at);
    output.splice(adjacent ? advanced[0].at : 0, 0, ...shape);
  }
  return result(output, ctx.explain ? [`[${input.map((d) => d ?? '?').join(', ')}]${text} → [${output.map((d) => d ?? '?').join(', ')}]`] : noText);
}
