/**
 * The abstract interpreter: executes a Python subset over the AST with the values of values.ts.
 * Statements, expressions, function calls (defaults, *args, keyword-only, **kwargs), closures,
 * comprehensions and try/except are evaluated as Python would; anything it cannot know becomes an
 * unknown value with a reason. A branch on an unknown condition takes the `else` path (documented
 * in the README) and says so once per place. Every evaluation counts steps and recursion depth
 * and checks a deadline, so no input — an infinite loop, a 10 MB file — can hang the host.
 */
import type { Arg, Expr, Param, Stmt } from './ast';
import { BudgetExceeded, PyRaise } from './errors';
import type { ObjectModel } from './objects';
import {
  NONE, Scope, bool, dict, float, hashKey, int, list, repr, str, truthy, tuple, unknown,
  type CallArgs, type CallSite, type ClassValue, type FuncValue, type Value,
} from './values';

export interface Budget {
  readonly maxSteps: number;
  readonly maxDepth: number;
  readonly deadline: number;
}

export interface EvalDiagnostic {
  readonly file: string;
  readonly from: number;
  readonly to: number;
  readonly severity: 'error' | 'warning' | 'info';
  readonly message: string;
}

type Completion = undefined | { kind: 'return'; value: Value } | { kind: 'break' } | { kind: 'continue' };

const BREAK = { kind: 'break' } as const;
const CONTINUE = { kind: 'continue' } as const;

export class Interpreter {
  steps = 0;
  private depth = 0;
  readonly diagnostics: EvalDiagnostic[] = [];
  /** Warnings and errors reported so far, counting repeats that the diagnostics list drops. */
  problemsSeen = 0;
  private readonly reported = new Set<string>();
  objects!: ObjectModel;

  private stepLimit: number;
  private deadline: number;

  constructor(private budget: Budget, public now: () => number) {
    this.stepLimit = budget.maxSteps;
    this.deadline = budget.deadline;
  }

  /**
   * Starts a fresh allowance of steps and time: each model in a file gets the whole budget, so a
   * large first model cannot starve the ones after it.
   */
  renewBudget(timeMs: number): void {
    this.stepLimit = this.steps + this.budget.maxSteps;
    this.deadline = this.now() + timeMs;
  }

  /**
   * Starts a new analysis with this interpreter (a session outlives its analyses so the packages
   * it evaluated can be reused): fresh counters, diagnostics and allowance.
   */
  beginAnalysis(budget: Budget): void {
    this.steps = 0;
    this.depth = 0;
    this.diagnostics.length = 0;
    this.problemsSeen = 0;
    this.reported.clear();
    this.budget = budget;
    this.stepLimit = budget.maxSteps;
    this.deadline = budget.deadline;
  }

  /**
   * Runs `body` under an allowance of its own (an installed package's module, evaluated once per
   * session): what it spends is not charged to the analysis that happened to need it first.
   */
  withOwnBudget<T>(maxSteps: number, timeMs: number, body: () => T): T {
    const { stepLimit, deadline, steps } = this;
    const started = this.now();
    this.stepLimit = steps + maxSteps;
    this.deadline = started + timeMs;
    try {
      return body();
    } finally {
      this.stepLimit = stepLimit + (this.steps - steps);
      this.deadline = deadline + (this.now() - started);
    }
  }

  /** Records a diagnostic once per place and message. */
  report(file: string, from: number, to: number, severity: EvalDiagnostic['severity'], message: string): void {
    if (severity !== 'info') this.problemsSeen++;
    const key = `${file}:${from}:${message}`;
    if (this.reported.has(key)) return;
    this.reported.add(key);
    this.diagnostics.push({ file, from, to, severity, message });
  }

  private tick(file: string, from: number): void {
    if (++this.steps > this.stepLimit) throw new BudgetExceeded('steps', file, from);
    if ((this.steps & 1023) === 0 && this.now() > this.deadline) throw new BudgetExceeded('time', file, from);
  }

  execBlock(body: readonly Stmt[], scope: Scope): Completion {
    for (const s of body) {
      const c = this.exec(s, scope);
      if (c) return c;
    }
    return undefined;
  }

