/**
 * A notebook's saved outputs checked against its analysis: a cell that printed a model summary
 * (Keras's `model.summary()`, torchinfo's table, `print(model)`) says what the model was when the
 * notebook last ran. The summary is matched to a model by what the cell printed (`model.summary()`,
 * `summary(Net(), …)`, `print(net)`, a bare `model`), following `model = build()` back to the
 * factory CNN Lens analysed; then its totals are compared with ours. Agreement is a quiet fact for
 * the CodeLens; disagreement is a warning on the cell naming both numbers — the notebook was edited
 * since it ran, or the analysis is wrong, and either is worth knowing. An incomplete model, or a
 * summary that names no total, is not compared: a confident warning needs known numbers on both sides.
 */
import type {
  FileAnalysis,
  ModelDiagnostic,
  ModelResult,
  ParamCounts,
  SavedOutputCheck,
} from '../frontends/modelResult';
import { notebookProgram, type Notebook, type NotebookCell } from '../frontends/notebook';
import { formatInt } from '../shapes/format';
import { cellSummaries, type SavedSummary } from './savedSummary';

const formName: Record<string, string> = {
  keras2: "Keras's model.summary()",
  keras3: "Keras's model.summary()",
  torchinfo: "torchinfo's summary",
  'torch-repr': 'the printed module tree, submodules only',
};

/** The analysis with its notebook's cells, the checks made, and a warning for each disagreement. */
export function checkSavedOutputs(analysis: FileAnalysis, notebook: Notebook): FileAnalysis {
  const cells = cellStarts(notebook);
  const checks: SavedOutputCheck[] = [];
  const warnings: ModelDiagnostic[] = [];
  const code = notebook.cells.filter((c) => c.kind === 'code');
  for (const [i, cell] of code.entries()) {
    if (!cell.outputs.length) continue;
    for (const summary of cellSummaries(cell.outputs)) {
      const subject = subjectOf(cell.source, summary);
      const model = subject && modelFor(subject, code.slice(0, i + 1), analysis.models);
      if (!model || model.incomplete) continue;
      const check = compare(cell, model, summary, subject.line);
      if (!check) continue;
      checks.push(check);
      if (!check.matches) warnings.push(mismatchWarning(check));
    }
  }
  return {
    ...analysis,
    diagnostics: warnings.length ? [...analysis.diagnostics, ...warnings] : analysis.diagnostics,
    notebook: { cells, checks },
  };
}

/** Each code cell's first line in the program analysed. */
const cellStarts = (notebook: Notebook) => notebookProgram(notebook).spans.map(({ cell, line }) => ({ cell, line }));

interface Subject {
  /** A variable or the name called: `model`, `SmallCNN`. */
  readonly name: string;
  /** Its 0-based line in the cell. */
  readonly line: number;
}

/** What the cell printed a summary of: the last `x.summary()`, `summary(x…)`, `print(x)` or bare `x` in it. */
function subjectOf(source: string, summary: SavedSummary): Subject | undefined {
  const patterns =
    summary.form === 'torch-repr'
      ? [/\bprint\(\s*([A-Za-z_]\w*)\s*(?:\(|\))/, /^([A-Za-z_]\w*)\s*(?:#.*)?$/]
      : [/\b([A-Za-z_]\w*)\.summary\(/, /\bsummary\(\s*([A-Za-z_]\w*)/, /^([A-Za-z_]\w*)\s*(?:#.*)?$/];
  const lines = source.split('\n');
  for (let line = lines.length - 1; line >= 0; line--) {
    for (const pattern of patterns) {
      const m = pattern.exec(lines[line]);
      if (m && !['print', 'summary'].includes(m[1])) return { name: m[1], line };
    }
  }
  return summary.modelName ? { name: summary.modelName, line: 0 } : undefined;
}

/** The analysed model `name` stands for: one of that name, else what `name = factory(…)` last bound it to. */
function modelFor(
  subject: Subject,
  cells: readonly NotebookCell[],
  models: readonly ModelResult[],
): ModelResult | undefined {
  const named = (n: string) => models.find((m) => m.name === n);
  const direct = named(subject.name);
  if (direct) return direct;
  const assignment = new RegExp(`^\\s*${subject.name}\\s*=\\s*(?:[\\w.]+\\.)?([A-Za-z_]\\w*)\\s*\\(`, 'm');
  for (let i = cells.length - 1; i >= 0; i--) {
    const bound = [...cells[i].source.matchAll(new RegExp(assignment, 'gm'))].pop();
    if (bound) return named(bound[1]);
  }
  return undefined;
}

function compare(
  cell: NotebookCell,
  model: ModelResult,
  summary: SavedSummary,
  line: number,
): SavedOutputCheck | undefined {
  const t = model.analysis.totals;
  if (summary.total === undefined || t.params === null) return undefined;
  const ours: ParamCounts =
    summary.form === 'torch-repr'
      ? { total: t.params - directParameters(model) }
      : { total: t.params, trainable: t.trainable ?? undefined, nonTrainable: t.nonTrainable ?? undefined };
  const saved: ParamCounts = { total: summary.total, trainable: summary.trainable, nonTrainable: summary.nonTrainable };
  // Split counts are compared where the summary gives them; a printed module tree gives only the total.
  const same = (k: keyof ParamCounts) => saved[k] === undefined || ours[k] === undefined || saved[k] === ours[k];
  const matches = same('total') && (summary.form === 'torch-repr' || (same('trainable') && same('nonTrainable')));
  const range = { start: { line, character: 0 }, end: { line, character: 1 }, cell: cell.number };
  return { cell: cell.number, model: model.name, form: summary.form, saved, ours, matches, range };
}

/** What `nn.Parameter`s held by a module itself (class tokens, position embeddings) add: print(model)
 * lists only submodules, so the printed tree's count leaves them out and ours must too. */
function directParameters(model: ModelResult): number {
  return model.analysis.modules
    .filter((m) => m.module.spec.kind === 'parameter')
    .reduce((sum, m) => sum + (m.trainable ?? 0) + (m.nonTrainable ?? 0), 0);
}

function mismatchWarning(check: SavedOutputCheck): ModelDiagnostic {
  const counts = (c: ParamCounts) =>
    `${formatInt(c.total ?? null)} params` +
    (c.trainable !== undefined && c.nonTrainable !== undefined && c.nonTrainable
      ? ` (${formatInt(c.trainable)} trainable, ${formatInt(c.nonTrainable)} non-trainable)`
      : '');
  return {
    severity: 'warning',
    message:
      `the saved output of this cell (${formName[check.form] ?? check.form}) says ${counts(check.saved)}; ` +
      `CNN Lens counts ${counts(check.ours)} for ${check.model} now. The notebook may have been edited since it ran.`,
    range: check.range,
  };
}

/** `✓ matches the saved output: 23,600,006 params` — what a CodeLens says of a model whose saved summary agrees. */
export function savedOutputNote(analysis: FileAnalysis, model: string): string | undefined {
  const checks = analysis.notebook?.checks.filter((c) => c.model === model) ?? [];
  if (!checks.length) return undefined;
  const last = checks[checks.length - 1];
  return last.matches
    ? `✓ matches the saved output: ${formatInt(last.saved.total ?? null)} params`
    : `✗ the saved output (cell ${last.cell}) says ${formatInt(last.saved.total ?? null)} params`;
}
