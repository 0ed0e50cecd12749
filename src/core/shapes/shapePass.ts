/**
 * The shape pass: walks a Graph's nodes in execution order, runs each node's rule on the shapes
 * of its inputs, and collects per-node results (shapes, MACs, arithmetic, receptive field,
 * activation memory, diagnostics), per-module parameters (counted once however often a module
 * is applied, with tied weights counted once), and the model's totals. It is pure and never
 * throws on unknown sizes. A confident error is raised only on known values: downstream of a layer
 * CNN Lens does not know (whose output shape is a guess), a rule's error becomes a note that says so.
 */
import { isKnown, spatialAxes, type Dim, type Layout, type Shape } from '../ir/dims';
import { placeText, type Graph, type LayerModule, type LayerNode, type TensorId } from '../ir/graph';
import type { LayerSpec } from '../ir/layers';
import { applyRule } from './registry';
import { noText, paramCount, type RuleContext, type RuleDiagnostic, type RuleResult, type WeightTensor } from './rule';

/** Receptive field of one tensor element along each spatial axis, and the cumulative stride. */
export interface ReceptiveField {
  readonly size: readonly number[];
  readonly jump: readonly number[];
  /** Every element sees the whole input (after global/adaptive pooling or a dense layer). */
  readonly global: boolean;
}

export class NodeResult {
  private explained: readonly string[] | undefined;

  constructor(
    readonly node: LayerNode,
    /** The pass's per-tensor shapes, shared by every node of one pass. */
    private readonly shapes: readonly Shape[],
    readonly macs: number | null,
    readonly diagnostics: readonly RuleDiagnostic[],
    readonly receptiveField: ReceptiveField | null,
    /** float32 bytes of this node's outputs (per sample when the batch is symbolic). */
    readonly activationBytes: number | null,
    private readonly context: RuleContext,
    /** Set when an input came through a layer CNN Lens does not know: which one, and where. */
    readonly uncertain?: string,
  ) {}

  get inputShapes(): readonly Shape[] {
    return this.node.inputs.map((t) => this.shapes[t] ?? []);
  }

  get outputShapes(): readonly Shape[] {
    return this.node.outputs.map((t) => this.shapes[t] ?? []);
  }

  /**
   * The arithmetic as text. Only hovers and summaries read it, so it is written on first read by
   * running the (pure) rule again, rather than kept for every node of every pass.
   */
  get arithmetic(): readonly string[] {
    return (this.explained ??= safeApply(this.node.spec, this.inputShapes, { ...this.context, explain: true }).arithmetic);
  }
}

export interface ModuleResult {
  readonly module: LayerModule;
  readonly weights: readonly WeightTensor[];
  /** Null when a weight's size is unknown. Tied weights are excluded (counted in their owner). */
  readonly trainable: number | null;
  readonly nonTrainable: number | null;
  readonly applications: readonly string[];
}

export interface Totals {
  readonly params: number | null;
  readonly trainable: number | null;
  readonly nonTrainable: number | null;
  readonly macs: number | null;
  readonly outputShapes: readonly Shape[];
  /** Largest sum of live activations at any step of one forward pass (inference). */
  readonly peakActivationBytes: number | null;
  /** All activations summed, as if every one were kept (training). */
  readonly totalActivationBytes: number | null;
}

/**
 * The pass's result. Per-node and per-module results are kept in arrays aligned with the graph;
 * the id-keyed maps views use are built on first access, so a pass nobody reads in full stays cheap.
 */
export class ShapeAnalysis {
  private nodeMap: Map<string, NodeResult> | undefined;

  constructor(
    readonly graph: Graph,
    /** Indexed by TensorId. */
    readonly tensorShapes: readonly Shape[],
    /** Aligned with graph.nodes. */
    readonly nodeResults: readonly NodeResult[],
    readonly moduleResults: readonly ModuleResult[],
    readonly totals: Totals,
    /** The layer CNN Lens does not know that an output's shape was guessed through, if any. */
    readonly outputGuessedAfter?: LayerNode,
  ) {}

  get nodes(): ReadonlyMap<string, NodeResult> {
    return (this.nodeMap ??= new Map(this.nodeResults.map((r) => [r.node.id, r])));
  }

