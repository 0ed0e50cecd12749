/**
 * The activations panel's model builder in plain Node on tfjs's cpu backend: every sample model
 * runs end to end with seeded weights and every layer's output has the shape the analysis gave
 * it; small modules of our own give the same numbers as PyTorch itself (where Debian's torch is
 * installed) with the same weights and input; the course's edge detectors give the course's
 * answer; and a layer the builder cannot run exactly is named before the run, which stops there.
 */
import * as assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as tfl from '@tensorflow/tfjs-layers';
import { activationPlan, type ActivationPlan } from '../../../src/core/analysis/activationPlan';
import type { FileAnalysis } from '../../../src/core/frontends/modelResult';
import { analyzeDocument, analyzePython } from '../../../src/core/analysis/analyzeDocument';
import { buildModel, planShapeAtBatch1, toPlanLayout, type RunResult } from '../../../webview/activations/modelBuilder';
import { convertHeld } from '../../../webview/activations/tensorLayout';
import { courseFilters, disposeWeights, expectedWeights, mulberry32, seededWeights, weightId, type WeightStore } from '../../../webview/activations/weights';
import { runInTorch, torchFixtures, torchUnavailableReason, type JsonTensor, type TorchCase, type TorchOutcome } from './torchFixtures';

const samples = join(__dirname, '../../../samples');
const host = { read: (p: string) => { try { return readFileSync(p, 'utf8'); } catch { return undefined; } }, searchPaths: [] };

type Plans = { plan: ActivationPlan; macs: number }[];

function plansFrom(path: string, result: FileAnalysis): Plans {
  return result.models.map((m) => ({
    plan: activationPlan(m.analysis, { uri: path, version: 1, name: path.split('/').pop()! }, m.name),
    macs: m.analysis.nodeResults.reduce((sum, r) => sum + (r.macs ?? 0), 0),
  }));
}

/** Every model in a source text, as activation plans; `input` overrides the declared input shape. */
function plansOf(path: string, text: string, input?: readonly number[]): Plans {
  return plansFrom(path, analyzePython(path, text, { host, timeMs: 10_000, now: () => 0, input }));
}

/** A sample's plans: a notebook's code cells are one program, as the editor analyses them. */
async function samplePlans(path: string, text: string, input?: readonly number[]): Promise<Plans> {
  if (!path.endsWith('.ipynb')) return plansOf(path, text, input);
  return plansFrom(path, await analyzeDocument({ uri: path, text }, { source: host }, { timeMs: 10_000, input }));
}

function planOf(name: string, text: string): ActivationPlan {
  const plans = plansOf(`/fixtures/${name}.py`, text);
  const found = plans.find((p) => p.plan.model === name) ?? plans[0];
  assert.ok(found, `the analysis finds ${name}`);
  return found.plan;
}

/** The tensor a node produced, in the plan's own layout. */
function planLayoutOutput(result: RunResult, nodeId: string): tf.Tensor {
  const tensor = result.outputs.get(nodeId);
  assert.ok(tensor, `node ${nodeId} ran`);
  return convertHeld({ tensor, layout: result.layouts.get(nodeId)! }, 'asPlan');
}

/** The node writing the plan's (first) output. */
function outputNode(plan: ActivationPlan): string {
  const node = plan.nodes.find((n) => n.outputs[0] === plan.outputs[0]);
  assert.ok(node, 'a node writes the model output');
  return node.id;
}

function randomValues(size: number, seed: number): Float32Array {
  const random = mulberry32(seed);
  return Float32Array.from({ length: size }, () => random() * 2 - 1);
}

before(async () => {
  await tf.setBackend('cpu');
});

