/**
 * GELU, the norms and the gated activations in ONNX, as ops and as the sub-graphs exporters write
 * for them. The first half builds graphs with our own writer (the Gelu, LayerNormalization and
 * InstanceNormalization ops; the Erf, tanh, LayerNorm and GroupNorm decompositions; SiLU,
 * Hardswish and Mish spelled out) and checks each becomes one layer with the right parameters,
 * and that a sub-graph that is not exactly the pattern still gets every shape. The second half,
 * where Debian's torch is installed, exports small modules of our own with torch.onnx.export at
 * opsets 13 and 17 and checks our totals and output shape against PyTorch's; without torch it is
 * skipped with the reason printed.
 */
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { analyzeOnnx } from '../../../src/core/analysis/analyzeDocument';
import type { ModelResult } from '../../../src/core/frontends/modelResult';
import { conv, int64s, unary, weight, writeOnnx, type GraphDef, type NodeDef } from './onnxWriter';
import { python, torchUnavailableReason } from '../../oracle/torchOracle';

/** A Constant node writing one float, as torch.onnx.export writes its scalars. */
const scalar = (out: string, v: number): NodeDef => ({ op: 'Constant', name: `${out}_const`, inputs: [], outputs: [out], attrs: { value: { dims: [], floats: [v] } } });
const binary = (op: string, name: string, a: string, b: string, out: string): NodeDef => ({ op, name, inputs: [a, b], outputs: [out] });

function analyse(g: GraphDef): ModelResult {
  const a = analyzeOnnx('test.onnx', writeOnnx(g));
  assert.equal(a.models.length, 1, JSON.stringify(a.diagnostics));
  return a.models[0];
}
const problems = (m: ModelResult) => m.diagnostics.filter((d) => d.severity !== 'info').map((d) => d.message);
const layers = (m: ModelResult) => m.graph.modules.map((x) => `${x.className}:${x.spec.kind}`);

/** x [1, 16, 8, 8] → Conv 3×3 → the nodes given, reading `c` and writing `y`. */
function afterConv(nodes: NodeDef[], opset = 13, initializers = [weight('w', 16, 16, 3, 3), weight('b', 16)]): GraphDef {
  return { inputs: [{ name: 'x', shape: [1, 16, 8, 8] }], outputs: [{ name: 'y' }], initializers, opset, nodes: [conv('/conv/Conv', 'x', 'w', 'c', { pads: [1, 1, 1, 1] }, 'b'), ...nodes] };
}
const convParams = 16 * 16 * 9 + 16;

/** torch 1.13's nn.GELU below opset 20: Div by √2, Erf, Add 1, Mul by x, Mul by ½. */
const erfGelu = (x: string, y: string, xFirst = true): NodeDef[] => [
  scalar('sqrt2', Math.SQRT2),
  binary('Div', '/act/Div', x, 'sqrt2', 'g1'),
  unary('Erf', '/act/Erf', 'g1', 'g2'),
  scalar('one', 1),
  binary('Add', '/act/Add', 'g2', 'one', 'g3'),
  scalar('half', 0.5),
  ...(xFirst ? [binary('Mul', '/act/Mul', x, 'g3', 'g4'), binary('Mul', '/act/Mul_1', 'g4', 'half', y)] : [binary('Mul', '/act/Mul', 'g3', 'half', 'g4'), binary('Mul', '/act/Mul_1', 'g4', x, y)]),
];

