/**
 * Inlay hints (`→ 64×56×56` at the end of each layer line, `shapes` or `shapesAndParams`),
 * CodeLens above each model (totals and its commands; an incomplete model says where CNN Lens lost
 * track), and the status-bar item for the model under the cursor. All three read the analysis
 * service's cache and refresh when it changes.
 */
import * as vscode from 'vscode';
import type { Shape } from '../core/ir/dims';
import { AnalysisService, isHere, loadEngine, type DocumentAnalysis } from './analysisService';
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
    // One hint per line. A call line shows what its outermost call returns (`x = act(fc(x))` → the
    // act's output); a line run in a loop says how many times. A definition line shows what the
    // layer produces, or the range of shapes when it is applied several times.
    const calls = new Map<number, { shape: Shape; at: string }[]>();
    const defs = new Map<number, { shapes: Shape[]; params: number }>();
    for (const model of analysis.result.models) {
      for (const r of model.analysis.nodeResults) {
        const where = r.node.calledAt;
        if (!isHere(analysis, where)) continue;
        const list = calls.get(where.end.line) ?? calls.set(where.end.line, []).get(where.end.line)!;
        list.push({
          shape: r.outputShapes[0],
          at: `${where.start.line}:${where.start.character}:${where.end.character}`,
        });
      }
      for (const m of model.analysis.modules) {
        const where = m.module.definedAt;
        if (!isHere(analysis, where)) continue;
        const entry =
          defs.get(where.end.line) ?? defs.set(where.end.line, { shapes: [], params: 0 }).get(where.end.line)!;
        entry.params += (m.trainable ?? 0) + (m.nonTrainable ?? 0);
        for (const id of m.applications) {
          const r = model.analysis.nodes.get(id);
          // Keras writes `layers.Conv2D(…)(x)` on one line: its call already carries the shape.
          if (r && r.node.calledAt?.end.line !== where.end.line) entry.shapes.push(r.outputShapes[0]);
        }
      }
    }
    const hints: vscode.InlayHint[] = [];
    for (let line = range.start.line; line <= Math.min(range.end.line, document.lineCount - 1); line++) {
      const onLine = calls.get(line);
      const def = defs.get(line);
      let shapeText = '';
      if (onLine?.length) {
        // The same call expression evaluated again (a block used N times, a loop): first … last (×N).
        const last = onLine[onLine.length - 1];
        const runs = onLine.filter((c) => c.at === last.at);
        const first = formatShape(runs[0].shape);
        const final = formatShape(last.shape);
        shapeText =
          runs.length === 1
            ? `→ ${final}`
            : first === final
              ? `→ ${final} (×${runs.length})`
              : `→ ${first} … ${final} (×${runs.length})`;
      } else if (def?.shapes.length) {
        const distinct = [...new Set(def.shapes.map((s) => formatShape(s)))];
        shapeText =
          distinct.length === 1
            ? `→ ${distinct[0]}${def.shapes.length > 1 ? ` (×${def.shapes.length})` : ''}`
            : `→ ${distinct[0]} … ${distinct[distinct.length - 1]} (×${def.shapes.length})`;
      }
      const text = [shapeText, mode === 'shapesAndParams' && def?.params ? `${formatCompact(def.params)} params` : '']
        .filter(Boolean)
        .join(' · ');
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
      if (!isHere(analysis, model.range)) return [];
      const range = new vscode.Range(model.range.start.line, 0, model.range.start.line, 0);
      const arg = { uri: document.uri.toString(), model: model.name };
      // In a notebook: whether a summary the notebook saved (model.summary(), torchinfo) agrees.
      const saved = loadEngine().savedOutputNote(analysis.result, model.name);
      return [
        new vscode.CodeLens(range, {
          title: `CNN Lens: ${modelTotals(model)}${analysis.stale ? ' (stale)' : ''}`,
          command: 'cnnLens.showSummary',
          arguments: [arg],
        }),
        ...(saved
          ? [
              new vscode.CodeLens(range, {
                title: saved,
                command: '',
                tooltip: 'compared with the summary this notebook saved when it last ran',
              }),
            ]
          : []),
        new vscode.CodeLens(range, { title: 'Preview', command: 'cnnLens.openPreviewToSide', arguments: [] }),
        new vscode.CodeLens(range, { title: 'Activations', command: 'cnnLens.stepThroughActivations', arguments: [] }),
        new vscode.CodeLens(range, { title: 'Summary', command: 'cnnLens.showSummary', arguments: [arg] }),
        new vscode.CodeLens(range, { title: 'Set Input Shape…', command: 'cnnLens.setInputShape', arguments: [arg] }),
      ];
    });
  }
}

/** `61,706 params · 423 k MACs · 1×1×32×32 → 1×10`, then `incomplete: lost track at line N (why)` if it is. */
export function modelTotals(model: ModelResult): string {
  const { formatShapes, formatCompact, formatInt, incompleteText } = loadEngine();
  const t = model.analysis.totals;
  const params = t.params !== null && t.params < 1e6 ? formatInt(t.params) : formatCompact(t.params);
  const shapes = `${formatShapes(model.inputs)} → ${formatShapes(t.outputShapes)}`;
  const totals = `${params} params · ${formatCompact(t.macs)}MACs · ${shapes}`;
  return model.incomplete ? `${totals} · incomplete: ${incompleteText(model.incomplete, maxLensReason)}` : totals;
}

/** A CodeLens is one line above the code: a long reason is cut (the hover and Problems give it whole). */
const maxLensReason = 80;

/**
 * The model whose definition holds the cursor, else one that calls or defines a layer on the
 * cursor's line (a helper block used by the second model), else the document's first. In a
 * notebook cell: the cell's own, else one whose layers this cell builds (a helper function's cell),
 * else the last one built in a cell above it (a cell that prints or trains a model follows the one
 * it uses), else the notebook's first.
 */
export function modelAt(analysis: DocumentAnalysis, line: number | undefined): ModelResult | undefined {
  const models = analysis.result.models.filter((m) => !m.range.uri);
  const here = models.filter((m) => isHere(analysis, m.range));
  const atLine = here.find((m) => line !== undefined && m.range.start.line <= line && line <= m.range.end.line);
  const uses = (m: ModelResult, onLine: boolean) => {
    const index = analysis.indexes.get(m);
    if (!index || index.empty) return false;
    if (!onLine) return true;
    const found = line === undefined ? undefined : index.at(line);
    return !!found && (found.calls.length > 0 || found.definitions.length > 0);
  };
  const usedHere = atLine ?? models.find((m) => uses(m, true)) ?? here[0];
  if (usedHere) return usedHere;
  const cell = analysis.cell;
  const builtHere = cell === undefined ? undefined : models.find((m) => uses(m, false));
  if (builtHere) return builtHere;
  const above = cell === undefined ? [] : models.filter((m) => m.range.cell !== undefined && m.range.cell < cell);
  return above[above.length - 1] ?? models[0];
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
    const icon = model.incomplete ? 'warning' : 'type-hierarchy';
    this.item.text =
      `$(${icon}) ${model.name}: ${formatCompact(t.params)} params · ${formatCompact(t.macs)}MACs` +
      (model.incomplete ? ' (incomplete)' : '');
    const stale = analysis!.stale ? ' (stale: the current text has errors)' : '';
    this.item.tooltip = `CNN Lens: ${modelTotals(model)}${stale}. Click for the summary.`;
    this.item.show();
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }
}
