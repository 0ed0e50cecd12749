// Writes a Keras ResNet-50 as `model.save('resnet50.h5')` lays one out: the topology is
// keras.applications.ResNet50's (ZeroPadding2D stem, conv2–conv5 stacks of 3+4+6+3 bottleneck
// blocks with a projection shortcut in each stack's first block, biases on every conv, BN with
// eps 1.001e-5, GAP, Dense 1000 softmax; the same layer names), built with tfjs-layers in Node so
// the library that defines the format writes the model_config, and tfjs's own countParams() is
// the ground truth. The weights are seeded random float32 of each variable's shape, written with
// the h5 test helper (test/unit/frontends/kerasH5Writer.ts), so the file holds ~100 MB of real
// bytes in the Keras 2 `model_weights/<layer>/<layer>/<weight>:0` layout.
import * as tfc from '@tensorflow/tfjs-core';
// Named, not a bare import: the package marks its Node entry side-effect free, so a bundler would drop it.
import { version_cpu as cpuBackend } from '@tensorflow/tfjs-backend-cpu';
import * as tfl from '@tensorflow/tfjs-layers';
import { writeFileSync } from 'node:fs';

import { loadH5wasm, writeH5 } from '../../test/unit/frontends/kerasH5Writer.ts';
import { seededFloats } from './resnet50Onnx.mjs';

/** keras.applications.ResNet50(weights=None) reports 25,636,712 parameters (53,120 of them BN moving statistics). */
export const kerasApplicationsParams = 25_636_712;

function resnet50() {
  const L = tfl.layers;
  const bnAxis = 3;
  const input = tfl.input({ shape: [224, 224, 3], name: 'input_1' });
  let x = L.zeroPadding2d({ name: 'conv1_pad', padding: 3 }).apply(input);
  x = L.conv2d({ name: 'conv1_conv', filters: 64, kernelSize: 7, strides: 2 }).apply(x);
  x = L.batchNormalization({ name: 'conv1_bn', axis: bnAxis, epsilon: 1.001e-5 }).apply(x);
  x = L.activation({ name: 'conv1_relu', activation: 'relu' }).apply(x);
  x = L.zeroPadding2d({ name: 'pool1_pad', padding: 1 }).apply(x);
  x = L.maxPooling2d({ name: 'pool1_pool', poolSize: 3, strides: 2 }).apply(x);
  const block = (x, filters, stride, shortcutConv, name) => {
    let shortcut = x;
    if (shortcutConv) {
      shortcut = L.conv2d({ name: `${name}_0_conv`, filters: 4 * filters, kernelSize: 1, strides: stride }).apply(x);
      shortcut = L.batchNormalization({ name: `${name}_0_bn`, axis: bnAxis, epsilon: 1.001e-5 }).apply(shortcut);
    }
    let y = L.conv2d({ name: `${name}_1_conv`, filters, kernelSize: 1, strides: stride }).apply(x);
    y = L.batchNormalization({ name: `${name}_1_bn`, axis: bnAxis, epsilon: 1.001e-5 }).apply(y);
    y = L.activation({ name: `${name}_1_relu`, activation: 'relu' }).apply(y);
    y = L.conv2d({ name: `${name}_2_conv`, filters, kernelSize: 3, padding: 'same' }).apply(y);
    y = L.batchNormalization({ name: `${name}_2_bn`, axis: bnAxis, epsilon: 1.001e-5 }).apply(y);
    y = L.activation({ name: `${name}_2_relu`, activation: 'relu' }).apply(y);
    y = L.conv2d({ name: `${name}_3_conv`, filters: 4 * filters, kernelSize: 1 }).apply(y);
    y = L.batchNormalization({ name: `${name}_3_bn`, axis: bnAxis, epsilon: 1.001e-5 }).apply(y);
    y = L.add({ name: `${name}_add` }).apply([shortcut, y]);
    return L.activation({ name: `${name}_out`, activation: 'relu' }).apply(y);
  };
  const stack = (x, filters, blocks, stride, name) => {
    x = block(x, filters, stride, true, `${name}_block1`);
    for (let i = 2; i <= blocks; i++) x = block(x, filters, 1, false, `${name}_block${i}`);
    return x;
  };
  x = stack(x, 64, 3, 1, 'conv2');
  x = stack(x, 128, 4, 2, 'conv3');
  x = stack(x, 256, 6, 2, 'conv4');
  x = stack(x, 512, 3, 2, 'conv5');
  x = L.globalAveragePooling2d({ name: 'avg_pool' }).apply(x);
  x = L.dense({ name: 'predictions', units: 1000, activation: 'softmax' }).apply(x);
  return tfl.model({ name: 'resnet50', inputs: input, outputs: x });
}

/** Writes the .h5 to `file`; returns tfjs's counts for the model and the file's size. */
export async function writeResnet50H5(file, { seed = 5000 } = {}) {
  if (!cpuBackend || !(await tfc.setBackend('cpu'))) throw new Error('the tfjs cpu backend did not register');
  const model = resnet50();
  const count = (ws) => ws.reduce((n, w) => n + w.shape.reduce((a, b) => a * b, 1), 0);
  const counts = { params: model.countParams(), trainable: count(model.trainableWeights), nonTrainable: count(model.nonTrainableWeights), layers: model.layers.length };
  if (counts.params !== kerasApplicationsParams) throw new Error(`the Keras generator built ${counts.params} parameters, not keras.applications.ResNet50's ${kerasApplicationsParams}`);
  const config = model.toJSON(null, false);
  // Keras names a weight `<layer>/<variable>`; tfjs may uniquify `name`, never `originalName`.
  let nextSeed = seed;
  const weights = model.weights.map((w) => {
    const n = w.shape.reduce((a, b) => a * b, 1);
    const data = w.originalName.endsWith('moving_variance') ? new Float32Array(n).fill(1) : seededFloats(n, nextSeed++);
    return { name: w.originalName, shape: w.shape, data };
  });
  model.dispose();
  const bytes = await writeH5(await loadH5wasm(), weights, { config });
  writeFileSync(file, bytes);
  return { ...counts, bytes: bytes.length, weights: weights.length };
}
