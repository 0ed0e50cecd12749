/**
 * The activations panel: a webview that runs a sample image through the model with TensorFlow.js.
 * tfjs lives only in this webview's bundle, never in the extension host. The page reports which
 * tfjs backend it managed to start (webgl on a real GPU, else wasm, else cpu), and the host logs it.
 */
import * as vscode from 'vscode';
import type { FromActivationsWebview, ToActivationsWebview } from '../core/protocol/messages';
import type { AnalysisService } from './analysisService';
import { snapshotFor } from './snapshots';
import { renderWebviewHtml, webviewOptions } from './webviewHtml';

export const activationsViewType = 'cnnLens.activations';

export class ActivationsPanel implements vscode.Disposable {
  private panel: vscode.WebviewPanel | undefined;
  private document: vscode.TextDocument | undefined;

  constructor(private readonly extensionUri: vscode.Uri, private readonly log: vscode.LogOutputChannel, private readonly service: AnalysisService) {}

  show(document: vscode.TextDocument): void {
    this.document = document;
    if (!this.panel) {
      this.panel = vscode.window.createWebviewPanel(activationsViewType, 'Activations', vscode.ViewColumn.Beside, webviewOptions(this.extensionUri));
      this.panel.webview.html = renderWebviewHtml(this.panel.webview, this.extensionUri, { bundle: 'activations', title: 'CNN Lens activations', allowWasm: true });
      this.panel.webview.onDidReceiveMessage((m: FromActivationsWebview) => this.onMessage(m));
      this.panel.onDidDispose(() => (this.panel = undefined));
    } else {
      this.panel.reveal(vscode.ViewColumn.Beside);
      this.post({ type: 'snapshot', snapshot: snapshotFor(document, this.service) });
    }
    this.panel.title = `Activations: ${document.uri.path.split('/').pop()}`;
  }

  private onMessage(message: FromActivationsWebview): void {
    if (message.type === 'ready' && this.document) this.post({ type: 'snapshot', snapshot: snapshotFor(this.document, this.service) });
    if (message.type === 'backend') {
      if (message.error) this.log.warn(`tfjs backend: ${message.error}`);
      this.log.info(`tfjs backend in the activations panel: ${message.name}`);
    }
  }

  private post(message: ToActivationsWebview): void {
    void this.panel?.webview.postMessage(message);
  }

  dispose(): void {
    this.panel?.dispose();
  }
}
