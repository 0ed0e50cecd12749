/**
 * The rule for `torch.einsum(equation, *operands)`: each operand's subscripts name its axes, an axis
 * named twice must agree in size (a size 1 broadcasts, as torch allows), `...` stands for the axes
 * no letter names and broadcasts across operands, and the output is what follows `->` (or, with no
 * arrow, the ellipsis axes then every letter used once, in alphabetical order). Multiply-accumulates
 * are the size of the whole index space, one per combination of every letter and ellipsis axis.
 */
import { broadcastShapes, isKnown, knownProduct, type Dim, type Shape } from '../../ir/dims';
import type { EinsumSpec } from '../../ir/layers';
import { error, noText, type RuleContext, type RuleDiagnostic, type RuleResult } from '../rule';

/** One side of the equation: the letters of each operand, with `.` standing for the ellipsis. */
interface Terms {
  readonly inputs: readonly string[];
  readonly output: string | undefined;
}

/** Splits an equation into its terms, spaces dropped and `...` turned into one `.`; undefined when malformed. */
function parseEquation(equation: string): Terms | undefined {
  const compact = equation.replace(/\s+/g, '').replace(/\.\.\./g, '.');
  const [lhs, output, ...rest] = compact.split('->');
  if (rest.length || lhs === undefined) return undefined;
  const inputs = lhs.split(',');
  const wellFormed = (t: string) => /^[a-zA-Z.]*$/.test(t) && t.split('.').length <= 2;
  return inputs.every(wellFormed) && (output === undefined || wellFormed(output)) ? { inputs, output } : undefined;
}

/** The implicit output: ellipsis axes, then every letter used exactly once, sorted (upper case first, as torch). */
function implicitOutput(inputs: readonly string[]): string {
  const counts = new Map<string, number>();
  for (const ch of inputs.join('')) if (ch !== '.') counts.set(ch, (counts.get(ch) ?? 0) + 1);
  const once = [...counts]
    .filter(([, n]) => n === 1)
    .map(([ch]) => ch)
    .sort();
  return (inputs.some((t) => t.includes('.')) ? '.' : '') + once.join('');
}

/** No shape: `rank` unknown dims when the output's rank is known, else no output (the tracer makes it unknown). */
const failed = (rank: number | undefined, diagnostics: RuleDiagnostic[]): RuleResult => ({
  outputs: rank === undefined ? [] : [Array<Dim>(rank).fill(null)],
  weights: [],
  macs: null,
  arithmetic: noText,
  diagnostics,
});

export function einsumRule(spec: EinsumSpec, inputs: readonly Shape[], ctx: RuleContext): RuleResult {
  const terms = parseEquation(spec.equation);
  if (!terms)
    return failed(undefined, [error('bad-equation', `einsum(): cannot read the equation '${spec.equation}'`)]);
  if (terms.inputs.length !== inputs.length) {
    return failed(undefined, [
      error(
        'operand-count',
        `einsum(): the equation '${spec.equation}' has ${terms.inputs.length} operands but ${inputs.length} tensors were given`,
      ),
    ]);
  }
  const output = terms.output ?? implicitOutput(terms.inputs);
  const sizes = new Map<string, Dim>();
  const diagnostics: RuleDiagnostic[] = [];
  let ellipsis: Dim[] = [];
  terms.inputs.forEach((term, k) => {
    const shape = inputs[k];
    const letters = term.replace('.', '');
    const spread = shape.length - letters.length;
    if (spread < 0 || (spread > 0 && !term.includes('.'))) {
      diagnostics.push(
        error(
          'rank-mismatch',
          `einsum(): operand ${k} has ${shape.length} dims but its subscripts '${term}' name ${letters.length}`,
        ),
      );
      return;
    }
    let axis = 0;
    for (const ch of term) {
      if (ch === '.') {
        const joined = broadcastShapes(ellipsis, shape.slice(axis, axis + spread));
        if ('error' in joined)
          diagnostics.push(
            error('shape-mismatch', `einsum(): the '...' axes of operand ${k} do not broadcast: ${joined.error}`),
          );
        else ellipsis = joined.shape;
        axis += spread;
        continue;
      }
      const d = shape[axis++];
      const seen = sizes.get(ch);
      if (seen === undefined || seen === 1 || (!isKnown(seen) && isKnown(d))) sizes.set(ch, d);
      else if (isKnown(seen) && isKnown(d) && d !== 1 && d !== seen) {
        diagnostics.push(
          error('shape-mismatch', `einsum(): subscript '${ch}' is ${d} in operand ${k} but ${seen} before`),
        );
      }
    }
  });
  const unknownLetter = [...output].find((ch) => ch !== '.' && !sizes.has(ch));
  if (unknownLetter && !diagnostics.length)
    diagnostics.push(error('bad-equation', `einsum(): output subscript '${unknownLetter}' appears in no operand`));
  if (diagnostics.length) return failed(output.replace('.', '').length + ellipsis.length, diagnostics);
  const shape: Dim[] = [...output].flatMap((ch) => (ch === '.' ? ellipsis : [sizes.get(ch) ?? null]));
  const macs = knownProduct([...ellipsis, ...sizes.values()]);
  const arithmetic = ctx.explain
    ? [`${terms.inputs.join(', ')} → ${output}: ${[...sizes].map(([ch, d]) => `${ch}=${d ?? '?'}`).join(', ')}`]
    : noText;
  return { outputs: [shape], weights: [], macs, arithmetic, diagnostics };
}
