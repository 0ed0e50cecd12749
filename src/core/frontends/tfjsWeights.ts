/**
 * Weights from a TensorFlow.js layers model (`model.json` + binary shards): the `weightsManifest`
 * lists each weight's name (`conv2d/kernel`, `batch_normalization/moving_mean`), shape and dtype
 * in the order their bytes follow one another through the shards. Only the weights are read here,
 * for the activations panel to run a Keras model with them; every size is checked against the
 * bytes that are actually there, so a truncated shard is an error, never a read past the end, and
 * every manifest entry is checked before use (a shard listed twice, an entry that is not an
 * object with a string name, an unknown dtype are errors), so nothing here throws. The model.json
 * itself is checked against the shards beside it (`tfjsShardDiagnostics`): a shard that is missing
 * or shorter than its weights need is a warning at its name in the manifest, which the editor
 * shows in Problems and the CLI prints, since tfjs.loadLayersModel would fail on it.
 */
import type { ModelDiagnostic } from './modelResult';

export interface TfjsWeight {
  readonly name: string;
  readonly shape: readonly number[];
  readonly data: Float32Array;
}

interface ManifestEntry {
  readonly name: string;
  readonly shape: readonly number[];
  readonly dtype?: string;
}

const bytesPer: Record<string, number> = { float32: 4, int32: 4, bool: 1 };
/** Bytes per stored value of a quantised weight (`quantization.dtype`), as tfjs writes them. */
const quantizedBytes: Record<string, number> = { uint8: 1, uint16: 2, float16: 2 };

/** The shard paths in order, or an error when `json` is not a tfjs model with a weights manifest. */
export function tfjsShardPaths(json: unknown): string[] | { error: string } {
  const manifest = (json as { weightsManifest?: unknown })?.weightsManifest;
  if (!Array.isArray(manifest)) return { error: 'no weightsManifest: not a TensorFlow.js model.json' };
  const paths: string[] = [];
  const seen = new Set<string>();
  for (const group of manifest) {
    if (!Array.isArray((group as { paths?: unknown } | null)?.paths))
      return { error: 'a weightsManifest group has no paths' };
    for (const p of (group as { paths: unknown[] }).paths) {
      if (typeof p !== 'string' || p === '' || p.includes('..') || p.startsWith('/'))
        return { error: `shard path ${JSON.stringify(p)} is not a file next to model.json` };
      // Each shard holds one stretch of one group: listed twice, it would be read (and concatenated) twice.
      if (seen.has(p)) return { error: `shard ${p} is listed twice in the weightsManifest` };
      seen.add(p);
      paths.push(p);
    }
  }
  return paths;
}

/**
 * Reads every weight of the manifest from its group's shards (concatenated in order); any json is checked as
 * tfjsShardPaths checks it.
 */
export function readTfjsWeights(
  json: unknown,
  shards: ReadonlyMap<string, Uint8Array>,
): TfjsWeight[] | { error: string } {
  const checked = tfjsShardPaths(json);
  if ('error' in checked) return checked;
  const out: TfjsWeight[] = [];
  for (const group of (json as { weightsManifest: { paths: string[]; weights?: unknown }[] }).weightsManifest) {
    const entries = group.weights ?? [];
    if (!Array.isArray(entries)) return { error: "a weightsManifest group's weights is not a list" };
    const parts = group.paths.map((p) => shards.get(p));
    const missing = parts.findIndex((p) => !p);
    if (missing >= 0) return { error: `shard ${group.paths[missing]} is missing` };
    const total = parts.reduce((n, p) => n + p!.byteLength, 0);
    const bytes = new Uint8Array(total);
    let at = 0;
    for (const p of parts) {
      bytes.set(p!, at);
      at += p!.byteLength;
    }
    let offset = 0;
    for (const w of entries as ManifestEntry[]) {
      if (typeof w !== 'object' || w === null || typeof w.name !== 'string')
        return { error: `weightsManifest entry ${JSON.stringify(w)?.slice(0, 80)} is not a weight with a name` };
      const dtype = w.dtype ?? 'float32';
      if (!Array.isArray(w.shape) || !w.shape.every((d) => Number.isInteger(d) && d >= 0))
        return { error: `${w.name}: bad shape ${JSON.stringify(w.shape)?.slice(0, 80)}` };
      if (typeof dtype !== 'string' || !Object.hasOwn(bytesPer, dtype))
        return {
          error: `${w.name}: dtype ${typeof dtype === 'string' ? dtype : JSON.stringify(dtype)} is not supported (quantised weights are not read)`,
        };
      const count = w.shape.reduce((a, b) => a * b, 1);
      const size = count * bytesPer[dtype];
      if (offset + size > total)
        return { error: `${w.name}: the shards end before its ${size} bytes (truncated file?)` };
      const view = new DataView(bytes.buffer, bytes.byteOffset + offset, size);
      const data = new Float32Array(count);
      for (let i = 0; i < count; i++)
        data[i] =
          dtype === 'bool'
            ? view.getUint8(i)
            : dtype === 'int32'
              ? view.getInt32(i * 4, true)
              : view.getFloat32(i * 4, true);
      out.push({ name: w.name, shape: w.shape, data });
      offset += size;
    }
  }
  return out;
}

