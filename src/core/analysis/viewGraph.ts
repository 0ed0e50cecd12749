/**
 * A model's analysis as the layer list the webviews draw: each application with its output shape,
 * category, producers, parameters, MACs, window, hover text, line and group, and the groups
 * themselves (for collapsing repeated blocks), with each layer's part in an inverted residual or
 * squeeze-excitation block. Views read this and never compute shapes themselves.
 */
import type { Shape } from '../ir/dims';
import type { DocumentRef, GraphSnapshot, ViewGroup, ViewLayer } from '../protocol/messages';
import { layerKinds } from '../shapes/registry';
import { describeNode } from '../shapes/describe';
import { layerRoles } from './roles';
import type { ShapeAnalysis } from '../shapes/shapePass';

export function viewLayers(analysis: ShapeAnalysis): ViewLayer[] {
  const producer = new Map<number, string>();
  for (const r of analysis.nodeResults) for (const t of r.node.outputs) producer.set(t, r.node.id);
  const roles = layerRoles(analysis);
  return analysis.nodeResults.map((r) => {
    const spec = r.node.spec;
    const module = r.node.moduleId === undefined ? undefined : analysis.modules[r.node.moduleId];
    const slide = 'kernel' in spec && 'stride' in spec ? { kernel: spec.kernel, stride: spec.stride } : {};
    const problem = r.diagnostics.find((d) => d.severity === 'error')?.message;
    return {
      id: r.node.id,
      name: r.node.name ?? r.node.className,
      kind: r.node.className,
      category: layerKinds[spec.kind].category,
      outputShape: plain(r.outputShapes[0]),
      inputs: r.node.inputs.map((t) => producer.get(t)).filter((id): id is string => !!id),
      params: (module?.trainable ?? 0) + (module?.nonTrainable ?? 0),
      macs: r.macs ?? 0,
      ...slide,
      details: describeNode(r, module),
      line: r.node.calledAt && !r.node.calledAt.uri ? r.node.calledAt.start.line : undefined,
      group: r.node.groupId,
      problem,
      role: roles.get(r.node.id)?.role,
      roleNote: roles.get(r.node.id)?.note,
    };
  });
}

function plain(shape: Shape | undefined): (number | null)[] | null {
  return shape ? shape.map((d) => (typeof d === 'number' ? d : null)) : null;
}

export function viewGroups(analysis: ShapeAnalysis): ViewGroup[] {
  return [...analysis.graph.groups.values()].map((g) => ({ id: g.id, name: g.name, className: g.className, parent: g.parentId }));
}

/** Everything a graph view needs to draw one model: the extension's preview and `cnn-lens render` both use it. */
export function modelSnapshot(analysis: ShapeAnalysis, document: DocumentRef, model: string, input?: Shape): GraphSnapshot {
  const t = analysis.totals;
  return {
    document,
    layers: viewLayers(analysis),
    groups: viewGroups(analysis),
    layout: analysis.graph.layout,
    model,
    input: (input && plain(input)) ?? undefined,
    totals: { params: t.params ?? 0, trainable: t.trainable ?? 0, nonTrainable: t.nonTrainable ?? 0, macs: t.macs ?? 0 },
  };
}
