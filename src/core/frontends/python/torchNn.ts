/**
 * The model of torch.nn's module system: nn.Module (attribute assignment registers children in
 * order, `module(x)` runs `forward` inside the module's group), the containers (Sequential,
 * ModuleList, ModuleDict, with indexing, slicing, iteration, append, add_module), and every layer
 * class of the torch.nn catalog as a leaf whose application becomes an IR node. Module paths are
 * assigned after construction exactly as `named_modules()` would: first registration wins.
 */
import type { Shape } from '../../ir/dims';
import { torchLayerHasAttribute } from '../../frameworks/torchLayerAttributes';
import { declaredWeights } from '../../shapes/shapePass';
import { PyRaise } from './errors';
import type { NativeBehaviour } from './objects';
import type { Session } from './session';
import { applyLeaf, installLeafLayers, layerAttribute } from './torchLeaves';
import { installTorchQuantization } from './torchQuantization';
import { installTransformer } from './torchTransformer';
import type { LayerState } from './tracer';
import {
  adoptParameter,
  installParameters,
  layerHasWeight,
  parameterState,
  parameterTensor,
  type ParameterState,
} from './torchParameters';
import {
  NONE,
  builtin,
  dict,
  list,
  numberOf,
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

export interface ModuleState {
  children: Map<string, InstanceValue>;
  site?: CallSite;
  layer?: LayerState;
  /** Bound constructor arguments of a layer, readable as attributes (`conv.out_channels`). */
  layerArgs?: Map<string, Value>;
  path?: string;
  container?: ContainerKind;
  /** Tensors the module owns directly (`nn.Parameter` attributes, `register_parameter`). */
  params?: Map<string, ParameterState>;
  /** A Sequential's items CNN Lens could not know (an undefined helper's result), each with how many
   * known children came before it: forward passes the tensor through them, so the loss is reported
   * there instead of the item silently dropping out of the model. */
  unknownItems?: { readonly value: Value; readonly before: number }[];
  /** A lazy layer before its first call: the size it still has to read from its input. */
  lazy?: {
    readonly base: string;
    readonly size: string;
    readonly axis: number;
    readonly bound: ReadonlyMap<string, Value>;
  };
}

/** Sequential, ModuleList, ModuleDict, and ParameterList / ParameterDict (which hold parameters). */
type ContainerKind = 'sequential' | 'list' | 'dict' | 'paramList' | 'paramDict';

/** Every attribute of a torch 1.13 `nn.Module()` beyond object's: they exist even where not modelled. */
const nnModuleAttributes = new Set(
  (
    'T_destination __annotations__ __call__ __dict__ __getattr__ __module__ __setstate__ ' +
    '__weakref__ _apply _backward_hooks _buffers _call_impl _forward_hooks _forward_pre_hooks _get_backward_hooks ' +
    '_get_name _is_full_backward_hook _load_from_state_dict _load_state_dict_post_hooks _load_state_dict_pre_hooks ' +
    '_maybe_warn_non_full_backward_hook _modules _named_members _non_persistent_buffers_set _parameters ' +
    '_register_load_state_dict_pre_hook _register_state_dict_hook _replicate_for_data_parallel _save_to_state_dict ' +
    '_slow_forward _state_dict_hooks _version add_module apply bfloat16 buffers children cpu cuda double dump_patches ' +
    'eval extra_repr float forward get_buffer get_extra_state get_parameter get_submodule half ipu load_state_dict ' +
    'modules named_buffers named_children named_modules named_parameters parameters register_backward_hook ' +
    'register_buffer register_forward_hook register_forward_pre_hook register_full_backward_hook ' +
    'register_load_state_dict_post_hook register_module register_parameter requires_grad_ set_extra_state ' +
    'share_memory state_dict to to_empty train training type xpu zero_grad'
  ).split(' '),
);

export function moduleState(v: Value): ModuleState | undefined {
  return v.t === 'instance' ? (v.native?.module as ModuleState | undefined) : undefined;
}

export function isModule(v: Value): v is InstanceValue {
  return !!moduleState(v);
}

export function installTorchNn(session: Session, nn: ModuleValue): void {
  const { om, interp } = session;
  const moduleClass = om.newClass('Module', [], new Map(), 'torch.nn.Module');
  nn.attrs.set('Module', moduleClass);

  const newState = (site?: CallSite): ModuleState => ({ children: new Map(), site });
  const register = (self: InstanceValue, name: string, child: InstanceValue) => {
    const state = moduleState(self)!;
    state.children.set(name, child);
    self.attrs.set(name, child);
  };
  const forwardOf = (self: InstanceValue) => om.classLookup(self.cls, 'forward');
  const registerParameter = (self: InstanceValue, name: string, param: ParameterState) => {
    const state = moduleState(self)!;
    (state.params ??= new Map()).set(name, param);
    adoptParameter(param, name);
    self.attrs.delete(name);
  };
  /** How many forward passes are running: parameters read as tensors only inside one. */
  let forwardDepth = 0;
  /** The first tensors of fully known shape the file's top-level code feeds this module (see Session.fedInputs). */
  const recordFed = (self: InstanceValue, positional: readonly Value[]) => {
    const known = (v: Value) => v.t === 'tensor' && v.shape.every((d) => typeof d === 'number');
    const shapes = positional.map((v) => (known(v) ? (v as TensorValue).shape : undefined));
    if (shapes.length && shapes.every((s) => s)) session.recordFed(self, shapes as Shape[]);
  };
  /** A parameter as the code reading it sees it: a tensor in forward, the Parameter object before. */
  const parameterValue = (param: ParameterState, site: CallSite): Value =>
    forwardDepth > 0
      ? parameterTensor(session, param, param.layer!, site)
      : { t: 'instance', cls: parameterClass, attrs: new Map(), native: { param } };

  const moduleBehaviour: NativeBehaviour = {
    construct(cls, args, site) {
      const self: InstanceValue = { t: 'instance', cls, attrs: new Map(), native: { module: newState(site) } };
      const init = om.classLookup(cls, '__init__');
      if (init)
        om.call(
          init.t === 'func' || (init.t === 'builtin' && init.method) ? { t: 'bound', self, func: init } : init,
          args,
          site,
        );
      return self;
    },
    setAttr(self, name, value) {
      const state = moduleState(self);
      if (!state) return false;
      if (isModule(value)) {
        register(self, name, value);
        return true;
      }
      const param = parameterState(value);
      if (param) {
        registerParameter(self, name, param);
        return true;
      }
      // `self.bias = None` on a parameter's name removes the parameter, as torch does.
      if (value.t === 'none') state.params?.delete(name);
      return false;
    },
    getAttr(self, name, site) {
      const state = moduleState(self);
      if (!state) return undefined;
      const attribute = layerAttribute(state, name);
      if (attribute) return attribute;
      const param = state.params?.get(name);
      if (param) return parameterValue(param, site);
      switch (name) {
        case 'training':
          return { t: 'bool', v: false };
        case 'weight':
        case 'bias': {
          // A layer's own weight while the model is built: torch's None when the layer has none,
          // else a Parameter of it (for requires_grad). Its values are not known in forward.
          // In forward (`F.linear(x, self.qkv.weight)`) it is a tensor of the weight's shape, counted
          // with its layer, not again where it is used.
          if (forwardDepth > 0 && state.layer) {
            const weight = declaredWeights(state.layer.spec, { framework: 'pytorch', layout: 'channels_first' }).find(
              (w) => w.name === name,
            );
            if (weight) return { t: 'tensor', id: -1, shape: [...weight.shape] };
            if (layerHasWeight(state.layer.spec, name) === false) return NONE;
          }
          const has = forwardDepth === 0 && state.layer ? layerHasWeight(state.layer.spec, name) : undefined;
          if (has === undefined) return unknown(`${name} of ${self.cls.name}`);
          return has
            ? { t: 'instance', cls: parameterClass, attrs: new Map(), native: { layer: state.layer, weight: name } }
            : NONE;
        }
      }
      const method = moduleMethods[name];
      return method ? { t: 'bound', self, func: method } : undefined;
    },
    raisesOnMissing(self, name) {
      // A container's or a Python subclass's attributes are all known (its own, its children,
      // parameters and buffers, nn.Module's). A built-in layer's are only partly modelled, so a
      // name is judged by the table of what each torch.nn class has.
      const state = moduleState(self);
      const layerLacks = !state?.layer || torchLayerHasAttribute(state.layer.className, name) === false;
      return (
        !!state &&
        layerLacks &&
        !state.lazy &&
        !nnModuleAttributes.has(name) &&
        self.cls.mro.every(
          (c) => !c.opaque && (!c.native || c.native.startsWith('torch.nn.') || c.native.startsWith('builtin:')),
        )
      );
    },
    call(self, args, site) {
      const state = moduleState(self);
      if (!state) return unknown(`calling a ${self.cls.name} that was never constructed`);
      if (session.recordingFedInputs && forwardDepth === 0) recordFed(self, args.positional);
      const forward = forwardOf(self);
      // A built-in layer runs as a leaf, unless a subclass gives it a forward of its own.
      if (state.layer && forward?.t !== 'func') return applyLeaf(session, self, args, site);
      if (!forward) {
        interp.report(site.file, site.from, site.to, 'info', `${self.cls.name} has no forward()`);
        return unknown(`${self.cls.name}()`);
      }
      const run = () => {
        forwardDepth++;
        try {
          return om.call(
            forward.t === 'func' || forward.t === 'builtin' ? { t: 'bound', self, func: forward } : forward,
            args,
            site,
          );
        } finally {
          forwardDepth--;
        }
      };
      const tracer = session.tracer;
      if (!tracer) return run();
      const appliedBefore = state.layer ? tracer.applicationsOf(state.layer) : 0;
      const out = tracer.inGroup(self, state.path ?? '', self.cls.name, state.site, run);
      // A module with no submodules is a leaf in PyTorch's eyes (named_modules, hooks, torchinfo),
      // even when CNN Lens followed its forward from source: mark its output with its own path.
      // A layer subclass whose forward reached `super().forward(x)` already has a node carrying the
      // path; one computing with the functional form (`F.layer_norm(x, self.normalized_shape, ...)`) has not.
      const ownNode = state.layer && tracer.applicationsOf(state.layer) > appliedBefore;
      if (state.children.size === 0 && !ownNode && out.t === 'tensor')
        return tracer.markLeafCall(state.path ?? null, self.cls.name, out, site, state.layer);
      return out;
    },
    getItem(self, index, site) {
      const state = moduleState(self);
      if (!state) return undefined;
      if (state.container === 'paramList' || state.container === 'paramDict') {
        const params = [...(state.params ?? [])];
        const i = index.t === 'str' ? params.findIndex(([k]) => k === index.v) : numberOf(index);
        const entry = i === undefined ? undefined : params[i < 0 ? params.length + i : i];
        return entry ? parameterValue(entry[1], site) : unknown(`${self.cls.name} key`);
      }
      const children = [...state.children.values()];
      if (state.container === 'dict' || index.t === 'str')
        return state.children.get(index.t === 'str' ? index.v : '') ?? unknown('ModuleDict key');
      if (index.t === 'slice') {
        const picked = om.getItem(list(children), index, site);
        const [cls, kind] =
          state.container === 'list' ? [moduleListClass, 'list' as const] : [sequentialClass, 'sequential' as const];
        return makeContainer(cls, kind, picked.t === 'list' ? picked.items.filter(isModule) : [], site);
      }
      const i = numberOf(index);
      if (i === undefined) return unknown('module index');
      return children[i < 0 ? children.length + i : i] ?? unknown(`index ${i} out of range`);
    },
    setItem(self, index, value) {
      const state = moduleState(self);
      if (!state) return false;
      const param = parameterState(value);
      if (param && (index.t === 'str' || index.t === 'int')) {
        registerParameter(self, index.t === 'str' ? index.v : String(index.v), param);
        return true;
      }
      if (!isModule(value)) return false;
      if (index.t === 'str') register(self, index.v, value);
      else {
        const i = numberOf(index);
        const names = [...state.children.keys()];
        const name = i === undefined ? undefined : names[i < 0 ? names.length + i : i];
        if (name === undefined) return false;
        register(self, name, value);
      }
      return true;
    },
    iterate(self) {
      const state = moduleState(self);
      if (!state) return undefined;
      if (state.container === 'paramList')
        return [...(state.params?.values() ?? [])].map((p) => parameterValue(p, p.site));
      if (state.container === 'paramDict') return [...(state.params?.keys() ?? [])].map(str);
      return state.container === 'dict' ? [...state.children.keys()].map(str) : [...state.children.values()];
    },
  };
  om.natives.set('torch.nn.Module', moduleBehaviour);

  /** A method of nn.Module; called on anything but a constructed module it does nothing. */
  const method = (name: string, fn: (self: InstanceValue, a: CallArgs, s: CallSite) => Value) =>
    builtin(
      name,
      (a, s) => {
        const self = a.positional[0];
        if (!self || !moduleState(self))
          return name === '__init__' ? NONE : unknown(`${name}() on something that is not a module`);
        return fn(self as InstanceValue, { positional: a.positional.slice(1), keywords: a.keywords }, s);
      },
      true,
    );
  const allModules = (root: InstanceValue): InstanceValue[] => {
    const seen = new Set<InstanceValue>();
    const walk = (m: InstanceValue) => {
      if (seen.has(m)) return;
      seen.add(m);
      for (const c of moduleState(m)?.children.values() ?? []) walk(c);
    };
    walk(root);
    return [...seen];
  };
  /** A deep copy of a module tree; `memo` keeps what the original shares shared in the copy. */
  const cloneModule = (m: InstanceValue, memo: Map<object, unknown>): InstanceValue => {
    const done = memo.get(m) as InstanceValue | undefined;
    if (done) return done;
    const state = moduleState(m)!;
    const layer = state.layer && { ...state.layer, name: null };
    const copyState: ModuleState = { ...state, children: new Map(), layer, path: undefined, params: undefined };
    const copy: InstanceValue = {
      t: 'instance',
      cls: m.cls,
      attrs: new Map(m.attrs),
      native: { ...m.native, module: copyState },
    };
    memo.set(m, copy);
    for (const [name, child] of state.children) register(copy, name, cloneModule(child, memo));
    for (const [name, param] of state.params ?? []) {
      const twin = (memo.get(param) as ParameterState | undefined) ?? {
        shape: param.shape,
        site: param.site,
        frozen: param.frozen,
      };
      memo.set(param, twin);
      registerParameter(copy, name, twin);
    }
    return copy;
  };
  /** ModuleList.extend (and `+=`): each module of the iterable appended under the next index. */
  const extend = (self: InstanceValue, modules: Value | undefined, site: CallSite): Value => {
    const state = moduleState(self)!;
    for (const child of om.iterate(modules ?? NONE, site) ?? [])
      if (isModule(child)) register(self, String(state.children.size), child);
    return self;
  };
  const moduleMethods: Record<string, BuiltinValue> = {
    add_module: method('add_module', (self, a) => {
      const [name, child] = a.positional;
      if (name?.t === 'str' && child && isModule(child)) register(self, name.v, child);
      return NONE;
    }),
    register_module: method('register_module', (self, a) => {
      const [name, child] = a.positional;
      if (name?.t === 'str' && child && isModule(child)) register(self, name.v, child);
      return NONE;
    }),
    // A buffer is a plain attribute (not a parameter); persistent or not, it counts for nothing.
    register_buffer: method('register_buffer', (self, a) => {
      const [name, tensor] = [a.positional[0] ?? a.keywords.get('name'), a.positional[1] ?? a.keywords.get('tensor')];
      if (name?.t === 'str') self.attrs.set(name.v, tensor ?? NONE);
      return NONE;
    }),
    register_parameter: method('register_parameter', (self, a) => {
      const [name, value] = [a.positional[0] ?? a.keywords.get('name'), a.positional[1] ?? a.keywords.get('param')];
      const param = value && parameterState(value);
      if (name?.t === 'str' && param) registerParameter(self, name.v, param);
      else if (name?.t === 'str') self.attrs.set(name.v, value ?? NONE);
      return NONE;
    }),
    // copy.deepcopy(block) (as in `_get_clones`): a module with layers and parameters of its own.
    __deepcopy__: method('__deepcopy__', (self) => cloneModule(self, new Map())),
    modules: method('modules', (self) => list(allModules(self))),
    children: method('children', (self) => list([...moduleState(self)!.children.values()])),
    named_children: method('named_children', (self) =>
      list([...moduleState(self)!.children].map(([k, v]) => tuple([str(k), v]))),
    ),
    named_modules: method('named_modules', (self) =>
      list(allModules(self).map((m) => tuple([str(moduleState(m)?.path ?? ''), m]))),
    ),
    parameters: method('parameters', (self) => list(leafLayers(self).map(parameterOf))),
    named_parameters: method('named_parameters', (self) =>
      list(leafLayers(self).map((l) => tuple([str(l.name ?? ''), parameterOf(l)]))),
    ),
    buffers: method('buffers', () => list([])),
    apply: method('apply', (self, a, s) => {
      for (const m of allModules(self).reverse()) om.callValue(a.positional[0], [m], s);
      return self;
    }),
    eval: method('eval', (self) => self),
    train: method('train', (self) => self),
    to: method('to', (self) => self),
    cuda: method('cuda', (self) => self),
    cpu: method('cpu', (self) => self),
    requires_grad_: method('requires_grad_', (self, a) => {
      const on = a.positional[0] ?? a.keywords.get('requires_grad');
      for (const l of leafLayers(self)) l.frozen = on?.t === 'bool' && !on.v;
      return self;
    }),
    zero_grad: method('zero_grad', () => NONE),
    load_state_dict: method('load_state_dict', () => unknown('load_state_dict(): weights are not read')),
    state_dict: method('state_dict', () => dict()),
    extra_repr: method('extra_repr', () => str('')),
    __init__: method('__init__', () => NONE),
    // Containers
    append: method('append', (self, a) => {
      const child = a.positional[0];
      const state = moduleState(self)!;
      const param = child && parameterState(child);
      if (child && isModule(child)) register(self, String(state.children.size), child);
      else if (param) registerParameter(self, String(state.params?.size ?? 0), param);
      return self;
    }),
    extend: method('extend', (self, a, s) => extend(self, a.positional[0], s)),
    insert: method('insert', (self, a) => {
      const state = moduleState(self)!;
      const at = numberOf(a.positional[0] ?? NONE) ?? state.children.size;
      const items = [...state.children.values()];
      if (a.positional[1] && isModule(a.positional[1])) items.splice(at, 0, a.positional[1]);
      state.children.clear();
      items.forEach((m, i) => register(self, String(i), m));
      return NONE;
    }),
    items: method('items', (self) => list([...moduleState(self)!.children].map(([k, v]) => tuple([str(k), v])))),
    keys: method('keys', (self) => list([...moduleState(self)!.children.keys()].map(str))),
    values: method('values', (self) => list([...moduleState(self)!.children.values()])),
    update: method('update', (self, a, s) => {
      const src = a.positional[0];
      const pairs =
        src?.t === 'dict'
          ? [...src.entries.values()].map((e) => [e.key, e.value] as const)
          : (om.iterate(src ?? NONE, s) ?? []).map((p) => om.iterate(p, s) ?? []).map((kv) => [kv[0], kv[1]] as const);
      for (const [k, v] of pairs) if (k?.t === 'str' && v && isModule(v)) register(self, k.v, v);
      return NONE;
    }),
  };

  // One Parameter object stands for a layer's parameters; `p.requires_grad = False` freezes the layer.
  const parameterClass = om.newClass('Parameter', [], new Map(), 'torch.nn.Parameter');
  installParameters(session);
  nn.attrs.set('Parameter', parameterClass);
  session.libraries.get('torch.nn.parameter')?.attrs.set('Parameter', parameterClass);
  const parameterOf = (layer: LayerState): Value => ({
    t: 'instance',
    cls: parameterClass,
    attrs: new Map(),
    native: { layer },
  });

  const containerInit = (kind: ContainerKind) =>
    method('__init__', (self, a, s) => {
      const state = moduleState(self);
      if (!state) return NONE;
      state.container = kind;
      const first = a.positional[0];
      // A module goes in as a child, a Parameter (ParameterList / ParameterDict) as a parameter.
      const add = (name: string, v: Value | undefined) => {
        const param = v && parameterState(v);
        if (v && isModule(v)) register(self, name, v);
        else if (param) registerParameter(self, name, param);
        else if (v?.t === 'unknown' && kind === 'sequential')
          (state.unknownItems ??= []).push({ value: v, before: state.children.size });
      };
      if (
        kind === 'dict' ||
        kind === 'paramDict' ||
        (kind === 'sequential' && a.positional.length === 1 && first?.t === 'dict')
      ) {
        const pairs =
          first?.t === 'dict'
            ? [...first.entries.values()].map((e) => [e.key, e.value] as const)
            : (om.iterate(first ?? NONE, s) ?? [])
                .map((p) => om.iterate(p, s) ?? [])
                .map((kv) => [kv[0], kv[1]] as const);
        for (const [k, v] of pairs) if (k?.t === 'str') add(k.v, v);
      } else {
        const items = kind === 'sequential' ? a.positional : (om.iterate(first ?? list([]), s) ?? []);
        items.forEach((m, i) => add(String(i), m));
      }
      return NONE;
    });
  const containerClass = (name: string, kind: ContainerKind) => {
    const cls = om.newClass(name, [moduleClass], new Map([['__init__', containerInit(kind)]]), `torch.nn.${name}`);
    nn.attrs.set(name, cls);
    return cls;
  };
  const sequentialClass = containerClass('Sequential', 'sequential');
  sequentialClass.attrs.set(
    'forward',
    method('forward', (self, a, s) => {
      let x: Value = a.positional[0] ?? NONE;
      const state = moduleState(self)!;
      const through = (f: Value) => (x = om.call(f, { positional: [x], keywords: new Map() }, s));
      const unknownsAt = (i: number) => state.unknownItems?.filter((u) => u.before === i).forEach((u) => through(u.value));
      [...state.children.values()].forEach((child, i) => {
        unknownsAt(i);
        through(child);
      });
      unknownsAt(state.children.size);
      return x;
    }),
  );
  const moduleListClass = containerClass('ModuleList', 'list');
  // `blocks += [Layer(...)]` extends in place; `a + b` is a new ModuleList holding both, as torch 1.13.
  moduleListClass.attrs.set(
    '__iadd__',
    method('__iadd__', (self, a, s) => extend(self, a.positional[0], s)),
  );
  moduleListClass.attrs.set(
    '__add__',
    method('__add__', (self, a, s) => {
      const combined = makeContainer(moduleListClass, 'list', [...moduleState(self)!.children.values()], s);
      return extend(combined, a.positional[0], s);
    }),
  );
  // Sequential joins only Sequentials (torch raises ValueError for anything else) and repeats by an int.
  const sequentialOperand = (other: Value | undefined, s: CallSite): InstanceValue[] => {
    if (other && isModule(other) && om.isSubclass(other.cls, sequentialClass))
      return [...moduleState(other)!.children.values()];
    const message = `add operator supports only objects of Sequential class, but ${other ? repr(other) : 'nothing'} is given`;
    interp.report(s.file, s.from, s.to, 'error', `ValueError: ${message}`);
    throw new PyRaise(om.exception('ValueError', message), s.file, s.from);
  };
  const children = (self: InstanceValue) => [...moduleState(self)!.children.values()];
  sequentialClass.attrs.set(
    '__add__',
    method('__add__', (self, a, s) =>
      makeContainer(sequentialClass, 'sequential', [...children(self), ...sequentialOperand(a.positional[0], s)], s),
    ),
  );
  sequentialClass.attrs.set(
    '__iadd__',
    method('__iadd__', (self, a, s) => extend(self, list(sequentialOperand(a.positional[0], s)), s)),
  );
  const repeatedSequential = method('__mul__', (self, a, s) => {
    const n = a.positional[0];
    if (n?.t !== 'int')
      return n?.t === 'unknown'
        ? unknown('Sequential * a count not known statically')
        : unknown('Sequential * something that is not an int');
    if (n.v <= 0) {
      interp.report(
        s.file,
        s.from,
        s.to,
        'error',
        `ValueError: Non-positive multiplication factor ${n.v} for Sequential`,
      );
      throw new PyRaise(om.exception('ValueError', `Non-positive multiplication factor ${n.v}`), s.file, s.from);
    }
    return makeContainer(sequentialClass, 'sequential', Array.from({ length: n.v }, () => children(self)).flat(), s);
  });
  sequentialClass.attrs.set('__mul__', repeatedSequential);
  sequentialClass.attrs.set('__rmul__', repeatedSequential);
  containerClass('ModuleDict', 'dict');
  containerClass('ParameterList', 'paramList');
  containerClass('ParameterDict', 'paramDict');

  const makeContainer = (
    cls: ClassValue,
    kind: ContainerKind,
    children: InstanceValue[],
    site: CallSite,
  ): InstanceValue => {
    const self: InstanceValue = {
      t: 'instance',
      cls,
      attrs: new Map(),
      native: { module: { ...newState(site), container: kind } },
    };
    children.forEach((c, i) => register(self, String(i), c));
    return self;
  };

  installLeafLayers(session, nn, moduleClass, method);
  installTorchQuantization(session, nn, moduleClass, method);
  installTransformer(session, nn, moduleClass, method);
}

/** Gives every module in the tree its `named_modules()` path; the first registration wins. */
export function assignPaths(root: InstanceValue): void {
  const seen = new Set<InstanceValue>();
  const walk = (m: InstanceValue, path: string) => {
    if (seen.has(m)) return;
    seen.add(m);
    const state = moduleState(m)!;
    state.path = path;
    if (state.layer) state.layer.name = path;
    for (const [name, param] of state.params ?? [])
      if (param.layer && param.layer.name === null) param.layer.name = path ? `${path}.${name}` : name;
    for (const [name, child] of state.children) walk(child, path ? `${path}.${name}` : name);
  };
  walk(root, '');
}

/** Every leaf layer in the tree, each once, in registration order. */
export function leafLayers(root: InstanceValue): LayerState[] {
  const out: LayerState[] = [];
  const seen = new Set<InstanceValue>();
  const walk = (m: InstanceValue) => {
    if (seen.has(m)) return;
    seen.add(m);
    const state = moduleState(m)!;
    if (state.layer) out.push(state.layer);
    for (const param of state.params?.values() ?? [])
      if (param.layer && !out.includes(param.layer)) out.push(param.layer);
    for (const child of state.children.values()) walk(child);
  };
  walk(root);
  return out;
}
