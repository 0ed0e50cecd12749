/**
 * Turns a document's analysis into the snapshot the webviews draw: the layers of its first (or
 * selected) model with their output shapes. It is the host's only bridge from analyses to views,
 * so the preview and the activations panel never look at text themselves.
 */
import * as vscode from 'vscode';
import type { DocumentRef, GraphSnapshot } from '../core/protocol/messages';
import { AnalysisService, loadEngine } from './analysisService';
import { modelAt } from './editorViews';

export function documentRef(document: vscode.TextDocument): DocumentRef {
  return { uri: document.uri.toString(), version: document.version, name: document.uri.path.split('/').pop() ?? '' };
}

export function snapshotFor(document: vscode.TextDocument, service: AnalysisService): GraphSnapshot {
  const ref = documentRef(document);
  const analysis = AnalysisService.isPython(document) ? service.get(document) ?? service.now(document) : undefined;
  const line = vscode.window.activeTextEditor?.document === document ? vscode.window.activeTextEditor.selection.active.line : undefined;
  const model = analysis && modelAt(analysis, line);
  if (!model) return { document: ref, layers: [], message: analysis ? `No model found in ${ref.name}.` : `${ref.name} is not a file CNN Lens analyses yet.` };
  return loadEngine().modelSnapshot(model.analysis, ref, `${model.name} (${model.framework})`, model.inputs[0]);
}
