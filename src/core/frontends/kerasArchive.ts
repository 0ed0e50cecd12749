/**
 * Keras 3's native model file, `model.save('m.keras')`: a zip archive holding `config.json` (the
 * model serialised exactly as `model.to_json()` writes it), `metadata.json` (the Keras version and
 * date) and `model.weights.h5`. The topology is what CNN Lens analyses, so the archive's
 * `config.json` goes through the Keras JSON front-end and a `.keras` and a `.json` of one model can
 * never disagree. Keras writes its archives uncompressed (zipfile's default, ZIP_STORED), so the
 * reader here is the zip directory and nothing more: a compressed `config.json` is named as such,
 * not inflated. Every offset and size in the archive is checked against the bytes that are there;
 * nothing here throws.
 */
import type { SourceRange } from '../ir/graph';
import { analyzeKerasJson, type KerasJsonOptions } from './kerasJson';
import { atFileTop, type FileAnalysis, type ModelDiagnostic } from './modelResult';
import { decodeUtf8 } from './safetensors';

export interface ZipEntry {
  readonly name: string;
  /** 0 stored, 8 deflate, …: only stored entries are read. */
  readonly method: number;
  readonly size: number;
  readonly compressedSize: number;
  /** Where the entry's data starts in the archive. */
  readonly dataOffset: number;
}

const top: SourceRange = { start: { line: 0, character: 0 }, end: { line: 0, character: 1 } };
const maxEntries = 100_000;
/** The end-of-central-directory record sits in the last 22 bytes plus a comment of up to 64 KB. */
const eocdSearch = 22 + 0xffff;

/** The archive's entries by name, or `{ error }` saying why it is not a readable zip. */
export function readZipDirectory(bytes: Uint8Array): Map<string, ZipEntry> | { error: string } {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const u16 = (at: number) => view.getUint16(at, true);
  const u32 = (at: number) => view.getUint32(at, true);
  const u64 = (at: number) => u32(at) + u32(at + 4) * 2 ** 32;
  if (bytes.length < 22) return { error: `${bytes.length} bytes is too short for a zip archive` };
  let eocd = -1;
  for (let at = bytes.length - 22; at >= Math.max(0, bytes.length - eocdSearch); at--) {
    if (u32(at) === 0x06054b50) {
      eocd = at;
      break;
    }
  }
  if (eocd < 0) return { error: u32(0) === 0x04034b50 ? 'the zip directory is missing (the file is truncated?)' : 'not a zip archive' };
  let count = u16(eocd + 10);
  let directoryOffset = u32(eocd + 16);
  // Zip64: the real counts and offsets are in a second record, found through a locator just before.
  if ((count === 0xffff || directoryOffset === 0xffffffff) && eocd >= 20 && u32(eocd - 20) === 0x07064b50) {
    const record = u64(eocd - 12);
    if (record + 56 > bytes.length || u32(record) !== 0x06064b50) return { error: 'the zip64 directory record is missing or damaged' };
    count = u64(record + 32);
    directoryOffset = u64(record + 48);
  }
  if (count > maxEntries) return { error: `the archive claims ${count} entries` };
  const entries = new Map<string, ZipEntry>();
  let at = directoryOffset;
  for (let i = 0; i < count; i++) {
    if (at + 46 > bytes.length || u32(at) !== 0x02014b50) return { error: `zip directory entry ${i + 1} of ${count} is missing or damaged (at byte ${at})` };
    const method = u16(at + 10);
    let compressedSize = u32(at + 20);
    let size = u32(at + 24);
    const nameLength = u16(at + 28);
    const extraLength = u16(at + 30);
    const commentLength = u16(at + 32);
    let localOffset = u32(at + 42);
    const end = at + 46 + nameLength + extraLength + commentLength;
    if (end > bytes.length) return { error: `zip directory entry ${i + 1} runs past the end of the file` };
    const name = decodeUtf8(bytes.subarray(at + 46, at + 46 + nameLength)) ?? '';
    // Zip64 sizes and offset, in that order, for each field that holds 0xffffffff.
    for (let x = at + 46 + nameLength; x + 4 <= at + 46 + nameLength + extraLength; ) {
      const id = u16(x);
      const length = u16(x + 2);
      if (id === 0x0001) {
        let field = x + 4;
        const next = () => (field + 8 <= x + 4 + length ? ((field += 8), u64(field - 8)) : undefined);
        if (size === 0xffffffff) size = next() ?? size;
        if (compressedSize === 0xffffffff) compressedSize = next() ?? compressedSize;
        if (localOffset === 0xffffffff) localOffset = next() ?? localOffset;
      }
      x += 4 + length;
    }
    if (localOffset + 30 > bytes.length || u32(localOffset) !== 0x04034b50) return { error: `the data of ${name || `entry ${i + 1}`} is missing (the file is truncated?)` };
    const dataOffset = localOffset + 30 + u16(localOffset + 26) + u16(localOffset + 28);
    if (dataOffset + compressedSize > bytes.length) return { error: `${name} runs past the end of the file (the file is truncated?)` };
    entries.set(name, { name, method, size, compressedSize, dataOffset });
    at = end;
  }
  return entries;
}

/** The text of a stored (uncompressed) entry, or why it cannot be had. */
function storedText(bytes: Uint8Array, entry: ZipEntry): string | { error: string } {
  if (entry.method !== 0) return { error: `${entry.name} is compressed (zip method ${entry.method}); Keras stores its archives uncompressed, and CNN Lens reads only those` };
  if (entry.size !== entry.compressedSize) return { error: `${entry.name}: a stored entry whose sizes differ` };
  const text = decodeUtf8(bytes.subarray(entry.dataOffset, entry.dataOffset + entry.size));
  return text ?? { error: `${entry.name} is not UTF-8 text` };
}

/** Analyses the model a `.keras` archive holds; never throws. */
export function analyzeKerasArchive(uri: string, bytes: Uint8Array, options: KerasJsonOptions = {}): FileAnalysis {
  const fail = (message: string): FileAnalysis => ({ file: uri, models: [], diagnostics: [{ severity: 'error', message, range: top }], steps: 0 });
  const entries = readZipDirectory(bytes);
  if ('error' in entries) return fail(`cannot read this .keras file: ${entries.error}`);
  const config = entries.get('config.json');
  if (!config) return fail(`no config.json in this archive: not a Keras 3 model file (one holds config.json, metadata.json and model.weights.h5; found ${[...entries.keys()].slice(0, 5).join(', ') || 'nothing'})`);
  const text = storedText(bytes, config);
  if (typeof text !== 'string') return fail(`cannot read this .keras file: ${text.error}`);
  const analysis = atFileTop(analyzeKerasJson(uri, text, options));
  const notes: ModelDiagnostic[] = [];
  const metadata = entries.get('metadata.json');
  const metadataText = metadata && storedText(bytes, metadata);
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
