/**
 * Python's operators on the evaluator's values: arithmetic (exact through pyNumbers.ts),
 * comparisons and equality (element-wise over sequences, dicts and sets), membership, identity,
 * the unary operators, sequence repetition and slicing, set algebra, `%`-formatting, and the
 * dunder methods of user classes (with the reflected forms). A combination of plain values that
 * Python rejects raises TypeError; anything that involves a value we cannot know — an unknown, a
 * native object — gives an unknown value, never a guess.
 */
import { PyRaise } from './errors';
import type { ObjectModel } from './objects';
import { floatOp, formatValue, intOp, percentSpec, type Formattable, type NumResult } from './pyNumbers';
import {
  bool,
  float,
  hashKey,
  int,
  isNumber,
  list,
  numberOf,
  repr,
  str,
  tuple,
  unknown,
  type CallSite,
  type ListValue,
  type Value,
} from './values';

/** Operators Python defines on ints but not on floats. */
const INT_ONLY_OPERATORS = new Set(['<<', '>>', '&', '|', '^', '@']);

/** Values whose every behaviour is Python's own (no user class, native object or unknown). */
const plainKinds = new Set(['none', 'bool', 'int', 'float', 'str', 'tuple', 'list', 'dict']);
const isPlain = (v: Value) => plainKinds.has(v.t);
const isSet = (v: Value): v is ListValue => v.t === 'list' && !!v.isSet;

const dunders: Record<string, [string, string?]> = {
  '+': ['__add__', '__radd__'],
  '-': ['__sub__', '__rsub__'],
  '*': ['__mul__', '__rmul__'],
  '/': ['__truediv__', '__rtruediv__'],
  '//': ['__floordiv__', '__rfloordiv__'],
  '%': ['__mod__', '__rmod__'],
  '**': ['__pow__', '__rpow__'],
  '@': ['__matmul__', '__rmatmul__'],
  '<<': ['__lshift__', '__rlshift__'],
  '>>': ['__rshift__', '__rrshift__'],
  '&': ['__and__', '__rand__'],
  '|': ['__or__', '__ror__'],
  '^': ['__xor__', '__rxor__'],
  '==': ['__eq__', '__eq__'],
  '!=': ['__ne__', '__ne__'],
  '<': ['__lt__', '__gt__'],
  '<=': ['__le__', '__ge__'],
  '>': ['__gt__', '__lt__'],
  '>=': ['__ge__', '__le__'],
};

export class Operators {
  constructor(private readonly om: ObjectModel) {}

  private raise(name: string, site: CallSite, message?: string): never {
    throw new PyRaise(this.om.exception(name, message), site.file, site.from);
  }

  /** A number operation's result; the operands are only written out (repr) when it cannot be known. */
  private num(r: NumResult, site: CallSite, op: string, l: Value, right: Value): Value {
    if (!r) return unknown(`${repr(l)} ${op} ${repr(right)}: not exactly representable`);
    if ('raise' in r) this.raise(r.raise, site, r.message);
    return 'int' in r ? int(r.int) : 'float' in r ? float(r.float) : bool(r.bool);
  }

  /** A user class's dunder for `op`, tried on the left then reflected on the right. */
  private dunder(op: string, l: Value, r: Value, site: CallSite, inplace: boolean): Value | undefined {
    const [forward, reflected] = dunders[op] ?? [];
    const attempt = (self: Value, name: string | undefined, other: Value): Value | undefined => {
      if (!name || self.t !== 'instance' || self.native?.superOf) return undefined;
      const method = this.om.classLookup(self.cls, name);
      if (!method) return undefined;
      const out = this.om.call(this.om.bindMethod(method, self), { positional: [other], keywords: new Map() }, site);
      return out.t === 'unknown' && out.why === 'NotImplemented' ? undefined : out;
    };
    return (
      (inplace ? attempt(l, forward?.replace('__', '__i'), r) : undefined) ??
      attempt(l, forward, r) ??
      attempt(r, reflected, l)
    );
  }

