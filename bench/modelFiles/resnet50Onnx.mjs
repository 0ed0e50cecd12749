// Writes a ResNet-50 as torch.onnx.export would (BatchNormalization kept, not folded; torch's node
// paths such as `/layer1/layer1.0/conv1/Conv` and initializer names such as
// `layer1.0.conv1.weight`), with every weight stored as float32 raw_data: ~100 MB of real bytes,
// so the reader meets the file the bench means to time. The test helper
// test/unit/frontends/onnxWriter.ts builds the whole file as a JS number[] (one slot per byte),
// which for 100 MB of weights costs gigabytes; this writer keeps each initialiser as a Buffer and
// writes the file as a list of chunks, so generation stays small next to what it measures.
import { closeSync, openSync, writeSync } from 'node:fs';

/** torchvision's resnet50() counts 25,557,032 parameters (running mean/var are buffers, not parameters). */
export const torchvisionParams = 25_557_032;

function varint(n) {
  const out = [];
  while (n >= 0x80) {
    out.push((n % 128) | 0x80);
    n = Math.floor(n / 128);
  }
  out.push(n);
  return Buffer.from(out);
}

/** A protobuf message as chunks; nested messages are spliced in, initialiser data is never copied. */
class Message {
  parts = [];
  length = 0;
  push(buffer) {
    this.parts.push(buffer);
    this.length += buffer.length;
    return this;
  }
  key(field, wire) {
    return this.push(varint(field * 8 + wire));
  }
  int(field, n) {
    return this.key(field, 0).push(varint(n));
  }
  float(field, x) {
    const b = Buffer.alloc(4);
    b.writeFloatLE(x);
    return this.key(field, 5).push(b);
  }
  bytes(field, body) {
    this.key(field, 2).push(varint(body.length));
    if (body instanceof Message) {
      for (const p of body.parts) this.parts.push(p);
      this.length += body.length;
      return this;
    }
    return this.push(body);
  }
  string(field, s) {
    return this.bytes(field, Buffer.from(s, 'utf8'));
  }
}

/** xorshift32: the same weights on every machine, without holding a generator's state anywhere else. */
export function seededFloats(count, seed) {
  const out = new Float32Array(count);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < count; i++) {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    out[i] = (s / 4294967296 - 0.5) * 0.1;
  }
  return out;
}

function tensor(name, dims, data) {
  const t = new Message();
  for (const d of dims) t.int(1, d);
  t.int(2, 1); // FLOAT
  t.string(8, name);
  return t.bytes(9, Buffer.from(data.buffer, data.byteOffset, data.byteLength));
}

function attribute(name, value) {
  const a = new Message().string(1, name);
  if (Array.isArray(value)) {
    const packed = Buffer.concat(value.map(varint));
    return a.bytes(8, packed).int(20, 7); // INTS
  }
  if (Number.isInteger(value)) return a.int(3, value).int(20, 2); // INT
  return a.float(2, value).int(20, 1); // FLOAT
}

function valueInfo(name, shape) {
  const dims = new Message();
  for (const d of shape) dims.bytes(1, typeof d === 'number' ? new Message().int(1, d) : new Message().string(2, d));
  const tensorType = new Message().int(1, 1).bytes(2, dims);
  return new Message().string(1, name).bytes(2, new Message().bytes(1, tensorType));
}

/**
 * Builds the graph; returns the chunks of the file and what torch would count: parameters
 * (conv/fc weights and biases, BN weight/bias) and buffers (BN running mean/var).
 */
