/**
 * The constants a layer's computation needs but its shape does not reach the IR: normalisation
 * eps, activation slopes and approximations, Keras ReLU's three arguments, Rescaling's scale and
 * offset, upsampling's align_corners, F.pad's mode and value, avg-pool divisor_override, Keras
 * Flatten's data_format — by keyword and by position, from modules, functional ops and Keras
 * layers — and a constant the source gives in a form the evaluator cannot follow is named on the
 * spec instead of silently replaced by a default. Also the ops that used to vanish or be mislabelled:
 * arithmetic with a Python number (a `scalar` node with the number, identity shape, no
 * parameters, no MACs), `x.sum([2, 3])` (a sum, not a max) and `a / b` (a divide, not a multiply).
 */
import * as assert from 'node:assert/strict';
import { analyzePython } from '../../../src/core/analysis/analyzeDocument';
import type { LayerSpec } from '../../../src/core/ir/layers';
import { applyRule, layerKinds } from '../../../src/core/shapes/registry';

const torchHeader = 'import torch\nfrom torch import nn\nimport torch.nn.functional as F\nimport config\n\n\n';

/** The specs (with class names) of the one model in `text`, in execution order. */
function specsOf(text: string): { className: string; name: string | null; spec: LayerSpec }[] {
  const result = analyzePython('/fixtures/constants.py', text, {
    host: { read: () => undefined, searchPaths: [] },
    timeMs: 10_000,
    now: () => 0,
  });
  assert.equal(result.models.length, 1, result.diagnostics.map((d) => d.message).join('; '));
  return result.models[0].analysis.nodeResults.map((r) => ({
    className: r.node.className,
    name: r.node.name,
    spec: r.node.spec,
  }));
}

function torchModule(init: string, forward: string, input = '(1, 4, 8, 8)'): string {
  return `${torchHeader}# cnn-lens: input=${input}\nclass M(nn.Module):\n    def __init__(self):\n        super().__init__()\n${init.replace(/^/gm, '        ')}\n\n    def forward(self, x):\n${forward.replace(/^/gm, '        ')}\n`;
}

function kerasModel(body: string, shape = '(8, 8, 3)'): string {
  return `from tensorflow import keras\nfrom tensorflow.keras import layers\nimport config\n\n\ndef build():\n    inputs = keras.Input(shape=${shape})\n    x = inputs\n${body.replace(/^/gm, '    ')}\n    return keras.Model(inputs, x)\n`;
}

