/**
 * Runs a small Python source through the evaluator alone (parsePython + a Session's interpreter)
 * and returns its module namespace, for per-feature tests of interpreter, objects and builtins.
 */
import { canon, freshRun, runOurs } from '../../differential/harness';
import { parsePython } from '../../../src/core/frontends/python/parse';
import type { Value } from '../../../src/core/frontends/python/values';

export { runOurs };

/** Evaluates `source` afresh; returns a reader of names as canonical Python reprs. */
export function evaluate(source: string): {
  get(name: string): string | undefined;
  value(name: string): Value | undefined;
  diagnostics: string[];
} {
  const { interp, scope } = freshRun();
  interp.execBlock(parsePython(source).body, scope);
  return {
    get: (name) => {
      const v = scope.vars.get(name);
      return v && canon(v);
    },
    value: (name) => scope.vars.get(name),
    diagnostics: interp.diagnostics.map((d) => d.message),
  };
}
