/**
 * A `.safetensors` file opened in VS Code shows what it holds instead of "binary file": a
 * read-only view listing every tensor (name, dtype, shape, elements, bytes) with the totals and
 * the file's metadata, the way Netron lists a weights file. Only the header is read, so a
 * multi-gigabyte checkpoint opens at once. The page is plain HTML with no script; checking the
 * file against a model is done from the model's source (CNN Lens: Check Weights Against Model…).
 */
import * as vscode from 'vscode';
import type { SafetensorsHeader } from '../core/frontends/safetensors';
import { loadEngine } from './analysisService';
import { readSafetensorsHeaderFile } from '../node/safetensorsFile';
import { escapeHtml, renderStaticWebviewHtml } from './webviewHtml';

export const weightsFileViewType = 'cnnLens.weightsFile';

class WeightsFileDocument implements vscode.CustomDocument {
  constructor(readonly uri: vscode.Uri, readonly header: SafetensorsHeader | { error: string }) {}
  dispose(): void {}
}

export class WeightsFileEditorProvider implements vscode.CustomReadonlyEditorProvider<WeightsFileDocument> {
  constructor(private readonly extensionUri: vscode.Uri) {}

  static register(extensionUri: vscode.Uri): vscode.Disposable {
    return vscode.window.registerCustomEditorProvider(weightsFileViewType, new WeightsFileEditorProvider(extensionUri), { supportsMultipleEditorsPerDocument: true });
  }

  async openCustomDocument(uri: vscode.Uri): Promise<WeightsFileDocument> {
    const engine = loadEngine();
    try {
      return new WeightsFileDocument(uri, uri.scheme === 'file' ? await readSafetensorsHeaderFile(uri.fsPath, engine.readSafetensorsHeader) : engine.readSafetensorsHeader(await vscode.workspace.fs.readFile(uri)));
    } catch (error) {
      return new WeightsFileDocument(uri, { error: (error as Error).message });
    }
  }

  resolveCustomEditor(document: WeightsFileDocument, panel: vscode.WebviewPanel): void {
    panel.webview.options = { enableScripts: false, localResourceRoots: [vscode.Uri.joinPath(this.extensionUri, 'media')] };
    const name = document.uri.path.split('/').pop() ?? 'weights';
    panel.webview.html = renderStaticWebviewHtml(panel.webview, this.extensionUri, { stylesheet: 'weights.css', title: name, body: pageBody(name, document.header) });
  }
}

function pageBody(name: string, header: SafetensorsHeader | { error: string }): string {
  if ('error' in header) return `<h1>${escapeHtml(name)}</h1><p class="error">This file cannot be read as safetensors: ${escapeHtml(header.error)}</p>`;
  const { formatBytes, formatInt, shapeText, tensorRows } = loadEngine();
  const rows = tensorRows(header);
  const elements = rows.reduce((n, r) => n + r.elements, 0);
  const dtypes = [...new Set(rows.map((r) => r.dtype))].join(', ');
  const metadata = Object.entries(header.metadata);
  return `<h1>${escapeHtml(name)}</h1>
<p class="totals">${formatInt(rows.length)} tensors · ${formatInt(elements)} elements · ${escapeHtml(formatBytes(header.dataLength))} of ${escapeHtml(dtypes || 'no')} data</p>
${metadata.length ? `<dl>${metadata.map(([k, v]) => `<dt>${escapeHtml(k)}</dt><dd>${escapeHtml(v)}</dd>`).join('')}</dl>` : ''}
<p class="hint">To check it against a model, open the model's PyTorch source and run <b>CNN Lens: Check Weights Against Model…</b></p>
<table>
<thead><tr><th>Tensor</th><th>Dtype</th><th>Shape</th><th class="n">Elements</th><th class="n">Bytes</th></tr></thead>
<tbody>
${rows.map((r) => `<tr><td>${escapeHtml(r.name)}</td><td>${r.dtype}</td><td>${escapeHtml(shapeText(r.shape))}</td><td class="n">${formatInt(r.elements)}</td><td class="n">${escapeHtml(formatBytes(r.bytes))}</td></tr>`).join('\n')}
</tbody>
</table>`;
}