describe('model builder on the samples', function () {
  this.timeout(240_000); // the slowest sample ~12 s idle; 58 s measured on a machine loaded 5×
  // tfjs's cpu backend is plain JavaScript: ~2 s per GMAC. Models above this run at a smaller input.
  const macBudget = 1.2e9;
  // The notebook too: its models come from several cells, and only the model's own input is fed.
  const files = readdirSync(samples).filter((f) => f.endsWith('.py') || f.endsWith('.ipynb'));

  it('finds sample models in both frameworks', async () => {
    const read = (f: string) => samplePlans(join(samples, f), readFileSync(join(samples, f), 'utf8'));
    const plans = await Promise.all(files.map(read));
    const frameworks = new Set(plans.flat().map((p) => p.plan.framework));
    assert.deepEqual([...frameworks].sort(), ['keras', 'pytorch']);
  });

  for (const file of files) {
    it(`runs every layer of ${file} with the shapes the analysis gives`, async () => {
      const path = join(samples, file);
      const text = readFileSync(path, 'utf8');
      const found = await samplePlans(path, text);
      assert.ok(found.length, `a model in ${file}`);
      for (let { plan, macs } of found) {
        // Halve the image until the forward pass fits the budget (shapes are re-derived by the analysis).
        while (macs > macBudget) {
          const shape = planShapeAtBatch1(plan.inputs[0].shape)!;
          const spatial = plan.layout === 'channels_first' ? [2, 3] : [1, 2];
          const smaller = shape.map((d, i) => (spatial.includes(i) ? Math.floor(d / 2) : d));
          ({ plan, macs } = (await samplePlans(path, text, smaller)).find((p) => p.plan.model === plan.model)!);
        }
        const before = tf.memory().numTensors;
        const weights = seededWeights(plan, 1);
        const model = buildModel(plan, weights);
        assert.equal(model.unsupported, undefined, `${plan.model}: ${JSON.stringify(model.unsupported)}`);
        const input = tf.randomUniform(model.inputShapes[0]!, 0, 1, 'float32', 7);
        const result = model.run(input);
        assert.equal(result.stopped, undefined, `${plan.model}: ${JSON.stringify(result.stopped)}`);
        assert.equal(result.ran.length, plan.nodes.length);
        for (const node of plan.nodes) {
          const tensor = result.outputs.get(node.id)!;
          assert.deepEqual(toPlanLayout(tensor.shape, result.layouts.get(node.id)!), planShapeAtBatch1(node.outputShapes[0]), `${plan.model} ${node.id} ${node.name ?? node.className}`);
        }
        const last = result.outputs.get(outputNode(plan))!.dataSync();
        assert.ok(!last.some(Number.isNaN), `${plan.model}: no NaN in the output`);
        result.dispose();
        model.dispose();
        disposeWeights(weights);
        input.dispose();
        assert.equal(tf.memory().numTensors, before, `${plan.model}: every tensor freed`);
      }
    });
  }
});

/** PyTorch's state_dict for a store: `${weightKey}/${name}` becomes `${weightKey}.${name}`. */
function stateDict(weights: WeightStore): Record<string, JsonTensor> {
  return Object.fromEntries([...weights].map(([id, t]) => [id.replace(/\/([^/]+)$/, '.$1'), { shape: t.shape, data: Array.from(t.dataSync()) }]));
}

/** Running statistics and PReLU slopes that are not the trivial defaults, so BN and PReLU are really tested. */
function varyStatistics(plan: ActivationPlan, weights: WeightStore, seed: number): void {
  for (const w of expectedWeights(plan)) {
    const vary = ['batchNorm', 'layerNorm', 'groupNorm', 'activation'].includes(w.node.spec.kind);
    const old = weights.get(w.id);
    if (!vary || !old) continue;
    const aroundOne = ['running_var', 'moving_variance', 'weight', 'gamma'].includes(w.name);
    const values = randomValues(old.size, seed++).map((v) => (aroundOne ? 1 + 0.5 * v : 0.5 * v));
    weights.set(w.id, tf.tensor(values, old.shape));
    old.dispose();
  }
}

