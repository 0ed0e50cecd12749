/**
 * Convolution rules: Conv1d/2d/3d (groups, dilation, 'same'/'valid'/explicit padding), Keras
 * DepthwiseConv2D and SeparableConv2D, and transposed convolution. Weights follow each
 * framework's own layout — PyTorch `out×in/g×kH×kW`, Keras `kH×kW×in×out` — and MACs follow
 * torchinfo: every weight and bias element once per output position.
 */
import { isKnown, knownProduct, type Dim, type Shape } from '../../ir/dims';
import type { ConvSpec, ConvTransposeSpec, DepthwiseConvSpec, SeparableConvSpec } from '../../ir/layers';
import { batchOf, error, joinDiagnostics, noInput, noText, paramCount, weightLines, type RuleContext, type RuleDiagnostic, type RuleResult, type WeightTensor } from '../rule';
import { assemble, locateAxes, rankMismatch, spatialOutput } from './spatial';

function mul(a: Dim, b: Dim): Dim {
  return isKnown(a) && isKnown(b) ? a * b : null;
}

function div(a: Dim, b: number): Dim {
  return isKnown(a) ? a / b : null;
}

/** Input channels actually seen, checked against what the source declared. */
function resolveInChannels(seen: Dim, declared: number | undefined, diagnostics: RuleDiagnostic[], what: string): Dim {
  if (declared !== undefined && isKnown(seen) && seen !== declared) {
    diagnostics.push(error('channel-mismatch', `${what} expects ${declared} input channels but receives ${seen}`, { attribute: 'in_channels', value: seen }));
  }
  // The weights are what the constructor declared (PyTorch, ONNX); Keras infers them from the input.
  return declared ?? (isKnown(seen) ? seen : null);
}

function groupsLines(groups: number, cin: Dim, cout: number, perGroup: Dim): string[] {
  if (groups === 1) return [];
  return [groups === cin && groups === cout ? `depthwise: groups = ${groups} = channels` : `groups = ${groups}: each filter sees ${perGroup ?? '?'} of ${cin ?? '?'} channels`];
}

const filterLine = (n: number) => `C: ${n} filter${n === 1 ? '' : 's'}`;

function macsOf(weights: readonly WeightTensor[], input: Shape, outSpatial: readonly Dim[]): number | null {
  const params = paramCount(weights);
  const pos = knownProduct(outSpatial);
  return params === null || pos === null ? null : params * pos * batchOf(input);
}

/** The layer's class as the framework spells it in messages: PyTorch's Conv2d, Keras's Conv2D / Conv2DTranspose. */
const convName = (kind: 'Conv' | 'ConvTranspose', rank: number, ctx: RuleContext): string =>
  ctx.framework === 'keras' ? (kind === 'Conv' ? `Conv${rank}D` : `Conv${rank}DTranspose`) : `${kind}${rank}d`;

export function convRule(spec: ConvSpec, inputs: readonly Shape[], ctx: RuleContext): RuleResult {
  const input = inputs[0];
  if (!input) return noInput('Conv');
  const axes = locateAxes(input, spec.rank, ctx.layout, convName('Conv', spec.rank, ctx));
  if ('code' in axes) return rankMismatch(input, axes);
  const diagnostics: RuleDiagnostic[] = [];
  const name = convName('Conv', spec.rank, ctx);
  const cin = resolveInChannels(input[axes.channelAxis], spec.inChannels, diagnostics, name);
  if (isKnown(cin) && cin % spec.groups !== 0) diagnostics.push(error('groups-mismatch', `in_channels (${cin}) must be divisible by groups (${spec.groups})`));
  if (spec.outChannels % spec.groups !== 0) diagnostics.push(error('groups-mismatch', `out_channels (${spec.outChannels}) must be divisible by groups (${spec.groups})`));
  if (ctx.framework === 'pytorch' && spec.padding.mode === 'same' && spec.stride.some((s) => s !== 1)) {
    diagnostics.push(error('same-padding-stride', "PyTorch does not support padding='same' with stride > 1"));
  }
  const spatial = spatialOutput(input, axes, spec, { explain: ctx.explain });
  const perGroup = div(cin, spec.groups);
  const kernel: WeightTensor =
    ctx.framework === 'keras'
      ? { name: 'kernel', shape: [...spec.kernel, perGroup, spec.outChannels], trainable: true }
      : { name: 'weight', shape: [spec.outChannels, perGroup, ...spec.kernel], trainable: true };
  const weights = spec.bias ? [kernel, { name: 'bias', shape: [spec.outChannels], trainable: true }] : [kernel];
  return {
    outputs: [assemble(input, axes, spec.outChannels, spatial.dims)],
    weights,
    macs: macsOf(weights, input, spatial.dims),
    window: { kernel: spec.kernel, stride: spec.stride, dilation: spec.dilation },
    arithmetic: ctx.explain ? [...spatial.lines, filterLine(spec.outChannels), ...groupsLines(spec.groups, cin, spec.outChannels, perGroup), ...weightLines(weights, true)] : noText,
    diagnostics: joinDiagnostics(diagnostics, spatial.diagnostics),
  };
}

