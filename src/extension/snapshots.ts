/**
 * Turns a document's analysis into the snapshot the webviews draw: the layers of its first (or
 * selected) model with their output shapes. It is the host's only bridge from analyses to views,
 * so the preview and the activations panel never look at text themselves. A notebook cell's
 * snapshot is the notebook's (one reference for all its cells, so a view keeps its state while the
 * cursor moves between cells), and a layer clicked in a view is found in whichever cell defines it.
 */
import * as vscode from 'vscode';
import type { DocumentRef, GraphSnapshot } from '../core/protocol/messages';
import { AnalysisService, loadEngine } from './analysisService';
import { modelAt } from './editorViews';

export function documentRef(document: vscode.TextDocument): DocumentRef {
  const notebook = AnalysisService.notebookOf(document);
  const uri = notebook?.uri ?? document.uri;
  return { uri: uri.toString(), version: notebook?.version ?? document.version, name: uri.path.split('/').pop() ?? '' };
}

export function snapshotFor(document: vscode.TextDocument, service: AnalysisService): GraphSnapshot {
  const ref = documentRef(document);
  const analysis = AnalysisService.isAnalysable(document) ? service.getOrStart(document) : undefined;
  const line =
    vscode.window.activeTextEditor?.document === document
      ? vscode.window.activeTextEditor.selection.active.line
      : undefined;
  const model = analysis && modelAt(analysis, line);
  if (!model) {
    const message = analysis
      ? `No model found in ${ref.name}.`
      : AnalysisService.isAnalysable(document)
        ? `Analysing ${ref.name}…`
        : `${ref.name} is not a file CNN Lens analyses yet.`;
    return { document: ref, layers: [], message };
  }
  return loadEngine().modelSnapshot(model.analysis, ref, `${model.name} (${model.framework})`, model.inputs[0]);
}

/** The layers called or defined on `line` of `document`: what the views highlight for the editor's cursor. */
export function layersAtLine(service: AnalysisService, document: vscode.TextDocument, line: number): string[] {
  const analysis = service.get(document);
  if (!analysis) return [];
  const ids: string[] = [];
  for (const [, index] of analysis.indexes) {
    const found = index.at(line);
    ids.push(...found.calls.map((c) => c.node.id), ...found.definitions.flatMap((d) => d.applications));
  }
  return ids;
}

/** Where a layer is defined in its document (its module's definition, else the call of a functional op). */
export function layerDefinition(
  service: AnalysisService,
  uri: string,
  layerId: string,
): { document: vscode.TextDocument; range: vscode.Range } | undefined {
  const notebook = vscode.workspace.notebookDocuments.find((n) => n.uri.toString() === uri);
  const document = notebook?.cellAt(0).document ?? vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri);
  const analysis = document && service.get(document);
  if (!document || !analysis) return undefined;
  for (const model of analysis.result.models) {
    const node = model.analysis.nodes.get(layerId);
    if (!node) continue;
    const module = node.node.moduleId === undefined ? undefined : model.analysis.graph.modules[node.node.moduleId];
    const target = module?.definedAt && !module.definedAt.uri ? module.definedAt : node.node.calledAt;
    if (!target || target.uri) return undefined;
    const shown = target.cell === undefined ? document : AnalysisService.cellDocument(uri, target.cell);
    if (!shown) return undefined;
    return {
      document: shown,
      range: new vscode.Range(target.start.line, target.start.character, target.end.line, target.end.character),
    };
  }
  return undefined;
}
