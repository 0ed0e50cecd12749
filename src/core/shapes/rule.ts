/**
 * The contract every shape rule meets: a pure function from (spec, input shapes, context) to
 * output shapes, the layer's weights in its framework's own convention, MACs, the window it
 * slides (for the receptive field), the arithmetic as text, and diagnostics. Rules never throw on
 * unknown sizes: unknown in, unknown out.
 */
import { isKnown, knownProduct, type Dim, type Layout, type Shape } from '../ir/dims';
import type { Framework } from '../ir/graph';
import { formatInt, productText } from './format';

export interface WeightTensor {
  /** `weight`, `bias`, `running_mean` (PyTorch) or `kernel`, `bias`, `moving_mean` (Keras). */
  readonly name: string;
  readonly shape: readonly Dim[];
  readonly trainable: boolean;
}

export type Severity = 'error' | 'warning' | 'info';

export interface RuleDiagnostic {
  readonly severity: Severity;
  /** Stable id, e.g. `channel-mismatch`, for quick fixes and tests. */
  readonly code: string;
  readonly message: string;
  /** For quick fixes: the attribute to rewrite and its correct value. */
  readonly fix?: { readonly attribute: string; readonly value: number };
}

/** How the layer's window moves over each spatial axis, for receptive-field tracking. */
export type SpatialWindow = { readonly kernel: readonly number[]; readonly stride: readonly number[]; readonly dilation: readonly number[] } | 'global';

export interface RuleResult {
  readonly outputs: readonly Shape[];
  readonly weights: readonly WeightTensor[];
  /** Multiply-accumulates for the whole batch (per sample when the batch is symbolic); null if unknown. */
  readonly macs: number | null;
  readonly window?: SpatialWindow;
  /** Lines of arithmetic for hover: `H: ⌊(224 + 2·3 − 7) / 2⌋ + 1 = 112`, `params = 64·3·7·7 = 9,408`. */
  /** Empty unless the context asked for an explanation (`explain`), which hovers do. */
  readonly arithmetic: readonly string[];
  readonly diagnostics: readonly RuleDiagnostic[];
}

export interface RuleContext {
  readonly framework: Framework;
  readonly layout: Layout;
  /**
   * Write the arithmetic as text. The pass leaves it off — it runs on every keystroke over every
   * layer — and hovers re-run the one rule they show with it on.
   */
  readonly explain?: boolean;
}

/** The arithmetic of a rule run without `explain`. */
export const noText: readonly string[] = Object.freeze([]);

export type Rule<S> = (spec: S, inputs: readonly Shape[], context: RuleContext) => RuleResult;

export function weightCount(w: WeightTensor): number | null {
  return knownProduct(w.shape);
}

/** Sum of known weight counts, or null when any is unknown. */
export function paramCount(weights: readonly WeightTensor[], trainable?: boolean): number | null {
  let total = 0;
  for (const w of weights) {
    if (trainable !== undefined && w.trainable !== trainable) continue;
    const n = weightCount(w);
    if (n === null) return null;
    total += n;
  }
  return total;
}

/** The batch size for MAC counts: the known batch, or 1 (per sample) when symbolic or unknown. */
export function batchOf(shape: Shape): number {
  return isKnown(shape[0]) ? shape[0] : 1;
}

/** Shared empty list: most layers have no diagnostics, and the pass allocates per layer. */
export const noDiagnostics: readonly RuleDiagnostic[] = Object.freeze([]);

/** Both lists, without allocating when both are empty. */
export function joinDiagnostics(a: readonly RuleDiagnostic[], b: readonly RuleDiagnostic[]): readonly RuleDiagnostic[] {
  return !a.length ? (b.length ? b : noDiagnostics) : !b.length ? a : [...a, ...b];
}

export function error(code: string, message: string, fix?: RuleDiagnostic['fix']): RuleDiagnostic {
  return { severity: 'error', code, message, fix };
}

export function warning(code: string, message: string): RuleDiagnostic {
  return { severity: 'warning', code, message };
}

export function info(code: string, message: string): RuleDiagnostic {
  return { severity: 'info', code, message };
}

/** A rule result for layers that keep their input's shape and own no weights. */
export function passThrough(inputs: readonly Shape[], arithmetic: readonly string[] = noText, diagnostics: readonly RuleDiagnostic[] = noDiagnostics): RuleResult {
  return { outputs: inputs.length ? [inputs[0]] : [], weights: [], macs: 0, arithmetic, diagnostics };
}

/** What every rule returns when it has no input shape to work from. */
export function noInput(kind: string): RuleResult {
  return { outputs: [], weights: [], macs: null, arithmetic: noText, diagnostics: [error('no-input', `${kind} was applied to nothing`)] };
}

/**
 * `weight 64×3×7×7, bias 64` and `params = 64·3·7·7 + 64 = 9,472`; non-trainable weights (Keras
 * moving statistics) are totalled on a line of their own.
 */
export function weightLines(weights: readonly WeightTensor[], mentionMissingBias = false): string[] {
  if (!weights.length) return ['no parameters'];
  const lines = [weights.map((w) => `${w.name} ${w.shape.map((d) => d ?? '?').join('×')}`).join(', ')];
  const noBias = mentionMissingBias && !weights.some((w) => w.name === 'bias') ? ' (no bias)' : '';
  for (const trainable of [true, false]) {
    const group = weights.filter((w) => w.trainable === trainable);
    if (!group.length) continue;
    const terms = group.map((w) => productText(w.shape)).join(' + ');
    const label = trainable ? 'params' : 'non-trainable';
    lines.push(`${label} = ${terms} = ${formatInt(paramCount(group))}${trainable ? noBias : ''}`);
  }
  return lines;
}
