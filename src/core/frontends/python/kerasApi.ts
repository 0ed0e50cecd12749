/**
 * The model of Keras (keras, tensorflow.keras, tf.keras, keras.src.* and Keras 2's module paths):
 * layer classes from the keras.layers catalog and its aliases, named as Keras would name them;
 * Input and symbolic tensors with a None batch; layer calls recorded as IR nodes; Sequential (list
 * or .add()), functional Model (inputs, outputs) and subclassed Model/Layer with call(), built on
 * their first call with the weights their build() adds; Lambda; a model called as a layer, replayed
 * on its new input as one group (transfer learning), with `layers`, `trainable` and `get_layer`;
 * the lower-case merge functions; and what Keras's application sources import from the rest of
 * Keras. A model value remembers its inputs and outputs so the analyser can cut its graph out of
 * everything traced.
 */
import { kerasLayerAliases, kerasLayers } from '../../frameworks/kerasLayers';
import { KerasNamer } from '../../frameworks/kerasNames';
import { catalogCall, toArg } from './callArgs';
import { KerasConfig, installKerasOps } from './kerasOps';
import type { Session } from './session';
import type { LayerState } from './tracer';
import {
  NONE,
  builtin,
  int,
  list,
  repr,
  str,
  tuple,
  unknown,
  type CallArgs,
  type CallSite,
  type ClassValue,
  type InstanceValue,
  type ModuleValue,
  type TensorValue,
  type Value,
} from './values';

export interface KerasLayerState {
  layer?: LayerState;
  name: string;
  inputShape?: (number | null)[];
  /** A model's `build(input_shape)`, batch left out. */
  builtShape?: (number | null)[];
  /** Sequential: its layers; functional Model: its inputs and outputs. */
  sequence?: Value[];
  inputs?: TensorValue[];
  outputs?: TensorValue[];
  /** A functional Model given outputs that are not tensors: the unknown value, which says where it was lost. */
  lostOutputs?: Value;
  /** A layer's last application: what `layer.input` and `layer.output` read (`base.get_layer(n).output`). */
  applied?: { inputs: TensorValue[]; outputs: TensorValue[] };
  /** A custom layer: built (on its first call), and the weights its build() added. */
  built?: boolean;
  weights?: LayerState[];
  /** Lambda: its function and the keyword `arguments` it is called with. */
  lambda?: { fn: Value; arguments?: Value; outputShape?: Value };
  site: CallSite;
}

/** Submodules of keras.layers by which code imports layer classes (`keras.layers.convolutional`). */
const kerasLayerModules = [
  'core',
  'convolutional',
  'pooling',
  'normalization',
  'merge',
  'merging',
  'advanced_activations',
  'activation',
  'reshaping',
  'regularization',
  'preprocessing',
  'experimental',
  'experimental.preprocessing',
  'layer',
  'input_layer',
];
/** Where Keras 2 and Keras 3's source tree keep Model, Functional, Sequential, Layer and Input. */
const kerasEngineModules = [
  'engine',
  'engine.topology',
  'engine.training',
  'engine.functional',
  'engine.sequential',
  'engine.base_layer',
  'engine.input_layer',
  'models.model',
  'models.functional',
  'models.sequential',
  'layers.core.input_layer',
];

/**
 * What Keras's own application sources import from the rest of Keras, which is not evaluated:
 * `@keras_export(...)` (a decorator that registers the public name; here it returns the function),
 * the weight-file helpers (weights are never downloaded) and `get_source_inputs`.
 */
function installKerasSourceSupport(
  session: Session,
  module: (name: string, attrs?: Record<string, Value>, open?: boolean) => ModuleValue,
): void {
  const passThrough = builtin('decorator', (a) => a.positional[0] ?? NONE);
  module('keras.src.api_export', { keras_export: builtin('keras_export', () => passThrough) });
  module('keras.src.utils.file_utils', {
    get_file: builtin('get_file', () => unknown('a downloaded weights file')),
    exists: builtin('exists', () => ({ t: 'bool', v: false })),
  });
  module('keras.src.ops.operation_utils', {
    get_source_inputs: builtin('get_source_inputs', (a) => {
      const x = a.positional[0];
      return x?.t === 'tensor' ? list([x]) : (x ?? NONE);
    }),
  });
  let uid = 0;
  session.onTraceStart.push(() => (uid = 0));
  const extra: Record<string, Value> = {
    backend: builtin('backend', () => str('tensorflow')),
    get_uid: builtin('get_uid', () => ({ t: 'int', v: ++uid })),
    name_scope: builtin('name_scope', () => unknown('a name scope')),
  };
  for (const name of ['keras.backend', 'keras.src.backend', 'tensorflow.keras.backend'])
    for (const [k, v] of Object.entries(extra)) session.libraries.get(name)?.attrs.set(k, v);
}

