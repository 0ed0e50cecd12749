/**
 * The extension's analysis service: one analysis per document version, computed in the analysis
 * worker after a short pause in typing (never on the keystroke itself), cached, and read by every
 * provider — hovers, inlay hints, CodeLens, Problems, the status bar and the graph preview never
 * parse or evaluate anything themselves. A newer version calls off the analysis still running for
 * the older one. Half-typed code that yields no model keeps the last good analysis, marked stale.
 * Editing a file that an analysed document imports re-analyses that document. Python source, models
 * saved as JSON, and Jupyter notebooks go through the same cache to the same views: a notebook is
 * analysed whole (its code cells as one program, re-analysed when a cell is edited, added, moved or
 * removed), and each cell's document is given a view of that analysis in the cell's own lines.
 */
import * as vscode from 'vscode';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { AnalysisWorkerClient } from './analysisWorkerClient';
import type { Dim } from '../core/ir/dims';
import type { SourceRange } from '../core/ir/graph';
import type { FormatId } from '../core/analysis/formats';
import type { Notebook, NotebookCell } from '../core/frontends/notebook';
import type { FileAnalysis, LayerIndex as LayerIndexType, ModelResult } from './engine';

type Engine = typeof import('./engine');
let engine: Engine | undefined;
/** The engine bundle (parser, evaluator, rules), loaded on the first analysis only. */
export function loadEngine(): Engine {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (engine ??= require('./engine.js') as Engine);
}

export interface DocumentAnalysis {
  /** The analysed document: a file's uri, or for a notebook's cells the notebook's. */
  readonly uri: string;
  readonly version: number;
  readonly result: FileAnalysis;
  /** One line index per model, for hovers and inlay hints. */
  readonly indexes: ReadonlyMap<ModelResult, LayerIndexType>;
  /** True when this is an older analysis kept because the current text does not analyse. */
  readonly stale: boolean;
  readonly elapsedMs: number;
  /** Files read while analysing (imports), for re-analysis when one changes. */
  readonly dependencies: ReadonlySet<string>;
  /** A view of a notebook's analysis for one cell's document: ranges with this `cell` are its lines. */
  readonly cell?: number;
}

/** A range on the lines of the document (or notebook cell) `analysis` is shown in, not in another file or cell. */
export function isHere(analysis: DocumentAnalysis, range: SourceRange | undefined): range is SourceRange {
  return !!range && !range.uri && range.cell === analysis.cell;
}

/** What is analysed: a text document (Python, model JSON), or a notebook as a whole. */
type Target = { readonly document: vscode.TextDocument } | { readonly notebook: vscode.NotebookDocument };

const debounceMs = 300;
const maxFileBytes = 10 * 1024 * 1024;
/** A saved output item larger than this is an image or a log, never a model summary: it is not decoded. */
const maxOutputItemBytes = 1024 * 1024;
const stdoutMime = 'application/vnd.code.notebook.stdout';

export class AnalysisService implements vscode.Disposable {
  private readonly cache = new Map<string, DocumentAnalysis>();
  private readonly timers = new Map<string, ReturnType<typeof setTimeout>>();
  private readonly changed = new vscode.EventEmitter<DocumentAnalysis>();
  readonly onDidAnalyse = this.changed.event;
  private readonly disposables: vscode.Disposable[] = [];
  /** The worker thread that analyses (and keeps the package modules it evaluated). */
  private worker: AnalysisWorkerClient | undefined;
  private readonly running = new Map<
    string,
    { version: number; done: Promise<DocumentAnalysis | undefined>; cancel(): void }
  >();
  /** A notebook's version for analyses: bumped on every change to it or to one of its cells. */
  private readonly notebookVersions = new Map<string, number>();
  /** Per-cell views of notebook analyses, made when a cell's provider first asks. */
  private readonly cellViews = new WeakMap<DocumentAnalysis, Map<number, DocumentAnalysis>>();
  private searchPaths: string[] = [];
  private searchPathsAsked = false;

