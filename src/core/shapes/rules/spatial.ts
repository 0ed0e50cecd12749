/**
 * The part conv, transposed conv and pooling rules share: check the input's rank, find the channel
 * and spatial axes for the layout, run the window arithmetic per spatial axis (H, W / L / D, H, W),
 * and report non-positive sizes with the failing arithmetic.
 */
import { channelAxis, isKnown, spatialAxes, type Dim, type Layout, type Shape } from '../../ir/dims';
import type { Padding } from '../../ir/layers';
import { effectiveKernel, transposedOutputLength, windowOutputLength } from '../convArithmetic';
import { error, noDiagnostics, noText, type RuleDiagnostic, type RuleResult } from '../rule';

export interface SpatialInput {
  readonly channelAxis: number;
  readonly spatialAxes: readonly number[];
}

export interface SpatialOutput {
  readonly dims: Dim[];
  /** `H: ⌊(224 + 2·3 − 7) / 2⌋ + 1 = 112` per axis; empty unless explaining. */
  readonly lines: readonly string[];
  readonly diagnostics: readonly RuleDiagnostic[];
}

const axisNames: Record<number, readonly string[]> = { 1: ['L'], 2: ['H', 'W'], 3: ['D', 'H', 'W'] };

export function axisName(rank: number, i: number): string {
  return axisNames[rank]?.[i] ?? `dim${i}`;
}

/** Locates the axes, or explains why the input's rank does not fit a `rank`-D layer. */
export function locateAxes(input: Shape, rank: number, layout: Layout, what: string): SpatialInput | RuleDiagnostic {
  if (input.length !== rank + 2) {
    const expected = layout === 'channels_first' ? ['N', 'C', ...axisNames[rank]] : ['N', ...axisNames[rank], 'C'];
    return error('rank-mismatch', `${what} expects a ${rank + 2}-D input (${expected.join(', ')}) but got ${input.length}-D [${input.join(', ')}]`);
  }
  return { channelAxis: channelAxis(layout, input.length), spatialAxes: spatialAxes(layout, input.length) };
}

/** What a windowed rule returns for an input of the wrong rank: unknown sizes and the reason. */
export function rankMismatch(input: Shape, problem: RuleDiagnostic): RuleResult {
  return { outputs: [input.map(() => null)], weights: [], macs: null, arithmetic: noText, diagnostics: [problem] };
}

interface Window {
  readonly rank: number;
  readonly kernel: readonly number[];
  readonly stride: readonly number[];
  readonly dilation: readonly number[];
  readonly padding: Padding;
}

export function spatialOutput(input: Shape, axes: SpatialInput, w: Window, options: { ceilMode?: boolean; transposed?: boolean; outputPadding?: readonly number[]; explain?: boolean } = {}): SpatialOutput {
  const dims: Dim[] = [];
  const lines: string[] = [];
  let found: RuleDiagnostic[] | undefined;
  for (let i = 0; i < axes.spatialAxes.length; i++) {
    const n = input[axes.spatialAxes[i]];
    const win = { kernel: w.kernel[i], stride: w.stride[i], dilation: w.dilation[i] };
    const length = (explain: boolean) => (options.transposed ? transposedOutputLength(n, win, w.padding, i, options.outputPadding?.[i], explain) : windowOutputLength(n, win, w.padding, i, options.ceilMode, explain));
    const result = length(!!options.explain);
    if (options.explain) lines.push(`${axisName(w.rank, i)}: ${result.text}`);
    if (isKnown(result.out) && result.out <= 0) {
      const name = axisName(w.rank, i);
      const padded = isKnown(n) && result.pads ? n + result.pads[0] + result.pads[1] : null;
      const f = effectiveKernel(win.kernel, win.dilation);
      (found ??= []).push(
        padded !== null && padded < f
          ? error('kernel-too-large', `${name}: the ${f}-wide window is larger than the padded input (${padded}): ${length(true).text}`)
          : error('non-positive-size', `${name}: output size ${result.out} is not positive: ${length(true).text}`),
      );
    }
    dims.push(result.out);
  }
  return { dims, lines, diagnostics: found ?? noDiagnostics };
}

/** Rebuilds a full shape with new channel and spatial dims in the layout's order. */
export function assemble(input: Shape, axes: SpatialInput, channels: Dim, spatial: readonly Dim[]): Dim[] {
  const out = [...input];
  out[axes.channelAxis] = channels;
  axes.spatialAxes.forEach((axis, i) => (out[axis] = spatial[i]));
  return out;
}
