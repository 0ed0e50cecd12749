/**
 * torch.nn's built-in layers as leaf modules: one class per catalog row (and per lazy layer), whose
 * `__init__` binds its arguments as Python would and builds the layer's spec, and whose `forward`
 * applies it as one IR node (so a subclass's own forward reaches it through `super().forward(x)`).
 * A float where torch allocates a weight (`nn.Conv2d(3, planes / 4, 3)`) raises TypeError as torch
 * 1.13 does; a lazy layer (`nn.LazyConv2d(64, 3)`) reads its input size at its first call.
 */
import type { CatalogEntry } from '../../frameworks/catalog';
import { torchLazyLayers, torchLayers } from '../../frameworks/torchLayers';
import { isKnown, normalizeAxis } from '../../ir/dims';
import { PyRaise } from './errors';
import type { Session } from './session';
import { bindCall, catalogCall } from './callArgs';
import { moduleState, type ModuleState } from './torchNn';
import {
  NONE,
  int,
  repr,
  str,
  tuple,
  unknown,
  type BuiltinValue,
  type CallArgs,
  type CallSite,
  type ClassValue,
  type InstanceValue,
  type ModuleValue,
  type TensorValue,
  type Value,
} from './values';

type Method = (name: string, fn: (self: InstanceValue, a: CallArgs, s: CallSite) => Value) => BuiltinValue;

/** An int-valued argument given as a Python float, anywhere in a tuple too (`kernel_size=(3.0, 3)`). */
function floatIn(v: Value): boolean {
  return v.t === 'float' || ((v.t === 'tuple' || v.t === 'list') && v.items.some(floatIn));
}

/** Builds a layer's spec from its call (`base` is the catalog row) and sets it on the module. */
function setLayer(
  session: Session,
  state: ModuleState,
  className: string,
  base: string,
  args: CallArgs,
  s: CallSite,
  params?: readonly string[],
): Map<string, Value> {
  const { bound, literal, spec, error } = catalogCall(torchLayers, base, args, params);
  if (error) session.interp.report(s.file, s.from, s.to, 'warning', error.replace(`${base}: `, `${className}: `));
  const name = state.layer?.name ?? null;
  state.layer = {
    spec: spec.kind === 'unknown' ? { ...spec, className } : spec,
    className,
    rawAttrs: literal,
    site: state.site ?? s,
    name,
  };
  return bound;
}

/** The class of one leaf layer: `entry` binds its arguments; `lazy` names the size its first call reads. */
function leafClass(
  session: Session,
  name: string,
  entry: CatalogEntry,
  moduleClass: ClassValue,
  method: Method,
  lazy?: (typeof torchLazyLayers)[string],
): ClassValue {
  const { om, interp } = session;
  const init = method('__init__', (self, a, s) => {
    const state = moduleState(self);
    if (!state) return NONE;
    if (lazy) {
      const { values } = bindCall(
        entry.params.filter((p) => p !== lazy.size),
        a,
        true,
      );
      state.lazy = { ...lazy, bound: values };
      state.layer = {
        spec: {
          kind: 'unknown',
          className: name,
          reason: `${lazy.size} is read from its first input, and it was never called`,
        },
        className: name,
        rawAttrs: {},
        site: state.site ?? s,
        name: null,
      };
      state.layerArgs = values;
    } else state.layerArgs = setLayer(session, state, name, name, a, s);
    const bound = state.layerArgs;
    const refused = entry.sizes?.find((k) => bound.has(k) && floatIn(bound.get(k)!));
    if (refused) {
      // torch allocates the weight with torch.empty(size), which takes no float (torch 1.13).
      interp.report(
        s.file,
        s.from,
        s.to,
        'error',
        `TypeError: ${name}() got the float ${repr(bound.get(refused)!)} for ${refused}; torch refuses a float size when it allocates the weights (use // or int())`,
      );
      throw new PyRaise(om.exception('TypeError'), s.file, s.from);
    }
    return NONE;
  });
  const forward = method('forward', (self, a, s) => applyLeaf(session, self, a, s));
  return om.newClass(
    name,
    [moduleClass],
    new Map([
      ['__init__', init],
      ['forward', forward],
    ]),
    `torch.nn.${name}`,
  );
}

export function installLeafLayers(session: Session, nn: ModuleValue, moduleClass: ClassValue, method: Method): void {
  for (const [name, entry] of Object.entries(torchLayers))
    nn.attrs.set(name, leafClass(session, name, entry, moduleClass, method));
  for (const [name, lazy] of Object.entries(torchLazyLayers))
    nn.attrs.set(name, leafClass(session, name, torchLayers[lazy.base], moduleClass, method, lazy));
}

/**
 * A constructor argument read back as the module's attribute (`conv.stride`), as torch keeps it;
 * undefined for `weight` and `bias`, which are parameters, not the `bias=True` flag.
 */
export function layerAttribute(state: ModuleState, name: string): Value | undefined {
  if (name === 'weight' || name === 'bias') return undefined;
  const attributes = torchLayers[state.lazy?.base ?? state.layer?.className ?? '']?.attributes;
  const fallback = attributes?.defaults[name];
  const value =
    state.layerArgs?.get(name) ??
    (fallback === undefined || !state.layerArgs
      ? undefined
      : typeof fallback === 'string'
        ? str(fallback)
        : int(fallback));
  if (!value || !attributes?.tupled.includes(name) || value.t === 'tuple' || value.t === 'str') return value;
  return value.t === 'list' ? tuple(value.items) : tuple(Array<Value>(attributes.rank).fill(value));
}

/** The first call of a lazy layer: its size from the input, after which torch makes it the base class. */
function materialise(session: Session, state: ModuleState, input: TensorValue, site: CallSite): void {
  const lazy = state.lazy!;
  const axis = normalizeAxis(lazy.axis, input.shape.length);
  const size = axis === null ? null : input.shape[axis];
  if (!isKnown(size)) return;
  state.lazy = undefined;
  state.layerArgs = setLayer(
    session,
    state,
    lazy.base,
    lazy.base,
    { positional: [], keywords: new Map([...lazy.bound, [lazy.size, int(size)]]) },
    state.site ?? site,
  );
}

/** Applies a leaf layer to its tensor arguments, as one IR node. */
export function applyLeaf(session: Session, self: InstanceValue, args: CallArgs, site: CallSite): Value {
  const state = moduleState(self);
  const tracer = session.tracer;
  if (!state?.layer)
    return unknown(`${self.cls.name} was never built (its __init__ did not reach nn.${self.cls.name}.__init__)`);
  if (!tracer) return unknown('a layer applied outside a forward pass');
  const names = torchLayers[state.lazy?.base ?? state.layer.className]?.inputs ?? ['input'];
  const given = names
    .map((n, i) => args.positional[i] ?? args.keywords.get(n))
    .filter((v): v is Value => v !== undefined);
  const input = session.tensorArg(given[0], site, `${self.cls.name}`);
  if (!input) return unknown(`${self.cls.name} output`);
  if (state.lazy) materialise(session, state, input, site);
  const extra = [...given.slice(1), ...args.positional.slice(names.length)].filter(
    (v): v is TensorValue => v.t === 'tensor',
  );
  const outputs: Value[] = tracer.applyLayer(state.layer, [input, ...extra], site);
  // MultiheadAttention(..., need_weights=False) returns (attn_output, None).
  const needWeights = args.keywords.get('need_weights');
  if (outputs.length === 2 && needWeights?.t === 'bool' && !needWeights.v) outputs[1] = NONE;
  return outputs.length === 1 ? outputs[0] : tuple(outputs);
}