  binop(op: string, l: Value, r: Value, site: CallSite, inplace: boolean): Value {
    switch (op) {
      case 'is':
      case 'is not': {
        const same = this.identical(l, r);
        return same === undefined
          ? unknown(`'${op}' on values whose identity is not modelled`)
          : bool(op === 'is' ? same : !same);
      }
      case 'in':
      case 'not in': {
        const found = this.contains(r, l, site);
        return found === undefined ? unknown(`'${op}' on unknown values`) : bool(op === 'in' ? found : !found);
      }
      case '==':
      case '!=': {
        const custom = this.dunder(op, l, r, site, false);
        if (custom) return custom;
        if (op === '!=' && (l.t === 'instance' || r.t === 'instance')) {
          const eq = this.dunder('==', l, r, site, false);
          if (eq) {
            const t = this.om.truthy(eq, site);
            return t === undefined ? unknown('!= of an unknown __eq__') : bool(!t);
          }
        }
        const eq = this.equals(l, r, site);
        return eq === undefined ? unknown('comparison with an unknown value') : bool(op === '==' ? eq : !eq);
      }
      case '<':
      case '<=':
      case '>':
      case '>=': {
        const custom = this.dunder(op, l, r, site, false);
        if (custom) return custom;
        const c = this.order(op, l, r, site);
        return c === undefined ? unknown(`${repr(l)} ${op} ${repr(r)}`) : bool(c);
      }
    }
    if (isNumber(l) && isNumber(r)) {
      if (l.t === 'bool' && r.t === 'bool' && (op === '&' || op === '|' || op === '^'))
        return bool(op === '&' ? l.v && r.v : op === '|' ? l.v || r.v : l.v !== r.v);
      const [a, b] = [numberOf(l)!, numberOf(r)!];
      if (l.t === 'float' || r.t === 'float') {
        if (INT_ONLY_OPERATORS.has(op))
          this.raise('TypeError', site, `unsupported operand type(s) for ${op}`);
        return this.num(floatOp(op, a, b), site, op, l, r);
      }
      if (op === '@') this.raise('TypeError', site);
      return this.num(intOp(op, a, b), site, op, l, r);
    }
    const sequence = this.sequenceOp(op, l, r, site, inplace);
    if (sequence) return sequence;
    const custom = this.dunder(op, l, r, site, inplace);
    if (custom) return custom;
    if (isPlain(l) && isPlain(r))
      this.raise('TypeError', site, `unsupported operand type(s) for ${op}: '${l.t}' and '${r.t}'`);
    return unknown(`${repr(l)} ${op} ${repr(r)}`);
  }

  private sequenceOp(op: string, l: Value, r: Value, site: CallSite, inplace: boolean): Value | undefined {
    if (op === '+') {
      if (l.t === 'str' && r.t === 'str') return str(l.v + r.v);
      if (l.t === 'tuple' && r.t === 'tuple') return tuple([...l.items, ...r.items]);
      if (l.t === 'list' && !l.isSet && inplace) {
        const items = this.om.iterate(r, site);
        if (!items)
          return r.t === 'unknown' || r.t === 'instance'
            ? this.taint(l, `+= of ${r.t === 'unknown' ? r.why : 'an object'}`)
            : undefined;
        l.items.push(...items);
        if (r.t === 'list' && r.unknownTail) l.unknownTail ??= r.unknownTail;
        return l;
      }
      if (l.t === 'list' && r.t === 'list' && !l.isSet && !r.isSet) {
        const out = list([...l.items, ...r.items]);
        if (l.unknownTail || r.unknownTail) out.unknownTail = l.unknownTail ?? r.unknownTail;
        return out;
      }
    }
    if (op === '*') {
      const [seq, n] = l.t === 'int' || l.t === 'bool' ? [r, l] : [l, r];
      if (
        (seq.t === 'str' || seq.t === 'tuple' || (seq.t === 'list' && !seq.isSet)) &&
        (n.t === 'int' || n.t === 'bool')
      ) {
        if (seq.t === 'list' && seq.unknownTail) return unknown(seq.unknownTail);
        const out = repeat(seq, numberOf(n)!);
        if (inplace && seq.t === 'list' && seq === l) {
          l.items.splice(0, l.items.length, ...(out as ListValue).items);
          return l;
        }
        return out;
      }
    }
    if (op === '%' && l.t === 'str') return this.percent(l.v, r, site);
    if (isSet(l) && isSet(r) && ['|', '&', '-', '^'].includes(op)) {
      const inR = (v: Value) => r.items.some((x) => hashKey(x) === hashKey(v));
      const inL = (v: Value) => l.items.some((x) => hashKey(x) === hashKey(v));
      const items =
        op === '|'
          ? [...l.items, ...r.items.filter((v) => !inL(v))]
          : op === '&'
            ? l.items.filter(inR)
            : op === '-'
              ? l.items.filter((v) => !inR(v))
              : [...l.items.filter((v) => !inR(v)), ...r.items.filter((v) => !inL(v))];
      if (inplace) {
        l.items.splice(0, l.items.length, ...items);
        return l;
      }
      return { t: 'list', items, isSet: true };
    }
    if (op === '|' && l.t === 'dict' && r.t === 'dict') {
      if (inplace) {
        for (const [k, e] of r.entries) l.entries.set(k, e);
        return l;
      }
      return { t: 'dict', entries: new Map([...l.entries, ...r.entries]) };
    }
    return undefined;
  }

