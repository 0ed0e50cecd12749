/**
 * The Keras constants the activations panel must honour, checked layer by layer against Keras's
 * own definitions written out in plain arithmetic (tfjs-layers has no Rescaling, no ReLU with a
 * threshold and no channels_first Flatten to compare with): ReLU's negative_slope / max_value /
 * threshold, LeakyReLU's layer default 0.3 against the `leaky_relu` function's 0.2, ELU's alpha,
 * BatchNormalization's epsilon, Rescaling's scale and offset (a number or one per channel),
 * Flatten(data_format='channels_first') and a KerasTensor times a number.
 */
import * as assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { activationPlan, type ActivationPlan } from '../../../src/core/analysis/activationPlan';
import { analyzePython } from '../../../src/core/analysis/analyzeDocument';
import { buildModel } from '../../../webview/activations/modelBuilder';
import { disposeWeights, mulberry32, seededWeights, type WeightStore } from '../../../webview/activations/weights';

const source = `from tensorflow import keras
from tensorflow.keras import layers


def build():
    inputs = keras.Input(shape=(4, 5, 3))
    x = layers.Rescaling(1.0 / 2, offset=-1, name="rescale")(inputs)
    x = layers.Rescaling([1.0, 2.0, -3.0], name="per_channel")(x)
    x = x * 0.5
    x = layers.BatchNormalization(epsilon=0.2, name="bn")(x)
    x = layers.ReLU(negative_slope=0.1, name="leaky_by_relu")(x)
    x = layers.ReLU(max_value=6, name="relu6")(x)
    x = layers.Rescaling(3.0, offset=-2, name="spread")(x)
    x = layers.ReLU(max_value=4.0, threshold=0.5, negative_slope=0.2, name="keras_relu")(x)
    x = layers.Rescaling(2.0, offset=-1, name="spread2")(x)
    x = layers.LeakyReLU(name="leaky_layer")(x)
    x = layers.LeakyReLU(negative_slope=0.05, name="leaky_given")(x)
    x = layers.Activation("leaky_relu", name="leaky_function")(x)
    x = layers.ELU(alpha=0.4, name="elu")(x)
    x = layers.Flatten(data_format="channels_first", name="flat")(x)
    return keras.Model(inputs, x)
`;

function planOf(text: string): ActivationPlan {
  const result = analyzePython('/fixtures/keras_constants.py', text, {
    host: { read: () => undefined, searchPaths: [] },
    timeMs: 10_000,
    now: () => 0,
  });
  assert.equal(result.models.length, 1);
  return activationPlan(
    result.models[0].analysis,
    { uri: '/fixtures/keras_constants.py', version: 1, name: 'keras_constants.py' },
    result.models[0].name,
  );
}

const leaky = (slope: number) => (x: number) => (x > 0 ? x : slope * x);

/** Keras's definition of each layer, per element (channel = index mod 3 for the 4×5×3 maps). */
function reference(weights: WeightStore): Record<string, (x: number, channel: number) => number> {
  const bn = (name: string) => Array.from(weights.get(`bn/${name}`)!.dataSync());
  const [gamma, beta, mean, variance] = ['gamma', 'beta', 'moving_mean', 'moving_variance'].map(bn);
  return {
    rescale: (x) => x / 2 - 1,
    per_channel: (x, c) => x * [1, 2, -3][c],
    mul: (x) => x * 0.5,
    bn: (x, c) => ((x - mean[c]) / Math.sqrt(variance[c] + 0.2)) * gamma[c] + beta[c],
    leaky_by_relu: leaky(0.1),
    relu6: (x) => Math.min(Math.max(x, 0), 6),
    spread: (x) => 3 * x - 2,
    keras_relu: (x) => (x > 0.5 ? Math.min(x, 4) : 0.2 * (x - 0.5)),
    spread2: (x) => 2 * x - 1,
    leaky_layer: leaky(0.3),
    leaky_given: leaky(0.05),
    leaky_function: leaky(0.2),
    elu: (x) => (x > 0 ? x : 0.4 * Math.expm1(x)),
  };
}

describe('model builder on Keras constants', () => {
  before(async () => {
    await tf.setBackend('cpu');
  });

  it('computes every layer as Keras defines it, with the constants the source gives', () => {
    const plan = planOf(source);
    const weights = seededWeights(plan, 3);
    // BatchNorm statistics that are not the trivial defaults.
    const random = mulberry32(9);
    for (const name of ['gamma', 'beta', 'moving_mean', 'moving_variance']) {
      const old = weights.get(`bn/${name}`)!;
      weights.set(
        `bn/${name}`,
        tf.tensor1d(
          Array.from({ length: 3 }, () =>
            name.endsWith('variance') || name === 'gamma' ? 0.5 + random() : random() - 0.5,
          ),
        ),
      );
      old.dispose();
    }
    const model = buildModel(plan, weights);
    assert.equal(model.unsupported, undefined, JSON.stringify(model.unsupported));
    const input = tf.tensor4d(
      Array.from({ length: 60 }, () => random() * 12 - 4),
      [1, 4, 5, 3],
    );
    const result = model.run(input);
    assert.equal(result.stopped, undefined, JSON.stringify(result.stopped));
    const expected = reference(weights);
    let previous = Array.from(input.dataSync());
    for (const node of plan.nodes) {
      const ours = Array.from(result.outputs.get(node.id)!.dataSync());
      const key = node.name ?? node.className;
      if (key === 'flat') {
        // channels_first: the input [1, 4, 5, 3] is read as (C=4, H=5, W=3) and flattened as (H, W, C).
        const moved = Array.from({ length: 60 }, (_, i) => previous[(i % 4) * 15 + Math.floor(i / 4)]);
        assert.deepEqual(ours, moved, 'Flatten(data_format="channels_first") moves channels last first');
      } else {
        const f = expected[key];
        assert.ok(f, `a reference for ${key}`);
        const want = previous.map((x, i) => f(x, i % 3));
        const worst = Math.max(...want.map((v, i) => Math.abs(v - ours[i])));
        assert.ok(
          worst <= 1e-4 * Math.max(...want.map(Math.abs), 1),
          `${key}: max |ours − Keras| = ${worst.toExponential(2)}`,
        );
      }
      previous = ours;
    }
    assert.deepEqual(
      plan.nodes.map((n) => n.name ?? n.className),
      [
        'rescale',
        'per_channel',
        'mul',
        'bn',
        'leaky_by_relu',
        'relu6',
        'spread',
        'keras_relu',
        'spread2',
        'leaky_layer',
        'leaky_given',
        'leaky_function',
        'elu',
        'flat',
      ],
    );
    result.dispose();
    model.dispose();
    disposeWeights(weights);
    input.dispose();
  });
});
