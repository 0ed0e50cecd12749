/**
 * The extension's analysis service: one analysis per document version, computed after a short
 * pause in typing (never on the keystroke itself), cached, and read by every provider — hovers,
 * inlay hints, CodeLens, Problems, the status bar and the graph preview never parse or evaluate
 * anything themselves. Half-typed code that yields no model keeps the last good analysis, marked
 * stale. Editing a file that an analysed document imports re-analyses that document. Python source
 * and models saved as JSON (Keras, TensorFlow.js) go through the same cache to the same views.
 */
import * as vscode from 'vscode';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { AnalysisWorkerClient } from './analysisWorkerClient';
import type { Dim } from '../core/ir/dims';
import type { FileAnalysis, LayerIndex as LayerIndexType, ModelResult } from './engine';

type Engine = typeof import('./engine');
let engine: Engine | undefined;
/** The engine bundle (parser, evaluator, rules), loaded on the first analysis only. */
export function loadEngine(): Engine {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (engine ??= require('./engine.js') as Engine);
}

export interface DocumentAnalysis {
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
}

const debounceMs = 300;
const maxFileBytes = 10 * 1024 * 1024;

export class AnalysisService implements vscode.Disposable {
  private readonly cache = new Map<string, DocumentAnalysis>();
  private readonly timers = new Map<string, ReturnType<typeof setTimeout>>();
  private readonly changed = new vscode.EventEmitter<DocumentAnalysis>();
  readonly onDidAnalyse = this.changed.event;
  private readonly disposables: vscode.Disposable[] = [];
  /** The worker thread that analyses (and keeps the package modules it evaluated). */
  private worker: AnalysisWorkerClient | undefined;
  private readonly running = new Map<string, { version: number; done: Promise<DocumentAnalysis | undefined> }>();
  private searchPaths: string[] = [];
  private searchPathsAsked = false;

