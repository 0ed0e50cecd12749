/**
 * The methods of Python's built-in values — str, list, tuple, dict, set and numbers — as bound
 * builtins looked up by ObjectModel.valueMethod. Each follows CPython on known values, including
 * the exceptions it raises (list.index of a missing item, pop from an empty list, a missing key);
 * where an argument is unknown the answer is unknown.
 */
import { PyRaise } from './errors';
import type { ObjectModel } from './objects';
import {
  NONE,
  bool,
  builtin,
  hashKey,
  int,
  isNumber,
  list,
  numberOf,
  str,
  strOf,
  tuple,
  unknown,
  type CallArgs,
  type CallSite,
  type Value,
} from './values';

export function installValueMethods(om: ObjectModel): void {
  const m = (fn: (self: Value, a: CallArgs, s: CallSite) => Value, name: string) =>
    builtin(name, (a, s) => fn(a.positional[0], { positional: a.positional.slice(1), keywords: a.keywords }, s), true);
  const arg = (a: CallArgs, i: number, name?: string): Value | undefined =>
    a.positional[i] ?? (name ? a.keywords.get(name) : undefined);
  const raise = (name: string, s: CallSite, message?: string): never => {
    throw new PyRaise(om.exception(name, message), s.file, s.from);
  };
  /** Python's == between two values: true, false or undefined (unknown). */
  const eq = (x: Value, y: Value, s: CallSite) => om.truthy(om.binop('==', x, y, s, false), s);
  /** The position of the first item equal to `v`; -1 when none is; undefined when unsure. */
  const find = (items: readonly Value[], v: Value, s: CallSite): number | undefined => {
    for (let i = 0; i < items.length; i++) {
      const e = eq(items[i], v, s);
      if (e === undefined) return undefined;
      if (e) return i;
    }
    return -1;
  };
  const count = (items: readonly Value[], v: Value, s: CallSite): Value => {
    let n = 0;
    for (const x of items) {
      const e = eq(x, v, s);
      if (e === undefined) return unknown('count() of unknown items');
      if (e) n++;
    }
    return int(n);
  };
  const sortKey = (v: Value, key: Value | undefined, s: CallSite) =>
    key && key.t !== 'none' ? om.callValue(key, [v], s) : v;
  /** Sorts stably by Python's <, as list.sort and sorted() do; undefined when an order is unknown. */
  const sortValues = (items: Value[], key: Value | undefined, reverse: boolean, s: CallSite): Value[] | undefined => {
    const keyed = items.map((v) => ({ v, k: sortKey(v, key, s) }));
    let unsure = false;
    const lt = (x: Value, y: Value) => {
      const r = om.truthy(om.binop('<', x, y, s, false), s);
      if (r === undefined) unsure = true;
      return !!r;
    };
    // reverse=True is a stable sort of the reversed list, reversed again, as CPython does.
    if (reverse) keyed.reverse();
    keyed.sort((x, y) => (lt(x.k, y.k) ? -1 : lt(y.k, x.k) ? 1 : 0));
    if (reverse) keyed.reverse();
    return unsure ? undefined : keyed.map((x) => x.v);
  };
  om.sortValues = sortValues;
  const tailed = (self: Value & { t: 'list' }) => self.unknownTail;

  const listMethods: Record<string, (self: Value & { t: 'list' }, a: CallArgs, s: CallSite) => Value> = {
    append: (self, a) => (self.items.push(arg(a, 0) ?? NONE), NONE),
    extend: (self, a, s) => {
      const items = om.iterate(arg(a, 0) ?? NONE, s);
      if (items) self.items.push(...items);
      else self.unknownTail ??= 'extended with an unknown iterable';
      return NONE;
    },
    insert: (self, a) => {
      const i = numberOf(arg(a, 0) ?? NONE);
      if (i === undefined || tailed(self)) {
        self.items.splice(0);
        self.unknownTail ??= 'insert at an unknown place';
        return NONE;
      }
      const n = self.items.length;
      self.items.splice(i < 0 ? Math.max(0, n + i) : Math.min(i, n), 0, arg(a, 1) ?? NONE);
      return NONE;
    },
    pop: (self, a, s) => {
      if (tailed(self)) return unknown(self.unknownTail!);
      const i = numberOf(arg(a, 0) ?? int(-1));
      if (i === undefined) return unknown('pop() at an unknown index');
      if (!self.items.length) raise('IndexError', s, 'pop from empty list');
      const at = i < 0 ? self.items.length + i : i;
      if (at < 0 || at >= self.items.length) raise('IndexError', s, 'pop index out of range');
      return self.items.splice(at, 1)[0];
    },
    copy: (self) => ({ ...self, items: [...self.items] }),
    reverse: (self) => (tailed(self) ? void self.items.splice(0) : self.items.reverse(), NONE),
    index: (self, a, s) => {
      const i = find(self.items, arg(a, 0) ?? NONE, s);
      if (i === undefined || (i < 0 && tailed(self))) return unknown('list.index() of an unknown item');
      if (i < 0) raise('ValueError', s, 'is not in list');
      return int(i);
    },
    count: (self, a, s) => (tailed(self) ? unknown(self.unknownTail!) : count(self.items, arg(a, 0) ?? NONE, s)),
    clear: (self) => (self.items.splice(0), (self.unknownTail = undefined), NONE),
    remove: (self, a, s) => {
      const i = find(self.items, arg(a, 0) ?? NONE, s);
      if (i === undefined || (i < 0 && tailed(self))) {
        self.items.splice(0);
        self.unknownTail ??= 'remove() of an unknown item';
        return NONE;
      }
      if (i < 0) raise('ValueError', s, 'list.remove(x): x not in list');
      self.items.splice(i, 1);
      return NONE;
    },
    sort: (self, a, s) => {
      const sorted = tailed(self)
        ? undefined
        : sortValues(
            self.items,
            a.keywords.get('key'),
            om.truthy(a.keywords.get('reverse') ?? bool(false), s) === true,
            s,
          );
      if (sorted) self.items.splice(0, self.items.length, ...sorted);
      else {
        self.items.splice(0);
        self.unknownTail ??= 'sorted by an unknown order';
      }
      return NONE;
    },
  };
  const setMethods: Record<string, (self: Value & { t: 'list' }, a: CallArgs, s: CallSite) => Value> = {
    add: (self, a) => {
      const v = arg(a, 0) ?? NONE;
      if (!self.items.some((x) => hashKey(x) === hashKey(v))) self.items.push(v);
      return NONE;
    },
    discard: (self, a) => {
      const k = hashKey(arg(a, 0) ?? NONE);
      const i = self.items.findIndex((x) => hashKey(x) === k);
      if (i >= 0) self.items.splice(i, 1);
      return NONE;
    },
    remove: (self, a, s) => {
      const k = hashKey(arg(a, 0) ?? NONE);
      const i = self.items.findIndex((x) => hashKey(x) === k);
      if (i < 0) raise('KeyError', s);
      self.items.splice(i, 1);
      return NONE;
    },
    copy: (self) => ({ ...self, items: [...self.items] }),
    clear: (self) => (self.items.splice(0), NONE),
    ...Object.fromEntries(
      (['union', 'intersection', 'difference', 'symmetric_difference'] as const).map((name) => [
        name,
        (self: Value & { t: 'list' }, a: CallArgs, s: CallSite) => {
          let acc: Value = self;
          for (const other of a.positional) {
            const items = om.iterate(other, s);
            if (!items) return unknown(`set.${name}() of an unknown iterable`);
            acc = om.binop(
              { union: '|', intersection: '&', difference: '-', symmetric_difference: '^' }[name],
              acc,
              { t: 'list', items: dedupe(items), isSet: true },
              s,
              false,
            );
          }
          return acc === self ? { ...self, items: [...self.items] } : acc;
        },
      ]),
    ),
    issubset: (self, a, s) =>
      om.binop('<=', self, { t: 'list', items: dedupe(om.iterate(arg(a, 0) ?? NONE, s) ?? []), isSet: true }, s, false),
    issuperset: (self, a, s) =>
      om.binop('>=', self, { t: 'list', items: dedupe(om.iterate(arg(a, 0) ?? NONE, s) ?? []), isSet: true }, s, false),
  };
  const dictMethods: Record<string, (self: Value & { t: 'dict' }, a: CallArgs, s: CallSite) => Value> = {
    items: (self) =>
      self.unknownTail
        ? unknown(self.unknownTail)
        : list([...self.entries.values()].map((e) => tuple([e.key, e.value]))),
    keys: (self) => (self.unknownTail ? unknown(self.unknownTail) : list([...self.entries.values()].map((e) => e.key))),
    values: (self) =>
      self.unknownTail ? unknown(self.unknownTail) : list([...self.entries.values()].map((e) => e.value)),
    get: (self, a) => {
      const key = arg(a, 0) ?? NONE;
      if (key.t === 'unknown') return unknown('dict.get() of an unknown key');
      return (
        self.entries.get(hashKey(key))?.value ?? (self.unknownTail ? unknown(self.unknownTail) : (arg(a, 1) ?? NONE))
      );
    },
    pop: (self, a, s) => {
      const k = hashKey(arg(a, 0) ?? NONE);
      const e = self.entries.get(k);
      self.entries.delete(k);
      if (e) return e.value;
      if (self.unknownTail) return unknown(self.unknownTail);
      if (a.positional.length > 1) return a.positional[1];
      return raise('KeyError', s);
    },
    popitem: (self, _a, s) => {
      if (self.unknownTail) return unknown(self.unknownTail);
      const last = [...self.entries.keys()].pop();
      if (last === undefined) raise('KeyError', s, 'popitem(): dictionary is empty');
      const e = self.entries.get(last!)!;
      self.entries.delete(last!);
      return tuple([e.key, e.value]);
    },
    setdefault: (self, a) => {
      const key = arg(a, 0) ?? NONE;
      const e = self.entries.get(hashKey(key));
      if (e) return e.value;
      if (self.unknownTail) return unknown(self.unknownTail);
      const v = arg(a, 1) ?? NONE;
      self.entries.set(hashKey(key), { key, value: v });
      return v;
    },
    update: (self, a, s) => {
      const src = arg(a, 0);
      if (src?.t === 'dict') for (const [k, e] of src.entries) self.entries.set(k, e);
      else if (src) {
        for (const pair of om.iterate(src, s) ?? []) {
          const kv = om.iterate(pair, s);
          if (kv?.length === 2) self.entries.set(hashKey(kv[0]), { key: kv[0], value: kv[1] });
          else self.unknownTail ??= 'updated from unknown pairs';
        }
      }
      for (const [k, v] of a.keywords) self.entries.set(hashKey(str(k)), { key: str(k), value: v });
      return NONE;
    },
    copy: (self) => ({ t: 'dict', entries: new Map(self.entries), unknownTail: self.unknownTail }),
    clear: (self) => (self.entries.clear(), (self.unknownTail = undefined), NONE),
  };
  const strArg = (a: CallArgs, i: number): string | undefined => {
    const v = arg(a, i);
    return v?.t === 'str' ? v.v : undefined;
  };
  const strip = (self: string, chars: string | undefined, left: boolean, right: boolean) => {
    const set = chars ?? ' \t\n\r\x0b\x0c';
    let [i, j] = [0, self.length];
    if (left) while (i < j && set.includes(self[i])) i++;
    if (right) while (j > i && set.includes(self[j - 1])) j--;
    return self.slice(i, j);
  };
  const pad = (self: string, width: number, fill: string, how: 'l' | 'r' | 'c') => {
    const n = Math.max(0, width - self.length);
    if (how === 'l') return self + fill.repeat(n);
    if (how === 'r') return fill.repeat(n) + self;
    // CPython's centre: the extra fill goes left when both the padding and the width are odd.
    const left = (n >> 1) + (n & width & 1);
    return fill.repeat(left) + self + fill.repeat(n - left);
  };
  const strMethods: Record<string, (self: Value & { t: 'str' }, a: CallArgs, s: CallSite) => Value> = {
    format: (self, a, s) => {
      let i = 0;
      let failed = false;
      const out = self.v.replace(/\{\{|\}\}|\{([^{}]*)\}/g, (whole, key: string | undefined) => {
        if (key === undefined) return whole[0];
        const m = /^([^!:]*)(?:!([rsa]))?(?::(.*))?$/.exec(key);
        const name = m?.[1] ?? '';
        let v =
          name === '' ? a.positional[i++] : /^\d+$/.test(name) ? a.positional[Number(name)] : a.keywords.get(name);
        if (!m || !v || /[.[]/.test(name)) {
          failed = true;
          return '';
        }
        if (m[2]) {
          const text = m[2] === 's' ? om.pyStr(v, s) : om.pyRepr(v, s);
          if (text === undefined) return ((failed = true), '');
          v = str(text);
        }
        const f = om.format(v, m[3] ?? '', s);
        if (f.t !== 'str') failed = true;
        return f.t === 'str' ? f.v : '';
      });
      return failed ? unknown('str.format() with unknown parts') : str(out);
    },
    join: (self, a, s) => {
      const its = om.iterate(arg(a, 0) ?? NONE, s);
      if (its?.some((v) => v.t !== 'str' && v.t !== 'unknown' && v.t !== 'lazy'))
        raise('TypeError', s, 'sequence item: expected str instance');
      return its && its.every((v) => v.t === 'str')
        ? str(its.map((v) => strOf(v)).join(self.v))
        : unknown('str.join() of unknown parts');
    },
    split: (self, a, s) => splitStr(self.v, arg(a, 0, 'sep'), arg(a, 1, 'maxsplit'), false, s, raise),
    rsplit: (self, a, s) => splitStr(self.v, arg(a, 0, 'sep'), arg(a, 1, 'maxsplit'), true, s, raise),
    splitlines: (self) =>
      list(
        self.v
          .split(/\r\n|\n|\r/)
          .filter((line, i, all) => i < all.length - 1 || line !== '')
          .map(str),
      ),
    startswith: (self, a) => affix(self.v, arg(a, 0), (x) => self.v.startsWith(x)),
    endswith: (self, a) => affix(self.v, arg(a, 0), (x) => self.v.endsWith(x)),
    replace: (self, a) => {
      const [from, to, n] = [strArg(a, 0), strArg(a, 1), numberOf(arg(a, 2) ?? int(-1))];
      if (from === undefined || to === undefined || n === undefined) return unknown('str.replace() of unknown strings');
      if (from === '') {
        // An empty pattern matches before every character and at the end: count limits those.
        const chars = [...self.v];
        const limit = n < 0 ? chars.length + 1 : n;
        return str(chars.map((c, k) => (k < limit ? to : '') + c).join('') + (chars.length < limit ? to : ''));
      }
      if (n < 0) return str(self.v.split(from).join(to));
      let out = self.v;
      let at = 0;
      for (let k = 0; k < n; k++) {
        const i = out.indexOf(from, at);
        if (i < 0 || (from === '' && i > out.length)) break;
        out = out.slice(0, i) + to + out.slice(i + from.length);
        at = i + to.length + (from === '' ? 1 : 0);
      }
      return str(out);
    },
    lower: (self) => str(self.v.toLowerCase()),
    upper: (self) => str(self.v.toUpperCase()),
    swapcase: (self) =>
      str([...self.v].map((c) => (c === c.toUpperCase() ? c.toLowerCase() : c.toUpperCase())).join('')),
    title: (self) => str(self.v.replace(/[A-Za-z]+/g, (w) => w[0].toUpperCase() + w.slice(1).toLowerCase())),
    capitalize: (self) => str(self.v.slice(0, 1).toUpperCase() + self.v.slice(1).toLowerCase()),
    strip: (self, a) => str(strip(self.v, strArg(a, 0), true, true)),
    lstrip: (self, a) => str(strip(self.v, strArg(a, 0), true, false)),
    rstrip: (self, a) => str(strip(self.v, strArg(a, 0), false, true)),
    isdigit: (self) => bool(/^\d+$/.test(self.v)),
    isalpha: (self) => bool(/^[A-Za-z]+$/.test(self.v)),
    isspace: (self) => bool(/^\s+$/.test(self.v)),
    isupper: (self) => bool(/[A-Z]/.test(self.v) && !/[a-z]/.test(self.v)),
    islower: (self) => bool(/[a-z]/.test(self.v) && !/[A-Z]/.test(self.v)),
    find: (self, a) =>
      strArg(a, 0) === undefined || a.positional.length > 1
        ? unknown('str.find()')
        : int(self.v.indexOf(strArg(a, 0)!)),
    rfind: (self, a) =>
      strArg(a, 0) === undefined || a.positional.length > 1
        ? unknown('str.rfind()')
        : int(self.v.lastIndexOf(strArg(a, 0)!)),
    index: (self, a, s) => {
      const sub = strArg(a, 0);
      if (sub === undefined || a.positional.length > 1) return unknown('str.index()');
      const i = self.v.indexOf(sub);
      return i < 0 ? raise('ValueError', s, 'substring not found') : int(i);
    },
    count: (self, a) => {
      const sub = strArg(a, 0);
      if (sub === undefined || a.positional.length > 1) return unknown('str.count()');
      return int(sub === '' ? self.v.length + 1 : self.v.split(sub).length - 1);
    },
    partition: (self, a) => partition(self.v, strArg(a, 0), false),
    rpartition: (self, a) => partition(self.v, strArg(a, 0), true),
    center: (self, a) => padded(self.v, a, 'c', pad),
    ljust: (self, a) => padded(self.v, a, 'l', pad),
    rjust: (self, a) => padded(self.v, a, 'r', pad),
    zfill: (self, a) => {
      const w = numberOf(arg(a, 0) ?? NONE);
      if (w === undefined) return unknown('str.zfill()');
      const sign = /^[-+]/.test(self.v) ? self.v[0] : '';
      const body = sign ? self.v.slice(1) : self.v;
      return str(sign + body.padStart(Math.max(0, w - sign.length), '0'));
    },
  };
  const tupleMethods: Record<string, (self: Value & { t: 'tuple' }, a: CallArgs, s: CallSite) => Value> = {
    index: (self, a, s) => {
      const i = find(self.items, arg(a, 0) ?? NONE, s);
      if (i === undefined) return unknown('tuple.index() of an unknown item');
      return i < 0 ? raise('ValueError', s, 'tuple.index(x): x not in tuple') : int(i);
    },
    count: (self, a, s) => count(self.items, arg(a, 0) ?? NONE, s),
  };
  // collections.deque: a list with both ends open (timm keeps pretrained tags in one).
  const dequeMethods: typeof listMethods = {
    ...listMethods,
    appendleft: (self, a) => (self.items.unshift(arg(a, 0) ?? NONE), NONE),
    popleft: (self, _a, s) =>
      self.items.length ? self.items.shift()! : raise('IndexError', s, 'pop from an empty deque'),
    extendleft: (self, a, s) => {
      const items = om.iterate(arg(a, 0) ?? NONE, s);
      if (items) self.items.unshift(...items.reverse());
      else self.unknownTail ??= 'extended with an unknown iterable';
      return NONE;
    },
  };
  const floatMethods: Record<string, (self: Value, a: CallArgs) => Value> = {
    is_integer: (self) => bool(Number.isInteger(numberOf(self) ?? NaN)),
  };
  om.valueMethod = (self, name) => {
    const table =
      self.t === 'list'
        ? self.isSet
          ? setMethods
          : self.isDeque
            ? dequeMethods
            : listMethods
        : self.t === 'dict'
          ? dictMethods
          : self.t === 'str'
            ? strMethods
            : self.t === 'tuple'
              ? tupleMethods
              : self.t === 'float'
                ? floatMethods
                : undefined;
    const fn = (table && Object.prototype.hasOwnProperty.call(table, name) ? table[name] : undefined) as
      ((self: Value, a: CallArgs, s: CallSite) => Value) | undefined;
    return fn ? { t: 'bound', self, func: m(fn, name) } : undefined;
  };
}

export function dedupe(values: Value[]): Value[] {
  const seen = new Set<string>();
  return values.filter((v) => !seen.has(hashKey(v)) && !!seen.add(hashKey(v)));
}

function affix(self: string, v: Value | undefined, test: (x: string) => boolean): Value {
  if (v?.t === 'str') return bool(test(v.v));
  if (v?.t === 'tuple' && v.items.every((x) => x.t === 'str'))
    return bool(v.items.some((x) => test((x as { v: string }).v)));
  return unknown(`affix test on ${self}`);
}

function partition(self: string, sep: string | undefined, fromRight: boolean): Value {
  if (!sep) return unknown('str.partition()');
  const i = fromRight ? self.lastIndexOf(sep) : self.indexOf(sep);
  if (i < 0) return tuple(fromRight ? [str(''), str(''), str(self)] : [str(self), str(''), str('')]);
  return tuple([str(self.slice(0, i)), str(sep), str(self.slice(i + sep.length))]);
}

function padded(
  self: string,
  a: CallArgs,
  how: 'l' | 'r' | 'c',
  pad: (s: string, w: number, f: string, h: 'l' | 'r' | 'c') => string,
): Value {
  const w = numberOf(a.positional[0] ?? NONE);
  const fill = a.positional[1];
  if (w === undefined || (fill && (fill.t !== 'str' || fill.v.length !== 1))) return unknown('str padding');
  return str(pad(self, w, fill?.t === 'str' ? fill.v : ' ', how));
}

function splitStr(
  self: string,
  sepV: Value | undefined,
  maxV: Value | undefined,
  fromRight: boolean,
  s: CallSite,
  raise: (n: string, s: CallSite, m?: string) => never,
): Value {
  const max = maxV === undefined ? -1 : numberOf(maxV);
  if (max === undefined || (sepV && sepV.t !== 'str' && sepV.t !== 'none'))
    return unknown('str.split() with unknown arguments');
  if (sepV?.t === 'str') {
    if (sepV.v === '') raise('ValueError', s, 'empty separator');
    const parts = self.split(sepV.v);
    if (max < 0 || parts.length - 1 <= max) return list(parts.map(str));
    return list(
      (fromRight
        ? [parts.slice(0, parts.length - max).join(sepV.v), ...parts.slice(parts.length - max)]
        : [...parts.slice(0, max), parts.slice(max).join(sepV.v)]
      ).map(str),
    );
  }
  // Whitespace splitting: runs of whitespace separate, ends are trimmed, maxsplit keeps the rest.
  const words: string[] = [];
  let rest = fromRight ? self.replace(/\s+$/, '') : self.replace(/^\s+/, '');
  while (rest && (max < 0 || words.length < max)) {
    const m = fromRight ? /\s+(\S*)$/.exec(rest) : /^(\S*)\s+/.exec(rest);
    if (!m) break;
    words.push(m[1]);
    rest = fromRight ? rest.slice(0, m.index) : rest.slice(m[0].length);
  }
  if (rest) words.push(fromRight ? rest.replace(/^\s+/, '') : rest.replace(/\s+$/, ''));
  return list((fromRight ? words.reverse() : words).filter((w) => w !== '' || max >= 0).map(str));
}
