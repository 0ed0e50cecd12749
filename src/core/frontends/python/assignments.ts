/**
 * The statements that write through a target other than a plain assignment: `target op= value`
 * and `del target`. Split from interpreter.ts, which keeps the statement dispatch; both evaluate
 * the target's object and index once, as Python does.
 */
import type { Expr, Stmt } from './ast';
import { PyRaise } from './errors';
import type { Interpreter } from './interpreter';
import type { Scope } from './values';

/** `target op= value`: an item, an attribute or a name, updated in place where the value allows. */
export function augAssign(interp: Interpreter, s: Extract<Stmt, { kind: 'augassign' }>, scope: Scope): void {
  const { objects } = interp;
  const site = interp.site(scope, s);
  const t = s.target;
  if (t.kind === 'subscript') {
    const obj = interp.eval(t.object, scope);
    const index = interp.eval(t.index, scope);
    const current = objects.getItem(obj, index, site);
    objects.setItem(obj, index, objects.binop(s.op, current, interp.eval(s.value, scope), site, true), site);
  } else if (t.kind === 'attr') {
    const obj = interp.eval(t.object, scope);
    const current = objects.getAttr(obj, t.name, site);
    objects.setAttr(obj, t.name, objects.binop(s.op, current, interp.eval(s.value, scope), site, true), site);
  } else interp.assign(t, objects.binop(s.op, interp.eval(t, scope), interp.eval(s.value, scope), site, true), scope);
}

/** `del target`: names, attributes, items and slices, and tuples of them. */
export function deleteTarget(interp: Interpreter, t: Expr, scope: Scope): void {
  const { objects } = interp;
  const site = interp.site(scope, t);
  if (t.kind === 'name') {
    const owner = scope.globals?.has(t.id) ? scope.moduleScope() : scope;
    if (!owner.vars.delete(t.id) && !scope.lookup(t.id))
      throw new PyRaise(objects.exception('NameError', `name '${t.id}' is not defined`), site.file, site.from);
  } else if (t.kind === 'attr') objects.delAttr(interp.eval(t.object, scope), t.name, site);
  else if (t.kind === 'subscript') objects.delItem(interp.eval(t.object, scope), interp.eval(t.index, scope), site);
  else if (t.kind === 'tuple' || t.kind === 'list') for (const e of t.elts) deleteTarget(interp, e, scope);
}