  exec(s: Stmt, scope: Scope): Completion {
    this.tick(scope.file, s.from);
    switch (s.kind) {
      case 'expr':
        this.eval(s.value, scope);
        return undefined;
      case 'assign': {
        const value = this.eval(s.value, scope);
        for (const t of s.targets) this.assign(t, value, scope);
        return undefined;
      }
      case 'augassign': {
        const current = this.eval(s.target, scope);
        const value = this.objects.binop(s.op, current, this.eval(s.value, scope), this.site(scope, s), true);
        this.assign(s.target, value, scope);
        return undefined;
      }
      case 'annassign':
        // Class-body annotations, in order, are what @dataclass and NamedTuple build __init__ from.
        if (scope.kind === 'class' && s.target.kind === 'name') {
          const fields = scope.vars.get('__annotations__');
          if (fields?.t === 'list') fields.items.push(str(s.target.id));
          else scope.vars.set('__annotations__', list([str(s.target.id)]));
        }
        if (s.value) this.assign(s.target, this.eval(s.value, scope), scope);
        return undefined;
      case 'if': {
        for (const b of s.branches) {
          const test = this.condition(b.test, scope);
          if (test) return this.execBlock(b.body, scope);
        }
        return this.execBlock(s.orelse, scope);
      }
      case 'for': {
        const items = this.iterValues(this.eval(s.iter, scope), scope, s.iter);
        for (const item of items) {
          this.tick(scope.file, s.from);
          this.assign(s.target, item, scope);
          const c = this.execBlock(s.body, scope);
          if (c === BREAK) return undefined;
          if (c && c.kind === 'return') return c;
        }
        return this.execBlock(s.orelse, scope);
      }
      case 'while': {
        while (this.condition(s.test, scope)) {
          const c = this.execBlock(s.body, scope);
          if (c === BREAK) return undefined;
          if (c && c.kind === 'return') return c;
        }
        return this.execBlock(s.orelse, scope);
      }
      case 'with':
        for (const item of s.items) {
          const ctx = this.eval(item.context, scope);
          if (item.target) this.assign(item.target, this.objects.enterContext(ctx, this.site(scope, item.context)), scope);
        }
        return this.execBlock(s.body, scope);
      case 'try':
        return this.execTry(s, scope);
      case 'def':
        scope.vars.set(s.name, this.applyDecorators(s.decorators, this.makeFunction(s.name, s.params, s.body, scope, s.decorators), scope));
        return undefined;
      case 'class': {
        const cls = this.objects.makeClass(s, scope);
        scope.vars.set(s.name, this.applyDecorators(s.decorators, cls, scope));
        return undefined;
      }
      case 'return':
        return { kind: 'return', value: s.value ? this.eval(s.value, scope) : NONE };
      case 'pass':
        return undefined;
      case 'break':
        return BREAK;
      case 'continue':
        return CONTINUE;
      case 'raise':
        throw new PyRaise(s.value ? this.eval(s.value, scope) : unknown('re-raise'), scope.file, s.from);
      case 'import':
      case 'importfrom':
        this.objects.importInto(s, scope);
        return undefined;
      case 'global':
        for (const n of s.names) (scope.globals ??= new Set()).add(n);
        return undefined;
      case 'delete':
        for (const t of s.targets) if (t.kind === 'name') scope.vars.delete(t.id);
        return undefined;
      case 'assert':
        return undefined;
      case 'error':
        return undefined;
    }
  }

  private execTry(s: Extract<Stmt, { kind: 'try' }>, scope: Scope): Completion {
    let completion: Completion;
    try {
      completion = this.execBlock(s.body, scope);
      if (!completion) completion = this.execBlock(s.orelse, scope);
    } catch (e) {
      if (!(e instanceof PyRaise)) throw e;
      const handler = s.handlers.find((h) => !h.type || this.objects.exceptionMatches(e.value, this.eval(h.type, scope)));
      if (!handler) {
        this.execBlock(s.finally, scope);
        throw e;
      }
      if (handler.name) scope.vars.set(handler.name, e.value);
      completion = this.execBlock(handler.body, scope);
    }
    const after = this.execBlock(s.finally, scope);
    return after ?? completion;
  }