  /** Indexed by ModuleId, like graph.modules. */
  get modules(): readonly ModuleResult[] {
    return this.moduleResults;
  }
}

/**
 * Gives a pass's result its methods back after a structured clone (the editor's analysis worker
 * sends it to the extension host as plain data); the data itself, shared arrays included, is kept.
 */
export function reviveShapeAnalysis(cloned: ShapeAnalysis): ShapeAnalysis {
  Object.setPrototypeOf(cloned, ShapeAnalysis.prototype);
  for (const r of cloned.nodeResults) Object.setPrototypeOf(r, NodeResult.prototype);
  return cloned;
}

const bytesPerElement = 4;

/** A module's result while the pass runs: applications are added as they happen. */
interface ModuleRecord extends ModuleResult {
  readonly applications: string[];
}

export function runShapePass(graph: Graph): ShapeAnalysis {
  const context: RuleContext = { framework: graph.framework, layout: graph.layout };
  // Per-tensor facts live in arrays indexed by TensorId: this loop runs once per layer of
  // ResNet-152-sized graphs on every keystroke, so it avoids maps and per-node closures.
  const shapes: Shape[] = new Array(graph.tensorCount);
  const fields: (ReceptiveField | undefined)[] = new Array(graph.tensorCount);
  const tensorBytes: (number | null)[] = new Array(graph.tensorCount);
  const doubts: (LayerNode | undefined)[] = new Array(graph.tensorCount);
  for (const input of graph.inputs) {
    shapes[input.tensorId] = input.shape;
    tensorBytes[input.tensorId] = bytesOf(input.shape);
    const spatial = input.shape.length > 2 ? spatialAxes(graph.layout, input.shape.length).length : 0;
    fields[input.tensorId] = { size: new Array(spatial).fill(1), jump: new Array(spatial).fill(1), global: false };
  }
  const nodes: NodeResult[] = [];
  const moduleRecords: (ModuleRecord | undefined)[] = new Array(graph.modules.length);
  for (const node of graph.nodes) {
    const inputShapes: Shape[] = [];
    for (const t of node.inputs) inputShapes.push(shapes[t] ?? []);
    const layout = (node.spec as { dataFormat?: Layout }).dataFormat ?? graph.layout;
    const nodeContext = layout === context.layout ? context : { ...context, layout };
    const result = safeApply(node.spec, inputShapes, nodeContext);
    let diagnostics = result.diagnostics;
    if (node.moduleId !== undefined) {
      // A layer whose own computation was followed from source (a subclass's forward) is applied
      // as an identity: its weights are the ones its constructor declared.
      const module = graph.modules[node.moduleId];
      const weights = module && module.spec !== node.spec ? declaredWeights(module.spec, context) : result.weights;
      const shared = recordWeights(graph, moduleRecords, node, weights);
      if (shared) diagnostics = [...diagnostics, shared];
    }
    let doubt = node.spec.kind === 'unknown' && !node.spec.declaredShape ? node : undefined;
    for (const t of node.inputs) doubt ??= doubts[t];
    if (doubt) {
      for (const t of node.outputs) doubts[t] = doubt;
      if (node.spec.kind !== 'unknown') diagnostics = downgraded(diagnostics, unknownLayer(doubt));
    }
    let activationBytes: number | null = 0;
    for (let i = 0; i < node.outputs.length; i++) {
      const t = node.outputs[i];
      const shape = result.outputs[i] ?? result.outputs[0] ?? [];
      const bytes = bytesOf(shape);
      shapes[t] = shape;
      tensorBytes[t] = bytes;
      activationBytes = bytes === null || activationBytes === null ? null : activationBytes + bytes;
    }
    const field = nextField(node.inputs, fields, result, node.spec);
    if (field) for (const t of node.outputs) fields[t] = field;
    nodes.push(new NodeResult(node, shapes, result.macs, diagnostics, field ?? null, activationBytes, nodeContext, doubt && unknownLayer(doubt)));
  }
  const modules: ModuleResult[] = [];
  for (const module of graph.modules) modules.push(moduleRecords[module.id] ?? moduleResult(graph, module, declaredWeights(module.spec, context), []));
  const guessed = graph.outputs.map((t) => doubts[t]).find(Boolean);
  return new ShapeAnalysis(graph, shapes, nodes, modules, totalsOf(graph, shapes, tensorBytes, nodes, modules), guessed);
}

