/**
 * The torch.nn API as people use it, checked against torch 1.13 on programs of our own: tensors a
 * module owns (`nn.Parameter`, `register_parameter`, buffers), subclasses of built-in layers with a
 * forward of their own, MultiheadAttention in every configuration that changes its weights, lazy
 * layers, and the float sizes torch refuses. Torch runs live when it is installed.
 */
import * as assert from 'node:assert/strict';
import { analyzePython } from '../../../src/core/analysis/analyzeDocument';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { torchLayerHasAttribute } from '../../../src/core/frameworks/torchLayerAttributes';
import { python } from '../../oracle/torchOracle';
import { lensAnswer, skipWithoutTorch, torchAnswers, type Program } from './torchTruth';

const oracleDir = join(__dirname, '..', '..', 'oracle');
const header = 'import torch\nfrom torch import nn\nimport torch.nn.functional as F\n\n';

/** A module holding one layer `layer`, whose forward is `body` (x in, the returned value out). */
function holding(layer: string, body = 'return self.layer(x)', input: number[] = [2, 3, 16, 16]): Program {
  return {
    source: `${header}class M(nn.Module):\n    def __init__(self):\n        super().__init__()\n        self.layer = ${layer}\n\n    def forward(self, x):\n        ${body}\n`,
    input,
  };
}

/** A torchvision model, read from where it is installed, held as the module's one layer. */
function torchvisionModel(module: string, call: string): Program {
  const { source } = holding(call, undefined, [1, 3, 64, 64]);
  return {
    source: `from torchvision.models.${module} import ${call.replace(/\(.*/, '')}\n${source}`,
    input: [1, 3, 64, 64],
  };
}

/** MultiheadAttention with key and value of their own sizes, made in forward. */
function attention(kwargs: string, q: number[], k: number[], v: number[], call = 'self.layer(x, k, v)'): Program {
  return holding(
    `nn.MultiheadAttention(${kwargs})`,
    `k = torch.zeros(${k.join(', ')})\n        v = torch.zeros(${v.join(', ')})\n        return ${call}`,
    q,
  );
}

