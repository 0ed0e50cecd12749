/**
 * The result every front-end hands to the editor, the CLI and the views: one analysed model per
 * entry (a Python class or factory, or the model a file holds), each with its IR graph, shape
 * analysis and diagnostics, plus the file's own problems. It lives apart from any one format so a
 * model file and a Python source are read by the same consumers, with no format-specific types.
 */
import type { Shape } from '../ir/dims';
import type { Framework, Graph, SourceRange } from '../ir/graph';
import { reviveShapeAnalysis, type ShapeAnalysis } from '../shapes/shapePass';

/** Where a model came from: a Python class, factory function or variable, or a whole model file. */
export type ModelKind = 'class' | 'function' | 'variable' | 'file';

export interface ModelDiagnostic {
  readonly severity: 'error' | 'warning' | 'info';
  readonly message: string;
  readonly range: SourceRange;
}

export interface ModelResult {
  readonly name: string;
  readonly kind: ModelKind;
  readonly framework: Framework;
  readonly range: SourceRange;
  readonly inputs: readonly Shape[];
  readonly graph: Graph;
  readonly analysis: ShapeAnalysis;
  readonly diagnostics: readonly ModelDiagnostic[];
  /** Set when the budget ran out while building or running this model. */
  readonly stopped?: string;
}

export interface FileAnalysis {
  readonly file: string;
  readonly models: readonly ModelResult[];
  /** Problems in the file itself (syntax errors, module-level evaluation, a malformed model file). */
  readonly diagnostics: readonly ModelDiagnostic[];
  /** Evaluation steps spent (0 for formats that are read, not evaluated). */
  readonly steps: number;
}

const fileTop: SourceRange = { start: { line: 0, character: 0 }, end: { line: 0, character: 1 } };

/**
 * A model read from JSON inside a binary file (an .h5's model_config, a .keras archive's
 * config.json): its ranges point into text that is nowhere in the file, so every range goes to the top.
 */
export function atFileTop(analysis: FileAnalysis): FileAnalysis {
  const moved = (ds: readonly ModelDiagnostic[]) => ds.map((d) => ({ ...d, range: fileTop }));
  return { ...analysis, diagnostics: moved(analysis.diagnostics), models: analysis.models.map((m) => ({ ...m, range: fileTop, diagnostics: moved(m.diagnostics) })) };
}

/** A file's analysis as it arrives from a worker thread (plain data), with its methods back. */
export function reviveFileAnalysis(cloned: FileAnalysis): FileAnalysis {
  for (const m of cloned.models) reviveShapeAnalysis(m.analysis);
  return cloned;
}
