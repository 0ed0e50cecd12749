/**
 * Subscripts on Python's own containers: `seq[i]`, `seq[a:b:c]`, `d[k]` (a defaultdict calls its
 * factory and stores the result), item and slice assignment, and `del` of items and slices, with
 * the IndexError, KeyError, TypeError and ValueError Python raises on known values. A list or
 * dict that is only partly known (see ListValue.unknownTail) answers from its known part where
 * that is certain — an index from the front within the known items — and with unknown otherwise.
 */
import { PyRaise } from './errors';
import type { ObjectModel } from './objects';
import { sliceIndices } from './operators';
import {
  hashKey,
  isNumber,
  list,
  numberOf,
  repr,
  str,
  tuple,
  unknown,
  type CallSite,
  type DictValue,
  type ListValue,
  type SliceValue,
  type StrValue,
  type TupleValue,
  type Value,
} from './values';

type Sequence = StrValue | TupleValue | ListValue;

export class ItemProtocol {
  constructor(private readonly om: ObjectModel) {}

  private raise(name: string, site: CallSite, message?: string): never {
    throw new PyRaise(this.om.exception(name, message), site.file, site.from);
  }

  /** A known int index (bools count), undefined when unknown; TypeError for other known kinds. */
  private index(v: Value, what: string, site: CallSite): number | undefined {
    if (v.t === 'int' || v.t === 'bool') return numberOf(v);
    if (['none', 'float', 'str', 'tuple', 'list', 'dict'].includes(v.t))
      this.raise('TypeError', site, `${what} indices must be integers or slices, not ${v.t}`);
    return undefined;
  }

  private slice(s: SliceValue, n: number, site: CallSite): number[] | undefined {
    const picked = sliceIndices(n, s);
    if (picked === 'zero-step') this.raise('ValueError', site, 'slice step cannot be zero');
    if (!picked) {
      for (const part of [s.lower, s.upper, s.step])
        if (!isNumber(part) && part.t !== 'none' && part.t !== 'unknown' && part.t !== 'lazy' && part.t !== 'instance')
          this.raise('TypeError', site, 'slice indices must be integers or None');
    }
    return picked;
  }

  get(obj: Sequence | DictValue, index: Value, site: CallSite): Value {
    if (obj.t === 'dict') return this.dictGet(obj, index, site);
    const items: readonly Value[] = obj.t === 'str' ? [...obj.v].map(str) : obj.items;
    const tail = obj.t === 'list' ? obj.unknownTail : undefined;
    if (index.t === 'slice') {
      if (tail) return unknown(tail);
      // Any slice of an empty sequence is empty, whatever its (integer) bounds: `args[k:]` of no args.
      const picked = this.slice(index, items.length, site) ?? (items.length ? undefined : []);
      if (!picked) return unknown(`${repr(obj)}[${repr(index)}]`);
      const values = picked.map((i) => items[i]);
      return obj.t === 'str'
        ? str(values.map((v) => (v as StrValue).v).join(''))
        : obj.t === 'tuple'
          ? tuple(values)
          : list(values);
    }
    const i = this.index(index, obj.t, site);
    if (i === undefined) return unknown(`${repr(obj)}[${repr(index)}]`);
    if (tail) return i >= 0 && i < items.length ? items[i] : unknown(tail);
    const v = items[i < 0 ? items.length + i : i];
    if (v === undefined) this.raise('IndexError', site, `${obj.t} index out of range`);
    return v;
  }

  private dictGet(d: DictValue, key: Value, site: CallSite): Value {
    if (key.t === 'lazy') key = key.resolve();
    if (key.t === 'list' || key.t === 'dict') this.raise('TypeError', site, `unhashable type: '${key.t}'`);
    const e = d.entries.get(hashKey(key));
    if (e) return e.value;
    if (key.t === 'unknown' || key.t === 'tensor' || key.t === 'instance')
      return unknown('dict lookup with an unknown key');
    if (d.unknownTail) return unknown(d.unknownTail);
    if (d.missing) {
      if (d.missing.t === 'none') this.raise('KeyError', site);
      const value = this.om.call(d.missing, { positional: [], keywords: new Map() }, site);
      d.entries.set(hashKey(key), { key, value });
      return value;
    }
    throw new PyRaise(this.keyError(key), site.file, site.from);
  }

