/**
 * Python's builtins and the methods of its built-in values (str, list, tuple, dict), as the
 * evaluator needs them for model code: len, range, enumerate, zip, int/float/round/min/max/sum,
 * isinstance, getattr/setattr/hasattr, sorted, list/tuple/dict constructors, the common
 * exceptions, and list.append, dict.items, str.format and friends.
 */
import type { ObjectModel } from './objects';
import { abcInstanceCheck } from './abcClasses';
import { PyRaise } from './errors';
import { dedupe, installValueMethods } from './methods';
import { roundFloat, roundHalfEven, roundInt } from './pyNumbers';
import {
  FALSE,
  NONE,
  TRUE,
  bool,
  builtin,
  dict,
  float,
  hashKey,
  int,
  isNumber,
  list,
  numberOf,
  repr,
  str,
  strOf,
  truthy,
  tuple,
  unknown,
  type CallArgs,
  type CallSite,
  type ClassValue,
  type Value,
} from './values';

type Fn = (args: CallArgs, site: CallSite) => Value;

export function installBuiltins(om: ObjectModel): void {
  const b = om.builtins;
  const def = (name: string, fn: Fn) => b.set(name, builtin(name, fn));
  const arg = (a: CallArgs, i: number, name?: string): Value =>
    a.positional[i] ?? (name ? a.keywords.get(name) : undefined) ?? NONE;
  const items = (v: Value, site: CallSite) => om.iterate(v, site);

  // Types, usable with isinstance and as constructors.
  const typeClass = (name: string, construct: Fn) => {
    const cls = om.newClass(name, [], new Map(), `builtin:${name}`);
    om.natives.set(`builtin:${name}`, { construct: (_c, a, s) => construct(a, s) });
    b.set(name, cls);
    return cls;
  };
  typeClass('int', (a, s) => {
    const v = arg(a, 0);
    const base = a.positional[1] ?? a.keywords.get('base');
    if (v.t === 'str') {
      const b = base ? numberOf(base) : 10;
      if (b === undefined) return unknown('int() in an unknown base');
      const text = v.v.trim().replace(/(?<=[0-9a-zA-Z])_(?=[0-9a-zA-Z])/g, '');
      const digits = '0123456789abcdefghijklmnopqrstuvwxyz'.slice(0, b);
      const m = /^([-+]?)(.+)$/.exec(text);
      if (b < 2 || !m || ![...m[2].toLowerCase()].every((c) => digits.includes(c)))
        throw new PyRaise(om.exception('ValueError', 'invalid literal for int()'), s.file, s.from);
      const n = parseInt(m[2], b) * (m[1] === '-' ? -1 : 1);
      return Number.isSafeInteger(n) ? int(n) : unknown('int() too large to track exactly');
    }
    const n = numberOf(v);
    if (n !== undefined && !Number.isFinite(n))
      throw new PyRaise(om.exception(Number.isNaN(n) ? 'ValueError' : 'OverflowError'), s.file, s.from);
    return n === undefined ? (a.positional.length ? unknown('int() of an unknown value') : int(0)) : int(Math.trunc(n));
  });
  typeClass('float', (a, s) => {
    const v = arg(a, 0);
    if (v.t === 'str') {
      const text = v.v
        .trim()
        .toLowerCase()
        .replace(/(?<=\d)_(?=\d)/g, '');
      const special = /^([-+]?)(inf|infinity|nan)$/.exec(text);
      if (special) return float(special[2] === 'nan' ? NaN : special[1] === '-' ? -Infinity : Infinity);
      if (!/^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/.test(text))
        throw new PyRaise(om.exception('ValueError', 'could not convert string to float'), s.file, s.from);
      return float(Number(text));
    }
    const n = numberOf(v);
    return n === undefined ? (a.positional.length ? unknown('float() of an unknown value') : float(0)) : float(n);
  });
  typeClass('bool', (a) => {
    const t = a.positional.length ? truthy(arg(a, 0)) : false;
    return t === undefined ? unknown('bool() of an unknown value') : bool(t);
  });
  typeClass('str', (a, s) => {
    if (!a.positional.length) return str('');
    const text = om.pyStr(arg(a, 0), s);
    return text === undefined ? unknown('str() of an object') : str(text);
  });
  /** A collection built from an iterable; unknown (never empty) when its items cannot be known. */
  const collection =
    (name: string, make: (values: Value[]) => Value) =>
    (a: CallArgs, s: CallSite): Value => {
      if (!a.positional.length) return make([]);
      const values = items(arg(a, 0), s);
      return values ? make(values) : unknown(`${name}() of ${repr(arg(a, 0))}, whose items are not known statically`);
    };
  typeClass('list', collection('list', list));
  typeClass('tuple', collection('tuple', tuple));
  typeClass(
    'set',
    collection('set', (values) => ({ t: 'list', items: dedupe(values), isSet: true })),
  );
  typeClass(
    'frozenset',
    collection('frozenset', (values) => ({ t: 'list', items: dedupe(values), isSet: true })),
  );
  const dictClass = typeClass('dict', (a, s) => {
    const d = dict();
    const src = a.positional[0];
    if (src?.t === 'dict') for (const [k, e] of src.entries) d.entries.set(k, e);
    else if (src && !items(src, s)) return unknown(`dict() of ${repr(src)}, whose items are not known statically`);
    else if (src) {
      const pairs = items(src, s);
      if (!pairs) return unknown(`dict() of ${repr(src)}, whose items are not known statically`);
      for (const pair of pairs) {
        const kv = items(pair, s);
        if (kv && kv.length === 2) d.entries.set(hashKey(kv[0]), { key: kv[0], value: kv[1] });
      }
    }
    for (const [k, v] of a.keywords) d.entries.set(hashKey(str(k)), { key: str(k), value: v });
    return d;
  });
  const objectClass = om.newClass('object', [], new Map(), 'builtin:object');
  b.set('object', objectClass);
  // object's own attribute protocol, reachable as object.__setattr__(self, …) and self.__setattr__.
  const nameArg = (a: CallArgs) => (a.positional[1]?.t === 'str' ? (a.positional[1] as { v: string }).v : undefined);
  objectClass.attrs.set(
    '__setattr__',
    builtin(
      '__setattr__',
      (a, s) => {
        const name = nameArg(a);
        if (name !== undefined) om.setAttrDefault(arg(a, 0), name, arg(a, 2), s);
        return NONE;
      },
      true,
    ),
  );
  for (const getter of ['__getattribute__', '__getattr__']) {
    objectClass.attrs.set(
      getter,
      builtin(
        getter,
        (a, s) => {
          const name = nameArg(a);
          return name === undefined ? unknown(`${getter}() with an unknown name`) : om.getAttr(arg(a, 0), name, s);
        },
        true,
      ),
    );
  }
  objectClass.attrs.set(
    '__delattr__',
    builtin(
      '__delattr__',
      (a, s) => {
        const name = nameArg(a);
        if (name !== undefined) om.delAttr(arg(a, 0), name, s);
        return NONE;
      },
      true,
    ),
  );
  b.set(
    'type',
    builtin('type', (a) => {
      const v = arg(a, 0);
      if (v.t === 'instance') return v.cls;
      return b.get(v.t === 'list' && v.isSet ? 'set' : v.t) ?? unknown('type()');
    }),
  );
  const baseException = om.newClass('BaseException', [objectClass], new Map(), 'builtin:BaseException');
  baseException.attrs.set(
    '__init__',
    builtin(
      '__init__',
      (a) => {
        const self = a.positional[0];
        if (self?.t === 'instance') self.attrs.set('args', tuple(a.positional.slice(1)));
        return NONE;
      },
      true,
    ),
  );
  b.set('BaseException', baseException);
  // Python's exception hierarchy, parent before child.
  const hierarchy: [string, string][] = [
    ['Exception', 'BaseException'],
    ['ArithmeticError', 'Exception'],
    ['LookupError', 'Exception'],
    ['ValueError', 'Exception'],
    ['TypeError', 'Exception'],
    ['KeyError', 'LookupError'],
    ['IndexError', 'LookupError'],
    ['AttributeError', 'Exception'],
    ['NameError', 'Exception'],
    ['UnboundLocalError', 'NameError'],
    ['RuntimeError', 'Exception'],
    ['NotImplementedError', 'RuntimeError'],
    ['RecursionError', 'RuntimeError'],
    ['ImportError', 'Exception'],
    ['ModuleNotFoundError', 'ImportError'],
    ['AssertionError', 'Exception'],
    ['StopIteration', 'Exception'],
    ['ZeroDivisionError', 'ArithmeticError'],
    ['OverflowError', 'ArithmeticError'],
    ['OSError', 'Exception'],
    ['FileNotFoundError', 'OSError'],
    ['UnicodeError', 'ValueError'],
    ['Warning', 'Exception'],
    ['UserWarning', 'Warning'],
    ['DeprecationWarning', 'Warning'],
    ['RuntimeWarning', 'Warning'],
    ['KeyboardInterrupt', 'BaseException'],
    ['SystemExit', 'BaseException'],
  ];
  for (const [name, parent] of hierarchy) b.set(name, om.newClass(name, [b.get(parent) as ClassValue], new Map()));
  b.set('NotImplemented', unknown('NotImplemented'));
  b.set('Ellipsis', om.ellipsis);
  b.set('__name__', str('__cnn_lens__'));

  dictClass.attrs.set(
    'fromkeys',
    builtin('fromkeys', (a, s) => {
      const keys = items(arg(a, 0), s);
      return keys
        ? dict(keys.map((k) => [k, a.positional[1] ?? NONE]))
        : unknown('dict.fromkeys() of an unknown iterable');
    }),
  );
  def('len', (a, s) => {
    const v = arg(a, 0);
    if (v.t === 'str') return int([...v.v].length);
    if (v.t === 'dict') return v.unknownTail ? unknown(v.unknownTail) : int(v.entries.size);
    if (v.t === 'instance' && !v.native) {
      const method = om.classLookup(v.cls, '__len__');
      if (method) return om.call(om.bindMethod(method, v), { positional: [], keywords: new Map() }, s);
    }
    if (isNumber(v) || v.t === 'none')
      throw new PyRaise(om.exception('TypeError', `object of type '${v.t}' has no len()`), s.file, s.from);
    const its = items(v, s);
    return its ? int(its.length) : unknown(`len(${repr(v)})`);
  });
  def('range', (a) => {
    const ns = a.positional.map(numberOf);
    if (ns.some((n) => n === undefined)) return unknown('range() of unknown bounds');
    const [start, stop, step] = ns.length === 1 ? [0, ns[0]!, 1] : [ns[0]!, ns[1]!, ns[2] ?? 1];
    const out: Value[] = [];
    if (step > 0) for (let i = start; i < stop && out.length < 1e6; i += step) out.push(int(i));
    else if (step < 0) for (let i = start; i > stop && out.length < 1e6; i += step) out.push(int(i));
    return list(out);
  });
  def('enumerate', (a, s) => {
    const its = items(arg(a, 0), s);
    const start = numberOf(arg(a, 1, 'start')) ?? 0;
    return its ? list(its.map((v, i) => tuple([int(i + start), v]))) : unknown('enumerate() of an unknown iterable');
  });
  def('zip', (a, s) => {
    const all = a.positional.map((v) => items(v, s));
    if (all.some((x) => !x)) return unknown('zip() of an unknown iterable');
    const n = Math.min(...all.map((x) => x!.length));
    return list(Array.from({ length: n }, (_, i) => tuple(all.map((x) => x![i]))));
  });
  def(
    'reversed',
    collection('reversed', (values) => list([...values].reverse())),
  );
  def('sorted', (a, s) => {
    const its = items(arg(a, 0), s);
    if (!its) return unknown('sorted() of an unknown iterable');
    const out = om.sortValues(
      [...its],
      a.keywords.get('key'),
      om.truthy(a.keywords.get('reverse') ?? FALSE, s) === true,
      s,
    );
    return out ? list(out) : unknown('sorted() of values whose order is unknown');
  });
  const minmax =
    (op: '<' | '>'): Fn =>
    (a, s) => {
      const its = a.positional.length === 1 ? items(arg(a, 0), s) : a.positional;
      if (!its) return unknown('min/max of an unknown iterable');
      if (!its.length) {
        if (a.keywords.has('default')) return a.keywords.get('default')!;
        throw new PyRaise(
          om.exception('ValueError', `${op === '<' ? 'min' : 'max'}() arg is an empty sequence`),
          s.file,
          s.from,
        );
      }
      const key = a.keywords.get('key');
      const keyOf = (v: Value) => (key && key.t !== 'none' ? om.callValue(key, [v], s) : v);
      let best = its[0];
      let bestKey = keyOf(best);
      for (const v of its.slice(1)) {
        const k = keyOf(v);
        const better = om.truthy(om.binop(op, k, bestKey, s, false), s);
        if (better === undefined) return unknown('min/max of unknown values');
        if (better) [best, bestKey] = [v, k];
      }
      return best;
    };
  def('min', minmax('<'));
  def('max', minmax('>'));
  def('sum', (a, s) => {
    const its = items(arg(a, 0), s);
    if (!its) return unknown('sum() of an unknown iterable');
    let total: Value = a.positional[1] ?? int(0);
    for (const v of its) total = om.binop('+', total, v, s, false);
    return total;
  });
  def('abs', (a, s) => {
    const v = arg(a, 0);
    if (v.t === 'instance' && !v.native && om.classLookup(v.cls, '__abs__'))
      return om.call(om.bindMethod(om.classLookup(v.cls, '__abs__')!, v), { positional: [], keywords: new Map() }, s);
    const n = numberOf(v);
    if (n === undefined && (v.t === 'str' || v.t === 'none' || v.t === 'list' || v.t === 'tuple'))
      throw new PyRaise(om.exception('TypeError', 'bad operand type for abs()'), s.file, s.from);
    return n === undefined ? unknown('abs()') : v.t === 'float' ? float(Math.abs(n)) : int(Math.abs(n));
  });
  def('round', (a, s) => {
    const v = arg(a, 0);
    const n = numberOf(v);
    const digits = a.positional[1] ?? a.keywords.get('ndigits');
    if (n === undefined) return unknown('round() of an unknown value');
    if (digits && digits.t !== 'none') {
      const d = numberOf(digits);
      if (d === undefined) return unknown('round() to unknown digits');
      return v.t === 'float' ? float(roundFloat(n, d)) : int(roundInt(n, d));
    }
    if (v.t !== 'float') return int(n);
    if (!Number.isFinite(n))
      throw new PyRaise(om.exception(Number.isNaN(n) ? 'ValueError' : 'OverflowError'), s.file, s.from);
    return int(roundHalfEven(n));
  });
  def('divmod', (a, s) => {
    const [x, y] = [arg(a, 0), arg(a, 1)];
    const q = om.binop('//', x, y, s, false);
    const r = om.binop('%', x, y, s, false);
    return q.t === 'unknown' || r.t === 'unknown' ? unknown('divmod()') : tuple([q, r]);
  });
  def('pow', (a, s) => {
    const [x, y, m] = [arg(a, 0), arg(a, 1), a.positional[2]];
    if (!m || m.t === 'none') return om.binop('**', x, y, s, false);
    const [bx, by, bm] = [numberOf(x), numberOf(y), numberOf(m)] as number[];
    if (
      ![bx, by, bm].every((n) => n !== undefined && Number.isSafeInteger(n)) ||
      x.t === 'float' ||
      y.t === 'float' ||
      m.t === 'float' ||
      by! < 0
    )
      return unknown('pow() with a modulus');
    if (bm === 0) throw new PyRaise(om.exception('ValueError', 'pow() 3rd argument cannot be 0'), s.file, s.from);
    let result = 1n;
    let base = BigInt(bx);
    const mod = BigInt(bm);
    for (let e = BigInt(by); e > 0n; e >>= 1n) {
      if (e & 1n) result = (result * base) % mod;
      base = (base * base) % mod;
    }
    const r = result % mod;
    return int(Number(r !== 0n && r < 0n !== mod < 0n ? r + mod : r));
  });
  for (const [name, base, prefix] of [
    ['hex', 16, '0x'],
    ['oct', 8, '0o'],
    ['bin', 2, '0b'],
  ] as const) {
    def(name, (a) => {
      const v = arg(a, 0);
      if (v.t !== 'int' && v.t !== 'bool') return unknown(`${name}() of ${v.t}`);
      const n = numberOf(v)!;
      return str(`${n < 0 ? '-' : ''}${prefix}${Math.abs(n).toString(base)}`);
    });
  }
  def('format', (a, s) => {
    const spec = a.positional[1] ?? str('');
    return spec.t === 'str' ? om.format(arg(a, 0), spec.v, s) : unknown('format() with an unknown spec');
  });
  def('any', (a, s) => {
    const its = items(arg(a, 0), s);
    if (!its) return unknown('any() of an unknown iterable');
    const ts = its.map(truthy);
    return ts.includes(true) ? TRUE : ts.includes(undefined) ? unknown('any() of unknown values') : FALSE;
  });
  def('all', (a, s) => {
    const its = items(arg(a, 0), s);
    if (!its) return unknown('all() of an unknown iterable');
    const ts = its.map(truthy);
    return ts.includes(false) ? FALSE : ts.includes(undefined) ? unknown('all() of unknown values') : TRUE;
  });
  def('map', (a, s) => {
    const its = items(arg(a, 1), s);
    return its ? list(its.map((v) => om.callValue(arg(a, 0), [v], s))) : unknown('map() of an unknown iterable');
  });
  def('filter', (a, s) => {
    const its = items(arg(a, 1), s);
    const fn = arg(a, 0);
    return its
      ? list(its.filter((v) => truthy(fn.t === 'none' ? v : om.callValue(fn, [v], s)) === true))
      : unknown('filter()');
  });
  def('isinstance', (a) => {
    const [v, types] = [arg(a, 0), arg(a, 1)];
    const check = (t: Value): boolean | undefined => {
      if (t.t === 'tuple') {
        const rs = t.items.map(check);
        return rs.includes(true) ? true : rs.includes(undefined) ? undefined : false;
      }
      if (t.t === 'lazy') return check(t.resolve());
      // `type` is a builtin function here; as a class, its instances are the classes.
      if (t.t === 'builtin' && t.name === 'type')
        return v.t === 'unknown' || v.t === 'lazy' ? undefined : v.t === 'class';
      if (t.t !== 'class') return undefined;
      if (t.native?.startsWith('abc:')) return abcInstanceCheck(om, t, v);
      if (v.t === 'instance') return om.isSubclass(v.cls, t);
      if (v.t === 'unknown' || v.t === 'lazy') return undefined;
      if (t.native === 'builtin:object') return true;
      const kind = v.t === 'list' && v.isSet ? 'set' : v.t;
      if (t.native === 'builtin:float' && kind === 'int') return false;
      if (t.native === 'builtin:int' && kind === 'bool') return true;
      return t.native === `builtin:${kind}` || (kind === 'tensor' && /Tensor$/.test(t.name));
    };
    const r = check(types);
    return r === undefined ? unknown('isinstance() of an unknown value') : bool(r);
  });
  def('issubclass', (a) => {
    const [c, base] = [arg(a, 0), arg(a, 1)];
    return c.t === 'class' && base.t === 'class' ? bool(om.isSubclass(c, base)) : unknown('issubclass()');
  });
  def('callable', (a) =>
    bool(['func', 'builtin', 'bound', 'class'].includes(arg(a, 0).t) || arg(a, 0).t === 'instance'),
  );
  /** obj.name, or undefined when Python would raise AttributeError. */
  const attrOrMissing = (obj: Value, name: string, s: CallSite): Value | undefined => {
    try {
      return om.getAttr(obj, name, s);
    } catch (e) {
      const attrError = b.get('AttributeError');
      if (
        e instanceof PyRaise &&
        attrError?.t === 'class' &&
        e.value.t === 'instance' &&
        om.isSubclass(e.value.cls, attrError)
      )
        return undefined;
      throw e;
    }
  };
  def('getattr', (a, s) => {
    const [obj, name] = [arg(a, 0), arg(a, 1)];
    if (name.t !== 'str') return unknown('getattr() with an unknown name');
    const v = attrOrMissing(obj, name.v, s);
    if (v === undefined) {
      if (a.positional.length > 2) return a.positional[2];
      throw new PyRaise(om.exception('AttributeError', name.v), s.file, s.from);
    }
    // An attribute we cannot see may still exist: the default is only certain when it is missing.
    return v.t === 'unknown' && a.positional.length > 2 ? unknown(`getattr(…, '${name.v}', default)`) : v;
  });
  def('setattr', (a, s) => {
    const name = arg(a, 1);
    if (name.t === 'str') om.setAttr(arg(a, 0), name.v, arg(a, 2), s);
    return NONE;
  });
  def('hasattr', (a, s) => {
    const name = arg(a, 1);
    if (name.t !== 'str') return unknown('hasattr()');
    const obj = arg(a, 0);
    if (obj.t === 'unknown') return unknown('hasattr() of an unknown value');
    const v = attrOrMissing(obj, name.v, s);
    return v === undefined ? FALSE : v.t === 'unknown' ? unknown(`hasattr(…, '${name.v}')`) : TRUE;
  });
  def('id', (a) => int(hashKey(arg(a, 0)).length));
  def('hash', (a) => str(hashKey(arg(a, 0))));
  def('repr', (a, s) => {
    const text = om.pyRepr(arg(a, 0), s);
    return text === undefined ? unknown('repr() of an object') : str(text);
  });
  def('print', () => NONE);
  def('iter', (a, s) => list(items(arg(a, 0), s) ?? []));
  def('next', (a, s) => {
    const its = items(arg(a, 0), s);
    return its?.length ? its[0] : (a.positional[1] ?? unknown('next()'));
  });
  // What dir() lists for an instance of a plain class beyond its own and its classes' names.
  const objectNames = [
    '__class__',
    '__delattr__',
    '__dir__',
    '__doc__',
    '__eq__',
    '__format__',
    '__ge__',
    '__getattribute__',
    '__getstate__',
    '__gt__',
    '__hash__',
    '__init__',
    '__init_subclass__',
    '__le__',
    '__lt__',
    '__ne__',
    '__new__',
    '__reduce__',
    '__reduce_ex__',
    '__repr__',
    '__setattr__',
    '__sizeof__',
    '__str__',
    '__subclasshook__',
    '__dict__',
    '__module__',
    '__weakref__',
  ];
  def('dir', (a) => {
    const v = a.positional[0];
    if (!v) return unknown('dir() of the current scope');
    if (v.t !== 'instance' && v.t !== 'class') return unknown(`dir() of ${v.t}`);
    const cls = v.t === 'instance' ? v.cls : v;
    const names = new Set<string>(v.t === 'instance' ? v.attrs.keys() : []);
    for (const c of cls.mro) if (c !== objectClass) for (const k of c.attrs.keys()) names.add(k);
    const plain =
      (v.t !== 'instance' || om.knowsAllAttrs(v)) &&
      cls.mro.every((c) => !c.opaque && (!c.native || c.native === 'builtin:object'));
    if (plain) for (const n of objectNames) names.add(n);
    const out = list([...names].sort().map(str));
    // Objects of native or partly known classes have attributes we do not list.
    if (!plain) out.unknownTail = `dir() of a ${cls.name} lists attributes CNN Lens does not model`;
    return out;
  });
  def('vars', () => unknown('vars()'));
  def('locals', () => unknown('locals()'));
  def('globals', () => unknown('globals()'));
  def('open', () => unknown('open(): files are not read'));
  def('exec', () => unknown('exec(): never run'));
  def('eval', () => unknown('eval(): never run'));
  def('__import__', () => unknown('__import__()'));
  def('super', (a) => om.makeSuper(arg(a, 0), arg(a, 1)));
  const passThroughDecorator = (name: string) => def(name, (a) => arg(a, 0));
  // The evaluator reads @staticmethod/@classmethod/@property off the decorator list itself.
  passThroughDecorator('staticmethod');
  passThroughDecorator('classmethod');
  passThroughDecorator('property');
  def('chr', (a) => str(String.fromCharCode(numberOf(arg(a, 0)) ?? 63)));
  def('ord', (a) => {
    const v = arg(a, 0);
    return v.t === 'str' ? int(v.v.charCodeAt(0)) : unknown('ord()');
  });
  installValueMethods(om);
}