  constructor(private readonly log: vscode.LogOutputChannel) {
    this.disposables.push(
      this.changed,
      vscode.workspace.onDidOpenTextDocument((d) => this.scheduleDocument(d, 0)),
      vscode.workspace.onDidChangeTextDocument((e) => {
        if (!e.contentChanges.length) return;
        this.scheduleDocument(e.document, debounceMs);
        this.reanalyseDependents(e.document.uri.fsPath);
      }),
      vscode.workspace.onDidSaveTextDocument((d) => this.reanalyseDependents(d.uri.fsPath)),
      vscode.workspace.onDidCloseTextDocument((d) => d.uri.scheme !== cellScheme && this.forget(d.uri.toString())),
      vscode.workspace.onDidOpenNotebookDocument((n) => this.schedule({ notebook: n }, 0)),
      // Cells added, removed or moved, and outputs changed; a cell's text edits come as text changes.
      vscode.workspace.onDidChangeNotebookDocument((e) => this.schedule({ notebook: e.notebook }, debounceMs)),
      vscode.workspace.onDidCloseNotebookDocument((n) => this.forget(n.uri.toString())),
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration('cnnLens')) this.reanalyseAll();
      }),
    );
  }

  private reanalyseAll(): void {
    for (const d of vscode.workspace.textDocuments) if (d.uri.scheme !== cellScheme) this.scheduleDocument(d, 0);
    for (const n of vscode.workspace.notebookDocuments) this.schedule({ notebook: n }, 0);
  }

  /** The notebook a cell's document belongs to. */
  static notebookOf(document: vscode.TextDocument): vscode.NotebookDocument | undefined {
    if (document.uri.scheme !== cellScheme) return undefined;
    return vscode.workspace.notebookDocuments.find(
      (n) => n.uri.path === document.uri.path && n.getCells().some((c) => c.document === document),
    );
  }

  /** The key analyses are cached under: the notebook's uri for its cells, else the document's. */
  static keyOf(document: vscode.TextDocument): string {
    return (AnalysisService.notebookOf(document)?.uri ?? document.uri).toString();
  }

  /** The document of cell `cell` (1-based) of the notebook analysed as `key`. */
  static cellDocument(key: string, cell: number): vscode.TextDocument | undefined {
    const notebook = vscode.workspace.notebookDocuments.find((n) => n.uri.toString() === key);
    return notebook && cell >= 1 && cell <= notebook.cellCount ? notebook.cellAt(cell - 1).document : undefined;
  }

  private scheduleDocument(document: vscode.TextDocument, delay: number): void {
    const notebook = AnalysisService.notebookOf(document);
    if (notebook) this.schedule({ notebook }, delay);
    else if (document.uri.scheme !== cellScheme) this.schedule({ document }, delay);
  }

  /**
   * The current analysis of `document`, if one is ready (possibly for an older version); for a
   * notebook cell, the notebook's analysis seen from that cell.
   */
  get(document: vscode.TextDocument): DocumentAnalysis | undefined {
    const notebook = AnalysisService.notebookOf(document);
    if (!notebook) return this.cache.get(document.uri.toString());
    const whole = this.cache.get(notebook.uri.toString());
    const index = notebook.getCells().findIndex((c) => c.document === document);
    return whole && index >= 0 ? this.cellView(whole, index + 1) : undefined;
  }

  /** A notebook analysis as one cell's document sees it: its line index is of that cell's lines. */
  cellView(whole: DocumentAnalysis, cell: number): DocumentAnalysis {
    const views = this.cellViews.get(whole) ?? new Map<number, DocumentAnalysis>();
    this.cellViews.set(whole, views);
    let view = views.get(cell);
    if (!view) {
      const { LayerIndex } = loadEngine();
      const indexes = new Map(whole.result.models.map((m) => [m, new LayerIndex(m.analysis, cell)]));
      views.set(cell, (view = { ...whole, cell, indexes }));
    }
    return view;
  }

  /** The analysis for exactly this version, computing it now if needed (commands, not typing). */
  async now(document: vscode.TextDocument): Promise<DocumentAnalysis | undefined> {
    const notebook = AnalysisService.notebookOf(document);
    const target: Target = notebook ? { notebook } : { document };
    const cached = this.cache.get(this.key(target));
    if (!cached || cached.version !== this.version(target) || cached.stale) await this.analyse(target);
    return this.get(document);
  }

  static isPython(document: vscode.TextDocument): boolean {
    return document.languageId === 'python' && (AnalysisService.local(document) || document.uri.scheme === cellScheme);
  }

  /**
   * A Keras or TensorFlow.js model saved as JSON (`model.to_json()`, a layers-model `model.json`):
   * a .json whose text names layer classes. Other JSON files are left alone.
   */
  static isModelJson(document: vscode.TextDocument): boolean {
    return (
      /\.json$/i.test(document.uri.path) &&
      AnalysisService.local(document) &&
      /"class_name"\s*:/.test(document.getText(new vscode.Range(0, 0, 400, 0)))
    );
  }

  /** A document this service analyses: Python source or a model saved as JSON. */
  static isAnalysable(document: vscode.TextDocument): boolean {
    return AnalysisService.isPython(document) || AnalysisService.isModelJson(document);
  }

  private static local(document: vscode.TextDocument): boolean {
    return (
      document.uri.scheme === 'file' || document.uri.scheme === 'untitled' || document.uri.scheme === 'vscode-remote'
    );
  }

  private key(target: Target): string {
    return ('notebook' in target ? target.notebook.uri : target.document.uri).toString();
  }

  private version(target: Target): number {
    return 'notebook' in target ? (this.notebookVersions.get(this.key(target)) ?? 0) : target.document.version;
  }

  /** A Jupyter notebook (VS Code's own notebook editor, or the Jupyter extension's: both use this type). */
  static isNotebook(notebook: vscode.NotebookDocument): boolean {
    return notebook.notebookType === 'jupyter-notebook' || /\.ipynb$/i.test(notebook.uri.path);
  }

  private schedule(target: Target, delay: number): void {
    if (
      'notebook' in target
        ? !AnalysisService.isNotebook(target.notebook)
        : !AnalysisService.isAnalysable(target.document)
    )
      return;
    const key = this.key(target);
    if ('notebook' in target) this.notebookVersions.set(key, (this.notebookVersions.get(key) ?? 0) + 1);
    // The analysis of an older version is no longer wanted: the worker stops it at its next check.
    const running = this.running.get(key);
    if (running && running.version !== this.version(target)) running.cancel();
    clearTimeout(this.timers.get(key));
    this.timers.set(
      key,
      setTimeout(() => {
        this.timers.delete(key);
        // A newer edit may have arrived while this one waited: analyse what is there now.
        void this.analyse(target);
      }, delay),
    );
  }

  /**
   * Analyses the target's current text in the worker. An answer for a version that is no longer
   * current is dropped (the newer version's analysis is already scheduled).
   */
  private analyse(target: Target): Promise<DocumentAnalysis | undefined> {
    const key = this.key(target);
    const version = this.version(target);
    const running = this.running.get(key);
    if (running && running.version === version) return running.done;
    running?.cancel();
    let cancel = () => {};
    const done = this.analyseNow(target, version, (c) => (cancel = c));
    this.running.set(key, { version, done, cancel: () => cancel() });
    void done.finally(() => {
      if (this.running.get(key)?.done === done) this.running.delete(key);
    });
    return done;
  }

  private async analyseNow(
    target: Target,
    version: number,
    onCancel: (cancel: () => void) => void,
  ): Promise<DocumentAnalysis | undefined> {
    const key = this.key(target);
    const document = 'document' in target ? target.document : undefined;
    if (document?.isClosed || ('notebook' in target && target.notebook.isClosed)) return undefined;
    const uri = 'notebook' in target ? target.notebook.uri : target.document.uri;
    // Read in slices: a 20 MB notebook's first read would otherwise hold the host for ~30 ms.
    const wanted = () => this.version(target) === version;
    const notebook = 'notebook' in target ? await notebookCells(target.notebook, wanted) : undefined;
    if ('notebook' in target && !notebook) return undefined;
    const text = document?.getText() ?? '';
    if (text.length > maxFileBytes) {
      this.log.warn(`${uri.fsPath}: larger than 10 MB, not analysed`);
      return undefined;
    }
    if (!this.searchPathsAsked) {
      // Asked on the first analysis, not at activation; documents are re-analysed when it answers.
      this.searchPathsAsked = true;
      void this.findSearchPaths().then(() => {
        for (const d of vscode.workspace.textDocuments)
          if (this.cache.has(d.uri.toString())) this.scheduleDocument(d, 0);
        for (const n of vscode.workspace.notebookDocuments)
          if (this.cache.has(n.uri.toString())) this.schedule({ notebook: n }, 0);
      });
    }
    const config = vscode.workspace.getConfiguration('cnnLens', uri);
    const started = performance.now();
    this.worker ??= new AnalysisWorkerClient(join(__dirname, 'analysisWorker.js'), (m) => this.log.error(m));
    const kind: FormatId = notebook
      ? 'notebook'
      : document && AnalysisService.isPython(document)
        ? 'python'
        : 'kerasJson';
    const pending = this.worker.request({
      file: uri.fsPath || uri.path,
      version,
      text,
      kind,
      notebook,
      defaultInput: parseShape(config.get<string>('defaultInputShape', '')),
      timeMs: config.get<number>('maxAnalysisTimeMs', 200),
      searchPaths: this.searchPaths,
      workspaceFolders: (vscode.workspace.workspaceFolders ?? []).map((f) => f.uri.fsPath),
      openDocuments: vscode.workspace.textDocuments
        .filter((d) => d !== document && d.uri.scheme !== cellScheme && AnalysisService.isPython(d))
        .map((d) => [d.uri.fsPath, d.getText()] as const),
    });
    onCancel(pending.cancel);
    const response = await pending.response;
    if ('cancelled' in response) {
      this.log.debug(`analysis of ${uri.fsPath} v${version} called off: a newer version is waiting`);
      return this.cache.get(key);
    }
    if ('error' in response) {
      this.log.error(`analysing ${uri.fsPath} failed: ${response.error}`);
      return this.cache.get(key);
    }
    if (this.version(target) !== version || document?.isClosed) return this.cache.get(key);
    const { LayerIndex, reviveFileAnalysis } = loadEngine();
    const result = reviveFileAnalysis(response.result);
    const elapsedMs = performance.now() - started;
    const previous = this.cache.get(key);
    const broken = !result.models.length && result.diagnostics.some((d) => d.severity === 'error');
    // Half-typed code: keep showing the last good models, marked stale, instead of flickering.
    const analysis: DocumentAnalysis =
      broken && previous && previous.result.models.length
        ? { ...previous, version, stale: true, result: { ...previous.result, diagnostics: result.diagnostics } }
        : {
            uri: key,
            version,
            result,
            stale: false,
            elapsedMs,
            dependencies: new Set(response.dependencies),
            // A notebook's lines are its cells': each cell's view builds its own index (cellView).
            indexes: new Map(notebook ? [] : result.models.map((m) => [m, new LayerIndex(m.analysis)])),
          };
    this.cache.set(key, analysis);
    this.log.debug(
      `analysed ${uri.fsPath} v${version} in ${elapsedMs.toFixed(1)} ms ` +
        `(${response.elapsedMs.toFixed(1)} ms in the worker): ${result.models.length} model(s), ${result.steps} steps` +
        (analysis.stale ? ' (kept the last good analysis)' : ''),
    );
    this.changed.fire(analysis);
    return analysis;
  }

  /**
   * A document's analysis for the views that draw synchronously: the cached one, or undefined
   * while the first one is computed (they redraw when onDidAnalyse fires).
   */
  getOrStart(document: vscode.TextDocument): DocumentAnalysis | undefined {
    const cached = this.get(document);
    if (!cached && AnalysisService.isAnalysable(document)) void this.now(document);
    return cached;
  }

  private reanalyseDependents(path: string): void {
    for (const analysis of this.cache.values()) {
      if (!analysis.dependencies.has(path)) continue;
      const document = vscode.workspace.textDocuments.find((d) => d.uri.toString() === analysis.uri);
      const notebook = vscode.workspace.notebookDocuments.find((n) => n.uri.toString() === analysis.uri);
      if (document) this.schedule({ document }, debounceMs);
      else if (notebook) this.schedule({ notebook }, debounceMs);
    }
  }

  private forget(key: string): void {
    clearTimeout(this.timers.get(key));
    this.timers.delete(key);
    this.running.get(key)?.cancel();
    this.cache.delete(key);
    this.notebookVersions.delete(key);
  }

  /** Installed packages (torchvision…) are found through python3's sys.path, asked once, off the UI path. */
  private async findSearchPaths(): Promise<void> {
    const python = vscode.workspace.getConfiguration('python').get<string>('defaultInterpreterPath') || 'python3';
    const paths = await new Promise<string[]>((resolve) => {
      let out = '';
      const child = spawn(python, ['-c', 'import sys; print("\\n".join(p for p in sys.path if p))'], { timeout: 5000 });
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      child.on('error', () => resolve([]));
      child.on('close', () => resolve(out.split('\n').filter((p) => /(site|dist)-packages/.test(p) && existsSync(p))));
    });
    const workspace = (vscode.workspace.workspaceFolders ?? []).map((f) => f.uri.fsPath);
    this.searchPaths = [...workspace, ...paths];
    this.log.info(`absolute imports are searched in: ${this.searchPaths.join(', ') || '(nothing found)'}`);
  }

  dispose(): void {
    for (const t of this.timers.values()) clearTimeout(t);
    this.worker?.dispose();
    for (const d of this.disposables) d.dispose();
  }
}

