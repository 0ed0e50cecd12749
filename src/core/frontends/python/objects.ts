/**
 * Python's object protocol for the evaluator: attribute lookup through the MRO (bound methods,
 * staticmethod, classmethod, property), calls (user functions, builtins, classes and their
 * __init__), operators, subscripts, iteration, classes with C3 linearisation and super(), and
 * imports. Library behaviour — torch, nn modules, keras, the builtins — plugs in through
 * NativeBehaviour entries keyed by a class's `native` name, so this file knows no library.
 */
import type { Stmt } from './ast';
import { PyRaise } from './errors';
import { Interpreter } from './interpreter';
import {
  NONE, Scope, bool, float, hashKey, int, isNumber, iterate, list, numberOf, repr, str, strOf, truthy, tuple, unknown,
  type CallArgs, type CallSite, type ClassValue, type FuncValue, type InstanceValue, type ModuleValue, type Value,
} from './values';

/** How an evaluator-implemented class behaves; any hook left out falls back to plain Python. */
export interface NativeBehaviour {
  construct?(cls: ClassValue, args: CallArgs, site: CallSite): Value | undefined;
  getAttr?(self: InstanceValue, name: string, site: CallSite): Value | undefined;
  setAttr?(self: InstanceValue, name: string, value: Value, site: CallSite): boolean;
  call?(self: InstanceValue, args: CallArgs, site: CallSite): Value;
  getItem?(self: InstanceValue, index: Value, site: CallSite): Value | undefined;
  setItem?(self: InstanceValue, index: Value, value: Value, site: CallSite): boolean;
  iterate?(self: InstanceValue): Value[] | undefined;
  /** Runs when a class inheriting this native one is created (Enum members, keras Model…). */
  initSubclass?(cls: ClassValue): void;
}

/** Operators and methods on symbolic tensors, provided by the torch/keras models. */
export interface TensorSupport {
  binop(op: string, left: Value, right: Value, site: CallSite): Value;
  unary(op: string, value: Value, site: CallSite): Value;
  getAttr(tensor: Value, name: string, site: CallSite): Value;
  getItem(tensor: Value, index: Value, site: CallSite): Value;
  /** The rows of a tensor whose values are known (`for w in widths`); undefined otherwise. */
  iterate?(tensor: Value, site: CallSite): Value[] | undefined;
}

/** The import system (moduleLoader.ts), reached through the object model. */
export interface ImportSupport {
  importStatement(s: Extract<Stmt, { kind: 'import' | 'importfrom' }>, scope: Scope): void;
  /** A modelled library module (`torch.nn`), or undefined. */
  library(name: string): ModuleValue | undefined;
  /** A package's submodule reached as an attribute (`torchvision.models`), if there is one. */
  submodule(pkg: ModuleValue, name: string, site: CallSite): Value | undefined;
}

export class ObjectModel {
  readonly ellipsis: Value = unknown('Ellipsis');
  readonly natives = new Map<string, NativeBehaviour>();
  builtins = new Map<string, Value>();
  tensors!: TensorSupport;
  imports!: ImportSupport;
  /** Methods of str, list, tuple and dict values. */
  valueMethod: (self: Value, name: string) => Value | undefined = () => undefined;

  constructor(readonly interp: Interpreter) {
    interp.objects = this;
  }

  builtin(name: string): Value | undefined {
    return this.builtins.get(name);
  }

  nativeOf(cls: ClassValue): NativeBehaviour | undefined {
    for (const c of cls.mro) if (c.native && this.natives.has(c.native)) return this.natives.get(c.native);
    return undefined;
  }

  /** The native behaviour for an instance; a super() proxy has none of its own. */
  private nativeFor(instance: InstanceValue): NativeBehaviour | undefined {
    return instance.native?.superOf ? undefined : this.nativeOf(instance.cls);
  }

  isSubclass(cls: ClassValue, base: ClassValue): boolean {
    return cls.mro.includes(base) || (!!base.native && cls.mro.some((c) => c.native === base.native));
  }

