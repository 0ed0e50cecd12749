/**
 * Inlay hints (`→ 64×56×56` at the end of each layer line, `shapes` or `shapesAndParams`),
 * CodeLens above each model (totals and its commands), and the status-bar item for the model
 * under the cursor. All three read the analysis service's cache and refresh when it changes.
 */
import * as vscode from 'vscode';
import type { Shape } from '../core/ir/dims';
import { AnalysisService, loadEngine, type DocumentAnalysis } from './analysisService';
import type { ModelResult } from './engine';

export class LayerInlayHints implements vscode.InlayHintsProvider {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeInlayHints = this.changed.event;

  constructor(private readonly service: AnalysisService) {
    service.onDidAnalyse(() => this.changed.fire());
  }

  provideInlayHints(document: vscode.TextDocument, range: vscode.Range): vscode.InlayHint[] {
    const mode = vscode.workspace.getConfiguration('cnnLens', document.uri).get<string>('inlayHints', 'shapes');
    const analysis = this.service.get(document);
    if (mode === 'off' || !analysis) return [];
    const { formatShape, formatCompact } = loadEngine();
    // One hint per line: the shapes leaving it, and the parameters defined on it.
    const lines = new Map<number, { shapes: Shape[]; params: number }>();
    const at = (line: number) => lines.get(line) ?? lines.set(line, { shapes: [], params: 0 }).get(line)!;
    for (const model of analysis.result.models) {
      for (const r of model.analysis.nodeResults) {
        const where = r.node.calledAt;
        if (!where || where.uri) continue;
        at(where.end.line).shapes.push(r.outputShapes[0]);
      }
      for (const m of model.analysis.modules) {
        const where = m.module.definedAt;
        if (!where || where.uri) continue;
        const entry = at(where.end.line);
        entry.params += (m.trainable ?? 0) + (m.nonTrainable ?? 0);
        if (!m.applications.length) continue;
        const first = model.analysis.nodes.get(m.applications[0]);
        if (first && !lines.get(first.node.calledAt?.end.line ?? -1)?.shapes.length) entry.shapes.push(first.outputShapes[0]);
      }
    }
    const hints: vscode.InlayHint[] = [];
    for (const [line, { shapes, params }] of lines) {
      if (line < range.start.line || line > range.end.line || line >= document.lineCount) continue;
      const distinct = [...new Set(shapes.map((s) => formatShape(s)))];
      // A loop line applies many layers: show where it ends up, and how many, not every step.
      const shapeText = !distinct.length ? '' : distinct.length === 1 ? `→ ${distinct[0]}${shapes.length > 1 ? ` (×${shapes.length})` : ''}` : `→ … ${distinct[distinct.length - 1]} (×${shapes.length})`;
      const text = [shapeText, mode === 'shapesAndParams' && params ? `${formatCompact(params)} params` : ''].filter(Boolean).join(' · ');
      if (!text) continue;
      const hint = new vscode.InlayHint(document.lineAt(line).range.end, ` ${text}`, vscode.InlayHintKind.Type);
      hint.paddingLeft = true;
      hints.push(hint);
    }
    return hints;
  }
}

export class ModelCodeLens implements vscode.CodeLensProvider {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeCodeLenses = this.changed.event;

  constructor(private readonly service: AnalysisService) {
    service.onDidAnalyse(() => this.changed.fire());
  }

  provideCodeLenses(document: vscode.TextDocument): vscode.CodeLens[] {
    const analysis = this.service.get(document);
    if (!analysis) return [];
    return analysis.result.models.flatMap((model) => {
      if (model.range.uri) return [];
      const range = new vscode.Range(model.range.start.line, 0, model.range.start.line, 0);
      const arg = { uri: document.uri.toString(), model: model.name };
      return [
        new vscode.CodeLens(range, { title: `CNN Lens: ${modelTotals(model)}${analysis.stale ? ' (stale)' : ''}`, command: 'cnnLens.showSummary', arguments: [arg] }),
        new vscode.CodeLens(range, { title: 'Preview', command: 'cnnLens.openPreviewToSide', arguments: [] }),
        new vscode.CodeLens(range, { title: 'Activations', command: 'cnnLens.stepThroughActivations', arguments: [] }),
        new vscode.CodeLens(range, { title: 'Summary', command: 'cnnLens.showSummary', arguments: [arg] }),
        new vscode.CodeLens(range, { title: 'Set Input Shape…', command: 'cnnLens.setInputShape', arguments: [arg] }),
      ];
    });
  }
}

/** `61,706 params · 423 k MACs · 1×1×32×32 → 1×10` */
export function modelTotals(model: ModelResult): string {
  const { formatShape, formatCompact, formatInt } = loadEngine();
  const t = model.analysis.totals;
  const params = t.params !== null && t.params < 1e6 ? formatInt(t.params) : formatCompact(t.params);
  return `${params} params · ${formatCompact(t.macs)}MACs · ${model.inputs.map((s) => formatShape(s)).join(', ')} → ${t.outputShapes.map((s) => formatShape(s)).join(', ') || '?'}`;
}

/** The model whose definition holds the cursor, else the file's first. */
export function modelAt(analysis: DocumentAnalysis, line: number | undefined): ModelResult | undefined {
  const models = analysis.result.models.filter((m) => !m.range.uri);
  return models.find((m) => line !== undefined && m.range.start.line <= line && line <= m.range.end.line) ?? models[0];
}

export class ModelStatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('cnnLens.model', vscode.StatusBarAlignment.Right, 100);
  private readonly disposables: vscode.Disposable[] = [this.item];

  constructor(private readonly service: AnalysisService) {
    this.item.name = 'CNN Lens model';
    this.item.command = 'cnnLens.showSummary';
    this.disposables.push(
      service.onDidAnalyse(() => this.update()),
      vscode.window.onDidChangeActiveTextEditor(() => this.update()),
      vscode.window.onDidChangeTextEditorSelection(() => this.update()),
    );
  }

  private update(): void {
    const editor = vscode.window.activeTextEditor;
    const analysis = editor && this.service.get(editor.document);
    const model = analysis && modelAt(analysis, editor.selection.active.line);
    if (!model) {
      this.item.hide();
      return;
    }
    const { formatCompact } = loadEngine();
    const t = model.analysis.totals;
    this.item.text = `$(type-hierarchy) ${model.name}: ${formatCompact(t.params)} params · ${formatCompact(t.macs)}MACs`;
    this.item.tooltip = `CNN Lens: ${modelTotals(model)}${analysis!.stale ? ' (stale: the current text has errors)' : ''}. Click for the summary.`;
    this.item.show();
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }
}