describe('constants in the IR', () => {
  it('records PyTorch normalisation eps by keyword and by position, and leaves the default unsaid', () => {
    const specs = specsOf(
      torchModule(
        'self.a = nn.BatchNorm2d(4, eps=1e-3)\nself.b = nn.BatchNorm2d(4, 0.01)\nself.c = nn.BatchNorm2d(4)\nself.g = nn.GroupNorm(2, 4, 1e-4)\nself.l = nn.LayerNorm([8, 8], eps=1e-6)',
        'return self.l(self.g(self.c(self.b(self.a(x)))))',
      ),
    ).map((s) => s.spec);
    assert.deepEqual(
      specs.map((s) => ('eps' in s ? s.eps : 'none')),
      [1e-3, 0.01, undefined, 1e-4, 1e-6],
    );
  });

  it('keeps a PyTorch module whose only unknown arguments are constants, naming them, and its parameters counted', () => {
    const text = torchModule(
      'self.bn = nn.BatchNorm2d(4, eps=config.EPS)\nself.act = nn.LeakyReLU(config.SLOPE, inplace=True)\nself.up = nn.Upsample(scale_factor=2, mode=config.MODE)',
      'return self.up(self.act(self.bn(x)))',
    );
    const result = analyzePython('/fixtures/constants.py', text, {
      host: { read: () => undefined, searchPaths: [] },
      timeMs: 10_000,
      now: () => 0,
    });
    const analysis = result.models[0].analysis;
    assert.deepEqual(
      analysis.nodeResults.map((r) => [
        'unresolved' in r.node.spec ? r.node.spec.unresolved : undefined,
        r.node.spec.kind,
      ]),
      [
        [['eps'], 'batchNorm'],
        [['negative_slope'], 'activation'],
        [['mode'], 'upsample'],
      ],
    );
    assert.equal(analysis.totals.params, 8, 'BatchNorm2d(4) weight and bias still count');
    assert.deepEqual(analysis.totals.outputShapes, [[1, 4, 16, 16]]);
  });

  it('records Keras epsilon and names one it cannot evaluate', () => {
    const specs = specsOf(
      kerasModel(
        'x = layers.BatchNormalization(epsilon=1.001e-5)(x)\nx = layers.LayerNormalization(epsilon=1e-6)(x)\nx = layers.GroupNormalization(groups=3, epsilon=0.01)(x)\nx = layers.BatchNormalization(epsilon=config.EPS)(x)',
      ),
    ).map((s) => s.spec);
    assert.deepEqual(
      specs.map((s) => ('eps' in s ? s.eps : undefined)),
      [1.001e-5, 1e-6, 0.01, undefined],
    );
    assert.deepEqual(
      specs[3],
      { kind: 'batchNorm', axis: -1, center: true, scale: true, trackRunningStats: true, unresolved: ['epsilon'] },
      'the shape part of the spec is intact',
    );
  });

  it('records PyTorch activation constants from modules and functional calls', () => {
    const specs = specsOf(
      torchModule(
        "self.leaky = nn.LeakyReLU(0.2)\nself.elu = nn.ELU(alpha=0.5)\nself.gelu = nn.GELU(approximate='tanh')\nself.softplus = nn.Softplus(2, 10)",
        "x = self.softplus(self.gelu(self.elu(self.leaky(x))))\nx = F.leaky_relu(x, 0.1)\nx = F.elu(x, alpha=0.3)\nx = F.gelu(x, approximate='tanh')\nx = F.leaky_relu(x)\nreturn F.leaky_relu(x, negative_slope=config.SLOPE)",
      ),
    ).map((s) => s.spec);
    assert.deepEqual(specs, [
      { kind: 'activation', fn: 'leakyRelu', alpha: 0.2 },
      { kind: 'activation', fn: 'elu', alpha: 0.5 },
      { kind: 'activation', fn: 'gelu', approximate: 'tanh' },
      { kind: 'activation', fn: 'softplus', beta: 2, softplusThreshold: 10 },
      { kind: 'activation', fn: 'leakyRelu', alpha: 0.1 },
      { kind: 'activation', fn: 'elu', alpha: 0.3 },
      { kind: 'activation', fn: 'gelu', approximate: 'tanh' },
      { kind: 'activation', fn: 'leakyRelu' },
      { kind: 'activation', fn: 'leakyRelu', unresolved: ['negative_slope'] },
    ]);
  });

  it('maps Keras ReLU(max_value, negative_slope, threshold) and records the LeakyReLU layer slope', () => {
    const specs = specsOf(
      kerasModel(
        'x = layers.ReLU()(x)\nx = layers.ReLU(max_value=6)(x)\nx = layers.ReLU(negative_slope=0.1)(x)\nx = layers.ReLU(4.0, 0.2, 0.5)(x)\nx = layers.ReLU(max_value=3)(x)\nx = layers.LeakyReLU()(x)\nx = layers.LeakyReLU(negative_slope=0.05)(x)\nx = layers.LeakyReLU(alpha=0.1)(x)\nx = layers.ELU(alpha=0.4)(x)\nx = layers.Activation("leaky_relu")(x)',
      ),
    ).map((s) => s.spec);
    assert.deepEqual(specs, [
      { kind: 'activation', fn: 'relu' },
      { kind: 'activation', fn: 'relu6' },
      { kind: 'activation', fn: 'leakyRelu', alpha: 0.1 },
      { kind: 'activation', fn: 'relu', alpha: 0.2, maxValue: 4, threshold: 0.5 },
      { kind: 'activation', fn: 'relu', maxValue: 3 },
      { kind: 'activation', fn: 'leakyRelu', alpha: 0.3 },
      { kind: 'activation', fn: 'leakyRelu', alpha: 0.05 },
      { kind: 'activation', fn: 'leakyRelu', alpha: 0.1 },
      { kind: 'activation', fn: 'elu', alpha: 0.4 },
      { kind: 'activation', fn: 'leakyRelu' },
    ]);
  });

  it('records Rescaling scale and offset, and Flatten data_format', () => {
    const specs = specsOf(
      kerasModel(
        'x = layers.Rescaling(1.0 / 255)(x)\nx = layers.Rescaling([0.5, 1.0, 2.0], offset=-1)(x)\nx = layers.Flatten(data_format="channels_first")(x)',
      ),
    ).map((s) => s.spec);
    assert.deepEqual(specs, [
      { kind: 'rescaling', scale: 1 / 255, offset: 0 },
      { kind: 'rescaling', scale: [0.5, 1, 2], offset: -1 },
      { kind: 'flatten', startDim: 1, endDim: -1, dataFormat: 'channels_first' },
    ]);
    const rule = applyRule(specs[1], [[null, 8, 8, 3]], { framework: 'keras', layout: 'channels_last', explain: true });
    assert.deepEqual(rule.outputs, [[null, 8, 8, 3]]);
    assert.deepEqual(rule.arithmetic, ['x · [0.5, 1, 2] + -1, elementwise']);
    assert.match(
      applyRule(specs[1], [[null, 8, 8, 4]], { framework: 'keras', layout: 'channels_last' }).diagnostics[0].message,
      /3 values for 4 features/,
    );
  });

  it('records align_corners, pad modes and values, and divisor_override', () => {
    const specs = specsOf(
      torchModule(
        "self.up = nn.Upsample(scale_factor=2, mode='bilinear', align_corners=True)\nself.bi = nn.UpsamplingBilinear2d(scale_factor=2)\nself.avg = nn.AvgPool2d(2, divisor_override=3)",
        "x = self.bi(self.up(x))\nx = F.interpolate(x, scale_factor=0.5, mode='bilinear', align_corners=True)\nx = F.interpolate(x, scale_factor=1.5, mode='bilinear', recompute_scale_factor=True)\nx = F.pad(x, (1, 1, 2, 2), mode='reflect')\nx = F.pad(x, (1, 2), 'replicate')\nx = F.pad(x, (1, 1, 1, 1), mode='circular')\nx = F.pad(x, (1, 1, 1, 1), value=0.5)\nx = F.pad(x, (1, 1, 1, 1))\nx = F.avg_pool2d(x, 2, divisor_override=2)\nreturn self.avg(x)",
      ),
    ).map((s) => s.spec);
    const pick = (s: LayerSpec) =>
      s.kind === 'upsample'
        ? { align: s.alignCorners, recompute: s.recomputeScale }
        : s.kind === 'pad'
          ? { mode: s.mode, value: s.value, pads: s.pads }
          : s.kind === 'pool'
            ? { divisor: s.divisorOverride }
            : { kind: s.kind };
    assert.deepEqual(specs.map(pick), [
      { align: true, recompute: undefined },
      { align: true, recompute: undefined },
      { align: true, recompute: undefined },
      { align: undefined, recompute: true },
      {
        mode: 'reflect',
        value: 0,
        pads: [
          [2, 2],
          [1, 1],
        ],
      },
      {
        mode: 'replicate',
        value: 0,
        pads: [
          [0, 0],
          [1, 2],
        ],
      },
      {
        mode: 'circular',
        value: 0,
        pads: [
          [1, 1],
          [1, 1],
        ],
      },
      {
        mode: 'constant',
        value: 0.5,
        pads: [
          [1, 1],
          [1, 1],
        ],
      },
      { kind: 'zeroPad' },
      { divisor: 2 },
      { divisor: 3 },
    ]);
    const reflect = specs[4];
    assert.match(
      applyRule(reflect, [[1, 4, 2, 9]], { framework: 'pytorch', layout: 'channels_first' }).diagnostics[0]?.message ??
        '',
      /reflect padding \(2\) must be less than the input size \(2\)/,
    );
  });
});

