/**
 * A model's analysis as the torchinfo / Keras `model.summary()`-style table and as the CLI's JSON
 * schema. Both the `cnn-lens` CLI and the editor's "Show Model Summary" print from here, so the
 * two never disagree. A model whose evaluation lost track says so first (`complete: false` and
 * where), and every problem is given at a line of the analysed file.
 */
import { formatShape, formatShapes, type Dim, type Shape } from '../ir/dims';
import type { Framework, SourceRange } from '../ir/graph';
import { formatBytes, formatCompact, formatInt } from '../shapes/format';
import type { Incompleteness, ModelDiagnostic, SavedOutputCheck } from '../frontends/modelResult';
import type { ShapeAnalysis } from '../shapes/shapePass';
import { incompleteText, modelProblems } from './modelProblems';

export interface SummaryModel {
  readonly name: string;
  readonly framework: Framework;
  readonly range: SourceRange;
  readonly inputs: readonly Shape[];
  readonly analysis: ShapeAnalysis;
  readonly diagnostics: readonly ModelDiagnostic[];
  readonly incomplete?: Incompleteness;
}

/** One problem in the JSON: its line in the analysed file; `at` names the place inside another file. */
export interface JsonDiagnostic {
  severity: 'error' | 'warning' | 'info';
  message: string;
  line: number;
  /** In a notebook: the cell `line` counts within. */
  cell?: number;
  at?: string;
  /** The problems that follow from this one (a lost value's cascade), each with its own place. */
  related?: { message: string; line: number; cell?: number; file?: string }[];
}

export interface JsonLayer {
  path: string | null;
  kind: string;
  outputShape: (number | null)[];
  params: number;
  trainable: number;
  macs: number;
  line: number;
  cell?: number;
}

export interface JsonModel {
  name: string;
  framework: Framework;
  /** False when the output is unknown, no layer was recorded, or evaluation stopped; `incomplete` says where and why. */
  complete: boolean;
  incomplete?: { line: number; cell?: number; reason: string; at?: string };
  input: (number | null)[][];
  output: (number | null)[][];
  totals: { params: number; trainable: number; nonTrainable: number; macs: number; peakActivationBytes: number | null };
  layers: JsonLayer[];
  diagnostics: JsonDiagnostic[];
  /** In a notebook: the summaries its cells saved for this model, against ours. */
  savedOutputs?: JsonSavedOutput[];
}

/** A saved-output check as the JSON gives it: placed by `cell` and 1-based `line`, like everything else. */
export type JsonSavedOutput = Omit<SavedOutputCheck, 'range'> & { line: number };

/** Diagnostics (a file's or a model's) in the JSON schema. */
export function diagnosticsJson(diagnostics: readonly ModelDiagnostic[]): JsonDiagnostic[] {
  return diagnostics.map((d) => ({
    severity: d.severity,
    message: d.message,
    line: d.range.uri ? 0 : d.range.start.line + 1,
    ...cellOf(d.range),
    ...(d.at ? { at: d.at } : {}),
    ...(d.related
      ? {
          related: d.related.map((r) => ({
            message: r.message,
            line: r.range.start.line + 1,
            ...cellOf(r.range),
            ...(r.range.uri ? { file: r.range.uri } : {}),
          })),
        }
      : {}),
  }));
}

/** `{ cell: 7 }` for a notebook's range, nothing for a file's: the JSON names a cell only where there is one. */
const cellOf = (range: SourceRange | undefined): { cell?: number } =>
  range?.cell !== undefined && !range.uri ? { cell: range.cell } : {};

/** Where a diagnostic is, as the table prints it: `line 3` or `cell 7, line 3`. */
const placeOf = (p: { line: number; cell?: number }) => `${p.cell !== undefined ? `cell ${p.cell}, ` : ''}line ${p.line}`;

/** Diagnostics as the table prints them: `line N: severity: message`, a folded cascade's first few below. */
export function diagnosticLines(diagnostics: readonly JsonDiagnostic[], indent = '  ', relatedShown = 3): string[] {
  const out: string[] = [];
  for (const d of diagnostics) {
    out.push(`${indent}${d.line ? `${placeOf(d)}: ` : ''}${d.severity}: ${d.message}`);
    for (const r of d.related?.slice(0, relatedShown) ?? [])
      out.push(`${indent}    ↳ ${r.file ? `${r.file}:${r.line}` : placeOf(r)}: ${r.message}`);
    if (d.related && d.related.length > relatedShown) out.push(`${indent}    ↳ … and ${d.related.length - relatedShown} more`);
  }
  return out;
}

