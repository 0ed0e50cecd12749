/**
 * Models of the standard-library modules model code leans on: math, functools (partial, wraps,
 * reduce, lru_cache), collections (OrderedDict, namedtuple, defaultdict), copy, dataclasses
 * (@dataclass builds __init__ from the class's annotations), enum (class attributes become
 * members with .name and .value), typing, abc, itertools, operator, warnings. Modules not listed
 * (os, PIL, numpy…) are open: their attributes are unknown values, never errors.
 */
import type { ObjectModel } from './objects';
import { abstractBaseClasses, typesModuleClasses } from './abcClasses';
import { inspectModule } from './stdlibInspect';
import { reModule } from './stdlibRe';
import {
  NONE,
  builtin,
  dict,
  float,
  int,
  list,
  numberOf,
  str,
  tuple,
  unknown,
  type CallArgs,
  type CallSite,
  type ClassValue,
  type DictValue,
  type InstanceValue,
  type ModuleValue,
  type Value,
} from './values';

type PartialParts = { func: Value; args: Value[]; keywords: Map<string, Value> };

export function stdlibModules(om: ObjectModel): Map<string, ModuleValue> {
  const modules = new Map<string, ModuleValue>();
  const mod = (name: string, entries: Record<string, Value>, open = false): ModuleValue => {
    const m: ModuleValue = { t: 'module', name, attrs: new Map(Object.entries(entries)), open };
    modules.set(name, m);
    return m;
  };
  const fn = (name: string, call: (a: CallArgs, s: CallSite) => Value) => builtin(name, call);
  const num = (a: CallArgs, i: number) => numberOf(a.positional[i] ?? NONE);
  const math1 = (name: string, f: (x: number) => number, asInt = false) =>
    fn(name, (a) => {
      const x = num(a, 0);
      return x === undefined ? unknown(`math.${name}() of an unknown value`) : asInt ? int(f(x)) : float(f(x));
    });
  const identity = fn('identity', (a) => a.positional[0] ?? NONE);
  const decoratorFactory = (name: string) =>
    fn(name, (a) =>
      a.positional[0] && ['func', 'class', 'bound'].includes(a.positional[0].t) ? a.positional[0] : identity,
    );

  mod('math', {
    ceil: math1('ceil', Math.ceil, true),
    floor: math1('floor', Math.floor, true),
    trunc: math1('trunc', Math.trunc, true),
    sqrt: math1('sqrt', Math.sqrt),
    exp: math1('exp', Math.exp),
    log: fn('log', (a) => {
      const [x, base] = [num(a, 0), num(a, 1)];
      return x === undefined ? unknown('math.log()') : float(base ? Math.log(x) / Math.log(base) : Math.log(x));
    }),
    log2: math1('log2', Math.log2),
    log10: math1('log10', Math.log10),
    isclose: fn('isclose', (a) => ({ t: 'bool', v: Math.abs((num(a, 0) ?? NaN) - (num(a, 1) ?? NaN)) < 1e-9 })),
    gcd: fn('gcd', (a) => {
      let [x, y] = [Math.abs(num(a, 0) ?? 0), Math.abs(num(a, 1) ?? 0)];
      while (y) [x, y] = [y, x % y];
      return int(x);
    }),
    prod: fn('prod', (a, s) => {
      const items = om.iterate(a.positional[0] ?? NONE, s);
      if (!items) return unknown('math.prod()');
      let p: Value = int(1);
      for (const v of items) p = om.binop('*', p, v, s, false);
      return p;
    }),
    pi: float(Math.PI),
    e: float(Math.E),
    inf: float(Infinity),
  });

  // functools.partial: a callable instance keeping func, args and keywords, as Python's does.
  const partialClass = om.newClass('partial', [], new Map(), 'functools.partial');
  om.natives.set('functools.partial', {
    construct: (cls, a) => {
      let [func, ...args] = a.positional;
      let keywords = a.keywords;
      // A partial of a partial is flattened, as CPython does: .func is the innermost callable.
      const inner = func?.t === 'instance' && func.cls === cls ? (func.native as PartialParts) : undefined;
      if (inner)
        [func, args, keywords] = [inner.func, [...inner.args, ...args], new Map([...inner.keywords, ...keywords])];
      const attrs = new Map<string, Value>([
        ['func', func ?? NONE],
        ['args', tuple(args)],
        ['keywords', dict([...keywords].map(([k, v]) => [str(k), v]))],
      ]);
      return { t: 'instance', cls, attrs, native: { func, args, keywords } };
    },
    call: (self, a, s) => {
      const p = self.native as PartialParts;
      return om.call(
        p.func,
        { positional: [...p.args, ...a.positional], keywords: new Map([...p.keywords, ...a.keywords]) },
        s,
      );
    },
  });
  mod('functools', {
    partial: partialClass,
    // wraps(f)(wrapper): the wrapper remembers f as __wrapped__, which entry discovery follows.
    wraps: fn('wraps', (a) => {
      const wrapped = a.positional[0];
      return fn('wraps_decorator', (b) => {
        const wrapper = b.positional[0];
        if (wrapper?.t === 'func' && wrapped) wrapper.attrs.set('__wrapped__', wrapped);
        return wrapper ?? NONE;
      });
    }),
    update_wrapper: fn('update_wrapper', (a) => a.positional[0] ?? NONE),
    lru_cache: decoratorFactory('lru_cache'),
    cache: identity,
    reduce: fn('reduce', (a, s) => {
      const items = om.iterate(a.positional[1] ?? NONE, s);
      if (!items) return unknown('functools.reduce()');
      let acc = a.positional.length > 2 ? a.positional[2] : (items.shift() ?? NONE);
      for (const v of items) acc = om.callValue(a.positional[0], [acc, v], s);
      return acc;
    }),
  });

  const dictClass = om.builtins.get('dict')!;
  mod('collections', {
    OrderedDict: dictClass,
    // A dict that calls its factory for a missing key and stores the result.
    defaultdict: fn('defaultdict', (a, s) => {
      const [factory, init] = a.positional;
      const d: DictValue = {
        ...(init || a.keywords.size
          ? (om.call(dictClass, { positional: init ? [init] : [], keywords: a.keywords }, s) as DictValue)
          : dict()),
        missing: factory ?? NONE,
      };
      return d;
    }),
    namedtuple: fn('namedtuple', (a, s) => namedTuple(om, a, s)),
    deque: fn('deque', (a, s) => {
      const given = a.positional[0] ?? a.keywords.get('iterable');
      const items = given ? om.iterate(given, s) : [];
      const maxlen = numberOf(a.positional[1] ?? a.keywords.get('maxlen') ?? NONE);
      if (!items) return unknown('collections.deque() of an iterable not known statically');
      return {
        t: 'list',
        items: maxlen === undefined ? items : items.slice(Math.max(0, items.length - maxlen)),
        isDeque: true,
      };
    }),
  });
  const abstract = abstractBaseClasses(om);
  const collectionsAbc: ModuleValue = { t: 'module', name: 'collections.abc', attrs: new Map(abstract), open: true };
  modules.set('collections.abc', collectionsAbc);
  modules.get('collections')!.attrs.set('abc', collectionsAbc);

  mod('copy', {
    copy: fn('copy', (a) => shallowCopy(a.positional[0] ?? NONE)),
    // A class's own __deepcopy__ decides (nn.Module's copies its layers); an instance without one is
    // copied one level; lists, tuples and dicts all the way down (Keras copies its block-argument
    // dicts before popping from them), each object once, as the memo does.
    deepcopy: fn('deepcopy', (a, s) => {
      const memo = new Map<Value, Value>();
      const copy = (v: Value): Value => {
        const seen = memo.get(v);
        if (seen) return seen;
        if (v.t === 'list' || v.t === 'tuple') {
          const out = { ...v, items: [] as Value[] };
          memo.set(v, out);
          out.items.push(...v.items.map(copy));
          return out;
        }
        if (v.t === 'dict') {
          const out: Value = { t: 'dict', entries: new Map() };
          memo.set(v, out);
          for (const [k, e] of v.entries) out.entries.set(k, { key: e.key, value: copy(e.value) });
          return out;
        }
        const hook = v.t === 'instance' ? om.getAttr(v, '__deepcopy__', s) : undefined;
        return hook && hook.t !== 'unknown'
          ? om.call(hook, { positional: [dict()], keywords: new Map() }, s)
          : shallowCopy(v);
      };
      return copy(a.positional[0] ?? NONE);
    }),
  });
  mod('warnings', {
    warn: fn('warn', () => NONE),
    filterwarnings: fn('filterwarnings', () => NONE),
    catch_warnings: fn('catch_warnings', () => NONE),
  });

  mod('dataclasses', {
    dataclass: fn('dataclass', (a) =>
      a.positional[0]?.t === 'class'
        ? makeDataclass(om, a.positional[0])
        : fn('dataclass', (b) => (b.positional[0]?.t === 'class' ? makeDataclass(om, b.positional[0]) : NONE)),
    ),
    field: fn(
      'field',
      (a) =>
        a.keywords.get('default') ??
        (a.keywords.get('default_factory')
          ? om.callValue(a.keywords.get('default_factory')!, [], { file: '', from: 0, to: 0 })
          : NONE),
    ),
    asdict: fn('asdict', (a) =>
      a.positional[0]?.t === 'instance'
        ? dict([...a.positional[0].attrs].map(([k, v]) => [str(k), v]))
        : unknown('asdict()'),
    ),
    replace: fn('replace', (a) => {
      const src = a.positional[0];
      if (src?.t !== 'instance') return unknown('dataclasses.replace()');
      const copy = shallowCopy(src) as InstanceValue;
      for (const [k, v] of a.keywords) copy.attrs.set(k, v);
      return copy;
    }),
  });

  const enumClass = om.newClass('Enum', [], new Map(), 'enum.Enum');
  om.natives.set('enum.Enum', { initSubclass: (cls) => makeEnumMembers(cls) });
  mod('enum', { Enum: enumClass, IntEnum: enumClass, auto: fn('auto', () => unknown('enum.auto()')) });

  const passThroughTypes = [
    'Any',
    'Callable',
    'Dict',
    'List',
    'Optional',
    'Sequence',
    'Tuple',
    'Type',
    'Union',
    'Iterable',
    'Iterator',
    'Mapping',
    'Set',
    'TypeVar',
    'Generic',
    'Protocol',
    'Literal',
    'ClassVar',
    'Final',
  ];
  mod(
    'typing',
    {
      ...Object.fromEntries(passThroughTypes.map((n) => [n, abstract.get(n) ?? unknown(`typing.${n}`)])),
      cast: fn('cast', (a) => a.positional[1] ?? NONE),
      overload: identity,
      no_type_check: identity,
      TYPE_CHECKING: { t: 'bool', v: false },
      // The one generic alias typing lets code call: `typing.OrderedDict()` makes a collections.OrderedDict.
      OrderedDict: dictClass,
      NamedTuple: om.newClass('NamedTuple', [], new Map(), 'typing.NamedTuple'),
    },
    true,
  );
  om.natives.set('typing.NamedTuple', { initSubclass: (cls) => void makeDataclass(om, cls) });
  modules.set('typing_extensions', modules.get('typing')!);
  mod('abc', { ABC: om.newClass('ABC', [], new Map()), ABCMeta: unknown('ABCMeta'), abstractmethod: identity });
  mod('itertools', {
    chain: fn('chain', (a, s) => list(a.positional.flatMap((v) => om.iterate(v, s) ?? []))),
    repeat: fn('repeat', (a) => list(Array(num(a, 1) ?? 0).fill(a.positional[0] ?? NONE))),
    product: fn('product', (a, s) => {
      const pools = a.positional.map((v) => om.iterate(v, s) ?? []);
      let out: Value[][] = [[]];
      for (const pool of pools) out = out.flatMap((prefix) => pool.map((v) => [...prefix, v]));
      return list(out.map((t) => tuple(t)));
    }),
    accumulate: fn('accumulate', (a, s) => {
      const items = om.iterate(a.positional[0] ?? NONE, s) ?? [];
      const out: Value[] = [];
      let acc: Value | undefined;
      for (const v of items) out.push((acc = acc ? om.binop('+', acc, v, s, false) : v));
      return list(out);
    }),
  });
  mod('operator', {
    mul: fn('mul', (a, s) => om.binop('*', a.positional[0] ?? NONE, a.positional[1] ?? NONE, s, false)),
    add: fn('add', (a, s) => om.binop('+', a.positional[0] ?? NONE, a.positional[1] ?? NONE, s, false)),
  });
  for (const name of ['os', 'sys', 'logging', 'importlib', 'numbers', 'pathlib', 'json', 'urllib', 'hashlib'])
    mod(name, {}, true);
  mod('types', Object.fromEntries(typesModuleClasses(om)), true);
  modules.set('re', reModule(om));
  modules.set('inspect', inspectModule(om));
  return modules;
}

