/**
 * The shape pass: walks a Graph's nodes in execution order, runs each node's rule on the shapes
 * of its inputs, and collects per-node results (shapes, MACs, arithmetic, receptive field,
 * activation memory, diagnostics), per-module parameters (counted once however often a module
 * is applied, with tied weights counted once), and the model's totals. It is pure and never
 * throws on unknown sizes.
 */
import { isKnown, knownProduct, spatialAxes, type Dim, type Shape } from '../ir/dims';
import type { Graph, LayerModule, LayerNode } from '../ir/graph';
import type { LayerSpec } from '../ir/layers';
import { applyRule } from './registry';
import { paramCount, type RuleContext, type RuleDiagnostic, type RuleResult, type WeightTensor } from './rule';

/** Receptive field of one tensor element along each spatial axis, and the cumulative stride. */
export interface ReceptiveField {
  readonly size: readonly number[];
  readonly jump: readonly number[];
  /** Every element sees the whole input (after global/adaptive pooling or a dense layer). */
  readonly global: boolean;
}

export interface NodeResult {
  readonly node: LayerNode;
  readonly inputShapes: readonly Shape[];
  readonly outputShapes: readonly Shape[];
  readonly macs: number | null;
  readonly arithmetic: readonly string[];
  readonly diagnostics: readonly RuleDiagnostic[];
  readonly receptiveField: ReceptiveField | null;
  /** float32 bytes of this node's outputs (per sample when the batch is symbolic). */
  readonly activationBytes: number | null;
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

export interface ShapeAnalysis {
  readonly graph: Graph;
  readonly tensorShapes: ReadonlyMap<string, Shape>;
  readonly nodes: ReadonlyMap<string, NodeResult>;
  readonly modules: ReadonlyMap<string, ModuleResult>;
  readonly totals: Totals;
}

const bytesPerElement = 4;

export function runShapePass(graph: Graph): ShapeAnalysis {
  const context: RuleContext = { framework: graph.framework, layout: graph.layout };
  const shapes = new Map<string, Shape>();
  const fields = new Map<string, ReceptiveField>();
  for (const input of graph.inputs) {
    shapes.set(input.tensorId, input.shape);
    const spatial = input.shape.length > 2 ? spatialAxes(graph.layout, input.shape.length).length : 0;
    fields.set(input.tensorId, { size: Array(spatial).fill(1), jump: Array(spatial).fill(1), global: false });
  }
  const nodes = new Map<string, NodeResult>();
  const moduleWeights = new Map<string, { weights: readonly WeightTensor[]; applications: string[] }>();
  for (const node of graph.nodes) {
    const inputShapes = node.inputs.map((t) => shapes.get(t) ?? []);
    const layout = 'dataFormat' in node.spec && node.spec.dataFormat ? node.spec.dataFormat : graph.layout;
    const result = safeApply(node.spec, inputShapes, layout === context.layout ? context : { ...context, layout });
    const diagnostics = [...result.diagnostics];
    if (node.moduleId) diagnostics.push(...recordWeights(moduleWeights, node, result.weights));
    node.outputs.forEach((t, i) => shapes.set(t, result.outputs[i] ?? result.outputs[0] ?? []));
    const field = nextField(node.inputs.map((t) => fields.get(t)), result, node.spec);
    if (field) node.outputs.forEach((t) => fields.set(t, field));
    nodes.set(node.id, { node, inputShapes, outputShapes: node.outputs.map((t) => shapes.get(t)!), macs: result.macs, arithmetic: result.arithmetic, diagnostics, receptiveField: field ?? null, activationBytes: sumBytes(node.outputs.map((t) => shapes.get(t)!)) });
  }
  const modules = new Map<string, ModuleResult>();
  for (const module of graph.modules.values()) {
    const seen = moduleWeights.get(module.id);
    const weights = seen?.weights ?? declaredWeights(module, context);
    const counted = weights.filter((w) => !module.tiedWeights?.[w.name] || !graph.modules.has(module.tiedWeights[w.name].split('.')[0]));
    modules.set(module.id, { module, weights, trainable: paramCount(counted, true), nonTrainable: paramCount(counted, false), applications: seen?.applications ?? [] });
  }
  return { graph, tensorShapes: shapes, nodes, modules, totals: totalsOf(graph, shapes, nodes, modules) };
}

/** A rule that throws is a bug in CNN Lens, not in the user's model: report it and go on. */
function safeApply(spec: LayerSpec, inputs: readonly Shape[], context: RuleContext): RuleResult {
  try {
    return applyRule(spec, inputs, context);
  } catch (e) {
    return { outputs: [inputs[0] ? inputs[0].map(() => null) : []], weights: [], macs: null, arithmetic: [], diagnostics: [{ severity: 'warning', code: 'internal', message: `CNN Lens could not compute ${spec.kind}: ${(e as Error).message}` }] };
  }
}

/** The first application builds the weights (as Keras does); later ones must agree. */
function recordWeights(store: Map<string, { weights: readonly WeightTensor[]; applications: string[] }>, node: LayerNode, weights: readonly WeightTensor[]): RuleDiagnostic[] {
  const existing = store.get(node.moduleId!);
  if (!existing) {
    store.set(node.moduleId!, { weights, applications: [node.id] });
    return [];
  }
  existing.applications.push(node.id);
  const differs = weights.some((w, i) => {
    const before = existing.weights[i];
    return !before || before.shape.some((d, j) => isKnown(d) && isKnown(w.shape[j]) && d !== w.shape[j]);
  });
  return differs ? [{ severity: 'error', code: 'shared-layer-mismatch', message: `${node.name ?? node.className} is applied again to an input its weights do not fit (${existing.weights.map((w) => w.shape.join('×')).join(', ')} vs ${weights.map((w) => w.shape.join('×')).join(', ')})` }] : [];
}

/**
 * Weights of a module that never ran (PyTorch still counts its parameters: an auxiliary head in
 * eval mode, say), computed from the sizes its constructor states. Keras layers that are never
 * called are never built and own no weights, so they get none.
 */
function declaredWeights(module: LayerModule, context: RuleContext): readonly WeightTensor[] {
  if (context.framework === 'keras') return [];
  const spec = module.spec;
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
      return [1];
    default:
      return null;
  }
}

