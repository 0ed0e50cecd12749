// Writes test/fixtures/models/: small models of our own built with TensorFlow.js layers in Node,
// saved both as Keras JSON (`model.toJSON()`, what Keras's `model.to_json()` writes) and as a tfjs
// layers-model `model.json` with its weights, plus a Keras 3 spelling of the functional ones and
// the ground truth tfjs itself computed (countParams, each layer's outputShape). The Keras JSON
// front-end's tests read these files and compare our analysis against that ground truth, so the
// fixtures are generated here, by the library that defines the format, never written by hand.
// tfjs leaves depth_multiplier out of SeparableConv2D's config; Keras writes it, so the Keras JSON
// files get it back from the layer here, and the tfjs model.json keeps tfjs's own (lossy) output.
// Run: node scripts/make-model-fixtures.mjs
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tfc from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as tfl from '@tensorflow/tfjs-layers';

const out = join(dirname(fileURLToPath(import.meta.url)), '..', 'test', 'fixtures', 'models');
mkdirSync(out, { recursive: true });
await tfc.setBackend('cpu');
const L = tfl.layers;

function lenet5() {
  return tfl.sequential({
    name: 'lenet5',
    layers: [
      L.conv2d({ name: 'c1', inputShape: [32, 32, 1], filters: 6, kernelSize: 5, activation: 'tanh' }),
      L.averagePooling2d({ name: 's2', poolSize: 2 }),
      L.conv2d({ name: 'c3', filters: 16, kernelSize: 5, activation: 'tanh' }),
      L.averagePooling2d({ name: 's4', poolSize: 2 }),
      L.flatten({ name: 'flatten' }),
      L.dense({ name: 'f5', units: 120, activation: 'tanh' }),
      L.dense({ name: 'f6', units: 84, activation: 'tanh' }),
      L.dense({ name: 'output', units: 10, activation: 'softmax' }),
    ],
  });
}

function resnetBlock() {
  const x = tfl.input({ shape: [32, 32, 16], name: 'image' });
  let y = L.conv2d({ name: 'conv1', filters: 32, kernelSize: 3, strides: 2, padding: 'same', useBias: false }).apply(x);
  y = L.batchNormalization({ name: 'bn1' }).apply(y);
  y = L.reLU({ name: 'relu1' }).apply(y);
  y = L.conv2d({ name: 'conv2', filters: 32, kernelSize: 3, padding: 'same', useBias: false }).apply(y);
  y = L.batchNormalization({ name: 'bn2' }).apply(y);
  let s = L.conv2d({ name: 'shortcut_conv', filters: 32, kernelSize: 1, strides: 2, useBias: false }).apply(x);
  s = L.batchNormalization({ name: 'shortcut_bn' }).apply(s);
  let z = L.add({ name: 'add' }).apply([y, s]);
  z = L.activation({ name: 'relu_out', activation: 'relu' }).apply(z);
  return tfl.model({ name: 'resnet_block', inputs: x, outputs: z });
}

function inception() {
  const x = tfl.input({ shape: [28, 28, 64], name: 'input' });
  const conv = (name, filters, k, from) => L.conv2d({ name, filters, kernelSize: k, padding: 'same', activation: 'relu' }).apply(from);
  const b1 = conv('b1_1x1', 32, 1, x);
  const b2 = conv('b2_3x3', 48, 3, conv('b2_1x1', 32, 1, x));
  const b3 = conv('b3_5x5', 16, 5, conv('b3_1x1', 8, 1, x));
  const b4 = conv('b4_1x1', 16, 1, L.maxPooling2d({ name: 'b4_pool', poolSize: 3, strides: 1, padding: 'same' }).apply(x));
  const y = L.concatenate({ name: 'concat', axis: -1 }).apply([b1, b2, b3, b4]);
  return tfl.model({ name: 'inception_block', inputs: x, outputs: y });
}

function mobilenet() {
  const x = tfl.input({ shape: [32, 32, 3], name: 'input' });
  let y = L.conv2d({ name: 'conv1', filters: 16, kernelSize: 3, strides: 2, padding: 'same', useBias: false }).apply(x);
  y = L.batchNormalization({ name: 'conv1_bn' }).apply(y);
  y = L.reLU({ name: 'conv1_relu', maxValue: 6 }).apply(y);
  y = L.depthwiseConv2d({ name: 'dw1', kernelSize: 3, padding: 'same', useBias: false }).apply(y);
  y = L.batchNormalization({ name: 'dw1_bn' }).apply(y);
  y = L.reLU({ name: 'dw1_relu', maxValue: 6 }).apply(y);
  y = L.conv2d({ name: 'pw1', filters: 32, kernelSize: 1, useBias: false }).apply(y);
  y = L.batchNormalization({ name: 'pw1_bn' }).apply(y);
  y = L.reLU({ name: 'pw1_relu', maxValue: 6 }).apply(y);
  y = L.separableConv2d({ name: 'sep2', filters: 64, kernelSize: 3, strides: 2, padding: 'same', depthMultiplier: 2 }).apply(y);
  y = L.globalAveragePooling2d({ name: 'gap' }).apply(y);
  y = L.dropout({ name: 'dropout', rate: 0.2 }).apply(y);
  y = L.dense({ name: 'logits', units: 10 }).apply(y);
  return tfl.model({ name: 'mobilenet_block', inputs: x, outputs: y });
}

