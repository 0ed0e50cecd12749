/**
 * Names the part a layer plays in the building blocks the CNN course draws specially, read from
 * the graph's structure and shapes, never from class or variable names: the expansion 1×1,
 * depthwise k×k and projection 1×1 of an inverted residual (and whether the projection is a linear
 * bottleneck, with no activation after it), and the squeeze-and-excitation side branch (a global
 * pool whose result, after a few small layers, rescales the full-sized tensor by a multiply), and
 * the projection shortcut of a residual block (a 1×1 conv, usually with BatchNorm, on the branch
 * that leaves the block's input and meets the main path again at the add).
 */
import type { Shape } from '../ir/dims';
import type { LayerSpec } from '../ir/layers';
import { layerKinds } from '../shapes/registry';
import type { NodeResult, ShapeAnalysis } from '../shapes/shapePass';

export type LayerRole = 'expand' | 'depthwise' | 'project' | 'squeeze' | 'excite' | 'shortcut';

export interface RoleNote {
  readonly role: LayerRole;
  /** `expand ×6`, `depthwise 3×3`, `project 1×1 · linear`, `SE squeeze`. */
  readonly note: string;
}

const passThrough = new Set(['norm', 'activation', 'elementwise', 'regularisation']);

export function layerRoles(analysis: ShapeAnalysis): Map<string, RoleNote> {
  const results = analysis.nodeResults;
  const channelsLast = analysis.graph.layout === 'channels_last';
  const producer = new Map<number, NodeResult>();
  const consumers = new Map<number, NodeResult[]>();
  for (const r of results) {
    for (const t of r.node.outputs) producer.set(t, r);
    for (const t of r.node.inputs) consumers.set(t, [...(consumers.get(t) ?? []), r]);
  }
  const category = (r: NodeResult) => layerKinds[r.node.spec.kind].category;
  const channels = (shape: Shape | undefined) => {
    const d = shape && shape.length >= 3 ? shape[channelsLast ? shape.length - 1 : 1] : undefined;
    return typeof d === 'number' ? d : undefined;
  };
  const spatial = (shape: Shape | undefined) => (shape && shape.length >= 3 ? (channelsLast ? shape.slice(1, -1) : shape.slice(2)) : undefined);
  /** Follows a lone chain of same-shape norm/activation layers forward; returns them and what comes next. */
  const forward = (r: NodeResult): { chain: NodeResult[]; next: NodeResult[] } => {
    const chain: NodeResult[] = [];
    let next = consumers.get(r.node.outputs[0]) ?? [];
    while (next.length === 1 && passThrough.has(category(next[0]))) {
      chain.push(next[0]);
      next = consumers.get(next[0].node.outputs[0]) ?? [];
    }
    return { chain, next };
  };
  /** The layer behind a chain of norm/activation layers feeding `r`. */
  const backward = (r: NodeResult): NodeResult | undefined => {
    let p = producer.get(r.node.inputs[0]);
    while (p && passThrough.has(category(p))) p = producer.get(p.node.inputs[0]);
    return p;
  };
  const isDepthwise = (r: NodeResult) => r.node.spec.kind === 'depthwiseConv' || (r.node.spec.kind === 'conv' && r.node.spec.groups > 1 && r.node.spec.groups === channels(r.inputShapes[0]));
  const pointwise = (spec: LayerSpec) => spec.kind === 'conv' && spec.groups === 1 && spec.kernel.every((k) => k === 1);

  const roles = new Map<string, RoleNote>();
  for (const r of results) {
    const spec = r.node.spec;
    if (isDepthwise(r) && 'kernel' in spec) {
      roles.set(r.node.id, { role: 'depthwise', note: `depthwise ${spec.kernel.join('×')}` });
      continue;
    }
    if (!pointwise(spec)) continue;
    const fork = consumers.get(r.node.inputs[0]) ?? [];
    const joins = forward(r).next;
    if (fork.length > 1 && joins.length === 1 && joins[0].node.spec.kind === 'add' && 'stride' in spec) {
      const s = spec.stride.some((v) => v !== 1) ? `, s${spec.stride[0]}` : '';
      roles.set(r.node.id, { role: 'shortcut', note: `projection 1×1${s}` });
      continue;
    }
    const cin = channels(r.inputShapes[0]);
    const cout = channels(r.outputShapes[0]);
    if (cin === undefined || cout === undefined) continue;
    const after = forward(r);
    if (cout > cin && after.next.some(isDepthwise)) {
      roles.set(r.node.id, { role: 'expand', note: `expand ×${+(cout / cin).toFixed(1)}` });
    } else if (cout < cin && (() => { const before = backward(r); return !!before && isDepthwise(before); })()) {
      const fused = 'activation' in spec && spec.activation && spec.activation !== 'linear';
      const linear = !fused && !after.chain.some((c) => category(c) === 'activation');
      roles.set(r.node.id, { role: 'project', note: `project 1×1${linear ? ' · linear' : ''}` });
    }
  }
  markSqueezeExcitation(results, producer, spatial, category, roles);
  return roles;
}

/**
 * A multiply of a full-sized tensor by one whose spatial dims are all 1, where the small one comes
 * from a global pool of a full-sized tensor: the layers between pool and multiply are the SE branch.
 */
function markSqueezeExcitation(
  results: readonly NodeResult[],
  producer: Map<number, NodeResult>,
  spatial: (s: Shape | undefined) => Shape | undefined,
  category: (r: NodeResult) => string,
  roles: Map<string, RoleNote>,
): void {
  const isOnes = (s: Shape | undefined) => !!s && s.length > 0 && s.every((d) => d === 1);
  const isLarge = (s: Shape | undefined) => !!s && s.some((d) => typeof d !== 'number' || d > 1);
  for (const r of results) {
    if (category(r) !== 'merge' || r.node.inputs.length !== 2 || r.node.spec.kind !== 'multiply') continue;
    const shapes = r.inputShapes.map(spatial);
    const small = shapes.findIndex(isOnes);
    if (small < 0 || !isLarge(shapes[1 - small])) continue;
    const branch: NodeResult[] = [];
    let p = producer.get(r.node.inputs[small]);
    // Walk back through the branch (a handful of small layers, possibly a reshape) to the pool.
    for (let steps = 0; p && steps < 12; steps++) {
      branch.push(p);
      if (category(p) === 'pool' && isLarge(spatial(p.inputShapes[0]))) {
        for (const b of branch) roles.set(b.node.id, { role: 'squeeze', note: b === p ? 'SE squeeze' : 'SE excite' });
        roles.set(r.node.id, { role: 'excite', note: 'SE scale ⊗' });
        break;
      }
      p = p.node.inputs.length === 1 ? producer.get(p.node.inputs[0]) : undefined;
    }
  }
}