  /** Evaluates a branch condition; an unknown one takes the else path and says so. */
  private condition(test: Expr, scope: Scope): boolean {
    const v = this.eval(test, scope);
    const t = truthy(v);
    if (t !== undefined) return t;
    this.report(scope.file, test.from, test.to, 'info', `condition not known statically (${v.t === 'unknown' ? v.why : repr(v)}); CNN Lens took the else branch`);
    return false;
  }

  private applyDecorators(decorators: readonly Expr[], value: Value, scope: Scope): Value {
    let out = value;
    for (const d of [...decorators].reverse()) {
      const dec = this.eval(d, scope);
      const applied = this.objects.decorate(dec, out, this.site(scope, d));
      // A decorator we cannot see through must not hide the function or class it wraps.
      out = applied.t === 'unknown' ? out : applied;
    }
    return out;
  }

  makeFunction(name: string, params: readonly Param[], body: readonly Stmt[] | Expr, scope: Scope, decorators: readonly Expr[] = []): FuncValue {
    const defaults = new Map<string, Value>();
    for (const p of params) if (p.default) defaults.set(p.name, this.eval(p.default, scope));
    const decoratorNames = decorators.map((d) => (d.kind === 'name' ? d.id : d.kind === 'attr' ? d.name : ''));
    return {
      t: 'func', name, params, defaults, body, closure: scope, file: scope.file, attrs: new Map(),
      isStatic: decoratorNames.includes('staticmethod'),
      isClassMethod: decoratorNames.includes('classmethod'),
      isProperty: decoratorNames.includes('property'),
    };
  }

  site(scope: Scope, span: { from: number; to: number }): CallSite {
    return { file: scope.file, from: span.from, to: span.to };
  }

  /** Calls a user function: binds arguments as Python does, runs the body under the budget. */
  callFunction(fn: FuncValue, args: CallArgs, site: CallSite, bindSelf?: Value): Value {
    if (++this.depth > this.budget.maxDepth) {
      this.depth--;
      throw new BudgetExceeded('recursion', site.file, site.from);
    }
    try {
      const scope = new Scope(fn.closure, 'function', fn.file);
      this.bindParams(fn, args, scope, site);
      if (fn.definingClass) scope.vars.set('__class__', fn.definingClass);
      if (bindSelf) scope.vars.set('__self__', bindSelf);
      if (!Array.isArray(fn.body)) return this.eval(fn.body as Expr, scope);
      const c = this.execBlock(fn.body as readonly Stmt[], scope);
      return c && c.kind === 'return' ? c.value : NONE;
    } finally {
      this.depth--;
    }
  }

  private bindParams(fn: FuncValue, args: CallArgs, scope: Scope, site: CallSite): void {
    const positional = [...args.positional];
    const keywords = new Map(args.keywords);
    let varargs: string | undefined;
    let kwargs: string | undefined;
    for (const p of fn.params) {
      if (p.kind === 'varargs') {
        varargs = p.name;
        scope.vars.set(p.name, tuple(positional.splice(0)));
      } else if (p.kind === 'kwargs') {
        kwargs = p.name;
      } else if (p.kind === 'normal' && positional.length) {
        scope.vars.set(p.name, positional.shift()!);
      } else if (keywords.has(p.name)) {
        scope.vars.set(p.name, keywords.get(p.name)!);
        keywords.delete(p.name);
      } else if (fn.defaults.has(p.name)) {
        scope.vars.set(p.name, fn.defaults.get(p.name)!);
      } else {
        scope.vars.set(p.name, unknown(`argument '${p.name}' of ${fn.name}() was not given`));
        this.report(site.file, site.from, site.to, 'warning', `${fn.name}() is missing argument '${p.name}'`);
      }
    }
    if (kwargs) scope.vars.set(kwargs, dict([...keywords].map(([k, v]) => [str(k), v])));
    else if (keywords.size) this.report(site.file, site.from, site.to, 'warning', `${fn.name}() got unexpected keyword argument(s) ${[...keywords.keys()].join(', ')}`);
    if (!varargs && positional.length) this.report(site.file, site.from, site.to, 'warning', `${fn.name}() got ${positional.length} more positional argument(s) than it takes`);
  }

