/**
 * Fully connected and lookup layers: PyTorch Linear / Keras Dense act on the last axis of an N-d
 * input (so `[N, L, 512] → [N, L, units]`), and Embedding appends its vector size. A declared
 * `in_features` that disagrees with the incoming size is an error with the value to write instead.
 */
import { isKnown, type Shape } from '../../ir/dims';
import type { DenseSpec, EmbeddingSpec } from '../../ir/layers';
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
