/**
 * ONNX conformance against PyTorch itself: where Debian's torch is installed, our own modules (the
 * samples' LeNet-5, ResNet18Like and MobileNetV2, plus small modules that exercise the exporter's
 * Shape→Gather→Concat→Reshape flatten on a dynamic batch, inception concat, transposed conv,
 * upsampling and padding) are exported with torch.onnx.export (opset 13, to a temp dir) and our
 * analysis of each file must give PyTorch's own `sum(p.numel())` and forward output shape. BN
 * folding is turned off so the file keeps the parameters PyTorch counts, except in one case that
 * checks the folding is said. Also: torch.chunk / split / subscripts (Slice whose bounds the
 * exporter computes from Shape), BatchNorm1d after a Linear exported in training and eval mode,
 * BatchNorm without affine, and Gather as nn.Embedding and as integer subscripts. Without torch the suite is skipped
 * with the reason printed.
 */
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { analyzeOnnx } from '../../../src/core/analysis/analyzeDocument';
import { python, samplesScriptPreamble, torchUnavailableReason } from '../../oracle/torchOracle';

const samples = join(__dirname, '../../../samples');

const script =
  samplesScriptPreamble +
  String.raw`

class ViewFlatten(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 3, stride=2, padding=1); self.bn = nn.BatchNorm2d(8); self.fc = nn.Linear(8 * 8 * 8, 10)
    def forward(self, x):
        x = F.relu(self.bn(self.conv(x)))
        return self.fc(x.view(x.size(0), -1))

class Inception(nn.Module):
    def __init__(self):
        super().__init__()
        self.b1 = nn.Conv2d(16, 8, 1); self.b2 = nn.Sequential(nn.Conv2d(16, 4, 1), nn.ReLU(), nn.Conv2d(4, 8, 3, padding=1))
        self.b3 = nn.Sequential(nn.MaxPool2d(3, 1, 1), nn.Conv2d(16, 4, 1)); self.head = nn.Linear(20, 5)
    def forward(self, x):
        y = torch.cat([self.b1(x), self.b2(x), self.b3(x)], 1)
        y = F.adaptive_avg_pool2d(y, 1).flatten(1)
        return self.head(y)

class Decoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.up = nn.ConvTranspose2d(8, 4, 4, stride=2, padding=1); self.pad = nn.ReflectionPad2d(1)
        self.conv = nn.Conv2d(4, 4, 3, dilation=1, groups=2); self.pool = nn.AvgPool2d(3, 2, 1, ceil_mode=True)
        self.act = nn.LeakyReLU(0.2); self.hs = nn.Hardswish()
    def forward(self, x):
        x = self.act(self.up(x))
        x = F.interpolate(x, scale_factor=2, mode='nearest')
        x = self.hs(self.conv(self.pad(x)))
        return torch.sigmoid(self.pool(x)) * 2 - 1

class ShuffleUnit(nn.Module):
    # torch.chunk, which torch.onnx.export writes as Shape, Gather, Add, Div, Mul and Slice, then a channel shuffle.
    def __init__(self):
        super().__init__()
        self.branch = nn.Sequential(nn.Conv2d(24, 24, 1), nn.BatchNorm2d(24), nn.ReLU(), nn.Conv2d(24, 24, 3, padding=1, groups=24))
        self.probe = nn.Conv2d(24, 3, 1)
    def forward(self, x):
        x1, x2 = x.chunk(2, dim=1)
        y = torch.cat((x1, self.branch(x2)), 1)
        b, c, h, w = y.size()
        y = y.view(b, 2, c // 2, h, w).transpose(1, 2).reshape(b, -1, h, w)
        return self.probe(y.chunk(2, dim=1)[1])

class Pieces(nn.Module):
    # Uneven chunks, torch.split by sizes, and subscripts with steps and negative bounds.
    def forward(self, x):
        a, b, c = x.chunk(3, dim=1)
        p, q = torch.split(x, [3, 7], dim=1)
        return torch.cat([c, q[:, 1:6:2], x[:, -2:]], 1)[:, :, 1:7:2, ::2]

class MLP(nn.Module):
    def __init__(self, affine=True):
        super().__init__()
        self.fc = nn.Linear(40, 64); self.bn = nn.BatchNorm1d(64, affine=affine); self.out = nn.Linear(64, 10)
    def forward(self, x):
        return self.out(F.relu(self.bn(self.fc(x))))

class NoAffine(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 3); self.bn = nn.BatchNorm2d(8, affine=False); self.head = MLP(affine=False)
    def forward(self, x):
        return self.head(F.adaptive_avg_pool2d(self.bn(self.conv(x)), (1, 5)).flatten(1))

class Lookup(nn.Module):
    # nn.Embedding and integer subscripts (x[:, 0], x[:, [1, 3]]) are Gather nodes.
    ids = True
    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(50, 8); self.fc = nn.Linear(4, 3)
    def forward(self, ids):
        e = self.emb(ids)
        return self.fc(torch.cat([e[:, 0], e[:, -1]], 1)[:, [1, 3, 5, 7]])

lenet, resnet, mobile = load('lenet5_pytorch'), load('resnet_blocks'), load('mobilenetv2_block')
PRESERVE, TRAINING, EVAL = torch.onnx.TrainingMode.PRESERVE, torch.onnx.TrainingMode.TRAINING, torch.onnx.TrainingMode.EVAL
cases = [
    ('lenet5', lenet.LeNet5(), (1, 1, 32, 32), False, PRESERVE),
    ('resnet18like', resnet.ResNet18Like(num_classes=10), (1, 3, 64, 64), False, PRESERVE),
    ('mobilenetv2', mobile.MobileNetV2(num_classes=10), (1, 3, 96, 96), False, PRESERVE),
    ('viewflatten', ViewFlatten(), (2, 3, 16, 16), True, PRESERVE),
    ('inception', Inception(), (1, 16, 12, 12), False, PRESERVE),
    ('decoder', Decoder(), (1, 8, 7, 7), False, PRESERVE),
    ('shuffle', ShuffleUnit(), (1, 48, 28, 28), False, PRESERVE),
    ('shuffle_dynamic', ShuffleUnit(), (2, 48, 28, 28), True, PRESERVE),
    ('pieces', Pieces(), (1, 10, 8, 8), False, PRESERVE),
    ('pieces_dynamic', Pieces(), (2, 10, 8, 8), True, PRESERVE),
    ('bn1d_training', MLP(), (4, 40), False, TRAINING),
    ('bn1d_eval', MLP(), (4, 40), False, EVAL),
    ('bn_no_affine', NoAffine(), (2, 3, 12, 12), False, PRESERVE),
    ('lookup', Lookup(), (2, 7), True, PRESERVE),
    # The exporter's default: each BatchNorm after a Conv is folded into it, so the file lacks its parameters.
    ('fused_bn', resnet.ResNet18Like(num_classes=10), (1, 3, 32, 32), False, EVAL),
]
results = {}
for name, m, shape, dynamic, mode in cases:
    m.train() if mode == TRAINING else m.eval()
    x = torch.randint(0, 50, shape) if getattr(m, 'ids', False) else torch.randn(*shape)
    with torch.no_grad():
        y = m(x)
    path = os.path.join(out, name + '.onnx')
    kw = dict(input_names=['input'], output_names=['output'], dynamic_axes={'input': {0: 'batch'}, 'output': {0: 'batch'}}) if dynamic else {}
    torch.onnx.export(m, x, path, opset_version=13, do_constant_folding=False, training=mode, **kw)
    results[name] = {'params': sum(p.numel() for p in m.parameters()), 'output': list(y.shape), 'dynamic': dynamic,
                     'modules': [n for n, _ in m.named_modules() if n]}
json.dump(results, open(os.path.join(out, 'results.json'), 'w'))
`;

