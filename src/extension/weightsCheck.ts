/**
 * Checks a PyTorch state_dict (`.safetensors`, or a `torch.save` checkpoint: `.pt`, `.pth`,
 * `.bin`, `.ckpt`) against the model in the source it belongs to, and keeps checking it as either
 * changes: what `load_state_dict(strict=True)` would reject becomes Problems at the layer
 * definitions concerned (a wrong shape is an error, a missing or extra key a warning), and a
 * CodeLens above the model says whether the file fits. The user links a weights file to a source
 * file with "CNN Lens: Check Weights Against Model…"; the link is kept per workspace. Only the
 * file's index is read (a safetensors header, a checkpoint's zip directory and pickle, read as data
 * and never run), so a multi-gigabyte checkpoint is checked in milliseconds. The matching itself is
 * the core's (weightFit.ts), shared with the activations panel and `cnn-lens summary --weights`.
 */
import * as vscode from 'vscode';
import type { StateDictFit } from '../core/analysis/weightFit';
import { isTorchCheckpoint, readStateDictFile, type StateDictIndex } from '../node/weightsFile';
import { AnalysisService, loadEngine, type DocumentAnalysis } from './analysisService';
import { modelAt } from './editorViews';
import type { ModelResult } from './engine';

interface Link {
  readonly weights: string;
  /** The model the user pointed at; without it, the model the file fits best. */
  readonly model?: string;
}

interface Checked {
  readonly model: ModelResult;
  readonly fit: StateDictFit;
  /** Where in a checkpoint the state_dict was ('' for the saved object itself). */
  readonly path: string;
}

const stateKey = 'cnnLens.weightLinks';

export class WeightsCheck implements vscode.Disposable, vscode.CodeLensProvider {
  private readonly collection = vscode.languages.createDiagnosticCollection('cnn-lens-weights');
  private readonly links: Map<string, Link>;
  private readonly results = new Map<string, Checked | { error: string }>();
  private readonly watchers = new Map<string, vscode.Disposable>();
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeCodeLenses = this.changed.event;
  private readonly disposables: vscode.Disposable[] = [this.collection, this.changed];

  constructor(
    private readonly service: AnalysisService,
    private readonly state: vscode.Memento,
    private readonly log: vscode.LogOutputChannel,
  ) {
    this.links = new Map(Object.entries(state.get<Record<string, Link>>(stateKey, {})));
    for (const [source, link] of this.links) this.watch(source, link);
    this.disposables.push(
      service.onDidAnalyse((a) => {
        if (this.links.has(a.uri) && !a.stale) void this.check(a);
      }),
      // The link stays; its Problems go with the document and come back when it is analysed again.
      vscode.workspace.onDidCloseTextDocument((d) => {
        this.results.delete(d.uri.toString());
        this.collection.delete(d.uri);
      }),
      vscode.commands.registerCommand('cnnLens.checkWeights', (arg?: { uri: string; model?: string }) =>
        this.choose(arg),
      ),
      vscode.commands.registerCommand('cnnLens.clearWeightsCheck', (arg?: { uri: string }) =>
        this.unlink(arg?.uri ?? vscode.window.activeTextEditor?.document.uri.toString()),
      ),
    );
  }

  /** Asks for a .safetensors file, links it to the document's model and reports how it fits. */
  private async choose(arg?: { uri: string; model?: string }): Promise<void> {
    const document = arg
      ? await vscode.workspace.openTextDocument(vscode.Uri.parse(arg.uri))
      : vscode.window.activeTextEditor?.document;
    if (!document || !AnalysisService.isPython(document)) {
      void vscode.window.showInformationMessage('CNN Lens: open the PyTorch source of the model first.');
      return;
    }
    const analysis = await this.service.now(document);
    const editor = vscode.window.activeTextEditor;
    const model =
      arg?.model ??
      (analysis && editor?.document === document ? modelAt(analysis, editor.selection.active.line)?.name : undefined);
    const picked = await vscode.window.showOpenDialog({
      title: 'A PyTorch state_dict: safetensors, or a torch.save checkpoint',
      filters: { 'PyTorch state_dict': ['safetensors', 'pt', 'pth', 'bin', 'ckpt'] },
      canSelectMany: false,
    });
    if (!picked?.[0] || !analysis) return;
    const source = document.uri.toString();
    const link: Link = { weights: picked[0].toString(), model };
    this.links.set(source, link);
    this.watch(source, link);
    await this.save();
    const result = await this.check(analysis);
    const name = fileName(link.weights);
    if ('error' in result) void vscode.window.showErrorMessage(`CNN Lens: ${name}: ${result.error}`);
    else void vscode.window.showInformationMessage(`CNN Lens: ${name} ${verdict(result)}`);
  }

