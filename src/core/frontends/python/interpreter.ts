/**
 * The abstract interpreter: executes a Python subset over the AST with the values of values.ts.
 * Statements, expressions, function calls (defaults, *args, keyword-only, **kwargs), closures,
 * comprehensions and try/except are evaluated as Python would; anything it cannot know becomes an
 * unknown value with a reason. A branch on an unknown condition takes the `else` path (documented
 * in the README), says so once per place, and is logged so a model built across it says so.
 * Every evaluation counts steps and recursion depth and checks a deadline, so no input — an
 * infinite loop, a 10 MB file — can hang the host.
 */
import type { Arg, Expr, Param, Stmt } from './ast';
import { augAssign, deleteTarget } from './assignments';
import { AnalysisCancelled, BudgetExceeded, PyRaise } from './errors';
import { GuessLog } from './guesses';
import { comprehension, compareChain, formatted, fstring } from './expressions';
import { execMatch } from './matchStatement';
import { forgetLoop } from './loops';
import { dedupe } from './methods';
import type { ObjectModel } from './objects';
import {
  NONE, Scope, bool, dict, float, hashKey, int, list, repr, str, truthy, tuple, unknown, unknownsMade,
  type CallArgs, type CallSite, type ClassValue, type FuncValue, type UnknownOrigin, type UnknownValue, type Value,
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
  /** The unknown value this problem follows from, where it was first lost. */
  readonly cause?: UnknownOrigin;
  /** For a problem in another file: the statement of the analysed file that was running. */
  readonly via?: { readonly from: number; readonly to: number };
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
  /** The analysed file: problems and lost values elsewhere also note its statement that led there. */
  userFile = '';
  private userAt: { readonly from: number; readonly to: number } | undefined;
  /** Branches taken on conditions it could not know: a model built across one is a guess. */
  readonly guesses = new GuessLog();
  /** The analysed file's top-level statement running now (set by executeModule for __main__). */
  topStatement: { readonly from: number; readonly to: number } | undefined;
  /** Depth of module bodies run for an import (moduleLoader's executeModule). */
  importing = 0;

  private stepLimit: number;
  private deadline: number;
  /** Asked every 1,024 steps outside imports; true calls the analysis off (see AnalysisCancelled). */
  cancelled: (() => boolean) | undefined;

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
    Scope.onGuessedRead = (guess) => {
      if (!this.importing) this.guesses.record(guess, this.topStatement);
    };
    this.steps = 0;
    this.depth = 0;
    this.diagnostics.length = 0;
    this.problemsSeen = 0;
    this.reported.clear();
    this.guesses.clear();
    this.userAt = undefined;
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
  report(file: string, from: number, to: number, severity: EvalDiagnostic['severity'], message: string, cause?: Value): void {
    if (severity !== 'info') this.problemsSeen++;
    const key = `${file}:${from}:${message}`;
    if (this.reported.has(key)) return;
    this.reported.add(key);
    this.diagnostics.push({ file, from, to, severity, message, cause: cause && originOf(cause), via: this.via(file) });
  }

  /** The analysed file's statement running now, when `file` is another file. */
  via(file: string): EvalDiagnostic['via'] {
    return file === this.userFile || !this.userAt ? undefined : { from: this.userAt.from, to: this.userAt.to };
  }

  /**
   * Gives a value lost right here its origin: that of an unknown input (a cascade), else this
   * expression, so the user is told the first place and the rest is folded under it.
   */
  private stamped(v: Value, scope: Scope, span: { from: number; to: number }, a?: Value, b?: Value, args?: CallArgs): Value {
    if (v.t !== 'unknown' || v.origin) return v;
    const inherited = (a && originOf(a)) ?? (b && originOf(b)) ?? (args && [...args.positional, ...args.keywords.values()].map(originOf).find(Boolean));
    const origin = inherited ?? { file: scope.file, from: span.from, to: span.to, why: v.why, via: this.via(scope.file) };
    return { ...v, origin } satisfies UnknownValue;
  }

  /** Counts a step (internal to the evaluator: expressions.ts counts comprehension items). */
  tick(file: string, from: number): void {
    if (++this.steps > this.stepLimit) throw new BudgetExceeded('steps', file, from);
    if ((this.steps & 1023) === 0) {
      if (this.now() > this.deadline) throw new BudgetExceeded('time', file, from);
      if (!this.importing && this.cancelled?.()) throw new AnalysisCancelled();
    }
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
    if (scope.file === this.userFile) this.userAt = s;
    switch (s.kind) {
      case 'expr':
        this.eval(s.value, scope);
        return undefined;
      case 'assign': {
        const value = this.eval(s.value, scope);
        for (const t of s.targets) this.assign(t, value, scope);
        return undefined;
      }
      case 'augassign':
        augAssign(this, s, scope);
        return undefined;
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
        const iterable = this.eval(s.iter, scope);
        const items = this.objects.iterateOrRaise(iterable, this.site(scope, s.iter));
        if (!items) return forgetLoop(this, s, iterable, scope);
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
      case 'def': {
        const fn = this.makeFunction(s.name, s.params, s.body, scope, s.decorators);
        const kind = s.isAsync ? (s.isGenerator ? 'an async generator' : 'a coroutine') : s.isGenerator ? 'a generator' : undefined;
        const value = kind ? { ...fn, calling: `${s.name}() makes ${kind}, which CNN Lens does not run` } : fn;
        scope.vars.set(s.name, this.applyDecorators(s.decorators, value, scope));
        return undefined;
      }
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
      case 'raise': {
        if (!s.value) throw new PyRaise(this.handling[this.handling.length - 1] ?? unknown('re-raise outside an except block'), scope.file, s.from);
        const v = this.eval(s.value, scope);
        // `raise ValueError` raises an instance made with no arguments.
        throw new PyRaise(v.t === 'class' ? this.objects.call(v, { positional: [], keywords: new Map() }, this.site(scope, s)) : v, scope.file, s.from);
      }
      case 'import':
      case 'importfrom':
        this.objects.importInto(s, scope);
        return undefined;
      case 'global':
        for (const n of s.names) (s.nonlocal ? (scope.nonlocals ??= new Set()) : (scope.globals ??= new Set())).add(n);
        return undefined;
      case 'nonlocal':
        for (const n of s.names) (scope.nonlocals ??= new Set()).add(n);
        return undefined;
      case 'delete':
        for (const t of s.targets) deleteTarget(this, t, scope);
        return undefined;
      case 'assert': {
        const test = this.objects.truthy(this.eval(s.test, scope), this.site(scope, s.test));
        if (test === false) throw new PyRaise(this.objects.exception('AssertionError'), scope.file, s.from);
        return undefined;
      }
      case 'match':
        return execMatch(this, s, scope);
      case 'error':
        return undefined;
    }
  }

  private execTry(s: Extract<Stmt, { kind: 'try' }>, scope: Scope): Completion {
    let completion: Completion;
    try {
      const unknownsBefore = unknownsMade();
      completion = this.execBlock(s.body, scope);
      // Something unknown in the body might have raised in Python: say that we assumed not.
      if (s.handlers.length && unknownsMade() > unknownsBefore) this.report(scope.file, s.from, s.from + 3, 'info', 'the try block computed values CNN Lens cannot know; it assumed they raised nothing');
      if (!completion) completion = this.execBlock(s.orelse, scope);
    } catch (e) {
      if (!(e instanceof PyRaise)) {
        this.execBlock(s.finally, scope);
        throw e;
      }
      const handler = s.handlers.find((h) => !h.type || this.objects.exceptionMatches(e.value, this.eval(h.type, scope)));
      if (!handler) {
        const after = this.execBlock(s.finally, scope);
        if (after) return after;
        throw e;
      }
      if (handler.name) scope.vars.set(handler.name, e.value);
      this.handling.push(e.value);
      try {
        completion = this.execBlock(handler.body, scope);
      } catch (inner) {
        const after = this.execBlock(s.finally, scope);
        if (after) return after;
        throw inner;
      } finally {
        this.handling.pop();
        if (handler.name) scope.vars.delete(handler.name);
      }
    }
    const after = this.execBlock(s.finally, scope);
    return after ?? completion;
  }

  /** Truthiness; only objects that may define __bool__/__len__ (or lists with unknown tails) take the slow path. */
  truth(v: Value, scope: Scope, span: { from: number; to: number }): boolean | undefined {
    return v.t === 'instance' || v.t === 'lazy' || v.t === 'list' || v.t === 'dict' ? this.objects.truthy(v, this.site(scope, span)) : truthy(v);
  }

  /** Evaluates a branch condition; an unknown one takes the else path and says so. */
  private condition(test: Expr, scope: Scope): boolean {
    const v = this.eval(test, scope);
    const t = this.truth(v, scope, test);
    if (t !== undefined) return t;
    this.guessed(scope, test, v, 'branch');
    return false;
  }

  /** Reports a branch or value chosen on a condition it could not know, and logs it for the verdict. */
  guessed(scope: Scope, test: { from: number; to: number }, v: Value, taken: 'branch' | 'value'): void {
    const file = scope.file;
    // Name the value's first loss (`os.environ…`), not the last step (`comparison with an unknown value`).
    const cause = v.t === 'unknown' ? (originOf(v)?.why ?? v.why) : repr(v);
    const why = `condition not known statically (${cause})`;
    this.report(file, test.from, test.to, 'info', `${why}; CNN Lens took the else ${taken}`, v);
    const guess = { file, from: test.from, to: test.to, why, via: this.via(file) };
    if (!this.importing) this.guesses.record(guess, this.topStatement);
    // At an import, the guess shapes the module's state (a registry, a table): whoever reads that
    // module's names later is built on it (Scope.lookup reports the read).
    else scope.moduleScope().builtOnGuess ??= guess;
  }

  private applyDecorators(decorators: readonly Expr[], value: Value, scope: Scope): Value {
    let out = value;
    for (const d of [...decorators].reverse()) {
      let applied: Value;
      try {
        applied = this.objects.decorate(this.eval(d, scope), out, this.site(scope, d));
      } catch (e) {
        // A registry decorator that raises on what it cannot know (torchvision's register_model
        // on an unknown __name__) must not stop the module: keep the function undecorated.
        if (!(e instanceof PyRaise)) throw e;
        this.report(scope.file, d.from, d.to, 'info', `decorator raised ${repr(e.value)}; CNN Lens kept what it decorates as written`);
        continue;
      }
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
    if (fn.calling) return unknown(fn.calling);
    if (++this.depth > this.budget.maxDepth) {
      this.depth--;
      throw new BudgetExceeded('recursion', site.file, site.from);
    }
    // Restored on return only: after a budget stop it still names the statement that ran last.
    const userAt = this.userAt;
    try {
      const scope = new Scope(fn.closure, 'function', fn.file);
      this.bindParams(fn, args, scope, site);
      if (fn.definingClass) scope.vars.set('__class__', fn.definingClass);
      if (bindSelf) scope.vars.set('__self__', bindSelf);
      if (!Array.isArray(fn.body)) return this.eval(fn.body as Expr, scope);
      const c = this.execBlock(fn.body as readonly Stmt[], scope);
      this.userAt = userAt;
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
        else if (scope.nonlocals?.has(target.id)) (scope.enclosing(target.id) ?? scope).vars.set(target.id, value);
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
        const known = this.objects.iterate(value, this.site(scope, target)) !== undefined;
        if (known && (starAt < 0 ? items.length !== target.elts.length : items.length < target.elts.length - 1)) {
          throw new PyRaise(this.objects.exception('ValueError', items.length > target.elts.length ? 'too many values to unpack' : 'not enough values to unpack'), scope.file, target.from);
        }
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

  /** The enclosing function scope a `nonlocal` name lives in (Python checks that one exists). */
  private enclosingOwner(scope: Scope, name: string): Scope {
    for (let s = scope.parent; s; s = s.parent) if (s.kind === 'function' && s.vars.has(name)) return s;
    return scope;
  }

  /** The items to loop over; an unknown iterable loops zero times and says so. */
  iterValues(v: Value, scope: Scope, where: { from: number; to: number }): Value[] {
    const items = this.objects.iterate(v, this.site(scope, where));
    if (items) return items;
    this.report(scope.file, where.from, where.to, 'info', `cannot iterate over ${v.t === 'unknown' ? v.why : repr(v)} statically; the loop was skipped`, v);
    return [];
  }

  eval(e: Expr, scope: Scope): Value {
    this.tick(scope.file, e.from);
    switch (e.kind) {
      case 'name': {
        const v = scope.lookup(e.id) ?? this.objects.builtin(e.id);
        if (v) return this.stamped(v, scope, e);
        this.report(scope.file, e.from, e.to, 'info', `'${e.id}' is not defined here`);
        return this.stamped(unknown(`name '${e.id}'`), scope, e);
      }
      case 'num':
        return e.isFloat ? float(e.value) : int(e.value);
      case 'str':
        return str(e.value);
      case 'fstring':
        return fstring(this, e.parts, scope);
      case 'const':
        return e.value === null ? NONE : e.value === 'ellipsis' ? this.objects.ellipsis : bool(e.value);
      case 'attr': {
        const object = this.eval(e.object, scope);
        return this.stamped(this.objects.getAttr(object, e.name, this.site(scope, e)), scope, e, object);
      }
      case 'subscript': {
        const object = this.eval(e.object, scope);
        const index = this.eval(e.index, scope);
        return this.stamped(this.objects.getItem(object, index, this.site(scope, e)), scope, e, object, index);
      }
      case 'slice':
        return { t: 'slice', lower: e.lower ? this.eval(e.lower, scope) : NONE, upper: e.upper ? this.eval(e.upper, scope) : NONE, step: e.step ? this.eval(e.step, scope) : NONE };
      case 'call': {
        if (e.func.kind === 'name' && e.func.id === 'super' && !e.args.length && !scope.lookup('super')) return this.objects.makeSuper(scope.lookup('__class__'), scope.lookup('__self__'));
        const callee = this.eval(e.func, scope);
        const args = this.evalArgs(e.args, scope);
        return this.stamped(this.objects.call(callee, args, this.site(scope, e)), scope, e, callee, undefined, args);
      }
      case 'binop': {
        const left = this.eval(e.left, scope);
        const right = this.eval(e.right, scope);
        return this.stamped(this.objects.binop(e.op, left, right, this.site(scope, e), false), scope, e, left, right);
      }
      case 'compare':
        return compareChain(this, e, scope);
      case 'formatted':
        return formatted(this, e, scope);
      case 'boolop': {
        const left = this.eval(e.left, scope);
        const t = this.truth(left, scope, e.left);
        if (t === undefined) return e.op === 'and' ? this.stamped(unknown('and of unknown'), scope, e, left) : this.eval(e.right, scope).t === 'unknown' ? left : this.stamped(unknown('or of unknown'), scope, e, left);
        return (e.op === 'and') === t ? this.eval(e.right, scope) : left;
      }
      case 'unary': {
        const operand = this.eval(e.operand, scope);
        return this.stamped(this.objects.unary(e.op, operand, this.site(scope, e)), scope, e, operand);
      }
      case 'ifexp': {
        const test = this.eval(e.test, scope);
        const t = this.objects.truthy(test, this.site(scope, e.test));
        if (t === undefined) this.guessed(scope, e.test, test, 'value');
        return t ? this.eval(e.body, scope) : this.eval(e.orelse, scope);
      }
      case 'lambda':
        return this.makeFunction('<lambda>', e.params, e.body, scope);
      case 'tuple': {
        let lost: string | undefined;
        const items = this.evalElements(e.elts, scope, (why) => (lost ??= why));
        return lost ? unknown(lost) : tuple(items);
      }
      case 'list': {
        let lost: string | undefined;
        const out = list(this.evalElements(e.elts, scope, (why) => (lost ??= why)));
        if (lost) out.unknownTail = lost;
        return out;
      }
      case 'set':
        return { t: 'list', items: dedupe(this.evalElements(e.elts, scope)), isSet: true };
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
        return comprehension(this, e, scope);
      case 'starred':
        return this.eval(e.value, scope);
      case 'complex':
        return unknown('a complex number');
      case 'named': {
        const value = this.eval(e.value, scope);
        this.assign(e.target, value, scope);
        return value;
      }
      case 'yield':
        return unknown('the value sent into a generator');
      case 'await':
        return unknown('an awaited value');
      case 'error':
        return unknown('text that does not parse');
    }
  }

  private evalElements(elts: readonly Expr[], scope: Scope, lost?: (why: string) => void): Value[] {
    const out: Value[] = [];
    for (const el of elts) {
      if (el.kind !== 'starred') {
        out.push(this.eval(el, scope));
        continue;
      }
      const v = this.eval(el.value, scope);
      const items = lost ? this.objects.iterate(v, this.site(scope, el)) : this.iterValues(v, scope, el);
      if (items) out.push(...items);
      else lost?.(`a list built from ${v.t === 'unknown' ? v.why : repr(v)}`);
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

  /** Exceptions being handled by the except blocks now running (for a bare `raise`). */
  private readonly handling: Value[] = [];

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

/** Where an unknown value (or the first unknown item of a tuple or list) was first lost. */
export function originOf(v: Value): UnknownOrigin | undefined {
  if (v.t === 'unknown') return v.origin;
  if (v.t === 'tuple' || v.t === 'list') for (const item of v.items) if (item.t === 'unknown' && item.origin) return item.origin;
  return undefined;
}
