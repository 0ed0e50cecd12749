/**
 * Layers that keep their input's shape: activations with their constants (PReLU alone has
 * weights), dropout, identity, stochastic depth, rescaling, arithmetic with a number (`x / 6`:
 * no parameters and, as torchinfo counts, no MACs), channel shuffle; and the unknown layer, which
 * passes the shape through when it has one input and says that it assumed so.
 */
import { isKnown, normalizeAxis, type Dim, type Shape } from '../../ir/dims';
import type { ActivationSpec, ChannelShuffleSpec, DropoutSpec, PassThroughSpec, RescalingSpec, ScalarSpec, UnknownSpec } from '../../ir/layers';
import { batchOf, error, info, noInput, noText, passThrough, weightLines, type RuleContext, type RuleResult, type WeightTensor } from '../rule';

const formulas: Partial<Record<ActivationSpec['fn'], string>> = {
  relu: 'max(0, x)',
  relu6: 'min(max(0, x), 6)',
  leakyRelu: 'max(αx, x)',
  sigmoid: '1 / (1 + e^−x)',
  tanh: 'tanh(x)',
  silu: 'x · sigmoid(x)',
  hardswish: 'x · relu6(x + 3) / 6',
  hardsigmoid: 'relu6(x + 3) / 6',
  gelu: 'x · Φ(x)',
  softmax: 'e^x / Σ e^x',
};

/** The formula with the constants the source gives, or the plain one. */
function formulaOf(spec: ActivationSpec): string | undefined {
  const { alpha, maxValue, threshold } = spec;
  switch (spec.fn) {
    case 'relu': {
      if (alpha === undefined && maxValue === undefined && threshold === undefined) break;
      const t = threshold ?? 0;
      const kept = maxValue === undefined ? 'x' : `min(x, ${maxValue})`;
      return `${kept} for x > ${t}, ${alpha ? `${alpha}·(x − ${t})` : '0'} otherwise`;
    }
    case 'leakyRelu':
      return alpha === undefined ? undefined : `max(${alpha}·x, x)`;
    case 'elu':
      return `x for x > 0, ${alpha ?? 'α'}·(e^x − 1) otherwise`;
    case 'gelu':
      return spec.approximate === 'tanh' ? 'x · ½(1 + tanh(√(2/π)·(x + 0.044715x³)))' : undefined;
    case 'softplus':
      return spec.beta === undefined && spec.softplusThreshold === undefined ? 'log(1 + e^x)' : `log(1 + e^(${spec.beta ?? 1}x)) / ${spec.beta ?? 1}, x where ${spec.beta ?? 1}x > ${spec.softplusThreshold ?? 20}`;
  }
  return formulas[spec.fn];
}

export function activationRule(spec: ActivationSpec, inputs: readonly Shape[], ctx: RuleContext): RuleResult {
  const input = inputs[0];
  if (!input) return noInput('Activation');
  const shown = ctx.explain ? formulaOf(spec) : undefined;
  const formula = shown ? `${spec.fn}: ${shown}, elementwise` : `${spec.fn}, elementwise`;
  if ((spec.fn === 'softmax' || spec.fn === 'logSoftmax') && spec.axis !== undefined && normalizeAxis(spec.axis, input.length) === null) {
    return passThrough(inputs, ctx.explain ? [formula] : noText, [error('bad-axis', `softmax dim ${spec.axis} is out of range for a ${input.length}-D input`)]);
  }
  if (spec.fn !== 'prelu') return passThrough(inputs, ctx.explain ? [formula] : noText);
  let alpha: Dim[];
  if (ctx.framework === 'keras') {
    const shared = new Set((spec.preluSharedAxes ?? []).map((a) => a));
    alpha = input.slice(1).map((d, i) => (shared.has(i + 1) ? 1 : d));
  } else {
    alpha = [spec.preluParameters ?? 1];
  }
  const weights: WeightTensor[] = [{ name: ctx.framework === 'keras' ? 'alpha' : 'weight', shape: alpha, trainable: true }];
  const count = alpha.every(isKnown) ? alpha.reduce<number>((p, d) => p * (d as number), 1) : null;
  return { ...passThrough(inputs, ctx.explain ? ['prelu: max(αx, x) with learned α', ...weightLines(weights)] : noText), weights, macs: count === null ? null : count * batchOf(input) };
}

