/**
 * Keras HDF5 weights read through h5wasm: files written here with h5wasm itself in the layouts
 * Keras writes (full model, save_weights, Keras 3 .weights.h5, byte-string name attributes), read
 * back value for value; and every broken input — truncated, random, empty, weightless, claiming
 * more data than the file holds — answered with `{ error }`, never a throw. The last case runs
 * the panel's own matching against the plan of samples/lenet5_keras.py.
 */
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { activationPlan } from '../../../src/core/analysis/activationPlan';
import { analyzePython } from '../../../src/core/analysis/analyzeDocument';
import { halfToFloat, hdf5DeclaredSize, readKerasH5, type KerasH5 } from '../../../src/core/frontends/kerasH5';
import { matchKerasWeights } from '../../../src/core/analysis/weightFit';

type Spec = { layer: string; weights: { name: string; shape: number[]; data: Float32Array; dtype?: string }[] };
type FS = { readFile(path: string): Uint8Array; unlink(path: string): void };

type H5wasm = (typeof import('h5wasm'))['default'];
let h5wasm: H5wasm;
let counter = 0;
const seq = (n: number, scale = 0.5) => Float32Array.from({ length: n }, (_, i) => (i - n / 3) * scale);

/** An .h5 as Keras 2 writes it: `model_weights` (or the root, for save_weights) with byte-string name attributes. */
async function writeKeras2(
  layers: Spec[],
  opts: { weightsOnly?: boolean; config?: unknown } = {},
): Promise<Uint8Array> {
  const module = (await h5wasm.ready) as unknown as { FS: FS };
  const path = `/test-${++counter}.h5`;
  const f = new h5wasm.File(path, 'w');
  const bytesAttr = (
    g: { create_attribute: import('h5wasm').Group['create_attribute'] },
    name: string,
    values: string[],
  ) => g.create_attribute(name, values, [values.length], `S${Math.max(1, ...values.map((v) => v.length))}`);
  if (!opts.weightsOnly)
    f.create_attribute(
      'model_config',
      JSON.stringify(opts.config ?? { class_name: 'Sequential', config: { name: 'm', layers: [] } }),
    );
  f.create_attribute('keras_version', '2.13.1');
  f.create_attribute('backend', 'tensorflow');
  const root = opts.weightsOnly ? f : f.create_group('model_weights');
  bytesAttr(
    root,
    'layer_names',
    layers.map((l) => l.layer),
  );
  for (const l of layers) {
    const g = root.create_group(l.layer);
    bytesAttr(
      g,
      'weight_names',
      l.weights.map((w) => `${l.layer}/${w.name}:0`),
    );
    if (!l.weights.length) continue;
    const inner = g.create_group(l.layer);
    for (const w of l.weights) {
      const data = w.dtype === '<d' ? Float64Array.from(w.data) : w.data;
      inner.create_dataset({ name: `${w.name}:0`, data, shape: w.shape, dtype: w.dtype ?? '<f' });
    }
  }
  f.close();
  const bytes = module.FS.readFile(path);
  module.FS.unlink(path);
  return bytes;
}

const smallModel: Spec[] = [
  {
    layer: 'conv2d',
    weights: [
      { name: 'kernel', shape: [3, 3, 1, 4], data: seq(36) },
      { name: 'bias', shape: [4], data: seq(4, 0.25) },
    ],
  },
  {
    layer: 'batch_normalization',
    weights: [
      { name: 'gamma', shape: [4], data: Float32Array.of(1, 1.5, 2, 0.5) },
      { name: 'beta', shape: [4], data: Float32Array.of(0, 0.1, -0.1, 0.2) },
      { name: 'moving_mean', shape: [4], data: Float32Array.of(0.3, 0.2, 0.1, 0) },
      { name: 'moving_variance', shape: [4], data: Float32Array.of(1, 2, 3, 4) },
    ],
  },
  { layer: 'max_pooling2d', weights: [] },
  {
    layer: 'dense',
    weights: [
      { name: 'kernel', shape: [16, 10], data: seq(160, 0.01) },
      { name: 'bias', shape: [10], data: seq(10) },
    ],
  },
];

function asRead(result: KerasH5 | { error: string }): KerasH5 {
  if ('error' in result) assert.fail(`unexpected error: ${result.error}`);
  return result;
}

function expectedList(layers: Spec[]) {
  return layers.flatMap((l) => l.weights.map((w) => [`${l.layer}/${w.name}`, w.shape, [...w.data]]));
}