function shallowCopy(v: Value): Value {
  if (v.t === 'list') return { ...v, items: [...v.items] };
  if (v.t === 'dict') return { t: 'dict', entries: new Map(v.entries) };
  if (v.t === 'instance') return { ...v, attrs: new Map(v.attrs), native: v.native ? { ...v.native } : undefined };
  return v;
}

/** @dataclass: an __init__ taking the annotated fields in order, defaults from the class body. */
function makeDataclass(om: ObjectModel, cls: ClassValue): ClassValue {
  const fields: { name: string; default?: Value }[] = [];
  for (const c of [...cls.mro].reverse()) {
    const names = c.attrs.get('__annotations__');
    if (names?.t !== 'list') continue;
    for (const n of names.items) {
      if (n.t !== 'str' || fields.some((f) => f.name === n.v)) continue;
      const dflt = c.attrs.get(n.v);
      fields.push({ name: n.v, default: dflt && dflt.t !== 'func' ? dflt : undefined });
    }
  }
  if (!cls.attrs.has('__init__')) {
    cls.attrs.set(
      '__init__',
      builtin(
        '__init__',
        (a) => {
          const [self, ...positional] = a.positional;
          if (self?.t !== 'instance') return NONE;
          fields.forEach((f, i) =>
            self.attrs.set(f.name, positional[i] ?? a.keywords.get(f.name) ?? f.default ?? unknown(`field ${f.name}`)),
          );
          return NONE;
        },
        true,
      ),
    );
  }
  return cls;
}

