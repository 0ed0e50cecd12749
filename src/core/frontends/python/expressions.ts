/**
 * The expressions the interpreter evaluates with more than a line or two of logic: f-strings and
 * their `{value!conversion:spec}` parts, chained comparisons (each operand once, stopping at the
 * first false), and comprehensions (their own scope; unknown, never empty, when an iterable or a
 * filter cannot be known). Kept apart from interpreter.ts so each file stays readable.
 */
import type { Expr } from './ast';
import type { Interpreter } from './interpreter';
import { dedupe } from './methods';
import { Scope, dict, list, repr, str, tuple, unknown, type Value } from './values';

export function fstring(interp: Interpreter, parts: readonly (string | Expr)[], scope: Scope): Value {
  let out = '';
  for (const p of parts) {
    if (typeof p === 'string') out += p;
    else {
      const v = interp.eval(p, scope);
      if (v.t !== 'str') return unknown('f-string with an unknown part');
      out += v.v;
    }
  }
  return str(out);
}

/** One `{value!conversion:spec}`: the value converted, then formatted with the spec. */
export function formatted(interp: Interpreter, e: Extract<Expr, { kind: 'formatted' }>, scope: Scope): Value {
  const site = interp.site(scope, e);
  let v = interp.eval(e.value, scope);
  if (e.conversion) {
    const text = e.conversion === 's' ? interp.objects.pyStr(v, site) : interp.objects.pyRepr(v, site);
    if (text === undefined) return unknown(`!${e.conversion} of ${v.t === 'unknown' ? v.why : repr(v)}`);
    v = str(text);
  }
  const spec = e.spec ? interp.eval(e.spec, scope) : str('');
  if (spec.t !== 'str') return unknown('a format spec with an unknown part');
  return interp.objects.format(v, spec.v, site);
}

/** `a < b <= c`: each operand evaluated once, stopping at the first false comparison. */
export function compareChain(interp: Interpreter, e: Extract<Expr, { kind: 'compare' }>, scope: Scope): Value {
  let left = interp.eval(e.operands[0], scope);
  let result: Value = unknown('comparison');
  for (let i = 0; i < e.ops.length; i++) {
    const right = interp.eval(e.operands[i + 1], scope);
    result = interp.objects.binop(e.ops[i], left, right, interp.site(scope, e), false);
    if (i === e.ops.length - 1) break;
    const t = interp.truth(result, scope, e);
    if (t === undefined) return unknown('a chained comparison with an unknown part');
    if (!t) return result;
    left = right;
  }
  return result;
}

export function comprehension(interp: Interpreter, e: Extract<Expr, { kind: 'comp' }>, outer: Scope): Value {
  const scope = new Scope(outer, 'function', outer.file);
  const results: Value[] = [];
  const pairs: [Value, Value][] = [];
  let lost: string | undefined;
  const loop = (i: number): void => {
    if (lost) return;
    if (i === e.generators.length) {
      if (e.type === 'dict') pairs.push([interp.eval(e.elt, scope), interp.eval(e.value!, scope)]);
      else results.push(interp.eval(e.elt, scope));
      return;
    }
    const gen = e.generators[i];
    // The first iterable is evaluated in the enclosing scope, as Python does.
    const iterable = interp.eval(gen.iter, i === 0 ? outer : scope);
    const items = interp.objects.iterateOrRaise(iterable, interp.site(scope, gen.iter));
    if (!items) {
      lost = `a comprehension over ${iterable.t === 'unknown' ? iterable.why : repr(iterable)}`;
      interp.report(
        scope.file,
        gen.iter.from,
        gen.iter.to,
        'info',
        `cannot iterate over ${iterable.t === 'unknown' ? iterable.why : repr(iterable)} statically; the comprehension's result is unknown`,
      );
      return;
    }
    for (const item of items) {
      interp.tick(scope.file, e.from);
      interp.assign(gen.target, item, scope);
      let keep: boolean | undefined = true;
      for (const c of gen.ifs) {
        keep = interp.objects.truthy(interp.eval(c, scope), interp.site(scope, c));
        if (keep !== true) break;
      }
      if (keep === undefined) {
        lost = 'a comprehension filtered by an unknown condition';
        return;
      }
      if (keep) loop(i + 1);
      if (lost) return;
    }
  };
  loop(0);
  if (lost) return unknown(lost);
  if (e.type === 'dict') return dict(pairs);
  if (e.type === 'set') return { t: 'list', items: dedupe(results), isSet: true };
  return e.type === 'gen' ? tuple(results) : list(results);
}
