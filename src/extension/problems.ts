/**
 * Problems from the analysis: shape mismatches at the call that fails (with the computed value),
 * what the evaluator could not follow (as hints, never errors, for code that may well be valid,
 * led by the place a value was first lost with what followed from it as related information), an
 * incomplete model, syntax errors, and a budget that ran out — all on lines of the document itself,
 * a problem inside an imported file at the line that led there. A quick fix rewrites a wrong `in_channels` /
 * `in_features` / `num_features` in the layer's definition to the value that arrives.
 */
import * as vscode from 'vscode';
import type { ModelProblem } from '../core/analysis/modelProblems';
import type { ModelDiagnostic } from '../core/frontends/modelResult';
import type { SourceRange } from '../core/ir/graph';
import { AnalysisService, isHere, loadEngine, type DocumentAnalysis } from './analysisService';

interface Fix {
  readonly definition: vscode.Range;
  readonly attribute: string;
  readonly value: number;
}

const severities = {
  error: vscode.DiagnosticSeverity.Error,
  warning: vscode.DiagnosticSeverity.Warning,
  info: vscode.DiagnosticSeverity.Hint,
} as const;
/** Where a wrong number sits in a constructor call: its keyword, else its position. */
const positionOf: Record<string, number> = { in_channels: 0, in_features: 0, num_features: 0, num_channels: 1 };
/** A folded cascade lists its first consequences; the rest are counted in the message. */
const maxRelated = 20;

const range = (r: SourceRange) => new vscode.Range(r.start.line, r.start.character, r.end.line, r.end.character);

/** The document a range is in: another file, another cell of the notebook, or the one shown (`here`). */
function placeUri(analysis: DocumentAnalysis, r: SourceRange, here: vscode.Uri): vscode.Uri {
  if (r.uri) return vscode.Uri.file(r.uri);
  if (r.cell !== undefined && r.cell !== analysis.cell)
    return AnalysisService.cellDocument(analysis.uri, r.cell)?.uri ?? here;
  return here;
}

/**
 * Which of a model's problems reach Problems: warnings and errors; of the notes, those that lead a
 * folded cascade (where a value was lost), a layer CNN Lens does not know, and a finding that would
 * be an error were its input certain. Other notes (a branch taken on an unknown condition) stay in
 * the summary, so code that may well be valid is not covered in hints.
 */
function shown(p: ModelProblem): boolean {
  return p.severity !== 'info' || !!p.related?.length || p.code === 'unknown-layer' || !!p.node?.uncertain;
}

export class ShapeProblems implements vscode.Disposable, vscode.CodeActionProvider {
  static readonly providedCodeActionKinds = [vscode.CodeActionKind.QuickFix];
  private readonly collection = vscode.languages.createDiagnosticCollection('cnn-lens');
  private readonly fixes = new WeakMap<vscode.Diagnostic, Fix>();
  private readonly disposables: vscode.Disposable[] = [this.collection];

  constructor(private readonly service: AnalysisService) {
    this.disposables.push(
      service.onDidAnalyse((a) => this.publish(a)),
      vscode.workspace.onDidCloseTextDocument((d) => this.collection.delete(d.uri)),
      vscode.workspace.onDidCloseNotebookDocument((n) =>
        n.getCells().forEach((c) => this.collection.delete(c.document.uri)),
      ),
    );
  }

  /** A notebook's problems go to the cells they are in; a file's to the file. */
  private publish(analysis: DocumentAnalysis): void {
    const notebook = vscode.workspace.notebookDocuments.find((n) => n.uri.toString() === analysis.uri);
    if (!notebook) {
      this.collection.set(vscode.Uri.parse(analysis.uri), this.diagnosticsOf(analysis, vscode.Uri.parse(analysis.uri)));
      return;
    }
    for (const cell of notebook.getCells()) {
      const view = this.service.cellView(analysis, cell.index + 1);
      this.collection.set(
        cell.document.uri,
        cell.kind === vscode.NotebookCellKind.Code ? this.diagnosticsOf(view, cell.document.uri) : [],
      );
    }
  }

