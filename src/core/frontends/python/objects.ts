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
import { ItemProtocol } from './items';
import { Operators } from './operators';
import {
  NONE, Scope, bool, builtin, float, hashKey, int, isNumber, iterate, list, notModelled, numberOf, repr, str, strOf, truthy, tuple, unknown, unknownAt,
  type CallArgs, type CallSite, type ClassValue, type FuncValue, type InstanceValue, type ModuleValue, type Value,
} from './values';

/** How an evaluator-implemented class behaves; any hook left out falls back to plain Python. */
export interface NativeBehaviour {
  construct?(cls: ClassValue, args: CallArgs, site: CallSite): Value | undefined;
  getAttr?(self: InstanceValue, name: string, site: CallSite): Value | undefined;
  setAttr?(self: InstanceValue, name: string, value: Value, site: CallSite): boolean;
  delAttr?(self: InstanceValue, name: string, site: CallSite): void;
  call?(self: InstanceValue, args: CallArgs, site: CallSite): Value;
  getItem?(self: InstanceValue, index: Value, site: CallSite): Value | undefined;
  setItem?(self: InstanceValue, index: Value, value: Value, site: CallSite): boolean;
  iterate?(self: InstanceValue): Value[] | undefined;
  /** Whether Python raises AttributeError for `name`, which this behaviour and the classes lack. */
  raisesOnMissing?(self: InstanceValue, name: string): boolean;
  /** Runs when a class inheriting this native one is created (Enum members, keras Model…). */
  initSubclass?(cls: ClassValue): void;
}

/** Operators and methods on symbolic tensors, provided by the torch/keras models. */
export interface TensorSupport {
  binop(op: string, left: Value, right: Value, site: CallSite): Value;
  unary(op: string, value: Value, site: CallSite): Value;
  getAttr(tensor: Value, name: string, site: CallSite): Value;
  getItem(tensor: Value, index: Value, site: CallSite): Value;
  /** `t[index] = value`: writes a data tensor's values (a symbolic tensor keeps its shape). */
  setItem?(tensor: Value, index: Value, value: Value, site: CallSite): void;
  /** The rows of a tensor whose values are known (`for w in widths`); undefined otherwise. */
  iterate?(tensor: Value, site: CallSite): Value[] | undefined;
  /** `t[index] = value`, in place: a tensor whose values are known takes the new ones. */
  setItem?(tensor: Value, index: Value, value: Value, site: CallSite): void;
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
  /** Stable sort by Python's < (methods.ts); undefined when an order is unknown. */
  sortValues!: (items: Value[], key: Value | undefined, reverse: boolean, site: CallSite) => Value[] | undefined;
  /** Methods of str, list, tuple and dict values. */
  valueMethod: (self: Value, name: string) => Value | undefined = () => undefined;

  private readonly ops = new Operators(this);
  /** Indexing, slicing and item assignment of str, tuple, list and dict values. */
  readonly items = new ItemProtocol(this);

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
    let opaque: string | undefined;
    for (const b of s.bases) {
      let v = this.interp.eval(b.value, scope);
      if (v.t === 'lazy') v = v.resolve();
      if (b.kind === 'kw') keywords.set(b.name!, v);
      else if (v.t === 'class') bases.push(v);
      else opaque ??= `base ${v.t === 'unknown' ? v.why : repr(v)}`;
    }
    const object = this.builtins.get('object');
    if (!bases.length && !opaque && object?.t === 'class') bases.push(object);
    const body = this.interp.execClassBody(s.body, scope);
    // Python puts the defining module's name in every class namespace (torchvision logs API use by it).
    const moduleName = scope.moduleScope().vars.get('__name__');
    if (moduleName?.t === 'str' && !body.vars.has('__module__')) body.vars.set('__module__', moduleName);
    const qualname = `${scope.file}:${s.name}:${s.from}`;
    const cls = this.newClass(s.name, bases, body.vars, undefined, { file: scope.file, defRange: { from: s.from, to: s.to }, qualname });
    if (opaque) cls.opaque = opaque;
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

  /** Does the evaluator see every attribute this instance can have (so a missing one raises)? */
  knowsAllAttrs(obj: InstanceValue): boolean {
    return !obj.native && !obj.openAttrs && obj.cls.mro.every((c) => !c.opaque && (!c.native || c.native.startsWith('builtin:')));
  }

