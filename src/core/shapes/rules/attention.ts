/**
 * Rules for tensors a module owns directly and for attention. A parameter (`nn.Parameter` held by
 * a container module: class tokens, position embeddings, LayerScale) takes no input and outputs
 * itself; its one weight is itself. PyTorch's MultiheadAttention projects query, key and value,
 * attends per head and projects back; its weights are named and shaped exactly as torch names
 * them (`in_proj_weight` when key and value share the embedding size, else `q/k/v_proj_weight`;
 * `bias_k`/`bias_v` with add_bias_kv, each adding one key position, as add_zero_attn does).
 * `expand` is here because class tokens are what it broadcasts (`cls_token.expand(B, -1, -1)`).
 */
import { isKnown, type Dim, type Shape } from '../../ir/dims';
import type { ExpandSpec, MultiheadAttentionSpec, ParameterSpec } from '../../ir/layers';
import {
  batchOf,
  error,
  noInput,
  noText,
  weightLines,
  type RuleContext,
  type RuleDiagnostic,
  type RuleResult,
  type WeightTensor,
} from '../rule';

export function parameterRule(spec: ParameterSpec, _inputs: readonly Shape[], ctx: RuleContext): RuleResult {
  const weights: WeightTensor[] = [{ name: spec.attribute, shape: spec.shape, trainable: true }];
  return {
    outputs: [spec.shape],
    weights,
    macs: 0,
    arithmetic: ctx.explain ? ['a tensor the module holds as a parameter', ...weightLines(weights)] : noText,
    diagnostics: [],
  };
}

/** torch's weight tensors for one MultiheadAttention, in `named_parameters()` order. */
function attentionWeights(spec: MultiheadAttentionSpec): WeightTensor[] {
  const e = spec.embedDim;
  const packed = (spec.kdim ?? e) === e && (spec.vdim ?? e) === e;
  const w = (name: string, shape: Dim[]): WeightTensor => ({ name, shape, trainable: true });
  const weights = packed
    ? [w('in_proj_weight', [3 * e, e])]
    : [w('q_proj_weight', [e, e]), w('k_proj_weight', [e, spec.kdim ?? e]), w('v_proj_weight', [e, spec.vdim ?? e])];
  if (spec.bias) weights.push(w('in_proj_bias', [3 * e]));
  if (spec.addBiasKv) weights.push(w('bias_k', [1, 1, e]), w('bias_v', [1, 1, e]));
  weights.push(w('out_proj.weight', [e, e]));
  if (spec.bias) weights.push(w('out_proj.bias', [e]));
  return weights;
}

export function multiheadAttentionRule(
  spec: MultiheadAttentionSpec,
  inputs: readonly Shape[],
  ctx: RuleContext,
): RuleResult {
  const query = inputs[0];
  if (!query) return noInput('MultiheadAttention');
  const key = inputs[1] ?? query;
  const value = inputs[2] ?? key;
  const weights = attentionWeights(spec);
  const diagnostics: RuleDiagnostic[] = [];
  const batched = query.length === 3;
  if (!batched && query.length !== 2)
    diagnostics.push(error('rank-mismatch', `MultiheadAttention expects a 2-D or 3-D query, got ${query.length}-D`));
  const expect = (shape: Shape, size: number, what: string) => {
    const last = shape[shape.length - 1];
    if (isKnown(last) && last !== size)
      diagnostics.push(
        error('features-mismatch', `MultiheadAttention expects ${what} with ${size} features but receives ${last}`),
      );
    if (shape.length !== query.length)
      diagnostics.push(
        error('rank-mismatch', `MultiheadAttention's ${what} is ${shape.length}-D but the query is ${query.length}-D`),
      );
  };
  expect(query, spec.embedDim, 'a query');
  expect(key, spec.kdim ?? spec.embedDim, 'a key');
  expect(value, spec.vdim ?? spec.embedDim, 'a value');
  // Sequence axis 0 (seq, batch, feature) unless batch_first; unbatched inputs are (seq, feature).
  const seqAxis = batched && spec.batchFirst ? 1 : 0;
  const batch: Dim = batched ? query[spec.batchFirst ? 0 : 1] : 1;
  const extra = (spec.addBiasKv ? 1 : 0) + (spec.addZeroAttn ? 1 : 0);
  const l = query[seqAxis];
  const s0 = key[seqAxis];
  const s = isKnown(s0) ? s0 + extra : null;
  const perHead = spec.averageWeights ? [] : [spec.numHeads];
  const attnWeights: Shape = batched ? [batch, ...perHead, l, s] : [...perHead, l, s];
  const output: Shape = [...query.slice(0, -1), spec.embedDim];
  const e = spec.embedDim;
  const macs =
    isKnown(l) && isKnown(s0) && isKnown(s)
      ? batchOf(batched ? [batch] : [1]) *
        (2 * l * e * e + s0 * e * ((spec.kdim ?? e) + (spec.vdim ?? e)) + 2 * l * s * e)
      : null;
  const arithmetic = ctx.explain
    ? [
        `${spec.numHeads} heads of ${e / spec.numHeads} features; ${l ?? '?'} queries attend to ${s ?? '?'} keys${extra ? ` (${extra} added by add_bias_kv / add_zero_attn)` : ''}`,
        ...weightLines(weights),
      ]
    : noText;
  return { outputs: [output, attnWeights], weights, macs, arithmetic, diagnostics };
}

export function expandRule(spec: ExpandSpec, inputs: readonly Shape[], ctx: RuleContext): RuleResult {
  const input = inputs[0];
  if (!input) return noInput('expand');
  const lead = spec.sizes.length - input.length;
  if (lead < 0)
    return {
      outputs: [input.map(() => null)],
      weights: [],
      macs: 0,
      arithmetic: noText,
      diagnostics: [
        error(
          'rank-mismatch',
          `expand() was given ${spec.sizes.length} sizes for a ${input.length}-D tensor; it needs at least ${input.length}`,
        ),
      ],
    };
  const diagnostics: RuleDiagnostic[] = [];
  const output: Dim[] = spec.sizes.map((size, i) => {
    const d = i < lead ? undefined : input[i - lead];
    if (size === -1) {
      if (d === undefined)
        diagnostics.push(error('bad-size', `expand(): -1 is not allowed for the new leading axis ${i}`));
      return d ?? null;
    }
    if (isKnown(d) && d !== 1 && d !== size)
      diagnostics.push(
        error('shape-mismatch', `expand(): axis ${i} has size ${d}, which only expands from 1, not to ${size}`),
      );
    return size;
  });
  return {
    outputs: [output],
    weights: [],
    macs: 0,
    arithmetic: ctx.explain
      ? [`[${input.map((d) => d ?? '?').join(', ')}] repeated as a view to [${output.map((d) => d ?? '?').join(', ')}]`]
      : noText,
    diagnostics,
  };
}