  makeClass(s: Extract<Stmt, { kind: 'class' }>, scope: Scope): Value {
    const bases: ClassValue[] = [];
    const keywords = new Map<string, Value>();
    for (const b of s.bases) {
      const v = this.interp.eval(b.value, scope);
      if (b.kind === 'kw') keywords.set(b.name!, v);
      else if (v.t === 'class') bases.push(v);
      else if (v.t === 'lazy') {
        const r = v.resolve();
        if (r.t === 'class') bases.push(r);
      }
    }
    const body = this.interp.execClassBody(s.body, scope);
    const qualname = `${scope.file}:${s.name}:${s.from}`;
    const cls = this.newClass(s.name, bases, body.vars, undefined, { file: scope.file, defRange: { from: s.from, to: s.to }, qualname });
    Interpreter.adopt(cls);
    this.nativeOf(cls)?.initSubclass?.(cls);
    return cls;
  }

  newClass(name: string, bases: ClassValue[], attrs: Map<string, Value>, native?: string, where: { file?: string; defRange?: { from: number; to: number }; qualname?: string } = {}): ClassValue {
    const cls: ClassValue = { t: 'class', name, qualname: where.qualname ?? `native:${native ?? name}`, bases, attrs, mro: [], native, file: where.file, defRange: where.defRange };
    cls.mro = [cls, ...linearise(bases)];
    return cls;
  }

  /** Looks `name` up on a class's MRO. */
  classLookup(cls: ClassValue, name: string, after?: ClassValue): Value | undefined {
    const mro = after ? cls.mro.slice(cls.mro.indexOf(after) + 1) : cls.mro;
    for (const c of mro) {
      const v = c.attrs.get(name);
      if (v !== undefined) return v;
    }
    return undefined;
  }

  getAttr(obj: Value, name: string, site: CallSite): Value {
    switch (obj.t) {
      case 'instance': {
        if (obj.native?.superOf) return this.superAttr(obj, name, site);
        const own = obj.attrs.get(name);
        if (own !== undefined) return own;
        const fromClass = this.classLookup(obj.cls, name);
        if (fromClass !== undefined) return this.bindTo(fromClass, obj, obj.cls, site);
        const native = this.nativeFor(obj)?.getAttr?.(obj, name, site);
        if (native !== undefined) return native;
        if (name === '__class__') return obj.cls;
        if (name === '__dict__') return unknown('__dict__');
        return unknown(`${obj.cls.name}.${name}`);
      }
      case 'class': {
        if (name === '__name__') return str(obj.name);
        if (name === '__qualname__') return str(obj.name);
        if (name === '__mro__') return tuple(obj.mro);
        const v = this.classLookup(obj, name);
        if (v === undefined) return unknown(`${obj.name}.${name}`);
        if (v.t === 'func' && v.isClassMethod) return { t: 'bound', self: obj, func: v };
        return v;
      }
      case 'module': {
        const v = obj.attrs.get(name);
        if (v !== undefined) return v.t === 'lazy' ? v.resolve() : v;
        const sub = this.imports.submodule(obj, name, site);
        if (sub) return sub;
        return unknown(`${obj.name}.${name}`);
      }
      case 'lazy':
        return this.getAttr(obj.resolve(), name, site);
      case 'tensor':
        return this.tensors.getAttr(obj, name, site);
      case 'func':
        if (name === '__name__') return str(obj.name);
        return obj.attrs.get(name) ?? unknown(`${obj.name}.${name}`);
      case 'builtin':
        if (name === '__name__') return str(obj.name);
        return unknown(`${obj.name}.${name}`);
      case 'unknown':
        return obj;
      default: {
        const m = this.valueMethod(obj, name);
        if (m) return m;
        if (name === '__class__') return this.builtins.get(obj.t === 'list' && obj.isSet ? 'set' : obj.t) ?? unknown('type');
        return unknown(`${repr(obj)}.${name}`);
      }
    }
  }

  /** A function found on a class, as seen through an instance. */
  private bindTo(v: Value, self: Value, cls: ClassValue, site: CallSite): Value {
    if (v.t === 'func') {
      if (v.isStatic) return v;
      if (v.isClassMethod) return { t: 'bound', self: cls, func: v };
      if (v.isProperty) return this.interp.callFunction(v, { positional: [self], keywords: new Map() }, site);
      return { t: 'bound', self, func: v };
    }
    if (v.t === 'builtin' && v.method) return { t: 'bound', self, func: v };
    return v;
  }

