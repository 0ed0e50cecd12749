/**
 * The activations panel's host side. It sends the webview the model under the cursor as an
 * activation plan (layers, specs, shapes, weight shapes), the bundled sample images, and, when
 * asked, an image or a weights file from the workspace; it turns the panel's layer selection into
 * an editor selection (which the graph preview follows too) and the editor's cursor into a panel
 * selection. tfjs lives only in the webview. Restored after a reload by a WebviewPanelSerializer
 * from the webview's own saved state, like the graph preview; no `retainContextWhenHidden`.
 */
import * as vscode from 'vscode';
import type { FromActivationsWebview, ImageRef, ToActivationsWebview } from '../core/protocol/messages';
import { AnalysisService, loadEngine } from './analysisService';
import { modelAt } from './editorViews';
import { documentRef, layerDefinition, layersAtLine, snapshotFor } from './snapshots';
import { loadWeightsFile, weightsFileFilters } from './weightFiles';
import { renderWebviewHtml, webviewOptions } from './webviewHtml';

export const activationsViewType = 'cnnLens.activations';
const sampleImages = ['course-vertical-edge.png', 'course-edges-grid.png', 'digit-7.png', 'shapes.png', 'scene.png'];
const maxImageBytes = 20 * 1024 * 1024;

interface PersistedState {
  readonly uri?: string;
}