/** `attn (Attention, a layer CNN Lens does not know) at line 12`: what a guessed shape came through. */
export function unknownLayer(node: LayerNode): string {
  const line = node.calledAt && !node.calledAt.uri ? ` at ${placeText(node.calledAt)}` : '';
  const reason = node.spec.kind === 'unknown' ? node.spec.reason : undefined;
  const what = reason ? `${node.className} could not be built: ${reason}` : node.moduleId === undefined ? 'an op CNN Lens does not follow' : `${node.className}, a layer CNN Lens does not know`;
  return `${node.name ?? node.className} (${what})${line}`;
}

/** Errors on a shape that is only a guess: notes that say what the guess came from, never confident errors. */
function downgraded(diagnostics: readonly RuleDiagnostic[], doubt: string): readonly RuleDiagnostic[] {
  if (!diagnostics.some((d) => d.severity === 'error')) return diagnostics;
  return diagnostics.map((d) => (d.severity === 'error' ? { severity: 'info', code: d.code, message: `${d.message}; not certain, as its input comes after ${doubt}` } : d));
}

/** A rule that throws is a bug in CNN Lens, not in the user's model: report it and go on. */
function safeApply(spec: LayerSpec, inputs: readonly Shape[], context: RuleContext): RuleResult {
  try {
    return applyRule(spec, inputs, context);
  } catch (e) {
    return { outputs: [inputs[0] ? inputs[0].map(() => null) : []], weights: [], macs: null, arithmetic: noText, diagnostics: [{ severity: 'warning', code: 'internal', message: `CNN Lens could not compute ${spec.kind}: ${(e as Error).message}` }] };
  }
}

function moduleResult(graph: Graph, module: LayerModule, weights: readonly WeightTensor[], applications: string[]): ModuleRecord {
  const tied = module.tiedWeights;
  const own = tied ? weights.filter((w) => !tied[w.name] || !graph.modules[tied[w.name].module]) : weights;
  const frozen = module.frozenWeights;
  const counted = module.frozen || frozen ? own.map((w) => (module.frozen || frozen?.includes(w.name) ? { ...w, trainable: false } : w)) : own;
  return { module, weights, trainable: paramCount(counted, true), nonTrainable: paramCount(counted, false), applications };
}

/** The first application builds the weights (as Keras does); later ones must agree. */
function recordWeights(graph: Graph, store: (ModuleRecord | undefined)[], node: LayerNode, weights: readonly WeightTensor[]): RuleDiagnostic | undefined {
  const id = node.moduleId!;
  const existing = store[id];
  if (!existing) {
    const module = graph.modules[id];
    if (module) store[id] = moduleResult(graph, module, weights, [node.id]);
    return undefined;
  }
  existing.applications.push(node.id);
  const differs = weights.some((w, i) => {
    const before = existing.weights[i];
    return !before || before.shape.some((d, j) => isKnown(d) && isKnown(w.shape[j]) && d !== w.shape[j]);
  });
  return differs ? { severity: 'error', code: 'shared-layer-mismatch', message: `${node.name ?? node.className} is applied again to an input its weights do not fit (${existing.weights.map((w) => w.shape.join('×')).join(', ')} vs ${weights.map((w) => w.shape.join('×')).join(', ')})` } : undefined;
}

/**
 * Weights of a module that never ran (PyTorch still counts its parameters: an auxiliary head in
 * eval mode, say), computed from the sizes its constructor states. Keras layers that are never
 * called are never built and own no weights, so they get none.
 */
export function declaredWeights(spec: LayerSpec, context: RuleContext): readonly WeightTensor[] {
  if (context.framework === 'keras') return [];
  const input = declaredInput(spec);
  return input ? safeApply(spec, [input], context).weights : [];
}

