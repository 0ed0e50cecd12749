/**
 * Every keras.layers rule swept against tfjs-layers, which builds Keras-convention layers in Node
 * from the same snake_case configs Keras writes (`model.to_json()`): output shapes, total and
 * trainable parameter counts (BatchNormalization's moving statistics non-trainable) must match.
 */
import * as assert from 'node:assert/strict';
import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import type { Dim } from '../../../src/core/ir/dims';
import { kerasLayers } from '../../../src/core/frameworks/kerasLayers';
import { buildSpec } from '../../../src/core/frameworks/catalog';
import { runCatalogCase, runSpec } from './sweepHarness';
import { kerasCases, kerasMergeCases, type KerasCase } from './kerasCases';

interface OracleResult {
  output?: (number | null)[];
  params?: number;
  trainable?: number;
  error?: string;
}

async function tfjsOracle(c: KerasCase): Promise<OracleResult> {
  const json = { class_name: 'Sequential', config: { name: 'oracle', layers: [{ class_name: c.cls, config: { name: 'layer', ...c.config, batch_input_shape: [null, ...c.input] } }] } };
  try {
    const model = await tfl.models.modelFromJSON(json as never);
    const layer = model.layers[0];
    const size = (ws: tfl.LayerVariable[]) => ws.reduce((n, w) => n + (w.shape as number[]).reduce((a, b) => a * b, 1), 0);
    const output = layer.outputShape as (number | null)[];
    model.dispose();
    // tfjs builds layers whose output has a zero or negative size; Keras refuses them at build time.
    if (output.some((d) => d !== null && d <= 0)) return { error: `Keras refuses the empty output [${output.join(', ')}]` };
    return { output, params: layer.countParams(), trainable: size(layer.trainableWeights) };
  } catch (e) {
    return { error: (e as Error).message.split('\n')[0] };
  }
}

/**
 * tfjs leaves Reshape's -1 unresolved whenever any input dim is unknown, the batch included;
 * Keras resolves it from the non-batch dims. Accept the Keras answer: same element count.
 */
function resolvesLikeKeras(c: KerasCase, output: readonly Dim[] | undefined): boolean {
  const count = (dims: readonly Dim[]) => dims.reduce<number>((p, d) => p * (typeof d === 'number' ? d : NaN), 1);
  return (c.config.target_shape as number[]).includes(-1) && !!output && count(output.slice(1)) === count(c.input);
}

const asKeras = (shape: readonly Dim[] | undefined) => shape?.map((d) => (typeof d === 'number' ? d : null));

describe('shape rules vs tfjs-layers, Keras convention (sweep)', () => {
  before(() => tf.setBackend('cpu'));

  it('matches tfjs-layers exactly for every single-input case', async function () {
    this.timeout(120_000);
    const cases = kerasCases();
    const failures: string[] = [];
    let refused = 0;
    for (const c of cases) {
      const expected = await tfjsOracle(c);
      const got = runCatalogCase(kerasLayers, 'keras', 'channels_last', c.cls, c.config as never, [['N', ...c.input]]);
      if (expected.error) {
        refused++;
        if (!got.errors.length) failures.push(`${c.id}: tfjs refuses (${expected.error}) but CNN Lens gives [${got.output?.join(', ')}]`);
        continue;
      }
      if (got.errors.length) failures.push(`${c.id}: CNN Lens reports ${got.errors.join('; ')} but tfjs gives [${expected.output?.join(', ')}]`);
      else if (c.cls === 'Reshape' && resolvesLikeKeras(c, got.output)) continue;
      else if (JSON.stringify(asKeras(got.output)) !== JSON.stringify(expected.output)) failures.push(`${c.id}: shape [${got.output?.join(', ')}], tfjs [${expected.output?.join(', ')}]`);
      else if (got.params !== expected.params || got.trainable !== expected.trainable) failures.push(`${c.id}: params ${got.params}/${got.trainable} trainable, tfjs ${expected.params}/${expected.trainable}`);
    }
    assert.equal(failures.length, 0, `${failures.length} of ${cases.length} mismatch(es):\n${failures.slice(0, 25).join('\n')}`);
    assert.ok(cases.length > 400, `a real sweep (${cases.length} cases, ${refused} refused by tfjs)`);
  });

  it('matches tfjs-layers for merge layers (Add, Multiply, Concatenate)', () => {
    for (const c of kerasMergeCases) {
      const inputs = c.inputs.map((s) => tfl.input({ shape: s }));
      const layer = (tfl.layers as unknown as Record<string, (cfg: object) => tfl.layers.Layer>)[c.cls.charAt(0).toLowerCase() + c.cls.slice(1)](c.config);
      const expected = (layer.apply(inputs) as tfl.SymbolicTensor).shape;
      const spec = buildSpec(kerasLayers, c.cls, c.config as never);
      assert.ok(!('error' in spec));
      const got = runSpec('keras', 'channels_last', spec, c.inputs.map((s) => ['N', ...s]));
      assert.deepEqual(asKeras(got.output), expected, `${c.cls} ${JSON.stringify(c.inputs)}`);
    }
  });

  // tfjs lacks these Keras layers; their expectations are Keras's documented conventions.
  it('follows Keras conventions tfjs cannot check: GroupNormalization, Normalization, keepdims, groups', () => {
    const run = (cls: string, config: object, input: Dim[]) => runCatalogCase(kerasLayers, 'keras', 'channels_last', cls, config as never, [input]);
    const gn = run('GroupNormalization', { groups: 4 }, ['N', 8, 8, 32]);
    assert.deepEqual([gn.params, gn.trainable], [64, 64]);
    const norm = run('Normalization', { axis: -1 }, ['N', 224, 224, 3]);
    assert.deepEqual([norm.params, norm.trainable], [7, 0], 'mean (3) + variance (3) + count (1), all non-trainable');
    assert.deepEqual(run('GlobalAveragePooling2D', { keepdims: true }, ['N', 7, 7, 1280]).output, ['N', 1, 1, 1280]);
    const grouped = run('Conv2D', { filters: 64, kernel_size: 3, groups: 4 }, ['N', 16, 16, 32]);
    assert.deepEqual([grouped.output, grouped.params], [['N', 14, 14, 64], 3 * 3 * 8 * 64 + 64]);
  });
});