export function depthwiseConvRule(spec: DepthwiseConvSpec, inputs: readonly Shape[], ctx: RuleContext): RuleResult {
  const input = inputs[0];
  if (!input) return noInput('DepthwiseConv');
  const axes = locateAxes(input, spec.rank, ctx.layout, `DepthwiseConv${spec.rank}D`);
  if ('code' in axes) return rankMismatch(input, axes);
  const cin = input[axes.channelAxis];
  const cout = mul(cin, spec.depthMultiplier);
  const spatial = spatialOutput(input, axes, spec, { explain: ctx.explain });
  const kernel: WeightTensor = { name: 'depthwise_kernel', shape: [...spec.kernel, cin, spec.depthMultiplier], trainable: true };
  const weights = spec.bias ? [kernel, { name: 'bias', shape: [cout], trainable: true }] : [kernel];
  return {
    outputs: [assemble(input, axes, cout, spatial.dims)],
    weights,
    macs: macsOf(weights, input, spatial.dims),
    window: { kernel: spec.kernel, stride: spec.stride, dilation: spec.dilation },
    arithmetic: ctx.explain ? [...spatial.lines, `C: ${cin ?? '?'}·${spec.depthMultiplier} = ${cout ?? '?'} (one filter per channel × depth_multiplier)`, ...weightLines(weights, true)] : noText,
    diagnostics: spatial.diagnostics,
  };
}

export function separableConvRule(spec: SeparableConvSpec, inputs: readonly Shape[], ctx: RuleContext): RuleResult {
  const input = inputs[0];
  if (!input) return noInput('SeparableConv');
  const axes = locateAxes(input, spec.rank, ctx.layout, `SeparableConv${spec.rank}D`);
  if ('code' in axes) return rankMismatch(input, axes);
  const cin = input[axes.channelAxis];
  const mid = mul(cin, spec.depthMultiplier);
  const spatial = spatialOutput(input, axes, spec, { explain: ctx.explain });
  const weights: WeightTensor[] = [
    { name: 'depthwise_kernel', shape: [...spec.kernel, cin, spec.depthMultiplier], trainable: true },
    { name: 'pointwise_kernel', shape: [...spec.kernel.map(() => 1), mid, spec.outChannels], trainable: true },
  ];
  if (spec.bias) weights.push({ name: 'bias', shape: [spec.outChannels], trainable: true });
  return {
    outputs: [assemble(input, axes, spec.outChannels, spatial.dims)],
    weights,
    macs: macsOf(weights, input, spatial.dims),
    window: { kernel: spec.kernel, stride: spec.stride, dilation: spec.dilation },
    arithmetic: ctx.explain ? [...spatial.lines, `C: depthwise ${cin ?? '?'}·${spec.depthMultiplier} = ${mid ?? '?'}, then 1×1 pointwise → ${spec.outChannels}`, ...weightLines(weights, true)] : noText,
    diagnostics: spatial.diagnostics,
  };
}

export function convTransposeRule(spec: ConvTransposeSpec, inputs: readonly Shape[], ctx: RuleContext): RuleResult {
  const input = inputs[0];
  if (!input) return noInput('ConvTranspose');
  const axes = locateAxes(input, spec.rank, ctx.layout, convName('ConvTranspose', spec.rank, ctx));
  if ('code' in axes) return rankMismatch(input, axes);
  const diagnostics: RuleDiagnostic[] = [];
  const name = convName('ConvTranspose', spec.rank, ctx);
  const cin = resolveInChannels(input[axes.channelAxis], spec.inChannels, diagnostics, name);
  spec.outputPadding?.forEach((op, i) => {
    if (op >= Math.max(spec.stride[i], spec.dilation[i])) diagnostics.push(error('output-padding', `output_padding (${op}) must be smaller than stride or dilation`));
  });
  const spatial = spatialOutput(input, axes, spec, { transposed: true, outputPadding: spec.outputPadding, explain: ctx.explain });
  const kernel: WeightTensor =
    ctx.framework === 'keras'
      ? { name: 'kernel', shape: [...spec.kernel, spec.outChannels / spec.groups, cin], trainable: true }
      : { name: 'weight', shape: [cin, spec.outChannels / spec.groups, ...spec.kernel], trainable: true };
  const weights = spec.bias ? [kernel, { name: 'bias', shape: [spec.outChannels], trainable: true }] : [kernel];
  return {
    outputs: [assemble(input, axes, spec.outChannels, spatial.dims)],
    weights,
    macs: macsOf(weights, input, spatial.dims),
    window: { kernel: spec.kernel, stride: spec.stride.map((s) => 1 / s), dilation: spec.dilation },
    arithmetic: ctx.explain ? [...spatial.lines, filterLine(spec.outChannels), ...weightLines(weights, true)] : noText,
    diagnostics: joinDiagnostics(diagnostics, spatial.diagnostics),
  };
}
