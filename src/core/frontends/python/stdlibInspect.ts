/**
 * The part of `inspect` model code uses to look at a function's parameters: `signature(f)` with
 * `.parameters` (name → Parameter with `.name`, `.kind`, `.default`), the Parameter kinds, and the
 * `is…` predicates. torchvision's keyword-only decorator reads `param.kind` to find where
 * keyword-only arguments start: without it every builder call branched on an unknown. Everything
 * else in the module is open (unknown values, never errors).
 */
import type { ObjectModel } from './objects';
import {
  NONE, bool, builtin, dict, int, str, unknown,
  type InstanceValue, type ModuleValue, type Value,
} from './values';

/** `inspect.Parameter` kinds, with the values of CPython's `_ParameterKind` IntEnum. */
const parameterKinds = {
  POSITIONAL_ONLY: 0,
  POSITIONAL_OR_KEYWORD: 1,
  VAR_POSITIONAL: 2,
  KEYWORD_ONLY: 3,
  VAR_KEYWORD: 4,
};
const kindOfParam = { normal: 1, varargs: 2, kwonly: 3, kwargs: 4 } as const;

export function inspectModule(om: ObjectModel): ModuleValue {
  const emptyClass = om.newClass('_empty', [], new Map(), 'inspect._empty');
  const parameterClass = om.newClass(
    'Parameter',
    [],
    new Map<string, Value>([
      ...Object.entries(parameterKinds).map(([k, v]): [string, Value] => [k, int(v)]),
      ['empty', emptyClass],
    ]),
    'inspect.Parameter',
  );
  const signatureAttrs = new Map<string, Value>([['empty', emptyClass]]);
  const signatureClass = om.newClass('Signature', [], signatureAttrs, 'inspect.Signature');

  const parameter = (name: string, kind: number, value: Value | undefined): InstanceValue => ({
    t: 'instance',
    cls: parameterClass,
    attrs: new Map<string, Value>([
      ['name', str(name)],
      ['kind', int(kind)],
      ['default', value ?? emptyClass],
      ['annotation', emptyClass],
    ]),
  });

  const signature = (f: Value): Value => {
    const func = f.t === 'bound' && f.func.t === 'func' ? f.func : f.t === 'func' ? f : undefined;
    if (!func) return unknown(`inspect.signature() of ${f.t === 'unknown' ? f.why : `a ${f.t}`}`);
    // A bound method's signature leaves out the parameter it is bound to.
    const params = f.t === 'bound' ? func.params.slice(1) : func.params;
    const entries = params.map((p): [Value, Value] => [
      str(p.name),
      parameter(p.name, kindOfParam[p.kind], func.defaults.get(p.name)),
    ]);
    const instance: InstanceValue = {
      t: 'instance',
      cls: signatureClass,
      attrs: new Map([['parameters', dict(entries)]]),
    };
    return instance;
  };

  const isKind = (name: string, test: (v: Value) => boolean | undefined) =>
    builtin(name, (a) => {
      const v = a.positional[0] ?? NONE;
      const answer = test(v);
      return answer === undefined ? unknown(`inspect.${name}() of an unknown value`) : bool(answer);
    });
  const known = (v: Value, yes: boolean): boolean | undefined =>
    v.t === 'unknown' || v.t === 'lazy' ? undefined : yes;

  return {
    t: 'module',
    name: 'inspect',
    open: true,
    attrs: new Map<string, Value>([
      ['signature', builtin('signature', (a) => signature(a.positional[0] ?? NONE))],
      ['Parameter', parameterClass],
      ['Signature', signatureClass],
      ['isclass', isKind('isclass', (v) => known(v, v.t === 'class'))],
      ['isfunction', isKind('isfunction', (v) => known(v, v.t === 'func'))],
      ['ismethod', isKind('ismethod', (v) => known(v, v.t === 'bound'))],
    ]),
  };
}