  assign(target: Expr, value: Value, scope: Scope): void {
    switch (target.kind) {
      case 'name':
        if (scope.globals?.has(target.id)) scope.moduleScope().vars.set(target.id, value);
        else scope.vars.set(target.id, value);
        return;
      case 'attr':
        this.objects.setAttr(this.eval(target.object, scope), target.name, value, this.site(scope, target));
        return;
      case 'subscript':
        this.objects.setItem(this.eval(target.object, scope), this.eval(target.index, scope), value, this.site(scope, target));
        return;
      case 'tuple':
      case 'list': {
        const items = this.iterValues(value, scope, target);
        const starAt = target.elts.findIndex((e) => e.kind === 'starred');
        if (starAt < 0) {
          target.elts.forEach((e, i) => this.assign(e, items[i] ?? unknown(`unpacking ${repr(value)}`), scope));
          return;
        }
        const after = target.elts.length - starAt - 1;
        target.elts.forEach((e, i) => {
          if (i < starAt) this.assign(e, items[i] ?? unknown('unpacking'), scope);
          else if (i === starAt) this.assign((e as Extract<Expr, { kind: 'starred' }>).value, list(items.slice(starAt, items.length - after)), scope);
          else this.assign(e, items[items.length - (target.elts.length - i)] ?? unknown('unpacking'), scope);
        });
        return;
      }
      case 'starred':
        this.assign(target.value, value, scope);
        return;
      default:
        return;
    }
  }

  /** The items to loop over; an unknown iterable loops zero times and says so. */
  iterValues(v: Value, scope: Scope, where: { from: number; to: number }): Value[] {
    const items = this.objects.iterate(v, this.site(scope, where));
    if (items) return items;
    this.report(scope.file, where.from, where.to, 'info', `cannot iterate over ${v.t === 'unknown' ? v.why : repr(v)} statically; the loop was skipped`);
    return [];
  }

  eval(e: Expr, scope: Scope): Value {
    this.tick(scope.file, e.from);
    switch (e.kind) {
      case 'name': {
        const v = scope.lookup(e.id) ?? this.objects.builtin(e.id);
        if (v) return v;
        this.report(scope.file, e.from, e.to, 'info', `'${e.id}' is not defined here`);
        return unknown(`name '${e.id}'`);
      }
      case 'num':
        return e.isFloat ? float(e.value) : int(e.value);
      case 'str':
        return str(e.value);
      case 'fstring':
        return this.fstring(e.parts, scope);
      case 'const':
        return e.value === null ? NONE : e.value === 'ellipsis' ? this.objects.ellipsis : bool(e.value);
      case 'attr':
        return this.objects.getAttr(this.eval(e.object, scope), e.name, this.site(scope, e));
      case 'subscript':
        return this.objects.getItem(this.eval(e.object, scope), this.eval(e.index, scope), this.site(scope, e));
      case 'slice':
        return { t: 'slice', lower: e.lower ? this.eval(e.lower, scope) : NONE, upper: e.upper ? this.eval(e.upper, scope) : NONE, step: e.step ? this.eval(e.step, scope) : NONE };
      case 'call':
        if (e.func.kind === 'name' && e.func.id === 'super' && !e.args.length && !scope.lookup('super')) return this.objects.makeSuper(scope.lookup('__class__'), scope.lookup('__self__'));
        return this.objects.call(this.eval(e.func, scope), this.evalArgs(e.args, scope), this.site(scope, e));
      case 'binop':
        return this.objects.binop(e.op, this.eval(e.left, scope), this.eval(e.right, scope), this.site(scope, e), false);
      case 'boolop': {
        const left = this.eval(e.left, scope);
        const t = truthy(left);
        if (t === undefined) return e.op === 'and' ? unknown('and of unknown') : this.eval(e.right, scope).t === 'unknown' ? left : unknown('or of unknown');
        return (e.op === 'and') === t ? this.eval(e.right, scope) : left;
      }
      case 'unary':
        return this.objects.unary(e.op, this.eval(e.operand, scope), this.site(scope, e));
      case 'ifexp': {
        const t = truthy(this.eval(e.test, scope));
        if (t === undefined) this.report(scope.file, e.test.from, e.test.to, 'info', 'condition not known statically; CNN Lens took the else value');
        return t ? this.eval(e.body, scope) : this.eval(e.orelse, scope);
      }
      case 'lambda':
        return this.makeFunction('<lambda>', e.params, e.body, scope);
      case 'tuple':
        return tuple(this.evalElements(e.elts, scope));
      case 'list':
        return list(this.evalElements(e.elts, scope));
      case 'set':
        return { t: 'list', items: this.evalElements(e.elts, scope), isSet: true };
      case 'dict': {
        const d = dict();
        for (const entry of e.entries) {
          if ('spread' in entry) {
            const src = this.eval(entry.spread, scope);
            if (src.t === 'dict') for (const [k, v] of src.entries) d.entries.set(k, v);
          } else {
            const key = this.eval(entry.key, scope);
            d.entries.set(hashKey(key), { key, value: this.eval(entry.value, scope) });
          }
        }
        return d;
      }
      case 'comp':
        return this.comprehension(e, scope);
      case 'starred':
        return this.eval(e.value, scope);
      case 'error':
        return unknown('text that does not parse');
    }
  }

