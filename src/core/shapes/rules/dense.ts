/**
 * Fully connected and lookup layers: PyTorch Linear / Keras Dense act on the last axis of an N-d
 * input (so `[N, L, 512] → [N, L, units]`), and Embedding appends its vector size. A declared
 * `in_features` that disagrees with the incoming size is an error with the value to write instead.
 * A matrix product of two tensors (`q @ k.transpose(-2, -1)`, `F.linear(x, w)`) follows torch.matmul.
 */
import { broadcastShapes, isKnown, type Dim, type Shape } from '../../ir/dims';
import type { DenseSpec, EmbeddingSpec, MatmulSpec } from '../../ir/layers';
import { formatInt } from '../format';
import { error, noInput, noText, paramCount, weightLines, type RuleContext, type RuleDiagnostic, type RuleResult, type WeightTensor } from '../rule';

export function denseRule(spec: DenseSpec, inputs: readonly Shape[], ctx: RuleContext): RuleResult {
  const input = inputs[0];
  if (!input) return noInput('Dense');
  if (input.length < 1) return { outputs: [[spec.units]], weights: [], macs: null, arithmetic: noText, diagnostics: [error('rank-mismatch', 'Linear needs at least a 1-D input')] };
  const diagnostics: RuleDiagnostic[] = [];
  const seen = input[input.length - 1];
  if (spec.inFeatures !== undefined && isKnown(seen) && seen !== spec.inFeatures) {
    diagnostics.push(error('features-mismatch', `Linear expects ${formatInt(spec.inFeatures)} input features but receives ${formatInt(seen)} (input [${input.join(', ')}])`, { attribute: 'in_features', value: seen }));
  }
  // The weights are what the constructor declared (PyTorch); Keras infers them from the input.
  const inFeatures = spec.inFeatures ?? (isKnown(seen) ? seen : null);
  const kernel: WeightTensor = ctx.framework === 'keras' ? { name: 'kernel', shape: [inFeatures, spec.units], trainable: true } : { name: 'weight', shape: [spec.units, inFeatures], trainable: true };
  const weights = spec.bias ? [kernel, { name: 'bias', shape: [spec.units], trainable: true }] : [kernel];
  const rows = input.slice(0, -1).reduce<number>((p, d, i) => p * (isKnown(d) ? d : i === 0 ? 1 : NaN), 1);
  const params = paramCount(weights);
  return {
    outputs: [[...input.slice(0, -1), spec.units]],
    weights,
    macs: params === null || Number.isNaN(rows) ? null : params * rows,
    arithmetic: ctx.explain ? [`${inFeatures ?? '?'} → ${spec.units} features`, ...weightLines(weights, true)] : noText,
    diagnostics,
  };
}

export function embeddingRule(spec: EmbeddingSpec, inputs: readonly Shape[], ctx: RuleContext): RuleResult {
  const input = inputs[0];
  if (!input) return noInput('Embedding');
  const weights: WeightTensor[] = [{ name: ctx.framework === 'keras' ? 'embeddings' : 'weight', shape: [spec.numEmbeddings, spec.embeddingDim], trainable: true }];
  return {
    outputs: [[...input, spec.embeddingDim]],
    weights,
    // A lookup multiplies nothing.
    macs: 0,
    arithmetic: ctx.explain ? [`each of ${spec.numEmbeddings} indices → a ${spec.embeddingDim}-vector`, ...weightLines(weights)] : noText,
    diagnostics: [],
  };
}

export function matmulRule(spec: MatmulSpec, inputs: readonly Shape[], ctx: RuleContext): RuleResult {
  const [a, given] = inputs;
  if (!a || !given) return noInput('matmul');
  const b = spec.transposeB && given.length >= 2 ? [...given.slice(0, -2), given[given.length - 1], given[given.length - 2]] : given;
  const fail = (message: string): RuleResult => ({ outputs: [[null]], weights: [], macs: null, arithmetic: noText, diagnostics: [error('shape-mismatch', message)] });
  if (!a.length || !b.length) return fail('matmul: both arguments need at least 1 dimension');
  // A vector becomes a matrix for the product, and its axis leaves the output again.
  const left = a.length === 1 ? [1, a[0]] : a;
  const right = b.length === 1 ? [b[0], 1] : b;
  const [n, k] = left.slice(-2);
  const [k2, m] = right.slice(-2);
  if (isKnown(k) && isKnown(k2) && k !== k2) {
    return fail(`matmul: [${a.map((d) => d ?? '?').join(', ')}] and [${b.map((d) => d ?? '?').join(', ')}] cannot be multiplied (${k} ≠ ${k2})`);
  }
  const batch = broadcastShapes(left.slice(0, -2), right.slice(0, -2));
  if ('error' in batch) return fail(`matmul: the batch axes do not broadcast (${batch.error})`);
  const output: Dim[] = [...batch.shape, ...(a.length === 1 ? [] : [n]), ...(b.length === 1 ? [] : [m])];
  const inner = isKnown(k) ? k : k2;
  const count = [...batch.shape, n, m, inner].reduce<number | null>((p, d) => (p !== null && isKnown(d) ? p * d : null), 1);
  return {
    outputs: [output],
    weights: [],
    macs: count,
    arithmetic: ctx.explain ? [`[${n ?? '?'} × ${inner ?? '?'}] · [${inner ?? '?'} × ${m ?? '?'}] for each of ${batch.shape.length ? batch.shape.map((d) => d ?? '?').join(' × ') : 'one'} pair`] : noText,
    diagnostics: [],
  };
}