  /** A list changed by something we cannot follow: its known items stay, more may follow. */
  private taint(l: ListValue, why: string): Value {
    l.unknownTail ??= why;
    return l;
  }

  /** `a is b`: reliable for None, bools and mutable objects; undefined for equal immutables. */
  identical(l: Value, r: Value): boolean | undefined {
    if (l.t === 'unknown' || r.t === 'unknown' || l.t === 'lazy' || r.t === 'lazy') return undefined;
    if (l.t === 'none' || r.t === 'none') return l.t === r.t;
    if (l.t === 'bool' || r.t === 'bool') return l.t === 'bool' && r.t === 'bool' && l.v === r.v;
    if (l.t !== r.t) return false;
    if (l.t === 'int' || l.t === 'float' || l.t === 'str' || l.t === 'tuple')
      return l === r || hashKey(l) !== hashKey(r) ? l === r : undefined;
    return l === r || (l.t === 'class' && r.t === 'class' && l.qualname === r.qualname);
  }

  /** Python's ==, or undefined when it cannot be known. */
  equals(l: Value, r: Value, site: CallSite): boolean | undefined {
    if (l === r && l.t !== 'float') return true;
    if (
      l.t === 'unknown' ||
      r.t === 'unknown' ||
      l.t === 'lazy' ||
      r.t === 'lazy' ||
      l.t === 'tensor' ||
      r.t === 'tensor'
    )
      return undefined;
    if (isNumber(l) && isNumber(r)) return numberOf(l) === numberOf(r);
    if (l.t === 'str' || r.t === 'str' || l.t === 'none' || r.t === 'none' || isNumber(l) || isNumber(r))
      return l.t === r.t && hashKey(l) === hashKey(r);
    if ((l.t === 'list' || l.t === 'tuple') && l.t === r.t) {
      if (isSet(l) !== isSet(r)) return false;
      if ((l as { unknownTail?: string }).unknownTail || (r as { unknownTail?: string }).unknownTail) return undefined;
      const [a, b] = [l.items, (r as typeof l).items];
      if (isSet(l)) return a.length === b.length ? this.allKnown(a.map((x) => this.contains(r, x, site))) : false;
      if (a.length !== b.length) return false;
      return this.allKnown(a.map((x, i) => this.equals(x, b[i], site)));
    }
    if (l.t === 'dict' && r.t === 'dict') {
      if (l.unknownTail || r.unknownTail) return undefined;
      if (l.entries.size !== r.entries.size) return false;
      return this.allKnown(
        [...l.entries].map(([k, e]) => {
          const other = r.entries.get(k);
          return other ? this.equals(e.value, other.value, site) : false;
        }),
      );
    }
    if (l.t === 'instance' || r.t === 'instance')
      return (l.t === 'instance' && l.native) || (r.t === 'instance' && r.native) ? undefined : false;
    if (isPlain(l) && isPlain(r)) return false;
    return l.t === r.t ? hashKey(l) === hashKey(r) : false;
  }

  private allKnown(results: (boolean | undefined)[]): boolean | undefined {
    if (results.includes(false)) return false;
    return results.includes(undefined) ? undefined : true;
  }

