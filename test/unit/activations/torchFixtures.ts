/**
 * Small PyTorch modules of our own, each aimed at one place where NCHW arithmetic run as NHWC
 * could go subtly wrong (padding sides, dilation with stride, groups, pooling divisors and
 * ceil_mode, adaptive windows, flatten order, views, broadcasting, interpolation, transposed
 * convolution) or where a constant the source gives must reach the computation (eps, slopes,
 * align_corners, pad modes, divisor_override, numbers in arithmetic), and the runner that
 * evaluates them in PyTorch itself (Debian's python3-torch) with the very weights and input the
 * model builder used, so the comparison is value for value.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

export const python = process.env.CNN_LENS_PYTHON ?? '/usr/bin/python3';

export function torchUnavailableReason(): string | undefined {
  if (!existsSync(python)) return `${python} not found`;
  const probe = spawnSync(python, ['-c', 'import torch'], { encoding: 'utf8' });
  return probe.status === 0 ? undefined : `${python} cannot import torch (apt-get install python3-torch)`;
}

const header = 'import torch\nfrom torch import nn\nimport torch.nn.functional as F\n\n\n';

export interface TorchFixture {
  /** The nn.Module subclass to run. */
  readonly model: string;
  readonly source: string;
}

export const torchFixtures: readonly TorchFixture[] = [
  {
    model: 'ConvVariety',
    source: `${header}# cnn-lens: input=(1, 4, 17, 19)
class ConvVariety(nn.Module):
    def __init__(self):
        super().__init__()
        self.strided_dilated = nn.Conv2d(4, 8, 3, stride=2, padding=(1, 2), dilation=(2, 1))
        self.grouped = nn.Conv2d(8, 8, 3, padding=2, dilation=2, groups=2)
        self.depthwise = nn.Conv2d(8, 16, (3, 5), stride=(1, 2), padding=(1, 2), groups=8, bias=False)
        self.pointwise = nn.Conv2d(16, 6, 1)
        self.both = nn.Conv2d(6, 6, 3, stride=2, dilation=2, padding=1)
        self.reflect = nn.Conv2d(6, 5, 3, padding=1, padding_mode='reflect')

    def forward(self, x):
        return self.reflect(self.both(self.pointwise(self.depthwise(self.grouped(self.strided_dilated(x))))))
`,
  },
  {
    model: 'Pools',
    source: `${header}# cnn-lens: input=(1, 3, 15, 14)
class Pools(nn.Module):
    def __init__(self):
        super().__init__()
        self.avg_exclude = nn.AvgPool2d(3, stride=2, padding=1, count_include_pad=False)
        self.avg_ceil = nn.AvgPool2d(3, stride=2, padding=1, ceil_mode=True)
        self.avg_ceil_exclude = nn.AvgPool2d(3, stride=2, padding=1, ceil_mode=True, count_include_pad=False)
        self.max_ceil = nn.MaxPool2d(3, stride=2, ceil_mode=True)
        self.max_dilated = nn.MaxPool2d(2, stride=2, padding=1, dilation=2)
        self.adaptive_avg = nn.AdaptiveAvgPool2d((4, 5))
        self.adaptive_max = nn.AdaptiveMaxPool2d((6, 4))

    def forward(self, x):
        parts = [self.avg_exclude(x), self.avg_ceil(x), self.avg_ceil_exclude(x), self.max_ceil(x), self.max_dilated(x), self.adaptive_avg(x), self.adaptive_max(x)]
        return torch.cat([torch.flatten(p, 1) for p in parts], 1)
`,
  },
  {
    model: 'AdaptiveToThree',
    source: `${header}# cnn-lens: input=(1, 5, 7, 7)
class AdaptiveToThree(nn.Module):
    def __init__(self):
        super().__init__()
        self.avg = nn.AdaptiveAvgPool2d(3)
        self.max = nn.AdaptiveMaxPool2d(3)
        self.fc = nn.Linear(90, 4)

    def forward(self, x):
        return self.fc(torch.cat([torch.flatten(self.avg(x), 1), torch.flatten(self.max(x), 1)], 1))
`,
  },
  {
    model: 'FlattenLinear',
    source: `${header}# cnn-lens: input=(1, 3, 6, 5)
class FlattenLinear(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 3, padding=1)
        self.bn = nn.BatchNorm2d(4)
        self.act = nn.Hardswish()
        self.flatten = nn.Flatten()
        self.fc = nn.Linear(120, 7)

    def forward(self, x):
        return self.fc(self.flatten(self.act(self.bn(self.conv(x)))))
`,
  },
  {
    model: 'SqueezeConcatView',
    source: `${header}# cnn-lens: input=(1, 6, 8, 8)
class SqueezeConcatView(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(6, 6, 3, padding=1)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.reduce = nn.Conv2d(6, 3, 1)
        self.expand = nn.Conv2d(3, 6, 1)
        self.gate = nn.Hardsigmoid()
        self.side = nn.Conv2d(6, 2, 1)
        self.fc = nn.Linear(512, 5)

    def forward(self, x):
        y = self.conv(x)
        s = self.gate(self.expand(F.relu(self.reduce(self.pool(y)))))
        y = y * s
        m = y.mean([2, 3], keepdim=True)
        y = y - m
        z = torch.cat([y, self.side(x)], 1)
        z = z.view(z.size(0), -1)
        return self.fc(z)
`,
  },
  {
    model: 'Views',
    source: `${header}# cnn-lens: input=(1, 4, 4, 8)
class Views(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(4, 4, 1)
        self.shuffle = nn.ChannelShuffle(2)
        self.conv2 = nn.Conv2d(2, 3, 3, padding=1)

    def forward(self, x):
        y = self.shuffle(self.conv(x))
        y = y.view(1, 2, 8, 8)
        y = self.conv2(y)
        y = y.permute(0, 2, 3, 1)
        y = y.transpose(1, 2)
        return y.reshape(1, -1)
`,
  },
  {
    model: 'Transposed',
    source: `${header}# cnn-lens: input=(1, 4, 5, 6)
class Transposed(nn.Module):
    def __init__(self):
        super().__init__()
        self.up = nn.ConvTranspose2d(4, 6, 3, stride=2, padding=1, output_padding=1, groups=2)
        self.up2 = nn.ConvTranspose2d(6, 3, (2, 3), stride=(1, 2), padding=(0, 2), dilation=2)

    def forward(self, x):
        return self.up2(self.up(x))
`,
  },
  {
    model: 'ResampleNorm',
    source: `${header}# cnn-lens: input=(1, 4, 5, 6)
class ResampleNorm(nn.Module):
    def __init__(self):
        super().__init__()
        self.nearest = nn.Upsample(scale_factor=2, mode='nearest')
        self.bilinear = nn.Upsample(size=(7, 9), mode='bilinear')
        self.corners = nn.UpsamplingBilinear2d(scale_factor=2)
        self.gn = nn.GroupNorm(2, 4)
        self.ln = nn.LayerNorm([7, 9])
        self.prelu = nn.PReLU(4)
        self.leaky = nn.LeakyReLU()
        self.gelu = nn.GELU()
        self.elu = nn.ELU()
        self.mish = nn.Mish()
        self.softmax = nn.Softmax(dim=1)
        self.logsoftmax = nn.LogSoftmax(dim=1)

    def forward(self, x):
        a = self.gn(self.prelu(self.nearest(x)))
        b = self.ln(self.gelu(self.bilinear(x)))
        c = self.softmax(self.elu(self.corners(x)))
        d = self.logsoftmax(self.mish(F.leaky_relu(x)))
        e = self.leaky(F.interpolate(x, scale_factor=3))
        return torch.cat([torch.flatten(a, 1), torch.flatten(b, 1), torch.flatten(c, 1), torch.flatten(d, 1), torch.flatten(e, 1)], 1)
`,
  },
  {
    model: 'OneD',
    source: `${header}# cnn-lens: input=(1, 3, 20)
class OneD(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv1d(3, 6, 5, stride=2, padding=2)
        self.bn = nn.BatchNorm1d(6)
        self.act = nn.SiLU()
        self.pool = nn.MaxPool1d(3, 2, ceil_mode=True)
        self.avg = nn.AvgPool1d(2)
        self.adaptive = nn.AdaptiveAvgPool1d(3)
        self.fc = nn.Linear(18, 4)

    def forward(self, x):
        y = self.avg(self.pool(self.act(self.bn(self.conv(x)))))
        return self.fc(torch.flatten(self.adaptive(y), 1))
`,
  },
  {
    model: 'SplitReduce',
    source: `${header}# cnn-lens: input=(1, 6, 5, 5)
class SplitReduce(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(6, 6, 3, padding=1)

    def forward(self, x):
        a, b = torch.chunk(self.conv(x), 2, dim=1)
        c = a * torch.sigmoid(b)
        q = c / torch.sigmoid(b)
        s = c.amax(1)
        t = c.sum([2, 3])
        p, r = torch.split(q, [1, 2], dim=1)
        return torch.cat([torch.flatten(p + r.mean(1, keepdim=True), 1), torch.flatten(s, 1), t], 1)
`,
  },
  {
    model: 'ConstantsGiven',
    source: `${header}# cnn-lens: input=(1, 4, 6, 7)
class ConstantsGiven(nn.Module):
    def __init__(self):
        super().__init__()
        self.bn = nn.BatchNorm2d(4, eps=1e-3)
        self.bn_positional = nn.BatchNorm2d(4, 0.1)
        self.gn = nn.GroupNorm(2, 4, eps=0.05)
        self.ln = nn.LayerNorm([6, 7], 0.02)
        self.leaky = nn.LeakyReLU(0.2)
        self.elu = nn.ELU(alpha=0.5)
        self.gelu = nn.GELU(approximate='tanh')
        self.softplus = nn.Softplus(beta=2, threshold=1)

    def forward(self, x):
        a = self.leaky(self.bn(x))
        b = self.elu(self.bn_positional(x) * 3)
        c = self.gelu(self.gn(x) * 2)
        d = self.softplus(self.ln(x))
        e = F.elu(F.leaky_relu(x * 4, 0.3), alpha=0.7)
        f = F.gelu(x * 3, approximate='tanh')
        return torch.cat([torch.flatten(t, 1) for t in [a, b, c, d, e, f]], 1)
`,
  },
  {
    model: 'ScalarArithmetic',
    source: `${header}# cnn-lens: input=(1, 3, 5, 6)
class ScalarArithmetic(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 3, padding=1)
        self.other = nn.Conv2d(3, 4, 1)

    def forward(self, x):
        y = self.conv(x) * 4
        hswish = y * F.relu6(y + 3) / 6
        flipped = 1 - hswish
        y2 = torch.sigmoid(self.other(x)) + 0.5
        ratio = flipped / y2
        pooled = ratio.sum([2, 3], keepdim=True) / 30
        z = torch.sigmoid(-ratio + pooled) ** 2
        z = 2 / (z + 1)
        z = 3 + z
        z = 0.5 * z
        z -= 2
        z += 1
        z *= 1.5
        z /= 2
        z = 2 ** z
        return z
`,
  },
  {
    model: 'PadsAndResizes',
    source: `${header}# cnn-lens: input=(1, 3, 5, 6)
class PadsAndResizes(nn.Module):
    def __init__(self):
        super().__init__()
        self.avg = nn.AvgPool2d(2, divisor_override=2)
        self.avg_padded = nn.AvgPool2d(3, stride=2, padding=1, ceil_mode=True, divisor_override=5)
        self.recompute = nn.Upsample(scale_factor=1.5, mode='bilinear', recompute_scale_factor=True)
        self.corners = nn.Upsample(scale_factor=2, mode='bilinear', align_corners=True)
        self.replicate = nn.Conv2d(3, 2, 3, padding=1, padding_mode='replicate')
        self.circular = nn.Conv2d(3, 2, 3, padding=(2, 1), padding_mode='circular')
        self.same_reflect = nn.Conv2d(3, 2, 4, padding='same', padding_mode='reflect')

    def forward(self, x):
        parts = [
            F.interpolate(x, scale_factor=2, mode='bilinear', align_corners=True),
            self.corners(x),
            F.pad(x, (1, 1, 1, 1), mode='reflect'),
            F.pad(x, (2, 1, 0, 2), mode='replicate'),
            F.pad(x, (1, 2, 2, 1), mode='circular'),
            F.pad(x, (1, 1, 2, 0), value=0.75),
            F.pad(x, (1, 2)),
            self.avg(x),
            self.avg_padded(x),
            F.avg_pool2d(x, 3, 1, 1, divisor_override=4),
            self.recompute(x),
            self.replicate(x),
            self.circular(x),
            self.same_reflect(x),
        ]
        return torch.cat([torch.flatten(p, 1) for p in parts], 1)
`,
  },
];