  private async unlink(source: string | undefined): Promise<void> {
    if (!source || !this.links.delete(source)) return;
    this.watchers.get(source)?.dispose();
    this.watchers.delete(source);
    this.results.delete(source);
    this.collection.delete(vscode.Uri.parse(source));
    this.changed.fire();
    await this.save();
  }

  private save(): Thenable<void> {
    return this.state.update(stateKey, Object.fromEntries(this.links));
  }

  /** Re-checks when the weights file is rewritten (a new checkpoint saved over the old one). */
  private watch(source: string, link: Link): void {
    this.watchers.get(source)?.dispose();
    const weights = vscode.Uri.parse(link.weights);
    const watcher = vscode.workspace.createFileSystemWatcher(
      new vscode.RelativePattern(vscode.Uri.joinPath(weights, '..'), fileName(link.weights)),
    );
    const again = () => {
      const document = vscode.workspace.textDocuments.find((d) => d.uri.toString() === source);
      const analysis = document && this.service.get(document);
      if (analysis) void this.check(analysis);
    };
    this.watchers.set(
      source,
      vscode.Disposable.from(
        watcher,
        watcher.onDidChange(again),
        watcher.onDidCreate(again),
        watcher.onDidDelete(again),
      ),
    );
  }

  private async check(analysis: DocumentAnalysis): Promise<Checked | { error: string }> {
    const link = this.links.get(analysis.uri);
    if (!link) return { error: 'no weights file linked' };
    let result: Checked | { error: string };
    try {
      const index = await readStateDict(vscode.Uri.parse(link.weights));
      result = 'error' in index ? index : bestFit(analysis, index, link.model);
    } catch (error) {
      result = { error: (error as Error).message };
    }
    // The document may have changed while the header was read; only the newest analysis reports.
    const document = vscode.workspace.textDocuments.find((d) => d.uri.toString() === analysis.uri);
    if (document && this.service.get(document) !== analysis) return result;
    this.results.set(analysis.uri, result);
    this.publish(analysis, link, result);
    this.changed.fire();
    if ('error' in result) this.log.warn(`weights ${fileName(link.weights)}: ${result.error}`);
    return result;
  }

  private publish(analysis: DocumentAnalysis, link: Link, result: Checked | { error: string }): void {
    const name = fileName(link.weights);
    const uri = vscode.Uri.parse(analysis.uri);
    if ('error' in result) {
      const model = analysis.result.models.find((m) => m.name === link.model) ?? analysis.result.models[0];
      const at = model ? toRange(model.range) : new vscode.Range(0, 0, 0, 0);
      this.collection.set(uri, [
        diagnostic(
          at,
          `${name} cannot be checked: ${result.error}`,
          vscode.DiagnosticSeverity.Warning,
          'weights-unreadable',
        ),
      ]);
      return;
    }
    const { model, fit } = result;
    // One diagnostic per definition line, so layers sharing a definition (a block's conv1 in
    // every block) say it once, naming each key.
    const grouped = new Map<string, { range: vscode.Range; wrong: string[]; missing: string[] }>();
    const at = (nodeId: string) => {
      const range = definitionOf(model, nodeId);
      const key = `${range.start.line}:${range.start.character}`;
      return grouped.get(key) ?? grouped.set(key, { range, wrong: [], missing: [] }).get(key)!;
    };
    const shape = loadEngine().shapeText;
    for (const m of fit.mismatched)
      at(m.tensor.nodeId).wrong.push(
        `${m.tensor.fileKey} is ${shape(m.actual)} in ${name}; the model expects ${shape(m.tensor.shape)}`,
      );
    for (const e of fit.missing) at(e.nodeId).missing.push(e.fileKey);
    const out: vscode.Diagnostic[] = [];
    for (const g of grouped.values()) {
      if (g.wrong.length)
        out.push(diagnostic(g.range, listed(g.wrong, '; '), vscode.DiagnosticSeverity.Error, 'weights-shape'));
      if (g.missing.length)
        out.push(
          diagnostic(
            g.range,
            `${name} has no ${listed(g.missing, ', ')} (load_state_dict(strict=True) would fail)`,
            vscode.DiagnosticSeverity.Warning,
            'weights-missing',
          ),
        );
    }
    if (fit.unexpected.length) {
      const keys = fit.unexpected.map((u) => `${u.key} (${shape(u.shape)})`);
      out.push(
        diagnostic(
          toRange(model.range),
          `${name} holds ${fit.unexpected.length} tensor(s) ${model.name} does not have: ${listed(keys, ', ')}`,
          vscode.DiagnosticSeverity.Warning,
          'weights-unexpected',
        ),
      );
    }
    this.collection.set(uri, out);
  }