export class ActivationsPanel implements vscode.Disposable, vscode.WebviewPanelSerializer<PersistedState> {
  private panel: vscode.WebviewPanel | undefined;
  private document: vscode.TextDocument | undefined;
  private pendingUpdate: ReturnType<typeof setTimeout> | undefined;
  private readonly disposables: vscode.Disposable[] = [];

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly log: vscode.LogOutputChannel,
    private readonly service: AnalysisService,
  ) {
    this.disposables.push(
      vscode.window.registerWebviewPanelSerializer(activationsViewType, this),
      // The panel shows the model as it is now: a new analysis of its document rebuilds it.
      service.onDidAnalyse(
        (a) => !!this.document && a.uri === AnalysisService.keyOf(this.document) && this.scheduleUpdate(),
      ),
      vscode.window.onDidChangeTextEditorSelection((e) => this.followCursor(e.textEditor)),
    );
  }

  show(document: vscode.TextDocument): void {
    this.document = document;
    if (!this.panel) {
      this.attach(
        vscode.window.createWebviewPanel(
          activationsViewType,
          'Activations',
          { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true },
          webviewOptions(this.extensionUri),
        ),
      );
    } else {
      this.panel.reveal(vscode.ViewColumn.Beside, true);
      this.sendModel();
    }
    this.panel!.title = `Activations: ${document.uri.path.split('/').pop()}`;
  }

  async deserializeWebviewPanel(panel: vscode.WebviewPanel, state: PersistedState | undefined): Promise<void> {
    const document = state?.uri
      ? await vscode.workspace.openTextDocument(vscode.Uri.parse(state.uri)).then(
          (d) => d,
          () => undefined,
        )
      : undefined;
    this.document = document ?? vscode.window.activeTextEditor?.document;
    this.attach(panel);
    if (this.document) panel.title = `Activations: ${this.document.uri.path.split('/').pop()}`;
  }

  private attach(panel: vscode.WebviewPanel): void {
    this.panel = panel;
    panel.webview.options = webviewOptions(this.extensionUri);
    panel.webview.html = renderWebviewHtml(panel.webview, this.extensionUri, {
      bundle: 'activations',
      title: 'CNN Lens activations',
      allowWasm: true,
    });
    panel.webview.onDidReceiveMessage((m: FromActivationsWebview) => void this.onMessage(m), null, this.disposables);
    panel.onDidDispose(
      () => {
        this.panel = undefined;
        this.document = undefined;
      },
      null,
      this.disposables,
    );
  }

  private scheduleUpdate(): void {
    clearTimeout(this.pendingUpdate);
    this.pendingUpdate = setTimeout(() => this.sendModel(), 300);
  }

  /** The model under the cursor (or the file's first) as a plan, with the layers the views share. */
  private sendModel(): void {
    const document = this.document;
    if (!this.panel || !document) return;
    const images: ImageRef[] = sampleImages.map((name) => ({
      name,
      url: this.panel!.webview.asWebviewUri(vscode.Uri.joinPath(this.extensionUri, 'media', 'images', name)).toString(),
    }));
    const memoryBudgetBytes =
      vscode.workspace.getConfiguration('cnnLens').get<number>('activations.memoryBudgetMB', 512) * 1024 * 1024;
    const analysis = AnalysisService.isAnalysable(document) ? this.service.getOrStart(document) : undefined;
    const line =
      vscode.window.activeTextEditor?.document === document
        ? vscode.window.activeTextEditor.selection.active.line
        : undefined;
    const model = analysis && modelAt(analysis, line);
    if (!model) {
      this.post({
        type: 'model',
        plan: null,
        layers: [],
        images,
        memoryBudgetBytes,
        message: snapshotFor(document, this.service).message ?? 'No model to run.',
      });
      return;
    }
    const ref = documentRef(document);
    const label = `${model.name} (${model.framework})`;
    const plan = loadEngine().activationPlan(model.analysis, ref, label);
    this.post({
      type: 'model',
      plan,
      layers: loadEngine().modelSnapshot(model.analysis, ref, label, model.inputs[0]).layers,
      images,
      memoryBudgetBytes,
    });
  }

  private async onMessage(message: FromActivationsWebview): Promise<void> {
    switch (message.type) {
      case 'ready':
        this.sendModel();
        break;
      case 'backend':
        if (message.error) this.log.warn(`tfjs backend: ${message.error}`);
        this.log.info(`tfjs backend in the activations panel: ${message.name}`);
        break;
      case 'ran':
        this.log.info(
          `activations: built in ${message.buildMs.toFixed(0)} ms, ran ${message.layers} layers ` +
            `in ${message.runMs.toFixed(0)} ms on ${message.backend}`,
        );
        break;
      case 'pickImage':
        await this.pickImage();
        break;
      case 'pickWeights':
        await this.pickWeights();
        break;
      case 'selectLayer':
        await this.revealLayer(message.uri, message.layerId);
        break;
    }
  }

  private async pickImage(): Promise<void> {
    const [file] =
      (await vscode.window.showOpenDialog({
        canSelectMany: false,
        filters: { Images: ['png', 'jpg', 'jpeg'] },
        openLabel: 'Run this image',
      })) ?? [];
    if (!file) return;
    const bytes = await vscode.workspace.fs.readFile(file);
    if (bytes.byteLength > maxImageBytes) {
      void vscode.window.showWarningMessage(
        `CNN Lens: ${file.path.split('/').pop()} is larger than ${maxImageBytes / 1024 / 1024} MB.`,
      );
      return;
    }
    const type = /\.png$/i.test(file.path) ? 'image/png' : 'image/jpeg';
    this.post({
      type: 'image',
      image: {
        name: file.path.split('/').pop() ?? 'image',
        url: `data:${type};base64,${Buffer.from(bytes).toString('base64')}`,
      },
    });
  }

  private async pickWeights(): Promise<void> {
    const [file] =
      (await vscode.window.showOpenDialog({
        canSelectMany: false,
        filters: weightsFileFilters,
        openLabel: 'Load these weights',
      })) ?? [];
    if (!file || !this.document) return;
    const analysis = this.service.get(this.document);
    const line =
      vscode.window.activeTextEditor?.document === this.document
        ? vscode.window.activeTextEditor.selection.active.line
        : undefined;
    const model = analysis && modelAt(analysis, line);
    if (!model) return;
    const plan = loadEngine().activationPlan(model.analysis, documentRef(this.document), model.name);
    try {
      this.post({ type: 'weights', weights: await loadWeightsFile(file, plan) });
    } catch (error) {
      this.post({ type: 'weightsError', message: (error as Error).message });
    }
  }

  /** Selects the layer's definition in the editor; the graph preview highlights it from there. */
  private async revealLayer(uri: string, layerId: string): Promise<void> {
    const found = layerDefinition(this.service, uri, layerId);
    const editor = found && vscode.window.visibleTextEditors.find((e) => e.document === found.document);
    if (!found || !editor) return;
    // Keep focus in the panel (arrow keys keep stepping); the cursor moves to the definition's start.
    editor.selection = new vscode.Selection(found.range.start, found.range.start);
    editor.revealRange(found.range, vscode.TextEditorRevealType.InCenterIfOutsideViewport);
  }

  private followCursor(editor: vscode.TextEditor): void {
    if (
      !this.panel ||
      !this.document ||
      AnalysisService.keyOf(editor.document) !== AnalysisService.keyOf(this.document)
    )
      return;
    const ids = layersAtLine(this.service, editor.document, editor.selection.active.line);
    if (ids.length) this.post({ type: 'highlight', uri: AnalysisService.keyOf(editor.document), layerIds: ids });
  }

  private post(message: ToActivationsWebview): void {
    void this.panel?.webview.postMessage(message);
  }

  dispose(): void {
    clearTimeout(this.pendingUpdate);
    this.panel?.dispose();
    for (const d of this.disposables.splice(0)) d.dispose();
  }
}