function declaredInput(spec: LayerSpec): Dim[] | null {
  switch (spec.kind) {
    case 'conv':
    case 'convTranspose':
      return spec.inChannels === undefined ? null : [1, spec.inChannels, ...spec.kernel.map(() => null)];
    case 'dense':
      return spec.inFeatures === undefined ? null : [1, spec.inFeatures];
    case 'batchNorm':
      return spec.numFeatures === undefined ? null : [1, spec.numFeatures];
    case 'groupNorm':
      return spec.numChannels === undefined ? null : [1, spec.numChannels];
    case 'layerNorm':
      return spec.normalizedShape ? [1, ...spec.normalizedShape] : null;
    case 'embedding':
    case 'activation':
    case 'parameter':
      return [1];
    case 'multiheadAttention':
      return [1, 1, spec.embedDim];
    default:
      return null;
  }
}

function nextField(inputs: readonly TensorId[], fields: readonly (ReceptiveField | undefined)[], result: RuleResult, spec: LayerSpec): ReceptiveField | undefined {
  // Along the main path: the input that already sees the most.
  let from: ReceptiveField | undefined;
  for (const t of inputs) {
    const f = fields[t];
    if (f && (!from || f.global || (!from.global && sum(f.size) > sum(from.size)))) from = f;
  }
  if (!from || from.global) return from;
  const slide = result.window;
  if (slide === 'global' || spec.kind === 'dense') return { size: from.size, jump: from.jump, global: true };
  if (!slide || slide.kernel.length !== from.size.length) return from;
  const size: number[] = [];
  const jump: number[] = [];
  for (let i = 0; i < from.size.length; i++) {
    size.push(from.size[i] + slide.dilation[i] * (slide.kernel[i] - 1) * from.jump[i]);
    jump.push(from.jump[i] * slide.stride[i]);
  }
  return { size, jump, global: false };
}

function sum(values: readonly number[]): number {
  let s = 0;
  for (const v of values) s += v;
  return s;
}

/** float32 bytes of one tensor, per sample when the batch is not a number; null if unknown. */
function bytesOf(shape: Shape): number | null {
  let n = bytesPerElement;
  for (let i = 0; i < shape.length; i++) {
    const d = shape[i];
    if (typeof d === 'number') n *= d;
    else if (i !== 0) return null;
  }
  return n;
}

function totalsOf(graph: Graph, shapes: readonly Shape[], tensorBytes: readonly (number | null)[], nodes: readonly NodeResult[], modules: readonly ModuleResult[]): Totals {
  const add = (a: number | null, b: number | null) => (a === null || b === null ? null : a + b);
  let trainable: number | null = 0;
  let nonTrainable: number | null = 0;
  for (const m of modules) {
    trainable = add(trainable, m.trainable);
    nonTrainable = add(nonTrainable, m.nonTrainable);
  }
  let macs: number | null = 0;
  let totalBytes: number | null = 0;
  for (const r of nodes) {
    macs = add(macs, r.macs);
    totalBytes = add(totalBytes, r.activationBytes);
  }
  return {
    params: add(trainable, nonTrainable),
    trainable,
    nonTrainable,
    macs,
    outputShapes: graph.outputs.map((t) => shapes[t] ?? []),
    peakActivationBytes: peakBytes(graph, tensorBytes),
    totalActivationBytes: totalBytes,
  };
}

/** Walks the forward pass freeing each tensor after its last use; the most ever held at once. */
function peakBytes(graph: Graph, tensorBytes: readonly (number | null)[]): number | null {
  const lastUse = new Int32Array(graph.tensorCount).fill(-1);
  graph.nodes.forEach((n, i) => {
    for (const t of n.inputs) lastUse[t] = i;
  });
  for (const t of graph.outputs) lastUse[t] = graph.nodes.length;
  let live = 0;
  for (const input of graph.inputs) {
    const b = tensorBytes[input.tensorId];
    if (b === null || b === undefined) return null;
    live += b;
  }
  let peak = live;
  for (let i = 0; i < graph.nodes.length; i++) {
    const node = graph.nodes[i];
    for (const t of node.outputs) {
      const b = tensorBytes[t];
      if (b === null || b === undefined) return null;
      live += b;
    }
    if (live > peak) peak = live;
    // Free what dies here (a tensor listed twice as an input is freed once), and unused outputs.
    for (const t of node.inputs) {
      if (lastUse[t] === i) {
        live -= tensorBytes[t] ?? 0;
        lastUse[t] = -2;
      }
    }
    for (const t of node.outputs) if (lastUse[t] === -1) live -= tensorBytes[t] ?? 0;
  }
  return peak;
}
