/**
 * The output-length arithmetic conv, pooling and transposed conv share (one helper, as in
 * tfjs-layers' conv_utils), each returning the number and the formula as the course writes it:
 * `⌊(224 + 2·3 − 7) / 2⌋ + 1 = 112`. PyTorch and Keras differ only in how 'same' pads and in
 * PyTorch's ceil_mode rule; both are spelled out here.
 */
import { isKnown, type Dim } from '../ir/dims';
import type { Padding } from '../ir/layers';

export interface AxisLength {
  readonly out: Dim;
  /** The formula with numbers filled in, e.g. `⌊(224 + 2·3 − 7) / 2⌋ + 1 = 112`. */
  /** The formula with numbers filled in; '' unless asked for (`explain`), to keep the pass fast. */
  readonly text: string;
  /** Padding actually applied (known once the input size is). */
  readonly pads: readonly [number, number] | null;
}

export interface AxisWindow {
  readonly kernel: number;
  readonly stride: number;
  readonly dilation: number;
}

/** The kernel's span once dilated: d·(f−1)+1. */
export function effectiveKernel(kernel: number, dilation: number): number {
  return dilation * (kernel - 1) + 1;
}

/**
 * Padding that 'same' implies for one axis: total = max((⌈n/s⌉−1)·s + d·(f−1)+1 − n, 0), split
 * with the smaller half first (Keras/TF and PyTorch both put the odd pixel after).
 */
export function samePadding(n: number, w: AxisWindow): [number, number] {
  const out = Math.ceil(n / w.stride);
  const total = Math.max((out - 1) * w.stride + effectiveKernel(w.kernel, w.dilation) - n, 0);
  return [Math.floor(total / 2), total - Math.floor(total / 2)];
}

const noPadding: readonly [number, number] = [0, 0];

/** Output length of a conv or pooling window sliding over `n` input positions. */
export function windowOutputLength(n: Dim, w: AxisWindow, padding: Padding, axis: number, ceilMode = false, explain = true): AxisLength {
  if (!isKnown(n)) return { out: null, text: explain ? `${n ?? '?'} → ? (input size unknown)` : '', pads: padding.mode === 'explicit' ? padding.pads[axis] : null };
  if (padding.mode === 'same') {
    const out = Math.ceil(n / w.stride);
    const pads = samePadding(n, w);
    if (!explain) return { out, text: '', pads };
    const padText = pads[0] === pads[1] ? `padding 'same': p = ${pads[0]}` : `padding 'same' adds ${pads[0]} + ${pads[1]}`;
    if (w.stride !== 1) return { out, text: `⌈${n} / ${w.stride}⌉ = ${out} (${padText})`, pads };
    // Stride 1: the course formula with the padding 'same' chose, which gives back n.
    return { out, text: `${explicitText(n, w, pads, false, out, false)} (${padText})`, pads };
  }
  const pads = padding.mode === 'valid' ? noPadding : padding.pads[axis];
  const span = (n + pads[0] + pads[1] - effectiveKernel(w.kernel, w.dilation)) / w.stride;
  let out = (ceilMode ? Math.ceil(span) : Math.floor(span)) + 1;
  // PyTorch (and ONNX) ceil_mode: the last window must start inside the input or the left padding.
  const dropped = ceilMode && (out - 1) * w.stride >= n + pads[0];
  if (dropped) out -= 1;
  return { out, text: explain ? explicitText(n, w, pads, ceilMode, out, dropped) : '', pads };
}

/** `⌊(224 + 2·3 − 7) / 2⌋ + 1 = 112`, the course formula; the dilated form when d > 1. */
function explicitText(n: number, w: AxisWindow, pads: readonly [number, number], ceilMode: boolean, out: number, dropped: boolean): string {
  const padTerm = pads[0] === pads[1] ? (pads[0] ? ` + 2·${pads[0]}` : '') : ` + ${pads[0]} + ${pads[1]}`;
  const kernelTerm = w.dilation === 1 ? ` − ${w.kernel}` : ` − ${w.dilation}·(${w.kernel}−1) − 1`;
  const [open, close] = ceilMode ? ['⌈', '⌉'] : ['⌊', '⌋'];
  const result = dropped ? `${out + 1} − 1 = ${out} (ceil_mode: the last window would start in the right padding, so it is dropped)` : String(out);
  return `${open}(${n}${padTerm}${kernelTerm}) / ${w.stride}${close} + 1 = ${result}`;
}

/**
 * Transposed conv: PyTorch `(n−1)·s − 2p + d·(f−1) + output_padding + 1`; Keras 'valid'
 * `n·s + max(f − s, 0)`, 'same' `n·s` (or the PyTorch form with p = f//2 when output_padding is set).
 */
export function transposedOutputLength(n: Dim, w: AxisWindow, padding: Padding, axis: number, outputPadding: number | undefined, explain = true): AxisLength {
  const f = effectiveKernel(w.kernel, w.dilation);
  if (!isKnown(n)) return { out: null, text: explain ? '? (input size unknown)' : '', pads: null };
  if (padding.mode !== 'explicit' && outputPadding === undefined) {
    const out = padding.mode === 'same' ? n * w.stride : n * w.stride + Math.max(f - w.stride, 0);
    const text = !explain ? '' : padding.mode === 'same' ? `${n}·${w.stride} = ${out} (padding 'same')` : `${n}·${w.stride} + max(${f} − ${w.stride}, 0) = ${out}`;
    return { out, text, pads: null };
  }
  const p: [number, number] = padding.mode === 'explicit' ? [padding.pads[axis][0], padding.pads[axis][1]] : padding.mode === 'same' ? [Math.floor(f / 2), Math.floor(f / 2)] : [0, 0];
  const op = outputPadding ?? 0;
  const out = (n - 1) * w.stride - p[0] - p[1] + f + op;
  const padTerm = p[0] === p[1] ? (p[0] ? ` − 2·${p[0]}` : '') : ` − ${p[0]} − ${p[1]}`;
  const kernelTerm = w.dilation === 1 ? ` + ${w.kernel}` : ` + ${w.dilation}·(${w.kernel}−1) + 1`;
  return { out, text: explain ? `(${n} − 1)·${w.stride}${padTerm}${kernelTerm}${op ? ` + ${op}` : ''} = ${out}` : '', pads: p };
}