  private fstring(parts: readonly (string | Expr)[], scope: Scope): Value {
    let out = '';
    for (const p of parts) {
      if (typeof p === 'string') out += p;
      else {
        const v = this.eval(p, scope);
        if (v.t === 'unknown') return unknown('f-string with an unknown part');
        out += this.objects.toStr(v);
      }
    }
    return str(out);
  }

  private evalElements(elts: readonly Expr[], scope: Scope): Value[] {
    const out: Value[] = [];
    for (const el of elts) {
      if (el.kind === 'starred') out.push(...this.iterValues(this.eval(el.value, scope), scope, el));
      else out.push(this.eval(el, scope));
    }
    return out;
  }

  evalArgs(args: readonly Arg[], scope: Scope): CallArgs {
    const positional: Value[] = [];
    const keywords = new Map<string, Value>();
    for (const a of args) {
      const v = this.eval(a.value, scope);
      if (a.kind === 'pos') positional.push(v);
      else if (a.kind === 'kw') keywords.set(a.name!, v);
      else if (a.kind === 'star') positional.push(...this.iterValues(v, scope, a.value));
      else if (v.t === 'dict') for (const { key, value } of v.entries.values()) keywords.set(key.t === 'str' ? key.v : repr(key), value);
    }
    return { positional, keywords };
  }

  private comprehension(e: Extract<Expr, { kind: 'comp' }>, outer: Scope): Value {
    const scope = new Scope(outer, 'function', outer.file);
    const results: Value[] = [];
    const pairs: [Value, Value][] = [];
    const loop = (i: number): void => {
      if (i === e.generators.length) {
        if (e.type === 'dict') pairs.push([this.eval(e.elt, scope), this.eval(e.value!, scope)]);
        else results.push(this.eval(e.elt, scope));
        return;
      }
      const gen = e.generators[i];
      for (const item of this.iterValues(this.eval(gen.iter, scope), scope, gen.iter)) {
        this.tick(scope.file, e.from);
        this.assign(gen.target, item, scope);
        if (gen.ifs.every((c) => truthy(this.eval(c, scope)) === true)) loop(i + 1);
      }
    };
    loop(0);
    if (e.type === 'dict') return dict(pairs);
    if (e.type === 'set') return { t: 'list', items: results, isSet: true };
    return e.type === 'gen' ? tuple(results) : list(results);
  }

  /** Evaluates a class body into a fresh class scope (used by the object model). */
  execClassBody(body: readonly Stmt[], scope: Scope): Scope {
    const classScope = new Scope(scope, 'class', scope.file);
    this.execBlock(body, classScope);
    return classScope;
  }

  /** Marks functions defined in a class body with their class, for zero-argument super(). */
  static adopt(cls: ClassValue): void {
    for (const v of cls.attrs.values()) if (v.t === 'func') v.definingClass = cls;
  }
}

