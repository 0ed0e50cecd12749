/**
 * The ONNX front-end against graphs whose answers are known by hand: LeNet-5, a ResNet basic
 * block, an inception concat and a MobileNet depthwise block are written with our own ONNX writer
 * (never downloaded), and the totals and shapes are the course's arithmetic. The second half is
 * the reader's promise on bad files: empty, random, truncated, absurd length claims, cycles and
 * missing inputs each give a diagnostic, never an exception or a hang.
 */
import * as assert from 'node:assert/strict';
import { analyzeOnnx } from '../../../src/core/analysis/analyzeDocument';
import type { FileAnalysis } from '../../../src/core/frontends/modelResult';
import { conv, int64s, lenet, lField, unary, vField, weight, writeOnnx, type GraphDef } from './onnxWriter';

export const residual: GraphDef = {
  name: 'basic_block',
  inputs: [{ name: 'x', shape: ['batch', 64, 8, 8] }],
  outputs: [{ name: 'y', shape: ['batch', 64, 8, 8] }],
  initializers: ['1', '2'].flatMap((k) => [
    weight(`w${k}`, 64, 64, 3, 3),
    weight(`g${k}`, 64),
    weight(`b${k}`, 64),
    weight(`m${k}`, 64),
    weight(`v${k}`, 64),
  ]),
  nodes: [
    conv('/layer1/layer1.0/conv1/Conv', 'x', 'w1', 'c1', { pads: [1, 1, 1, 1] }),
    {
      op: 'BatchNormalization',
      name: '/layer1/layer1.0/bn1/BatchNormalization',
      inputs: ['c1', 'g1', 'b1', 'm1', 'v1'],
      outputs: ['n1'],
      attrs: { epsilon: { float: 1e-5 } },
    },
    unary('Relu', '/layer1/layer1.0/relu/Relu', 'n1', 'r1'),
    conv('/layer1/layer1.0/conv2/Conv', 'r1', 'w2', 'c2', { pads: [1, 1, 1, 1] }),
    {
      op: 'BatchNormalization',
      name: '/layer1/layer1.0/bn2/BatchNormalization',
      inputs: ['c2', 'g2', 'b2', 'm2', 'v2'],
      outputs: ['n2'],
    },
    { op: 'Add', name: '/layer1/layer1.0/Add', inputs: ['n2', 'x'], outputs: ['s'] },
    unary('Relu', '/layer1/layer1.0/relu_1/Relu', 's', 'y'),
  ],
};

export const inception: GraphDef = {
  name: 'inception',
  inputs: [{ name: 'x', shape: [1, 32, 16, 16] }],
  outputs: [{ name: 'y' }],
  initializers: [
    weight('a.w', 16, 32, 1, 1),
    weight('a.b', 16),
    weight('b.w', 24, 32, 3, 3),
    weight('b.b', 24),
    weight('c.w', 8, 32, 1, 1),
    weight('c.b', 8),
  ],
  nodes: [
    conv('b1', 'x', 'a.w', 'p1', {}, 'a.b'),
    conv('b2', 'x', 'b.w', 'p2', { pads: [1, 1, 1, 1] }, 'b.b'),
    unary('MaxPool', 'pool', 'x', 'p3a', { kernel_shape: [3, 3], strides: [1, 1], pads: [1, 1, 1, 1] }),
    conv('b3', 'p3a', 'c.w', 'p3', {}, 'c.b'),
    { op: 'Concat', name: 'cat', inputs: ['p1', 'p2', 'p3'], outputs: ['y'], attrs: { axis: 1 } },
  ],
};

export const depthwise: GraphDef = {
  name: 'depthwise',
  inputs: [{ name: 'x', shape: [1, 32, 16, 16] }],
  outputs: [{ name: 'y', shape: [1, 64, 8, 8] }],
  initializers: [
    weight('dw', 32, 1, 3, 3),
    weight('pw', 64, 32, 1, 1),
    { name: 'lo', dims: [], floats: [0] },
    { name: 'hi', dims: [], floats: [6] },
    weight('g', 64),
    weight('b', 64),
    weight('m', 64),
    weight('v', 64),
  ],
  nodes: [
    conv('dw_conv', 'x', 'dw', 'd', { group: 32, strides: [2, 2], pads: [1, 1, 1, 1] }),
    { op: 'Clip', name: 'relu6', inputs: ['d', 'lo', 'hi'], outputs: ['r'] },
    conv('pw_conv', 'r', 'pw', 'p'),
    { op: 'BatchNormalization', name: 'bn', inputs: ['p', 'g', 'b', 'm', 'v'], outputs: ['y'] },
  ],
};