  private superAttr(sup: InstanceValue, name: string, site: CallSite): Value {
    const { superOf, self } = sup.native as { superOf: ClassValue; self: Value };
    const selfCls = self.t === 'instance' ? self.cls : self.t === 'class' ? self : superOf;
    const v = this.classLookup(selfCls, name, superOf);
    if (v === undefined) {
      // object.__init__ and friends: nothing to do.
      if (name === '__init__') return { t: 'builtin', name: '__init__', call: () => NONE };
      return unknown(`super().${name}`);
    }
    return this.bindTo(v, self, selfCls, site);
  }

  setAttr(obj: Value, name: string, value: Value, site: CallSite): void {
    if (obj.t === 'instance') {
      const native = this.nativeFor(obj);
      if (native?.setAttr?.(obj, name, value, site)) return;
      obj.attrs.set(name, value);
    } else if (obj.t === 'class') obj.attrs.set(name, value);
    else if (obj.t === 'module') obj.attrs.set(name, value);
    else if (obj.t === 'func') obj.attrs.set(name, value);
  }

  call(callee: Value, args: CallArgs, site: CallSite): Value {
    switch (callee.t) {
      case 'func':
        return this.interp.callFunction(callee, args, site);
      case 'builtin':
        return callee.call(args, site);
      case 'bound':
        if (callee.func.t === 'func') return this.interp.callFunction(callee.func, { positional: [callee.self, ...args.positional], keywords: args.keywords }, site, callee.self);
        return callee.func.call({ positional: [callee.self, ...args.positional], keywords: args.keywords }, site);
      case 'class':
        return this.instantiate(callee, args, site);
      case 'instance': {
        const native = this.nativeFor(callee);
        if (native?.call) return native.call(callee, args, site);
        const method = this.classLookup(callee.cls, '__call__');
        if (method) return this.call(this.bindTo(method, callee, callee.cls, site), args, site);
        return unknown(`calling a ${callee.cls.name}`);
      }
      case 'lazy':
        return this.call(callee.resolve(), args, site);
      case 'unknown':
        return unknown(callee.why.endsWith('()') ? callee.why : `${callee.why}()`);
      default:
        this.interp.report(site.file, site.from, site.to, 'info', `${repr(callee)} is not callable`);
        return unknown(`calling ${repr(callee)}`);
    }
  }

  instantiate(cls: ClassValue, args: CallArgs, site: CallSite): Value {
    const native = this.nativeOf(cls);
    const constructed = native?.construct?.(cls, args, site);
    if (constructed !== undefined) return constructed;
    const instance: InstanceValue = { t: 'instance', cls, attrs: new Map() };
    const init = this.classLookup(cls, '__init__');
    if (init) this.call(this.bindTo(init, instance, cls, site), args, site);
    const post = this.classLookup(cls, '__post_init__');
    if (post) this.call(this.bindTo(post, instance, cls, site), { positional: [], keywords: new Map() }, site);
    return instance;
  }

  /** super() with no arguments: the class and `self` of the running method. */
  makeSuper(cls: Value | undefined, self: Value | undefined): Value {
    if (cls?.t !== 'class' || !self) return unknown('super() outside a method');
    return { t: 'instance', cls, attrs: new Map(), native: { superOf: cls, self } };
  }

  decorate(decorator: Value, target: Value, site: CallSite): Value {
    return this.call(decorator, { positional: [target], keywords: new Map() }, site);
  }

