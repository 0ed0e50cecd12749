/**
 * Normalisation rules. The parameter conventions differ by framework and matter for totals:
 * PyTorch counts only `nn.Parameter`s (BatchNorm's weight and bias; running mean/var are buffers),
 * while Keras lists moving mean/variance as non-trainable weights (so a Keras BatchNormalization
 * over C channels has 4C parameters, 2C of them non-trainable). Keras Normalization keeps mean,
 * variance and a sample count, all non-trainable. MACs follow torchinfo: trainable params × batch.
 */
import { isKnown, knownProduct, normalizeAxis, type Dim, type Shape } from '../../ir/dims';
import type { BatchNormSpec, GroupNormSpec, LayerNormSpec, NormalizationSpec } from '../../ir/layers';
import { batchOf, error, noInput, noText, paramCount, passThrough, weightLines, type RuleContext, type RuleDiagnostic, type RuleResult, type WeightTensor } from '../rule';

function affineMacs(weights: readonly WeightTensor[], input: Shape): number | null {
  const trainable = paramCount(weights, true);
  return trainable === null ? null : trainable * batchOf(input);
}

/** `, ε = 0.001` when the source gives an eps; the default goes unsaid. */
function epsText(spec: { eps?: number }): string {
  return spec.eps === undefined ? '' : `, ε = ${spec.eps}`;
}

function featureAxis(spec: { axis?: number }, input: Shape, ctx: RuleContext): number | null {
  const axis = spec.axis ?? (ctx.layout === 'channels_first' ? 1 : -1);
  return normalizeAxis(axis, input.length);
}

export function batchNormRule(spec: BatchNormSpec, inputs: readonly Shape[], ctx: RuleContext): RuleResult {
  const input = inputs[0];
  if (!input) return noInput('BatchNorm');
  const axis = featureAxis(spec, input, ctx);
  const diagnostics: RuleDiagnostic[] = [];
  let c: Dim = axis === null ? null : input[axis];
  if (axis === null) diagnostics.push(error('bad-axis', `axis ${spec.axis} is out of range for a ${input.length}-D input`));
  if (spec.numFeatures !== undefined && isKnown(c) && c !== spec.numFeatures) {
    diagnostics.push(error('channel-mismatch', `BatchNorm expects ${spec.numFeatures} features but receives ${c}`, { attribute: 'num_features', value: c }));
  }
  if (!isKnown(c) && spec.numFeatures !== undefined) c = spec.numFeatures;
  const weights: WeightTensor[] = [];
  if (ctx.framework === 'keras') {
    if (spec.scale) weights.push({ name: 'gamma', shape: [c], trainable: true });
    if (spec.center) weights.push({ name: 'beta', shape: [c], trainable: true });
    weights.push({ name: 'moving_mean', shape: [c], trainable: false }, { name: 'moving_variance', shape: [c], trainable: false });
  } else if (spec.scale) {
    weights.push({ name: 'weight', shape: [c], trainable: true }, { name: 'bias', shape: [c], trainable: true });
  }
  return { outputs: [input], weights, macs: affineMacs(weights, input), arithmetic: ctx.explain ? [`normalises each of ${c ?? '?'} channels over the batch${epsText(spec)}`, ...weightLines(weights), ...(ctx.framework === 'pytorch' && spec.trackRunningStats ? [`running_mean, running_var (${c ?? '?'} each) are buffers, not parameters`] : [])] : noText, diagnostics };
}

export function layerNormRule(spec: LayerNormSpec, inputs: readonly Shape[], ctx: RuleContext): RuleResult {
  const input = inputs[0];
  if (!input) return noInput('LayerNorm');
  const diagnostics: RuleDiagnostic[] = [];
  let normalized: Dim[];
  if (spec.normalizedShape) {
    normalized = [...spec.normalizedShape];
    const tail = input.slice(input.length - normalized.length);
    if (tail.length !== normalized.length || tail.some((d, i) => isKnown(d) && d !== normalized[i])) {
      diagnostics.push(error('shape-mismatch', `LayerNorm normalized_shape [${normalized.join(', ')}] does not match the input's trailing dims [${tail.join(', ')}]`));
    }
  } else {
    const axes = (spec.axis ?? [-1]).map((a) => normalizeAxis(a, input.length));
    normalized = axes.map((a) => (a === null ? null : input[a]));
  }
  const names = ctx.framework === 'keras' ? ['gamma', 'beta'] : ['weight', 'bias'];
  const weights: WeightTensor[] = [];
  if (spec.scale) weights.push({ name: names[0], shape: normalized, trainable: true });
  if (spec.center) weights.push({ name: names[1], shape: normalized, trainable: true });
  return { outputs: [input], weights, macs: affineMacs(weights, input), arithmetic: ctx.explain ? [`normalises over the last ${normalized.length} dim(s) [${normalized.map((d) => d ?? '?').join('×')}] per sample${epsText(spec)}`, ...weightLines(weights)] : noText, diagnostics };
}

export function groupNormRule(spec: GroupNormSpec, inputs: readonly Shape[], ctx: RuleContext): RuleResult {
  const input = inputs[0];
  if (!input) return noInput('GroupNorm');
  const axis = ctx.layout === 'channels_first' ? 1 : input.length - 1;
  const seen = input[axis];
  const diagnostics: RuleDiagnostic[] = [];
  if (spec.numChannels !== undefined && isKnown(seen) && seen !== spec.numChannels) {
    diagnostics.push(error('channel-mismatch', `GroupNorm expects ${spec.numChannels} channels but receives ${seen}`, { attribute: 'num_channels', value: seen }));
  }
  const c = isKnown(seen) ? seen : spec.numChannels ?? null;
  if (isKnown(c) && c % spec.groups !== 0) diagnostics.push(error('groups-mismatch', `num_channels (${c}) must be divisible by num_groups (${spec.groups})`));
  const names = ctx.framework === 'keras' ? ['gamma', 'beta'] : ['weight', 'bias'];
  const weights: WeightTensor[] = spec.affine ? names.map((name) => ({ name, shape: [c], trainable: true })) : [];
  return { outputs: [input], weights, macs: affineMacs(weights, input), arithmetic: ctx.explain ? [`${spec.groups} groups of ${isKnown(c) ? c / spec.groups : '?'} channels${epsText(spec)}`, ...weightLines(weights)] : noText, diagnostics };
}

export function normalizationRule(spec: NormalizationSpec, inputs: readonly Shape[], ctx: RuleContext): RuleResult {
  const input = inputs[0];
  if (!input) return noInput('Normalization');
  const features = spec.axis.map((a) => normalizeAxis(a, input.length)).map((a) => (a === null ? null : input[a]));
  const weights: WeightTensor[] =
    spec.adapted === false
      ? []
      : [
          { name: 'mean', shape: features, trainable: false },
          { name: 'variance', shape: features, trainable: false },
          { name: 'count', shape: [], trainable: false },
        ];
  const result = passThrough(inputs, ctx.explain ? [`(x − mean) / √variance per feature (${knownProduct(features) ?? '?'} features)`, ...weightLines(weights)] : noText);
  return { ...result, weights };
}
