/**
 * Runs a small Python source through the evaluator alone (parsePython + a Session's interpreter)
 * and returns its module namespace, for per-feature tests of interpreter, objects and builtins.
 */
import { canon, runOurs } from '../../differential/harness';
import { parsePython } from '../../../src/core/frontends/python/parse';
import { installLibraries } from '../../../src/core/frontends/python/libraries';
import { FilePositions } from '../../../src/core/frontends/python/positions';
import { Session } from '../../../src/core/frontends/python/session';
import { Scope, type Value } from '../../../src/core/frontends/python/values';

export { runOurs };

/** Evaluates `source` in a fresh session; returns a reader of names as canonical Python reprs. */
export function evaluate(source: string): { get(name: string): string | undefined; value(name: string): Value | undefined; diagnostics: string[] } {
  const session = new Session({ maxSteps: 100_000, maxDepth: 100, deadline: Infinity }, () => 0, new FilePositions('<test>'));
  installLibraries(session);
  const libraries = session.libraries;
  session.om.imports = { library: (name) => libraries.get(name), sourceModule: () => undefined };
  const scope = new Scope(undefined, 'module', '<test>');
  session.interp.execBlock(parsePython(source).body, scope);
  return {
    get: (name) => {
      const v = scope.vars.get(name);
      return v && canon(v);
    },
    value: (name) => scope.vars.get(name),
    diagnostics: session.interp.diagnostics.map((d) => d.message),
  };
}
