/**
 * The Analysis stage: the one entry point every host calls (the editor's worker, the CLI, the model
 * viewer). It picks the document's format from the registry, has that front-end read it, runs the
 * shape pass once for every model whatever the format, lets the front-end check what needs shapes
 * (a guessed output, a file's declared shapes), and for a notebook checks the summaries its cells
 * saved. It never throws for a document's content: a bug in CNN Lens costs that document's models,
 * said as a diagnostic. A cancelled analysis (a newer version is waiting) is the one exception: it
 * rejects with AnalysisCancelled, for the host to drop.
 */
import { runShapePass } from '../shapes/shapePass';
import type { FileAnalysis, FrontEndResult, ModelResult } from '../frontends/modelResult';
import { unreadable } from '../frontends/modelResult';
import { readPython, type PythonAnalysisOptions } from '../frontends/python/analyzePython';
import { AnalysisCancelled } from '../frontends/python/errors';
import { readKerasJson, type KerasJsonOptions } from '../frontends/kerasJson';
import { readOnnx, type OnnxOptions } from '../frontends/onnx';
import { readKerasH5Model, type KerasH5ModelOptions, type KerasH5Reader } from '../frontends/kerasH5Model';
import { readKerasArchive } from '../frontends/kerasArchive';
import {
  documentText,
  formatOf,
  type AnalysisBudget,
  type AnalysisHost,
  type Cancellation,
  type DocumentInput,
  type FormatId,
  type Reading,
} from './formats';
import { checkSavedOutputs } from './savedOutputs';

export { AnalysisCancelled };

/** A document's analysis, with the format that read it. */
export interface DocumentAnalysisResult extends FileAnalysis {
  readonly format: FormatId;
  readonly version?: number;
}

const top = { start: { line: 0, character: 0 }, end: { line: 0, character: 1 } };

/**
 * Analyses one document: text or bytes in, models with shapes, parameters and diagnostics out.
 * An editor passes a notebook's cells as it holds them (`document.notebook`) instead of the file's JSON.
 */
export async function analyzeDocument(
  document: DocumentInput,
  host: AnalysisHost,
  budget: AnalysisBudget,
  cancelled?: Cancellation,
): Promise<DocumentAnalysisResult> {
  const format = formatOf(document);
  const finish = (reading: Reading) => ({ ...shapeDocument(reading), format: format.id, version: document.version });
  const text = format.binary ? '' : documentText(document);
  if (text === undefined)
    return finish({ result: unreadable(document.uri, `not ${format.description}: the file is not UTF-8 text`, top) });
  const bytes = document.bytes ?? new Uint8Array();
  try {
    return finish(await format.read({ ...document, text, bytes }, host, budget, cancelled));
  } catch (e) {
    if (e instanceof AnalysisCancelled) throw e;
    const why = e instanceof Error ? e.message : String(e);
    return finish({
      result: unreadable(document.uri, `CNN Lens internal error reading ${format.description}: ${why}`),
    });
  }
}

/** A reading with its shapes: the shape pass for every model, then what each format checks on them. */
function shapeDocument(reading: Reading): FileAnalysis {
  const analysis = shapeModels(reading.result);
  return reading.notebook ? checkSavedOutputs(analysis, reading.notebook) : analysis;
}

/** The one place the shape pass runs: each draft's graph through the rules, then the front-end's own checks. */
export function shapeModels(result: FrontEndResult): FileAnalysis {
  const models = result.models.map((draft): ModelResult => {
    const { afterShapes, ...model } = draft;
    const analysis = runShapePass(model.graph);
    const found = afterShapes?.(analysis);
    return {
      ...model,
      analysis,
      diagnostics: found?.diagnostics?.length ? [...model.diagnostics, ...found.diagnostics] : model.diagnostics,
      ...((model.incomplete ?? found?.incomplete) ? { incomplete: model.incomplete ?? found?.incomplete } : {}),
    };
  });
  return { ...result, models };
}

// One format's analysis, for tests, benchmarks and tools that hold a document of a known kind. Each is
// its front-end's reading through the same shape pass as analyzeDocument.

export function analyzePython(file: string, text: string, options: PythonAnalysisOptions): FileAnalysis {
  return shapeModels(readPython(file, text, options));
}

export function analyzeKerasJson(uri: string, text: string, options?: KerasJsonOptions): FileAnalysis {
  return shapeModels(readKerasJson(uri, text, options));
}

export function analyzeOnnx(uri: string, bytes: Uint8Array, options?: OnnxOptions): FileAnalysis {
  return shapeModels(readOnnx(uri, bytes, options));
}

export async function analyzeKerasH5(
  uri: string,
  bytes: Uint8Array,
  reader: KerasH5Reader,
  options?: KerasH5ModelOptions,
): Promise<FileAnalysis> {
  return shapeModels(await readKerasH5Model(uri, bytes, reader, options));
}

export function analyzeKerasArchive(uri: string, bytes: Uint8Array, options?: KerasJsonOptions): FileAnalysis {
  return shapeModels(readKerasArchive(uri, bytes, options));
}
