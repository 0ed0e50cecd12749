/**
 * Records what one forward pass does, as IR: each application of a layer module and each tensor
 * op becomes a node, with the module's framework name, the source ranges of its definition and
 * of the call, and the group (module → block → stage) it ran in. Shapes of symbolic tensors are
 * worked out as the pass runs, with the same pure rules the shape pass uses, because model code
 * reads them (`x.view(x.size(0), -1)`, `if x.shape[-1] != filters`).
 */
import type { Dim, Layout, Shape } from '../../ir/dims';
import {
  GraphBuilder,
  type Framework,
  type Graph,
  type LayerModule,
  type LayerNode,
  type SourceRange,
  type TensorId,
} from '../../ir/graph';
import type { LayerSpec } from '../../ir/layers';
import { applyRule } from '../../shapes/registry';
import type { CallSite, InstanceValue, TensorValue } from './values';

/** Each framework's own layout: PyTorch puts channels first, Keras last. */
export const layoutOf = (framework: Framework): Layout => (framework === 'keras' ? 'channels_last' : 'channels_first');

/** Turns file offsets into positions; one per source file. */
export interface PositionMap {
  range(file: string, from: number, to: number): SourceRange;
}

export interface LayerState {
  readonly spec: LayerSpec;
  readonly className: string;
  readonly rawAttrs: Record<string, unknown>;
  readonly site: CallSite;
  /** Framework name (PyTorch path, Keras layer name), known once the model is built. */
  name: string | null;
  /** Set by `requires_grad = False` on its parameters, or Keras `trainable = False`. */
  frozen?: boolean;
  /** Weights frozen one by one (`conv.bias.requires_grad = False`), by weight name. */
  frozenWeights?: Set<string>;
}

export class Tracer {
  private readonly builder: GraphBuilder;
  /**
   * Which framework made each tensor, for a tracer that serves both (module-level code): an op
   * follows the conventions of the framework its inputs came from.
   */
  private readonly tensorFramework = new Map<number, Framework>();
  private readonly groupStack: string[] = [];
  private readonly groupOf = new Map<object, string>();
  private readonly modules = new Map<LayerState, LayerModule>();
  private readonly constants = new WeakMap<TensorValue, TensorId>();
  private readonly applications = new Map<LayerState, number>();
  private readonly shapes = new Map<TensorId, Shape>();
  readonly outputs: TensorValue[] = [];

  /** Without a framework the tracer is neutral: each op takes its inputs' framework. */
  constructor(
    name: string,
    readonly framework: Framework | undefined,
    private readonly positions: PositionMap,
  ) {
    this.builder = new GraphBuilder(name, framework ?? 'pytorch', layoutOf(framework ?? 'pytorch'));
  }

  /** A graph input; `framework` says whose tensor it is when the tracer is neutral. */
  input(shape: Shape, name = 'input', framework?: Framework): TensorValue {
    const id = this.builder.input(shape, name);
    this.shapes.set(id, shape);
    if (framework) this.tensorFramework.set(id, framework);
    return { t: 'tensor', id, shape };
  }

  range(site: CallSite): SourceRange {
    return this.positions.range(site.file, site.from, site.to);
  }

  /** The IR module for a layer object, created on its first application. */
  moduleFor(layer: LayerState): LayerModule {
    let module = this.modules.get(layer);
    if (!module) {
      module = this.builder.module({
        name: layer.name,
        className: layer.className,
        spec: layer.spec,
        rawAttrs: layer.rawAttrs,
        definedAt: this.range(layer.site),
        frozen: layer.frozen,
        frozenWeights: layer.frozenWeights?.size ? [...layer.frozenWeights] : undefined,
      });
      this.modules.set(layer, module);
    }
    return module;
  }

  /** Registers a layer that never ran, so frameworks that count its parameters (PyTorch) can. */
  declare(layer: LayerState): void {
    this.moduleFor(layer);
  }

  /** How many times a layer module has been applied so far. */
  applicationsOf(layer: LayerState): number {
    return this.applications.get(layer) ?? 0;
  }

