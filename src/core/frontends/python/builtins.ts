/**
 * Python's builtins and the methods of its built-in values (str, list, tuple, dict), as the
 * evaluator needs them for model code: len, range, enumerate, zip, int/float/round/min/max/sum,
 * isinstance, getattr/setattr/hasattr, sorted, list/tuple/dict constructors, the common
 * exceptions, and list.append, dict.items, str.format and friends.
 */
import type { ObjectModel } from './objects';
import { PyRaise } from './errors';
import {
  FALSE, NONE, TRUE, bool, builtin, dict, float, hashKey, int, isNumber, list, numberOf, repr, str, strOf, truthy, tuple, unknown,
  type CallArgs, type CallSite, type ClassValue, type Value,
} from './values';

type Fn = (args: CallArgs, site: CallSite) => Value;

export function installBuiltins(om: ObjectModel): void {
  const b = om.builtins;
  const def = (name: string, fn: Fn) => b.set(name, builtin(name, fn));
  const arg = (a: CallArgs, i: number, name?: string): Value => a.positional[i] ?? (name ? a.keywords.get(name) : undefined) ?? NONE;
  const items = (v: Value, site: CallSite) => om.iterate(v, site);

  // Types, usable with isinstance and as constructors.
  const typeClass = (name: string, construct: Fn) => {
    const cls = om.newClass(name, [], new Map(), `builtin:${name}`);
    om.natives.set(`builtin:${name}`, { construct: (_c, a, s) => construct(a, s) });
    b.set(name, cls);
    return cls;
  };
  typeClass('int', (a) => {
    const v = arg(a, 0);
    if (v.t === 'str' && /^-?\d+$/.test(v.v.trim())) return int(parseInt(v.v, 10));
    const n = numberOf(v);
    return n === undefined ? (a.positional.length ? unknown('int() of an unknown value') : int(0)) : int(Math.trunc(n));
  });
  typeClass('float', (a) => {
    const v = arg(a, 0);
    if (v.t === 'str') return float(v.v === 'inf' ? Infinity : v.v === '-inf' ? -Infinity : Number(v.v));
    const n = numberOf(v);
    return n === undefined ? (a.positional.length ? unknown('float() of an unknown value') : float(0)) : float(n);
  });
  typeClass('bool', (a) => {
    const t = a.positional.length ? truthy(arg(a, 0)) : false;
    return t === undefined ? unknown('bool() of an unknown value') : bool(t);
  });
  typeClass('str', (a) => (a.positional.length ? str(om.toStr(arg(a, 0))) : str('')));
  typeClass('list', (a, s) => list(a.positional.length ? items(arg(a, 0), s) ?? [] : []));
  typeClass('tuple', (a, s) => tuple(a.positional.length ? items(arg(a, 0), s) ?? [] : []));
  typeClass('set', (a, s) => ({ t: 'list', items: a.positional.length ? dedupe(items(arg(a, 0), s) ?? []) : [], isSet: true }));
  typeClass('frozenset', (a, s) => ({ t: 'list', items: a.positional.length ? dedupe(items(arg(a, 0), s) ?? []) : [], isSet: true }));
  typeClass('dict', (a, s) => {
    const d = dict();
    const src = a.positional[0];
    if (src?.t === 'dict') for (const [k, e] of src.entries) d.entries.set(k, e);
    else if (src) for (const pair of items(src, s) ?? []) {
      const kv = items(pair, s);
      if (kv && kv.length === 2) d.entries.set(hashKey(kv[0]), { key: kv[0], value: kv[1] });
    }
    for (const [k, v] of a.keywords) d.entries.set(hashKey(str(k)), { key: str(k), value: v });
    return d;
  });
  const objectClass = om.newClass('object', [], new Map(), 'builtin:object');
  b.set('object', objectClass);
  b.set('type', builtin('type', (a) => {
    const v = arg(a, 0);
    if (v.t === 'instance') return v.cls;
    return b.get(v.t === 'list' && v.isSet ? 'set' : v.t) ?? unknown('type()');
  }));
  const baseException = om.newClass('BaseException', [], new Map(), 'builtin:BaseException');
  const exception = om.newClass('Exception', [baseException], new Map());
  b.set('BaseException', baseException);
  b.set('Exception', exception);
  for (const name of ['ValueError', 'TypeError', 'KeyError', 'IndexError', 'AttributeError', 'RuntimeError', 'NotImplementedError', 'ImportError', 'ModuleNotFoundError', 'AssertionError', 'StopIteration', 'ZeroDivisionError', 'OSError', 'UserWarning', 'DeprecationWarning', 'Warning']) {
    b.set(name, om.newClass(name, [exception], new Map()));
  }
  b.set('NotImplemented', unknown('NotImplemented'));
  b.set('Ellipsis', om.ellipsis);
  b.set('__name__', str('__cnn_lens__'));

  def('len', (a, s) => {
    const v = arg(a, 0);
    if (v.t === 'str') return int(v.v.length);
    if (v.t === 'dict') return int(v.entries.size);
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
  def('reversed', (a, s) => list([...(items(arg(a, 0), s) ?? [])].reverse()));
  def('sorted', (a, s) => {
    const its = items(arg(a, 0), s);
    if (!its) return unknown('sorted() of an unknown iterable');
    const key = a.keywords.get('key');
    const keyed = its.map((v) => ({ v, k: key && key.t !== 'none' ? om.callValue(key, [v], s) : v }));
    keyed.sort((x, y) => {
      const kx = numberOf(x.k) ?? strOf(x.k);
      const ky = numberOf(y.k) ?? strOf(y.k);
      return kx < ky ? -1 : kx > ky ? 1 : 0;
    });
    if (truthy(a.keywords.get('reverse') ?? FALSE)) keyed.reverse();
    return list(keyed.map((x) => x.v));
  });
  const minmax = (pick: (a: number, b: number) => boolean): Fn => (a, s) => {
    const its = a.positional.length === 1 ? items(arg(a, 0), s) : a.positional;
    if (!its || !its.length) return unknown('min/max of an unknown or empty iterable');
    const key = a.keywords.get('key');
    let best = its[0];
    let bestKey = numberOf(key ? om.callValue(key, [best], s) : best);
    for (const v of its.slice(1)) {
      const k = numberOf(key ? om.callValue(key, [v], s) : v);
      if (k === undefined || bestKey === undefined) return unknown('min/max of unknown values');
      if (pick(k, bestKey)) [best, bestKey] = [v, k];
    }
    return bestKey === undefined ? unknown('min/max of unknown values') : best;
  };
  def('min', minmax((x, y) => x < y));
  def('max', minmax((x, y) => x > y));
  def('sum', (a, s) => {
    const its = items(arg(a, 0), s);
    if (!its) return unknown('sum() of an unknown iterable');
    let total: Value = a.positional[1] ?? int(0);
    for (const v of its) total = om.binop('+', total, v, s, false);
    return total;
  });
  def('abs', (a) => {
    const v = arg(a, 0);
    const n = numberOf(v);
    return n === undefined ? unknown('abs()') : v.t === 'float' ? float(Math.abs(n)) : int(Math.abs(n));
  });
  def('round', (a) => {
    const n = numberOf(arg(a, 0));
    const digits = a.positional[1] ?? a.keywords.get('ndigits');
    if (n === undefined) return unknown('round() of an unknown value');
    if (digits && digits.t !== 'none') {
      const f = 10 ** (numberOf(digits) ?? 0);
      return float(roundHalfEven(n * f) / f);
    }
    return int(roundHalfEven(n));
  });
  def('divmod', (a) => {
    const [x, y] = [numberOf(arg(a, 0)), numberOf(arg(a, 1))];
    return x === undefined || !y ? unknown('divmod()') : tuple([int(Math.floor(x / y)), int(((x % y) + y) % y)]);
  });
  def('pow', (a) => {
    const [x, y] = [numberOf(arg(a, 0)), numberOf(arg(a, 1))];
    return x === undefined || y === undefined ? unknown('pow()') : int(x ** y);
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
    return its ? list(its.filter((v) => truthy(fn.t === 'none' ? v : om.callValue(fn, [v], s)) === true)) : unknown('filter()');
  });
  def('isinstance', (a) => {
    const [v, types] = [arg(a, 0), arg(a, 1)];
    const check = (t: Value): boolean | undefined => {
      if (t.t === 'tuple') {
        const rs = t.items.map(check);
        return rs.includes(true) ? true : rs.includes(undefined) ? undefined : false;
      }
      if (t.t === 'lazy') return check(t.resolve());
      if (t.t !== 'class') return undefined;
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
  def('callable', (a) => bool(['func', 'builtin', 'bound', 'class'].includes(arg(a, 0).t) || arg(a, 0).t === 'instance'));
  def('getattr', (a, s) => {
    const [obj, name] = [arg(a, 0), arg(a, 1)];
    if (name.t !== 'str') return unknown('getattr() with an unknown name');
    const v = om.getAttr(obj, name.v, s);
    return v.t === 'unknown' && a.positional.length > 2 ? a.positional[2] : v;
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
    return bool(om.getAttr(obj, name.v, s).t !== 'unknown');
  });
  def('id', (a) => int(hashKey(arg(a, 0)).length));
  def('hash', (a) => str(hashKey(arg(a, 0))));
  def('repr', (a) => str(repr(arg(a, 0))));
  def('print', () => NONE);
  def('iter', (a, s) => list(items(arg(a, 0), s) ?? []));
  def('next', (a, s) => {
    const its = items(arg(a, 0), s);
    return its?.length ? its[0] : a.positional[1] ?? unknown('next()');
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
  def('NotImplementedError', (_a, s) => {
    throw new PyRaise(om.exception('NotImplementedError'), s.file, s.from);
  });
  b.delete('NotImplementedError');
  b.set('NotImplementedError', om.newClass('NotImplementedError', [exception], new Map()));
  installValueMethods(om);
}

function dedupe(values: Value[]): Value[] {
  const seen = new Set<string>();
  return values.filter((v) => !seen.has(hashKey(v)) && !!seen.add(hashKey(v)));
}

/** Python 3's round(): halves go to the even neighbour. */
function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

function installValueMethods(om: ObjectModel): void {
  const m = (fn: (self: Value, a: CallArgs, s: CallSite) => Value, name: string) => builtin(name, (a, s) => fn(a.positional[0], { positional: a.positional.slice(1), keywords: a.keywords }, s), true);
  const arg = (a: CallArgs, i: number, name?: string): Value | undefined => a.positional[i] ?? (name ? a.keywords.get(name) : undefined);

  const listMethods: Record<string, (self: Value & { t: 'list' }, a: CallArgs, s: CallSite) => Value> = {
    append: (self, a) => (self.items.push(arg(a, 0) ?? NONE), NONE),
    extend: (self, a, s) => (self.items.push(...(om.iterate(arg(a, 0) ?? NONE, s) ?? [])), NONE),
    insert: (self, a) => {
      const i = numberOf(arg(a, 0) ?? NONE) ?? self.items.length;
      self.items.splice(i < 0 ? self.items.length + i : i, 0, arg(a, 1) ?? NONE);
      return NONE;
    },
    pop: (self, a) => {
      const i = numberOf(arg(a, 0) ?? int(-1)) ?? -1;
      return self.items.splice(i < 0 ? self.items.length + i : i, 1)[0] ?? unknown('pop() from an empty list');
    },
    copy: (self) => ({ ...self, items: [...self.items] }),
    reverse: (self) => (self.items.reverse(), NONE),
    index: (self, a) => int(self.items.findIndex((v) => hashKey(v) === hashKey(arg(a, 0) ?? NONE))),
    count: (self, a) => int(self.items.filter((v) => hashKey(v) === hashKey(arg(a, 0) ?? NONE)).length),
    clear: (self) => (self.items.splice(0), NONE),
    remove: (self, a) => {
      const i = self.items.findIndex((v) => hashKey(v) === hashKey(arg(a, 0) ?? NONE));
      if (i >= 0) self.items.splice(i, 1);
      return NONE;
    },
    add: (self, a) => {
      const v = arg(a, 0) ?? NONE;
      if (!self.items.some((x) => hashKey(x) === hashKey(v))) self.items.push(v);
      return NONE;
    },
    sort: (self) => {
      self.items.sort((x, y) => (numberOf(x) ?? 0) - (numberOf(y) ?? 0));
      return NONE;
    },
  };
  const dictMethods: Record<string, (self: Value & { t: 'dict' }, a: CallArgs, s: CallSite) => Value> = {
    items: (self) => list([...self.entries.values()].map((e) => tuple([e.key, e.value]))),
    keys: (self) => list([...self.entries.values()].map((e) => e.key)),
    values: (self) => list([...self.entries.values()].map((e) => e.value)),
    get: (self, a) => self.entries.get(hashKey(arg(a, 0) ?? NONE))?.value ?? arg(a, 1) ?? NONE,
    pop: (self, a) => {
      const k = hashKey(arg(a, 0) ?? NONE);
      const e = self.entries.get(k);
      self.entries.delete(k);
      return e?.value ?? arg(a, 1) ?? unknown('dict.pop() of a missing key');
    },
    setdefault: (self, a) => {
      const key = arg(a, 0) ?? NONE;
      const e = self.entries.get(hashKey(key));
      if (e) return e.value;
      const v = arg(a, 1) ?? NONE;
      self.entries.set(hashKey(key), { key, value: v });
      return v;
    },
    update: (self, a) => {
      const src = arg(a, 0);
      if (src?.t === 'dict') for (const [k, e] of src.entries) self.entries.set(k, e);
      for (const [k, v] of a.keywords) self.entries.set(hashKey(str(k)), { key: str(k), value: v });
      return NONE;
    },
    copy: (self) => ({ t: 'dict', entries: new Map(self.entries) }),
    clear: (self) => (self.entries.clear(), NONE),
  };
  const strMethods: Record<string, (self: Value & { t: 'str' }, a: CallArgs, s: CallSite) => Value> = {
    format: (self, a) => {
      let i = 0;
      let failed = false;
      const out = self.v.replace(/\{([^{}]*)\}/g, (_, key: string) => {
        const name = key.split(/[:!]/)[0];
        const v = name === '' ? a.positional[i++] : /^\d+$/.test(name) ? a.positional[Number(name)] : a.keywords.get(name);
        if (!v || v.t === 'unknown') failed = true;
        return v ? om.toStr(v) : '';
      });
      return failed ? unknown('str.format() with unknown parts') : str(out);
    },
    join: (self, a, s) => {
      const its = om.iterate(arg(a, 0) ?? NONE, s);
      return its && its.every((v) => v.t === 'str') ? str(its.map((v) => strOf(v)).join(self.v)) : unknown('str.join() of unknown parts');
    },
    split: (self, a) => {
      const sep = arg(a, 0);
      return list((sep && sep.t === 'str' ? self.v.split(sep.v) : self.v.trim().split(/\s+/)).map(str));
    },
    startswith: (self, a) => bool(arg(a, 0)?.t === 'str' && self.v.startsWith((arg(a, 0) as { v: string }).v)),
    endswith: (self, a) => bool(arg(a, 0)?.t === 'str' && self.v.endsWith((arg(a, 0) as { v: string }).v)),
    replace: (self, a) => str(self.v.split(strOf(arg(a, 0) ?? str(''))).join(strOf(arg(a, 1) ?? str('')))),
    lower: (self) => str(self.v.toLowerCase()),
    upper: (self) => str(self.v.toUpperCase()),
    strip: (self) => str(self.v.trim()),
    isdigit: (self) => bool(/^\d+$/.test(self.v)),
  };
  const tupleMethods: Record<string, (self: Value & { t: 'tuple' }, a: CallArgs) => Value> = {
    index: (self, a) => int(self.items.findIndex((v) => hashKey(v) === hashKey(arg(a, 0) ?? NONE))),
    count: (self, a) => int(self.items.filter((v) => hashKey(v) === hashKey(arg(a, 0) ?? NONE)).length),
  };
  const numberMethods: Record<string, (self: Value, a: CallArgs) => Value> = {
    is_integer: (self) => bool(Number.isInteger(numberOf(self) ?? NaN)),
  };
  om.valueMethod = (self, name) => {
    const table = self.t === 'list' ? listMethods : self.t === 'dict' ? dictMethods : self.t === 'str' ? strMethods : self.t === 'tuple' ? tupleMethods : isNumber(self) ? numberMethods : undefined;
    const fn = table?.[name] as ((self: Value, a: CallArgs, s: CallSite) => Value) | undefined;
    return fn ? { t: 'bound', self, func: m(fn, name) } : undefined;
  };
}

