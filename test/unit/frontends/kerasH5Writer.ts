/**
 * Writes Keras 2-layout .h5 files with h5wasm (in memory) from our fixture models' Keras JSON and
 * tfjs weights, for the .h5 tests and for the samples the E2E suite opens: the files are ours,
 * made from our own models, never downloaded.
 */
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

type H5wasm = (typeof import('h5wasm'))['default'];
type FS = { readFile(path: string): Uint8Array; unlink(path: string): void };
export type Weight = { name: string; shape: number[]; data: Float32Array };

export const fixtureDir = join(__dirname, '../../fixtures/models');
const read = (f: string) => readFileSync(join(fixtureDir, f), 'utf8');
let counter = 0;

/** h5wasm is ESM-only; tests run as CommonJS, so it comes in through a dynamic import. */
export async function loadH5wasm(): Promise<H5wasm> {
  const h5wasm = (await import('h5wasm')).default;
  await h5wasm.ready;
  return h5wasm;
}

/** The weights tfjs saved for a fixture: weightsManifest order, float32 from the .bin shard. */
export function tfjsWeights(name: string): Weight[] {
  const json = JSON.parse(read(`${name}.tfjs/model.json`)) as { weightsManifest: { paths: string[]; weights: { name: string; shape: number[]; dtype: string }[] }[] };
  const out: Weight[] = [];
  for (const group of json.weightsManifest) {
    const bin = Buffer.concat(group.paths.map((p) => readFileSync(join(fixtureDir, `${name}.tfjs`, p))));
    let offset = 0;
    for (const w of group.weights) {
      assert.equal(w.dtype, 'float32');
      const n = w.shape.reduce((a, b) => a * b, 1);
      out.push({ name: w.name, shape: w.shape, data: new Float32Array(bin.buffer.slice(bin.byteOffset + offset, bin.byteOffset + offset + n * 4)) });
      offset += n * 4;
    }
  }
  return out;
}

/** An .h5 as Keras 2 writes one: `model_weights/<layer>/<layer>/<weight>:0`, byte-string `layer_names` / `weight_names`. */
export async function writeH5(h5wasm: H5wasm, weights: Weight[], opts: { config?: unknown; weightsOnly?: boolean }): Promise<Uint8Array> {
  const module = (await h5wasm.ready) as unknown as { FS: FS };
  const path = `/model-test-${++counter}.h5`;
  const f = new h5wasm.File(path, 'w');
  const bytesAttr = (g: { create_attribute: import('h5wasm').Group['create_attribute'] }, name: string, values: string[]) =>
    g.create_attribute(name, values, [values.length], `S${Math.max(1, ...values.map((v) => v.length))}`);
  if (opts.config !== undefined) f.create_attribute('model_config', JSON.stringify(opts.config));
  f.create_attribute('keras_version', '2.13.1');
  f.create_attribute('backend', 'tensorflow');
  const root = opts.weightsOnly ? f : f.create_group('model_weights');
  const byLayer = new Map<string, Weight[]>();
  for (const w of weights) {
    const layer = w.name.split('/')[0];
    (byLayer.get(layer) ?? byLayer.set(layer, []).get(layer)!).push(w);
  }
  bytesAttr(root, 'layer_names', [...byLayer.keys()]);
  for (const [layer, ws] of byLayer) {
    const g = root.create_group(layer);
    bytesAttr(g, 'weight_names', ws.map((w) => `${w.name}:0`));
    const inner = g.create_group(layer);
    for (const w of ws) inner.create_dataset({ name: `${w.name.split('/').slice(1).join('/')}:0`, data: w.data, shape: w.shape, dtype: '<f' });
  }
  f.close();
  const bytes = module.FS.readFile(path);
  module.FS.unlink(path);
  return bytes;
}

/** Weights as Keras 3 writes `model.weights.h5`: `layers/<layer>/vars/<i>`, numbered in the layer's own order, and an empty optimizer. */
export async function writeKeras3WeightsH5(h5wasm: H5wasm, weights: Weight[]): Promise<Uint8Array> {
  const module = (await h5wasm.ready) as unknown as { FS: FS };
  const path = `/model-test-${++counter}.h5`;
  const f = new h5wasm.File(path, 'w');
  const layers = f.create_group('layers');
  const byLayer = new Map<string, Weight[]>();
  for (const w of weights) {
    const layer = w.name.split('/')[0];
    (byLayer.get(layer) ?? byLayer.set(layer, []).get(layer)!).push(w);
  }
  for (const [layer, ws] of byLayer) {
    const vars = layers.create_group(layer).create_group('vars');
    ws.forEach((w, i) => vars.create_dataset({ name: String(i), data: w.data, shape: w.shape, dtype: '<f' }));
  }
  f.create_group('optimizer').create_group('vars');
  f.close();
  const bytes = module.FS.readFile(path);
  module.FS.unlink(path);
  return bytes;
}