/** A functional block used as a layer, twice (one module, two applications), inside a model that also shares a Dense layer. */
function nested() {
  const bx = tfl.input({ shape: [16, 16, 8], name: 'block_in' });
  let by = L.conv2d({ name: 'block_conv', filters: 8, kernelSize: 3, padding: 'same', useBias: false }).apply(bx);
  by = L.batchNormalization({ name: 'block_bn' }).apply(by);
  by = L.activation({ name: 'block_relu', activation: 'relu' }).apply(by);
  const block = tfl.model({ name: 'conv_block', inputs: bx, outputs: by });
  const x = tfl.input({ shape: [16, 16, 3], name: 'input' });
  let y = L.conv2d({ name: 'stem', filters: 8, kernelSize: 3, padding: 'same' }).apply(x);
  y = block.apply(y);
  y = block.apply(y);
  y = L.globalAveragePooling2d({ name: 'gap' }).apply(y);
  const head = L.dense({ name: 'head', units: 8, activation: 'relu' });
  y = head.apply(head.apply(y));
  y = L.dense({ name: 'classes', units: 5, activation: 'softmax' }).apply(y);
  return tfl.model({ name: 'nested_model', inputs: x, outputs: y });
}

/** What tfjs itself says: the totals and every layer's output shape (batch null). */
function groundTruth(model) {
  const count = (ws) => ws.reduce((n, w) => n + w.shape.reduce((a, b) => a * b, 1), 0);
  return {
    params: model.countParams(),
    trainable: count(model.trainableWeights),
    nonTrainable: count(model.nonTrainableWeights),
    layers: model.layers.map((l) => ({ name: l.name, className: l.getClassName(), outputShape: l.outputShape })),
  };
}

/**
 * The same topology in Keras 3's spelling: `batch_shape`, dtype policies as objects, `module` and
 * `registered_name`, and inbound nodes as `{args: [__keras_tensor__ ...], kwargs}`.
 */
function toKeras3(topology) {
  // Keras 2 and tfjs number a nested model's nodes from 1 (its own construction is node 0); Keras 3 from 0.
  const nested = new Set();
  const collect = (layers) => layers.forEach((l) => Array.isArray(l.config?.layers) && (nested.add(l.name), collect(l.config.layers)));
  collect(topology.config.layers);
  const tensor = ([layer, node, index]) => ({ class_name: '__keras_tensor__', config: { shape: null, dtype: 'float32', keras_history: [layer, nested.has(layer) ? node - 1 : node, index] } });
  const layerTo3 = (layer) => {
    const config = { ...layer.config };
    if (config.batch_input_shape) {
      config.batch_shape = config.batch_input_shape;
      delete config.batch_input_shape;
    }
    if (typeof config.dtype === 'string') config.dtype = { module: 'keras', class_name: 'DTypePolicy', config: { name: config.dtype }, registered_name: null };
    if (Array.isArray(config.layers)) return { module: 'keras', class_name: layer.class_name === 'Model' ? 'Functional' : layer.class_name, config: modelTo3(config), registered_name: null, name: layer.name, inbound_nodes: nodesTo3(layer.inbound_nodes) };
    const out = { module: 'keras.layers', class_name: layer.class_name, config, registered_name: null };
    if (layer.inbound_nodes) Object.assign(out, { name: layer.name, inbound_nodes: nodesTo3(layer.inbound_nodes) });
    return out;
  };
  const nodesTo3 = (nodes) =>
    (nodes ?? []).map((node) => {
      const tensors = node.map(tensor);
      return { args: tensors.length === 1 ? tensors : [tensors], kwargs: {} };
    });
  const modelTo3 = (config) => ({ ...config, layers: config.layers.map(layerTo3) });
  return { module: 'keras', class_name: topology.class_name === 'Model' ? 'Functional' : topology.class_name, config: modelTo3(topology.config), registered_name: 'Functional', keras_version: '3.3.3', backend: 'tensorflow' };
}

const builders = { lenet5, resnet_block: resnetBlock, inception_block: inception, mobilenet_block: mobilenet, nested_model: nested };
const readme = [];
for (const [name, build] of Object.entries(builders)) {
  const model = build();
  const topology = model.toJSON(null, false);
  const fill = (layers, config) => config.layers.forEach((l, i) => (l.class_name === 'SeparableConv2D' ? (l.config.depth_multiplier ??= layers[i].depthMultiplier) : Array.isArray(l.config.layers) && fill(layers[i].layers, l.config)));
  fill(model.layers.filter((l) => l.getClassName() !== 'InputLayer' || topology.class_name !== 'Sequential'), topology.config);
  writeFileSync(join(out, `${name}.keras.json`), JSON.stringify(topology, null, 1) + '\n');
  if (topology.class_name !== 'Sequential') writeFileSync(join(out, `${name}.keras3.json`), JSON.stringify(toKeras3(topology), null, 1) + '\n');
  let artifacts;
  await model.save(tfc.io.withSaveHandler(async (a) => ((artifacts = a), { modelArtifactsInfo: { dateSaved: new Date(0), modelTopologyType: 'JSON' } })));
  mkdirSync(join(out, `${name}.tfjs`), { recursive: true });
  const modelJson = { format: 'layers-model', generatedBy: artifacts.generatedBy, convertedBy: null, modelTopology: artifacts.modelTopology, weightsManifest: [{ paths: ['group1-shard1of1.bin'], weights: artifacts.weightSpecs }] };
  writeFileSync(join(out, `${name}.tfjs`, 'model.json'), JSON.stringify(modelJson, null, 1) + '\n');
  writeFileSync(join(out, `${name}.tfjs`, 'group1-shard1of1.bin'), Buffer.from(artifacts.weightData));
  writeFileSync(join(out, `${name}.expected.json`), JSON.stringify(groundTruth(model), null, 1) + '\n');
  readme.push(name);
}
console.log(`wrote ${readme.join(', ')} to ${out}`);
