/**
 * The model of torch.nn's module system: nn.Module (attribute assignment registers children in
 * order, `module(x)` runs `forward` inside the module's group), the containers (Sequential,
 * ModuleList, ModuleDict, with indexing, slicing, iteration, append, add_module), and every layer
 * class of the torch.nn catalog as a leaf whose application becomes an IR node. Module paths are
 * assigned after construction exactly as `named_modules()` would: first registration wins.
 */
import { torchLayers } from '../../frameworks/torchLayers';
import { catalogCall } from './callArgs';
import type { NativeBehaviour } from './objects';
import type { Session } from './session';
import type { LayerState } from './tracer';
import {
  NONE, builtin, dict, list, numberOf, str, tuple, unknown,
  type BuiltinValue, type CallArgs, type CallSite, type ClassValue, type InstanceValue, type ModuleValue, type TensorValue, type Value,
} from './values';

export interface ModuleState {
  children: Map<string, InstanceValue>;
  site?: CallSite;
  layer?: LayerState;
  /** Bound constructor arguments of a layer, readable as attributes (`conv.out_channels`). */
  layerArgs?: Map<string, Value>;
  path?: string;
  container?: 'sequential' | 'list' | 'dict';
}

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

  const moduleBehaviour: NativeBehaviour = {
    construct(cls, args, site) {
      const self: InstanceValue = { t: 'instance', cls, attrs: new Map(), native: { module: newState(site) } };
      const init = om.classLookup(cls, '__init__');
      if (init) om.call(init.t === 'func' || (init.t === 'builtin' && init.method) ? { t: 'bound', self, func: init } : init, args, site);
      return self;
    },
    setAttr(self, name, value) {
      if (!moduleState(self)) return false;
      if (isModule(value)) {
        register(self, name, value);
        return true;
      }
      return false;
    },
    getAttr(self, name) {
      const state = moduleState(self);
      if (!state) return undefined;
      if (state.layerArgs?.has(name)) return state.layerArgs.get(name);
      switch (name) {
        case 'training':
          return { t: 'bool', v: false };
        case 'weight':
        case 'bias':
          return unknown(`${name} of ${self.cls.name}`);
      }
      const method = moduleMethods[name];
      return method ? { t: 'bound', self, func: method } : undefined;
    },
    call(self, args, site) {
      const state = moduleState(self);
      if (!state) return unknown(`calling a ${self.cls.name} that was never constructed`);
      if (state.layer) return applyLeaf(self, state.layer, args, site);
      const forward = forwardOf(self);
      if (!forward) {
        interp.report(site.file, site.from, site.to, 'info', `${self.cls.name} has no forward()`);
        return unknown(`${self.cls.name}()`);
      }
      const run = () => om.call(forward.t === 'func' || forward.t === 'builtin' ? { t: 'bound', self, func: forward } : forward, args, site);
      const tracer = session.tracer;
      if (!tracer) return run();
      const out = tracer.inGroup(self, state.path ?? '', self.cls.name, state.site, run);
      // A module with no submodules is a leaf in PyTorch's eyes (named_modules, hooks, torchinfo),
      // even when CNN Lens followed its forward from source: mark its output with its own path.
      if (state.children.size === 0 && out.t === 'tensor') return tracer.markLeafCall(state.path ?? null, self.cls.name, out, site);
      return out;
    },
    getItem(self, index, site) {
      const state = moduleState(self);
      if (!state) return undefined;
      const children = [...state.children.values()];
      if (state.container === 'dict' || index.t === 'str') return state.children.get(index.t === 'str' ? index.v : '') ?? unknown('ModuleDict key');
      if (index.t === 'slice') {
        const picked = om.getItem(list(children), index, site);
        return makeContainer(sequentialClass, 'sequential', picked.t === 'list' ? picked.items.filter(isModule) : [], site);
      }
      const i = numberOf(index);
      if (i === undefined) return unknown('module index');
      return children[i < 0 ? children.length + i : i] ?? unknown(`index ${i} out of range`);
    },
    setItem(self, index, value) {
      const state = moduleState(self);
      if (!state) return false;
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
      return state.container === 'dict' ? [...state.children.keys()].map(str) : [...state.children.values()];
    },
  };
  om.natives.set('torch.nn.Module', moduleBehaviour);

  const applyLeaf = (self: InstanceValue, layer: LayerState, args: CallArgs, site: CallSite): Value => {
    const tracer = session.tracer;
    if (!tracer) return unknown('a layer applied outside a forward pass');
    const input = session.tensorArg(args.positional[0] ?? args.keywords.get('input'), site, `${self.cls.name}`);
    if (!input) return unknown(`${self.cls.name} output`);
    const extra = args.positional.slice(1).filter((v): v is TensorValue => v.t === 'tensor');
    const outputs = tracer.applyLayer(layer, [input, ...extra], site);
    return outputs.length === 1 ? outputs[0] : tuple(outputs);
  };

  /** A method of nn.Module; called on anything but a constructed module it does nothing. */
  const method = (name: string, fn: (self: InstanceValue, a: CallArgs, s: CallSite) => Value) =>
    builtin(name, (a, s) => {
      const self = a.positional[0];
      if (!self || !moduleState(self)) return name === '__init__' ? NONE : unknown(`${name}() on something that is not a module`);
      return fn(self as InstanceValue, { positional: a.positional.slice(1), keywords: a.keywords }, s);
    }, true);
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
    register_buffer: method('register_buffer', () => NONE),
    register_parameter: method('register_parameter', () => NONE),
    modules: method('modules', (self) => list(allModules(self))),
    children: method('children', (self) => list([...moduleState(self)!.children.values()])),
    named_children: method('named_children', (self) => list([...moduleState(self)!.children].map(([k, v]) => tuple([str(k), v])))),
    named_modules: method('named_modules', (self) => list(allModules(self).map((m) => tuple([str(moduleState(m)?.path ?? ''), m])))),
    parameters: method('parameters', (self) => list(leafLayers(self).map(parameterOf))),
    named_parameters: method('named_parameters', (self) => list(leafLayers(self).map((l) => tuple([str(l.name ?? ''), parameterOf(l)])))),
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
      if (child && isModule(child)) register(self, String(state.children.size), child);
      return self;
    }),
    extend: method('extend', (self, a, s) => {
      const state = moduleState(self)!;
      for (const child of om.iterate(a.positional[0] ?? NONE, s) ?? []) if (isModule(child)) register(self, String(state.children.size), child);
      return self;
    }),
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
      const pairs = src?.t === 'dict' ? [...src.entries.values()].map((e) => [e.key, e.value] as const) : (om.iterate(src ?? NONE, s) ?? []).map((p) => om.iterate(p, s) ?? []).map((kv) => [kv[0], kv[1]] as const);
      for (const [k, v] of pairs) if (k?.t === 'str' && v && isModule(v)) register(self, k.v, v);
      return NONE;
    }),
  };

  // One Parameter object stands for a layer's parameters; `p.requires_grad = False` freezes the layer.
  const parameterClass = om.newClass('Parameter', [], new Map(), 'torch.nn.Parameter');
  om.natives.set('torch.nn.Parameter', {
    setAttr(self, name, value) {
      const layer = self.native?.layer as LayerState | undefined;
      if (name === 'requires_grad' && layer && value.t === 'bool') layer.frozen = !value.v;
      return false;
    },
    getAttr: (self, name) => (name === 'requires_grad' ? { t: 'bool', v: !(self.native?.layer as LayerState).frozen } : undefined),
  });
  const parameterOf = (layer: LayerState): Value => ({ t: 'instance', cls: parameterClass, attrs: new Map(), native: { layer } });

  const containerInit = (kind: 'sequential' | 'list' | 'dict') =>
    method('__init__', (self, a, s) => {
      const state = moduleState(self);
      if (!state) return NONE;
      state.container = kind;
      const first = a.positional[0];
      if (kind === 'dict' || (kind === 'sequential' && a.positional.length === 1 && first?.t === 'dict')) {
        const pairs = first?.t === 'dict' ? [...first.entries.values()].map((e) => [e.key, e.value] as const) : (om.iterate(first ?? NONE, s) ?? []).map((p) => om.iterate(p, s) ?? []).map((kv) => [kv[0], kv[1]] as const);
        for (const [k, v] of pairs) if (k?.t === 'str' && v && isModule(v)) register(self, k.v, v);
      } else {
        const items = kind === 'list' ? om.iterate(first ?? list([]), s) ?? [] : a.positional;
        items.filter(isModule).forEach((m, i) => register(self, String(i), m));
      }
      return NONE;
    });
  const containerClass = (name: string, kind: 'sequential' | 'list' | 'dict') => {
    const cls = om.newClass(name, [moduleClass], new Map([['__init__', containerInit(kind)]]), `torch.nn.${name}`);
    nn.attrs.set(name, cls);
    return cls;
  };
  const sequentialClass = containerClass('Sequential', 'sequential');
  sequentialClass.attrs.set('forward', method('forward', (self, a, s) => {
    let x: Value = a.positional[0] ?? NONE;
    for (const child of moduleState(self)!.children.values()) x = om.call(child, { positional: [x], keywords: new Map() }, s);
    return x;
  }));
  containerClass('ModuleList', 'list');
  containerClass('ModuleDict', 'dict');

  const makeContainer = (cls: ClassValue, kind: 'sequential', children: InstanceValue[], site: CallSite): InstanceValue => {
    const self: InstanceValue = { t: 'instance', cls, attrs: new Map(), native: { module: { ...newState(site), container: kind } } };
    children.forEach((c, i) => register(self, String(i), c));
    return self;
  };

  // Leaf layers: one class per catalog entry, whose __init__ binds arguments and builds the spec.
  for (const [name, entry] of Object.entries(torchLayers)) {
    const init = method('__init__', (self, a, s) => {
      const state = moduleState(self);
      if (!state) return NONE;
      const { bound, literal, spec, error } = catalogCall(torchLayers, name, a);
      state.layerArgs = bound;
      if (error) interp.report(s.file, s.from, s.to, 'warning', error);
      state.layer = { spec, className: name, rawAttrs: literal, site: state.site ?? s, name: null };
      return NONE;
    });
    nn.attrs.set(name, om.newClass(name, [moduleClass], new Map([['__init__', init]]), `torch.nn.${name}`));
  }
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
    for (const child of state.children.values()) walk(child);
  };
  walk(root);
  return out;
}