  /** Applies a layer module to tensors, returning its output tensor(s) with shapes. */
  applyLayer(layer: LayerState, inputs: readonly TensorValue[], site: CallSite): TensorValue[] {
    const module = this.moduleFor(layer);
    this.applications.set(layer, this.applicationsOf(layer) + 1);
    const outputs = this.outputShapes(layer.spec, inputs);
    const ids = this.builder.apply(
      module,
      inputs.map((t) => this.idOf(t)),
      { calledAt: this.range(site), groupId: this.currentGroup(), outputs: outputs.length },
    );
    return this.made(ids, outputs, inputs);
  }

  /** A functional op (`torch.cat`, `+`, `F.relu`, `x.view`). */
  applyOp(className: string, spec: LayerSpec, inputs: readonly TensorValue[], site: CallSite): TensorValue {
    return this.applyOpMulti(className, spec, inputs, site)[0];
  }

  /** A functional op with several outputs (`torch.chunk`, `torch.split`). */
  applyOpMulti(className: string, spec: LayerSpec, inputs: readonly TensorValue[], site: CallSite): TensorValue[] {
    const shapes = this.outputShapes(spec, inputs);
    const ids = this.builder.op(
      className,
      spec,
      inputs.map((t) => this.idOf(t)),
      { calledAt: this.range(site), groupId: this.currentGroup(), outputs: shapes.length },
    );
    return this.made(ids, shapes, inputs);
  }

  /** Which framework made a tensor, where that is known (Keras reports an unknown dimension as None). */
  frameworkOf(t: TensorValue): Framework | undefined {
    return this.framework ?? this.tensorFramework.get(t.id);
  }

  /** The framework whose conventions an op on `inputs` follows. */
  private frameworkFor(inputs: readonly TensorValue[]): Framework {
    if (this.framework) return this.framework;
    for (const t of inputs) {
      const f = this.tensorFramework.get(t.id);
      if (f) return f;
    }
    return 'pytorch';
  }

  private made(ids: readonly number[], shapes: readonly Shape[], inputs: readonly TensorValue[]): TensorValue[] {
    if (!this.framework) for (const id of ids) this.tensorFramework.set(id, this.frameworkFor(inputs));
    ids.forEach((id, i) => this.shapes.set(id, shapes[i]));
    return ids.map((id, i) => ({ t: 'tensor', id, shape: shapes[i] }));
  }

  /** A tensor known only by its values (`torch.arange(4)` in `__init__`) enters the graph when an op uses it. */
  private idOf(t: TensorValue): TensorId {
    if (t.id >= 0) return t.id;
    let id = this.constants.get(t);
    if (id === undefined) this.constants.set(t, (id = this.builder.input(t.shape, 'constant')));
    return id;
  }

  private outputShapes(spec: LayerSpec, inputs: readonly TensorValue[]): Shape[] {
    const framework = this.frameworkFor(inputs);
    const layout = (spec as { dataFormat?: Layout }).dataFormat ?? layoutOf(framework);
    // Problems are reported by the shape pass over the finished graph, once.
    const result = applyRule(
      spec,
      inputs.map((t) => t.shape),
      { framework, layout },
    );
    const outputs = result.outputs.length ? result.outputs : [inputs[0]?.shape.map((): Dim => null) ?? []];
    return outputs.map((s) => [...s]);
  }

  /**
   * Records the call of a module whose forward CNN Lens evaluated from source but which has no
   * submodules, as an identity node carrying the module's path after whatever ops it ran.
   */
  markLeafCall(
    path: string | null,
    className: string,
    output: TensorValue,
    site: CallSite,
    layer?: LayerState,
  ): TensorValue {
    const spec: LayerSpec = { kind: 'identity', note: `output of ${className}.forward, followed from source` };
    // A built-in layer's subclass keeps its own module, so its row carries the weights it declared.
    const module = layer
      ? this.moduleFor(layer)
      : this.builder.module({ name: path, className, spec, definedAt: this.range(site) });
    const [id] = this.builder.apply(module, [this.idOf(output)], {
      calledAt: this.range(site),
      groupId: this.currentGroup(),
      spec,
      className,
    });
    return this.made([id], [output.shape], [output])[0];
  }