describe('model builder against PyTorch', function () {
  this.timeout(240_000);
  const unavailable = torchUnavailableReason();
  const ours = new Map<string, { shape: number[]; output: Float32Array }>();
  let torch: Record<string, TorchOutcome> = {};

  before(function () {
    if (unavailable) {
      console.log(`    skipped: ${unavailable}`);
      this.skip();
    }
    const cases: TorchCase[] = [];
    torchFixtures.forEach((fixture, index) => {
      const plan = planOf(fixture.model, fixture.source);
      const weights = seededWeights(plan, 11 + index);
      varyStatistics(plan, weights, 100 * index);
      const model = buildModel(plan, weights);
      assert.equal(model.unsupported, undefined, `${fixture.model}: ${JSON.stringify(model.unsupported)}`);
      const inputShape = planShapeAtBatch1(plan.inputs[0].shape)!;
      const data = randomValues(inputShape.reduce((a, b) => a * b, 1), 7 + index);
      const input = tf.tidy(() => convertHeld({ tensor: tf.tensor(data, inputShape), layout: 'asPlan' }, 'channelsLast'));
      const result = model.run(input);
      assert.equal(result.stopped, undefined, `${fixture.model}: ${JSON.stringify(result.stopped)}`);
      const output = tf.tidy(() => planLayoutOutput(result, outputNode(plan)));
      ours.set(fixture.model, { shape: output.shape, output: output.dataSync() as Float32Array });
      cases.push({ model: fixture.model, source: fixture.source, input: { shape: inputShape, data: Array.from(data) }, state: stateDict(weights) });
      for (const t of [output, input]) t.dispose();
      result.dispose();
      model.dispose();
      disposeWeights(weights);
    });
    torch = runInTorch(cases);
  });

  for (const fixture of torchFixtures) {
    it(`${fixture.model} gives PyTorch's output`, () => {
      const expected = torch[fixture.model];
      const actual = ours.get(fixture.model)!;
      assert.deepEqual(expected.unexpected, [], 'every weight we made is one PyTorch has');
      assert.deepEqual(expected.missing, [], 'every weight PyTorch has was set');
      assert.deepEqual(actual.shape, expected.shape);
      const scale = Math.max(...expected.output.map(Math.abs), 1e-6);
      const worst = Math.max(...expected.output.map((v, i) => Math.abs(v - actual.output[i])));
      assert.ok(worst / scale <= 1e-4, `${fixture.model}: max |ours − torch| = ${worst.toExponential(2)} against max |torch| = ${scale.toExponential(2)}`);
    });
  }
});

/** A Keras model of our own, and the same model in tfjs-layers (Keras's semantics in TensorFlow.js). */
const kerasMixed = `from tensorflow import keras
from tensorflow.keras import layers


def build_mixed():
    inputs = keras.Input(shape=(9, 10, 3))
    x = layers.Conv2D(4, 4, strides=2, padding="same", name="c1")(inputs)
    x = layers.BatchNormalization(name="bn")(x)
    x = layers.LeakyReLU(name="leaky")(x)
    x = layers.DepthwiseConv2D(3, strides=2, padding="same", depth_multiplier=2, activation="relu6", name="dw")(x)
    y = layers.SeparableConv2D(5, 3, padding="same", depth_multiplier=2, activation="selu", name="sep")(x)
    y = layers.AveragePooling2D(3, strides=2, padding="same", name="avg")(y)
    z = layers.MaxPooling2D(2, padding="same", name="maxp")(x)
    m = layers.Concatenate(name="cat")([y, z])
    u = layers.Conv2DTranspose(6, 3, strides=2, padding="same", activation="swish", name="up")(m)
    v = layers.Conv2D(4, 2, padding="valid", activation="tanh", name="c2")(u)
    g = layers.GlobalAveragePooling2D(name="gap")(v)
    f = layers.Flatten(name="flat")(v)
    h = layers.Concatenate(name="cat2")([g, f])
    out = layers.Dense(3, activation="softmax", name="fc")(h)
    return keras.Model(inputs, out)
`;

function kerasMixedInTfjsLayers(): tfl.LayersModel {
  const L = tfl.layers;
  const apply = (layer: tfl.layers.Layer, x: tfl.SymbolicTensor | tfl.SymbolicTensor[]) => layer.apply(x) as tfl.SymbolicTensor;
  const input = tfl.input({ shape: [9, 10, 3] });
  let x = apply(L.conv2d({ name: 'c1', filters: 4, kernelSize: 4, strides: 2, padding: 'same' }), input);
  x = apply(L.batchNormalization({ name: 'bn' }), x);
  x = apply(L.leakyReLU({ name: 'leaky' }), x);
  x = apply(L.depthwiseConv2d({ name: 'dw', kernelSize: 3, strides: 2, padding: 'same', depthMultiplier: 2, activation: 'relu6' }), x);
  let y = apply(L.separableConv2d({ name: 'sep', filters: 5, kernelSize: 3, padding: 'same', depthMultiplier: 2, activation: 'selu' }), x);
  y = apply(L.averagePooling2d({ name: 'avg', poolSize: 3, strides: 2, padding: 'same' }), y);
  const z = apply(L.maxPooling2d({ name: 'maxp', poolSize: 2, padding: 'same' }), x);
  const m = apply(L.concatenate({ name: 'cat' }), [y, z]);
  const u = apply(L.conv2dTranspose({ name: 'up', filters: 6, kernelSize: 3, strides: 2, padding: 'same', activation: 'swish' }), m);
  const v = apply(L.conv2d({ name: 'c2', filters: 4, kernelSize: 2, padding: 'valid', activation: 'tanh' }), u);
  const h = apply(L.concatenate({ name: 'cat2' }), [apply(L.globalAveragePooling2d({ name: 'gap' }), v), apply(L.flatten({ name: 'flat' }), v)]);
  return tfl.model({ inputs: input, outputs: apply(L.dense({ name: 'fc', units: 3, activation: 'softmax' }), h) });
}

