/**
 * The result every front-end hands to the editor, the CLI and the views: one analysed model per
 * entry (a Python class or factory, or the model a file holds), each with its IR graph, shape
 * analysis and diagnostics, plus the file's own problems. It lives apart from any one format so a
 * model file and a Python source are read by the same consumers, with no format-specific types.
 */
import type { Shape } from '../ir/dims';
import type { Framework, Graph, SourceRange } from '../ir/graph';
import { reviveShapeAnalysis, unknownLayer, type ShapeAnalysis } from '../shapes/shapePass';

/** Where a model came from: a Python class, factory function or variable, or a whole model file. */
export type ModelKind = 'class' | 'function' | 'variable' | 'file';

export interface ModelDiagnostic {
  readonly severity: 'error' | 'warning' | 'info';
  readonly message: string;
  readonly range: SourceRange;
  /** For a problem inside another file, reported at the line of this file that led there: `file:line` inside. */
  readonly at?: string;
  /** What followed from this problem (the cascade after a lost value), folded under it; ranges may be in other files. */
  readonly related?: readonly { readonly message: string; readonly range: SourceRange }[];
}

/**
 * Why a model's result is not the whole model: the first place a value was lost on the way to its
 * output, the budget running out, or the model's code raising. `range` is in the analysed file;
 * `at` names the place inside another file when the loss happened there.
 */
export interface Incompleteness {
  readonly reason: string;
  readonly range: SourceRange;
  readonly at?: string;
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
  /** Set when the output is unknown, no layer was recorded, or evaluation stopped: never shown as complete. */
  readonly incomplete?: Incompleteness;
}

/**
 * A model as its front-end read it, before the shape pass (which the Analysis stage runs once, for
 * every format): what the source says, and the front-end's checks that need the shapes.
 */
export interface ModelDraft extends Omit<ModelResult, 'analysis'> {
  /** Run once the shapes are known: a guessed output, a file's declared shapes or stored weights. */
  readonly afterShapes?: (analysis: ShapeAnalysis) => ShapeFindings;
}

/** What a front-end's check adds once shapes are known: more diagnostics, and an incompleteness if none was found. */
export interface ShapeFindings {
  readonly diagnostics?: readonly ModelDiagnostic[];
  readonly incomplete?: Incompleteness;
}

/** A front-end's reading of one document: its models as drafts, and the document's own problems. */
export interface FrontEndResult {
  readonly file: string;
  readonly models: readonly ModelDraft[];
  readonly diagnostics: readonly ModelDiagnostic[];
  readonly steps: number;
}

export interface FileAnalysis {
  readonly file: string;
  readonly models: readonly ModelResult[];
  /** Problems in the file itself (syntax errors, module-level evaluation, a malformed model file). */
  readonly diagnostics: readonly ModelDiagnostic[];
  /** Evaluation steps spent (0 for formats that are read, not evaluated). */
  readonly steps: number;
  /** A notebook's code cells and its saved outputs' summaries checked against the models. */
  readonly notebook?: NotebookFacts;
}

/** What a notebook's analysis adds: where its code cells are, and what its saved summaries say. */
export interface NotebookFacts {
  /** Each code cell, in order: its 1-based number and the line of the analysed program it starts on. */
  readonly cells: readonly { readonly cell: number; readonly line: number }[];
  readonly checks: readonly SavedOutputCheck[];
}

/** A model summary saved in a cell's output (Keras's, torchinfo's, a printed module tree) against the analysis. */
export interface SavedOutputCheck {
  readonly cell: number;
  /** The analysed model it was matched to. */
  readonly model: string;
  /** Which summary it was: `keras2`, `keras3`, `torchinfo`, `torch-repr`. */
  readonly form: string;
  readonly saved: ParamCounts;
  readonly ours: ParamCounts;
  readonly matches: boolean;
  /** The line that printed it, in its cell. */
  readonly range: SourceRange;
}

export interface ParamCounts {
  readonly total?: number;
  readonly trainable?: number;
  readonly nonTrainable?: number;
}

const fileTop: SourceRange = { start: { line: 0, character: 0 }, end: { line: 0, character: 1 } };

/**
 * A model read from JSON inside a binary file (an .h5's model_config, a .keras archive's
 * config.json): its ranges point into text that is nowhere in the file, so every range goes to the top.
 */
export function atFileTop(analysis: FrontEndResult): FrontEndResult {
  const moved = (ds: readonly ModelDiagnostic[]) => ds.map((d) => ({ ...d, range: fileTop }));
  return {
    ...analysis,
    diagnostics: moved(analysis.diagnostics),
    models: analysis.models.map((m) => ({
      ...m,
      range: fileTop,
      diagnostics: moved(m.diagnostics),
      ...(m.incomplete ? { incomplete: { ...m.incomplete, range: fileTop } } : {}),
    })),
  };
}

/** A front-end's failure to read a document at all: no model, and one error saying why. */
export function unreadable(file: string, message: string, range: SourceRange = fileTop): FrontEndResult {
  return { file, models: [], diagnostics: [{ severity: 'error', message, range }], steps: 0 };
}

/**
 * A file's name as a person reads it: below an installed-packages folder from the package on
 * (`torchvision/models/resnet.py`), beside the analysed file by its name, else as given.
 */
export function shortPath(file: string, beside: string): string {
  const packages = /[\\/](?:site|dist)-packages[\\/]/.exec(file);
  if (packages) return file.slice(packages.index + packages[0].length);
  const dir = beside.slice(0, Math.max(beside.lastIndexOf('/'), beside.lastIndexOf('\\')) + 1);
  return dir && file.startsWith(dir) ? file.slice(dir.length) : file;
}

/**
 * A model whose output shape was guessed through a layer CNN Lens does not know is not complete
 * either: the verdict names that layer, at its call (or, inside another file, at `fallback`).
 */
export function guessedOutput(analysis: ShapeAnalysis, fallback: SourceRange, file: string): Incompleteness | undefined {
  const node = analysis.outputGuessedAfter;
  if (!node) return undefined;
  const called = node.calledAt;
  const reason = `its output shape is a guess after ${unknownLayer(node)}`;
  if (called && !called.uri) return { reason, range: called };
  const at = called?.uri ? `${shortPath(called.uri, file)}:${called.start.line + 1}` : undefined;
  return { reason: at ? `${reason} (in ${at})` : reason, range: fallback, at };
}

/** A file's analysis as it arrives from a worker thread (plain data), with its methods back. */
export function reviveFileAnalysis(cloned: FileAnalysis): FileAnalysis {
  for (const m of cloned.models) reviveShapeAnalysis(m.analysis);
  return cloned;
}
