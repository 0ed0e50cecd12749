/**
 * Problems from the analysis: shape mismatches at the call that fails (with the computed value),
 * what the evaluator could not follow (as hints, never errors, for code that may well be valid),
 * syntax errors, and a budget that ran out. A quick fix rewrites a wrong `in_channels` /
 * `in_features` / `num_features` in the layer's definition to the value that arrives.
 */
import * as vscode from 'vscode';
import { AnalysisService, type DocumentAnalysis } from './analysisService';

interface Fix {
  readonly definition: vscode.Range;
  readonly attribute: string;
  readonly value: number;
}

const severities = { error: vscode.DiagnosticSeverity.Error, warning: vscode.DiagnosticSeverity.Warning, info: vscode.DiagnosticSeverity.Hint } as const;
/** Where a wrong number sits in a constructor call: its keyword, else its position. */
const positionOf: Record<string, number> = { in_channels: 0, in_features: 0, num_features: 0, num_channels: 1 };

export class ShapeProblems implements vscode.Disposable, vscode.CodeActionProvider {
  static readonly providedCodeActionKinds = [vscode.CodeActionKind.QuickFix];
  private readonly collection = vscode.languages.createDiagnosticCollection('cnn-lens');
  private readonly fixes = new WeakMap<vscode.Diagnostic, Fix>();
  private readonly disposables: vscode.Disposable[] = [this.collection];

  constructor(private readonly service: AnalysisService) {
    this.disposables.push(
      service.onDidAnalyse((a) => this.publish(a)),
      vscode.workspace.onDidCloseTextDocument((d) => this.collection.delete(d.uri)),
    );
  }

  private publish(analysis: DocumentAnalysis): void {
    const out: vscode.Diagnostic[] = [];
    const range = (r: { start: { line: number; character: number }; end: { line: number; character: number } }) => new vscode.Range(r.start.line, r.start.character, r.end.line, r.end.character);
    const seen = new Set<string>();
    const add = (d: vscode.Diagnostic) => {
      const key = `${d.range.start.line}:${d.range.start.character}:${d.message}`;
      if (seen.has(key)) return;
      seen.add(key);
      d.source = 'CNN Lens';
      out.push(d);
    };
    for (const d of analysis.result.diagnostics) if (!d.range.uri) add(new vscode.Diagnostic(range(d.range), d.message, severities[d.severity]));
    if (!analysis.stale) {
      for (const model of analysis.result.models) {
        for (const d of model.diagnostics) if (!d.range.uri && d.severity !== 'info') add(new vscode.Diagnostic(range(d.range), d.message, severities[d.severity]));
        for (const r of model.analysis.nodeResults) {
          if (!r.node.calledAt || r.node.calledAt.uri) continue;
          for (const d of r.diagnostics) {
            if (d.severity === 'info' && d.code !== 'unknown-layer') continue;
            const diagnostic = new vscode.Diagnostic(range(r.node.calledAt), `${r.node.name ?? r.node.className}: ${d.message}`, severities[d.severity]);
            diagnostic.code = d.code;
            const module = r.node.moduleId === undefined ? undefined : model.analysis.graph.modules[r.node.moduleId];
            if (module?.definedAt && !module.definedAt.uri) {
              diagnostic.relatedInformation = [new vscode.DiagnosticRelatedInformation(new vscode.Location(vscode.Uri.parse(analysis.uri), range(module.definedAt)), `${module.name ?? module.className} is defined here`)];
              if (d.fix) this.fixes.set(diagnostic, { definition: range(module.definedAt), ...d.fix });
            }
            add(diagnostic);
          }
        }
      }
    }
    this.collection.set(vscode.Uri.parse(analysis.uri), out);
  }

  provideCodeActions(document: vscode.TextDocument, _range: vscode.Range, context: vscode.CodeActionContext): vscode.CodeAction[] {
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