describe('model builder against tfjs-layers (Keras semantics)', () => {
  it('gives the same output as tfjs-layers at every layer of a Keras model', () => {
    const plan = planOf('build_mixed', kerasMixed);
    const weights = seededWeights(plan, 5);
    varyStatistics(plan, weights, 50);
    const model = buildModel(plan, weights);
    assert.equal(model.unsupported, undefined);
    const input = tf.tensor4d(randomValues(9 * 10 * 3, 3), [1, 9, 10, 3]);
    const result = model.run(input);
    assert.equal(result.stopped, undefined);
    const reference = kerasMixedInTfjsLayers();
    for (const layer of reference.layers) if (layer.weights.length) layer.setWeights(layer.weights.map((w) => weights.get(w.originalName)!));
    for (const node of plan.nodes) {
      const theirs = tf.tidy(() => (tfl.model({ inputs: reference.inputs, outputs: reference.getLayer(node.name!).output as tfl.SymbolicTensor }).predict(input) as tf.Tensor).dataSync());
      const ours = result.outputs.get(node.id)!.dataSync();
      const scale = Math.max(...theirs.map(Math.abs), 1e-6);
      const worst = Math.max(...theirs.map((v, i) => Math.abs(v - ours[i])));
      assert.ok(worst / scale <= 1e-4, `${node.name}: max |ours − tfjs-layers| = ${worst.toExponential(2)} against ${scale.toExponential(2)}`);
    }
    reference.dispose();
    result.dispose();
    model.dispose();
    disposeWeights(weights);
    input.dispose();
  });
});

describe('seeded weights', () => {
  const lenet = (file: string) => plansOf(join(samples, file), readFileSync(join(samples, file), 'utf8'))[0].plan;
  const values = (store: WeightStore, id: string) => Array.from(store.get(id)!.dataSync());

  it('are reproducible from the seed, and differ between seeds', () => {
    const plan = lenet('lenet5_pytorch.py');
    const [a, b, c] = [seededWeights(plan, 1), seededWeights(plan, 1), seededWeights(plan, 2)];
    assert.deepEqual(values(a, 'conv1/weight'), values(b, 'conv1/weight'));
    assert.notDeepEqual(values(a, 'conv1/weight'), values(c, 'conv1/weight'));
    for (const store of [a, b, c]) disposeWeights(store);
  });

  it('follow PyTorch: kaiming_uniform(a=√5) and U(±1/√fan_in) bias, BatchNorm buffers included', () => {
    const plan = planOf('Block', `import torch\nfrom torch import nn\n\n\n# cnn-lens: input=(1, 3, 8, 8)\nclass Block(nn.Module):\n    def __init__(self):\n        super().__init__()\n        self.conv = nn.Conv2d(3, 16, 3)\n        self.bn = nn.BatchNorm2d(16)\n\n    def forward(self, x):\n        return self.bn(self.conv(x))\n`);
    const store = seededWeights(plan, 1);
    const bound = 1 / Math.sqrt(3 * 3 * 3);
    for (const id of ['conv/weight', 'conv/bias']) {
      const v = values(store, id);
      assert.ok(v.every((x) => Math.abs(x) <= bound) && Math.max(...v.map(Math.abs)) > 0.8 * bound, id);
    }
    assert.deepEqual([...new Set(values(store, 'bn/weight'))], [1]);
    assert.deepEqual([...new Set(values(store, 'bn/running_mean'))], [0]);
    assert.deepEqual([...new Set(values(store, 'bn/running_var'))], [1]);
    disposeWeights(store);
  });

  it('follow Keras: glorot_uniform kernels and zero biases', () => {
    const plan = lenet('lenet5_keras.py');
    const store = seededWeights(plan, 1);
    const limit = Math.sqrt(6 / (5 * 5 * 1 + 5 * 5 * 6));
    const kernel = values(store, 'conv2d/kernel');
    assert.ok(kernel.every((x) => Math.abs(x) <= limit) && Math.max(...kernel.map(Math.abs)) > 0.8 * limit);
    assert.deepEqual([...new Set(values(store, 'conv2d/bias'))], [0]);
    disposeWeights(store);
  });
});

