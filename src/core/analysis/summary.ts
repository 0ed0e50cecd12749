/**
 * A model's analysis as the torchinfo / Keras `model.summary()`-style table and as the CLI's JSON
 * schema. Both the `cnn-lens` CLI and the editor's "Show Model Summary" print from here, so the
 * two never disagree.
 */
import { formatShape, type Dim, type Shape } from '../ir/dims';
import type { Framework, SourceRange } from '../ir/graph';
import { formatBytes, formatCompact, formatInt } from '../shapes/format';
import type { ShapeAnalysis } from '../shapes/shapePass';

export interface SummaryModel {
  readonly name: string;
  readonly framework: Framework;
  readonly inputs: readonly Shape[];
  readonly analysis: ShapeAnalysis;
  readonly diagnostics: readonly { severity: 'error' | 'warning' | 'info'; message: string; range: SourceRange }[];
}

export interface JsonLayer {
  path: string | null;
  kind: string;
  outputShape: (number | null)[];
  params: number;
  trainable: number;
  macs: number;
  line: number;
}

export interface JsonModel {
  name: string;
  framework: Framework;
  input: (number | null)[][];
  output: (number | null)[][];
  totals: { params: number; trainable: number; nonTrainable: number; macs: number; peakActivationBytes: number | null };
  layers: JsonLayer[];
  diagnostics: { severity: 'error' | 'warning' | 'info'; message: string; line: number }[];
}

const plain = (shape: Shape): (number | null)[] => shape.map((d: Dim) => (typeof d === 'number' ? d : null));

export function summaryJson(model: SummaryModel): JsonModel {
  const { analysis } = model;
  const layers = analysis.nodeResults.map((r) => {
    const module = r.node.moduleId === undefined ? undefined : analysis.modules[r.node.moduleId];
    return {
      path: r.node.name,
      kind: r.node.className,
      outputShape: plain(r.outputShapes[0] ?? []),
      params: (module?.trainable ?? 0) + (module?.nonTrainable ?? 0),
      trainable: module?.trainable ?? 0,
      macs: r.macs ?? 0,
      line: (r.node.calledAt?.start.line ?? -1) + 1,
    };
  });
  const diagnostics = [...model.diagnostics.map((d) => ({ severity: d.severity, message: d.message, line: d.range.uri ? 0 : d.range.start.line + 1 }))];
  for (const r of analysis.nodeResults) for (const d of r.diagnostics) diagnostics.push({ severity: d.severity, message: `${r.node.name ?? r.node.className}: ${d.message}`, line: (r.node.calledAt?.start.line ?? -1) + 1 });
  const t = analysis.totals;
  return {
    name: model.name,
    framework: model.framework,
    input: model.inputs.map(plain),
    output: t.outputShapes.map(plain),
    totals: { params: t.params ?? 0, trainable: t.trainable ?? 0, nonTrainable: t.nonTrainable ?? 0, macs: t.macs ?? 0, peakActivationBytes: t.peakActivationBytes },
    layers,
    diagnostics,
  };
}

/** The table a person reads: one row per layer application, then totals and diagnostics. */
export function summaryTable(model: SummaryModel): string {
  const json = summaryJson(model);
  const { analysis } = model;
  const seen = new Set<number>();
  const rows = analysis.nodeResults.map((r, i) => {
    const depth = depthOf(analysis, r.node.groupId);
    const first = r.node.moduleId !== undefined && !seen.has(r.node.moduleId);
    if (r.node.moduleId !== undefined) seen.add(r.node.moduleId);
    const layer = json.layers[i];
    const params = r.node.moduleId === undefined ? '--' : first ? formatInt(layer.params) : '(shared)';
    return [`${'  '.repeat(depth)}${r.node.name ?? '·'} (${r.node.className})`, formatShape(r.outputShapes[0]), params, r.macs ? formatInt(r.macs) : '--'];
  });
  const header = ['Layer (type)', 'Output shape', 'Param #', 'MACs'];
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c].length)));
  const line = (cells: string[]) => cells.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('   ');
  const rule = '─'.repeat(widths.reduce((a, b) => a + b + 3, -3));
  const t = analysis.totals;
  const out = [
    `Model: ${model.name} (${model.framework}) · input ${model.inputs.map((s) => formatShape(s)).join(', ')}`,
    rule,
    line(header),
    rule,
    ...rows.map(line),
    rule,
    `Total params: ${formatInt(t.params)}`,
    `Trainable params: ${formatInt(t.trainable)}`,
    `Non-trainable params: ${formatInt(t.nonTrainable)}`,
    `Total MACs: ${formatInt(t.macs)} (${formatCompact(t.macs)})`,
    `Output: ${t.outputShapes.map((s) => formatShape(s)).join(', ') || '?'}`,
    `Peak activation memory (float32, inference): ${formatBytes(t.peakActivationBytes)}`,
  ];
  if (json.diagnostics.length) {
    out.push(rule, 'Diagnostics:');
    for (const d of json.diagnostics) out.push(`  ${d.line ? `line ${d.line}: ` : ''}${d.severity}: ${d.message}`);
  }
  return out.join('\n') + '\n';
}

function depthOf(analysis: ShapeAnalysis, groupId: string | undefined): number {
  let depth = 0;
  for (let g = groupId ? analysis.graph.groups.get(groupId) : undefined; g; g = g.parentId ? analysis.graph.groups.get(g.parentId) : undefined) depth++;
  return Math.max(0, depth - 1);
}
