/**
 * Binary model files (ONNX, Keras .h5 and Keras 3's .keras archives) open in a read-only custom editor that shows
 * what the graph preview shows for source: the model drawn as volumes or as a graph, with the summary table
 * beside it. The file is read once when opened (bounded by `cnnLens.modelFiles.maxSizeMB`, refused
 * with a message above it), analysed by the core's front-end for its format, and handed to the
 * graph webview as a snapshot; there is no text, so nothing to edit and no source to reveal.
 */
import * as vscode from 'vscode';
import type { FileAnalysis } from '../core/frontends/modelResult';
import type { FromGraphWebview, GraphSnapshot, ToGraphWebview } from '../core/protocol/messages';
import { loadEngine } from './analysisService';
import { readKerasH5 } from './weightFiles';
import { renderWebviewHtml, webviewOptions } from './webviewHtml';

export const modelFileViewType = 'cnnLens.modelFile';

class ModelFileDocument implements vscode.CustomDocument {
  constructor(
    readonly uri: vscode.Uri,
    readonly snapshot: GraphSnapshot,
  ) {}
  dispose(): void {}
}

export class ModelFileEditorProvider implements vscode.CustomReadonlyEditorProvider<ModelFileDocument> {
  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly log: vscode.LogOutputChannel,
  ) {}

  static register(extensionUri: vscode.Uri, log: vscode.LogOutputChannel): vscode.Disposable {
    return vscode.window.registerCustomEditorProvider(
      modelFileViewType,
      new ModelFileEditorProvider(extensionUri, log),
      { supportsMultipleEditorsPerDocument: true },
    );
  }

  async openCustomDocument(uri: vscode.Uri): Promise<ModelFileDocument> {
    return new ModelFileDocument(uri, await this.snapshotOf(uri));
  }

  async resolveCustomEditor(document: ModelFileDocument, panel: vscode.WebviewPanel): Promise<void> {
    panel.webview.options = webviewOptions(this.extensionUri);
    panel.webview.html = renderWebviewHtml(panel.webview, this.extensionUri, {
      bundle: 'graph',
      title: 'CNN Lens model',
      worker: 'graphLayout.js',
    });
    const post = (message: ToGraphWebview) => void panel.webview.postMessage(message);
    panel.webview.onDidReceiveMessage(async (message: FromGraphWebview) => {
      if (message.type === 'ready') post({ type: 'snapshot', snapshot: document.snapshot });
      // The toolbar's Export: the webview draws the file, the host asks where to save it.
      if (message.type === 'export') post({ type: 'requestExport', format: message.format });
      if (message.type === 'exported' && message.data) {
        const base = document.uri.path.replace(/\.[^./]+$/, '');
        const target = await vscode.window.showSaveDialog({
          defaultUri: document.uri.with({ path: `${base}.${message.format}` }),
          filters: { [message.format.toUpperCase()]: [message.format] },
        });
        if (target)
          await vscode.workspace.fs.writeFile(
            target,
            message.format === 'svg'
              ? Buffer.from(message.data, 'utf8')
              : Buffer.from(message.data.replace(/^data:image\/png;base64,/, ''), 'base64'),
          );
      }
    });
  }

  /** The file analysed as the graph preview would draw it, or a snapshot whose message says why not. */
  private async snapshotOf(uri: vscode.Uri): Promise<GraphSnapshot> {
    const name = uri.path.split('/').pop() ?? 'model';
    const ref = { uri: uri.toString(), version: 1, name };
    const capMB = vscode.workspace.getConfiguration('cnnLens').get<number>('modelFiles.maxSizeMB', 512);
    try {
      const { size } = await vscode.workspace.fs.stat(uri);
      if (size > capMB * 1024 * 1024)
        return {
          document: ref,
          layers: [],
          message:
            `${name} is ${(size / 2 ** 20).toFixed(0)} MB, over the ${capMB} MB limit ` +
            '(setting cnnLens.modelFiles.maxSizeMB); not opened.',
        };
      const bytes = await vscode.workspace.fs.readFile(uri);
      const started = performance.now();
      // A file opened once, not typed into: the readers' own 2 s budget, not the typing budget.
      const result: FileAnalysis = await loadEngine().analyzeDocument(
        { uri: uri.fsPath, bytes },
        { readKerasH5 },
        { timeMs: 2000 },
      );
      this.log.info(
        `opened ${name} (${(size / 2 ** 20).toFixed(1)} MB) in ${(performance.now() - started).toFixed(0)} ms: ` +
          `${result.models.length} model(s)`,
      );
      const model = result.models[0];
      // The drawing has no place for a file's warnings yet (a fused BatchNorm, an unknown op): the log keeps them.
      for (const d of model?.diagnostics ?? []) if (d.severity !== 'info') this.log.warn(`${name}: ${d.message}`);
      const problems = result.diagnostics.filter((d) => d.severity === 'error').map((d) => d.message);
      if (!model) return { document: ref, layers: [], message: problems.join(' ') || `No model found in ${name}.` };
      return loadEngine().modelSnapshot(model.analysis, ref, `${model.name} (${model.framework})`, model.inputs[0]);
    } catch (error) {
      return { document: ref, layers: [], message: `Could not open ${name}: ${(error as Error).message}` };
    }
  }
}
