/**
 * A Keras `.h5` model file (`model.save('m.h5')`) analysed exactly like its `model.to_json()`:
 * the file's `model_config` root attribute is that same JSON, so the topology goes through the
 * Keras JSON front-end and an .h5 and a .json of one model can never disagree. What only the .h5
 * adds is the trained weights, and those are checked, not loaded: each dataset's shape (HDF5
 * metadata, no data read, so a 500 MB VGG costs no more than LeNet) is compared with the shape
 * the analysis gives that layer's weight, and a difference — the file and its config disagree,
 * or CNN Lens misreads the layer — becomes a warning naming the weight. The file is data from
 * anywhere: every failure of the reader is a diagnostic and nothing here throws. The HDF5 reading
 * itself is passed in: the hosts run it in a worker thread with a deadline (HDF5 can loop forever
 * on a damaged file), so this module, and the engine bundle it is in, never load h5wasm.
 */
import type { Dim, Shape } from '../ir/dims';
import type { SourceRange } from '../ir/graph';
import type { ShapeAnalysis } from '../shapes/shapePass';
import { readKerasJson } from './kerasJson';
import type { KerasH5, ReadKerasH5Options } from './kerasH5';
import { atFileTop, unreadable, type FrontEndResult, type ModelDiagnostic, type ModelDraft } from './modelResult';

/** readKerasH5, or something that runs it elsewhere (src/node/h5Reader.ts: a worker with a deadline). */
export type KerasH5Reader = (bytes: Uint8Array, options?: ReadKerasH5Options) => Promise<KerasH5 | { error: string }>;

export interface KerasH5ModelOptions {
  /** Overrides the file's input shape (single-input models), batch included. */
  readonly input?: readonly Dim[];
  readonly timeMs?: number;
}

const top: SourceRange = { start: { line: 0, character: 0 }, end: { line: 0, character: 1 } };
/** More mismatches than this say the file belongs to another model; listing them all helps no one. */
const maxMismatchWarnings = 20;

/** Reads the model an .h5 file holds; never throws. */
export async function readKerasH5Model(
  uri: string,
  bytes: Uint8Array,
  readKerasH5: KerasH5Reader,
  options: KerasH5ModelOptions = {},
): Promise<FrontEndResult> {
  const fail = (message: string) => unreadable(uri, message, top);
  try {
    // One read: the config, and each weight's shape from its metadata (no weight data).
    const read = await readKerasH5(bytes, { weights: 'shapes' });
    if ('error' in read) return fail(`cannot read this .h5 file: ${read.error}`);
    if (read.modelConfig === undefined)
      return fail(
        `this .h5 holds weights only (${read.layout === 'keras3-weights' ? 'a Keras 3 .weights.h5' : 'written by save_weights'}), with no model_config: there is no topology to analyse. ` +
          'Open the model it belongs to (its Python source, Keras JSON or model.json) and load these weights there.',
      );
    // h5 stores model_config as the JSON text of {class_name, config}, the same as to_json().
    const text = JSON.stringify(read.modelConfig);
    const analysis = atFileTop(readKerasJson(uri, text, { input: options.input, timeMs: options.timeMs }));
    if (read.layout !== 'keras2-model' || analysis.models.length === 0) return analysis;
    const shapes = new Map(read.weights.map((w) => [w.name, [...w.shape]]));
    return { ...analysis, models: analysis.models.map((model) => withWeightCheck(model, shapes)) };
  } catch (error) {
    // A bug in CNN Lens (or in h5wasm) must cost this file's analysis, never the editor.
    return fail(`CNN Lens internal error reading the .h5 file: ${message(error)}`);
  }
}

/** The model, checked once shapes are known: a warning for every weight whose shape in the file differs. */
function withWeightCheck(model: ModelDraft, shapes: ReadonlyMap<string, readonly number[]>): ModelDraft {
  return { ...model, afterShapes: (analysis) => ({ diagnostics: weightMismatches(analysis, shapes) }) };
}

function weightMismatches(analysis: ShapeAnalysis, shapes: ReadonlyMap<string, readonly number[]>): ModelDiagnostic[] {
  const warnings: ModelDiagnostic[] = [];
  let mismatches = 0;
  for (const m of analysis.modules) {
    for (const w of m.weights) {
      const key = `${m.module.name}/${w.name}`;
      const inFile = shapes.get(key);
      if (!inFile || fits(w.shape, inFile)) continue;
      if (++mismatches <= maxMismatchWarnings)
        warnings.push({ severity: 'warning', message: `weight '${key}' (${m.module.className}): the model config gives shape ${showShape(w.shape)}, the file holds ${showShape(inFile)}`, range: top });
    }
  }
  if (mismatches > maxMismatchWarnings) warnings.push({ severity: 'warning', message: `${mismatches - maxMismatchWarnings} more weights differ in shape from the model config`, range: top });
  return warnings;
}

/** Same rank and every known dimension equal (a symbolic or unknown dimension fits anything). */
function fits(expected: Shape, actual: readonly number[]): boolean {
  return expected.length === actual.length && expected.every((d, i) => typeof d !== 'number' || d === actual[i]);
}

function showShape(shape: Shape): string {
  return shape.length ? shape.map((d) => (d === null ? '?' : String(d))).join('×') : 'scalar';
}

function message(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0];
}