const analyse = (g: GraphDef | Uint8Array, input?: (number | string)[]): FileAnalysis =>
  analyzeOnnx('test.onnx', g instanceof Uint8Array ? g : writeOnnx(g), input ? { input } : {});
const model = (a: FileAnalysis) => {
  assert.equal(a.models.length, 1, JSON.stringify(a.diagnostics));
  return a.models[0];
};
const messages = (a: FileAnalysis) =>
  [...a.diagnostics, ...a.models.flatMap((m) => m.diagnostics)].map((d) => d.message);

describe('ONNX front-end: graphs with known answers', () => {
  it('LeNet-5: 61,706 parameters, 1×10 out, no diagnostics', () => {
    const m = model(analyse(lenet));
    assert.equal(m.analysis.totals.params, 61706);
    assert.deepEqual(m.analysis.totals.outputShapes, [[1, 10]]);
    assert.deepEqual(messages(analyse(lenet)), []);
    assert.equal(m.graph.framework, 'onnx');
    assert.deepEqual(m.graph.modules.map((x) => x.name).slice(-3), ['/f6/Gemm', 'Tanh_10', '/out/Gemm']);
  });

  it('a ResNet basic block: params, symbolic batch, groups like PyTorch', () => {
    const m = model(analyse(residual));
    assert.equal(m.analysis.totals.params, 2 * 36864 + 2 * 128);
    assert.deepEqual(m.analysis.totals.outputShapes, [['N', 64, 8, 8]]);
    const groups = [...m.graph.groups.values()].map((g) => g.name);
    assert.deepEqual(groups, ['layer1', 'layer1.0']);
    const block = [...m.graph.groups.values()].find((g) => g.name === 'layer1.0')!;
    assert.ok(m.graph.nodes.every((n) => n.groupId === block.id));
  });

  it('an inception concat: 48 channels', () => {
    const m = model(analyse(inception));
    assert.equal(m.analysis.totals.params, 528 + 6936 + 264);
    assert.deepEqual(m.analysis.totals.outputShapes, [[1, 48, 16, 16]]);
  });

  it('a depthwise block: group conv, Clip(0, 6) as ReLU6', () => {
    const m = model(analyse(depthwise));
    assert.equal(m.analysis.totals.params, 288 + 2048 + 128);
    assert.deepEqual(m.analysis.totals.outputShapes, [[1, 64, 8, 8]]);
    assert.equal(m.graph.nodes[1].spec.kind === 'activation' && m.graph.nodes[1].spec.fn, 'relu6');
  });

  it('the input option overrides the file', () => {
    assert.deepEqual(model(analyse(inception, [2, 32, 8, 8])).analysis.totals.outputShapes, [[2, 48, 8, 8]]);
  });

  it("folds torch's x.view(x.size(0), -1) chain on a symbolic batch", () => {
    const g: GraphDef = {
      inputs: [{ name: 'x', shape: ['N', 16, 4, 4] }],
      outputs: [{ name: 'y' }],
      initializers: [
        int64s('idx', []),
        { name: 'zero', dims: [], int64: [0] },
        int64s('axes', [0]),
        int64s('minus1', [-1]),
        weight('fc.w', 10, 256),
        weight('fc.b', 10),
      ],
      nodes: [
        { op: 'Shape', inputs: ['x'], outputs: ['s'] },
        { op: 'Gather', inputs: ['s', 'zero'], outputs: ['n'], attrs: { axis: 0 } },
        { op: 'Unsqueeze', inputs: ['n', 'axes'], outputs: ['n1'] },
        { op: 'Concat', inputs: ['n1', 'minus1'], outputs: ['shape'], attrs: { axis: 0 } },
        { op: 'Reshape', inputs: ['x', 'shape'], outputs: ['flat'] },
        { op: 'Gemm', name: '/fc/Gemm', inputs: ['flat', 'fc.w', 'fc.b'], outputs: ['y'], attrs: { transB: 1 } },
      ],
    };
    const a = analyse(g);
    assert.deepEqual(messages(a), []);
    assert.deepEqual(model(a).analysis.totals.outputShapes, [['N', 10]]);
    assert.equal(model(a).analysis.totals.params, 2570);
  });

  it("folds torch.chunk's Shape → Gather → Add → Div → Mul bounds into Slices of a tensor", () => {
    // x.chunk(2, dim=1) as torch 1.13 writes it: n = shape[1]; piece = (n + 1) / 2; Slice [0, piece) and [piece,
    // 2·piece).
    const g: GraphDef = {
      inputs: [{ name: 'x', shape: ['N', 48, 28, 28] }],
      outputs: [{ name: 'a' }, { name: 'b' }, { name: 'c' }, { name: 'd' }, { name: 'e' }],
      initializers: [
        int64s('one', [1]),
        int64s('zero', [0]),
        int64s('two', [2]),
        int64s('big', [2 ** 53]),
        int64s('minus3', [-3]),
        int64s('step', [2]),
        int64s('last', [-1]),
        int64s('min', [-(2 ** 63)]),
        int64s('w', [3]),
      ],
      nodes: [
        { op: 'Shape', inputs: ['x'], outputs: ['s'] },
        { op: 'Gather', inputs: ['s', 'one'], outputs: ['n'], attrs: { axis: 0 } },
        { op: 'Add', inputs: ['n', 'one'], outputs: ['n1'] },
        { op: 'Div', inputs: ['n1', 'two'], outputs: ['piece'] },
        { op: 'Mul', inputs: ['piece', 'one'], outputs: ['end0'] },
        { op: 'Mul', inputs: ['piece', 'two'], outputs: ['end1'] },
        { op: 'Slice', name: '/Slice', inputs: ['x', 'zero', 'end0', 'one'], outputs: ['a'] },
        { op: 'Slice', name: '/Slice_1', inputs: ['x', 'end0', 'end1', 'one'], outputs: ['b'] },
        // x[:, :, -3:, ::2]: a negative start, INT64-sized "to the end", a step.
        { op: 'Concat', inputs: ['minus3', 'zero'], outputs: ['starts'], attrs: { axis: 0 } },
        { op: 'Concat', inputs: ['big', 'big'], outputs: ['ends'], attrs: { axis: 0 } },
        { op: 'Add', inputs: ['two', 'one'], outputs: ['three'] },
        { op: 'Concat', inputs: ['two', 'three'], outputs: ['axes'], attrs: { axis: 0 } },
        { op: 'Concat', inputs: ['one', 'step'], outputs: ['steps'], attrs: { axis: 0 } },
        { op: 'Slice', name: '/Slice_2', inputs: ['x', 'starts', 'ends', 'axes', 'steps'], outputs: ['c'] },
        // x[..., ::-1] (ends INT64_MIN: through index 0), and ends INT64-sized going backwards from the last: nothing.
        { op: 'Slice', name: '/Slice_3', inputs: ['x', 'last', 'min', 'w', 'last'], outputs: ['d'] },
        { op: 'Slice', name: '/Slice_4', inputs: ['x', 'last', 'big', 'w', 'last'], outputs: ['e'] },
      ],
    };
    const a = analyse(g);
    assert.deepEqual(messages(a), []);
    assert.deepEqual(model(a).analysis.totals.outputShapes, [
      ['N', 24, 28, 28],
      ['N', 24, 28, 28],
      ['N', 48, 3, 14],
      ['N', 48, 28, 28],
      ['N', 48, 28, 0],
    ]);
  });

  it('folds float arithmetic exactly and integer Div, Floor and Cast as onnxruntime does', () => {
    // int(h / 3 * 1.5) as an exporter writes a computed size: Cast to float, Div, Mul, Floor, Cast to int64.
    const g: GraphDef = {
      inputs: [{ name: 'x', shape: [1, 8, 20, 20] }],
      outputs: [{ name: 'y' }],
      initializers: [
        int64s('two', [2]),
        int64s('seven', [7]),
        { name: 'three', dims: [1], floats: [3] },
        { name: 'k', dims: [1], floats: [1.5] },
        int64s('axes', [2]),
      ],
      nodes: [
        { op: 'Shape', inputs: ['x'], outputs: ['s'] },
        { op: 'Gather', inputs: ['s', 'two'], outputs: ['h'], attrs: { axis: 0 } },
        { op: 'Cast', inputs: ['h'], outputs: ['hf'], attrs: { to: 1 } },
        { op: 'Div', inputs: ['hf', 'three'], outputs: ['third'] },
        { op: 'Mul', inputs: ['third', 'k'], outputs: ['scaled'] },
        { op: 'Floor', inputs: ['scaled'], outputs: ['floored'] },
        { op: 'Cast', inputs: ['floored'], outputs: ['end'], attrs: { to: 7 } },
        { op: 'Div', inputs: ['seven', 'two'], outputs: ['start'] },
        { op: 'Slice', name: '/Slice', inputs: ['x', 'start', 'end', 'axes'], outputs: ['y'] },
      ],
    };
    const a = analyse(g);
    assert.deepEqual(messages(a), []);
    // 20 / 3 · 1.5 = 10 (a truncating Div would give 6 · 1.5 = 9); start 7 / 2 = 3 in int64: rows 3 to 10.
    assert.deepEqual(model(a).analysis.totals.outputShapes, [[1, 8, 7, 20]]);
  });

  it('MatMul + Add(bias) is one dense layer; a shared initializer counts once', () => {
    const g: GraphDef = {
      inputs: [{ name: 'x', shape: [1, 3, 8, 8] }],
      outputs: [{ name: 'y' }],
      initializers: [weight('w', 3, 3, 3, 3), weight('m', 192, 5), weight('mb', 5)],
      nodes: [
        conv('a', 'x', 'w', 'h', { pads: [1, 1, 1, 1] }),
        conv('b', 'h', 'w', 'h2', { auto_pad: 'SAME_UPPER' }),
        unary('Flatten', 'f', 'h2', 'f1'),
        { op: 'MatMul', inputs: ['f1', 'm'], outputs: ['mm'] },
        { op: 'Add', inputs: ['mm', 'mb'], outputs: ['y'] },
      ],
    };
    const m = model(analyse(g));
    assert.equal(m.analysis.totals.params, 81 + 192 * 5 + 5);
    assert.deepEqual(m.analysis.totals.outputShapes, [[1, 5]]);
  });

  it('warns where value_info disagrees, naming the tensor', () => {
    const a = analyse({ ...inception, valueInfo: [{ name: 'p2', shape: [1, 24, 14, 14] }] });
    assert.ok(
      messages(a).some((m) => m.includes("'p2'") && m.includes('1×24×14×14') && m.includes('1×24×16×16')),
      messages(a).join('\n'),
    );
  });

  it('one diagnostic per unknown op type, naming its nodes', () => {
    const g: GraphDef = {
      inputs: [{ name: 'x', shape: [1, 4, 4, 4] }],
      outputs: [{ name: 'z' }],
      nodes: [unary('Foo', 'f1', 'x', 'y'), unary('Foo', 'f2', 'y', 'z')],
    };
    const ms = messages(analyse(g)).filter((m) => m.includes('Foo'));
    assert.equal(ms.length, 1);
    assert.match(ms[0], /'f1', 'f2'/);
  });

  it('pads, resize, transpose, squeeze, reduce, softmax', () => {
    const g: GraphDef = {
      inputs: [{ name: 'x', shape: [1, 8, 5, 5] }],
      outputs: [{ name: 'o' }],
      initializers: [
        int64s('pads', [0, 0, 1, 2, 0, 0, 1, 2]),
        { name: 'sc', dims: [4], floats: [1, 1, 2, 2] },
        int64s('ax', [2, 3]),
      ],
      nodes: [
        { op: 'Pad', inputs: ['x', 'pads'], outputs: ['p'], attrs: { mode: 'reflect' } },
        { op: 'Resize', inputs: ['p', '', 'sc'], outputs: ['r'] },
        { op: 'ReduceMean', inputs: ['r'], outputs: ['m'], attrs: { axes: [2, 3], keepdims: 0 } },
        { op: 'Unsqueeze', inputs: ['m', 'ax'], outputs: ['u'] },
        { op: 'Transpose', inputs: ['u'], outputs: ['t'], attrs: { perm: [0, 2, 3, 1] } },
        { op: 'Squeeze', inputs: ['t'], outputs: ['q'] },
        { op: 'Softmax', inputs: ['q'], outputs: ['o'], attrs: { axis: 1 } },
      ],
    };
    const a = analyse(g);
    assert.deepEqual(messages(a), []);
    const shapes = model(a).analysis.nodeResults.map((r) => r.outputShapes[0]);
    assert.deepEqual(shapes, [[1, 8, 7, 9], [1, 8, 14, 18], [1, 8], [1, 8, 1, 1], [1, 1, 1, 8], [8], [8]]);
  });
});

