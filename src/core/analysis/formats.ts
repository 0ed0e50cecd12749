/**
 * The registry of document formats, as Netron keeps one: each entry says which documents it takes
 * (by the host's kind, by extension, or by the file's first bytes) and opens one into a front-end's
 * reading — models as drafts, before the shape pass, which analyzeDocument runs once for all of them.
 * Adding a format is one entry here and one front-end module; no host or view changes. Python and
 * notebooks are text; the model files are bytes; a state_dict is recognised only to say it has no
 * topology, since its tensors are listed and matched by the weights views, not analysed.
 */
import type { ArgValue } from '../frameworks/args';
import type { Dim } from '../ir/dims';
import type { SourceRange } from '../ir/graph';
import { readKerasArchive } from '../frontends/kerasArchive';
import { readKerasH5Model, type KerasH5Reader } from '../frontends/kerasH5Model';
import { readKerasJson } from '../frontends/kerasJson';
import { unreadable, type FrontEndResult, type ModelDiagnostic } from '../frontends/modelResult';
import { notebookProgram, parseNotebook, type Notebook } from '../frontends/notebook';
import { readOnnx } from '../frontends/onnx';
import { PythonProgram, readPython } from '../frontends/python/analyzePython';
import type { SourceHost } from '../frontends/python/imports';
import { decodeUtf8 } from '../frontends/safetensors';
import { tfjsShardDiagnostics } from '../frontends/tfjsWeights';

export type FormatId = 'python' | 'notebook' | 'kerasJson' | 'kerasH5' | 'kerasArchive' | 'onnx' | 'weights';

/** One document to analyse: its text (source, JSON) or its bytes (binary model files), as the host has it. */
export interface DocumentInput {
  readonly uri: string;
  readonly version?: number;
  /** The host's own word for the format (an editor's language id says an untitled buffer is Python). */
  readonly kind?: FormatId;
  readonly text?: string;
  readonly bytes?: Uint8Array;
  /** A notebook's cells as an editor holds them (unsaved edits included), instead of the file's JSON. */
  readonly notebook?: Notebook;
}

/** What only the host can do: read imported source, reuse an evaluator, read HDF5, size sibling files. */
export interface AnalysisHost {
  readonly source?: SourceHost;
  /** Keeps package modules evaluated across analyses (the editor's worker keeps one; the CLI one per run). */
  readonly program?: PythonProgram;
  /** HDF5 reading runs where the host can bound it (a worker with a deadline). */
  readonly readKerasH5?: KerasH5Reader;
  /** The size of a file beside the document (tfjs weight shards), or undefined when it is not there. */
  readonly siblingSize?: (name: string) => number | undefined;
}

/** How much an analysis may spend, and what it is asked to build. */
export interface AnalysisBudget {
  readonly timeMs: number;
  /** Overrides every other source of the input shape. */
  readonly input?: readonly Dim[];
  /** Used when the document names none (the editor's cnnLens.defaultInputShape). */
  readonly defaultInput?: readonly Dim[];
  /** Only this entry point (the CLI's --model) and its keyword arguments (--arg). */
  readonly entry?: string;
  readonly entryArgs?: ReadonlyMap<string, ArgValue>;
}

/** Asked while evaluating; true calls the analysis off because a newer version is waiting. */
export type Cancellation = () => boolean;

/** A format's reading of a document, with what later stages of that format need (a notebook's cells). */
export interface Reading {
  readonly result: FrontEndResult;
  readonly notebook?: Notebook;
}

export interface Format {
  readonly id: FormatId;
  /** Said when a document is refused or named: "a Jupyter notebook". */
  readonly description: string;
  readonly extensions: RegExp;
  /** Recognises the file from its first bytes when its name does not say. */
  readonly magic?: (head: Uint8Array) => boolean;
  /** Text formats get the document's text; the others its bytes. */
  readonly binary: boolean;
  read(
    document: DocumentInput & { readonly text: string; readonly bytes: Uint8Array },
    host: AnalysisHost,
    budget: AnalysisBudget,
    cancelled?: Cancellation,
  ): Reading | Promise<Reading>;
}

const top = { start: { line: 0, character: 0 }, end: { line: 0, character: 1 } };
const startsWith = (head: Uint8Array, bytes: readonly number[]) => bytes.every((b, i) => head[i] === b);

const python: Format = {
  id: 'python',
  description: 'Python source',
  extensions: /\.(py|pyw|pyi)$/i,
  binary: false,
  read: (doc, host, budget, cancelled) => ({ result: readPythonText(doc.uri, doc.text, host, budget, cancelled) }),
};

function readPythonText(
  uri: string,
  text: string,
  host: AnalysisHost,
  budget: AnalysisBudget,
  cancelled: Cancellation | undefined,
  cells?: Parameters<typeof readPython>[2]['cells'],
): FrontEndResult {
  return readPython(uri, text, {
    host: host.source ?? { read: () => undefined, searchPaths: [] },
    program: host.program,
    entry: budget.entry,
    entryArgs: budget.entryArgs,
    input: budget.input,
    defaultInput: budget.defaultInput,
    timeMs: budget.timeMs,
    cells,
    cancelled,
  });
}

