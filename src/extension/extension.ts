/**
 * The extension's entry point: wires the analysis service, the editor providers (hover, inlay
 * hints, CodeLens, Problems, status bar), the graph preview manager and the activations panel to
 * VS Code, and the commands. It stays thin and cheap to activate: the analysis engine (parser,
 * evaluator, rules) is loaded from its own bundle on the first analysis.
 */
import * as vscode from 'vscode';
import { ActivationsPanel } from './activationsPanel';
import { AnalysisService, loadEngine, parseShape } from './analysisService';
import { LayerInlayHints, ModelCodeLens, ModelStatusBar, modelAt } from './editorViews';
import { GraphPreviewManager, isModelDocument } from './graphPreview';
import { LayerHoverProvider } from './hover';
import { ModelFileEditorProvider, modelFileViewType } from './modelFileEditor';
import { ShapeProblems } from './problems';
import { WeightsCheck } from './weightsCheck';
import { WeightsFileEditorProvider } from './weightsFileEditor';

const summaryScheme = 'cnn-lens-summary';
const python: vscode.DocumentSelector = [{ language: 'python' }];
/** Python source, and models saved as JSON (the providers find nothing in other JSON files). */
const modelSources: vscode.DocumentSelector = [{ language: 'python' }, { language: 'json', pattern: '**/*.json' }];

interface ModelArg {
  readonly uri: string;
  readonly model: string;
}

export function activate(context: vscode.ExtensionContext): { activated: true; service: AnalysisService } {
  const log = vscode.window.createOutputChannel('CNN Lens', { log: true });
  const service = new AnalysisService(log);
  const previews = new GraphPreviewManager(context.extensionUri, service);
  const activations = new ActivationsPanel(context.extensionUri, log, service);
  const summaries = new SummaryDocuments(service);
  const problems = new ShapeProblems(service);
  const weights = new WeightsCheck(service, context.workspaceState, log);

  const withModelDocument = (action: (document: vscode.TextDocument) => unknown) => () => {
    const document = activeModelDocument();
    if (!document || !isModelDocument(document)) {
      void vscode.window.showInformationMessage('CNN Lens: open a Python or model file first.');
      return;
    }
    return action(document);
  };
  // A binary model file's preview is its viewer: "Open Graph Preview" on one opens that viewer.
  const openPreview = (toSide: boolean) => () => {
    const file = binaryModelFileInFocus();
    if (file)
      return vscode.commands.executeCommand(
        'vscode.openWith',
        file,
        modelFileViewType,
        toSide ? vscode.ViewColumn.Beside : vscode.ViewColumn.Active,
      );
    return withModelDocument((d) => previews.show(d, toSide))();
  };
  const documentFor = async (arg?: ModelArg) =>
    arg ? vscode.workspace.openTextDocument(vscode.Uri.parse(arg.uri)) : activeModelDocument();
  const exportAs = (format: 'svg' | 'png') => async () => {
    try {
      const data = await previews.exportDrawing(format);
      const target = await vscode.window.showSaveDialog({ filters: { [format.toUpperCase()]: [format] } });
      if (!target) return;
      const bytes =
        format === 'svg'
          ? Buffer.from(data, 'utf8')
          : Buffer.from(data.replace(/^data:image\/png;base64,/, ''), 'base64');
      await vscode.workspace.fs.writeFile(target, bytes);
    } catch (error) {
      void vscode.window.showErrorMessage(`CNN Lens: ${(error as Error).message}`);
    }
  };

  context.subscriptions.push(
    log,
    service,
    previews,
    activations,
    problems,
    weights,
    new ModelStatusBar(service),
    ModelFileEditorProvider.register(context.extensionUri, log),
    WeightsFileEditorProvider.register(context.extensionUri),
    vscode.languages.registerHoverProvider(modelSources, new LayerHoverProvider(service)),
    vscode.languages.registerInlayHintsProvider(python, new LayerInlayHints(service)),
    vscode.languages.registerCodeLensProvider(modelSources, new ModelCodeLens(service)),
    vscode.languages.registerCodeLensProvider(python, weights),
    vscode.languages.registerCodeActionsProvider(python, problems, {
      providedCodeActionKinds: ShapeProblems.providedCodeActionKinds,
    }),
    vscode.workspace.registerTextDocumentContentProvider(summaryScheme, summaries),
    vscode.commands.registerCommand('cnnLens.openPreview', openPreview(false)),
    vscode.commands.registerCommand('cnnLens.openPreviewToSide', openPreview(true)),
    vscode.commands.registerCommand(
      'cnnLens.stepThroughActivations',
      withModelDocument((d) => activations.show(d)),
    ),
    vscode.commands.registerCommand('cnnLens.showSummary', async (arg?: ModelArg) => {
      const document = await documentFor(arg);
      if (document && isModelDocument(document)) await summaries.open(document, arg?.model);
      else void vscode.window.showInformationMessage('CNN Lens: open a Python or model file first.');
    }),
    vscode.commands.registerCommand('cnnLens.setInputShape', async (arg?: ModelArg) =>
      setInputShape(service, await documentFor(arg), arg?.model),
    ),
    vscode.commands.registerCommand('cnnLens.revealInGraph', async (arg?: { uri: string; line: number }) => {
      const document = arg
        ? await vscode.workspace.openTextDocument(vscode.Uri.parse(arg.uri))
        : vscode.window.activeTextEditor?.document;
      if (document && isModelDocument(document))
        previews.revealLine(document, arg?.line ?? vscode.window.activeTextEditor?.selection.active.line ?? 0);
    }),
    vscode.commands.registerCommand('cnnLens.togglePreviewLock', () => previews.toggleLock()),
    vscode.commands.registerCommand('cnnLens.exportSvg', exportAs('svg')),
    vscode.commands.registerCommand('cnnLens.exportPng', exportAs('png')),
  );
  // Documents and notebooks already open when the extension starts.
  for (const document of vscode.workspace.textDocuments)
    if (AnalysisService.isAnalysable(document)) void Promise.resolve().then(() => service.now(document));
  for (const notebook of vscode.workspace.notebookDocuments)
    if (AnalysisService.isNotebook(notebook) && notebook.cellCount)
      void Promise.resolve().then(() => service.now(notebook.cellAt(0).document));
  log.info('CNN Lens activated');
  return { activated: true, service };
}

