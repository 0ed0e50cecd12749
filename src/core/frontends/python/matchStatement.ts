/**
 * Python's `match` statement for the evaluator: the subject is matched against each `case` pattern
 * in order, as Python does (literals and dotted values by ==, None/True/False by identity,
 * captures and wildcards, sequences with a starred rest, `|`, `as`, class patterns through
 * isinstance and attributes, mappings with `**rest`), and the first case that matches and passes
 * its guard runs. When a pattern cannot be decided on what is known statically (an unknown
 * subject, a class pattern's positional arguments needing `__match_args__`), no case runs and the
 * user is told where, as with a branch on an unknown condition.
 */
import type { Pattern, Stmt } from './ast';
import type { Interpreter } from './interpreter';
import { dict, hashKey, list, repr, truthy, type Scope, type Value } from './values';

type Bindings = Map<string, Value>;

/** Kinds of value that no sequence or mapping pattern matches (str is not a sequence to `match`). */
const neitherSequenceNorMapping = new Set<Value['t']>(['none', 'bool', 'int', 'float', 'str', 'slice', 'func', 'builtin', 'class', 'module']);

/** Builtin types whose class pattern `C(x)` matches the subject itself against `x`. */
const selfMatching = ['bool', 'bytearray', 'bytes', 'dict', 'float', 'frozenset', 'int', 'list', 'set', 'str', 'tuple'];

export function execMatch(interp: Interpreter, s: Extract<Stmt, { kind: 'match' }>, scope: Scope): ReturnType<Interpreter['execBlock']> {
  const subject = interp.eval(s.subject, scope);
  const unknownCase = (where: { from: number; to: number }, what: string): undefined => {
    const why = subject.t === 'unknown' ? subject.why : repr(subject);
    interp.report(scope.file, where.from, where.to, 'info', `${what} not known statically (${why}); CNN Lens ran no case of this match`);
    return undefined;
  };
  for (const c of s.cases) {
    const bindings: Bindings = new Map();
    const matched = new PatternMatcher(interp, scope).matches(c.pattern, subject, bindings);
    if (matched === undefined) return unknownCase(c.pattern, 'whether the subject matches this case is');
    if (!matched) continue;
    for (const [name, value] of bindings) interp.assign({ kind: 'name', id: name, from: c.pattern.from, to: c.pattern.to }, value, scope);
    if (c.guard) {
      const passes = truthy(interp.eval(c.guard, scope));
      if (passes === undefined) return unknownCase(c.guard, 'the guard of this case is');
      if (!passes) continue;
    }
    return interp.execBlock(c.body, scope);
  }
  return undefined;
}

/** Whether a value matches a pattern: true, false, or undefined when it cannot be told. */
class PatternMatcher {
  constructor(
    private readonly interp: Interpreter,
    private readonly scope: Scope,
  ) {}

  matches(p: Pattern, subject: Value, bindings: Bindings): boolean | undefined {
    const site = this.interp.site(this.scope, p);
    switch (p.kind) {
      case 'capture':
        if (p.name !== '_') bindings.set(p.name, subject);
        return true;
      case 'value': {
        const op = p.value.kind === 'const' && p.value.value !== 'ellipsis' ? 'is' : '==';
        return truthy(this.interp.objects.binop(op, subject, this.interp.eval(p.value, this.scope), site, false));
      }
      case 'or': {
        for (const option of p.options) {
          const inner: Bindings = new Map();
          const r = this.matches(option, subject, inner);
          if (r !== false) {
            if (r) for (const [k, v] of inner) bindings.set(k, v);
            return r;
          }
        }
        return false;
      }
      case 'as': {
        const r = this.matches(p.pattern, subject, bindings);
        if (r) bindings.set(p.name, subject);
        return r;
      }
      case 'sequence':
        return this.sequence(p.items, subject, bindings);
      case 'class':
        return this.classPattern(p, subject, bindings);
      case 'mapping':
        return this.mapping(p, subject, bindings);
      case 'star':
      case 'error':
        return undefined;
    }
  }

  private all(pairs: [Pattern, Value][], bindings: Bindings): boolean | undefined {
    let result: boolean | undefined = true;
    for (const [pattern, value] of pairs) {
      const r = this.matches(pattern, value, bindings);
      if (r === false) return false;
      if (r === undefined) result = undefined;
    }
    return result;
  }

  private sequence(items: Pattern[], subject: Value, bindings: Bindings): boolean | undefined {
    if (subject.t === 'list' && subject.isSet) return false;
    if (subject.t !== 'list' && subject.t !== 'tuple') return neitherSequenceNorMapping.has(subject.t) || subject.t === 'dict' ? false : undefined;
    const values = subject.items;
    const starAt = items.findIndex((p) => p.kind === 'star');
    if (starAt < 0) return values.length === items.length ? this.all(items.map((p, i) => [p, values[i]]), bindings) : false;
    const after = items.length - starAt - 1;
    if (values.length < items.length - 1) return false;
    const star = items[starAt] as Extract<Pattern, { kind: 'star' }>;
    if (star.name !== '_') bindings.set(star.name, list(values.slice(starAt, values.length - after)));
    const pairs: [Pattern, Value][] = [
      ...items.slice(0, starAt).map((p, i): [Pattern, Value] => [p, values[i]]),
      ...items.slice(starAt + 1).map((p, i): [Pattern, Value] => [p, values[values.length - after + i]]),
    ];
    return this.all(pairs, bindings);
  }

  private classPattern(p: Extract<Pattern, { kind: 'class' }>, subject: Value, bindings: Bindings): boolean | undefined {
    const site = this.interp.site(this.scope, p);
    const cls = this.interp.eval(p.cls, this.scope);
    const isinstance = this.interp.objects.builtin('isinstance');
    if (!isinstance) return undefined;
    const is = truthy(this.interp.objects.call(isinstance, { positional: [subject, cls], keywords: new Map() }, site));
    if (is !== true) return is;
    const pairs: [Pattern, Value][] = p.keywords.map((k) => [k.pattern, this.interp.objects.getAttr(subject, k.name, site)]);
    if (p.args.length) {
      const selfMatches = p.args.length === 1 && selfMatching.some((name) => this.interp.objects.builtin(name) === cls);
      // Other classes map positions to attributes through __match_args__, which is not modelled.
      if (!selfMatches) return undefined;
      pairs.push([p.args[0], subject]);
    }
    return this.all(pairs, bindings);
  }

  private mapping(p: Extract<Pattern, { kind: 'mapping' }>, subject: Value, bindings: Bindings): boolean | undefined {
    if (subject.t !== 'dict') return neitherSequenceNorMapping.has(subject.t) || subject.t === 'list' || subject.t === 'tuple' ? false : undefined;
    const used = new Set<string>();
    const pairs: [Pattern, Value][] = [];
    for (const entry of p.entries) {
      const key = hashKey(this.interp.eval(entry.key, this.scope));
      const found = subject.entries.get(key);
      if (!found) return false;
      used.add(key);
      pairs.push([entry.pattern, found.value]);
    }
    const result = this.all(pairs, bindings);
    if (result && p.rest) bindings.set(p.rest, dict([...subject.entries].filter(([k]) => !used.has(k)).map(([, e]) => [e.key, e.value])));
    return result;
  }
}