const plain = (shape: Shape): (number | null)[] => shape.map((d: Dim) => (typeof d === 'number' ? d : null));

export function summaryJson(model: SummaryModel, file = '', saved: readonly SavedOutputCheck[] = []): JsonModel {
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
      ...cellOf(r.node.calledAt),
    };
  });
  const diagnostics = diagnosticsJson(modelProblems(model, file));
  const t = analysis.totals;
  const incomplete = model.incomplete;
  return {
    name: model.name,
    framework: model.framework,
    complete: !incomplete,
    ...(incomplete
      ? {
          incomplete: {
            line: incomplete.range.start.line + 1,
            ...cellOf(incomplete.range),
            reason: incomplete.reason,
            ...(incomplete.at ? { at: incomplete.at } : {}),
          },
        }
      : {}),
    input: model.inputs.map(plain),
    output: t.outputShapes.map(plain),
    totals: { params: t.params ?? 0, trainable: t.trainable ?? 0, nonTrainable: t.nonTrainable ?? 0, macs: t.macs ?? 0, peakActivationBytes: t.peakActivationBytes },
    layers,
    diagnostics,
    ...(saved.length
      ? {
          savedOutputs: saved
            .filter((c) => c.model === model.name)
            .map(({ range, ...check }) => ({ ...check, line: range.start.line + 1 })),
        }
      : {}),
  };
}

/** The table a person reads: one row per layer application, then totals and diagnostics. */
export function summaryTable(model: SummaryModel, file = '', saved: readonly SavedOutputCheck[] = []): string {
  const json = summaryJson(model, file, saved);
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
    `Model: ${model.name} (${model.framework}) · input ${formatShapes(model.inputs)}`,
    ...(model.incomplete ? [`Incomplete: ${incompleteText(model.incomplete)}`] : []),
    rule,
    line(header),
    rule,
    ...rows.map(line),
    rule,
    `Total params: ${formatInt(t.params)}`,
    `Trainable params: ${formatInt(t.trainable)}`,
    `Non-trainable params: ${formatInt(t.nonTrainable)}`,
    `Total MACs: ${formatInt(t.macs)} (${formatCompact(t.macs)})`,
    `Output: ${formatShapes(t.outputShapes)}`,
    `Peak activation memory (float32, inference): ${formatBytes(t.peakActivationBytes)}`,
    ...(json.savedOutputs ?? []).map(savedOutputLine),
  ];
  if (json.diagnostics.length) {
    out.push(rule, 'Diagnostics:');
    out.push(...diagnosticLines(json.diagnostics));
  }
  return out.join('\n') + '\n';
}

const summaryForms: Record<string, string> = {
  keras2: 'Keras 2 model.summary()',
  keras3: 'Keras 3 model.summary()',
  torchinfo: 'torchinfo',
  'torch-repr': 'print(model)',
};

/** `Saved output (cell 7, torchinfo): 61,706 params ✓ matches` or what differs. */
function savedOutputLine(c: JsonSavedOutput): string {
  const where = `Saved output (cell ${c.cell}, ${summaryForms[c.form] ?? c.form})`;
  const counts = (p: SavedOutputCheck['saved']) =>
    `${formatInt(p.total ?? null)}${p.nonTrainable ? ` (${formatInt(p.nonTrainable)} non-trainable)` : ''}`;
  return c.matches
    ? `${where}: ${counts(c.saved)} params ✓ matches`
    : `${where}: ${counts(c.saved)} params ✗ differs from ${counts(c.ours)} (edited since it ran?)`;
}

function depthOf(analysis: ShapeAnalysis, groupId: string | undefined): number {
  let depth = 0;
  for (let g = groupId ? analysis.graph.groups.get(groupId) : undefined; g; g = g.parentId ? analysis.graph.groups.get(g.parentId) : undefined) depth++;
  return Math.max(0, depth - 1);
}
