/**
 * Keras 3's native model file, `model.save('m.keras')`: a zip archive holding `config.json` (the
 * model serialised exactly as `model.to_json()` writes it), `metadata.json` (the Keras version and
 * date) and `model.weights.h5`. The topology is what CNN Lens analyses, so the archive's
 * `config.json` goes through the Keras JSON front-end and a `.keras` and a `.json` of one model can
 * never disagree. Keras writes its archives uncompressed (zipfile's default, ZIP_STORED), so the
 * zip reader (./zip.ts) needs no inflate: a compressed `config.json` is named as such. Nothing here
 * throws.
 */
import type { SourceRange } from '../ir/graph';
import { readKerasJson, type KerasJsonOptions } from './kerasJson';
import { atFileTop, unreadable, type FrontEndResult, type ModelDiagnostic } from './modelResult';
import { bytesSource, readZipDirectory, storedEntry, storedText } from './zip';

const top: SourceRange = { start: { line: 0, character: 0 }, end: { line: 0, character: 1 } };

/**
 * The archive's model config (parsed config.json) and the bytes of its `model.weights.h5`, for
 * loading the weights (Keras 3's layout, named by the config's layers) into the activations panel.
 */
export function kerasArchiveParts(bytes: Uint8Array): { config: unknown; weights: Uint8Array } | { error: string } {
  const source = bytesSource(bytes);
  const entries = readZipDirectory(source);
  if ('error' in entries) return entries;
  const config = entries.get('config.json');
  const weights = entries.get('model.weights.h5');
  if (!config || !weights) return { error: `a Keras 3 archive holds config.json and model.weights.h5; this one has ${[...entries.keys()].slice(0, 5).join(', ') || 'nothing'}` };
  const text = storedText(source, config);
  if (typeof text !== 'string') return text;
  const data = storedEntry(source, weights, 2 ** 31);
  if ('error' in data) return data;
  try {
    return { config: JSON.parse(text) as unknown, weights: data };
  } catch (error) {
    return { error: `config.json is not JSON: ${(error as Error).message}` };
  }
}

/** Reads the model a `.keras` archive holds; never throws. */
export function readKerasArchive(uri: string, bytes: Uint8Array, options: KerasJsonOptions = {}): FrontEndResult {
  const fail = (message: string) => unreadable(uri, message, top);
  const source = bytesSource(bytes);
  const entries = readZipDirectory(source);
  if ('error' in entries) return fail(`cannot read this .keras file: ${entries.error}`);
  const config = entries.get('config.json');
  if (!config) return fail(`no config.json in this archive: not a Keras 3 model file (one holds config.json, metadata.json and model.weights.h5; found ${[...entries.keys()].slice(0, 5).join(', ') || 'nothing'})`);
  const text = storedText(source, config);
  if (typeof text !== 'string') return fail(`cannot read this .keras file: ${text.error}`);
  const analysis = atFileTop(readKerasJson(uri, text, options));
  const notes: ModelDiagnostic[] = [];
  const metadata = entries.get('metadata.json');
  const metadataText = metadata && storedText(source, metadata);
  if (typeof metadataText === 'string') {
    try {
      const version = (JSON.parse(metadataText) as { keras_version?: unknown }).keras_version;
      if (typeof version === 'string') notes.push({ severity: 'info', message: `saved by Keras ${version.slice(0, 40)}`, range: top });
    } catch {
      // metadata is a courtesy; the model is in config.json
    }
  }
  return notes.length ? { ...analysis, diagnostics: [...analysis.diagnostics, ...notes] } : analysis;
}
