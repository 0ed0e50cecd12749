/**
 * The editor's analysis worker: a worker thread that runs the Analysis stage (analyzeDocument) for
 * the extension host, so evaluating a model (and, the first time, the packages it imports) never
 * blocks the host's thread. It keeps one Python program for its life, so torchvision's modules, once
 * evaluated, serve every later analysis of any document. Imports read the editor's unsaved text for
 * open documents (sent with each request) and the disk otherwise. Requests are answered one at a
 * time, in order. The host calls a request off through a flag in memory both threads share (the
 * worker's thread is busy evaluating and reads no messages meanwhile): the evaluator looks at it
 * every thousand steps, and a request already called off when its turn comes is not started.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { dirname, join } from 'node:path';
import { statSync } from 'node:fs';
import { AnalysisCancelled, analyzeDocument } from '../core/analysis/analyzeDocument';
import type { FormatId } from '../core/analysis/formats';
import type { FileAnalysis } from '../core/frontends/modelResult';
import type { Notebook } from '../core/frontends/notebook';
import { PythonProgram } from '../core/frontends/python/analyzePython';
import type { Dim } from '../core/ir/dims';
import { packageFileStamp, readSourceFile } from './sourceFiles';

export interface AnalysisRequest {
  readonly id: number;
  readonly file: string;
  readonly version?: number;
  readonly kind: FormatId;
  readonly text: string;
  /** A notebook's cells as the editor holds them; `text` is then unused. */
  readonly notebook?: Notebook;
  readonly defaultInput?: readonly Dim[];
  readonly timeMs: number;
  readonly searchPaths: readonly string[];
  readonly workspaceFolders: readonly string[];
  /** Open documents' text by path: imports see unsaved edits. */
  readonly openDocuments: readonly (readonly [string, string])[];
}

export type AnalysisResponse =
  | {
      readonly id: number;
      readonly result: FileAnalysis;
      readonly dependencies: readonly string[];
      readonly elapsedMs: number;
    }
  | { readonly id: number; readonly cancelled: true }
  | { readonly id: number; readonly error: string };

/** Slots of the shared cancellation flags: request `id` uses slot `id % cancelSlots`. */
export const cancelSlots = 256;

const program = new PythonProgram();

/** Analyses one request; `cancelled` is asked while it runs. */
export async function analyseRequest(
  request: AnalysisRequest,
  cancelled: () => boolean = () => false,
): Promise<AnalysisResponse> {
  const started = performance.now();
  if (cancelled()) return { id: request.id, cancelled: true };
  const open = new Map(request.openDocuments);
  const dependencies = new Set<string>();
  const source = {
    searchPaths: request.searchPaths,
    read(path: string): string | undefined {
      const text = open.get(path) ?? readSourceFile(path);
      if (text !== undefined) dependencies.add(path);
      return text;
    },
    // An open document may hold unsaved edits: its text is compared, never its file's stamp.
    stamp: (path: string) => (open.has(path) ? undefined : packageFileStamp(path, request.workspaceFolders)),
  };
  const siblingSize = (name: string) => {
    try {
      const stat = statSync(join(dirname(request.file), name));
      return stat.isFile() ? stat.size : undefined;
    } catch {
      return undefined;
    }
  };
  try {
    const result = await analyzeDocument(
      {
        uri: request.file,
        version: request.version,
        kind: request.kind,
        text: request.text,
        notebook: request.notebook,
      },
      { source, program, siblingSize },
      { timeMs: request.timeMs, defaultInput: request.defaultInput },
      cancelled,
    );
    return { id: request.id, result, dependencies: [...dependencies], elapsedMs: performance.now() - started };
  } catch (e) {
    if (e instanceof AnalysisCancelled) return { id: request.id, cancelled: true };
    return { id: request.id, error: e instanceof Error ? `${e.message}\n${e.stack ?? ''}` : String(e) };
  }
}

const flags = workerData?.cancelFlags instanceof SharedArrayBuffer ? new Int32Array(workerData.cancelFlags) : undefined;
let queue: Promise<unknown> = Promise.resolve();
parentPort?.on('message', (request: AnalysisRequest) => {
  const cancelled = () => !!flags && Atomics.load(flags, request.id % cancelSlots) !== 0;
  queue = queue.then(async () => parentPort!.postMessage(await analyseRequest(request, cancelled)));
});