  getItem(obj: Value, index: Value, site: CallSite): Value {
    if (obj.t === 'lazy') return this.getItem(obj.resolve(), index, site);
    if (obj.t === 'tensor') return this.tensors.getItem(obj, index, site);
    if (obj.t === 'tuple' || obj.t === 'list' || obj.t === 'str') {
      const items = obj.t === 'str' ? [...obj.v].map(str) : [...obj.items];
      if (index.t === 'slice') {
        const picked = sliceItems(items, index);
        return obj.t === 'str' ? str(picked.map((s) => strOf(s)).join('')) : obj.t === 'tuple' ? tuple(picked) : list(picked);
      }
      const i = numberOf(index);
      if (i === undefined) return unknown(`${repr(obj)}[${repr(index)}]`);
      const v = items[i < 0 ? items.length + i : i];
      if (v === undefined) throw new PyRaise(this.exception('IndexError'), site.file, site.from);
      return v;
    }
    if (obj.t === 'dict') {
      const e = obj.entries.get(hashKey(index));
      if (e) return e.value;
      if (index.t === 'unknown') return unknown('dict lookup with an unknown key');
      throw new PyRaise(this.exception('KeyError'), site.file, site.from);
    }
    if (obj.t === 'instance') {
      const native = this.nativeFor(obj)?.getItem?.(obj, index, site);
      if (native !== undefined) return native;
      const method = this.classLookup(obj.cls, '__getitem__');
      if (method) return this.call(this.bindTo(method, obj, obj.cls, site), { positional: [index], keywords: new Map() }, site);
    }
    // typing's List[int], Optional[X], Callable[..., Y] and the like.
    if (obj.t === 'class' || obj.t === 'unknown' || obj.t === 'module') return obj.t === 'class' ? obj : unknown('subscripted type');
    return unknown(`${repr(obj)}[${repr(index)}]`);
  }

  setItem(obj: Value, index: Value, value: Value, site: CallSite): void {
    if (obj.t === 'list') {
      const i = numberOf(index);
      if (i !== undefined) obj.items[i < 0 ? obj.items.length + i : i] = value;
    } else if (obj.t === 'dict') obj.entries.set(hashKey(index), { key: index, value });
    else if (obj.t === 'instance') {
      if (this.nativeFor(obj)?.setItem?.(obj, index, value, site)) return;
      const method = this.classLookup(obj.cls, '__setitem__');
      if (method) this.call(this.bindTo(method, obj, obj.cls, site), { positional: [index, value], keywords: new Map() }, site);
    }
  }

  iterate(v: Value, site: CallSite): Value[] | undefined {
    if (v.t === 'lazy') return this.iterate(v.resolve(), site);
    const plain = iterate(v);
    if (plain) return plain;
    if (v.t === 'tensor') return this.tensors.iterate?.(v, site);
    if (v.t === 'instance') {
      const native = this.nativeFor(v)?.iterate?.(v);
      if (native) return native;
      const method = this.classLookup(v.cls, '__iter__');
      if (method) return this.iterate(this.call(this.bindTo(method, v, v.cls, site), { positional: [], keywords: new Map() }, site), site);
    }
    if (v.t === 'class') {
      // Enum classes iterate over their members.
      const members = v.attrs.get('__members__');
      if (members) return iterate(members);
    }
    return undefined;
  }

  enterContext(ctx: Value, site: CallSite): Value {
    if (ctx.t === 'instance') {
      const enter = this.classLookup(ctx.cls, '__enter__');
      if (enter) return this.call(this.bindTo(enter, ctx, ctx.cls, site), { positional: [], keywords: new Map() }, site);
    }
    return unknown('context manager value');
  }

  exception(name: string): Value {
    const cls = this.builtins.get(name);
    return cls?.t === 'class' ? { t: 'instance', cls, attrs: new Map() } : unknown(name);
  }

  exceptionMatches(exc: Value, type: Value): boolean {
    if (type.t === 'tuple') return type.items.some((t) => this.exceptionMatches(exc, t));
    if (type.t !== 'class') return true;
    const cls = exc.t === 'instance' ? exc.cls : exc.t === 'class' ? exc : undefined;
    return !cls || this.isSubclass(cls, type);
  }

  importInto(s: Extract<Stmt, { kind: 'import' | 'importfrom' }>, scope: Scope): void {
    this.imports.importStatement(s, scope);
  }

