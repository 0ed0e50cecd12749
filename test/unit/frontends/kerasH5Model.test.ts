/**
 * Keras .h5 model files analysed through their model_config: each fixture model's Keras JSON and
 * its tfjs-trained weights are written here into an .h5 the way Keras 2 lays one out (h5wasm, in
 * memory, nothing checked in), and the analysis must equal the Keras JSON analysis of the same
 * model and tfjs's ground truth in *.expected.json — the round trip. The rest is the .h5-only
 * promise: a weight whose shape disagrees with the config is named in a warning, and files that
 * cannot be analysed (weights only, truncated, random) are diagnostics, never a throw.
 */
import * as assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readKerasH5 } from '../../../src/core/frontends/kerasH5';
import { analyzeKerasH5, analyzeKerasJson } from '../../../src/core/analysis/analyzeDocument';
import type { FileAnalysis } from '../../../src/core/frontends/modelResult';
import { fixtureDir as dir, loadH5wasm, tfjsWeights, writeH5 as writeH5With, type Weight } from './kerasH5Writer';

type FS = { readFile(path: string): Uint8Array; unlink(path: string): void };
const names = ['lenet5', 'resnet_block', 'inception_block', 'mobilenet_block', 'nested_model'];
const read = (f: string) => readFileSync(join(dir, f), 'utf8');
const batchless = (shape: readonly unknown[]) => shape.map((d) => (d === 'N' ? null : d));
let h5wasm: Awaited<ReturnType<typeof loadH5wasm>>;
const writeH5 = (weights: Weight[], opts: { config?: unknown; weightsOnly?: boolean }) => writeH5With(h5wasm, weights, opts);

const allMessages = (r: FileAnalysis) => [...r.diagnostics, ...r.models.flatMap((m) => m.diagnostics)].map((d) => d.message);

describe('Keras .h5 model files: round trip through model_config', function () {
  this.timeout(30_000);
  before(async () => {
    h5wasm = await loadH5wasm();
  });

  for (const name of names) {
    for (const variant of [`${name}.keras.json`, `${name}.keras3.json`].filter((f) => existsSync(join(dir, f)))) {
      it(`${variant} + tfjs weights as .h5: the same analysis as the JSON, and tfjs's shapes`, async () => {
        const text = read(variant);
        const expected = JSON.parse(read(`${name}.expected.json`)) as { params: number; trainable: number; nonTrainable: number; layers: { name: string; className: string; outputShape: unknown[] }[] };
        const bytes = await writeH5(tfjsWeights(name), { config: JSON.parse(text) });
        const h5 = await analyzeKerasH5(`${name}.h5`, bytes, readKerasH5);
        const json = analyzeKerasJson(variant, text);
        assert.deepEqual(allMessages(h5), [], 'no diagnostics: every weight fits its layer');
        assert.equal(h5.models.length, 1);
        const [a, b] = [h5.models[0], json.models[0]];
        assert.equal(a.name, b.name);
        assert.equal(a.kind, 'file');
        assert.equal(a.framework, 'keras');
        assert.deepEqual(a.analysis.totals, b.analysis.totals);
        assert.deepEqual(a.inputs, b.inputs);
        assert.deepEqual(
          a.analysis.nodeResults.map((r) => [r.node.name, r.outputShapes]),
          b.analysis.nodeResults.map((r) => [r.node.name, r.outputShapes]),
        );
        const t = a.analysis.totals;
        assert.deepEqual([t.params, t.trainable, t.nonTrainable], [expected.params, expected.trainable, expected.nonTrainable]);
        const byName = new Map<string, unknown[]>();
        for (const r of a.analysis.nodeResults) if (r.node.name) byName.set(r.node.name, batchless(r.outputShapes[0]));
        for (const g of a.graph.groups.values()) {
          const last = [...a.analysis.nodeResults].reverse().find((r) => r.node.groupId === g.id);
          if (last) byName.set(g.name, batchless(last.outputShapes[0]));
        }
        for (const input of a.graph.inputs) byName.set(input.name, batchless(input.shape));
        for (const layer of expected.layers) assert.deepEqual(byName.get(layer.name), layer.outputShape, `${layer.name} (${layer.className})`);
      });
    }
  }

  it('a topology-only file (model_config, no weights group) is analysed with no weight check', async () => {
    const module = (await h5wasm.ready) as unknown as { FS: FS };
    const f = new h5wasm.File('/topology-only.h5', 'w');
    f.create_attribute('model_config', read('lenet5.keras.json'));
    f.close();
    const bytes = module.FS.readFile('/topology-only.h5');
    module.FS.unlink('/topology-only.h5');
    const r = await analyzeKerasH5('t.h5', bytes, readKerasH5);
    assert.deepEqual(allMessages(r), []);
    assert.equal(r.models[0].analysis.totals.params, 61706);
  });

  it('uses the input option', async () => {
    const bytes = await writeH5(tfjsWeights('resnet_block'), { config: JSON.parse(read('resnet_block.keras.json')) });
    const r = await analyzeKerasH5('r.h5', bytes, readKerasH5, { input: ['N', 64, 64, 16] });
    assert.deepEqual(r.models[0].analysis.totals.outputShapes, [['N', 32, 32, 32]]);
  });
});

