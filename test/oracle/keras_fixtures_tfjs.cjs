// The Keras fixtures (test/fixtures/python/keras) rebuilt with tfjs-layers, the Keras-convention
// oracle that runs in Node: each model written again with the tfjs API, layer for layer, built and
// run once on zeros. Its totals are the ground truth in keras/EXPECTED.json; the unit test
// test/unit/frontends/kerasOracle.test.ts runs this file and checks EXPECTED.json still equals it.
const tf = require('@tensorflow/tfjs-core');
require('@tensorflow/tfjs-backend-cpu');
const tfl = require('@tensorflow/tfjs-layers');
const L = tfl.layers;

function count(ws) { return ws.reduce((a, w) => a + w.shape.reduce((p, d) => p * d, 1), 0); }
function summarize(model) {
  return {
    input: model.inputs[0].shape, output: model.outputs[0].shape,
    params: model.countParams(), trainable: count(model.trainableWeights),
    nonTrainable: count(model.nonTrainableWeights),
  };
}
const out = {};
function record(key, model, names) {
  const s = summarize(model);
  const y = model.predict(tf.zeros([1, ...s.input.slice(1)]));
  const ys = Array.isArray(y) ? y[0].shape : y.shape;
  if (JSON.stringify(ys.slice(1)) !== JSON.stringify(s.output.slice(1))) throw new Error('predict shape mismatch ' + key);
  out[key] = s;
  void names;
}