  private keyError(key: Value): Value {
    const e = this.om.exception('KeyError');
    if (e.t === 'instance') e.attrs.set('args', tuple([key]));
    return e;
  }

  set(obj: Sequence | DictValue, index: Value, value: Value, site: CallSite): void {
    if (obj.t === 'str' || obj.t === 'tuple')
      this.raise('TypeError', site, `'${obj.t}' object does not support item assignment`);
    if (obj.t === 'dict') {
      if (index.t === 'list' || index.t === 'dict') this.raise('TypeError', site, `unhashable type: '${index.t}'`);
      if (index.t === 'unknown' || index.t === 'lazy') {
        // Any key may have changed: nothing in the dict is certain any more.
        obj.entries.clear();
        obj.unknownTail ??= 'a dict assigned through an unknown key';
        return;
      }
      obj.entries.set(hashKey(index), { key: index, value });
      return;
    }
    if (index.t === 'slice') return this.setSlice(obj, index, value, site);
    const i = this.index(index, 'list', site);
    if (i === undefined || obj.unknownTail) {
      if (i !== undefined && i >= 0 && i < obj.items.length) obj.items[i] = value;
      else this.forget(obj, 'a list assigned at an unknown index');
      return;
    }
    const at = i < 0 ? obj.items.length + i : i;
    if (at < 0 || at >= obj.items.length) this.raise('IndexError', site, 'list assignment index out of range');
    obj.items[at] = value;
  }

  private setSlice(obj: ListValue, s: SliceValue, value: Value, site: CallSite): void {
    const replacement = this.om.iterate(value, site);
    const picked = obj.unknownTail ? undefined : this.slice(s, obj.items.length, site);
    if (!picked || !replacement) return this.forget(obj, 'a list slice assigned with unknown bounds or values');
    const step = s.step.t === 'none' ? 1 : numberOf(s.step)!;
    if (step === 1) {
      const n = obj.items.length;
      const lower = numberOf(s.lower);
      const start = picked.length
        ? picked[0]
        : lower === undefined
          ? 0
          : Math.min(Math.max(lower < 0 ? n + lower : lower, 0), n);
      obj.items.splice(start, picked.length, ...replacement);
      return;
    }
    if (picked.length !== replacement.length)
      this.raise(
        'ValueError',
        site,
        `attempt to assign sequence of size ${replacement.length} to extended slice of size ${picked.length}`,
      );
    picked.forEach((at, k) => (obj.items[at] = replacement[k]));
  }

  /** The list changed in a way we cannot follow: none of its items are certain any more. */
  private forget(obj: ListValue, why: string): void {
    obj.items.splice(0);
    obj.unknownTail ??= why;
  }

  del(obj: Sequence | DictValue, index: Value, site: CallSite): void {
    if (obj.t === 'str' || obj.t === 'tuple')
      this.raise('TypeError', site, `'${obj.t}' object doesn't support item deletion`);
    if (obj.t === 'dict') {
      if (index.t === 'unknown' || index.t === 'lazy') {
        obj.entries.clear();
        obj.unknownTail ??= 'a dict item deleted by an unknown key';
        return;
      }
      if (obj.entries.delete(hashKey(index)) || obj.unknownTail) return;
      throw new PyRaise(this.keyError(index), site.file, site.from);
    }
    if (obj.unknownTail) return this.forget(obj, obj.unknownTail);
    if (index.t === 'slice') {
      const picked = this.slice(index, obj.items.length, site);
      if (!picked) return this.forget(obj, 'a list slice deleted with unknown bounds');
      const gone = new Set(picked);
      obj.items.splice(0, obj.items.length, ...obj.items.filter((_, k) => !gone.has(k)));
      return;
    }
    const i = this.index(index, 'list', site);
    if (i === undefined) return this.forget(obj, 'a list item deleted at an unknown index');
    const at = i < 0 ? obj.items.length + i : i;
    if (at < 0 || at >= obj.items.length) this.raise('IndexError', site, 'list assignment index out of range');
    obj.items.splice(at, 1);
  }
}