  /** <, <=, >, >= on plain values; TypeError where Python has no order. */
  order(op: string, l: Value, r: Value, site: CallSite): boolean | undefined {
    if (isNumber(l) && isNumber(r)) return compare(op, numberOf(l)!, numberOf(r)!);
    if (l.t === 'str' && r.t === 'str') return compare(op, l.v, r.v);
    if (isSet(l) && isSet(r)) {
      const sub = (a: ListValue, b: ListValue) => a.items.every((v) => b.items.some((x) => hashKey(x) === hashKey(v)));
      if (op === '<=') return sub(l, r);
      if (op === '>=') return sub(r, l);
      if (op === '<') return sub(l, r) && l.items.length < r.items.length;
      return sub(r, l) && r.items.length < l.items.length;
    }
    if ((l.t === 'list' || l.t === 'tuple') && l.t === r.t && !isSet(l) && !isSet(r)) {
      const [a, b] = [l.items, (r as typeof l).items];
      if ((l as { unknownTail?: string }).unknownTail || (r as { unknownTail?: string }).unknownTail) return undefined;
      for (let i = 0; i < Math.min(a.length, b.length); i++) {
        const eq = this.equals(a[i], b[i], site);
        if (eq === undefined) return undefined;
        if (!eq) {
          const c = this.binop(op, a[i], b[i], site, false);
          return c.t === 'bool' ? c.v : undefined;
        }
      }
      return compare(op, a.length, b.length);
    }
    if (isPlain(l) && isPlain(r))
      this.raise('TypeError', site, `'${op}' not supported between instances of '${l.t}' and '${r.t}'`);
    if (l.t === 'instance' && r.t === 'instance' && !l.native && !r.native) this.raise('TypeError', site);
    return undefined;
  }

  /** `needle in haystack`, or undefined when it cannot be known. */
  contains(haystack: Value, needle: Value, site: CallSite): boolean | undefined {
    if (haystack.t === 'str') {
      if (needle.t === 'str') return haystack.v.includes(needle.v);
      if (isPlain(needle)) this.raise('TypeError', site, "'in <string>' requires string as left operand");
      return undefined;
    }
    if (haystack.t === 'dict') {
      if (needle.t === 'unknown' || needle.t === 'lazy') return undefined;
      if (needle.t === 'list' || needle.t === 'dict') this.raise('TypeError', site, 'unhashable type');
      return haystack.entries.has(hashKey(needle)) ? true : haystack.unknownTail ? undefined : false;
    }
    if (haystack.t === 'instance' && !haystack.native) {
      const method = this.om.classLookup(haystack.cls, '__contains__');
      if (method)
        return this.om.truthy(
          this.om.call(this.om.bindMethod(method, haystack), { positional: [needle], keywords: new Map() }, site),
          site,
        );
    }
    if (isNumber(haystack) || haystack.t === 'none')
      this.raise('TypeError', site, `argument of type '${haystack.t}' is not iterable`);
    const items = this.om.iterate(haystack, site);
    if (!items) return undefined;
    let unsure = haystack.t === 'list' && !!haystack.unknownTail;
    for (const x of items) {
      const eq = this.equals(x, needle, site);
      if (eq) return true;
      if (eq === undefined) unsure = true;
    }
    return unsure ? undefined : false;
  }

  unary(op: string, v: Value, site: CallSite): Value {
    if (op === 'not') {
      const t = this.om.truthy(v, site);
      return t === undefined ? unknown('not of an unknown value') : bool(!t);
    }
    if (v.t === 'tensor') return this.om.tensors.unary(op, v, site);
    if (v.t === 'instance' && !v.native) {
      const method = this.om.classLookup(v.cls, op === '-' ? '__neg__' : op === '+' ? '__pos__' : '__invert__');
      if (method) return this.om.call(this.om.bindMethod(method, v), { positional: [], keywords: new Map() }, site);
    }
    if (isNumber(v)) {
      const n = numberOf(v)!;
      if (v.t === 'float') {
        if (op === '~') this.raise('TypeError', site, "bad operand type for unary ~: 'float'");
        return float(op === '-' ? -n : n);
      }
      return int(op === '-' ? -n : op === '~' ? -n - 1 : n);
    }
    if (isPlain(v) || (v.t === 'instance' && !v.native))
      this.raise('TypeError', site, `bad operand type for unary ${op}`);
    return unknown(`${op}${repr(v)}`);
  }