  binop(op: string, l: Value, r: Value, site: CallSite, inplace: boolean): Value {
    if (l.t === 'lazy') l = l.resolve();
    if (r.t === 'lazy') r = r.resolve();
    if (l.t === 'tensor' || r.t === 'tensor') return this.tensors.binop(inplace ? `${op}=` : op, l, r, site);
    switch (op) {
      case 'is':
        return bool(l === r || (l.t === 'none' && r.t === 'none') || (l.t === r.t && hashKey(l) === hashKey(r) && l.t !== 'instance'));
      case 'is not':
        return bool(!truthy(this.binop('is', l, r, site, false)));
      case 'in':
      case 'not in': {
        const items = r.t === 'dict' ? [...r.entries.values()].map((e) => e.key) : r.t === 'str' && l.t === 'str' ? undefined : this.iterate(r, site);
        let found: boolean | undefined;
        if (r.t === 'str' && l.t === 'str') found = r.v.includes(l.v);
        else if (items && l.t !== 'unknown') found = items.some((x) => hashKey(x) === hashKey(l));
        if (found === undefined) return unknown(`'${op}' on unknown values`);
        return bool(op === 'in' ? found : !found);
      }
      case '==':
      case '!=': {
        if (l.t === 'unknown' || r.t === 'unknown') return unknown('comparison with an unknown value');
        const eq = isNumber(l) && isNumber(r) ? numberOf(l) === numberOf(r) : hashKey(l) === hashKey(r) || (l.t === 'list' && r.t === 'list' && repr(l) === repr(r));
        return bool(op === '==' ? eq : !eq);
      }
    }
    if (isNumber(l) && isNumber(r)) return numericOp(op, l, r) ?? unknown(`${repr(l)} ${op} ${repr(r)}`);
    if (op === '+' && l.t === r.t && (l.t === 'str' || l.t === 'tuple' || l.t === 'list')) {
      if (l.t === 'str') return str(l.v + (r as typeof l).v);
      if (l.t === 'list') {
        if (inplace) {
          l.items.push(...(r as typeof l).items);
          return l;
        }
        return list([...l.items, ...(r as typeof l).items]);
      }
      return tuple([...l.items, ...(r as typeof l).items]);
    }
    if (op === '+' && inplace && l.t === 'list' && r.t === 'tuple') {
      l.items.push(...r.items);
      return l;
    }
    if (op === '*' && (l.t === 'list' || l.t === 'tuple' || l.t === 'str') && r.t === 'int') return repeat(l, r.v);
    if (op === '*' && (r.t === 'list' || r.t === 'tuple' || r.t === 'str') && l.t === 'int') return repeat(r, l.v);
    if (op === '%' && l.t === 'str') return percentFormat(l.v, r.t === 'tuple' ? r.items : [r], this) ?? unknown('%-formatted string with unknown parts');
    if (['<', '>', '<=', '>='].includes(op) && l.t === 'str' && r.t === 'str') return bool(compare(op, l.v, r.v));
    if (l.t === 'instance') {
      const method = this.classLookup(l.cls, dunder[op] ?? '');
      if (method) return this.call(this.bindTo(method, l, l.cls, site), { positional: [r], keywords: new Map() }, site);
    }
    return unknown(`${repr(l)} ${op} ${repr(r)}`);
  }

  unary(op: string, v: Value, site: CallSite): Value {
    if (v.t === 'lazy') v = v.resolve();
    if (op === 'not') {
      const t = truthy(v);
      return t === undefined ? unknown('not of an unknown value') : bool(!t);
    }
    if (v.t === 'tensor') return this.tensors.unary(op, v, site);
    const n = numberOf(v);
    if (n === undefined) return unknown(`${op}${repr(v)}`);
    if (op === '-') return v.t === 'float' ? float(-n) : int(-n);
    if (op === '~') return int(~n);
    return v.t === 'bool' ? int(n) : v;
  }

  toStr(v: Value): string {
    if (v.t === 'instance') {
      const method = this.classLookup(v.cls, '__str__') ?? this.classLookup(v.cls, '__repr__');
      if (method?.t === 'func') {
        const s = this.interp.callFunction(method, { positional: [v], keywords: new Map() }, { file: '', from: 0, to: 0 });
        if (s.t === 'str') return s.v;
      }
    }
    return strOf(v);
  }

  /** A user function as a plain callable, for natives that call back into Python. */
  callValue(fn: Value, positional: Value[], site: CallSite, keywords = new Map<string, Value>()): Value {
    return this.call(fn, { positional, keywords }, site);
  }
}

const dunder: Record<string, string> = { '+': '__add__', '-': '__sub__', '*': '__mul__', '/': '__truediv__', '@': '__matmul__', '==': '__eq__', '<': '__lt__' };

function compare(op: string, a: number | string, b: number | string): boolean {
  return op === '<' ? a < b : op === '>' ? a > b : op === '<=' ? a <= b : a >= b;
}