describe('tensor ops that used to vanish or be mislabelled', () => {
  it('records arithmetic with a number as scalar nodes, in-place forms and methods included', () => {
    const specs = specsOf(
      torchModule(
        'self.conv = nn.Conv2d(4, 4, 1)',
        'x = self.conv(x)\ny = x + 3\ny = 3 + y\ny = y - 1\ny = 1 - y\ny = y * 0.5\ny = y / 6\ny = 6 / y\ny = -y\ny = y ** 2\ny = 2 ** y\ny += 1\ny *= 2\ny -= 0.5\ny /= 4\ny = y.add(1).mul(2).sub(3).div(4)\ny = torch.mul(y, 3)\nreturn y',
      ),
    );
    const scalars = specs
      .filter((s) => s.spec.kind === 'scalar')
      .map((s) => [s.className, s.spec.kind === 'scalar' ? s.spec.value : null]);
    assert.deepEqual(scalars, [
      ['add', 3],
      ['add', 3],
      ['sub', 1],
      ['rsub', 1],
      ['mul', 0.5],
      ['div', 6],
      ['rdiv', 6],
      ['neg', -1],
      ['pow', 2],
      ['rpow', 2],
      ['add', 1],
      ['mul', 2],
      ['sub', 0.5],
      ['div', 4],
      ['add', 1],
      ['mul', 2],
      ['sub', 3],
      ['div', 4],
      ['mul', 3],
    ]);
  });

  it('gives a scalar node an identity shape, no parameters, no MACs, and arithmetic text; views fold it', () => {
    const rule = applyRule({ kind: 'scalar', op: 'rsub', value: 1 }, [[1, 8, 5, 5]], {
      framework: 'pytorch',
      layout: 'channels_first',
      explain: true,
    });
    assert.deepEqual(rule.outputs, [[1, 8, 5, 5]]);
    assert.deepEqual(rule.weights, []);
    assert.equal(rule.macs, 0);
    assert.deepEqual(rule.arithmetic, ['1 − x, elementwise; no parameters']);
    assert.equal(layerKinds.scalar.category, 'elementwise');
  });

  it('names an operator it does not model with a number instead of passing the tensor through unnoticed', () => {
    const specs = specsOf(torchModule('self.conv = nn.Conv2d(4, 4, 1)', 'x = self.conv(x)\nreturn x // 2'));
    assert.deepEqual(specs[1].spec, {
      kind: 'unknown',
      className: 'floor_divide',
      reason: "'//' with a number is not modelled",
    });
  });

  it('makes x.sum over the spatial dims a sum and a / b a divide', () => {
    const specs = specsOf(
      torchModule(
        'self.conv = nn.Conv2d(4, 4, 1)',
        'x = self.conv(x)\ns = x.sum([2, 3], keepdim=True)\nm = torch.sum(x, (2, 3))\nreturn x / s',
      ),
    );
    assert.deepEqual(
      specs.slice(1).map((s) => [s.className, s.spec]),
      [
        ['sum', { kind: 'globalPool', op: 'sum', rank: 2, keepDims: true }],
        ['sum', { kind: 'globalPool', op: 'sum', rank: 2, keepDims: false }],
        ['div', { kind: 'divide', broadcast: true }],
      ],
    );
    assert.deepEqual(
      applyRule(specs[1].spec, [[1, 4, 8, 8]], { framework: 'pytorch', layout: 'channels_first', explain: true })
        .arithmetic,
      ['sum over 8×8 per channel → 4 values (keepdims)'],
    );
    assert.deepEqual(
      applyRule(
        specs[3].spec,
        [
          [1, 4, 8, 8],
          [1, 4, 1, 1],
        ],
        { framework: 'pytorch', layout: 'channels_first', explain: true },
      ).arithmetic,
      ['[1×4×8×8] ÷ [1×4×1×1] → [1×4×8×8]'],
    );
  });
});