describe('ONNX front-end: torch.onnx.export conformance', function () {
  this.timeout(240_000);
  const why = torchUnavailableReason();
  if (why) {
    it.skip(`skipped: ${why}`, () => undefined);
    console.log(`ONNX torch conformance skipped: ${why}`);
    return;
  }
  let dir = '';
  let results: Record<string, { params: number; output: number[]; dynamic: boolean; modules: string[] }> = {};
  before(function () {
    dir = mkdtempSync(join(tmpdir(), 'cnn-lens-onnx-'));
    writeFileSync(join(dir, 'export.py'), script);
    const r = spawnSync(python, [join(dir, 'export.py'), dir, samples], { encoding: 'utf8', timeout: 200_000 });
    assert.equal(r.status, 0, `export failed: ${r.stderr}`);
    results = JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8'));
  });
  it('truncated and corrupted copies of an exported ResNet never throw', () => {
    const f = new Uint8Array(readFileSync(join(dir, 'resnet18like.onnx')));
    for (let n = 1; n < f.length; n += Math.floor(f.length / 97))
      assert.ok(analyzeOnnx('t.onnx', f.subarray(0, n), { now: () => 0 }).diagnostics.length >= 0);
    for (let k = 0; k < 40; k++) {
      const copy = Uint8Array.from(f.subarray(0, 4096 + k * 997));
      copy[(k * 7919) % copy.length] ^= 0xff;
      assert.ok(Array.isArray(analyzeOnnx('c.onnx', copy, { now: () => 0 }).models));
    }
  });
  after(() => dir && rmSync(dir, { recursive: true, force: true }));

  it("groups nodes by PyTorch's own module paths (named_modules), nested Sequentials included", () => {
    for (const name of ['resnet18like', 'mobilenetv2']) {
      const m = analyzeOnnx(`${name}.onnx`, new Uint8Array(readFileSync(join(dir, `${name}.onnx`)))).models[0];
      const groups = [...m.analysis.graph.groups.values()].map((g) => g.name);
      const modules = new Set(results[name].modules);
      assert.deepEqual(
        groups.filter((g) => !modules.has(g!)),
        [],
        `${name}: groups that are not torch module paths`,
      );
      assert.ok(groups.length >= 10, `${name}: ${groups.length} groups`);
    }
    const resnet = analyzeOnnx('r.onnx', new Uint8Array(readFileSync(join(dir, 'resnet18like.onnx')))).models[0];
    assert.ok(
      [...resnet.analysis.graph.groups.values()].some((g) => g.name === 'layer2.0.shortcut'),
      'the projection shortcut of layer2.0',
    );
  });

  it("fused_bn: the exporter's eval-mode BatchNorm folding is said, with exactly what PyTorch counts on top", () => {
    const expected = results.fused_bn;
    const m = analyzeOnnx('fused_bn.onnx', new Uint8Array(readFileSync(join(dir, 'fused_bn.onnx')))).models[0];
    const problems = m.diagnostics.filter((d) => d.severity !== 'info').map((d) => d.message);
    assert.equal(problems.length, 1, problems.join('\n'));
    const missing = expected.params - (m.analysis.totals.params ?? 0);
    assert.ok(missing > 0, `torch ${expected.params}, ours ${m.analysis.totals.params}`);
    assert.match(
      problems[0],
      new RegExp(
        `folds a BatchNorm .* probably ${missing.toLocaleString('en-US')} below what model.parameters\\(\\) counts`,
      ),
    );
    console.log(`      fused_bn: ${m.analysis.totals.params} in the file + ${missing} said = torch ${expected.params}`);
  });

  const cases = [
    'lenet5',
    'resnet18like',
    'mobilenetv2',
    'viewflatten',
    'inception',
    'decoder',
    'shuffle',
    'shuffle_dynamic',
    'pieces',
    'pieces_dynamic',
    'bn1d_training',
    'bn1d_eval',
    'bn_no_affine',
    'lookup',
  ];
  for (const name of cases) {
    it(`${name}: same params and output shape as PyTorch`, () => {
      const expected = results[name];
      const a = analyzeOnnx(`${name}.onnx`, new Uint8Array(readFileSync(join(dir, `${name}.onnx`))));
      assert.equal(a.models.length, 1, JSON.stringify(a.diagnostics));
      const m = a.models[0];
      const problems = m.diagnostics.filter((d) => d.severity !== 'info').map((d) => d.message);
      assert.deepEqual(problems, []);
      assert.equal(m.analysis.totals.params, expected.params);
      const out = m.analysis.totals.outputShapes[0];
      assert.deepEqual(
        expected.dynamic ? out.slice(1) : out,
        expected.dynamic ? expected.output.slice(1) : expected.output,
      );
      if (expected.dynamic) assert.equal(out[0], 'N');
      console.log(
        `      ${name}: params ${m.analysis.totals.params} = torch ${expected.params}; output ${out.join('×')} (torch ${expected.output.join('×')})`,
      );
    });
  }
});