  constructor(private readonly log: vscode.LogOutputChannel) {
    this.disposables.push(
      this.changed,
      vscode.workspace.onDidOpenTextDocument((d) => this.schedule(d, 0)),
      vscode.workspace.onDidChangeTextDocument((e) => {
        this.schedule(e.document, debounceMs);
        this.reanalyseDependents(e.document.uri.fsPath);
      }),
      vscode.workspace.onDidSaveTextDocument((d) => this.reanalyseDependents(d.uri.fsPath)),
      vscode.workspace.onDidCloseTextDocument((d) => this.forget(d.uri.toString())),
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration('cnnLens')) for (const d of vscode.workspace.textDocuments) this.schedule(d, 0);
      }),
    );
  }

  /** The current analysis of `document`, if one is ready (possibly for an older version). */
  get(document: vscode.TextDocument): DocumentAnalysis | undefined {
    return this.cache.get(document.uri.toString());
  }

  /** The analysis for exactly this version, computing it now if needed (commands, not typing). */
  async now(document: vscode.TextDocument): Promise<DocumentAnalysis | undefined> {
    const cached = this.get(document);
    if (cached && cached.version === document.version && !cached.stale) return cached;
    return this.analyse(document);
  }

  static isPython(document: vscode.TextDocument): boolean {
    return document.languageId === 'python' && AnalysisService.local(document);
  }

  /**
   * A Keras or TensorFlow.js model saved as JSON (`model.to_json()`, a layers-model `model.json`):
   * a .json whose text names layer classes. Other JSON files are left alone.
   */
  static isModelJson(document: vscode.TextDocument): boolean {
    return /\.json$/i.test(document.uri.path) && AnalysisService.local(document) && /"class_name"\s*:/.test(document.getText(new vscode.Range(0, 0, 400, 0)));
  }

  /** A document this service analyses: Python source or a model saved as JSON. */
  static isAnalysable(document: vscode.TextDocument): boolean {
    return AnalysisService.isPython(document) || AnalysisService.isModelJson(document);
  }

  private static local(document: vscode.TextDocument): boolean {
    return document.uri.scheme === 'file' || document.uri.scheme === 'untitled' || document.uri.scheme === 'vscode-remote';
  }

  private schedule(document: vscode.TextDocument, delay: number): void {
    if (!AnalysisService.isAnalysable(document)) return;
    const key = document.uri.toString();
    clearTimeout(this.timers.get(key));
    this.timers.set(key, setTimeout(() => {
      this.timers.delete(key);
      // A newer edit may have arrived while this one waited: analyse what is there now.
      this.analyse(document);
    }, delay));
  }

  /**
   * Analyses the document's current text in the worker. An answer for a version that is no longer
   * current is dropped (the newer version's analysis is already scheduled).
   */
  private analyse(document: vscode.TextDocument): Promise<DocumentAnalysis | undefined> {
    const key = document.uri.toString();
    const running = this.running.get(key);
    if (running && running.version === document.version) return running.done;
    const done = this.analyseNow(document);
    this.running.set(key, { version: document.version, done });
    void done.finally(() => {
      if (this.running.get(key)?.done === done) this.running.delete(key);
    });
    return done;
  }

  private async analyseNow(document: vscode.TextDocument): Promise<DocumentAnalysis | undefined> {
    if (document.isClosed) return undefined;
    const text = document.getText();
    const key = document.uri.toString();
    const version = document.version;
    if (text.length > maxFileBytes) {
      this.log.warn(`${document.uri.fsPath}: larger than 10 MB, not analysed`);
      return undefined;
    }
    if (!this.searchPathsAsked) {
      // Asked on the first analysis, not at activation; documents are re-analysed when it answers.
      this.searchPathsAsked = true;
      void this.findSearchPaths().then(() => {
        for (const d of vscode.workspace.textDocuments) if (this.cache.has(d.uri.toString())) this.schedule(d, 0);
      });
    }
    const config = vscode.workspace.getConfiguration('cnnLens', document.uri);
    const started = performance.now();
    this.worker ??= new AnalysisWorkerClient(join(__dirname, 'analysisWorker.js'), (m) => this.log.error(m));
    const response = await this.worker.request({
      file: document.uri.fsPath || document.uri.path,
      text,
      format: AnalysisService.isPython(document) ? 'python' : 'modelJson',
      defaultInput: parseShape(config.get<string>('defaultInputShape', '')),
      timeMs: config.get<number>('maxAnalysisTimeMs', 200),
      searchPaths: this.searchPaths,
      workspaceFolders: (vscode.workspace.workspaceFolders ?? []).map((f) => f.uri.fsPath),
      openDocuments: vscode.workspace.textDocuments.filter((d) => d !== document && AnalysisService.isPython(d)).map((d) => [d.uri.fsPath, d.getText()] as const),
    });
    if ('error' in response) {
      this.log.error(`analysing ${document.uri.fsPath} failed: ${response.error}`);
      return this.cache.get(key);
    }
    if (document.isClosed || document.version !== version) return this.cache.get(key);
    const { LayerIndex, reviveFileAnalysis } = loadEngine();
    const result = reviveFileAnalysis(response.result);
    const elapsedMs = performance.now() - started;
    const previous = this.cache.get(key);
    const broken = !result.models.length && result.diagnostics.some((d) => d.severity === 'error');
    // Half-typed code: keep showing the last good models, marked stale, instead of flickering.
    const analysis: DocumentAnalysis = broken && previous && previous.result.models.length
      ? { ...previous, version, stale: true, result: { ...previous.result, diagnostics: result.diagnostics } }
      : { uri: key, version, result, stale: false, elapsedMs, dependencies: new Set(response.dependencies), indexes: new Map(result.models.map((m) => [m, new LayerIndex(m.analysis)])) };
    this.cache.set(key, analysis);
    this.log.debug(`analysed ${document.uri.fsPath} v${version} in ${elapsedMs.toFixed(1)} ms (${response.elapsedMs.toFixed(1)} ms in the worker): ${result.models.length} model(s), ${result.steps} steps${analysis.stale ? ' (kept the last good analysis)' : ''}`);
    this.changed.fire(analysis);
    return analysis;
  }

  /**
   * A document's analysis for the views that draw synchronously: the cached one, or undefined
   * while the first one is computed (they redraw when onDidAnalyse fires).
   */
  getOrStart(document: vscode.TextDocument): DocumentAnalysis | undefined {
    const cached = this.get(document);
    if (!cached && AnalysisService.isAnalysable(document)) void this.analyse(document);
    return cached;
  }

  private reanalyseDependents(path: string): void {
    for (const analysis of this.cache.values()) {
      if (!analysis.dependencies.has(path)) continue;
      const document = vscode.workspace.textDocuments.find((d) => d.uri.toString() === analysis.uri);
      if (document) this.schedule(document, debounceMs);
    }
  }

  private forget(key: string): void {
    clearTimeout(this.timers.get(key));
    this.timers.delete(key);
    this.cache.delete(key);
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

/** `1,3,224,224` or `(1, 3, 224, 224)` → dims; empty or invalid → undefined. */
export function parseShape(text: string | undefined): Dim[] | undefined {
  const parts = (text ?? '').replace(/[()[\]\s]/g, '').split(',').filter(Boolean);
  if (!parts.length) return undefined;
  const dims = parts.map((p) => (/^(N|None)$/i.test(p) ? 'N' : Number(p)));
  return dims.every((d) => d === 'N' || (Number.isInteger(d) && (d as number) > 0)) ? dims : undefined;
}
