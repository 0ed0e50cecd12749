/**
 * Turns an open document into the snapshot the webviews draw. It is the host's only bridge from
 * documents to views, so the preview and the activations panel never look at text themselves.
 * Until the Python and model-file front-ends land, a document yields an empty layer list with a
 * message saying so; the views already handle that case, which they need anyway for files with
 * no model in them.
 */
import * as vscode from 'vscode';
import type { DocumentRef, GraphSnapshot } from '../core/protocol/messages';

export function documentRef(document: vscode.TextDocument): DocumentRef {
  return { uri: document.uri.toString(), version: document.version, name: document.uri.path.split('/').pop() ?? '' };
}

export function snapshotFor(document: vscode.TextDocument): GraphSnapshot {
  return { document: documentRef(document), layers: [], message: `No model analysed in ${documentRef(document).name} yet.` };
}
