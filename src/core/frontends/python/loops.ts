/**
 * What a `for` loop over an iterable the evaluator cannot know leaves behind. The body is not run
 * (its items are unknown, so any path through it would be a guess); instead everything the body
 * could change is made honest: names it assigns (and the loop target) become unknown with the
 * reason, attributes it assigns on known objects become unknown, and lists and dicts it mutates
 * in place (`x.append(…)`, `x[k] = …`, `x += …`, `del x[k]`) become incomplete — their known
 * items stay where that is still certain and the rest is unknown. One info at the loop says so.
 */
import type { Expr, Stmt } from './ast';
import type { Interpreter } from './interpreter';
import { repr, unknown, type Scope, type Value } from './values';

type Completion = ReturnType<Interpreter['execBlock']>;

/** Methods that only add to a list or dict: the known items stay. */
const growing = new Set(['append', 'extend', 'add', 'update', 'setdefault']);
/** Methods that may change or remove known items. */
const changing = new Set(['insert', 'pop', 'remove', 'clear', 'sort', 'reverse', 'discard', 'popitem']);

interface Effects {
  names: Set<string>;
  /** Containers mutated in place, and whether known items may have changed. */
  mutated: { target: Expr; changesItems: boolean }[];
  attrs: { object: Expr; name: string }[];
  breaks: boolean;
  returns: boolean;
}

function collect(body: readonly Stmt[], fx: Effects, inLoop = false): void {
  const target = (t: Expr): void => {
    if (t.kind === 'name') fx.names.add(t.id);
    else if (t.kind === 'tuple' || t.kind === 'list') t.elts.forEach(target);
    else if (t.kind === 'starred') target(t.value);
    else if (t.kind === 'subscript') fx.mutated.push({ target: t.object, changesItems: true });
    else if (t.kind === 'attr') fx.attrs.push({ object: t.object, name: t.name });
  };
  // Walks every sub-expression (arguments, comprehensions, dict entries) for mutating calls.
  const expr = (x: unknown): void => {
    if (Array.isArray(x)) return x.forEach(expr);
    if (!x || typeof x !== 'object') return;
    const e = x as Expr;
    if (e.kind === 'call' && e.func.kind === 'attr' && (growing.has(e.func.name) || changing.has(e.func.name))) {
      fx.mutated.push({ target: e.func.object, changesItems: changing.has(e.func.name) });
    }
    for (const child of Object.values(x)) expr(child);
  };
  for (const s of body) {
    switch (s.kind) {
      case 'assign':
        s.targets.forEach(target);
        expr(s.value);
        break;
      case 'augassign':
        target(s.target);
        if (s.target.kind === 'name') fx.mutated.push({ target: s.target, changesItems: false });
        expr(s.value);
        break;
      case 'annassign':
        target(s.target);
        expr(s.value);
        break;
      case 'expr':
        expr(s.value);
        break;
      case 'delete':
        for (const t of s.targets)
          if (t.kind === 'name') fx.names.add(t.id);
          else if (t.kind === 'subscript') fx.mutated.push({ target: t.object, changesItems: true });
        break;
      case 'if':
        for (const b of s.branches) {
          expr(b.test);
          collect(b.body, fx, inLoop);
        }
        collect(s.orelse, fx, inLoop);
        break;
      case 'for':
        target(s.target);
        expr(s.iter);
        collect(s.body, fx, true);
        collect(s.orelse, fx, inLoop);
        break;
      case 'while':
        collect(s.body, fx, true);
        collect(s.orelse, fx, inLoop);
        break;
      case 'with':
        for (const item of s.items) if (item.target) target(item.target);
        collect(s.body, fx, inLoop);
        break;
      case 'try':
        collect(s.body, fx, inLoop);
        for (const h of s.handlers) {
          if (h.name) fx.names.add(h.name);
          collect(h.body, fx, inLoop);
        }
        collect(s.orelse, fx, inLoop);
        collect(s.finally, fx, inLoop);
        break;
      case 'def':
      case 'class':
        fx.names.add(s.name);
        break;
      case 'import':
        for (const n of s.names) fx.names.add(n.alias ?? n.module.split('.')[0]);
        break;
      case 'importfrom':
        for (const n of s.names) fx.names.add(n.alias ?? n.name);
        break;
      case 'return':
        fx.returns = true;
        break;
      case 'break':
        if (!inLoop) fx.breaks = true;
        break;
      default:
        break;
    }
  }
}

/** Runs in place of a `for` loop whose iterable is not known; see the file comment. */
export function forgetLoop(
  interp: Interpreter,
  s: Extract<Stmt, { kind: 'for' }>,
  iterable: Value,
  scope: Scope,
): Completion {
  const what = iterable.t === 'unknown' ? iterable.why : repr(iterable);
  const reason = `changed in a loop over ${what}`;
  const fx: Effects = { names: new Set(), mutated: [], attrs: [], breaks: false, returns: false };
  collect([{ kind: 'assign', targets: [s.target], value: s.iter, from: s.from, to: s.to }], fx);
  collect(s.body, fx);
  if (fx.breaks) collect(s.orelse, fx);
  // Containers first, while the names still hold them.
  for (const m of fx.mutated) {
    const v = safeEval(interp, m.target, scope);
    if (v?.t === 'list') {
      if (m.changesItems) v.items.splice(0);
      v.unknownTail ??= reason;
    } else if (v?.t === 'dict') {
      if (m.changesItems) v.entries.clear();
      v.unknownTail ??= reason;
    }
  }
  for (const a of fx.attrs) {
    const obj = safeEval(interp, a.object, scope);
    if (obj?.t === 'instance') obj.attrs.set(a.name, unknown(`${a.name} ${reason}`));
  }
  for (const name of fx.names)
    interp.assign({ kind: 'name', id: name, from: s.from, to: s.to }, unknown(`'${name}' ${reason}`), scope);
  const names = [...fx.names];
  interp.report(
    scope.file,
    s.iter.from,
    s.iter.to,
    'info',
    `cannot iterate over ${what} statically; the loop was not run and what it changes${names.length ? ` (${names.join(', ')})` : ''} is unknown after it`,
  );
  if (fx.returns) return { kind: 'return', value: unknown(`the result of a loop over ${what}`) };
  return fx.breaks ? undefined : interp.execBlock(s.orelse, scope);
}

/** Evaluates a mutation target (a name or attribute chain) without side effects worth keeping. */
function safeEval(interp: Interpreter, e: Expr, scope: Scope): Value | undefined {
  if (e.kind !== 'name' && e.kind !== 'attr') return undefined;
  try {
    return interp.eval(e, scope);
  } catch {
    return undefined;
  }
}
