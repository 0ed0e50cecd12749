/**
 * The layer graph every front-end produces and every view reads. Modules (layer objects, with
 * their weights) are kept apart from applications (nodes: one per call, in execution order), so a
 * ReLU defined once and called three times is one module with three nodes, and its parameters
 * count once. Each carries the name the framework itself would give (PyTorch `named_modules()`
 * path, Keras layer name), the source ranges of its definition and of its call, and the group
 * (module → stage → block) it was built in, so views can collapse repeated blocks.
 */
import type { Layout, Shape } from './dims';
import type { LayerSpec } from './layers';

export type Framework = 'pytorch' | 'keras' | 'onnx';

/** Tensors are numbered densely from 0 in creation order, so passes can keep per-tensor arrays. */
export type TensorId = number;

/** Modules too: `graph.modules[id]`. */
export type ModuleId = number;

export interface Position {
  readonly line: number;
  readonly character: number;
}

/**
 * Zero-based, end-exclusive, like VS Code's Range. `uri` is set when it is not the analysed file. In a
 * notebook, `cell` is the cell's 1-based number and the lines count from that cell's first line.
 */
export interface SourceRange {
  readonly start: Position;
  readonly end: Position;
  readonly uri?: string;
  readonly cell?: number;
}

/** `line 12`, or in a notebook `cell 7, line 3`: a place in the analysed document as a person reads it. */
export function placeText(range: SourceRange): string {
  return `${range.cell === undefined ? '' : `cell ${range.cell}, `}line ${range.start.line + 1}`;
}

export interface LayerModule {
  readonly id: ModuleId;
  /** `layer1.0.conv1` (PyTorch) or `conv2d_1` (Keras); null for anonymous. */
  readonly name: string | null;
  /** The framework's class name: `Conv2d`, `Conv2D`. */
  readonly className: string;
  readonly spec: LayerSpec;
  /** The arguments as the source spelled them, for display. */
  readonly rawAttrs?: Readonly<Record<string, unknown>>;
  readonly definedAt?: SourceRange;
  /** Frozen (PyTorch `requires_grad=False`, Keras `trainable=False`): its weights are non-trainable. */
  readonly frozen?: boolean;
  /** Weights frozen one by one (PyTorch `fc.bias.requires_grad = False`), by weight name. */
  readonly frozenWeights?: readonly string[];
  /**
   * Weights stored in another module, by weight name: `{ weight: { module: 0, weight: 'weight' } }` (tied embeddings).
   */
  readonly tiedWeights?: Readonly<Record<string, { readonly module: ModuleId; readonly weight: string }>>;
}

/** One application of a module, or a functional op (`torch.cat`, `+`, `x.view`). */
export interface LayerNode {
  readonly id: string;
  /** Absent for functional ops. */
  readonly moduleId?: ModuleId;
  readonly spec: LayerSpec;
  readonly name: string | null;
  readonly className: string;
  readonly inputs: readonly TensorId[];
  readonly outputs: readonly TensorId[];
  readonly calledAt?: SourceRange;
  /** The innermost group this application ran in. */
  readonly groupId?: string;
}

/** A module that contains others (a block, a stage, the model), with its nesting. */
export interface Group {
  readonly id: string;
  /** `layer1.0` (PyTorch path) or a Keras name prefix; '' for the model itself. */
  readonly name: string;
  readonly className: string;
  readonly parentId?: string;
  readonly definedAt?: SourceRange;
}

export interface GraphInput {
  readonly tensorId: TensorId;
  readonly name: string;
  readonly shape: Shape;
}

export interface Graph {
  readonly name: string;
  readonly framework: Framework;
  readonly layout: Layout;
  /** Indexed by ModuleId. */
  readonly modules: readonly LayerModule[];
  /** Execution order. */
  readonly nodes: readonly LayerNode[];
  readonly groups: ReadonlyMap<string, Group>;
  readonly inputs: readonly GraphInput[];
  readonly outputs: readonly TensorId[];
  /** How many tensors exist: every TensorId is below this. */
  readonly tensorCount: number;
}

