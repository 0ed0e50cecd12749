/**
 * The editor's analysis worker: a worker thread that analyses documents for the extension host,
 * so evaluating a model (and, the first time, the packages it imports) never blocks the host's
 * thread. It keeps one Python program for its life, so torchvision's modules, once evaluated, serve
 * every later analysis of any document. Imports read the editor's unsaved text for open documents
 * (sent with each request) and the disk otherwise. Requests are answered one at a time, in order;
 * the host drops answers for versions that are no longer current.
 */
import { parentPort } from 'node:worker_threads';
import { analyzeKerasJson } from '../core/frontends/kerasJson';
import { tfjsShardDiagnostics } from '../core/frontends/tfjsWeights';
import type { FileAnalysis } from '../core/frontends/modelResult';
import { PythonProgram, analyzePython } from '../core/frontends/python/analyzePython';
import type { Dim } from '../core/ir/dims';
import { packageFileStamp, readSourceFile } from './sourceFiles';
import { withTfjsShardWarnings } from './weightsFile';

export interface AnalysisRequest {
  readonly id: number;
  readonly file: string;
  readonly text: string;
  readonly format: 'python' | 'modelJson';
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
  | { readonly id: number; readonly error: string };

const program = new PythonProgram();

export function analyseRequest(request: AnalysisRequest): AnalysisResponse {
  const started = performance.now();
  const open = new Map(request.openDocuments);
  const dependencies = new Set<string>();
  const host = {
    searchPaths: request.searchPaths,
    read(path: string): string | undefined {
      const text = open.get(path) ?? readSourceFile(path);
      if (text !== undefined) dependencies.add(path);
      return text;
    },
    // An open document may hold unsaved edits: its text is compared, never its file's stamp.
    stamp: (path: string) => (open.has(path) ? undefined : packageFileStamp(path, request.workspaceFolders)),
  };
  try {
    const result =
      request.format === 'python'
        ? analyzePython(request.file, request.text, {
            host,
            defaultInput: request.defaultInput,
            timeMs: request.timeMs,
            program,
          })
        : withTfjsShardWarnings(
            analyzeKerasJson(request.file, request.text, {
              defaultInput: request.defaultInput,
              timeMs: request.timeMs,
            }),
            request.file,
            request.text,
            tfjsShardDiagnostics,
          );
    return { id: request.id, result, dependencies: [...dependencies], elapsedMs: performance.now() - started };
  } catch (e) {
    return { id: request.id, error: e instanceof Error ? `${e.message}\n${e.stack ?? ''}` : String(e) };
  }
}

parentPort?.on('message', (request: AnalysisRequest) => parentPort!.postMessage(analyseRequest(request)));