export function dropoutRule(spec: DropoutSpec, inputs: readonly Shape[], ctx: RuleContext): RuleResult {
  return passThrough(inputs, ctx.explain ? [`drops ${Math.round(spec.rate * 100)}% of activations while training; identity at inference`] : noText);
}

export function passThroughRule(spec: PassThroughSpec, inputs: readonly Shape[], ctx: RuleContext): RuleResult {
  const text = { identity: 'identity', stochasticDepth: 'drops the whole residual branch at random while training' }[spec.kind];
  return passThrough(inputs, ctx.explain ? [spec.note ? `${text} (${spec.note})` : text] : noText);
}

const valuesText = (v: number | readonly number[]) => (typeof v === 'number' ? String(v) : `[${v.join(', ')}]`);

export function rescalingRule(spec: RescalingSpec, inputs: readonly Shape[], ctx: RuleContext): RuleResult {
  const input = inputs[0];
  if (!input) return noInput('Rescaling');
  const last = input[input.length - 1];
  const problems = [spec.scale, spec.offset]
    .filter((v): v is readonly number[] => typeof v !== 'number' && isKnown(last) && v.length !== last)
    .map((v) => error('shape-mismatch', `Rescaling has ${v.length} values for ${last} features on the last axis`));
  return passThrough(inputs, ctx.explain ? [`x · ${valuesText(spec.scale)} + ${valuesText(spec.offset)}, elementwise`] : noText, problems);
}

const scalarFormulas: Record<ScalarSpec['op'], (v: string) => string> = {
  add: (v) => `x + ${v}`,
  sub: (v) => `x − ${v}`,
  rsub: (v) => `${v} − x`,
  mul: (v) => `x · ${v}`,
  div: (v) => `x / ${v}`,
  rdiv: (v) => `${v} / x`,
  neg: () => '−x',
  pow: (v) => `x^${v}`,
  rpow: (v) => `${v}^x`,
};

/** A tensor with a Python number: the same shape, no parameters, no MACs (torchinfo counts none). */
export function scalarRule(spec: ScalarSpec, inputs: readonly Shape[], ctx: RuleContext): RuleResult {
  if (!inputs[0]) return noInput(spec.op);
  return passThrough(inputs, ctx.explain ? [`${scalarFormulas[spec.op](String(spec.value))}, elementwise; no parameters`] : noText);
}

export function channelShuffleRule(spec: ChannelShuffleSpec, inputs: readonly Shape[], ctx: RuleContext): RuleResult {
  const input = inputs[0];
  if (!input) return noInput('ChannelShuffle');
  const c = input[ctx.layout === 'channels_first' ? 1 : input.length - 1];
  const problems = isKnown(c) && c % spec.groups !== 0 ? [error('groups-mismatch', `channels (${c}) must be divisible by groups (${spec.groups})`)] : [];
  return passThrough(inputs, ctx.explain ? [`interleaves ${spec.groups} groups of ${isKnown(c) ? c / spec.groups : '?'} channels`] : noText, problems);
}

export function unknownRule(spec: UnknownSpec, inputs: readonly Shape[], ctx: RuleContext): RuleResult {
  const what = spec.reason ? `${spec.className} could not be built (${spec.reason})` : `${spec.className} is not a layer CNN Lens knows`;
  if (spec.declaredShape && inputs[0]) {
    const shape = [inputs[0][0], ...spec.declaredShape];
    const text = `${what}; its output shape is the output_shape it declares`;
    const arithmetic = ctx.explain ? [text] : noText;
    return { outputs: [shape], weights: [], macs: null, arithmetic, diagnostics: [info('unknown-layer', text)] };
  }
  if (inputs.length === 1) {
    return passThrough(inputs, ctx.explain ? [`${what}; assumed to keep its input's shape`] : noText, [info('unknown-layer', `${what}; its output shape is assumed equal to its input's and its parameters are not counted`)]);
  }
  return {
    outputs: [inputs[0] ? inputs[0].map(() => null) : []],
    weights: [],
    macs: null,
    arithmetic: ctx.explain ? [what] : noText,
    diagnostics: [info('unknown-layer', `${what}; its output shape is unknown`)],
  };
}