export function kerasState(v: Value): KerasLayerState | undefined {
  return v.t === 'instance' ? (v.native?.keras as KerasLayerState | undefined) : undefined;
}

export function installKeras(
  session: Session,
  module: (name: string, attrs?: Record<string, Value>, open?: boolean) => ModuleValue,
): void {
  const { om, interp } = session;
  let namer = new KerasNamer();
  const config = new KerasConfig();
  session.onTraceStart.push((trace) => {
    namer = new KerasNamer();
    if (trace === '<module>') config.dataFormat = 'channels_last';
  });
  const fn = (name: string, call: (a: CallArgs, s: CallSite) => Value) => builtin(name, call);
  /** A method of a Keras layer; called on anything but a constructed layer it does nothing. */
  const method = (name: string, call: (self: InstanceValue, a: CallArgs, s: CallSite) => Value) =>
    builtin(
      name,
      (a, s) => {
        const self = a.positional[0];
        if (!self || !kerasState(self))
          return name === '__init__' ? NONE : unknown(`${name}() on something that is not a Keras layer`);
        return call(self as InstanceValue, { positional: a.positional.slice(1), keywords: a.keywords }, s);
      },
      true,
    );
  const tensorsOf = (v: Value | undefined, s: CallSite): TensorValue[] | undefined => {
    if (!v) return undefined;
    if (v.t === 'tensor') return [v];
    const items = om.iterate(v, s);
    return items && items.every((t) => t.t === 'tensor') ? (items as TensorValue[]) : undefined;
  };
  const shapeOf = (v: Value | undefined): (number | null)[] | undefined => {
    const lit = v ? toArg(v) : undefined;
    return Array.isArray(lit) && lit.every((d) => d === null || typeof d === 'number')
      ? (lit as (number | null)[])
      : undefined;
  };

  const layerClass = om.newClass('Layer', [], new Map(), 'keras.Layer');
  const layerObjects = new WeakMap<LayerState, InstanceValue>();
  const modelClass = om.newClass('Model', [layerClass], new Map(), 'keras.Model');
  const sequentialClass = om.newClass('Sequential', [modelClass], new Map(), 'keras.Sequential');

  const newLayer = (cls: ClassValue, a: CallArgs, s: CallSite, prefix: string): InstanceValue => {
    const name = a.keywords.get('name');
    const state: KerasLayerState = {
      // A name the code gives is kept as given (Keras numbers only the names it makes up).
      name: name?.t === 'str' ? name.v : namer.next(prefix),
      site: s,
      inputShape: shapeOf(a.keywords.get('input_shape')),
    };
    const self: InstanceValue = {
      t: 'instance',
      cls,
      attrs: new Map<string, Value>([['name', str(state.name)]]),
      native: { keras: state },
    };
    return self;
  };

  /** Applies a layer (catalog or custom) to tensors. */
  const callLayer = (self: InstanceValue, a: CallArgs, s: CallSite): Value => {
    const state = kerasState(self);
    if (!state) return unknown(`calling a ${self.cls.name} that was never constructed`);
    if (state.sequence) {
      const tracer = session.tracer;
      const run = () => runSequence(state, a.positional[0], s);
      return tracer && session.entryModel !== self
        ? tracer.inGroup(self, state.name, 'Sequential', state.site, run)
        : run();
    }
    if (state.outputs) return callFunctional(self, state, a, s);
    if (state.lambda) return callLambda(self, state, state.lambda, a, s);
    if (!state.layer) {
      const call = om.classLookup(self.cls, 'call');
      if (!call) return state.lostOutputs ?? unknown(`${self.cls.name} has no call()`);
      const keywords = new Map(a.keywords);
      if (!keywords.has('training') && call.t === 'func' && call.params.some((p) => p.name === 'training'))
        keywords.set('training', { t: 'bool', v: false });
      const run = () => {
        // Keras builds a layer on its first call, from the input's shape: build() adds the weights.
        if (!state.built) {
          state.built = true;
          const build = om.classLookup(self.cls, 'build');
          const input = a.positional[0] ?? a.keywords.get('inputs');
          if (build && input)
            om.call(
              { t: 'bound', self, func: build as never },
              { positional: [shapeValue(input)], keywords: new Map() },
              s,
            );
        }
        return om.call({ t: 'bound', self, func: call as never }, { positional: a.positional, keywords }, s);
      };
      return session.tracer ? session.tracer.inGroup(self, state.name, self.cls.name, state.site, run) : run();
    }
    const given = a.positional[0] ?? a.keywords.get('inputs');
    const inputs = tensorsOf(given, s);
    if (!inputs) session.tensorArg(given?.t === 'tensor' ? undefined : given, s, state.name);
    if (!inputs || !session.tracer) return unknown(`${state.name} output`);
    const outputs = session.tracer.applyLayer(state.layer, inputs, s);
    state.applied = { inputs, outputs };
    return outputs.length === 1 ? outputs[0] : list(outputs);
  };

  /** A functional model called as a layer: its graph again, on the tensors it is given, as one group. */
  const callFunctional = (self: InstanceValue, state: KerasLayerState, a: CallArgs, s: CallSite): Value => {
    const { inputs = [], outputs = [] } = state;
    const given = tensorsOf(a.positional[0] ?? a.keywords.get('inputs'), s);
    const same = !given || given.every((t, i) => t.id === inputs[i]?.id);
    const tracer = session.tracer;
    const out =
      same || !tracer
        ? outputs
        : tracer.inGroup(self, state.name, self.cls.name === 'Model' ? 'Functional' : self.cls.name, state.site, () =>
            tracer.replay(inputs, outputs, given),
          );
    return out.length === 1 ? out[0] : list(out);
  };

  /** The layer objects of a functional model, as `model.layers` lists them (its InputLayer first). */
  const functionalLayers = (state: KerasLayerState): Value[] => {
    const layers = session.tracer?.layersBetween(state.inputs ?? [], state.outputs ?? []) ?? [];
    const inputLayer: InstanceValue = {
      t: 'instance',
      cls: layerClass,
      attrs: new Map(),
      native: { keras: { name: 'input_layer', site: state.site } },
    };
    return [inputLayer, ...layers.map((l) => layerObjects.get(l) ?? NONE)];
  };

  /** `input_shape` as build() receives it: a tuple with None for the batch, or a list of them. */
  const shapeValue = (v: Value): Value => {
    if (v.t === 'tensor') return tuple(v.shape.map((d) => (typeof d === 'number' ? int(d) : NONE)));
    return v.t === 'list' || v.t === 'tuple' ? list(v.items.map(shapeValue)) : NONE;
  };

  /**
   * `self.add_weight(shape=…, trainable=…)` in a custom layer's build() or __init__: a weight of
   * that shape owned by the layer, a tensor its call() can use (`x * self.gamma`). Keras 2 named
   * the weight first (`add_weight('gamma', shape)`), Keras 3 takes the shape first.
   */
  const addWeight = (self: InstanceValue, a: CallArgs, s: CallSite): Value => {
    const state = kerasState(self)!;
    const first = a.positional[0];
    const named = first?.t === 'str';
    const nameValue = a.keywords.get('name') ?? (named ? first : a.positional[9]);
    const shape =
      shapeOf(a.keywords.get('shape') ?? (named ? a.positional[1] : first)) ??
      (a.keywords.has('shape') || first ? undefined : []);
    const trainable = a.keywords.get('trainable') ?? a.positional[named ? 5 : 3];
    if (!shape || shape.some((d) => d === null))
      return unknown(`${state.name}.add_weight(): a shape not known statically`);
    const attribute = nameValue?.t === 'str' ? nameValue.v : `weight_${state.weights?.length ?? 0}`;
    const weight: LayerState = {
      spec: { kind: 'parameter', attribute, shape: shape as number[] },
      className: 'Weight',
      rawAttrs: {},
      site: s,
      name: `${state.name}/${attribute}`,
      frozen: trainable?.t === 'bool' && !trainable.v,
    };
    (state.weights ??= []).push(weight);
    return session.tracer ? session.tracer.applyLayer(weight, [], s)[0] : unknown('a weight made outside an analysis');
  };

  /** Lambda: its function run on the symbolic tensor, its ops grouped under the layer's name. */
  const callLambda = (
    self: InstanceValue,
    state: KerasLayerState,
    lambda: NonNullable<KerasLayerState['lambda']>,
    a: CallArgs,
    s: CallSite,
  ): Value => {
    const keywords = new Map<string, Value>();
    if (lambda.arguments?.t === 'dict')
      for (const e of lambda.arguments.entries.values()) if (e.key.t === 'str') keywords.set(e.key.v, e.value);
    const input = a.positional[0] ?? a.keywords.get('inputs') ?? NONE;
    const run = (): Value => {
      const out = om.call(lambda.fn, { positional: [input], keywords }, s);
      if (out.t === 'tensor' || !lambda.outputShape || input.t !== 'tensor' || !session.tracer) return out;
      // Keras takes a Lambda's shape from output_shape= (a shape, or a function of the input's shape).
      const computed = lambda.outputShape.t === 'func' || lambda.outputShape.t === 'builtin';
      const declared = computed
        ? om.call(lambda.outputShape, { positional: [shapeValue(input)], keywords: new Map() }, s)
        : lambda.outputShape;
      const dims = shapeOf(declared);
      if (!dims) return out;
      // A function of the input's shape returns it with the batch; a literal leaves the batch out.
      const declaredShape = computed ? dims.slice(1) : dims;
      const reason = out.t === 'unknown' ? out.why : 'its function returned no tensor';
      return session.tracer.applyOp(
        'Lambda',
        { kind: 'unknown', className: 'Lambda', reason, declaredShape },
        [input],
        s,
      );
    };
    return session.tracer ? session.tracer.inGroup(self, state.name, 'Lambda', state.site, run) : run();
  };

  const kerasLayersIn = (root: Value): LayerState[] => {
    const out: LayerState[] = [];
    const seen = new Set<Value>();
    const walk = (v: Value) => {
      if (seen.has(v) || v.t !== 'instance') return;
      seen.add(v);
      const state = kerasState(v);
      if (state?.layer) out.push(state.layer);
      if (state?.weights) out.push(...state.weights);
      if (state?.outputs && state.inputs)
        out.push(...(session.tracer?.layersBetween(state.inputs, state.outputs) ?? []));
      for (const child of [...(state?.sequence ?? []), ...v.attrs.values()]) walk(child);
      for (const child of v.attrs.values()) if (child.t === 'list') child.items.forEach(walk);
    };
    walk(root);
    return out;
  };

  const runSequence = (state: KerasLayerState, input: Value | undefined, s: CallSite): Value => {
    let x: Value = input ?? NONE;
    // Each layer of a Sequential is applied where it is written in the list.
    for (const layer of state.sequence ?? [])
      x =
        layer.t === 'tensor'
          ? x
          : om.call(layer, { positional: [x], keywords: new Map() }, kerasState(layer)?.site ?? s);
    return x;
  };

  om.natives.set('keras.Layer', {
    construct(cls, a, s) {
      const self = newLayer(cls, a, s, cls.name);
      const init = om.classLookup(cls, '__init__');
      if (init) om.call({ t: 'bound', self, func: init as never }, a, s);
      return self;
    },
    call: callLayer,
    getAttr(self, name) {
      const state = kerasState(self);
      if (!state) return undefined;
      const tensors = (ts: TensorValue[] | undefined, one: boolean, what: string): Value =>
        ts
          ? one && ts.length === 1
            ? ts[0]
            : list(ts)
          : unknown(`${state.name}.${what} (the layer was never called)`);
      if (name === 'output' || name === 'outputs')
        return tensors(state.outputs ?? state.applied?.outputs, name === 'output', name);
      if (name === 'input' || name === 'inputs')
        return tensors(state.inputs ?? state.applied?.inputs, name === 'input', name);
      if (name === 'get_layer')
        return {
          t: 'bound',
          self,
          func: method('get_layer', (me, b) => {
            const s = kerasState(me)!;
            const layers = s.sequence ?? (s.outputs ? functionalLayers(s) : []);
            const wanted = b.positional[0] ?? b.keywords.get('name');
            const index = b.positional[1] ?? b.keywords.get('index');
            if (wanted?.t === 'str') {
              const found = layers.find((l) => kerasState(l)?.name === wanted.v);
              return found ?? unknown(`${s.name}.get_layer('${wanted.v}'): no such layer`);
            }
            return index?.t === 'int'
              ? (layers[index.v] ?? unknown(`${s.name}.get_layer(index=${index.v})`))
              : unknown('get_layer()');
          }),
        };
      if (name === 'layers') return list(state.sequence ?? (state.outputs ? functionalLayers(state) : []));
      if (name === 'add')
        return {
          t: 'bound',
          self,
          func: method('add', (me, b) => ((kerasState(me)!.sequence ??= []).push(b.positional[0] ?? NONE), NONE)),
        };
      if (name === 'trainable') return { t: 'bool', v: !state.layer?.frozen };
      return undefined;
    },
    setAttr(self, name, value) {
      if (!kerasState(self) || name !== 'trainable' || value.t !== 'bool') return false;
      // Freezing a model or block freezes every layer inside it.
      for (const layer of kerasLayersIn(self)) layer.frozen = !value.v;
      return true;
    },
  });
  const baseInit = method('__init__', () => NONE);
  layerClass.attrs.set('__init__', baseInit);
  layerClass.attrs.set(
    'build',
    method('build', () => NONE),
  );
  layerClass.attrs.set(
    'add_weight',
    method('add_weight', (self, a, s) => addWeight(self, a, s)),
  );
  // `model.build((None, 28, 28, 1))`: the input shape a model without an Input layer is built for.
  modelClass.attrs.set(
    'build',
    method('build', (self, a) => {
      const state = kerasState(self);
      const shape = shapeOf(a.positional[0] ?? a.keywords.get('input_shape'));
      if (state && shape && shape.length > 1) state.builtShape = shape.slice(1);
      return NONE;
    }),
  );
  modelClass.attrs.set(
    '__init__',
    method('__init__', (self, a, s) => {
      const state = kerasState(self);
      const inputs = tensorsOf(a.positional[0] ?? a.keywords.get('inputs'), s);
      const outputs = tensorsOf(a.positional[1] ?? a.keywords.get('outputs'), s);
      if (state && inputs && outputs) {
        state.inputs = inputs;
        state.outputs = outputs;
      } else if (state && !outputs) {
        const given = a.positional[1] ?? a.keywords.get('outputs');
        if (given) session.tensorArg(given, s, 'keras.Model outputs');
        state.lostOutputs = given;
        // Its inputs are still the code's own (a model shown as incomplete keeps its real input shape).
        if (inputs) state.inputs = inputs;
      }
      const name = a.keywords.get('name');
      if (state && name?.t === 'str') state.name = name.v;
      return NONE;
    }),
  );
  sequentialClass.attrs.set(
    '__init__',
    method('__init__', (self, a, s) => {
      const state = kerasState(self)!;
      const layers = a.positional[0] ?? a.keywords.get('layers');
      state.sequence = layers && layers.t !== 'none' ? (om.iterate(layers, s) ?? []) : [];
      const name = a.keywords.get('name');
      if (name?.t === 'str') state.name = name.v;
      return NONE;
    }),
  );

  // Catalog layers.
  const layerAttrs: Record<string, Value> = { Layer: layerClass, InputLayer: unknown('InputLayer') };
  for (const [name, entry] of Object.entries(kerasLayers)) {
    const cls = om.newClass(name, [layerClass], new Map(), `keras.layer:${name}`);
    cls.attrs.set(
      '__init__',
      method('__init__', (self, a, s) => {
        const state = kerasState(self);
        if (!state) return NONE;
        // Layers built after K.set_image_data_format('channels_first') take it as their default.
        const keywords = new Map(a.keywords);
        if (
          config.dataFormat === 'channels_first' &&
          kerasLayers[name].params.includes('data_format') &&
          !keywords.has('data_format')
        )
          keywords.set('data_format', str('channels_first'));
        const convert = (k: string, v: Value) =>
          k === 'activation' ? (v.t === 'builtin' || v.t === 'func' ? v.name : null) : undefined;
        const { literal, spec, error } = catalogCall(
          kerasLayers,
          name,
          { positional: a.positional, keywords },
          undefined,
          convert,
        );
        if (error) interp.report(s.file, s.from, s.to, 'warning', error);
        state.layer = { spec, className: name, rawAttrs: literal, site: s, name: state.name };
        layerObjects.set(state.layer, self);
        return NONE;
      }),
    );
    layerAttrs[name] = cls;
  }
  const lambdaClass = om.newClass('Lambda', [layerClass], new Map(), 'keras.layer:Lambda');
  lambdaClass.attrs.set(
    '__init__',
    method('__init__', (self, a) => {
      const state = kerasState(self);
      const fn = a.positional[0] ?? a.keywords.get('function');
      const outputShape = a.positional[1] ?? a.keywords.get('output_shape');
      if (state && fn)
        state.lambda = {
          fn,
          arguments: a.positional[3] ?? a.keywords.get('arguments'),
          outputShape: outputShape?.t === 'none' ? undefined : outputShape,
        };
      return NONE;
    }),
  );
  layerAttrs.Lambda = lambdaClass;
  const merge = (cls: string) =>
    fn(cls.toLowerCase(), (a, s) => {
      const layer = om.call(
        layerAttrs[cls],
        { positional: [], keywords: new Map([...a.keywords].filter(([k]) => k !== 'inputs')) },
        s,
      );
      return om.call(
        layer,
        { positional: [a.positional[0] ?? a.keywords.get('inputs') ?? NONE], keywords: new Map() },
        s,
      );
    });
  for (const [alias, canonical] of Object.entries(kerasLayerAliases)) layerAttrs[alias] = layerAttrs[canonical];
  for (const cls of ['Add', 'Multiply', 'Subtract', 'Concatenate', 'Average', 'Maximum', 'Minimum'])
    layerAttrs[cls.toLowerCase()] = merge(cls);

  const input = fn('Input', (a, s) => {
    const givenBatch = a.keywords.get('batch_shape') ?? a.keywords.get('batch_input_shape');
    const given = a.positional[0] ?? a.keywords.get('shape') ?? a.keywords.get('input_shape');
    const batchShape = shapeOf(givenBatch);
    const shape = batchShape?.slice(1) ?? shapeOf(given);
    // `Input(X_train.shape[1:])` of data never loaded: the model's input is unknown, not a 1-D tensor.
    if (!shape) {
      const lost = givenBatch ?? given;
      return lost?.t === 'unknown'
        ? lost
        : unknown(lost ? `Input(shape=${repr(lost)}): not a shape` : 'Input() without a shape');
    }
    const batch = batchShape?.[0] ?? a.keywords.get('batch_size');
    const n = typeof batch === 'number' ? batch : batch?.t === 'int' ? batch.v : 'N';
    const tensor = session.tracer?.input([n, ...shape], 'input', 'keras');
    return tensor ?? unknown('Input() outside an analysis');
  });
  layerAttrs.Input = input;
  // InputLayer(input_shape=…) starts a Sequential as Input does: a tensor in the layer list is its input.
  layerAttrs.InputLayer = input;

  const backend = module('keras.backend', {
    is_keras_tensor: fn('is_keras_tensor', (a) => ({ t: 'bool', v: a.positional[0]?.t === 'tensor' })),
  });
  const ops = module('keras.ops');
  installKerasOps(session, ops, backend, config);
  for (const root of ['keras', 'tensorflow.keras', 'keras.src', 'tf_keras']) {
    const layers = module(`${root}.layers`, layerAttrs);
    // Keras 2's module paths and Keras 3's source tree hold the same classes as keras.layers.
    for (const sub of kerasLayerModules) module(`${root}.layers.${sub}`, layerAttrs);
    const models = module(`${root}.models`, { Model: modelClass, Sequential: sequentialClass, Functional: modelClass });
    const k = module(
      root,
      { Model: modelClass, Sequential: sequentialClass, Input: input, layers, models, backend },
      true,
    );
    k.attrs.set('Input', input);
    k.attrs.set('Layer', layerClass);
    const engine = {
      Model: modelClass,
      Functional: modelClass,
      Sequential: sequentialClass,
      Layer: layerClass,
      Input: input,
      InputLayer: input,
    };
    for (const sub of kerasEngineModules) module(`${root}.${sub}`, engine);
    module(`${root}.backend`, Object.fromEntries(backend.attrs));
    module(`${root}.ops`, Object.fromEntries(ops.attrs));
    for (const sub of ['regularizers', 'initializers', 'utils', 'optimizers', 'activations']) module(`${root}.${sub}`);
  }
  installKerasSourceSupport(session, module);
  const tf = module('tensorflow');
  tf.attrs.set('keras', session.libraries.get('tensorflow.keras')!);
}