const programs: Record<string, Program> = {
  mhaPacked: attention('64, 8', [5, 2, 64], [7, 2, 64], [7, 2, 64]),
  mhaNoBias: attention('64, 8, bias=False', [5, 2, 64], [7, 2, 64], [7, 2, 64]),
  mhaBiasKv: attention('64, 4, add_bias_kv=True', [5, 2, 64], [7, 2, 64], [7, 2, 64]),
  mhaKdimVdim: attention('64, 4, kdim=32, vdim=48', [5, 2, 64], [7, 2, 32], [7, 2, 48]),
  mhaEverything: attention(
    '64, 4, kdim=32, vdim=48, bias=False, add_bias_kv=True, batch_first=True',
    [2, 5, 64],
    [2, 7, 32],
    [2, 7, 48],
  ),
  mhaZeroAttn: attention('64, 4, add_zero_attn=True, batch_first=True', [2, 5, 64], [2, 7, 64], [2, 7, 64]),
  mhaVit: attention('768, 12, dropout=0.1, batch_first=True', [2, 5, 768], [2, 5, 768], [2, 5, 768]),
  mhaUnbatched: attention('64, 8', [5, 64], [7, 64], [7, 64]),
  mhaNoWeights: attention(
    '64, 8, batch_first=True',
    [2, 5, 64],
    [2, 7, 64],
    [2, 7, 64],
    'self.layer(x, k, v, need_weights=False)',
  ),
  mhaSelf: holding('nn.MultiheadAttention(32, 4, batch_first=True)', 'return self.layer(x, x, x)[0]', [2, 9, 32]),
  parameterTokens: {
    source: `${header}class M(nn.Module):
    def __init__(self, dim=32):
        super().__init__()
        self.proj = nn.Linear(8, dim)
        self.cls_token = nn.Parameter(torch.zeros(1, 1, dim))
        self.pos_embed = nn.Parameter(torch.zeros(1, 5, dim), requires_grad=False)
        self.register_parameter("gamma", nn.Parameter(torch.ones(dim)))
        self.register_parameter("unused", None)
        self.register_buffer("position_ids", torch.zeros(1, 5))
        self.table = nn.Parameter(torch.randn(49, 4))
        self.table.requires_grad = False

    def forward(self, x):
        x = torch.cat([self.cls_token, self.proj(x)], dim=1)
        return (x + self.pos_embed) * self.gamma
`,
    input: [1, 4, 8],
  },
  layerAttributes: {
    source: `${header}class M(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 3, padding=1)
        fan_out = self.conv.kernel_size[0] * self.conv.kernel_size[1] * self.conv.out_channels
        extra = self.conv.stride[0] + self.conv.dilation[1] + self.conv.padding[0] + len(self.conv.output_padding)
        self.fc = nn.Linear(8, fan_out + extra)
        self.qkv = nn.Linear(fan_out + extra, 12)
        third = self.qkv.bias.numel() // 3
        self.qkv.bias[third : 2 * third].data.zero_()
        width = getattr(self, "missing", 2) + getattr(nn.Sequential(), "missing", 1) + getattr(self.fc, "in_features", 0)
        self.head = nn.Linear(12, width)

    def forward(self, x):
        return self.head(self.qkv(self.fc(self.conv(x).mean((2, 3)))))
`,
    input: [1, 3, 8, 8],
  },
  matrixProducts: {
    source: `${header}class M(nn.Module):
    def __init__(self):
        super().__init__()
        self.qkv = nn.Linear(32, 96)
        self.proj = nn.Linear(32, 32, bias=False)
        self.scale = nn.Parameter(torch.ones(32))

    def forward(self, x):
        B, N, C = x.shape
        qkv = F.linear(x, self.qkv.weight, self.qkv.bias).reshape(B, N, 3, 4, C // 4).permute(2, 0, 3, 1, 4)
        q, k, v = qkv[0], qkv[1], qkv[2]
        attn = (q @ k.transpose(-2, -1)).softmax(dim=-1)
        x = torch.matmul(attn, v).transpose(1, 2).reshape(B, N, C)
        x = F.linear(x, self.proj.weight, self.proj.bias) + torch.bmm(x, torch.ones(B, C, C))
        return x @ self.scale, x.matmul(torch.ones(C, 5)), torch.mm(x[0], torch.ones(C, 2))
`,
    input: [2, 10, 32],
  },
  shiftedWindows: {
    source: `${header}class M(nn.Module):
    def __init__(self):
        super().__init__()
        self.proj = nn.Linear(16, 16)
        coords = torch.stack(torch.meshgrid([torch.arange(4), torch.arange(4)], indexing="ij")).flatten(1)
        relative = (coords[:, :, None] - coords[:, None, :]).permute(1, 2, 0).contiguous()
        relative[:, :, 0] += 3
        self.register_buffer("index", (relative[:, :, 0] * 7 + relative[:, :, 1] + 3).flatten())
        self.table = nn.Parameter(torch.zeros(49, 2))

    def forward(self, x):
        x = F.pad(x, (0, 0, 0, 1, 0, 1))
        x = torch.roll(x, shifts=(-2, -2), dims=(1, 2))
        mask = x.new_zeros((8, 8))
        mask[0:4, :] = 1
        m = mask.view(2, 4, 2, 4).permute(0, 2, 1, 3).reshape(4, 16)
        m = (m.unsqueeze(1) - m.unsqueeze(2)).masked_fill(m.unsqueeze(1) - m.unsqueeze(2) != 0, -100.0)
        w = x.view(1, 2, 4, 2, 4, 16).permute(0, 1, 3, 2, 4, 5).reshape(4, 16, 16)
        bias = self.table[self.index].view(16, 16, 2).permute(2, 0, 1)
        attn = (w @ w.transpose(-2, -1)) + m + bias.sum(0)
        return self.proj(attn.softmax(-1) @ w), bias
`,
    input: [1, 7, 7, 16],
  },
  functionsAndIdentity: {
    source: `${header}class SwishFn(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * torch.sigmoid(x)

    @staticmethod
    def backward(ctx, grad_output):
        return grad_output


class BNAct(nn.BatchNorm2d):
    def forward(self, x):
        x = F.batch_norm(x, self.running_mean, self.running_var, self.weight, self.bias, False, 0.1, self.eps)
        return SwishFn.apply(x)


class M(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 3)
        self.norm = BNAct(8)
        self.token = nn.Parameter(torch.zeros(1, 8, 1, 1))
        self.extra = None

    def forward(self, x):
        x = self.norm(self.conv(x))
        if self.token is not None:
            x = x + self.token
        if self.extra is None and x is not None:
            x = F.group_norm(x, 2)
        return x
`,
    input: [1, 3, 16, 16],
  },
  functionalConv: {
    source: `${header}class Same(nn.Conv2d):
    def forward(self, x):
        x = F.pad(x, (0, 1, 0, 1))
        return F.conv2d(x, self.weight, self.bias, self.stride, (0, 0), self.dilation, self.groups)

class M(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = Same(3, 8, 3, stride=2)
        self.dw = nn.Conv2d(8, 8, 3, groups=8, bias=False)
        self.g = nn.Parameter(torch.ones(1, 8, 1, 1))

    def forward(self, x):
        x = self.conv(x)
        y = F.conv2d(x, self.dw.weight, None, 1, 'same', 1, 8)
        return torch.addcmul(y, self.g, y, value=0.5)
`,
    input: [1, 3, 16, 16],
  },
  responseNorm: {
    source: `${header}class GRN(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.gamma = nn.Parameter(torch.zeros(1, 1, 1, dim))
        self.beta = nn.Parameter(torch.zeros(1, 1, 1, dim))

    def forward(self, x):
        gx = x.norm(p=2, dim=(1, 2), keepdim=True)
        nx = gx / (gx.mean(dim=-1, keepdim=True) + 1e-6)
        return torch.addcmul(self.beta, self.gamma, x * nx) + x + torch.norm(x, dim=-1, keepdim=True)


class M(nn.Module):
    def __init__(self):
        super().__init__()
        self.grn = GRN(16)

    def forward(self, x):
        return self.grn(x), x.norm()
`,
    input: [2, 7, 7, 16],
  },
  parameterExpand: {
    source: `${header}class M(nn.Module):
    def __init__(self, dim=32):
        super().__init__()
        self.cls_token = nn.Parameter(torch.empty(1, 1, dim).normal_(std=0.02))
        self.pos_embed = nn.Parameter(torch.zeros(1, 1, 5, dim))

    def forward(self, x):
        b = x.size(0)
        x = torch.cat([self.cls_token.expand(b, -1, -1), x], dim=1)
        return x.unsqueeze(1) + self.pos_embed.expand(b, 3, -1, -1)
`,
    input: [2, 4, 32],
  },
  parameterLegacy: {
    source: `${header}class M(nn.Module):
    def __init__(self, cin=8, cout=4):
        super().__init__()
        self.weight = nn.Parameter(torch.Tensor(cout, cin))
        self.alpha = nn.Parameter(torch.tensor(0.5))
        nn.init.kaiming_uniform_(self.weight)

    def forward(self, x):
        return x * self.alpha
`,
    input: [2, 8],
  },
  parameterContainers: {
    source: `${header}class M(nn.Module):
    def __init__(self, dim=16):
        super().__init__()
        self.scales = nn.ParameterList([nn.Parameter(torch.ones(dim)) for _ in range(3)])
        self.scales.append(nn.Parameter(torch.zeros(dim)))
        self.shifts = nn.ParameterDict({"a": nn.Parameter(torch.zeros(1, dim)), "b": nn.Parameter(torch.zeros(1, dim))})
        self.shifts.requires_grad_(False)

    def forward(self, x):
        for scale in self.scales:
            x = x * scale
        return x + self.shifts["a"] + self.shifts["b"] + self.scales[-1]
`,
    input: [2, 16],
  },
  weightByWeight: {
    source: `${header}class M(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 3, bias=False)
        self.bn = nn.BatchNorm2d(8, affine=False)
        self.fc = nn.Linear(8, 4)
        self.fc.bias.requires_grad = False
        self.norm = nn.LayerNorm(4)
        self.norm.weight.requires_grad_(False)
        for m in self.modules():
            if isinstance(m, (nn.Conv2d, nn.Linear)):
                nn.init.kaiming_normal_(m.weight)
                if m.bias is not None:
                    nn.init.zeros_(m.bias)
            if isinstance(m, nn.BatchNorm2d) and m.weight is None:
                self.frozen_bn = True

    def forward(self, x):
        x = self.bn(self.conv(x)).mean([2, 3])
        return self.norm(self.fc(x)) if self.frozen_bn else x
`,
    input: [2, 3, 8, 8],
  },
  layerNormSubclass: {
    source: `${header}class LayerNorm2d(nn.LayerNorm):
    def forward(self, x):
        x = x.permute(0, 2, 3, 1)
        x = F.layer_norm(x, self.normalized_shape, self.weight, self.bias, self.eps)
        return x.permute(0, 3, 1, 2)


class M(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 3)
        self.norm = LayerNorm2d(8, eps=1e-6)

    def forward(self, x):
        return self.norm(self.conv(x))
`,
    input: [2, 3, 8, 8],
  },
  lazyConv1d: holding('nn.LazyConv1d(8, 3, padding=1)', undefined, [2, 5, 20]),
  lazyConv3d: holding('nn.LazyConv3d(4, 3, bias=False)', undefined, [1, 2, 6, 6, 6]),
  lazyConvTranspose1d: holding('nn.LazyConvTranspose1d(4, 2, stride=2)', undefined, [2, 5, 20]),
  lazyConvTranspose3d: holding('nn.LazyConvTranspose3d(4, 2, stride=2, groups=2)', undefined, [1, 6, 4, 4, 4]),
  lazyBatchNorm3d: holding('nn.LazyBatchNorm3d(affine=False)', undefined, [2, 5, 4, 4, 4]),
  lazyInstanceNorm1d: holding('nn.LazyInstanceNorm1d(affine=True)', undefined, [2, 5, 20]),
  lazyLinear3d: holding('nn.LazyLinear(7)', undefined, [2, 3, 11]),
  instanceNorm2d: holding('nn.InstanceNorm2d(3, affine=True)'),
  subclassForward: {
    source: `${header}class ConvAct(nn.Conv2d):
    def __init__(self, cin, cout):
        super().__init__(cin, cout, 3, padding=1)
        self.act = nn.ReLU()
        self.pool = nn.AvgPool2d(2)

    def forward(self, x):
        return self.pool(self.act(super().forward(x)))


class M(nn.Module):
    def __init__(self):
        super().__init__()
        self.block = ConvAct(3, 8)

    def forward(self, x):
        return self.block(x)
`,
    input: [1, 3, 16, 16],
  },
  moduleListOperators: {
    source: `${header}from typing import OrderedDict


class M(nn.Module):
    def __init__(self):
        super().__init__()
        self.layers = nn.ModuleList()
        for width in (16, 12):
            self.layers += [nn.Linear(8 if width == 16 else 16, width)]
        self.more = self.layers + [nn.ReLU(), nn.Linear(12, 4)]
        named = OrderedDict()
        named["fc"] = nn.Linear(4, 6)
        self.head = nn.Sequential(named)

    def forward(self, x):
        for layer in self.more[:3]:
            x = layer(x)
        return self.head(self.more[-1](x))
`,
    input: [2, 8],
  },
  sequentialOperators: {
    source: `${header}class M(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = nn.Sequential(nn.Linear(6, 6), nn.ReLU())
        self.stem += nn.Sequential(nn.Linear(6, 6))
        self.body = 2 * nn.Sequential(nn.Linear(6, 6), nn.Tanh()) + nn.Sequential(nn.Linear(6, 3))

    def forward(self, x):
        return self.body(self.stem(x))
`,
    input: [2, 6],
  },
  sequentialPlusList: holding('nn.Sequential(nn.ReLU()) + [nn.ReLU()]', undefined, [2, 6]),
  sequentialTimesZero: holding('nn.Sequential(nn.ReLU()) * 0', undefined, [2, 6]),
  optionalParameters: {
    source: `${header}class M(nn.Module):
    def __init__(self):
        super().__init__()
        self.rel_pos = nn.Parameter(torch.zeros(4, 3))
        self.class_pos = None

    def forward(self, x):
        y = x if x is x else None
        if self.rel_pos is not None and self.class_pos is None and y is not None:
            return x.sum(1)
        return x
`,
    input: [2, 3, 5],
  },
  quantStubs: {
    source: `${header}from torch.ao.quantization import QuantStub
from torchvision.ops import StochasticDepth


class M(nn.Module):
    def __init__(self):
        super().__init__()
        self.quant = QuantStub()
        self.conv = nn.Conv2d(3, 8, 3, padding=1)
        self.drop = StochasticDepth(0.2, "row")
        self.skip = nn.quantized.FloatFunctional()
        self.dequant = torch.quantization.DeQuantStub()

    def forward(self, x):
        x = self.quant(x)
        y = self.skip.add_relu(self.conv(x), self.drop(self.conv(x)))
        y = self.skip.cat([y, self.skip.mul(y, y), self.skip.add_scalar(y, 1.0)], 1)
        return self.dequant(self.skip.mul_scalar(y, 0.5))
`,
    input: [1, 3, 16, 16],
  },
  quantizableResNet18: torchvisionModel('quantization', 'resnet18(quantize=False)'),
  quantizableMobileNetV3: torchvisionModel('quantization', 'mobilenet_v3_large(quantize=False)'),
  encoderLayerVit: holding(
    'nn.TransformerEncoderLayer(768, 12, 3072, batch_first=True, activation="gelu", norm_first=True)',
    undefined,
    [2, 5, 768],
  ),
  encoderLayerDefault: holding('nn.TransformerEncoderLayer(64, 4)', undefined, [7, 2, 64]),
  encoderLayerModuleActivation: holding(
    'nn.TransformerEncoderLayer(64, 4, 128, 0.0, nn.GELU(), batch_first=True)',
    undefined,
    [2, 7, 64],
  ),
  encoderStack: holding(
    'nn.TransformerEncoder(nn.TransformerEncoderLayer(64, 4, 128, batch_first=True), 3, norm=nn.LayerNorm(64))',
    undefined,
    [2, 7, 64],
  ),
  decoderLayer: holding(
    'nn.TransformerDecoderLayer(64, 4, 128, batch_first=True)',
    'memory = torch.zeros(2, 9, 64)\n        return self.layer(x, memory)',
    [2, 7, 64],
  ),
  decoderStackPreNorm: holding(
    'nn.TransformerDecoder(nn.TransformerDecoderLayer(64, 4, 128, norm_first=True), 2)',
    'memory = torch.zeros(9, 2, 64)\n        return self.layer(x, memory)',
    [7, 2, 64],
  ),
  transformer: holding(
    'nn.Transformer(64, 4, 2, 2, 128, batch_first=True)',
    'tgt = torch.zeros(2, 5, 64)\n        return self.layer(x, tgt)',
    [2, 7, 64],
  ),
  deepcopyClones: {
    source: `${header}import copy


class M(nn.Module):
    def __init__(self):
        super().__init__()
        block = nn.Sequential(nn.Linear(16, 16), nn.LayerNorm(16))
        block[1].requires_grad_(False)
        self.blocks = nn.ModuleList([copy.deepcopy(block) for _ in range(3)])

    def forward(self, x):
        for b in self.blocks:
            x = b(x)
        return x
`,
    input: [2, 16],
  },
  floatOutChannels: holding('nn.Conv2d(3, 16 / 2, 3)'),
  floatInChannels: holding('nn.Conv2d(3.0, 8, 3)'),
  floatKernelTuple: holding('nn.Conv2d(3, 8, (3.0, 3))'),
  floatGroups: holding('nn.Conv2d(4, 4, 3, groups=2.0)', undefined, [1, 4, 8, 8]),
  floatStrideAccepted: holding('nn.Conv2d(3, 8, 3, stride=1.0, padding=1.0)', 'return x'),
  floatLinear: holding('nn.Linear(16, 64 / 4)', undefined, [2, 16]),
  floatBatchNorm: holding('nn.BatchNorm2d(32 / 2)'),
  floatLayerNorm: holding('nn.LayerNorm(16 / 1)', undefined, [2, 16]),
  floatEmbedding: holding('nn.Embedding(10, 8.0)', undefined, [2, 3]),
  floatAttention: holding('nn.MultiheadAttention(32 / 2, 4)', undefined, [2, 3, 16]),
  // A name no built-in layer has is missing (inception_v3's `hasattr(m, "stddev")`); one set on it is not.
  layerAttributeProbes: {
    source: `${header}class M(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 3)
        self.conv.init_std = 0.5
        a = 2 if hasattr(self.conv, 'stddev') else 3
        b = 5 if hasattr(self.conv, 'init_std') else 7
        c = getattr(self.conv, 'scale', 11) + len(self.conv.padding_mode)
        self.layer = nn.Linear(4, a * b + c)

    def forward(self, x):
        return self.layer(self.conv(x).mean((2, 3)))
`,
    input: [2, 3, 8, 8],
  },
  missingLayerAttribute: holding('nn.Conv2d(3, 4, 3)', 'return self.layer(x) * self.layer.stddev'),
};