export function resnet50Onnx({ seed = 50 } = {}) {
  const graph = new Message();
  const initialisers = [];
  const counts = { params: 0, buffers: 0, nodes: 0, initialisers: 0 };
  let nextSeed = seed;
  const store = (name, dims, kind) => {
    const n = dims.reduce((a, b) => a * b, 1);
    counts[kind] += n;
    counts.initialisers++;
    const data = kind === 'buffers' && name.endsWith('running_var') ? new Float32Array(n).fill(1) : seededFloats(n, nextSeed++);
    initialisers.push(tensor(name, dims, data));
    return name;
  };
  const node = (op, path, inputs, attrs = {}) => {
    const out = `${path}_output_0`;
    const n = new Message();
    for (const i of inputs) n.string(1, i);
    n.string(2, out).string(3, path).string(4, op);
    for (const [k, v] of Object.entries(attrs)) n.bytes(5, attribute(k, v));
    graph.bytes(1, n);
    counts.nodes++;
    return out;
  };
  // torch scopes a Sequential's child under the Sequential: `layer1.0.downsample.0` is exported
  // as `/layer1/layer1.0/downsample/downsample.0`.
  const exportPath = (module) => {
    const parts = module.split('.');
    return `/${parts.map((p, i) => (/^\d+$/.test(p) ? `${parts[i - 1]}.${p}` : p)).join('/')}`;
  };
  const conv = (module, x, cin, cout, k, stride, pad) => {
    const w = store(`${module}.weight`, [cout, cin, k, k], 'params');
    return node('Conv', `${exportPath(module)}/Conv`, [x, w], { dilations: [1, 1], group: 1, kernel_shape: [k, k], pads: [pad, pad, pad, pad], strides: [stride, stride] });
  };
  const bn = (module, x, c) => {
    const ins = [x, store(`${module}.weight`, [c], 'params'), store(`${module}.bias`, [c], 'params'), store(`${module}.running_mean`, [c], 'buffers'), store(`${module}.running_var`, [c], 'buffers')];
    return node('BatchNormalization', `${exportPath(module)}/BatchNormalization`, ins, { epsilon: 1e-5, momentum: 0.9 });
  };
  const relu = (path, x) => node('Relu', `${path}/Relu`, [x]);

  let x = 'input';
  x = relu('/relu', bn('bn1', conv('conv1', x, 3, 64, 7, 2, 3), 64));
  x = node('MaxPool', '/maxpool/MaxPool', [x], { ceil_mode: 0, dilations: [1, 1], kernel_shape: [3, 3], pads: [1, 1, 1, 1], strides: [2, 2] });
  let cin = 64;
  [3, 4, 6, 3].forEach((blocks, s) => {
    const planes = 64 * 2 ** s;
    for (let b = 0; b < blocks; b++) {
      const m = `layer${s + 1}.${b}`;
      const stride = b === 0 && s > 0 ? 2 : 1;
      const p = exportPath(m);
      let y = relu(`${p}/relu`, bn(`${m}.bn1`, conv(`${m}.conv1`, x, cin, planes, 1, 1, 0), planes));
      y = relu(`${p}/relu_1`, bn(`${m}.bn2`, conv(`${m}.conv2`, y, planes, planes, 3, stride, 1), planes));
      y = bn(`${m}.bn3`, conv(`${m}.conv3`, y, planes, planes * 4, 1, 1, 0), planes * 4);
      const shortcut = b === 0 ? bn(`${m}.downsample.1`, conv(`${m}.downsample.0`, x, cin, planes * 4, 1, stride, 0), planes * 4) : x;
      x = relu(`${p}/relu_2`, node('Add', `${p}/Add`, [y, shortcut]));
      cin = planes * 4;
    }
  });
  x = node('GlobalAveragePool', '/avgpool/GlobalAveragePool', [x]);
  x = node('Flatten', '/Flatten', [x], { axis: 1 });
  const fc = node('Gemm', '/fc/Gemm', [x, store('fc.weight', [1000, 2048], 'params'), store('fc.bias', [1000], 'params')], { alpha: 1.0, beta: 1.0, transB: 1 });

  graph.string(2, 'main_graph');
  for (const t of initialisers) graph.bytes(5, t);
  graph.bytes(11, valueInfo('input', ['batch_size', 3, 224, 224]));
  graph.bytes(12, valueInfo(fc, ['batch_size', 1000]));
  const model = new Message().int(1, 8).string(2, 'pytorch').string(3, '2.1.0').bytes(7, graph).bytes(8, new Message().string(1, '').int(2, 17));
  if (counts.params !== torchvisionParams) throw new Error(`the ONNX generator built ${counts.params} parameters, not torchvision's ${torchvisionParams}`);
  return { chunks: model.parts, bytes: model.length, counts };
}

/** Writes the model to `file` chunk by chunk (no 100 MB concatenation); returns its counts. */
export function writeResnet50Onnx(file, options) {
  const { chunks, bytes, counts } = resnet50Onnx(options);
  const fd = openSync(file, 'w');
  try {
    for (const c of chunks) writeSync(fd, c);
  } finally {
    closeSync(fd);
  }
  return { ...counts, bytes };
}