describe('ONNX front-end: bad files are diagnostics, never exceptions', () => {
  const fixtures = [lenet, residual, inception, depthwise].map((g) => writeOnnx(g));
  const errorOf = (a: FileAnalysis) => messages(a).find((m) => /error|not|cycle|never|claims|ends/i.test(m));

  it('empty file', () => assert.match(messages(analyse(new Uint8Array()))[0], /empty/));

  it('random bytes', () => {
    let seed = 7;
    const rand = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
    for (let k = 0; k < 200; k++) {
      const bytes = Uint8Array.from({ length: 1 + Math.floor(rand() * 2000) }, () => Math.floor(rand() * 256));
      const a = analyse(bytes);
      assert.ok(a.diagnostics.length + a.models.length > 0);
    }
  });

  it('a length varint claiming 2 GB in a 1 KB file', () => {
    const bytes = Uint8Array.from([...vField(1, 8), 0x3a, 0x80, 0x80, 0x80, 0x80, 0x08, ...new Array(1000).fill(0)]);
    const m = messages(analyse(bytes));
    assert.match(m[0], /claims 2147483648 bytes, but only 1000 remain/);
  });

  it('truncated copies at every offset', () => {
    for (const f of fixtures)
      for (let n = 1; n < f.length; n += Math.max(1, Math.floor(f.length / 300))) {
        const a = analyzeOnnx('t.onnx', f.subarray(0, n));
        assert.ok(a.models.length || a.diagnostics.length, `no diagnostic at ${n}`);
      }
  });

  it('a cycle', () => {
    const g: GraphDef = {
      inputs: [{ name: 'x', shape: [1, 4] }],
      outputs: [{ name: 'b' }],
      nodes: [
        { op: 'Add', name: 'A', inputs: ['x', 'b'], outputs: ['a'] },
        { op: 'Relu', name: 'B', inputs: ['a'], outputs: ['b'] },
      ],
    };
    assert.match(messages(analyse(g)).join('\n'), /cycle: 'A', 'B'/);
  });

  it('a node with a missing input', () => {
    const g: GraphDef = {
      inputs: [{ name: 'x', shape: [1, 4] }],
      outputs: [{ name: 'b' }],
      nodes: [{ op: 'Add', name: 'A', inputs: ['x', 'ghost'], outputs: ['b'] }],
    };
    assert.match(messages(analyse(g)).join('\n'), /'A' \(Add\) takes 'ghost', which no node/);
  });

  it('not ONNX: a wrong wire type', () => assert.ok(errorOf(analyse(Uint8Array.from([0x0b, 1, 2, 3])))));

  it('fuzz: corrupted copies of each fixture give an analysis, never an exception', function () {
    this.timeout(20_000); // ~1.7 s idle
    let seed = 11;
    const rand = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
    for (const f of fixtures)
      for (let k = 0; k < 150; k++) {
        const copy = Uint8Array.from(f);
        for (let j = 0; j < 1 + Math.floor(rand() * 6); j++)
          copy[Math.floor(rand() * copy.length)] = Math.floor(rand() * 256);
        // A frozen clock: the time budget decides nothing, so the verdict is the same under load.
        const a = analyzeOnnx('f.onnx', copy, { now: () => 0 });
        assert.ok(Array.isArray(a.models) && Array.isArray(a.diagnostics));
      }
  });

  it('a huge dims claim is refused, not allocated', () => {
    const t = [...vField(1, 1e12), ...vField(1, 1e12), ...vField(2, 1), ...lField(8, [...Buffer.from('w')])];
    const bytes = Uint8Array.from([...vField(1, 8), ...lField(7, lField(5, t))]);
    const a = analyse(bytes);
    assert.ok(a.models.length || a.diagnostics.length);
  });
});