describe('course filters', () => {
  /** The course's 6×6 grey image (NHWC): left half 10, right half 0. */
  const courseImage = () => tf.tensor4d(Array.from({ length: 36 }, (_, i) => (i % 6 < 3 ? 10 : 0)), [1, 6, 6, 1]);

  it('puts the vertical edge detector in a PyTorch conv and gives the course\'s 4×4 answer', () => {
    const plan = planOf('EdgeDetector', `import torch\nfrom torch import nn\n\n\n# cnn-lens: input=(1, 1, 6, 6)\nclass EdgeDetector(nn.Module):\n    def __init__(self):\n        super().__init__()\n        self.conv = nn.Conv2d(1, 7, 3)\n\n    def forward(self, x):\n        return self.conv(x)\n`);
    const seeded = seededWeights(plan, 1);
    const course = courseFilters(plan, seeded);
    disposeWeights(seeded);
    assert.deepEqual(course.channels.map((c) => c.filter), ['vertical edge', 'horizontal edge', 'Sobel vertical', 'Sobel horizontal', 'Scharr vertical', 'Scharr horizontal', 'vertical edge']);
    assert.equal(course.labels.get(0), 'vertical edge');
    assert.equal(course.layer?.weightKey, 'conv');
    assert.deepEqual(Array.from(course.weights.get(weightId('conv', 'bias'))!.dataSync()), [0, 0, 0, 0, 0, 0, 0]);
    const model = buildModel(plan, course.weights);
    const image = courseImage();
    const result = model.run(image);
    const maps = planLayoutOutput(result, plan.nodes[0].id).arraySync() as number[][][][];
    assert.deepEqual(maps[0][0], Array(4).fill([0, 30, 30, 0]), 'vertical edge');
    assert.deepEqual(maps[0][1], Array(4).fill([0, 0, 0, 0]), 'horizontal edge: none');
    assert.deepEqual(maps[0][2], Array(4).fill([0, 40, 40, 0]), 'Sobel vertical');
    assert.deepEqual(maps[0][4], Array(4).fill([0, 160, 160, 0]), 'Scharr vertical');
    result.dispose();
    model.dispose();
    disposeWeights(course.weights);
    image.dispose();
  });

  it('centres the pattern in a larger Keras kernel, the same on every input channel', () => {
    const text = `from tensorflow import keras\nfrom tensorflow.keras import layers\n\n\ndef build():\n    inputs = keras.Input(shape=(6, 6, 2))\n    outputs = layers.Conv2D(2, 5, padding="same")(inputs)\n    return keras.Model(inputs, outputs)\n`;
    const plan = planOf('build', text);
    const course = courseFilters(plan, seededWeights(plan, 1));
    const kernel = course.weights.get(weightId(course.layer!.weightKey, 'kernel'))!.arraySync() as number[][][][];
    const vertical = [[1, 0, -1], [1, 0, -1], [1, 0, -1]];
    for (let y = 0; y < 5; y++) {
      for (let x = 0; x < 5; x++) {
        const inside = y >= 1 && y <= 3 && x >= 1 && x <= 3;
        for (const c of [0, 1]) assert.equal(kernel[y][x][c][0], inside ? vertical[y - 1][x - 1] : 0, `[${y}, ${x}, ${c}]`);
      }
    }
    const model = buildModel(plan, course.weights);
    const grey = courseImage();
    const image = tf.concat([grey, grey], 3);
    const result = model.run(image);
    const maps = result.outputs.get(plan.nodes[0].id)!.arraySync() as number[][][][];
    // Interior rows, channel 0, 'same' zero padding: two input channels double the course's ±30.
    for (const row of [1, 2, 3, 4]) assert.deepEqual(maps[0][row].map((px) => px[0]), [-60, 0, 60, 60, 0, 0]);
    for (const t of [grey, image]) t.dispose();
    result.dispose();
    model.dispose();
    disposeWeights(course.weights);
  });
});