/** torch 1.13's nn.LayerNorm below opset 17, over the last `axes` of x. */
const decomposedLayerNorm = (x: string, y: string, axes: number[], affine: boolean): NodeDef[] => [
  { op: 'ReduceMean', name: '/norm/ReduceMean', inputs: [x], outputs: ['m'], attrs: { axes } },
  binary('Sub', '/norm/Sub', x, 'm', 'd'),
  scalar('two', 2),
  binary('Pow', '/norm/Pow', 'd', 'two', 'p'),
  { op: 'ReduceMean', name: '/norm/ReduceMean_1', inputs: ['p'], outputs: ['v'], attrs: { axes } },
  scalar('eps', 1e-5),
  binary('Add', '/norm/Add', 'v', 'eps', 've'),
  unary('Sqrt', '/norm/Sqrt', 've', 's'),
  binary('Div', '/norm/Div', 'd', 's', affine ? 'n' : y),
  ...(affine ? [binary('Mul', '/norm/Mul', 'n', 'norm.weight', 'nw'), binary('Add', '/norm/Add_1', 'nw', 'norm.bias', y)] : []),
];

describe('ONNX front-end: GELU, norms and gated activations', () => {
  it('the opset-20 Gelu op is one GELU activation', () => {
    const m = analyse(afterConv([unary('Gelu', '/act/Gelu', 'c', 'y', { approximate: 'tanh' })], 20));
    assert.deepEqual(problems(m), []);
    assert.deepEqual(m.analysis.totals.outputShapes, [[1, 16, 8, 8]]);
    assert.equal(m.analysis.totals.params, convParams);
    const spec = m.graph.modules[1].spec;
    assert.ok(spec.kind === 'activation' && spec.fn === 'gelu' && spec.approximate === 'tanh');
  });

  for (const xFirst of [true, false]) {
    it(`the Erf sub-graph (x ${xFirst ? 'then ½' : 'last'}) is one GELU layer named for its module`, () => {
      const m = analyse(afterConv(erfGelu('c', 'y', xFirst)));
      assert.deepEqual(problems(m), []);
      assert.deepEqual(layers(m), ['Conv:conv', 'GELU:activation']);
      assert.equal(m.graph.modules[1].name, '/act/GELU');
      assert.deepEqual(m.analysis.totals.outputShapes, [[1, 16, 8, 8]]);
      assert.equal(m.analysis.totals.params, convParams);
    });
  }

  it('an Erf sub-graph whose inner tensor is read elsewhere is not fused, yet every node keeps its shape', () => {
    const nodes = [...erfGelu('c', 'g'), binary('Add', '/extra/Add', 'g', 'g2', 'y')];
    const m = analyse(afterConv(nodes));
    assert.deepEqual(problems(m), []);
    assert.ok(!layers(m).includes('GELU:activation'));
    assert.ok(layers(m).includes('Erf:identity'));
    assert.deepEqual(m.analysis.totals.outputShapes, [[1, 16, 8, 8]]);
  });

  it('an Erf sub-graph whose inner tensor is also a graph output is not fused', () => {
    const g = afterConv(erfGelu('c', 'y'));
    const m = analyse({ ...g, outputs: [{ name: 'y' }, { name: 'g2' }] });
    assert.deepEqual(problems(m), []);
    assert.ok(!layers(m).includes('GELU:activation'));
    assert.deepEqual(m.analysis.totals.outputShapes, [[1, 16, 8, 8], [1, 16, 8, 8]]);
  });

  it('a wrong constant (x / 2, not x / √2) is arithmetic, not GELU', () => {
    const nodes = erfGelu('c', 'y').map((n) => (n.outputs[0] === 'sqrt2' ? scalar('sqrt2', 2) : n));
    const m = analyse(afterConv(nodes));
    assert.ok(!layers(m).includes('GELU:activation'));
    assert.deepEqual(m.analysis.totals.outputShapes, [[1, 16, 8, 8]]);
  });

  it('the tanh approximation written term by term is GELU(approximate=tanh)', () => {
    const nodes: NodeDef[] = [
      binary('Mul', '/g/Mul', 'c', 'c', 'sq'),
      binary('Mul', '/g/Mul_1', 'c', 'sq', 'cube'),
      scalar('k1', 0.044715),
      binary('Mul', '/g/Mul_2', 'cube', 'k1', 't1'),
      binary('Add', '/g/Add', 'c', 't1', 't2'),
      scalar('k2', Math.sqrt(2 / Math.PI)),
      binary('Mul', '/g/Mul_3', 't2', 'k2', 't3'),
      unary('Tanh', '/g/Tanh', 't3', 't4'),
      scalar('one', 1),
      binary('Add', '/g/Add_1', 't4', 'one', 't5'),
      binary('Mul', '/g/Mul_4', 'c', 't5', 't6'),
      scalar('half', 0.5),
      binary('Mul', '/g/Mul_5', 't6', 'half', 'y'),
    ];
    const m = analyse(afterConv(nodes));
    assert.deepEqual(problems(m), []);
    assert.deepEqual(layers(m), ['Conv:conv', 'GELU:activation']);
    const spec = m.graph.modules[1].spec;
    assert.ok(spec.kind === 'activation' && spec.approximate === 'tanh');
  });

  it('SiLU, Hardswish and Mish spelled out are one activation each', () => {
    const nodes: NodeDef[] = [
      unary('Sigmoid', '/silu/Sigmoid', 'c', 's1'),
      binary('Mul', '/silu/Mul', 'c', 's1', 'a'),
      unary('HardSigmoid', '/hs/HardSigmoid', 'a', 'h1', { alpha: { float: 1 / 6 } }),
      binary('Mul', '/hs/Mul', 'a', 'h1', 'hb'),
      unary('Softplus', '/mish/Softplus', 'hb', 'm1'),
      unary('Tanh', '/mish/Tanh', 'm1', 'm2'),
      binary('Mul', '/mish/Mul', 'hb', 'm2', 'y'),
    ];
    const m = analyse(afterConv(nodes));
    assert.deepEqual(problems(m), []);
    assert.deepEqual(m.graph.modules.map((x) => (x.spec.kind === 'activation' ? x.spec.fn : x.spec.kind)), ['conv', 'silu', 'hardswish', 'mish']);
  });

  it('LayerNormalization (opset 17) over the last dim: scale and bias are the parameters', () => {
    const g: GraphDef = {
      opset: 17,
      inputs: [{ name: 'x', shape: ['batch', 49, 32] }],
      outputs: [{ name: 'y', shape: ['batch', 49, 10] }],
      initializers: [weight('norm.weight', 32), weight('norm.bias', 32), weight('fc', 32, 10)],
      nodes: [{ op: 'LayerNormalization', name: '/norm/LayerNormalization', inputs: ['x', 'norm.weight', 'norm.bias'], outputs: ['n'], attrs: { axis: -1, epsilon: { float: 1e-6 } } }, { op: 'MatMul', name: '/fc/MatMul', inputs: ['n', 'fc'], outputs: ['y'] }],
    };
    const m = analyse(g);
    assert.deepEqual(problems(m), []);
    assert.equal(m.analysis.totals.params, 64 + 320);
    assert.deepEqual(m.analysis.totals.outputShapes, [['N', 49, 10]]);
    assert.ok(m.graph.modules[0].spec.kind === 'layerNorm');
  });

  it("a LayerNorm reading another's weight through torch's de-duplicating Identity still owns its parameters", () => {
    const ln = (name: string, x: string, w: string, b: string, y: string): NodeDef => ({ op: 'LayerNormalization', name, inputs: [x, w, b], outputs: [y] });
    const g: GraphDef = {
      opset: 17,
      inputs: [{ name: 'x', shape: [1, 49, 32] }],
      outputs: [{ name: 'y' }],
      initializers: [weight('norm1.weight', 32), weight('norm1.bias', 32)],
      nodes: [unary('Identity', 'Identity_0', 'norm1.weight', 'norm2.weight'), unary('Identity', 'Identity_1', 'norm1.bias', 'norm2.bias'), ln('/norm1/LayerNormalization', 'x', 'norm1.weight', 'norm1.bias', 'h'), ln('/norm2/LayerNormalization', 'h', 'norm2.weight', 'norm2.bias', 'y')],
    };
    const m = analyse(g);
    assert.deepEqual(problems(m), []);
    assert.equal(m.analysis.totals.params, 128);
  });

  it('LayerNormalization over [C, H, W] (axis 1), and without a bias', () => {
    const g: GraphDef = {
      opset: 17,
      inputs: [{ name: 'x', shape: [2, 4, 6, 6] }],
      outputs: [{ name: 'y', shape: [2, 4, 6, 6] }],
      initializers: [weight('g', 4, 6, 6)],
      nodes: [{ op: 'LayerNormalization', name: 'ln', inputs: ['x', 'g'], outputs: ['y'], attrs: { axis: 1 } }],
    };
    const m = analyse(g);
    assert.deepEqual(problems(m), []);
    assert.equal(m.analysis.totals.params, 144);
  });

  it('the decomposed LayerNorm (opset 13) is one LayerNorm whose weight and bias count once', () => {
    const g: GraphDef = {
      inputs: [{ name: 'x', shape: [1, 49, 32] }],
      outputs: [{ name: 'y', shape: [1, 49, 32] }],
      initializers: [weight('norm.weight', 32), weight('norm.bias', 32)],
      nodes: decomposedLayerNorm('x', 'y', [-1], true),
    };
    const m = analyse(g);
    assert.deepEqual(problems(m), []);
    assert.deepEqual(layers(m), ['LayerNorm:layerNorm']);
    assert.equal(m.graph.modules[0].name, '/norm/LayerNorm');
    assert.equal(m.analysis.totals.params, 64);
    assert.deepEqual(m.analysis.totals.outputShapes, [[1, 49, 32]]);
  });

  it('the decomposed LayerNorm without affine, and over the channel axis of an image', () => {
    const plain = analyse({ inputs: [{ name: 'x', shape: [1, 49, 32] }], outputs: [{ name: 'y' }], nodes: decomposedLayerNorm('x', 'y', [2], false) });
    assert.deepEqual(layers(plain), ['LayerNorm:layerNorm']);
    assert.equal(plain.analysis.totals.params, 0);
    // A "LayerNorm2d" (mean over channels of N, C, H, W) with a [C, 1, 1] weight: C + C parameters.
    const g = afterConv(decomposedLayerNorm('c', 'y', [1], true), 13, [weight('w', 16, 16, 3, 3), weight('b', 16), weight('norm.weight', 16, 1, 1), weight('norm.bias', 16, 1, 1)]);
    const m = analyse(g);
    assert.deepEqual(problems(m), []);
    assert.deepEqual(layers(m), ['Conv:conv', 'LayerNorm:layerNorm']);
    assert.equal(m.analysis.totals.params, convParams + 32);
    assert.deepEqual(m.analysis.totals.outputShapes, [[1, 16, 8, 8]]);
  });

  it('a LayerNorm-like sub-graph with the wrong power still infers every shape', () => {
    const nodes = decomposedLayerNorm('x', 'y', [-1], false).map((n) => (n.outputs[0] === 'two' ? scalar('two', 3) : n));
    const m = analyse({ inputs: [{ name: 'x', shape: [1, 49, 32] }], outputs: [{ name: 'y' }], nodes });
    assert.deepEqual(problems(m), []);
    assert.ok(!layers(m).includes('LayerNorm:layerNorm'));
    assert.deepEqual(m.analysis.totals.outputShapes, [[1, 49, 32]]);
  });

  it('InstanceNormalization: stored scale and bias are 2C parameters; exporter constants are none', () => {
    const affine = analyse(afterConv([{ op: 'InstanceNormalization', name: '/in/InstanceNormalization', inputs: ['c', 's', 'bb'], outputs: ['y'], attrs: { epsilon: { float: 1e-5 } } }], 13, [weight('w', 16, 16, 3, 3), weight('b', 16), weight('s', 16), weight('bb', 16)]));
    assert.deepEqual(problems(affine), []);
    assert.equal(affine.analysis.totals.params, convParams + 32);
    const spec = affine.graph.modules[1].spec;
    assert.ok(spec.kind === 'groupNorm' && spec.groups === 16 && spec.affine);
    const ones: NodeDef = { op: 'Constant', name: 'k1', inputs: [], outputs: ['s'], attrs: { value: { dims: [16], floats: new Array(16).fill(1) } } };
    const zeros: NodeDef = { op: 'Constant', name: 'k0', inputs: [], outputs: ['bb'], attrs: { value: { dims: [16], floats: new Array(16).fill(0) } } };
    const plain = analyse(afterConv([ones, zeros, { op: 'InstanceNormalization', name: 'in', inputs: ['c', 's', 'bb'], outputs: ['y'] }]));
    assert.deepEqual(problems(plain), []);
    assert.equal(plain.analysis.totals.params, convParams);
    assert.deepEqual(plain.analysis.totals.outputShapes, [[1, 16, 8, 8]]);
  });

  it('the GroupNorm decomposition (Reshape, InstanceNorm, Reshape, · weight + bias) is one GroupNorm', () => {
    const ones = (out: string): NodeDef => ({ op: 'Constant', name: `${out}_k`, inputs: [], outputs: [out], attrs: { value: { dims: [4], floats: [1, 1, 1, 1] } } });
    const nodes: NodeDef[] = [
      { op: 'Reshape', name: '/gn/Reshape', inputs: ['c', 'groups'], outputs: ['r'] },
      ones('s'),
      ones('z'),
      { op: 'InstanceNormalization', name: '/gn/InstanceNormalization', inputs: ['r', 's', 'z'], outputs: ['i'] },
      unary('Shape', '/gn/Shape', 'c', 'cs'),
      { op: 'Reshape', name: '/gn/Reshape_1', inputs: ['i', 'cs'], outputs: ['r2'] },
      { op: 'Unsqueeze', name: '/gn/Unsqueeze', inputs: ['gn.weight', 'axes'], outputs: ['wu'] },
      binary('Mul', '/gn/Mul', 'r2', 'wu', 'rw'),
      { op: 'Unsqueeze', name: '/gn/Unsqueeze_1', inputs: ['gn.bias', 'axes'], outputs: ['bu'] },
      binary('Add', '/gn/Add', 'rw', 'bu', 'y'),
    ];
    const m = analyse(afterConv(nodes, 13, [weight('w', 16, 16, 3, 3), weight('b', 16), int64s('groups', [0, 4, -1]), int64s('axes', [1, 2]), weight('gn.weight', 16), weight('gn.bias', 16)]));
    assert.deepEqual(problems(m), []);
    assert.deepEqual(layers(m), ['Conv:conv', 'GroupNorm:groupNorm']);
    const spec = m.graph.modules[1].spec;
    assert.ok(spec.kind === 'groupNorm' && spec.groups === 4 && spec.numChannels === 16 && spec.affine);
    assert.equal(m.analysis.totals.params, convParams + 32);
    assert.deepEqual(m.analysis.totals.outputShapes, [[1, 16, 8, 8]]);
  });

  it('Split, Sqrt, Pow, Reciprocal, Neg, Exp and Erf keep exact shapes without warnings', () => {
    const nodes: NodeDef[] = [
      { op: 'Split', name: 'split', inputs: ['c', 'sizes'], outputs: ['p', 'q'], attrs: { axis: 1 } },
      unary('Sqrt', 'sqrt', 'p', 'p1'),
      scalar('three', 3),
      binary('Pow', 'pow', 'p1', 'three', 'p2'),
      unary('Reciprocal', 'rec', 'p2', 'p3'),
      unary('Neg', 'neg', 'q', 'q1'),
      unary('Exp', 'exp', 'q1', 'q2'),
      unary('Erf', 'erf', 'q2', 'q3'),
      { op: 'Concat', name: 'cat', inputs: ['q3', 'p3'], outputs: ['y'], attrs: { axis: 1 } },
    ];
    const m = analyse(afterConv(nodes, 13, [weight('w', 16, 16, 3, 3), weight('b', 16), int64s('sizes', [6, 10])]));
    assert.deepEqual(problems(m), []);
    assert.deepEqual(m.analysis.totals.outputShapes, [[1, 16, 8, 8]]);
    assert.deepEqual(m.analysis.tensorShapes[m.graph.nodes.find((n) => n.name === 'split')!.outputs[0]], [1, 6, 8, 8]);
  });

  it('Sqrt and Pow of constants fold, so x / √16 is a division by 4', () => {
    const m = analyse(afterConv([scalar('d', 16), unary('Sqrt', 'sqrt', 'd', 'rd'), scalar('one', 1), binary('Pow', 'pow', 'rd', 'one', 'k'), binary('Div', 'scale', 'c', 'k', 'y')]));
    assert.deepEqual(problems(m), []);
    const spec = m.graph.modules[1].spec;
    assert.ok(spec.kind === 'scalar' && spec.op === 'div' && spec.value === 4, JSON.stringify(spec));
  });
});

