/**
 * Layers that keep their input's shape: activations (PReLU alone has weights), dropout, identity,
 * stochastic depth, rescaling, channel shuffle; and the unknown layer, which passes the shape
 * through when it has one input and says that it assumed so.
 */
import { isKnown, normalizeAxis, type Dim, type Shape } from '../../ir/dims';
import type { ActivationSpec, ChannelShuffleSpec, DropoutSpec, PassThroughSpec, UnknownSpec } from '../../ir/layers';
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

export function activationRule(spec: ActivationSpec, inputs: readonly Shape[], ctx: RuleContext): RuleResult {
  const input = inputs[0];
  if (!input) return noInput('Activation');
  const formula = formulas[spec.fn] ? `${spec.fn}: ${formulas[spec.fn]}, elementwise` : `${spec.fn}, elementwise`;
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
  const text = { identity: 'identity', stochasticDepth: 'drops the whole residual branch at random while training', rescaling: 'x · scale + offset' }[spec.kind];
  return passThrough(inputs, ctx.explain ? [spec.note ? `${text} (${spec.note})` : text] : noText);
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