export function deactivate(): void {}

/**
 * The document a command acts on: the active editor's, else (a notebook's toolbar button, with no
 * cell editor focused) the notebook's selected cell.
 */
function activeModelDocument(): vscode.TextDocument | undefined {
  const text = vscode.window.activeTextEditor?.document;
  if (text) return text;
  const notebook = vscode.window.activeNotebookEditor;
  if (!notebook?.notebook.cellCount) return undefined;
  return notebook.notebook.cellAt(Math.min(notebook.selection.start, notebook.notebook.cellCount - 1)).document;
}

/** The .onnx / .h5 / .keras in the active tab, whether shown in CNN Lens's viewer or opened another way. */
function binaryModelFileInFocus(): vscode.Uri | undefined {
  const input = vscode.window.tabGroups.activeTabGroup.activeTab?.input;
  const uri = input instanceof vscode.TabInputCustom || input instanceof vscode.TabInputText ? input.uri : undefined;
  return uri && /\.(onnx|h5|hdf5|keras)$/i.test(uri.path) ? uri : undefined;
}

/** Writes `# cnn-lens: input=(…)` above a model's definition (above its decorators). */
async function setInputShape(
  service: AnalysisService,
  shown: vscode.TextDocument | undefined,
  modelName?: string,
): Promise<void> {
  if (!shown) return;
  const analysis = await service.now(shown);
  const editor = vscode.window.activeTextEditor;
  const model =
    analysis &&
    (analysis.result.models.find((m) => m.name === modelName) ??
      modelAt(analysis, editor?.document === shown ? editor.selection.active.line : undefined));
  // In a notebook the model may be built in another cell than the one the command came from.
  const document =
    model?.range.cell === undefined ? shown : AnalysisService.cellDocument(analysis!.uri, model.range.cell);
  if (!model || !document) {
    void vscode.window.showInformationMessage('CNN Lens: no model found in this file.');
    return;
  }

  const current = model.inputs[0]?.map((d) => (typeof d === 'number' ? d : 'None')).join(', ') ?? '';
  const answer = await vscode.window.showInputBox({
    title: `Input shape for ${model.name}`,
    prompt: model.framework === 'keras' ? 'N, H, W, C (None for a symbolic batch)' : 'N, C, H, W',
    value: current,
    validateInput: (text) => (parseShape(text) ? undefined : 'comma-separated positive sizes, e.g. 1, 3, 224, 224'),
  });
  const dims = answer && parseShape(answer);
  if (!dims) return;
  let line = model.range.start.line;
  while (line > 0 && /^\s*(@|#\s*cnn-lens:)/.test(document.lineAt(line - 1).text)) line--;
  const indent = /^\s*/.exec(document.lineAt(model.range.start.line).text)![0];
  const comment = `${indent}# cnn-lens: input=(${dims.map((d) => (d === 'N' ? 'None' : d)).join(', ')})`;
  const existing = [...Array(model.range.start.line - line + 1).keys()]
    .map((i) => line + i)
    .find((l) => /#\s*cnn-lens:\s*input=/.test(document.lineAt(l).text));
  const edit = new vscode.WorkspaceEdit();
  if (existing !== undefined) edit.replace(document.uri, document.lineAt(existing).range, comment);
  else edit.insert(document.uri, new vscode.Position(line, 0), `${comment}\n`);
  await vscode.workspace.applyEdit(edit);
}

/** Read-only `cnn-lens-summary:` documents holding a model's summary table. */
class SummaryDocuments implements vscode.TextDocumentContentProvider {
  private readonly sources = new Map<string, { document: vscode.TextDocument; model?: string }>();
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changed.event;

  constructor(private readonly service: AnalysisService) {
    service.onDidAnalyse((a) => {
      for (const [key, source] of this.sources)
        if (AnalysisService.keyOf(source.document) === a.uri) this.changed.fire(vscode.Uri.parse(key));
    });
  }

  async open(document: vscode.TextDocument, model?: string): Promise<void> {
    const name = document.uri.path.split('/').pop();
    const uri = vscode.Uri.from({
      scheme: summaryScheme,
      path: `/${name}${model ? `.${model}` : ''}.summary.txt`,
      query: document.uri.toString(),
    });
    this.sources.set(uri.toString(), { document, model });
    await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(uri), {
      viewColumn: vscode.ViewColumn.Beside,
      preview: true,
    });
  }

  async provideTextDocumentContent(uri: vscode.Uri): Promise<string> {
    const source = this.sources.get(uri.toString());
    if (!source) return 'The source document is no longer open.';
    const analysis = await this.service.now(source.document);
    const models = analysis?.result.models.filter((m) => !source.model || m.name === source.model) ?? [];
    if (!models.length) return `No model found in ${source.document.uri.path.split('/').pop()}.`;
    const { summaryTable } = loadEngine();
    return models.map((m) => summaryTable(m, analysis!.result.file)).join('\n');
  }
}