describe('Keras .h5 model files: what cannot be analysed, and weights that do not fit', function () {
  this.timeout(30_000);
  before(async () => {
    h5wasm = await loadH5wasm();
  });
  const config = () => JSON.parse(read('lenet5.keras.json'));

  it('names a weight whose shape in the file differs from the config', async () => {
    const weights = tfjsWeights('lenet5').map((w) => (w.name === 'c1/kernel' ? { ...w, shape: [5, 5, 1, 7], data: new Float32Array(175) } : w));
    const r = await analyzeKerasH5('bad.h5', await writeH5(weights, { config: config() }), readKerasH5);
    assert.equal(r.models.length, 1);
    const warnings = r.models[0].diagnostics.filter((d) => d.severity === 'warning').map((d) => d.message);
    assert.equal(warnings.length, 1, warnings.join('\n'));
    assert.match(warnings[0], /'c1\/kernel'.*5×5×1×6.*5×5×1×7/);
    assert.equal(r.models[0].analysis.totals.params, 61706, 'the analysis still follows the config');
    // Inside a nested model, and a rank that differs.
    const nested = tfjsWeights('nested_model').map((w) => (w.name === 'block_bn/gamma' ? { ...w, shape: [2, 4] } : w));
    const n = await analyzeKerasH5('n.h5', await writeH5(nested, { config: JSON.parse(read('nested_model.keras.json')) }), readKerasH5);
    assert.deepEqual(allMessages(n), ["weight 'block_bn/gamma' (BatchNormalization): the model config gives shape 8, the file holds 2×4"]);
  });

  it('says a weights-only file (save_weights) has no topology and what to open instead', async () => {
    const r = await analyzeKerasH5('w.h5', await writeH5(tfjsWeights('lenet5'), { weightsOnly: true }), readKerasH5);
    assert.equal(r.models.length, 0);
    assert.equal(r.diagnostics.length, 1);
    assert.equal(r.diagnostics[0].severity, 'error');
    assert.match(r.diagnostics[0].message, /this \.h5 holds weights only.*open the model it belongs to/i);
  });

  it('reports truncated, random and empty files as errors, never throwing', async () => {
    const good = await writeH5(tfjsWeights('lenet5'), { config: config() });
    const random = Uint8Array.from({ length: 4096 }, (_, i) => (i * 2654435761) >>> 24);
    const cases: [string, Uint8Array, RegExp][] = [
      ['random', random, /not an HDF5 file/],
      ['empty', new Uint8Array(), /empty/],
      ['wrong magic', Uint8Array.from(good.subarray(0, 4096)).fill(0, 0, 8), /not an HDF5 file/],
    ];
    for (const cut of [16, 512, Math.floor(good.length / 2), good.length - 100]) cases.push([`truncated at ${cut}`, good.slice(0, cut), /cannot read this \.h5/]);
    for (const [what, bytes, pattern] of cases) {
      const r = await analyzeKerasH5(`${what}.h5`, bytes, readKerasH5);
      const errors = r.diagnostics.filter((d) => d.severity === 'error');
      // A cut after the config may leave the topology readable; then the weight check says it could not run.
      if (!errors.length && r.models.length) assert.match(allMessages(r).join('\n'), /could not check the weights/, what);
      else assert.match(errors.map((d) => d.message).join('\n'), pattern, what);
    }
  });
});
