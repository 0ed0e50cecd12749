/**
 * The extension's entry point: wires commands, the graph preview manager and the activations
 * panel to VS Code. It stays thin; everything that knows about models lives in src/core, and
 * each view reads from there.
 */
import * as vscode from 'vscode';
import { ActivationsPanel } from './activationsPanel';
import { GraphPreviewManager, isModelDocument } from './graphPreview';
import { snapshotFor } from './snapshots';

const summaryScheme = 'cnn-lens-summary';

export function activate(context: vscode.ExtensionContext): { activated: true } {
  const log = vscode.window.createOutputChannel('CNN Lens', { log: true });
  const previews = new GraphPreviewManager(context.extensionUri);
  const activations = new ActivationsPanel(context.extensionUri, log);
  const summaries = new SummaryDocuments();

  const withModelDocument = (action: (document: vscode.TextDocument) => unknown) => () => {
    const document = vscode.window.activeTextEditor?.document;
    if (!document || !isModelDocument(document)) {
      void vscode.window.showInformationMessage('CNN Lens: open a Python or model file first.');
      return;
    }
    return action(document);
  };
  const exportAs = (format: 'svg' | 'png') => async () => {
    try {
      const data = await previews.exportDrawing(format);
      const target = await vscode.window.showSaveDialog({ filters: { [format.toUpperCase()]: [format] } });
      if (!target) return;
      const bytes = format === 'svg' ? Buffer.from(data, 'utf8') : Buffer.from(data.replace(/^data:image\/png;base64,/, ''), 'base64');
      await vscode.workspace.fs.writeFile(target, bytes);
    } catch (error) {
      void vscode.window.showErrorMessage(`CNN Lens: ${(error as Error).message}`);
    }
  };

  context.subscriptions.push(
    log,
    previews,
    activations,
    vscode.workspace.registerTextDocumentContentProvider(summaryScheme, summaries),
    vscode.commands.registerCommand('cnnLens.openPreview', withModelDocument((d) => previews.show(d, false))),
    vscode.commands.registerCommand('cnnLens.openPreviewToSide', withModelDocument((d) => previews.show(d, true))),
    vscode.commands.registerCommand('cnnLens.stepThroughActivations', withModelDocument((d) => activations.show(d))),
    vscode.commands.registerCommand('cnnLens.showSummary', withModelDocument((d) => summaries.open(d))),
    vscode.commands.registerCommand('cnnLens.exportSvg', exportAs('svg')),
    vscode.commands.registerCommand('cnnLens.exportPng', exportAs('png')),
  );
  log.info('CNN Lens activated');
  return { activated: true };
}

export function deactivate(): void {}

/** Read-only `cnn-lens-summary:` documents holding a model's summary table. */
class SummaryDocuments implements vscode.TextDocumentContentProvider {
  private readonly sources = new Map<string, vscode.TextDocument>();

  async open(document: vscode.TextDocument): Promise<void> {
    const uri = vscode.Uri.from({ scheme: summaryScheme, path: `/${document.uri.path.split('/').pop()}.summary.txt`, query: document.uri.toString() });
    this.sources.set(uri.toString(), document);
    await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(uri), { viewColumn: vscode.ViewColumn.Beside, preview: true });
  }

  provideTextDocumentContent(uri: vscode.Uri): string {
    const source = this.sources.get(uri.toString());
    if (!source) return 'The source document is no longer open.';
    const snapshot = snapshotFor(source);
    return snapshot.layers.length ? snapshot.layers.map((l) => `${l.name}\t${l.kind}\t${l.outputShape?.join('×') ?? '?'}`).join('\n') : (snapshot.message ?? '');
  }
}
