/**
 * A node's facts as text lines — shapes, the arithmetic, weights and parameters, MACs, receptive
 * field and activation memory — in the order a learner reads them. Hovers, the CLI and the graph
 * tooltip all start from these lines, so the arithmetic reads the same everywhere.
 */
import { formatShape } from '../ir/dims';
import { formatBytes, formatCompact, formatInt } from './format';
import type { ModuleResult, NodeResult, ReceptiveField } from './shapePass';

export function describeReceptiveField(rf: ReceptiveField | null): string | null {
  if (!rf) return null;
  if (rf.global) return 'receptive field: the whole input';
  if (!rf.size.length) return null;
  return `receptive field ${rf.size.join('×')}, jump ${rf.jump.map((j) => (Number.isInteger(j) ? j : j.toFixed(2))).join('×')}`;
}

export function describeNode(result: NodeResult, module?: ModuleResult): string[] {
  const { node } = result;
  const lines = [`${node.name ?? '(functional)'} · ${node.className}`];
  lines.push(`${result.inputShapes.map((s) => formatShape(s)).join(' , ')} → ${result.outputShapes.map((s) => formatShape(s)).join(' , ')}`);
  lines.push(...result.arithmetic);
  if (module && module.applications.length > 1) lines.push(`applied ${module.applications.length} times; its parameters count once`);
  if (result.macs) lines.push(`MACs ${formatInt(result.macs)}${result.macs >= 1000 ? ` (${formatCompact(result.macs)})` : ''}`);
  const rf = describeReceptiveField(result.receptiveField);
  if (rf) lines.push(rf);
  if (result.activationBytes !== null) lines.push(`output memory ${formatBytes(result.activationBytes)} (float32)`);
  for (const d of result.diagnostics) lines.push(`${d.severity}: ${d.message}`);
  return lines;
}