const script = String.raw`
import json, sys, os, warnings
warnings.filterwarnings('ignore')
import torch, torch.nn as nn
out = sys.argv[1]

class GeluNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 16, 3, padding=1); self.act = nn.GELU(); self.conv2 = nn.Conv2d(16, 32, 3, stride=2, padding=1)
        self.act2 = nn.GELU(approximate='tanh'); self.fc = nn.Linear(32, 10)
    def forward(self, x):
        x = self.act2(self.conv2(self.act(self.conv1(x))))
        return self.fc(x.mean((2, 3)))

class ChannelsLastNorm(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 24, 3, stride=2, padding=1); self.norm = nn.LayerNorm(24); self.head = nn.Linear(24, 7)
    def forward(self, x):
        x = self.norm(self.conv(x).permute(0, 2, 3, 1))
        return self.head(x).permute(0, 3, 1, 2)

class FlatNorm(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(1, 4, 5); self.pool = nn.MaxPool2d(2); self.norm = nn.LayerNorm(4 * 6 * 6, eps=1e-6); self.fc = nn.Linear(144, 10)
    def forward(self, x):
        return self.fc(self.norm(self.pool(self.conv(x)).flatten(1)))

class InstanceNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 8, 3, padding=1); self.in1 = nn.InstanceNorm2d(8, affine=True)
        self.conv2 = nn.Conv2d(8, 8, 3, padding=1); self.in2 = nn.InstanceNorm2d(8)
        self.gn = nn.GroupNorm(4, 8); self.act = nn.SiLU(); self.out = nn.Conv2d(8, 3, 1)
    def forward(self, x):
        x = torch.relu(self.in1(self.conv1(x)))
        x = self.act(self.gn(self.in2(self.conv2(x))))
        return self.out(x)

class TinyViT(nn.Module):
    def __init__(self, dim=32, patch=4, classes=10):
        super().__init__()
        self.patch = nn.Conv2d(3, dim, patch, stride=patch); self.norm1 = nn.LayerNorm(dim)
        self.mlp = nn.Sequential(nn.Linear(dim, dim * 2), nn.GELU(), nn.Linear(dim * 2, dim))
        self.norm2 = nn.LayerNorm(dim); self.head = nn.Linear(dim, classes)
    def forward(self, x):
        x = self.patch(x).flatten(2).transpose(1, 2)
        x = x + self.mlp(self.norm1(x))
        return self.head(self.norm2(x).mean(1))

cases = [
    ('gelunet', GeluNet, (1, 3, 16, 16), False),
    ('channelslast', ChannelsLastNorm, (1, 3, 16, 16), False),
    ('flatnorm', FlatNorm, (2, 1, 16, 16), True),
    ('instancenet', InstanceNet, (1, 3, 12, 12), True),
    ('tinyvit', TinyViT, (2, 3, 32, 32), True),
]
results = {}
for opset in (13, 17):
    for name, make, shape, dynamic in cases:
        torch.manual_seed(0)
        m = make().eval()
        x = torch.randn(*shape)
        with torch.no_grad():
            y = m(x)
        path = os.path.join(out, '%s_%d.onnx' % (name, opset))
        kw = dict(input_names=['input'], output_names=['output'], dynamic_axes={'input': {0: 'batch'}, 'output': {0: 'batch'}}) if dynamic else {}
        torch.onnx.export(m, x, path, opset_version=opset, do_constant_folding=False, training=torch.onnx.TrainingMode.PRESERVE, **kw)
        results['%s_%d' % (name, opset)] = {'params': sum(p.numel() for p in m.parameters()), 'output': list(y.shape), 'dynamic': dynamic}
json.dump(results, open(os.path.join(out, 'results.json'), 'w'))
`;