// ---------- sequential_api.py ----------
{
  const m = tfl.sequential({ name: 'list_sequential', layers: [
    L.inputLayer({ inputShape: [224, 224, 3] }),
    L.rescaling({ scale: 1 / 255 }),
    L.conv2d({ filters: 16, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu' }),
    L.maxPooling2d({ poolSize: 2 }),
    L.conv2d({ filters: 32, kernelSize: [3, 3], activation: 'relu' }),
    L.maxPooling2d({ poolSize: 2 }),
    L.conv2d({ filters: 64, kernelSize: 3, padding: 'valid', activation: 'relu' }),
    L.globalAveragePooling2d({}),
    L.dropout({ rate: 0.3 }),
    L.dense({ units: 10, activation: 'softmax' }),
  ]});
  record('sequential_api.py::build_list_sequential', m, m.layers.map(l => l.name));
}
{
  const m = tfl.sequential({ name: 'added_sequential' });
  m.add(L.conv2d({ filters: 8, kernelSize: 5, strides: 4, inputShape: [224, 224, 3] }));
  m.add(L.batchNormalization());
  m.add(L.activation({ activation: 'relu' }));
  for (const f of [16, 32]) {
    m.add(L.conv2d({ filters: f, kernelSize: 3, padding: 'same', useBias: false }));
    m.add(L.batchNormalization());
    m.add(L.reLU());
    m.add(L.maxPooling2d({ poolSize: 2 }));
  }
  m.add(L.flatten());
  m.add(L.dense({ units: 64, activation: 'relu' }));
  m.add(L.dropout({ rate: 0.5 }));
  m.add(L.dense({ units: 5 }));
  record('sequential_api.py::build_added_sequential', m, m.layers.map(l => l.name));
}

// ---------- functional_resnet.py ----------
{
  const eps = 1.001e-5;
  function residualBlock(x, filters, stride, name) {
    let shortcut = x;
    if (stride !== 1 || x.shape[x.shape.length - 1] !== filters) {
      shortcut = L.conv2d({ filters, kernelSize: 1, strides: stride, useBias: false, name: `${name}_proj` }).apply(x);
      shortcut = L.batchNormalization({ epsilon: eps, name: `${name}_proj_bn` }).apply(shortcut);
    }
    x = L.conv2d({ filters, kernelSize: 3, strides: stride, padding: 'same', useBias: false, name: `${name}_conv1` }).apply(x);
    x = L.batchNormalization({ epsilon: eps, name: `${name}_bn1` }).apply(x);
    x = L.activation({ activation: 'relu', name: `${name}_relu1` }).apply(x);
    x = L.conv2d({ filters, kernelSize: 3, padding: 'same', useBias: false, name: `${name}_conv2` }).apply(x);
    x = L.batchNormalization({ epsilon: eps, name: `${name}_bn2` }).apply(x);
    x = L.add({ name: `${name}_add` }).apply([x, shortcut]);
    return L.activation({ activation: 'relu', name: `${name}_out` }).apply(x);
  }
  const inputs = tfl.input({ shape: [224, 224, 3] });
  let x = L.zeroPadding2d({ padding: 3 }).apply(inputs);
  x = L.conv2d({ filters: 32, kernelSize: 7, strides: 2, useBias: false }).apply(x);
  x = L.batchNormalization().apply(x);
  x = L.reLU().apply(x);
  x = L.zeroPadding2d({ padding: 1 }).apply(x);
  x = L.maxPooling2d({ poolSize: 3, strides: 2 }).apply(x);
  [[32, 2, 1], [64, 2, 2], [128, 2, 2]].forEach(([f, b, s], i) => {
    for (let j = 0; j < b; j++) x = residualBlock(x, f, j === 0 ? s : 1, `stage${i + 1}_block${j + 1}`);
  });
  x = L.globalAveragePooling2d({ name: 'avg_pool' }).apply(x);
  const outputs = L.dense({ units: 10, activation: 'softmax', name: 'predictions' }).apply(x);
  const m = tfl.model({ inputs, outputs, name: 'functional_resnet' });
  record('functional_resnet.py::build_functional_resnet', m,
    m.layers.filter(l => !l.name.startsWith('stage') || /_out$/.test(l.name)).map(l => l.name));
}

// ---------- inception_concat.py ----------
{
  function convBn(x, filters, kernelSize, strides = 1, padding = 'same', name = null) {
    const n = (s) => (name === null ? {} : { name: name + s });
    x = L.conv2d({ filters, kernelSize, strides, padding, useBias: false, ...n('_conv') }).apply(x);
    x = L.batchNormalization({ scale: false, ...n('_bn') }).apply(x);
    return L.activation({ activation: 'relu', ...n('_relu') }).apply(x);
  }
  function inceptionBlock(x, widths, name) {
    const [b1, b3r, b3, b5r, b5, bp] = widths;
    const branch1 = convBn(x, b1, 1, 1, 'same', `${name}_b1`);
    let branch3 = convBn(x, b3r, 1, 1, 'same', `${name}_b3r`);
    branch3 = convBn(branch3, b3, [1, 3], 1, 'same', `${name}_b3a`);
    branch3 = convBn(branch3, b3, [3, 1], 1, 'same', `${name}_b3b`);
    let branch5 = convBn(x, b5r, 1);
    branch5 = convBn(branch5, b5, 5);
    let pool = L.averagePooling2d({ poolSize: 3, strides: 1, padding: 'same' }).apply(x);
    pool = convBn(pool, bp, 1, 1, 'same', `${name}_pool_proj`);
    return L.concatenate({ axis: -1, name: `${name}_concat` }).apply([branch1, branch3, branch5, pool]);
  }
  function reductionBlock(x, filters, name) {
    const conv = convBn(x, filters, 3, 2, 'valid', `${name}_conv`);
    const pool = L.maxPooling2d({ poolSize: 3, strides: 2, padding: 'valid' }).apply(x);
    return L.concatenate({ axis: 3, name: `${name}_concat` }).apply([conv, pool]);
  }
  const inputs = tfl.input({ shape: [224, 224, 3], name: 'image' });
  let x = convBn(inputs, 32, 3, 2, 'valid', 'stem1');
  x = convBn(x, 64, 3, 1, 'same', 'stem2');
  x = L.maxPooling2d({ poolSize: 3, strides: 2 }).apply(x);
  [[32, 32, 48, 8, 16, 16], [48, 48, 64, 16, 32, 32]].forEach((w, i) => { x = inceptionBlock(x, w, `mixed${i}`); });
  x = reductionBlock(x, 96, 'reduce');
  x = L.globalAveragePooling2d({}).apply(x);
  x = L.dropout({ rate: 0.4 }).apply(x);
  const outputs = L.dense({ units: 100, activation: 'softmax', name: 'logits' }).apply(x);
  const m = tfl.model({ inputs, outputs, name: 'mini_inception' });
  record('inception_concat.py::build_mini_inception', m,
    ['stem1_relu', 'stem2_relu', 'mixed0_concat', 'mixed1_concat', 'reduce_concat']);
}

// ---------- mobilenet_se.py ----------
{
  function makeDivisible(v, divisor = 8, minValue = null) {
    if (minValue === null) minValue = divisor;
    let nv = Math.max(minValue, Math.floor(Math.trunc(v + divisor / 2) / divisor) * divisor);
    if (nv < 0.9 * v) nv += divisor;
    return nv;
  }
  const correctPad = (k) => { const p = Math.floor(k / 2); return [[p - 1, p], [p - 1, p]]; };
  function seBlock(inputs, filters, ratio, prefix) {
    let x = L.globalAveragePooling2d({ name: prefix + 'se_squeeze' }).apply(inputs);
    x = L.reshape({ targetShape: [1, 1, filters], name: prefix + 'se_reshape' }).apply(x);
    x = L.conv2d({ filters: makeDivisible(filters * ratio), kernelSize: 1, activation: 'relu', name: prefix + 'se_reduce' }).apply(x);
    x = L.conv2d({ filters, kernelSize: 1, name: prefix + 'se_expand' }).apply(x);
    x = L.activation({ activation: 'sigmoid', name: prefix + 'se_gate' }).apply(x);
    return L.multiply({ name: prefix + 'se_excite' }).apply([inputs, x]);
  }
  function invertedBlock(x, expansion, filters, kernel, stride, useSe, blockId) {
    const prefix = `block${blockId}_`;
    const inCh = x.shape[x.shape.length - 1];
    const shortcut = x;
    const hidden = makeDivisible(inCh * expansion);
    if (expansion !== 1) {
      x = L.conv2d({ filters: hidden, kernelSize: 1, useBias: false, name: prefix + 'expand' }).apply(x);
      x = L.batchNormalization({ name: prefix + 'expand_bn' }).apply(x);
      x = L.reLU({ maxValue: 6 }).apply(x);
    }
    if (stride === 2) x = L.zeroPadding2d({ padding: correctPad(kernel), name: prefix + 'pad' }).apply(x);
    x = L.depthwiseConv2d({ kernelSize: kernel, strides: stride, padding: stride === 1 ? 'same' : 'valid', useBias: false, name: prefix + 'depthwise' }).apply(x);
    x = L.batchNormalization({ name: prefix + 'depthwise_bn' }).apply(x);
    x = L.reLU({ maxValue: 6 }).apply(x);
    if (useSe) x = seBlock(x, hidden, 0.25, prefix);
    x = L.conv2d({ filters, kernelSize: 1, useBias: false, name: prefix + 'project' }).apply(x);
    x = L.batchNormalization({ name: prefix + 'project_bn' }).apply(x);
    if (stride === 1 && inCh === filters) x = L.add({ name: prefix + 'add' }).apply([shortcut, x]);
    return x;
  }
  const inputs = tfl.input({ shape: [224, 224, 3] });
  let x = L.rescaling({ scale: 1 / 127.5, offset: -1 }).apply(inputs);
  x = L.conv2d({ filters: 16, kernelSize: 3, strides: 2, padding: 'same', useBias: false, name: 'stem_conv' }).apply(x);
  x = L.batchNormalization({ name: 'stem_bn' }).apply(x);
  x = L.reLU({ maxValue: 6, name: 'stem_relu' }).apply(x);
  [[1, 16, 3, 2, true], [4, 24, 3, 2, false], [3, 24, 3, 1, false], [3, 40, 5, 2, true], [3, 40, 5, 1, true], [6, 80, 3, 2, false]]
    .forEach(([t, c, k, s, se], i) => { x = invertedBlock(x, t, makeDivisible(c * 1.0), k, s, se, i); });
  x = L.conv2d({ filters: 480, kernelSize: 1, useBias: false, name: 'head_conv' }).apply(x);
  x = L.batchNormalization({ name: 'head_bn' }).apply(x);
  x = L.reLU({ maxValue: 6 }).apply(x);
  x = L.globalAveragePooling2d({}).apply(x);
  x = L.dropout({ rate: 0.2 }).apply(x);
  const outputs = L.dense({ units: 1000, activation: 'softmax', name: 'predictions' }).apply(x);
  const m = tfl.model({ inputs, outputs, name: 'mobilenet_se' });
  record('mobilenet_se.py::build_mobilenet_se', m,
    m.layers.filter(l => /project_bn$|_add$|stem_relu|se_excite/.test(l.name)).map(l => l.name));
}

// ---------- subclassed_model.py (flattened to the same layer graph) ----------
{
  const inputs = tfl.input({ shape: [224, 224, 3] });
  let x = L.conv2d({ filters: 32, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu' }).apply(inputs);
  [32, 64, 128].forEach((w, i) => {
    x = L.separableConv2d({ filters: w, kernelSize: 3, strides: 2, padding: 'same', name: `sep${i}_sep` }).apply(x);
    x = L.batchNormalization({ name: `sep${i}_bn` }).apply(x);
    x = L.reLU({ name: `sep${i}_relu` }).apply(x);
  });
  x = L.maxPooling2d({ poolSize: [2, 2] }).apply(x);
  x = L.flatten().apply(x);
  const outputs = L.dense({ units: 10, activation: 'softmax' }).apply(x);
  const m = tfl.model({ inputs, outputs, name: 'subclassed_wrapper' });
  record('subclassed_model.py::build_subclassed', m, m.layers.map(l => l.name));
}

// ---------- applications_style.py ----------
function tinyNet(includeTop = true, pooling = null, classes = 1000) {
  const ax = 3;
  const imgInput = tfl.input({ shape: [224, 224, 3] });
  let x = L.conv2d({ filters: 32, kernelSize: [3, 3], strides: [2, 2], useBias: false, name: 'block1_conv1' }).apply(imgInput);
  x = L.batchNormalization({ axis: ax, name: 'block1_conv1_bn' }).apply(x);
  x = L.activation({ activation: 'relu', name: 'block1_conv1_act' }).apply(x);
  x = L.conv2d({ filters: 64, kernelSize: [3, 3], useBias: false, name: 'block1_conv2' }).apply(x);
  x = L.batchNormalization({ axis: ax, name: 'block1_conv2_bn' }).apply(x);
  x = L.activation({ activation: 'relu', name: 'block1_conv2_act' }).apply(x);
  [64, 128, 256].forEach((filters, i) => {
    const name = `block${i + 2}`;
    let residual = L.conv2d({ filters, kernelSize: [1, 1], strides: [2, 2], padding: 'same', useBias: false }).apply(x);
    residual = L.batchNormalization({ axis: ax }).apply(residual);
    if (i > 0) x = L.activation({ activation: 'relu', name: `${name}_sepconv1_act` }).apply(x);
    x = L.separableConv2d({ filters, kernelSize: [3, 3], padding: 'same', useBias: false, name: `${name}_sepconv1` }).apply(x);
    x = L.batchNormalization({ axis: ax, name: `${name}_sepconv1_bn` }).apply(x);
    x = L.activation({ activation: 'relu', name: `${name}_sepconv2_act` }).apply(x);
    x = L.separableConv2d({ filters, kernelSize: [3, 3], padding: 'same', useBias: false, name: `${name}_sepconv2` }).apply(x);
    x = L.batchNormalization({ axis: ax, name: `${name}_sepconv2_bn` }).apply(x);
    x = L.maxPooling2d({ poolSize: [3, 3], strides: [2, 2], padding: 'same', name: `${name}_pool` }).apply(x);
    x = L.add({ name: `${name}_add` }).apply([x, residual]);
  });
  x = L.separableConv2d({ filters: 384, kernelSize: [3, 3], padding: 'same', useBias: false, name: 'exit_sepconv' }).apply(x);
  x = L.batchNormalization({ axis: ax, name: 'exit_sepconv_bn' }).apply(x);
  x = L.activation({ activation: 'relu', name: 'exit_sepconv_act' }).apply(x);
  if (includeTop) {
    x = L.globalAveragePooling2d({ name: 'avg_pool' }).apply(x);
    x = L.dense({ units: classes, activation: 'softmax', name: 'predictions' }).apply(x);
  } else if (pooling === 'avg') {
    x = L.globalAveragePooling2d({}).apply(x);
  } else if (pooling === 'max') {
    x = L.globalMaxPooling2d({}).apply(x);
  }
  return tfl.model({ inputs: imgInput, outputs: x, name: 'tiny_net' });
}
record('applications_style.py::TinyNet', tinyNet(), ['block1_conv1_act', 'block1_conv2_act', 'block2_add', 'block3_add', 'block4_add', 'exit_sepconv_act']);
record('applications_style.py::TinyNetFeatures', tinyNet(false, 'max'));

module.exports = { kerasFixtureTotals: out };