/** The bytes a manifest group's weights take in its shards, or undefined when an entry is not one CNN Lens can size. */
function groupBytes(weights: unknown): number | undefined {
  if (!Array.isArray(weights)) return undefined;
  let total = 0;
  for (const w of weights as { shape?: unknown; dtype?: unknown; quantization?: { dtype?: unknown } }[]) {
    const shape = w?.shape;
    if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 0)) return undefined;
    const q = w.quantization?.dtype;
    const size =
      typeof q === 'string' ? quantizedBytes[q] : bytesPer[typeof w.dtype === 'string' ? w.dtype : 'float32'];
    if (!size) return undefined;
    total += (shape as number[]).reduce((a, b) => a * b, 1) * size;
  }
  return total;
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/**
 * Warnings for a tfjs model.json whose weight shards are not all there: each missing shard named,
 * and a group whose shards hold fewer bytes than its weights need. `sizeOf` gives a shard's size on
 * disk (undefined when there is no such file), the path as the manifest writes it. Each warning
 * sits on the shard's name in the text; a file that is not a tfjs model with a manifest has none.
 */
export function tfjsShardDiagnostics(text: string, sizeOf: (path: string) => number | undefined): ModelDiagnostic[] {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return [];
  }
  const manifest = (json as { weightsManifest?: unknown } | null)?.weightsManifest;
  if (!Array.isArray(manifest)) return [];
  const from = Math.max(0, text.indexOf('"weightsManifest"'));
  const paths = tfjsShardPaths(json);
  if (!Array.isArray(paths))
    return [
      {
        severity: 'warning',
        message: `the weights cannot be read: ${paths.error}`,
        range: rangeOf(text, '"weightsManifest"', 0),
      },
    ];
  const out: ModelDiagnostic[] = [];
  manifest.forEach((group: { paths: string[]; weights?: unknown }, k) => {
    const weights = Array.isArray(group.weights) ? group.weights.length : 0;
    const sizes = group.paths.map((p) => sizeOf(p));
    const needs = groupBytes(group.weights);
    group.paths.forEach((p, i) => {
      if (sizes[i] !== undefined) return;
      const what =
        group.paths.length > 1
          ? `shard ${i + 1} of ${group.paths.length} of weight group ${k + 1}`
          : `the shard of weight group ${k + 1}`;
      out.push({
        severity: 'warning',
        message: `weight file '${p}' is missing: the weightsManifest names it as ${what} (${plural(weights, 'weight')}${needs === undefined ? '' : `, ${needs.toLocaleString('en-US')} bytes`}), so tf.loadLayersModel would fail; put it next to model.json`,
        range: rangeOf(text, JSON.stringify(p), from),
      });
    });
    const held = sizes.reduce<number>((n, s) => n + (s ?? 0), 0);
    if (sizes.every((s) => s !== undefined) && needs !== undefined && held < needs) {
      const shown = group.paths.map((p) => `'${p}'`).join(', ');
      out.push({
        severity: 'warning',
        message: `weight file${group.paths.length > 1 ? 's' : ''} ${shown} hold${group.paths.length > 1 ? '' : 's'} ${held.toLocaleString('en-US')} bytes, but the weightsManifest's ${plural(weights, 'weight')} need ${needs.toLocaleString('en-US')}: truncated?`,
        range: rangeOf(text, JSON.stringify(group.paths[group.paths.length - 1]), from),
      });
    }
  });
  return out;
}

/** The range of `needle` at or after `from` in `text` (its first line when absent). */
function rangeOf(text: string, needle: string, from: number): ModelDiagnostic['range'] {
  const at = text.indexOf(needle, from);
  const start = at < 0 ? 0 : at;
  const before = text.slice(0, start);
  const line = before.split('\n').length - 1;
  const character = start - (before.lastIndexOf('\n') + 1);
  return { start: { line, character }, end: { line, character: character + (at < 0 ? 1 : needle.length) } };
}
