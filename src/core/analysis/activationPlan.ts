/**
 * A model's analysis as the activations panel runs it: every layer application in execution
 * order with its spec (the IR's own, plain data), the tensors it reads and writes, their shapes in
 * the framework's layout, and the weights its module owns (name and shape, keyed by the module's
 * path so that a shared module shares them and a loaded state_dict or Keras weight file maps onto
 * them). The webview turns this into tfjs ops; it never sees source text or computes a shape, and
 * the shapes here are what its build is checked against.
 */
import type { Shape } from '../ir/dims';
import type { LayerSpec } from '../ir/layers';
import type { DocumentRef } from '../protocol/messages';
import type { ShapeAnalysis } from '../shapes/shapePass';

/** A shape with unknown dims as null; the batch is fixed to 1 when the panel runs. */
export type PlainShape = readonly (number | null)[];

export interface PlanWeight {
  /** `weight`, `bias`, `running_mean` (PyTorch) or `kernel`, `bias`, `moving_mean` (Keras). */
  readonly name: string;
  /** In the framework's own layout: PyTorch conv weight [out, in/groups, kH, kW], Keras [kH, kW, in, out]. */
  readonly shape: PlainShape;
}

export interface PlanNode {
  readonly id: string;
  /** Module path (`layer1.0.conv1`) or Keras layer name; null for functional ops. */
  readonly name: string | null;
  readonly className: string;
  readonly spec: LayerSpec;
  readonly inputs: readonly number[];
  readonly outputs: readonly number[];
  readonly inputShapes: readonly PlainShape[];
  readonly outputShapes: readonly PlainShape[];
  /** Key of the module's weights (its path, or `#id` when anonymous); absent for functional ops. */
  readonly weightKey?: string;
  readonly weights: readonly PlanWeight[];
}

export interface ActivationPlan {
  readonly document: DocumentRef;
  readonly model: string;
  readonly framework: 'pytorch' | 'keras';
  readonly layout: 'channels_first' | 'channels_last';
  readonly inputs: readonly { readonly tensor: number; readonly shape: PlainShape }[];
  readonly outputs: readonly number[];
  readonly nodes: readonly PlanNode[];
}

const plain = (shape: Shape | undefined): PlainShape => (shape ?? []).map((d) => (typeof d === 'number' ? d : null));

export function activationPlan(analysis: ShapeAnalysis, document: DocumentRef, model: string): ActivationPlan {
  const graph = analysis.graph;
  return {
    document,
    model,
    framework: graph.framework === 'keras' ? 'keras' : 'pytorch',
    layout: graph.layout,
    inputs: graph.inputs.map((i) => ({ tensor: i.tensorId, shape: plain(i.shape) })),
    outputs: graph.outputs,
    nodes: analysis.nodeResults.map((r) => {
      const module = r.node.moduleId === undefined ? undefined : analysis.modules[r.node.moduleId];
      return {
        id: r.node.id,
        name: r.node.name,
        className: r.node.className,
        spec: r.node.spec,
        inputs: r.node.inputs,
        outputs: r.node.outputs,
        inputShapes: r.inputShapes.map(plain),
        outputShapes: r.outputShapes.map(plain),
        weightKey: module ? (module.module.name ?? `#${module.module.id}`) : undefined,
        weights: module ? module.weights.map((w) => ({ name: w.name, shape: plain(w.shape) })) : [],
      };
    }),
  };
}