describe('ONNX front-end: GELU and norms from torch.onnx.export', function () {
  this.timeout(240_000);
  const why = torchUnavailableReason();
  if (why) {
    it.skip(`skipped: ${why}`, () => undefined);
    console.log(`ONNX GELU/norm torch conformance skipped: ${why}`);
    return;
  }
  let dir = '';
  let results: Record<string, { params: number; output: number[]; dynamic: boolean }> = {};
  before(function () {
    dir = mkdtempSync(join(tmpdir(), 'cnn-lens-onnx-norms-'));
    writeFileSync(join(dir, 'export.py'), script);
    const r = spawnSync(python, [join(dir, 'export.py'), dir], { encoding: 'utf8', timeout: 200_000 });
    assert.equal(r.status, 0, `export failed: ${r.stderr}`);
    results = JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8'));
  });
  after(() => dir && rmSync(dir, { recursive: true, force: true }));

  const expectedLayers: Record<string, string[]> = {
    gelunet: ['GELU', 'GELU'],
    channelslast: ['LayerNorm'],
    flatnorm: ['LayerNorm'],
    instancenet: ['InstanceNormalization', 'InstanceNormalization', 'GroupNorm', 'SiLU'],
    tinyvit: ['LayerNorm', 'GELU', 'LayerNorm'],
  };
  for (const opset of [13, 17]) {
    for (const name of Object.keys(expectedLayers)) {
      it(`${name}, opset ${opset}: same params and output shape as PyTorch, no unknown layers`, () => {
        const key = `${name}_${opset}`;
        const expected = results[key];
        const a = analyzeOnnx(`${key}.onnx`, new Uint8Array(readFileSync(join(dir, `${key}.onnx`))));
        assert.equal(a.models.length, 1, JSON.stringify(a.diagnostics));
        const m = a.models[0];
        assert.deepEqual(problems(m), []);
        assert.deepEqual(m.graph.modules.filter((x) => x.spec.kind === 'unknown').map((x) => x.name), []);
        // The norms and GELUs, whether the exporter wrote an op or its decomposition.
        const named = (c: string) => (opset >= 17 && c === 'LayerNorm' ? 'LayerNormalization' : c);
        const norms = m.graph.modules.filter((x) => /Norm|GELU|SiLU/.test(x.className)).map((x) => x.className);
        assert.deepEqual(norms, expectedLayers[name].map(named));
        assert.equal(m.analysis.totals.params, expected.params);
        const out = m.analysis.totals.outputShapes[0];
        assert.deepEqual(expected.dynamic ? out.slice(1) : out, expected.dynamic ? expected.output.slice(1) : expected.output);
        if (expected.dynamic) assert.equal(out[0], 'N');
        console.log(`      ${key}: params ${m.analysis.totals.params} = torch ${expected.params}; output ${out.join('×')} (torch ${expected.output.join('×')})`);
      });
    }
  }
});