/** Builds a Graph step by step; used by front-ends and tests. */
export class GraphBuilder {
  private readonly modules: LayerModule[] = [];
  private readonly nodes: LayerNode[] = [];
  private readonly groups = new Map<string, Group>();
  private readonly inputs: GraphInput[] = [];
  private readonly outputs: TensorId[] = [];
  private tensorCount = 0;

  constructor(
    private readonly name: string,
    private readonly framework: Framework,
    private readonly layout: Layout,
  ) {}

  input(shape: Shape, name = 'input'): TensorId {
    const tensorId = this.newTensor();
    this.inputs.push({ tensorId, name, shape });
    return tensorId;
  }

  module(module: Omit<LayerModule, 'id'>): LayerModule {
    const full = { ...module, id: this.modules.length };
    this.modules.push(full);
    return full;
  }

  group(group: Omit<Group, 'id'> & { id?: string }): Group {
    const full = { ...group, id: group.id ?? `g${this.groups.size}` };
    this.groups.set(full.id, full);
    return full;
  }

  /** Applies a module to tensors; returns the output tensor ids. */
  /**
   * `where.spec`/`className`: the module applied as something else (a subclass's own forward, followed from source).
   */
  apply(
    module: LayerModule,
    inputs: readonly TensorId[],
    where: { calledAt?: SourceRange; groupId?: string; outputs?: number; spec?: LayerSpec; className?: string } = {},
  ): TensorId[] {
    return this.addNode(
      module.id,
      where.spec ?? module.spec,
      module.name,
      where.className ?? module.className,
      inputs,
      where,
    );
  }

  /** A functional op with no module (no weights of its own). */
  op(
    className: string,
    spec: LayerSpec,
    inputs: readonly TensorId[],
    where: { calledAt?: SourceRange; groupId?: string; outputs?: number } = {},
  ): TensorId[] {
    return this.addNode(undefined, spec, null, className, inputs, where);
  }

  output(...tensorIds: TensorId[]): void {
    this.outputs.push(...tensorIds);
  }

  /** Forgets the outputs named so far (a module's tracer serves each model built at its top level in turn). */
  clearOutputs(): void {
    this.outputs.length = 0;
  }

  /** The nodes recorded so far, in order. */
  recorded(): readonly LayerNode[] {
    return this.nodes;
  }

  moduleById(id: ModuleId): LayerModule {
    return this.modules[id];
  }

  /** Freezes or unfreezes a module after its first application (Keras `base.trainable = False`). */
  setFrozen(id: ModuleId, frozen: boolean): void {
    this.modules[id] = { ...this.modules[id], frozen };
  }

  build(): Graph {
    return {
      name: this.name,
      framework: this.framework,
      layout: this.layout,
      modules: this.modules,
      nodes: this.nodes,
      groups: this.groups,
      inputs: this.inputs,
      // A copy: a module's tracer names the next model's outputs afresh (clearOutputs).
      outputs: [...this.outputs],
      tensorCount: this.tensorCount,
    };
  }

  // Written out field by field, not spread: a large model records thousands of nodes, and one
  // object shape keeps this off the profile (it was 5% of a warm resnet152 analysis).
  private addNode(
    moduleId: ModuleId | undefined,
    spec: LayerSpec,
    name: string | null,
    className: string,
    inputs: readonly TensorId[],
    where: { calledAt?: SourceRange; groupId?: string; outputs?: number },
  ): TensorId[] {
    const count = where.outputs ?? 1;
    const outputs: TensorId[] = [];
    for (let i = 0; i < count; i++) outputs.push(this.newTensor());
    const node: { -readonly [K in keyof LayerNode]: LayerNode[K] } = {
      id: `n${this.nodes.length}`,
      spec,
      name,
      className,
      inputs,
      outputs,
    };
    if (moduleId !== undefined) node.moduleId = moduleId;
    if (where.calledAt !== undefined) node.calledAt = where.calledAt;
    if (where.groupId !== undefined) node.groupId = where.groupId;
    this.nodes.push(node);
    return outputs;
  }

  private newTensor(): TensorId {
    return this.tensorCount++;
  }
}