describe('Keras .h5 weights (h5wasm)', function () {
  this.timeout(20_000);
  // h5wasm is ESM-only; the tests run as CommonJS, so it comes in through a dynamic import.
  before(async () => {
    h5wasm = (await import('h5wasm')).default;
    await h5wasm.ready;
  });

  it('reads a full-model file: model_config, keras_version and every weight in layer_names order', async () => {
    const config = {
      class_name: 'Sequential',
      config: { name: 'small', layers: [{ class_name: 'Conv2D', config: { name: 'conv2d', filters: 4 } }] },
    };
    const read = asRead(await readKerasH5(await writeKeras2(smallModel, { config })));
    assert.deepEqual(read.modelConfig, config);
    assert.equal(read.kerasVersion, '2.13.1');
    assert.equal(read.backend, 'tensorflow');
    assert.equal(read.layout, 'keras2-model');
    assert.deepEqual(
      read.weights.map((w) => [w.name, w.shape, [...w.data]]),
      expectedList(smallModel),
    );
    assert.ok(read.weights.every((w) => w.data instanceof Float32Array));
  });

  it('reads only the topology when asked', async () => {
    const read = asRead(await readKerasH5(await writeKeras2(smallModel), { weights: false }));
    assert.equal((read.modelConfig as { class_name: string }).class_name, 'Sequential');
    assert.deepEqual(read.weights, []);
  });

  it('reads a save_weights file (layer_names on the root, no model_config)', async () => {
    const read = asRead(await readKerasH5(await writeKeras2(smallModel, { weightsOnly: true })));
    assert.equal(read.layout, 'keras2-weights');
    assert.equal(read.modelConfig, undefined);
    assert.deepEqual(
      read.weights.map((w) => [w.name, w.shape, [...w.data]]),
      expectedList(smallModel),
    );
  });

  it('converts float64 datasets to float32', async () => {
    const data = Float64Array.of(0.1, -2.5, 1e-3);
    const read = asRead(
      await readKerasH5(
        await writeKeras2([
          { layer: 'dense', weights: [{ name: 'bias', shape: [3], data: Float32Array.from(data), dtype: '<d' }] },
        ]),
      ),
    );
    assert.deepEqual([...read.weights[0].data], [...Float32Array.from(data)]);
  });

  it('converts float16 datasets to float32', async () => {
    // h5wasm cannot write float16, so a float32 dataset's datatype message is rewritten to
    // IEEE binary16 (size 2, precision 16, exponent 10+5, mantissa 0+10, bias 15) and its
    // first bytes hold the halves. Object headers of h5wasm's default (earliest) format carry
    // no checksum, so the edit is all it takes.
    const halves = Uint16Array.of(0x3c00, 0xc000, 0x3555, 0x0001, 0x7bff, 0x8000);
    const raw = new Float32Array(halves.length);
    new Uint8Array(raw.buffer).set(new Uint8Array(halves.buffer));
    const bytes = await writeKeras2(
      [{ layer: 'dense', weights: [{ name: 'bias', shape: [halves.length], data: raw }] }],
      { weightsOnly: true },
    );
    const f32 = [0x11, 0x20, 0x1f, 0x00, 4, 0, 0, 0, 0, 0, 32, 0, 23, 8, 0, 23, 127, 0, 0, 0];
    const f16 = [0x11, 0x20, 0x0f, 0x00, 2, 0, 0, 0, 0, 0, 16, 0, 10, 5, 0, 10, 15, 0, 0, 0];
    const at = indexOf(bytes, f32);
    assert.ok(at >= 0 && indexOf(bytes, f32, at + 1) < 0, 'one float32 datatype message');
    bytes.set(f16, at);
    // h5wasm 0.10.3 does not open the rewritten dataset (so a real float16 Keras file may not
    // load either): the answer must then be an error, not a throw; if it opens, the values match.
    const read = await readKerasH5(bytes);
    if ('error' in read) assert.match(read.error, /dense/);
    else assert.deepEqual([...read.weights[0].data], [...halves].map(halfToFloat));
    assert.deepEqual([...halves].map(halfToFloat), [1, -2, 0.333251953125, 2 ** -24, 65504, -0]);
  });

  it('names Keras 3 .weights.h5 variables by layer class', async () => {
    const module = (await h5wasm.ready) as unknown as { FS: FS };
    const f = new h5wasm.File('/k3.h5', 'w');
    const layers = f.create_group('layers');
    const put = (layer: string, values: Float32Array[]) => {
      const vars = layers.create_group(layer).create_group('vars');
      values.forEach((v, i) => vars.create_dataset({ name: String(i), data: v, shape: [v.length], dtype: '<f' }));
    };
    put('conv2d', [seq(4), seq(2)]);
    put('batch_normalization', [seq(2), seq(2), seq(2), seq(2)]);
    put('dense_1', [seq(6)]);
    f.create_group('optimizer').create_group('vars');
    f.close();
    const bytes = module.FS.readFile('/k3.h5');
    module.FS.unlink('/k3.h5');
    const config = {
      class_name: 'Sequential',
      config: { name: 's', layers: [{ class_name: 'Dense', config: { name: 'dense_1', use_bias: false } }] },
    };
    const read = asRead(await readKerasH5(bytes, { modelConfig: config }));
    assert.equal(read.layout, 'keras3-weights');
    // HDF5 lists a group's members by name unless created with track_order, so compare sorted.
    assert.deepEqual(
      read.weights.map((w) => w.name).sort(),
      [
        'conv2d/kernel',
        'conv2d/bias',
        'batch_normalization/gamma',
        'batch_normalization/beta',
        'batch_normalization/moving_mean',
        'batch_normalization/moving_variance',
        'dense_1/kernel',
      ].sort(),
    );
  });

  it('answers broken inputs with an error, never a throw', async () => {
    const good = await writeKeras2(smallModel);
    const empty = await readKerasH5(new Uint8Array());
    assert.match((empty as { error: string }).error, /empty/);
    const random = Uint8Array.from({ length: 4096 }, (_, i) => (i * 2654435761) >>> 24);
    assert.match(((await readKerasH5(random)) as { error: string }).error, /not an HDF5 file/);
    for (const cut of [16, 512, Math.floor(good.length / 2), good.length - 100]) {
      const result = await readKerasH5(good.slice(0, cut));
      assert.ok(
        'error' in result && result.error.length > 0,
        `truncated at ${cut}: ${JSON.stringify(result).slice(0, 200)}`,
      );
      // Once the superblock is there, a cut-off file is named as one (not whatever HDF5 trips on).
      if (cut >= 512)
        assert.equal(
          result.error,
          `the file is truncated: it has ${cut} bytes, and its HDF5 superblock says ${good.length}`,
        );
    }
    const module = (await h5wasm.ready) as unknown as { FS: FS };
    const f = new h5wasm.File('/nothing.h5', 'w');
    f.create_group('stuff').create_attribute('note', 'no weights here');
    f.close();
    const nothing = module.FS.readFile('/nothing.h5');
    module.FS.unlink('/nothing.h5');
    assert.match(((await readKerasH5(nothing)) as { error: string }).error, /no Keras weights/);
  });

  it("reads the file size from version 0 and version 2 superblocks (h5py's default and h5wasm's)", () => {
    const v0 = new Uint8Array(96);
    v0.set([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0, 0, 8, 8, 0, 4, 0, 16, 0]);
    const view = new DataView(v0.buffer);
    view.setBigUint64(24, 0n, true); // base address
    view.setBigUint64(32, 0xffffffffffffffffn, true); // free-space info: undefined
    view.setBigUint64(40, 123_456n, true); // end of file
    assert.equal(hdf5DeclaredSize(v0), 123_456);
    v0[13] = 3; // an impossible size of offsets: no claim is made
    assert.equal(hdf5DeclaredSize(v0), undefined);
    const lenet = new Uint8Array(readFileSync(join(__dirname, '../../../samples/models/lenet5.h5')));
    assert.equal(lenet[8], 2);
    assert.equal(hdf5DeclaredSize(lenet), lenet.length);
  });

  it('refuses a large dataset whose bytes are cut off', async () => {
    const bytes = await writeKeras2(
      [{ layer: 'dense', weights: [{ name: 'bias', shape: [7777777], data: new Float32Array(7777777) }] }],
      { weightsOnly: true },
    );
    // The header still claims 7777777 float32s; 8 KB cannot hold them.
    const result = await readKerasH5(bytes.slice(0, 8192));
    assert.ok('error' in result, JSON.stringify(result).slice(0, 200));
  });

  it('matches an .h5 written with lenet5_keras.py layer names to its activation plan, with no problems', async () => {
    const path = join(__dirname, '../../../samples/lenet5_keras.py');
    const analysis = analyzePython(path, readFileSync(path, 'utf8'), {
      host: { read: () => undefined, searchPaths: [] },
      timeMs: 10_000,
      now: () => 0,
    });
    const model = analysis.models[0];
    const plan = activationPlan(model.analysis, { uri: path, version: 1, name: 'lenet5_keras.py' }, model.name);
    const layers: Spec[] = plan.nodes
      .filter((n) => n.weightKey && n.weights.length)
      .map((n) => ({
        layer: n.weightKey!,
        weights: n.weights.map((w) => ({
          name: w.name,
          shape: w.shape.map((d) => d ?? 1),
          data: seq(
            w.shape.reduce<number>((a, d) => a * (d ?? 1), 1),
            0.001,
          ),
        })),
      }));
    assert.ok(layers.length >= 5, `lenet has 5 weighted layers, got ${layers.map((l) => l.layer)}`);
    const read = asRead(await readKerasH5(await writeKeras2(layers)));
    const loaded = matchKerasWeights('lenet5.h5', plan, read.weights);
    assert.deepEqual(loaded.problems, []);
    assert.equal(
      Object.keys(loaded.tensors).length,
      layers.reduce((a, l) => a + l.weights.length, 0),
    );
    assert.deepEqual([...loaded.tensors['conv2d/kernel'].data], [...layers[0].weights[0].data]);
    // A file missing the last layer and with one extra: both listed.
    const partial = matchKerasWeights('x.h5', plan, [
      ...read.weights.filter((w) => !w.name.startsWith(layers.at(-1)!.layer)),
      { name: 'extra/kernel', shape: [1], data: new Float32Array(1) },
    ]);
    assert.match(partial.problems.join('\n'), /missing from the file.*\n.*extra\/kernel/);
  });
});

function indexOf(haystack: Uint8Array, needle: number[], from = 0): number {
  outer: for (let i = from; i + needle.length <= haystack.length; i++) {
    for (let j = 0; j < needle.length; j++) if (haystack[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}
