/**
 * collections.abc's abstract base classes (Iterable, Sequence, Mapping, Callable, …) for
 * `isinstance`: model code normalises arguments with them (timm's `to_2tuple` asks
 * `isinstance(x, collections.abc.Iterable)`), and an unknown answer there sends it down the wrong
 * branch. Each class answers for the evaluator's value kinds as Python's registrations do, and for
 * a user class by the methods it defines. The `types` module's FunctionType and friends likewise.
 */
import type { ObjectModel } from './objects';
import type { ClassValue, Value } from './values';

/** For each ABC: the value kinds registered with it, and the methods that make a class one. */
const abcs: Readonly<Record<string, { kinds: readonly string[]; methods: readonly string[] }>> = {
  Iterable: { kinds: ['list', 'tuple', 'dict', 'str', 'set', 'tensor'], methods: ['__iter__'] },
  Iterator: { kinds: [], methods: ['__next__'] },
  Container: { kinds: ['list', 'tuple', 'dict', 'str', 'set', 'tensor'], methods: ['__contains__'] },
  Sized: { kinds: ['list', 'tuple', 'dict', 'str', 'set', 'tensor'], methods: ['__len__'] },
  Collection: {
    kinds: ['list', 'tuple', 'dict', 'str', 'set', 'tensor'],
    methods: ['__len__', '__iter__', '__contains__'],
  },
  Sequence: { kinds: ['list', 'tuple', 'str'], methods: [] },
  MutableSequence: { kinds: ['list'], methods: [] },
  Mapping: { kinds: ['dict'], methods: [] },
  MutableMapping: { kinds: ['dict'], methods: [] },
  Set: { kinds: ['set'], methods: [] },
  Hashable: {
    kinds: ['int', 'float', 'bool', 'str', 'tuple', 'none', 'func', 'builtin', 'class', 'tensor'],
    methods: ['__hash__'],
  },
  Callable: { kinds: ['func', 'builtin', 'bound', 'class'], methods: ['__call__'] },
};
/** The `types` module's classes of functions and modules, which isinstance answers by value kind. */
const valueTypes: Readonly<Record<string, { kinds: readonly string[]; methods: readonly string[] }>> = {
  FunctionType: { kinds: ['func'], methods: [] },
  LambdaType: { kinds: ['func'], methods: [] },
  MethodType: { kinds: ['bound'], methods: [] },
  BuiltinFunctionType: { kinds: ['builtin'], methods: [] },
  BuiltinMethodType: { kinds: ['builtin'], methods: [] },
  ModuleType: { kinds: ['module'], methods: [] },
};

export function typesModuleClasses(om: ObjectModel): Map<string, ClassValue> {
  return new Map(Object.keys(valueTypes).map((name) => [name, om.newClass(name, [], new Map(), `abc:${name}`)]));
}

export const abcNames = Object.keys(abcs);

export function abstractBaseClasses(om: ObjectModel): Map<string, ClassValue> {
  return new Map(abcNames.map((name) => [name, om.newClass(name, [], new Map(), `abc:${name}`)]));
}

/** isinstance(v, cls) for an ABC `cls`; undefined when it cannot be told. */
export function abcInstanceCheck(om: ObjectModel, cls: ClassValue, v: Value): boolean | undefined {
  const name = cls.native?.startsWith('abc:') ? cls.native.slice(4) : '';
  const entry = abcs[name] ?? valueTypes[name];
  if (!entry) return undefined;
  if (v.t === 'unknown' || v.t === 'lazy') return undefined;
  if (v.t === 'instance') {
    if (v.cls.mro.some((c) => c.opaque)) return undefined;
    // A Module instance is callable: nn.Module defines __call__.
    return (
      entry.methods.length > 0 &&
      entry.methods.every((m) => om.classLookup(v.cls, m) !== undefined || (m === '__call__' && !!v.native))
    );
  }
  const kind = v.t === 'list' && v.isSet ? 'set' : v.t;
  return entry.kinds.includes(kind);
}
