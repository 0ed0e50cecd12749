/**
 * Pooling rules: max/avg windows (PyTorch ceil_mode, count_include_pad and divisor_override, Keras
 * 'same'), adaptive pooling to a target size, and global pooling (Keras keepdims; max, mean, or
 * PyTorch's `x.sum([2, 3])`). Pooling has no weights and, as in torchinfo, no MACs.
 */
import type { Dim, Shape } from '../../ir/dims';
import type { AdaptivePoolSpec, GlobalPoolSpec, PoolSpec } from '../../ir/layers';
import { error, joinDiagnostics, noInput, noText, type RuleContext, type RuleDiagnostic, type RuleResult } from '../rule';
import { assemble, axisName, locateAxes, rankMismatch, spatialOutput } from './spatial';

const opName = { max: 'MaxPool', avg: 'AvgPool', sum: 'SumPool' } as const;

export function poolRule(spec: PoolSpec, inputs: readonly Shape[], ctx: RuleContext): RuleResult {
  const input = inputs[0];
  if (!input) return noInput(opName[spec.op]);
  const what = `${opName[spec.op]}${spec.rank}d`;
  const axes = locateAxes(input, spec.rank, ctx.layout, what);
  if ('code' in axes) return rankMismatch(input, axes);
  const diagnostics: RuleDiagnostic[] = [];
  if (spec.padding.mode === 'explicit') {
    spec.padding.pads.forEach(([before, after], i) => {
      if (Math.max(before, after) * 2 > spec.kernel[i]) diagnostics.push(error('pool-padding', `${axisName(spec.rank, i)}: pad (${Math.max(before, after)}) should be at most half of the kernel size (${spec.kernel[i]})`));
    });
  }
  const spatial = spatialOutput(input, axes, spec, { ceilMode: spec.ceilMode, explain: ctx.explain });
  return {
    outputs: [assemble(input, axes, input[axes.channelAxis], spatial.dims)],
    weights: [],
    macs: 0,
    window: { kernel: spec.kernel, stride: spec.stride, dilation: spec.dilation },
    arithmetic: ctx.explain ? [...spatial.lines, `C: ${input[axes.channelAxis] ?? '?'} (pooling keeps channels)`, ...(spec.op === 'avg' && spec.countIncludePad === false && spec.divisorOverride === undefined ? ['padding is left out of each average (count_include_pad=False)'] : []), ...(spec.op === 'avg' && spec.divisorOverride !== undefined ? [`each window's sum is divided by ${spec.divisorOverride} (divisor_override)`] : [])] : noText,
    diagnostics: joinDiagnostics(diagnostics, spatial.diagnostics),
  };
}

export function adaptivePoolRule(spec: AdaptivePoolSpec, inputs: readonly Shape[], ctx: RuleContext): RuleResult {
  const input = inputs[0];
  if (!input) return noInput('AdaptivePool');
  const axes = locateAxes(input, spec.rank, ctx.layout, `Adaptive${opName[spec.op]}${spec.rank}d`);
  if ('code' in axes) return rankMismatch(input, axes);
  const dims: Dim[] = axes.spatialAxes.map((axis, i) => spec.outputSize[i] ?? input[axis]);
  return {
    outputs: [assemble(input, axes, input[axes.channelAxis], dims)],
    weights: [],
    macs: 0,
    window: 'global',
    arithmetic: !ctx.explain ? noText : axes.spatialAxes.map((axis, i) => `${axisName(spec.rank, i)}: ${input[axis] ?? '?'} → ${dims[i] ?? '?'} (adaptive: the window adapts to the input)`),
    diagnostics: [],
  };
}

export function globalPoolRule(spec: GlobalPoolSpec, inputs: readonly Shape[], ctx: RuleContext): RuleResult {
  const input = inputs[0];
  if (!input) return noInput('GlobalPool');
  const axes = locateAxes(input, spec.rank, ctx.layout, `Global${opName[spec.op]}${spec.rank}D`);
  if ('code' in axes) return rankMismatch(input, axes);
  const channels = input[axes.channelAxis];
  const output = spec.keepDims ? assemble(input, axes, channels, axes.spatialAxes.map(() => 1)) : [input[0], channels];
  const over = axes.spatialAxes.map((a) => input[a] ?? '?').join('×');
  return {
    outputs: [output],
    weights: [],
    macs: 0,
    window: 'global',
    arithmetic: ctx.explain ? [`${spec.op === 'avg' ? 'mean' : spec.op} over ${over} per channel → ${channels ?? '?'} values${spec.keepDims ? ' (keepdims)' : ''}`] : noText,
    diagnostics: [],
  };
}