const cellScheme = 'vscode-notebook-cell';

/**
 * A notebook's cells as the editor holds them, unsaved edits included. Of the outputs only text is
 * read (stdout and text/plain, where model summaries are printed), and no item over 1 MB: images
 * and long logs are never decoded, so a notebook with 20 MB of outputs costs what its text costs.
 */
const decoder = new TextDecoder();
/** Output text decoded once per output item: a keystroke re-sends the cells, not re-decodes their logs. */
const decodedOutputs = new WeakMap<Uint8Array, string>();
function outputText(data: Uint8Array): string {
  let text = decodedOutputs.get(data);
  if (text === undefined) decodedOutputs.set(data, (text = decoder.decode(data)));
  return text;
}

/** The longest the host reads a notebook's cells before it lets other work (typing, hovers) run. */
const readSliceMs = 2;
const nextTask = () => new Promise<void>((resolve) => setImmediate(resolve));

/** The notebook's cells, read a slice at a time; undefined when a newer version made it unwanted meanwhile. */
async function notebookCells(notebook: vscode.NotebookDocument, wanted: () => boolean): Promise<Notebook | undefined> {
  const cells: NotebookCell[] = [];
  let sliceStart = performance.now();
  for (const [i, cell] of notebook.getCells().entries()) {
    if (performance.now() - sliceStart > readSliceMs) {
      await nextTask();
      if (!wanted() || notebook.isClosed) return undefined;
      sliceStart = performance.now();
    }
    cells.push(notebookCell(cell, i));
  }
  return { nbformat: 4, cells };
}

