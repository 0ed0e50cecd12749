/**
 * The graph preview manager, modelled on VS Code's Markdown preview: one dynamic preview that
 * follows the active editor (or is locked to its document), restored after a window reload by a
 * WebviewPanelSerializer rather than kept alive with retainContextWhenHidden. The webview asks
 * for a snapshot with `ready`; edits arrive as debounced snapshot updates.
 */
import * as vscode from 'vscode';
import type { FromGraphWebview, ToGraphWebview } from '../core/protocol/messages';
import { AnalysisService } from './analysisService';
import { layerDefinition, layersAtLine, snapshotFor } from './snapshots';
import { renderWebviewHtml, webviewOptions } from './webviewHtml';

export const graphPreviewViewType = 'cnnLens.graphPreview';
const updateDelayMs = 50;

interface PersistedState {
  readonly uri?: string;
  /** Locked to that document instead of following the active editor. */
  readonly locked?: boolean;
}

export class GraphPreviewManager implements vscode.Disposable, vscode.WebviewPanelSerializer<PersistedState> {
  private panel: vscode.WebviewPanel | undefined;
  private document: vscode.TextDocument | undefined;
  private pendingUpdate: ReturnType<typeof setTimeout> | undefined;
  /** Like the Markdown preview's lock: a locked preview stays on its document when the editor changes. */
  private locked = false;
  private readonly exportWaiters: ((m: { format: 'svg' | 'png'; data: string }) => void)[] = [];
  private readonly disposables: vscode.Disposable[] = [];

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly service: AnalysisService,
  ) {
    this.disposables.push(
      vscode.window.registerWebviewPanelSerializer(graphPreviewViewType, this),
      vscode.window.onDidChangeActiveTextEditor((editor) => editor && !this.locked && this.follow(editor.document)),
      // Redraw when a new analysis of the shown document is ready (the service debounces typing).
      service.onDidAnalyse(
        (a) => !!this.document && a.uri === AnalysisService.keyOf(this.document) && this.scheduleUpdate(),
      ),
      vscode.window.onDidChangeTextEditorSelection((e) => this.highlightAt(e.textEditor)),
    );
  }

  /** Opens (or moves) the preview for `document`; an explicit open moves even a locked preview. */
  show(document: vscode.TextDocument, toSide: boolean): void {
    const column = toSide ? vscode.ViewColumn.Beside : vscode.ViewColumn.Active;
    if (this.panel) {
      this.panel.reveal(column, toSide);
    } else {
      const panel = vscode.window.createWebviewPanel(
        graphPreviewViewType,
        '',
        { viewColumn: column, preserveFocus: toSide },
        webviewOptions(this.extensionUri),
      );
      this.attach(panel);
    }
    this.follow(document);
  }

  async deserializeWebviewPanel(panel: vscode.WebviewPanel, state: PersistedState | undefined): Promise<void> {
    this.attach(panel);
    this.setLocked(state?.locked ?? false);
    const notebook = vscode.workspace.notebookDocuments.find((n) => n.uri.toString() === state?.uri);
    const document = state?.uri
      ? (notebook?.cellAt(0).document ?? vscode.workspace.textDocuments.find((d) => d.uri.toString() === state.uri))
      : vscode.window.activeTextEditor?.document;
    if (document) this.follow(document);
  }

  /** Locks the preview to its document, or lets it follow the active editor again. */
  toggleLock(): void {
    if (!this.panel) {
      void vscode.window.showInformationMessage('CNN Lens: open the graph preview first.');
      return;
    }
    this.setLocked(!this.locked);
    const active = vscode.window.activeTextEditor?.document;
    if (!this.locked && active) this.follow(active);
  }

  private setLocked(locked: boolean): void {
    this.locked = locked;
    void vscode.commands.executeCommand('setContext', 'cnnLens.previewLocked', locked);
    this.post({ type: 'locked', locked });
    this.retitle();
  }

  private retitle(): void {
    const uri = this.document && (AnalysisService.notebookOf(this.document)?.uri ?? this.document.uri);
    if (this.panel && uri) this.panel.title = `${this.locked ? '[Locked] ' : ''}Graph: ${uri.path.split('/').pop()}`;
  }

  /** Asks the webview for its drawing; resolves with the SVG text or a PNG data URL. */
  exportDrawing(format: 'svg' | 'png'): Promise<string> {
    if (!this.panel) return Promise.reject(new Error('Open the graph preview first.'));
    return new Promise((resolve) => {
      this.exportWaiters.push((m) => m.format === format && resolve(m.data));
      this.post({ type: 'requestExport', format });
    });
  }

  private attach(panel: vscode.WebviewPanel): void {
    this.panel = panel;
    panel.webview.options = webviewOptions(this.extensionUri);
    panel.iconPath = vscode.Uri.joinPath(this.extensionUri, 'media', 'icon.svg');
    panel.webview.html = renderWebviewHtml(panel.webview, this.extensionUri, {
      bundle: 'graph',
      title: 'CNN Lens graph',
      worker: 'graphLayout.js',
    });
    panel.webview.onDidReceiveMessage((m: FromGraphWebview) => this.onMessage(m), null, this.disposables);
    panel.onDidDispose(
      () => {
        this.panel = undefined;
        this.document = undefined;
        this.setLocked(false);
      },
      null,
      this.disposables,
    );
  }

  private follow(document: vscode.TextDocument): void {
    if (!this.panel || !isModelDocument(document)) return;
    this.document = document;
    this.retitle();
    this.post({ type: 'snapshot', snapshot: snapshotFor(document, this.service) });
  }

  private scheduleUpdate(): void {
    clearTimeout(this.pendingUpdate);
    this.pendingUpdate = setTimeout(
      () => this.document && this.post({ type: 'snapshot', snapshot: snapshotFor(this.document, this.service) }),
      updateDelayMs,
    );
  }

  private onMessage(message: FromGraphWebview): void {
    switch (message.type) {
      case 'ready':
        if (this.document) this.post({ type: 'snapshot', snapshot: snapshotFor(this.document, this.service) });
        break;
      case 'exported':
        for (const waiter of this.exportWaiters.splice(0)) waiter(message);
        break;
      case 'revealLayer':
        void this.reveal(message.uri, message.layerId);
        break;
      case 'export':
        void vscode.commands.executeCommand(message.format === 'svg' ? 'cnnLens.exportSvg' : 'cnnLens.exportPng');
        break;
    }
  }

  /** Selects a clicked layer's definition (or, for a functional op, its call) in the editor. */
  private async reveal(uri: string, layerId: string): Promise<void> {
    const found = layerDefinition(this.service, uri, layerId);
    if (!found) return;
    const { document, range } = found;
    const column =
      vscode.window.visibleTextEditors.find((e) => e.document === document)?.viewColumn ?? vscode.ViewColumn.One;
    // The selection change this causes comes back as a highlight of the same layer: no loop.
    const editor = await vscode.window.showTextDocument(document, {
      viewColumn: column,
      selection: range,
      preserveFocus: false,
    });
    // Cursor at the start of the definition, where the line index finds it, so the highlight that
    // comes back for the new selection still holds the clicked layer.
    editor.selection = new vscode.Selection(range.end, range.start);
  }

  /** Opens the preview beside `document` and selects the layers of `line` in it (hover's Reveal in Graph). */
  revealLine(document: vscode.TextDocument, line: number): void {
    this.show(document, true);
    const ids = layersAtLine(this.service, document, line);
    if (ids.length) this.post({ type: 'focusLayer', uri: AnalysisService.keyOf(document), layerIds: ids });
  }

  /** Highlights, in the preview, the layers called or defined on the editor's current line. */
  private highlightAt(editor: vscode.TextEditor): void {
    if (
      !this.panel ||
      !this.document ||
      AnalysisService.keyOf(editor.document) !== AnalysisService.keyOf(this.document)
    )
      return;
    // In a notebook the cursor may be in another cell than the one the preview last followed.
    if (editor.document !== this.document && !this.locked) this.follow(editor.document);
    const ids = layersAtLine(this.service, editor.document, editor.selection.active.line);
    this.post({ type: 'highlight', uri: AnalysisService.keyOf(editor.document), layerIds: ids });
  }

  private post(message: ToGraphWebview): void {
    void this.panel?.webview.postMessage(message);
  }

  dispose(): void {
    clearTimeout(this.pendingUpdate);
    this.panel?.dispose();
    for (const d of this.disposables.splice(0)) d.dispose();
  }
}

/** Documents the preview follows: Python source and models saved as JSON (binary files have their own viewer). */
export function isModelDocument(document: vscode.TextDocument): boolean {
  return document.languageId === 'python' || /\.json$/i.test(document.uri.path);
}