  /** `"denselayer%d" % (i + 1)`: printf-style formatting through the format-spec machinery. */
  private percent(format: string, args: Value, site: CallSite): Value {
    const values = args.t === 'tuple' ? args.items : [args];
    let i = 0;
    let failed: string | undefined;
    let out = '';
    const re = /%(?:\(([^)]*)\))?([-+ 0#]*)(\d*|\*)(?:\.(\d+))?([diouxXeEfFgGcrsa%])/g;
    let last = 0;
    for (let m = re.exec(format); m; m = re.exec(format)) {
      out += format.slice(last, m.index);
      last = re.lastIndex;
      const [, key, flags, width, precision, conv] = m;
      if (conv === '%') {
        out += '%';
        continue;
      }
      if (key !== undefined || width === '*') {
        failed = 'a %-format with mapping keys or * widths';
        continue;
      }
      const v = values[i++];
      if (!v) this.raise('TypeError', site, 'not enough arguments for format string');
      const piece = this.percentPiece(v, flags, width, precision, conv, site);
      if (piece === undefined) failed ??= `%-formatting ${repr(v)}`;
      else out += piece;
    }
    out += format.slice(last);
    if (args.t === 'tuple' ? i < values.length : false)
      this.raise('TypeError', site, 'not all arguments converted during string formatting');
    // A lone argument with __getitem__ (a list, str or dict) may go unused; a number may not.
    if (args.t !== 'tuple' && i === 0 && (isNumber(args) || args.t === 'none'))
      this.raise('TypeError', site, 'not all arguments converted during string formatting');
    return failed ? unknown(failed) : str(out);
  }

  private percentPiece(
    v: Value,
    flags: string,
    width: string,
    precision: string | undefined,
    conv: string,
    site: CallSite,
  ): string | undefined {
    const spec = percentSpec(flags, width, precision, conv);
    if (conv === 's' || conv === 'r' || conv === 'a') {
      const text = conv === 's' ? this.om.pyStr(v, site) : this.om.pyRepr(v, site);
      if (text === undefined) return undefined;
      return fromFormatted(formatValue({ str: text }, spec), this, site);
    }
    if (v.t === 'unknown' || v.t === 'lazy' || v.t === 'tensor' || (v.t === 'instance' && v.native)) return undefined;
    if (!isNumber(v)) this.raise('TypeError', site, `%${conv} format: a real number is required, not ${v.t}`);
    let n = numberOf(v)!;
    if ('diouxX'.includes(conv)) {
      if (v.t === 'float' && 'oxX'.includes(conv))
        this.raise('TypeError', site, `%${conv} format: an integer is required, not float`);
      n = Math.trunc(n);
      const asInt: Formattable = { int: Object.is(n, -0) ? 0 : n };
      return fromFormatted(formatValue(asInt, spec.replace(/\.\d+/, '')), this, site);
    }
    if (conv === 'c') return undefined;
    return fromFormatted(formatValue({ float: n }, spec), this, site);
  }

  /** format(value, spec): Python's own types through the mini-language, user classes by __format__. */
  format(v: Value, spec: string, site: CallSite): Value {
    if (v.t === 'lazy') v = v.resolve();
    const plain: Formattable | undefined =
      v.t === 'str'
        ? { str: v.v }
        : v.t === 'int'
          ? { int: v.v }
          : v.t === 'float'
            ? { float: v.v }
            : v.t === 'bool'
              ? { bool: v.v }
              : undefined;
    if (plain) {
      const text = fromFormatted(formatValue(plain, spec), this, site);
      return text === undefined ? unknown(`format spec '${spec}'`) : str(text);
    }
    if (v.t === 'instance' && !v.native && this.om.classLookup(v.cls, '__format__')) {
      return this.om.call(
        this.om.bindMethod(this.om.classLookup(v.cls, '__format__')!, v),
        { positional: [str(spec)], keywords: new Map() },
        site,
      );
    }
    if (spec) {
      if (isPlain(v) || (v.t === 'instance' && !v.native))
        this.raise('TypeError', site, `unsupported format string passed to ${v.t}.__format__`);
      return unknown(`formatting ${repr(v)}`);
    }
    const text = this.om.pyStr(v, site);
    return text === undefined ? unknown(`str() of ${v.t === 'unknown' ? v.why : repr(v)}`) : str(text);
  }

  /** Python's str(), or undefined when it depends on something not modelled (an object's address). */
  str(v: Value, site: CallSite): string | undefined {
    if (v.t === 'str') return v.v;
    if (v.t === 'instance' && !v.native) {
      const method = this.om.classLookup(v.cls, '__str__');
      if (method) {
        const s = this.om.call(this.om.bindMethod(method, v), { positional: [], keywords: new Map() }, site);
        return s.t === 'str' ? s.v : undefined;
      }
      const base = this.om.builtins.get('BaseException');
      if (base?.t === 'class' && this.om.isSubclass(v.cls, base) && !this.om.classLookup(v.cls, '__repr__')) {
        const args = v.attrs.get('args');
        if (args?.t !== 'tuple') return undefined;
        if (args.items.length === 1) return this.str(args.items[0], site);
        return args.items.length ? this.repr(args, site) : '';
      }
    }
    return this.repr(v, site);
  }

  /** Python's repr(), or undefined when it is not known. */
  repr(v: Value, site: CallSite): string | undefined {
    switch (v.t) {
      case 'none':
      case 'bool':
      case 'int':
      case 'float':
      case 'str':
        return repr(v);
      case 'tuple':
      case 'list': {
        if (v.t === 'list' && v.unknownTail) return undefined;
        const parts = v.items.map((x) => this.repr(x, site));
        if (parts.some((x) => x === undefined)) return undefined;
        // A set's order is CPython's hash order, which the evaluator does not model.
        if (v.t === 'list' && v.isSet) return parts.length > 1 ? undefined : parts.length ? `{${parts[0]}}` : 'set()';
        return v.t === 'list' ? `[${parts.join(', ')}]` : `(${parts.join(', ')}${parts.length === 1 ? ',' : ''})`;
      }
      case 'dict': {
        if (v.unknownTail) return undefined;
        const parts: string[] = [];
        for (const e of v.entries.values()) {
          const [k, x] = [this.repr(e.key, site), this.repr(e.value, site)];
          if (k === undefined || x === undefined) return undefined;
          parts.push(`${k}: ${x}`);
        }
        return `{${parts.join(', ')}}`;
      }
      case 'instance': {
        if (v.native) return undefined;
        const method = this.om.classLookup(v.cls, '__repr__');
        if (method) {
          const s = this.om.call(this.om.bindMethod(method, v), { positional: [], keywords: new Map() }, site);
          return s.t === 'str' ? s.v : undefined;
        }
        const base = this.om.builtins.get('BaseException');
        const args = v.attrs.get('args');
        if (base?.t === 'class' && this.om.isSubclass(v.cls, base) && args?.t === 'tuple') {
          const parts = args.items.map((x) => this.repr(x, site));
          return parts.some((x) => x === undefined) ? undefined : `${v.cls.name}(${parts.join(', ')})`;
        }
        return undefined;
      }
      default:
        return undefined;
    }
  }

  raiseFormatted(name: string, site: CallSite, message?: string): never {
    this.raise(name, site, message);
  }
}

function fromFormatted(f: ReturnType<typeof formatValue>, ops: Operators, site: CallSite): string | undefined {
  if (!f) return undefined;
  if ('raise' in f) ops.raiseFormatted(f.raise, site, f.message);
  return f.text;
}

function compare(op: string, a: number | string, b: number | string): boolean {
  return op === '<' ? a < b : op === '>' ? a > b : op === '<=' ? a <= b : a >= b;
}

function repeat(v: Value, n: number): Value {
  if (v.t === 'str') return str(v.v.repeat(Math.max(0, n)));
  const items = (v as { items: readonly Value[] }).items;
  const out: Value[] = [];
  for (let i = 0; i < n; i++) out.push(...items);
  return v.t === 'tuple' ? tuple(out) : list(out);
}

/** The indices a slice picks from a sequence of length n, as Python's slice.indices does. */
export function sliceIndices(
  n: number,
  s: { lower: Value; upper: Value; step: Value },
): number[] | 'zero-step' | undefined {
  const known = (v: Value) => v.t === 'none' || isNumber(v);
  if (!known(s.lower) || !known(s.upper) || !known(s.step)) return undefined;
  const step = s.step.t === 'none' ? 1 : numberOf(s.step)!;
  if (step === 0) return 'zero-step';
  const norm = (v: Value, dflt: number) => {
    if (v.t === 'none') return dflt;
    const x = numberOf(v)!;
    if (x < 0) return Math.max(n + x, step < 0 ? -1 : 0);
    return Math.min(x, step < 0 ? n - 1 : n);
  };
  const out: number[] = [];
  if (step > 0) for (let i = norm(s.lower, 0); i < norm(s.upper, n); i += step) out.push(i);
  else for (let i = norm(s.lower, n - 1); i > norm(s.upper, -1); i += step) out.push(i);
  return out;
}

export function sliceItems<T>(items: readonly T[], s: { lower: Value; upper: Value; step: Value }): T[] {
  const picked = sliceIndices(items.length, s);
  return Array.isArray(picked) ? picked.map((i) => items[i]) : [];
}