  private diagnosticsOf(analysis: DocumentAnalysis, uri: vscode.Uri): vscode.Diagnostic[] {
    const out: vscode.Diagnostic[] = [];
    const seen = new Set<string>();
    const add = (d: vscode.Diagnostic) => {
      const key = `${d.range.start.line}:${d.range.start.character}:${d.message}`;
      if (seen.has(key)) return;
      seen.add(key);
      d.source = 'CNN Lens';
      out.push(d);
    };
    // Ranges carrying a uri are in other files (a cell, other cells): what a problem there led to is
    // shown as related information.
    const location = (r: SourceRange) => new vscode.Location(placeUri(analysis, r, uri), range(r));
    const diagnostic = (d: ModelDiagnostic) => {
      const shown = new vscode.Diagnostic(range(d.range), d.message, severities[d.severity]);
      if (d.related?.length)
        shown.relatedInformation = d.related
          .slice(0, maxRelated)
          .map((r) => new vscode.DiagnosticRelatedInformation(location(r.range), r.message));
      return shown;
    };
    for (const d of analysis.result.diagnostics) if (isHere(analysis, d.range)) add(diagnostic(d));
    if (!analysis.stale) {
      const { modelProblems, incompleteText } = loadEngine();
      for (const model of analysis.result.models) {
        if (model.incomplete && isHere(analysis, model.incomplete.range)) {
          add(
            new vscode.Diagnostic(
              range(model.incomplete.range),
              `${model.name} is incomplete: ${incompleteText(model.incomplete)}`,
              vscode.DiagnosticSeverity.Warning,
            ),
          );
        }
        for (const p of modelProblems(model, analysis.result.file)) {
          if (!isHere(analysis, p.range) || !shown(p)) continue;
          const d = diagnostic(p);
          d.code = p.code;
          const module =
            p.node?.node.moduleId === undefined ? undefined : model.analysis.graph.modules[p.node.node.moduleId];
          if (p.node && module?.definedAt && !module.definedAt.uri) {
            const where = new vscode.Location(placeUri(analysis, module.definedAt, uri), range(module.definedAt));
            d.relatedInformation = [
              new vscode.DiagnosticRelatedInformation(where, `${module.name ?? module.className} is defined here`),
            ];
            if (p.fix && isHere(analysis, module.definedAt))
              this.fixes.set(d, { definition: range(module.definedAt), ...p.fix });
          }
          add(d);
        }
      }
    }
    return out;
  }

  provideCodeActions(
    document: vscode.TextDocument,
    _range: vscode.Range,
    context: vscode.CodeActionContext,
  ): vscode.CodeAction[] {
    const actions: vscode.CodeAction[] = [];
    for (const diagnostic of context.diagnostics) {
      const fix = this.fixes.get(diagnostic);
      const edit = fix && rewriteArgument(document, fix);
      if (!fix || !edit) continue;
      const action = new vscode.CodeAction(`Set ${fix.attribute} to ${fix.value}`, vscode.CodeActionKind.QuickFix);
      action.edit = new vscode.WorkspaceEdit();
      action.edit.replace(document.uri, edit, String(fix.value));
      action.diagnostics = [diagnostic];
      action.isPreferred = true;
      actions.push(action);
    }
    return actions;
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }
}

/** The range of the number to rewrite in `nn.Conv2d(64, 128, 3)` or `nn.Linear(in_features=512, …)`. */
export function rewriteArgument(document: vscode.TextDocument, fix: Fix): vscode.Range | undefined {
  const text = document.getText(fix.definition);
  const base = document.offsetAt(fix.definition.start);
  const keyword = new RegExp(`\\b${fix.attribute}\\s*=\\s*(\\d+)`).exec(text);
  if (keyword) {
    const at = base + keyword.index + keyword[0].length - keyword[1].length;
    return new vscode.Range(document.positionAt(at), document.positionAt(at + keyword[1].length));
  }
  const open = text.indexOf('(');
  const index = positionOf[fix.attribute];
  if (open < 0 || index === undefined) return undefined;
  // Split the top-level arguments after '(' and take the positional one, if it is a plain number.
  let depth = 0;
  let start = open + 1;
  const args: { from: number; to: number }[] = [];
  for (let i = open + 1; i < text.length; i++) {
    const c = text[i];
    if ('([{'.includes(c)) depth++;
    else if (')]}'.includes(c)) {
      if (depth-- === 0) {
        args.push({ from: start, to: i });
        break;
      }
    } else if (c === ',' && depth === 0) {
      args.push({ from: start, to: i });
      start = i + 1;
    }
  }
  const arg = args[index];
  const m = arg && /^(\s*)(\d+)\s*$/.exec(text.slice(arg.from, arg.to));
  if (!m) return undefined;
  const at = base + arg.from + m[1].length;
  return new vscode.Range(document.positionAt(at), document.positionAt(at + m[2].length));
}