/** A tensor as JSON: its shape and values in row-major order. */
export interface JsonTensor {
  readonly shape: readonly number[];
  readonly data: readonly number[];
}

export interface TorchCase {
  readonly model: string;
  readonly source: string;
  readonly input: JsonTensor;
  /** state_dict entries by PyTorch name (`bn.running_var`). */
  readonly state: Readonly<Record<string, JsonTensor>>;
}

export interface TorchOutcome {
  readonly output: number[];
  readonly shape: number[];
  /** state_dict keys the module has but the case did not set (num_batches_tracked excluded). */
  readonly missing: string[];
  readonly unexpected: string[];
}

const runner = `
import json, sys, torch
torch.set_grad_enabled(False)
results = {}
for case in json.load(sys.stdin):
    scope = {}
    exec(case['source'], scope)
    model = scope[case['model']]()
    model.eval()
    state = {k: torch.tensor(v['data'], dtype=torch.float32).reshape(v['shape']) for k, v in case['state'].items()}
    loaded = model.load_state_dict(state, strict=False)
    x = torch.tensor(case['input']['data'], dtype=torch.float32).reshape(case['input']['shape'])
    y = model(x)
    results[case['model']] = {
        'output': y.reshape(-1).tolist(), 'shape': list(y.shape),
        'missing': [k for k in loaded.missing_keys if not k.endswith('num_batches_tracked')],
        'unexpected': list(loaded.unexpected_keys),
    }
print(json.dumps(results))
`;

/** Runs every case in one PyTorch process; outcomes by model name. */
export function runInTorch(cases: readonly TorchCase[]): Record<string, TorchOutcome> {
  const result = spawnSync(python, ['-c', runner], { input: JSON.stringify(cases), encoding: 'utf8', maxBuffer: 256 << 20 });
  if (result.status !== 0) throw new Error(`PyTorch failed: ${result.stderr}`);
  return JSON.parse(result.stdout) as Record<string, TorchOutcome>;
}