describe('torch.nn as people use it', function () {
  this.timeout(120_000);

  it('agrees with torch 1.13 on every program (outputs, parameters, refusals)', function () {
    skipWithoutTorch(this);
    const truth = torchAnswers(programs);
    const failures: string[] = [];
    for (const [name, program] of Object.entries(programs)) {
      const lens = lensAnswer(name, program);
      const expected = truth[name];
      if (JSON.stringify(lens) !== JSON.stringify(expected))
        failures.push(`${name}: CNN Lens ${JSON.stringify(lens)}, torch ${JSON.stringify(expected)}`);
    }
    assert.deepEqual(failures, []);
  });

  it("holds every attribute name torch 1.13's layers have in its table", function () {
    skipWithoutTorch(this);
    const run = spawnSync(python, [join(oracleDir, 'torch_layer_attributes.py')], { encoding: 'utf8' });
    assert.equal(run.status, 0, run.stderr);
    const missing: string[] = [];
    for (const [className, names] of Object.entries(JSON.parse(run.stdout) as Record<string, string[]>))
      for (const name of names) if (!torchLayerHasAttribute(className, name)) missing.push(`${className}.${name}`);
    assert.deepEqual(missing, [], 'regenerate src/core/frameworks/torchLayerAttributes.ts');
    assert.equal(torchLayerHasAttribute('Conv2d', 'stddev'), false);
    assert.equal(torchLayerHasAttribute('Identity', 'reset_parameters'), false);
    assert.equal(torchLayerHasAttribute('LSTM', 'weight_hh_l3_reverse'), true);
    assert.equal(torchLayerHasAttribute('RMSNorm', 'weight'), undefined, 'a class torch 1.13 lacks is not judged');
  });

  it('names each parameter as named_parameters() does, in its owner group, and counts a buffer as nothing', () => {
    const result = analyzePython('/virtual/p.py', `${programs.parameterTokens.source}`, {
      host: { read: () => undefined, searchPaths: [] },
      entry: 'M',
      input: [1, 4, 8],
      now: () => 0,
    });
    const modules = result.models[0].analysis.modules.map((m) => [
      m.module.name,
      m.module.className,
      m.trainable,
      m.nonTrainable,
    ]);
    assert.deepEqual(
      modules.filter((m) => m[1] === 'Parameter'),
      [
        ['cls_token', 'Parameter', 32, 0],
        ['pos_embed', 'Parameter', 0, 160],
        ['gamma', 'Parameter', 32, 0],
        ['table', 'Parameter', 0, 196],
      ],
    );
  });

  it('reports a float size at the line of the layer, as the TypeError torch raises', () => {
    const source = `${header}class M(nn.Module):\n    def __init__(self, planes=64):\n        super().__init__()\n        self.reduce = nn.Conv2d(3, planes / 4, 1)\n\n    def forward(self, x):\n        return self.reduce(x)\n`;
    const result = analyzePython('/virtual/f.py', source, {
      host: { read: () => undefined, searchPaths: [] },
      entry: 'M',
      now: () => 0,
    });
    const error = result.models[0].diagnostics.find((d) => d.severity === 'error');
    assert.ok(error, 'an error diagnostic');
    assert.equal(error.range.start.line, 7);
    assert.match(error.message, /^TypeError: Conv2d\(\) got the float 16\.0 for out_channels/);
  });

  it('runs a layer subclass forward inside its own group, with the base layer named by its path', () => {
    const result = analyzePython('/virtual/s.py', programs.subclassForward.source, {
      host: { read: () => undefined, searchPaths: [] },
      entry: 'M',
      input: [1, 3, 16, 16],
      now: () => 0,
    });
    const { graph } = result.models[0].analysis;
    assert.deepEqual(
      graph.nodes.map((n) => `${n.name}:${n.className}`),
      ['block:Conv2d', 'block.act:ReLU', 'block.pool:AvgPool2d'],
    );
    assert.deepEqual(new Set(graph.nodes.map((n) => graph.groups.get(n.groupId!)?.name)), new Set(['block']));
  });

  it('marks the output of a layer subclass whose forward uses the functional form with its path, as torch hooks it', () => {
    const source = programs.layerNormSubclass.source;
    const result = analyzePython('/virtual/n.py', source, {
      host: { read: () => undefined, searchPaths: [] },
      entry: 'M',
      input: [2, 3, 8, 8],
    });
    const { graph } = result.models[0].analysis;
    const named = graph.nodes.filter((n) => n.name !== null).map((n) => `${n.name}:${n.className}`);
    assert.deepEqual(named, ['conv:Conv2d', 'norm:LayerNorm2d']);
    assert.equal(result.models[0].analysis.totals.params, 3 * 8 * 9 + 8 + 2 * 8);
    const { analysis } = result.models[0];
    const norm = analysis.nodeResults.find((r) => r.node.name === 'norm');
    assert.ok(norm?.node.moduleId !== undefined, 'the marked output belongs to the layer itself');
    const row = analysis.modules[norm.node.moduleId];
    assert.equal((row.trainable ?? 0) + (row.nonTrainable ?? 0), 2 * 8, "the row carries the layer's own weights");
    assert.equal(analysis.modules.length, 2, 'no second module is made for the marked output');
  });
});