  /** Runs `body` inside the group of a container module (a block or stage), for nesting. */
  inGroup<T>(owner: InstanceValue, name: string, className: string, site: CallSite | undefined, body: () => T): T {
    let id = this.groupOf.get(owner);
    if (!id) {
      id = this.builder.group({
        name,
        className,
        parentId: this.currentGroup(),
        definedAt: site ? this.range(site) : undefined,
      }).id;
      this.groupOf.set(owner, id);
    }
    this.groupStack.push(id);
    try {
      return body();
    } finally {
      this.groupStack.pop();
    }
  }

  private currentGroup(): string | undefined {
    return this.groupStack[this.groupStack.length - 1];
  }

  /** Forgets the outputs named so far: the next model taken from this tracer names its own. */
  clearOutputs(): void {
    this.outputs.length = 0;
    this.builder.clearOutputs();
  }

  output(...tensors: TensorValue[]): void {
    this.outputs.push(...tensors);
    this.builder.output(...tensors.map((t) => this.idOf(t)));
  }

  /** The recorded graph; a neutral tracer's graph is labelled with the framework of the model taken from it. */
  /**
   * The layers that lie between a functional model's inputs and outputs in what was recorded:
   * the layers `model.trainable = False` freezes and `model.layers` lists.
   */
  layersBetween(inputs: readonly TensorValue[], outputs: readonly TensorValue[]): LayerState[] {
    const byModule = new Map([...this.modules].map(([layer, module]) => [module.id, layer]));
    const nodes = this.between(inputs, outputs);
    return [...new Set(nodes.flatMap((n) => (n.moduleId === undefined ? [] : [byModule.get(n.moduleId)!])))];
  }

  /**
   * A functional model called on new tensors (`base(x, training=False)`): its recorded nodes are
   * applied again from `given` in place of its inputs, inside its group. They are the same modules,
   * so their weights count once, as Keras shares a nested model's layers.
   */
  replay(
    inputs: readonly TensorValue[],
    outputs: readonly TensorValue[],
    given: readonly TensorValue[],
  ): TensorValue[] {
    const swap = new Map<TensorId, TensorValue>(inputs.map((t, i) => [t.id, given[i] ?? t]));
    const tensor = (id: TensorId): TensorValue => swap.get(id) ?? { t: 'tensor', id, shape: this.shapes.get(id) ?? [] };
    for (const node of this.between(inputs, outputs)) {
      const args = node.inputs.map(tensor);
      const shapes = this.outputShapes(node.spec, args);
      const where = { calledAt: node.calledAt, groupId: this.currentGroup(), outputs: shapes.length };
      const ids =
        node.moduleId === undefined
          ? this.builder.op(node.className, node.spec, args.map((t) => this.idOf(t)), where)
          : this.builder.apply(this.builder.moduleById(node.moduleId), args.map((t) => this.idOf(t)), {
              ...where,
              spec: node.spec,
              className: node.className,
            });
      this.made(ids, shapes, args).forEach((t, i) => swap.set(node.outputs[i], t));
    }
    return outputs.map((t) => tensor(t.id));
  }

  /** The recorded nodes `outputs` depend on, back to `inputs`, in recording order. */
  private between(inputs: readonly TensorValue[], outputs: readonly TensorValue[]): LayerNode[] {
    const nodes = this.builder.recorded();
    const producer = new Map<TensorId, number>();
    nodes.forEach((n, i) => n.outputs.forEach((t) => producer.set(t, i)));
    const stop = new Set(inputs.map((t) => t.id));
    const picked = new Set<number>();
    const stack = outputs.map((t) => t.id);
    for (let id = stack.pop(); id !== undefined; id = stack.pop()) {
      const at = stop.has(id) ? undefined : producer.get(id);
      if (at === undefined || picked.has(at)) continue;
      picked.add(at);
      stack.push(...nodes[at].inputs);
    }
    return [...picked].sort((a, b) => a - b).map((i) => nodes[i]);
  }

  build(as?: { name: string; framework: Framework }): Graph {
    // Keras freezes by `trainable = False` at any time; the flag a model ends with is what counts.
    for (const [layer, { id }] of this.modules)
      if (!!layer.frozen !== !!this.builder.moduleById(id).frozen) this.builder.setFrozen(id, !!layer.frozen);
    const graph = this.builder.build();
    return as ? { ...graph, name: as.name, framework: as.framework, layout: layoutOf(as.framework) } : graph;
  }
}
