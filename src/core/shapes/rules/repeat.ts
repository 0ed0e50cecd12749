/**
 * The rule for copying a tensor along its axes: `Tensor.repeat(*sizes)` and `torch.tile(x, dims)`
 * (whole copies, one multiplier per axis aligned to the right, so new leading axes may appear) and
 * `repeat_interleave` (each element along one axis repeated in place, a fixed number of times or
 * to a known total). Copies only: no weights, no MACs.
 */
import { isKnown, normalizeAxis, type Dim, type Shape } from '../../ir/dims';
import type { RepeatSpec } from '../../ir/layers';
import { error, noInput, noText, type RuleContext, type RuleResult } from '../rule';

const times = (d: Dim, n: number): Dim => (n === 1 ? d : isKnown(d) ? d * n : null);

export function repeatRule(spec: RepeatSpec, inputs: readonly Shape[], ctx: RuleContext): RuleResult {
  const input = inputs[0];
  if (!input) return noInput('repeat');
  const done = (output: Dim[], diagnostics: RuleResult['diagnostics'] = []): RuleResult => ({
    outputs: [output],
    weights: [],
    macs: 0,
    diagnostics,
    arithmetic: ctx.explain
      ? [`[${input.map((d) => d ?? '?').join(', ')}] copied to [${output.map((d) => d ?? '?').join(', ')}]`]
      : noText,
  });
  if (spec.interleave) {
    const { axis, count, size } = spec.interleave;
    const at = normalizeAxis(axis, input.length);
    if (at === null)
      return done(
        input.map(() => null),
        [error('bad-axis', `repeat_interleave(): dim ${axis} is out of range for a ${input.length}-D tensor`)],
      );
    const output = [...input];
    output[at] = size ?? (count === undefined ? null : times(input[at], count));
    return done(output);
  }
  const repeats = spec.repeats ?? [];
  const lead = repeats.length - input.length;
  if (lead < 0) {
    return done(
      input.map(() => null),
      [
        error(
          'rank-mismatch',
          `repeat(): ${repeats.length} repeat counts for a ${input.length}-D tensor; it needs at least ${input.length}`,
        ),
      ],
    );
  }
  return done(repeats.map((n, i) => (i < lead ? n : times(input[i - lead], n))));
}