function numericOp(op: string, l: Value, r: Value): Value | undefined {
  const a = numberOf(l)!;
  const b = numberOf(r)!;
  const isInt = l.t !== 'float' && r.t !== 'float';
  const num = (x: number) => (isInt ? int(x) : float(x));
  switch (op) {
    case '+':
      return num(a + b);
    case '-':
      return num(a - b);
    case '*':
      return num(a * b);
    case '/':
      return b === 0 ? undefined : float(a / b);
    case '//':
      return b === 0 ? undefined : num(Math.floor(a / b));
    case '%':
      return b === 0 ? undefined : num(((a % b) + b) % b);
    case '**':
      return isInt && b >= 0 ? int(a ** b) : float(a ** b);
    case '<<':
      return int(a << b);
    case '>>':
      return int(a >> b);
    case '&':
      return l.t === 'bool' && r.t === 'bool' ? bool(!!(a & b)) : int(a & b);
    case '|':
      return l.t === 'bool' && r.t === 'bool' ? bool(!!(a | b)) : int(a | b);
    case '^':
      return int(a ^ b);
    case '<':
    case '>':
    case '<=':
    case '>=':
      return bool(compare(op, a, b));
    default:
      return undefined;
  }
}

/** `"denselayer%d" % (i + 1)`: printf-style formatting for the conversions model code uses. */
function percentFormat(format: string, args: readonly Value[], om: ObjectModel): Value | undefined {
  let i = 0;
  let failed = false;
  const out = format.replace(/%([-+ 0#]*\d*(?:\.\d+)?)([sdirfgx%])/g, (_, flags: string, conv: string) => {
    if (conv === '%') return '%';
    const v = args[i++];
    if (!v || v.t === 'unknown') {
      failed = true;
      return '';
    }
    const n = numberOf(v);
    const precision = /\.(\d+)/.exec(flags)?.[1];
    switch (conv) {
      case 'd':
      case 'i':
        return n === undefined ? ((failed = true), '') : String(Math.trunc(n));
      case 'f':
        return n === undefined ? ((failed = true), '') : n.toFixed(precision ? Number(precision) : 6);
      case 'g':
        return n === undefined ? ((failed = true), '') : String(n);
      case 'x':
        return n === undefined ? ((failed = true), '') : Math.trunc(n).toString(16);
      case 'r':
        return repr(v);
      default:
        return om.toStr(v);
    }
  });
  return failed ? undefined : str(out);
}

function repeat(v: Value, n: number): Value {
  if (v.t === 'str') return str(v.v.repeat(Math.max(0, n)));
  const items = (v as { items: readonly Value[] }).items;
  const out: Value[] = [];
  for (let i = 0; i < n; i++) out.push(...items);
  return v.t === 'tuple' ? tuple(out) : list(out);
}

export function sliceItems<T>(items: readonly T[], s: { lower: Value; upper: Value; step: Value }): T[] {
  const n = items.length;
  const step = numberOf(s.step) ?? 1;
  const norm = (v: Value, dflt: number) => {
    const x = numberOf(v);
    if (x === undefined) return dflt;
    return x < 0 ? Math.max(n + x, step < 0 ? -1 : 0) : Math.min(x, step < 0 ? n - 1 : n);
  };
  const out: T[] = [];
  if (step > 0) for (let i = norm(s.lower, 0); i < norm(s.upper, n); i += step) out.push(items[i]);
  else for (let i = norm(s.lower, n - 1); i > norm(s.upper, -1); i += step) out.push(items[i]);
  return out;
}

/** C3 linearisation of the bases' MROs (Python's method resolution order). */
function linearise(bases: readonly ClassValue[]): ClassValue[] {
  const seqs = [...bases.map((b) => [...b.mro]), [...bases]].filter((s) => s.length);
  const out: ClassValue[] = [];
  while (seqs.some((s) => s.length)) {
    const candidate = seqs.map((s) => s[0]).find((c) => c && !seqs.some((s) => s.indexOf(c) > 0));
    if (!candidate) {
      // Inconsistent hierarchy: fall back to depth-first order rather than failing.
      for (const s of seqs) for (const c of s) if (!out.includes(c)) out.push(c);
      break;
    }
    out.push(candidate);
    for (const s of seqs) if (s[0] === candidate) s.shift();
  }
  return out;
}