/** One cell: its text, and its text outputs only when they hold a model summary (the saved-output check). */
function notebookCell(c: vscode.NotebookCell, i: number): NotebookCell {
  const { SUMMARY_MARKER } = loadEngine();
  const code = c.kind === vscode.NotebookCellKind.Code;
  const isText = (item: vscode.NotebookCellOutputItem) =>
    (item.mime === stdoutMime || item.mime === 'text/plain') && item.data.byteLength <= maxOutputItemBytes;
  const texts = !code
    ? []
    : c.outputs.flatMap((o) =>
        o.items.filter(isText).map((item) => ({ stream: item.mime === stdoutMime, text: outputText(item.data) })),
      );
  // Only a cell that printed a summary needs its outputs in the worker; training logs stay here.
  const outputs = !texts.some((t) => SUMMARY_MARKER.test(t.text))
    ? []
    : texts.map(({ stream, text }) =>
        stream
          ? { output_type: 'stream', name: 'stdout', text }
          : { output_type: 'display_data', data: { 'text/plain': text } },
      );
  const kind = !code ? 'markdown' : c.document.languageId === 'python' ? 'code' : 'raw';
  return { number: i + 1, kind, source: c.document.getText(), outputs };
}

/** `1,3,224,224` or `(1, 3, 224, 224)` → dims; empty or invalid → undefined. */
export function parseShape(text: string | undefined): Dim[] | undefined {
  const parts = (text ?? '')
    .replace(/[()[\]\s]/g, '')
    .split(',')
    .filter(Boolean);
  if (!parts.length) return undefined;
  const dims = parts.map((p) => (/^(N|None)$/i.test(p) ? 'N' : Number(p)));
  return dims.every((d) => d === 'N' || (Number.isInteger(d) && (d as number) > 0)) ? dims : undefined;
}