const notebook: Format = {
  id: 'notebook',
  description: 'a Jupyter notebook',
  extensions: /\.ipynb$/i,
  binary: false,
  read(doc, host, budget, cancelled) {
    const parsed = doc.notebook ?? parseNotebook(doc.text);
    if ('error' in parsed) return { result: unreadable(doc.uri, `${parsed.error}.`, top) };
    const program = notebookProgram(parsed);
    const read = readPythonText(doc.uri, program.text, host, budget, cancelled, program.spans);
    const skipped = program.skipped.map(({ cell, line, character, message }): ModelDiagnostic => ({
      severity: 'error',
      message: `syntax error: ${message}; Jupyter cannot run this cell, so CNN Lens leaves it out`,
      range: { start: { line, character }, end: { line, character: character + 1 }, cell },
    }));
    const result = skipped.length ? { ...read, diagnostics: [...skipped, ...read.diagnostics] } : read;
    return { result: inFirstCell(result, program.spans[0]?.cell ?? 1), notebook: parsed };
  },
};

/**
 * A notebook has no file top: a problem placed there (a budget spent before any statement, an
 * internal error) goes to the first code cell's first line, so every cell view can show it somewhere.
 */
function inFirstCell(result: FrontEndResult, cell: number): FrontEndResult {
  const pin = <T extends { readonly range: SourceRange }>(d: T): T =>
    d.range.uri || d.range.cell !== undefined ? d : { ...d, range: { ...d.range, cell } };
  return {
    ...result,
    diagnostics: result.diagnostics.map(pin),
    models: result.models.map((m) => ({
      ...pin(m),
      diagnostics: m.diagnostics.map(pin),
      ...(m.incomplete ? { incomplete: pin(m.incomplete) } : {}),
    })),
  };
}

/** A Keras `to_json()` or a tfjs layers-model `model.json`; a tfjs file's weight shards are checked beside it. */
const kerasJson: Format = {
  id: 'kerasJson',
  description: 'a Keras or TensorFlow.js model saved as JSON',
  extensions: /\.json$/i,
  binary: false,
  read(doc, host, budget) {
    const result = readKerasJson(doc.uri, doc.text, {
      input: budget.input ?? budget.defaultInput,
      timeMs: budget.timeMs,
    });
    const sizeOf = host.siblingSize;
    if (!sizeOf || !doc.text.includes('"weightsManifest"')) return { result };
    const shards: ModelDiagnostic[] = tfjsShardDiagnostics(doc.text, sizeOf);
    return { result: shards.length ? { ...result, diagnostics: [...result.diagnostics, ...shards] } : result };
  },
};

const kerasH5: Format = {
  id: 'kerasH5',
  description: 'a Keras .h5 model',
  extensions: /\.(h5|hdf5)$/i,
  magic: (head) => startsWith(head, [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]),
  binary: true,
  async read(doc, host, budget) {
    if (!host.readKerasH5) return { result: unreadable(doc.uri, 'this host cannot read HDF5 files', top) };
    return {
      result: await readKerasH5Model(doc.uri, doc.bytes, host.readKerasH5, {
        input: budget.input,
        timeMs: budget.timeMs,
      }),
    };
  },
};

const kerasArchive: Format = {
  id: 'kerasArchive',
  description: 'a Keras 3 .keras archive',
  extensions: /\.keras$/i,
  binary: true,
  read: (doc, _host, budget) => ({
    result: readKerasArchive(doc.uri, doc.bytes, { input: budget.input, timeMs: budget.timeMs }),
  }),
};

const onnx: Format = {
  id: 'onnx',
  description: 'an ONNX model',
  extensions: /\.onnx$/i,
  binary: true,
  read: (doc, _host, budget) => ({
    result: readOnnx(doc.uri, doc.bytes, { input: budget.input, timeMs: budget.timeMs }),
  }),
};

/** A state_dict holds tensors and no topology: said in one sentence, with where its tensors are shown. */
const weights: Format = {
  id: 'weights',
  description: 'a state_dict (weights only)',
  extensions: /\.(safetensors|pt|pth|bin|ckpt)$/i,
  binary: true,
  read: (doc) => ({
    result: unreadable(
      doc.uri,
      'this file is a state_dict: weights with no topology to analyse or draw. Its tensors are listed by ' +
        "the weights view (`cnn-lens summary` on it), and checked against a model's source with `--weights`.",
      top,
    ),
  }),
};

/** In the order they are tried when a document's name does not say: the first that claims it opens it. */
export const formats: readonly Format[] = [notebook, python, kerasJson, kerasH5, kerasArchive, onnx, weights];

/** The format that opens `document`: the host's kind, else the name's extension, else the first bytes, else Python. */
export function formatOf(document: Pick<DocumentInput, 'uri' | 'kind' | 'bytes'>): Format {
  if (document.kind) return formats.find((f) => f.id === document.kind)!;
  const path = document.uri.replace(/[?#].*$/, '');
  const byName = formats.find((f) => f.extensions.test(path));
  if (byName) return byName;
  const head = document.bytes?.subarray(0, 16);
  return (head && formats.find((f) => f.magic?.(head))) || python;
}

/** The document's text for a text format: given, else decoded from its bytes (undefined if not UTF-8). */
export function documentText(document: DocumentInput): string | undefined {
  if (document.text !== undefined) return document.text;
  // An editor's notebook comes as cells; its file's JSON is not needed.
  if (document.notebook) return '';
  return document.bytes ? decodeUtf8(document.bytes) : undefined;
}