/** Enum classes: each plain class attribute becomes a member with .name and .value. */
function makeEnumMembers(cls: ClassValue): void {
  const members: Value[] = [];
  for (const [name, value] of [...cls.attrs]) {
    if (name.startsWith('_') || ['func', 'builtin', 'class'].includes(value.t)) continue;
    const member: InstanceValue = {
      t: 'instance',
      cls,
      attrs: new Map<string, Value>([
        ['name', str(name)],
        ['value', value],
      ]),
    };
    cls.attrs.set(name, member);
    members.push(member);
  }
  cls.attrs.set('__members__', list(members));
}

function namedTuple(om: ObjectModel, a: CallArgs, s: CallSite): Value {
  const [name, fieldSpec] = a.positional;
  const names =
    fieldSpec?.t === 'str'
      ? fieldSpec.v.replace(/,/g, ' ').split(/\s+/).filter(Boolean)
      : (om.iterate(fieldSpec ?? NONE, s) ?? []).map((v) => (v.t === 'str' ? v.v : '?'));
  const cls = om.newClass(name?.t === 'str' ? name.v : 'namedtuple', [], new Map());
  cls.attrs.set(
    '__init__',
    builtin(
      '__init__',
      (b) => {
        const [self, ...positional] = b.positional;
        if (self?.t === 'instance')
          names.forEach((n, i) => self.attrs.set(n, positional[i] ?? b.keywords.get(n) ?? NONE));
        return NONE;
      },
      true,
    ),
  );
  cls.attrs.set('_fields', tuple(names.map(str)));
  return cls;
}
