/**
 * Builds a runnable forward pass from an activation plan, op by op with tfjs-core, keeping every
 * layer's output so the panel can step to any layer after one run. It exists because the panel
 * must show what the user's *own source* computes — not a tfjs-layers model that resembles it —
 * so each node is translated from its framework's semantics (PyTorch NCHW arithmetic run as NHWC,
 * Keras as is) and every output is checked against the shape the analysis derived before it is
 * kept. Constants come from the spec (eps, slopes, align_corners, a pad's mode, the number in
 * `x / 6`), the framework's default only where the source gives none; a constant the source gives
 * but the analysis could not evaluate is a refusal. Keras's `hard_sigmoid` runs as Keras 3 defines
 * it (relu6(x + 3) / 6, not tf.keras 2's clip(0.2x + 0.5)): the source cannot say which Keras runs.
 * What cannot be computed exactly is found when building, named (node, layer, kind, why), and the
 * run stops just before it; a run that goes wrong at run time stops the same way, so the panel
 * never shows a layer it could not compute faithfully.
 *
 * Usage:
 *   const model = buildModel(plan, seededWeights(plan, 0));
 *   if (model.unsupported) show(model.unsupported.reason);          // later layers will not run
 *   const result = model.run(tf.zeros(model.inputShapes[0]));       // NHWC image, batch 1
 *   result.outputs.get(nodeId);  // that layer's first output; channels last when spatial
 *   result.dispose(); model.dispose();
 */
import * as tf from '@tensorflow/tfjs-core';
import type { ActivationPlan, PlainShape } from '../../src/core/analysis/activationPlan';
import { compileStep, knownShapes, UnsupportedLayer, type Step } from './layerSteps';
import { toHeldShape, toPlanLayout, type HeldLayout, type HeldTensor } from './tensorLayout';
import type { WeightStore } from './weights';

export { toHeldShape, toPlanLayout, type HeldLayout } from './tensorLayout';

/** A node the panel cannot run, and why (shown to the user). */
export interface UnsupportedNode {
  readonly nodeId: string;
  /** Module path or Keras layer name; null for functional ops. */
  readonly name: string | null;
  readonly kind: string;
  /** The framework's class or op name (`Conv2d`, `cat`). */
  readonly className: string;
  readonly reason: string;
}

export interface RunResult {
  /** The first output of every node that ran, in the tfjs layout named by `layouts`. */
  readonly outputs: ReadonlyMap<string, tf.Tensor>;
  /**
   * How each output is held: `channelsLast` (a PyTorch NCHW tensor held as NHWC) or `asPlan`
   * (the plan's own shape: Keras tensors, and every tensor of rank ≤ 2). Spatial outputs always
   * have their channels on the last axis. `toPlanLayout(tensor.shape, layout)` gives the plan's shape.
   */
  readonly layouts: ReadonlyMap<string, HeldLayout>;
  /** Ids of the nodes that ran, in order. */
  readonly ran: readonly string[];
  /**
   * Where the run stopped early: the build's `unsupported` node when the run reached it, or a node
   * whose computation failed or whose output shape disagreed with the analysis (that node's
   * outputs are not kept). Absent when every node ran.
   */
  readonly stopped?: UnsupportedNode;
  /** Frees every tensor the run kept (not the caller's inputs). */
  dispose(): void;
}

export interface BuiltModel {
  readonly plan: ActivationPlan;
  /** The first node that cannot run; nodes before it run, it and every later node do not. */
  readonly unsupported?: UnsupportedNode;
  /** How many of `plan.nodes` (a prefix) will run. */
  readonly runnableNodes: number;
  /**
   * The tfjs shape `run` expects for each plan input: batch 1 where the plan leaves it open,
   * channels last (a PyTorch [1, 3, 224, 224] input is given as [1, 224, 224, 3]); null when the
   * analysis does not know every dimension.
   */
  readonly inputShapes: readonly (number[] | null)[];
  /** Runs the model on one tensor per plan input (NHWC images). Throws if a shape differs from `inputShapes`. */
  run(inputs: tf.Tensor | readonly tf.Tensor[]): RunResult;
  /** Frees the converted weights and constants (the WeightStore passed in stays the caller's). */
  dispose(): void;
}

interface CompiledNode {
  readonly step: Step;
  /** Expected tfjs-independent plan shapes of the outputs, batch fixed to 1. */
  readonly outputShapes: number[][];
}

/** The plan's shape with an open batch fixed to 1; null if any other dimension is unknown. */
export function planShapeAtBatch1(shape: PlainShape): number[] | null {
  const fixed = shape.map((d, i) => (d === null && i === 0 ? 1 : d));
  return fixed.every((d): d is number => d !== null) ? fixed : null;
}

/** How the builder holds a plan input of this rank: channels last for a channels-first plan's images. */
function inputLayout(plan: ActivationPlan, rank: number): HeldLayout {
  return plan.layout === 'channels_first' && rank >= 3 ? 'channelsLast' : 'asPlan';
}

function describe(node: ActivationPlan['nodes'][number], reason: string): UnsupportedNode {
  return { nodeId: node.id, name: node.name, kind: node.spec.kind, className: node.className, reason };
}

const sameShape = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((d, i) => d === b[i]);
const formatShape = (s: readonly number[]) => `[${s.join(', ')}]`;