describe('layers the builder cannot run exactly', () => {
  it('names the first one before running, runs the layers before it and none after', () => {
    const plan = planOf('Bicubic', `import torch\nfrom torch import nn\n\n\n# cnn-lens: input=(1, 8, 4, 4)\nclass Bicubic(nn.Module):\n    def __init__(self):\n        super().__init__()\n        self.conv = nn.Conv2d(8, 2, 1)\n        self.up = nn.Upsample(scale_factor=2, mode='bicubic')\n        self.head = nn.Conv2d(2, 2, 1)\n\n    def forward(self, x):\n        return self.head(self.up(self.conv(x)))\n`);
    const weights = seededWeights(plan, 1);
    const model = buildModel(plan, weights);
    assert.equal(plan.nodes.length, 3);
    assert.deepEqual(model.unsupported, { nodeId: plan.nodes[1].id, name: 'up', kind: 'upsample', className: 'Upsample', reason: "upsampling mode 'bicubic' is not run in the activations panel" });
    assert.equal(model.runnableNodes, 1);
    const input = tf.zeros(model.inputShapes[0]!);
    const result = model.run(input);
    assert.deepEqual(result.ran, [plan.nodes[0].id]);
    assert.deepEqual(result.stopped, model.unsupported);
    for (const t of [input]) t.dispose();
    result.dispose();
    model.dispose();
    disposeWeights(weights);
  });

  it('refuses a layer whose constant the source gives in a form the analysis cannot evaluate, rather than use a default', () => {
    const keras = planOf('build', `from tensorflow import keras\nfrom tensorflow.keras import layers\nimport config\n\n\ndef build(eps=config.EPS):\n    inputs = keras.Input(shape=(8, 8, 3))\n    x = layers.Rescaling(1.0 / 255)(inputs)\n    x = layers.BatchNormalization(epsilon=eps)(x)\n    return keras.Model(inputs, layers.Conv2D(4, 3)(x))\n`);
    const kerasModel = buildModel(keras, seededWeights(keras, 1));
    assert.equal(kerasModel.unsupported?.kind, 'batchNorm');
    assert.equal(kerasModel.unsupported?.reason, 'the source gives its epsilon in a form the analysis could not evaluate');
    assert.equal(kerasModel.runnableNodes, 1, 'the Rescaling before it runs');
    const torch = planOf('Slope', `import torch\nfrom torch import nn\nimport torch.nn.functional as F\nimport config\n\n\n# cnn-lens: input=(1, 3, 8, 8)\nclass Slope(nn.Module):\n    def __init__(self):\n        super().__init__()\n        self.conv = nn.Conv2d(3, 3, 1)\n\n    def forward(self, x):\n        return F.leaky_relu(self.conv(x), config.SLOPE)\n`);
    const torchModel = buildModel(torch, seededWeights(torch, 1));
    assert.equal(torchModel.unsupported?.reason, 'the source gives its negative_slope in a form the analysis could not evaluate');
  });

  it('stops at a layer whose output disagrees with the analysis instead of keeping it', () => {
    const plan = planOf('FlattenLinear', torchFixtures.find((f) => f.model === 'FlattenLinear')!.source);
    const wrong = { ...plan, nodes: plan.nodes.map((n, i) => (i === 1 ? { ...n, outputShapes: [[1, 4, 5, 6]] } : n)) };
    const weights = seededWeights(plan, 1);
    const model = buildModel(wrong, weights);
    const before = tf.memory().numTensors;
    const input = tf.zeros(model.inputShapes[0]!);
    const result = model.run(input);
    assert.equal(result.stopped?.nodeId, plan.nodes[1].id);
    assert.match(result.stopped!.reason, /produced \[1, 4, 6, 5\] where the analysis says \[1, 4, 5, 6\]/);
    assert.deepEqual(result.ran, [plan.nodes[0].id]);
    result.dispose();
    input.dispose();
    assert.equal(tf.memory().numTensors, before);
    model.dispose();
    disposeWeights(weights);
  });
});