  provideCodeLenses(document: vscode.TextDocument): vscode.CodeLens[] {
    const source = document.uri.toString();
    const result = this.results.get(source);
    const link = this.links.get(source);
    if (!result || !link) return [];
    const analysis = this.service.get(document);
    const model =
      'error' in result
        ? (analysis?.result.models.find((m) => m.name === link.model) ?? analysis?.result.models[0])
        : analysis?.result.models.find((m) => m.name === result.model.name);
    if (!model || model.range.uri) return [];
    const name = fileName(link.weights);
    const title =
      'error' in result
        ? `$(warning) ${name}: cannot be read`
        : loadEngine().stateDictFits(result.fit)
          ? `$(check) ${name} fits`
          : `$(error) ${name}: ${misfits(result.fit)}`;
    const range = toRange(model.range).with({ end: toRange(model.range).start });
    return [
      new vscode.CodeLens(range, {
        title,
        command: 'cnnLens.checkWeights',
        arguments: [{ uri: source, model: model.name }],
        tooltip: 'Check against another weights file',
      }),
      new vscode.CodeLens(range, {
        title: 'Stop checking',
        command: 'cnnLens.clearWeightsCheck',
        arguments: [{ uri: source }],
      }),
    ];
  }

  dispose(): void {
    for (const w of this.watchers.values()) w.dispose();
    for (const d of this.disposables) d.dispose();
  }
}

/** The named model if the user chose one, else the PyTorch model in the file the state_dict fits best. */
function bestFit(
  analysis: DocumentAnalysis,
  index: StateDictIndex,
  modelName: string | undefined,
): Checked | { error: string } {
  const candidates = analysis.result.models.filter(
    (m) => !m.range.uri && (modelName === undefined || m.name === modelName),
  );
  if (modelName && !candidates.length) return { error: `no model '${modelName}' in this file any more` };
  const best = loadEngine().bestStateDictFit(candidates, index.tensors);
  return 'error' in best ? best : { ...best, path: index.path };
}

/** The state_dict's index: from disk range by range, or (another file system) from the whole file. */
async function readStateDict(uri: vscode.Uri): Promise<StateDictIndex | { error: string }> {
  const engine = loadEngine();
  if (uri.scheme === 'file') return readStateDictFile(uri.fsPath, engine);
  const bytes = await vscode.workspace.fs.readFile(uri);
  if (!isTorchCheckpoint(uri.path)) {
    const header = engine.readSafetensorsHeader(bytes);
    return 'error' in header ? header : { format: 'safetensors', tensors: header.tensors, path: '' };
  }
  const read = engine.readTorchCheckpoint(engine.bytesSource(bytes));
  return 'error' in read ? read : { format: 'torch', tensors: read.tensors, path: read.path };
}

function definitionOf(model: ModelResult, nodeId: string): vscode.Range {
  const node = model.analysis.nodes.get(nodeId)?.node;
  const module = node?.moduleId === undefined ? undefined : model.analysis.graph.modules[node.moduleId];
  const target =
    module?.definedAt && !module.definedAt.uri
      ? module.definedAt
      : node?.calledAt && !node.calledAt.uri
        ? node.calledAt
        : model.range;
  return toRange(target);
}

const toRange = (r: { start: { line: number; character: number }; end: { line: number; character: number } }) =>
  new vscode.Range(r.start.line, r.start.character, r.end.line, r.end.character);
const fileName = (uri: string) => decodeURIComponent(uri.split('/').pop() ?? uri);
const listed = (items: readonly string[], separator: string) =>
  items.slice(0, 6).join(separator) + (items.length > 6 ? ` and ${items.length - 6} more` : '');

function diagnostic(
  range: vscode.Range,
  message: string,
  severity: vscode.DiagnosticSeverity,
  code: string,
): vscode.Diagnostic {
  const d = new vscode.Diagnostic(range, message, severity);
  d.source = 'CNN Lens weights';
  d.code = code;
  return d;
}

function misfits(fit: StateDictFit): string {
  return [
    fit.mismatched.length && `${fit.mismatched.length} wrong shape${fit.mismatched.length > 1 ? 's' : ''}`,
    fit.missing.length && `${fit.missing.length} missing`,
    fit.unexpected.length && `${fit.unexpected.length} unexpected`,
  ]
    .filter(Boolean)
    .join(', ');
}

function verdict({ model, fit, path }: Checked): string {
  const { formatInt, stateDictFits } = loadEngine();
  const prefix =
    (path ? ` (the state_dict under '${path}')` : '') +
    (fit.prefix ? ` (after stripping the '${fit.prefix}' prefix every key carries)` : '');
  if (stateDictFits(fit))
    return `fits ${model.name}: all ${fit.expected} tensors, ${formatInt(fit.fileElements)} values${prefix}.`;
  return `does not fit ${model.name}: ${misfits(fit)} of ${fit.expected} expected tensors${prefix}. See Problems.`;
}