function nextField(inputs: (ReceptiveField | undefined)[], result: RuleResult, spec: LayerSpec): ReceptiveField | undefined {
  const known = inputs.filter((f): f is ReceptiveField => !!f);
  if (!known.length) return undefined;
  // Along the main path: the input that already sees the most.
  const from = known.reduce((a, b) => (b.global || (!a.global && sum(b.size) > sum(a.size)) ? b : a));
  if (from.global) return from;
  const window = result.window;
  if (window === 'global' || spec.kind === 'dense') return { ...from, global: true };
  if (!window || window.kernel.length !== from.size.length) return from;
  return {
    size: from.size.map((s, i) => s + (window.dilation[i] * (window.kernel[i] - 1)) * from.jump[i]),
    jump: from.jump.map((j, i) => j * window.stride[i]),
    global: false,
  };
}

function sum(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0);
}

function elements(shape: Shape): number | null {
  return knownProduct(shape.map((d, i) => (i === 0 && !isKnown(d) ? 1 : d)));
}

function sumBytes(shapes: readonly Shape[]): number | null {
  let total = 0;
  for (const s of shapes) {
    const n = elements(s);
    if (n === null) return null;
    total += n * bytesPerElement;
  }
  return total;
}

function totalsOf(graph: Graph, shapes: Map<string, Shape>, nodes: Map<string, NodeResult>, modules: Map<string, ModuleResult>): Totals {
  const add = (a: number | null, b: number | null) => (a === null || b === null ? null : a + b);
  let trainable: number | null = 0;
  let nonTrainable: number | null = 0;
  for (const m of modules.values()) {
    trainable = add(trainable, m.trainable);
    nonTrainable = add(nonTrainable, m.nonTrainable);
  }
  let macs: number | null = 0;
  let totalBytes: number | null = 0;
  for (const r of nodes.values()) {
    macs = add(macs, r.macs);
    totalBytes = add(totalBytes, r.activationBytes);
  }
  return {
    params: add(trainable, nonTrainable),
    trainable,
    nonTrainable,
    macs,
    outputShapes: graph.outputs.map((t) => shapes.get(t) ?? []),
    peakActivationBytes: peakBytes(graph, shapes),
    totalActivationBytes: totalBytes,
  };
}

/** Walks the forward pass freeing each tensor after its last use; the most ever held at once. */
function peakBytes(graph: Graph, shapes: Map<string, Shape>): number | null {
  const lastUse = new Map<string, number>();
  graph.nodes.forEach((n, i) => n.inputs.forEach((t) => lastUse.set(t, i)));
  for (const t of graph.outputs) lastUse.set(t, Infinity);
  const bytes = (t: string) => elements(shapes.get(t) ?? [null]);
  let live = 0;
  for (const input of graph.inputs) {
    const b = bytes(input.tensorId);
    if (b === null) return null;
    live += b * bytesPerElement;
  }
  let peak = live;
  for (const [i, node] of graph.nodes.entries()) {
    for (const t of node.outputs) {
      const b = bytes(t);
      if (b === null) return null;
      live += b * bytesPerElement;
    }
    peak = Math.max(peak, live);
    for (const t of new Set([...node.inputs, ...node.outputs])) {
      if ((lastUse.get(t) ?? i) <= i) live -= (bytes(t) ?? 0) * bytesPerElement;
    }
  }
  return peak;
}