  private raise(name: string, site: CallSite, message?: string): never {
    throw new PyRaise(this.exception(name, message), site.file, site.from);
  }

  getAttr(obj: Value, name: string, site: CallSite): Value {
    switch (obj.t) {
      case 'instance': {
        if (obj.native?.superOf) return this.superAttr(obj, name, site);
        const fromClass = this.classLookup(obj.cls, name);
        // A property is a data descriptor: it wins over the instance's own attributes.
        if (fromClass?.t === 'func' && fromClass.isProperty) return this.bindTo(fromClass, obj, obj.cls, site);
        const own = obj.attrs.get(name);
        if (own !== undefined) return own;
        if (fromClass !== undefined) return this.bindTo(fromClass, obj, obj.cls, site);
        const native = this.nativeFor(obj)?.getAttr?.(obj, name, site);
        if (native !== undefined) return native;
        if (name === '__class__') return obj.cls;
        if (name === '__dict__') {
          obj.openAttrs = true;
          return unknown('__dict__');
        }
        const generic = this.objectMethod(obj, name);
        if (generic) return generic;
        const fallback = this.classLookup(obj.cls, '__getattr__');
        if (fallback?.t === 'func' && !obj.openAttrs) return this.call(this.bindTo(fallback, obj, obj.cls, site), { positional: [str(name)], keywords: new Map() }, site);
        if (this.knowsAllAttrs(obj) || (!obj.openAttrs && this.nativeFor(obj)?.raisesOnMissing?.(obj, name))) this.raise('AttributeError', site, `'${obj.cls.name}' object has no attribute '${name}'`);
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
        // Lost here, and the user is told why: the module is one CNN Lens does not read.
        return obj.open
          ? unknownAt(`${obj.name}.${name}`, site, this.interp, notModelled(obj, name))
          : unknown(`${obj.name}.${name}`);
      }
      case 'lazy':
        return this.getAttr(obj.resolve(), name, site);
      case 'tensor':
        return this.tensors.getAttr(obj, name, site);
      case 'func':
        if (name === '__name__') return str(obj.name);
        if (obj.isProperty && (name === 'setter' || name === 'getter' || name === 'deleter')) return this.propertyWith(obj, name);
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

  /** `@prop.setter`: a decorator giving a copy of the property that also has the setter. */
  private propertyWith(getter: FuncValue, which: string): Value {
    return builtin(which, (a) => {
      const fn = a.positional[0];
      if (fn?.t !== 'func') return unknown('property accessor');
      if (which === 'getter') return { ...fn, isProperty: true, attrs: new Map([...getter.attrs]) };
      const copy: FuncValue = { ...getter, attrs: new Map(getter.attrs) };
      copy.attrs.set(which === 'setter' ? '__setter__' : '__deleter__', fn);
      return copy;
    });
  }

  /**
   * object's own __setattr__, __getattr__(ibute) and __delattr__, bound to `self`, for
   * `self.__setattr__(n, v)` and `super().__setattr__(n, v)` on classes that do not define them.
   */
  private objectMethod(self: InstanceValue, name: string): Value | undefined {
    const generic = this.builtins.get('object');
    const v = generic?.t === 'class' ? generic.attrs.get(name) : undefined;
    return v?.t === 'builtin' ? { t: 'bound', self, func: v } : undefined;
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

  /** A class attribute bound to `self` as a method (for dunder calls). */
  bindMethod(v: Value, self: Value): Value {
    const cls = self.t === 'instance' ? self.cls : undefined;
    return cls ? this.bindTo(v, self, cls, { file: '', from: 0, to: 0 }) : v;
  }

  private superAttr(sup: InstanceValue, name: string, site: CallSite): Value {
    const { superOf, self } = sup.native as { superOf: ClassValue; self: Value };
    const selfCls = self.t === 'instance' ? self.cls : self.t === 'class' ? self : superOf;
    const v = this.classLookup(selfCls, name, superOf);
    if (v === undefined) {
      // object.__init__ and friends: nothing to do.
      if (name === '__init__') return { t: 'builtin', name: '__init__', call: () => NONE };
      if (self.t === 'instance') return this.objectMethod(self, name) ?? unknown(`super().${name}`);
      return unknown(`super().${name}`);
    }
    return this.bindTo(v, self, selfCls, site);
  }

  /** `obj.name = value`: a user __setattr__ when the class has one, else object's own. */
  setAttr(obj: Value, name: string, value: Value, site: CallSite): void {
    if (obj.t === 'instance' && !obj.native?.superOf) {
      const custom = this.classLookup(obj.cls, '__setattr__');
      if (custom?.t === 'func') {
        this.call(this.bindTo(custom, obj, obj.cls, site), { positional: [str(name), value], keywords: new Map() }, site);
        return;
      }
    }
    this.setAttrDefault(obj, name, value, site);
  }

  /** object.__setattr__: property setters, then the native behaviour (nn.Module registers children). */
  setAttrDefault(obj: Value, name: string, value: Value, site: CallSite): void {
    if (obj.t === 'instance') {
      const prop = this.classLookup(obj.cls, name);
      if (prop?.t === 'func' && prop.isProperty) {
        const setter = prop.attrs.get('__setter__');
        if (!setter) this.raise('AttributeError', site, `can't set attribute '${name}'`);
        this.call(setter, { positional: [obj, value], keywords: new Map() }, site);
        return;
      }
      const native = this.nativeFor(obj);
      if (native?.setAttr?.(obj, name, value, site)) return;
      obj.attrs.set(name, value);
    } else if (obj.t === 'class') obj.attrs.set(name, value);
    else if (obj.t === 'module') obj.attrs.set(name, value);
    else if (obj.t === 'func') obj.attrs.set(name, value);
    else if (['none', 'bool', 'int', 'float', 'str', 'tuple', 'list', 'dict'].includes(obj.t)) this.raise('AttributeError', site, `'${obj.t}' object attribute '${name}' is read-only`);
  }

  /** `del obj.name`. */
  delAttr(obj: Value, name: string, site: CallSite): void {
    if (obj.t === 'lazy') return this.delAttr(obj.resolve(), name, site);
    if (obj.t === 'instance') {
      const prop = this.classLookup(obj.cls, name);
      if (prop?.t === 'func' && prop.isProperty) {
        const deleter = prop.attrs.get('__deleter__');
        if (!deleter) this.raise('AttributeError', site, `can't delete attribute '${name}'`);
        this.call(deleter, { positional: [obj], keywords: new Map() }, site);
        return;
      }
      this.nativeFor(obj)?.delAttr?.(obj, name, site);
      if (obj.attrs.delete(name)) return;
      if (this.knowsAllAttrs(obj)) this.raise('AttributeError', site, name);
    } else if (obj.t === 'class' || obj.t === 'module' || obj.t === 'func') obj.attrs.delete(name);
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
    if (index.t === 'lazy') index = index.resolve();
    if (obj.t === 'tensor') return this.tensors.getItem(obj, index, site);
    if (obj.t === 'tuple' || obj.t === 'list' || obj.t === 'str' || obj.t === 'dict') return this.items.get(obj, index, site);
    if (obj.t === 'instance') {
      const native = this.nativeFor(obj)?.getItem?.(obj, index, site);
      if (native !== undefined) return native;
      const method = this.classLookup(obj.cls, '__getitem__');
      if (method) return this.call(this.bindTo(method, obj, obj.cls, site), { positional: [index], keywords: new Map() }, site);
    }
    // typing's List[int], Optional[X], Callable[..., Y] and the like.
    if (obj.t === 'class' || obj.t === 'unknown' || obj.t === 'module') return obj.t === 'class' ? obj : unknown('subscripted type');
    if (obj.t === 'none' || obj.t === 'int' || obj.t === 'float' || obj.t === 'bool') this.raise('TypeError', site, `'${obj.t}' object is not subscriptable`);
    return unknown(`${repr(obj)}[${repr(index)}]`);
  }

  setItem(obj: Value, index: Value, value: Value, site: CallSite): void {
    if (obj.t === 'lazy') return this.setItem(obj.resolve(), index, value, site);
    if (obj.t === 'list' || obj.t === 'dict' || obj.t === 'tuple' || obj.t === 'str') this.items.set(obj, index, value, site);
    else if (obj.t === 'tensor') this.tensors.setItem?.(obj, index, value, site);
    else if (obj.t === 'instance') {
      if (this.nativeFor(obj)?.setItem?.(obj, index, value, site)) return;
      const method = this.classLookup(obj.cls, '__setitem__');
      if (method) this.call(this.bindTo(method, obj, obj.cls, site), { positional: [index, value], keywords: new Map() }, site);
    }
  }

  /** `del obj[index]`. */
  delItem(obj: Value, index: Value, site: CallSite): void {
    if (obj.t === 'lazy') return this.delItem(obj.resolve(), index, site);
    if (obj.t === 'list' || obj.t === 'dict' || obj.t === 'tuple' || obj.t === 'str') this.items.del(obj, index, site);
    else if (obj.t === 'instance') {
      const method = this.classLookup(obj.cls, '__delitem__');
      if (method) this.call(this.bindTo(method, obj, obj.cls, site), { positional: [index], keywords: new Map() }, site);
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

  /** iterate() for Python's own loops: a number or None raises TypeError, as in Python. */
  iterateOrRaise(v: Value, site: CallSite): Value[] | undefined {
    const items = this.iterate(v, site);
    if (!items && ['none', 'bool', 'int', 'float'].includes(v.t)) this.raise('TypeError', site, `'${v.t}' object is not iterable`);
    return items;
  }

  enterContext(ctx: Value, site: CallSite): Value {
    if (ctx.t === 'instance') {
      const enter = this.classLookup(ctx.cls, '__enter__');
      if (enter) return this.call(this.bindTo(enter, ctx, ctx.cls, site), { positional: [], keywords: new Map() }, site);
    }
    return unknown('context manager value');
  }

  /** An instance of the builtin exception `name`, with its args, as a raise statement makes. */
  exception(name: string, message?: string): Value {
    const cls = this.builtins.get(name);
    return cls?.t === 'class' ? { t: 'instance', cls, attrs: new Map([['args', tuple(message === undefined ? [] : [str(message)])]]) } : unknown(name);
  }

  exceptionMatches(exc: Value, type: Value): boolean {
    if (type.t === 'lazy') return this.exceptionMatches(exc, type.resolve());
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
    // `self.bias is not None`: identity with a tensor is Python's, not the tensor's. Two tensor values
    // may stand for one tensor (a parameter read twice), so only the very same value is known identical.
    if ((op === 'is' || op === 'is not') && (l.t !== 'tensor' || r.t !== 'tensor' || l === r)) return this.ops.binop(op, l, r, site, inplace);
    if (l.t === 'tensor' || r.t === 'tensor') return this.tensors.binop(inplace ? `${op}=` : op, l, r, site);
    return this.ops.binop(op, l, r, site, inplace);
  }

  unary(op: string, v: Value, site: CallSite): Value {
    if (v.t === 'lazy') v = v.resolve();
    return this.ops.unary(op, v, site);
  }

  format(v: Value, spec: string, site: CallSite): Value {
    return this.ops.format(v, spec, site);
  }

  /** Python truthiness, through __bool__ and __len__ of user classes; undefined when unknowable. */
  truthy(v: Value, site: CallSite): boolean | undefined {
    if (v.t === 'lazy') return this.truthy(v.resolve(), site);
    if ((v.t === 'list' || v.t === 'dict') && v.unknownTail) return (v.t === 'list' ? v.items.length : v.entries.size) ? true : undefined;
    if (v.t === 'instance' && !v.native) {
      for (const name of ['__bool__', '__len__']) {
        const method = this.classLookup(v.cls, name);
        if (!method) continue;
        const out = this.call(this.bindMethod(method, v), { positional: [], keywords: new Map() }, site);
        return name === '__bool__' ? truthy(out) : out.t === 'int' ? out.v !== 0 : undefined;
      }
    }
    return truthy(v);
  }

  /** Python's str(), or undefined when it depends on something not modelled (an object's address). */
  pyStr(v: Value, site: CallSite): string | undefined {
    return this.ops.str(v, site);
  }

  /** Python's repr(), or undefined when it is not known. */
  pyRepr(v: Value, site: CallSite): string | undefined {
    return this.ops.repr(v, site);
  }

  /** str() for names and messages: Python's when known, else the evaluator's own rendering. */
  toStr(v: Value): string {
    return this.pyStr(v, { file: '', from: 0, to: 0 }) ?? strOf(v);
  }

  /** A user function as a plain callable, for natives that call back into Python. */
  callValue(fn: Value, positional: Value[], site: CallSite, keywords = new Map<string, Value>()): Value {
    return this.call(fn, { positional, keywords }, site);
  }
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