/**
 * Compiles `plan` with `weights` (framework layout, keyed `${weightKey}/${name}`). Never throws
 * for a model it cannot run: `unsupported` names the first node it cannot, and `run` stops there.
 */
export function buildModel(plan: ActivationPlan, weights: WeightStore): BuiltModel {
  const owned: tf.Tensor[] = [];
  const compiled: CompiledNode[] = [];
  let unsupported: UnsupportedNode | undefined;
  const available = new Set(plan.inputs.map((i) => i.tensor));
  for (const node of plan.nodes) {
    const missing = node.inputs.find((t) => !available.has(t));
    if (missing !== undefined) {
      unsupported = describe(node, 'it reads a tensor the analysis could not trace to the model input (e.g. one made with torch.zeros)');
      break;
    }
    try {
      const step = compileStep(node, { plan, weights, owned });
      compiled.push({ step, outputShapes: knownShapes(node).outputs });
    } catch (error) {
      unsupported = describe(node, error instanceof UnsupportedLayer ? error.message : `building it failed: ${(error as Error).message}`);
      break;
    }
    node.outputs.forEach((t) => available.add(t));
  }
  const inputShapes = inputShapesOf(plan);
  let disposed = false;
  return {
    plan,
    unsupported,
    runnableNodes: compiled.length,
    inputShapes,
    run: (inputs) => {
      if (disposed) throw new Error('this model has been disposed');
      return runCompiled(plan, compiled, unsupported, inputShapes, Array.isArray(inputs) ? inputs : [inputs as tf.Tensor]);
    },
    dispose: () => {
      disposed = true;
      for (const t of owned) t.dispose();
      owned.length = 0;
    },
  };
}

function runCompiled(plan: ActivationPlan, compiled: readonly CompiledNode[], unsupported: UnsupportedNode | undefined, inputShapes: readonly (number[] | null)[], inputs: readonly tf.Tensor[]): RunResult {
  if (inputs.length !== plan.inputs.length) throw new Error(`the model takes ${plan.inputs.length} input(s), got ${inputs.length}`);
  const tensors = new Map<number, HeldTensor>();
  plan.inputs.forEach((input, i) => {
    const expected = inputShapes[i];
    if (expected && !sameShape(inputs[i].shape, expected)) throw new Error(`input ${i} should have shape ${formatShape(expected)} (channels last), got ${formatShape(inputs[i].shape)}`);
    tensors.set(input.tensor, { tensor: inputs[i], layout: inputLayout(plan, inputs[i].rank) });
  });
  const callerTensors = new Set(inputs);
  const kept: tf.Tensor[] = [];
  const outputs = new Map<string, tf.Tensor>();
  const layouts = new Map<string, HeldLayout>();
  const ran: string[] = [];
  let stopped: UnsupportedNode | undefined;
  for (let i = 0; i < compiled.length; i++) {
    const node = plan.nodes[i];
    const { step, outputShapes } = compiled[i];
    const ins = node.inputs.map((t) => tensors.get(t)!);
    let produced: HeldTensor[];
    try {
      const layoutsOut: HeldLayout[] = [];
      const inputTensors = new Set(ins.map((h) => h.tensor));
      // Everything the step makes is freed except its outputs; an output that is an input
      // (identity, dropout) is cloned so that every kept tensor has exactly one owner.
      const made = tf.tidy(() =>
        step(ins).map((h) => {
          layoutsOut.push(h.layout);
          return inputTensors.has(h.tensor) ? tf.clone(h.tensor) : h.tensor;
        }),
      );
      produced = made.map((tensor, k) => ({ tensor: tf.keep(tensor), layout: layoutsOut[k] }));
    } catch (error) {
      stopped = describe(node, `running it failed: ${(error as Error).message}`);
      break;
    }
    const mismatch = produced.findIndex((h, k) => !sameShape(toPlanLayout(h.tensor.shape, h.layout), outputShapes[k]));
    if (mismatch >= 0 || produced.length !== node.outputs.length) {
      const got = mismatch >= 0 ? formatShape(toPlanLayout(produced[mismatch].tensor.shape, produced[mismatch].layout)) : `${produced.length} outputs`;
      const want = mismatch >= 0 ? formatShape(outputShapes[mismatch]) : `${node.outputs.length}`;
      for (const h of produced) if (!callerTensors.has(h.tensor)) h.tensor.dispose();
      stopped = describe(node, `it produced ${got} where the analysis says ${want}`);
      break;
    }
    produced.forEach((h, k) => {
      tensors.set(node.outputs[k], h);
      kept.push(h.tensor);
    });
    outputs.set(node.id, produced[0].tensor);
    layouts.set(node.id, produced[0].layout);
    ran.push(node.id);
  }
  if (!stopped && unsupported) stopped = unsupported;
  return {
    outputs,
    layouts,
    ran,
    stopped,
    dispose: () => {
      for (const t of kept) if (!callerTensors.has(t)) t.dispose();
      kept.length = 0;
      outputs.clear();
    },
  };
}

/** The tfjs input shape of each plan input (see BuiltModel.inputShapes), without building. */
export function inputShapesOf(plan: ActivationPlan): (number[] | null)[] {
  return plan.inputs.map((i) => {
    const shape = planShapeAtBatch1(i.shape);
    return shape && toHeldShape(shape, inputLayout(plan, shape.length));
  });
}
