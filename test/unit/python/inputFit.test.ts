/**
 * A PyTorch model with no declared input is traced on one derived from its first layer (3
 * channels → 1×3×224×224). When the model's own fixed sizes contradict that guess (a tutorial's
 * `nn.Linear(16 * 5 * 5, 120)` after two convolutions wants 32×32), a guessed input must not turn
 * into a confident error: the first common image size the model fits is assumed, and the model
 * says so. A model that fits no size keeps the derived input and its error. A tensor the file itself
 * feeds the model, or the input size it gives torchinfo's or torchsummary's summary(), comes before
 * any guess. Programs of our own.
 */
import * as assert from 'node:assert/strict';
import { analyzePython } from '../../../src/core/analysis/analyzeDocument';
import type { ModelResult } from '../../../src/core/frontends/modelResult';
import type { SourceHost } from '../../../src/core/frontends/python/imports';

const header = 'import torch\nfrom torch import nn\nimport torch.nn.functional as F\n\n';

function only(body: string): ModelResult {
  const host: SourceHost = { read: () => undefined, searchPaths: [], stamp: () => undefined };
  const models = analyzePython('/ws/net.py', header + body, { host, timeMs: 60_000, now: () => 0 }).models;
  assert.equal(models.length, 1);
  return models[0];
}

/** A conv, then a Linear whose input size pins the image size: `convThenLinear(1, '8 * 26 * 20')` wants 28×22. */
const convThenLinear = (channels: number, features: string) => `class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(${channels}, 8, 3)
        self.fc = nn.Linear(${features}, 10)

    def forward(self, x):
        return self.fc(torch.flatten(self.conv(x), 1))
`;

const errors = (m: ModelResult) => [
  ...m.diagnostics.filter((d) => d.severity === 'error').map((d) => d.message),
  ...m.analysis.nodeResults.flatMap((r) => r.diagnostics.filter((d) => d.severity === 'error').map((d) => d.message)),
];

describe('the input of a PyTorch model that declares none', () => {
  it("assumes 32×32 for the CIFAR tutorial's net, and says why", () => {
    const net = only(`class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 6, 5)
        self.pool = nn.MaxPool2d(2, 2)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.fc1 = nn.Linear(16 * 5 * 5, 120)
        self.fc2 = nn.Linear(120, 10)

    def forward(self, x):
        x = self.pool(F.relu(self.conv1(x)))
        x = self.pool(F.relu(self.conv2(x)))
        return self.fc2(F.relu(self.fc1(torch.flatten(x, 1))))
`);
    assert.deepEqual(net.inputs, [[1, 3, 32, 32]]);
    assert.deepEqual(errors(net), []);
    assert.deepEqual(net.analysis.totals.outputShapes, [[1, 10]]);
    const note = net.diagnostics.find((d) => d.message.startsWith('input 1×3×32×32 assumed'));
    assert.ok(note, JSON.stringify(net.diagnostics));
    assert.equal(note.severity, 'info');
    assert.match(note.message, /at 1×3×224×224, fc1 fails: Linear expects 400 input features but receives 44,944/);
    assert.match(note.message, /# cnn-lens: input=\(1, 3, 32, 32\)/);
  });

  it('assumes 28×28 for a one-channel MNIST net (9216 = 64·12·12)', () => {
    const net = only(`class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 32, 3, 1)
        self.conv2 = nn.Conv2d(32, 64, 3, 1)
        self.fc1 = nn.Linear(9216, 128)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv2(F.relu(self.conv1(x)))), 2)
        return self.fc1(torch.flatten(x, 1))
`);
    assert.deepEqual(net.inputs, [[1, 1, 28, 28]]);
    assert.deepEqual(errors(net), []);
  });

  it('takes the input the file itself feeds the model (a non-square one no guess would find)', () => {
    const net = only(`${convThenLinear(1, '8 * 26 * 20')}

net = Net()
x = torch.randn(2, 1, 28, 22)
print(net(x).shape)
`);
    assert.deepEqual(net.inputs, [[2, 1, 28, 22]]);
    assert.deepEqual(errors(net), []);
    assert.ok(!net.diagnostics.some((d) => /assumed/.test(d.message)), 'the code said it: nothing is assumed');
  });

  it("takes the input size given to torchinfo's or torchsummary's summary() (the latter without batch)", () => {
    const model = (call: string) => `from torchinfo import summary as info
from torchsummary import summary
${convThenLinear(1, '8 * 26 * 20')}

${call}
`;
    const viaInfo = only(model('info(Net(), input_size=(4, 1, 28, 22))'));
    assert.deepEqual(viaInfo.inputs, [[4, 1, 28, 22]]);
    assert.deepEqual(errors(viaInfo), []);
    const viaSummary = only(model("summary(Net(), (1, 28, 22), device='cpu')"));
    assert.deepEqual(viaSummary.inputs, [[1, 1, 28, 22]]);
    assert.deepEqual(errors(viaSummary), []);
  });

  it('keeps a declared input and its error: only a guess is revised', () => {
    const net = only(`# cnn-lens: input=(1, 3, 64, 64)\n${convThenLinear(3, '8 * 30 * 30')}`);
    assert.deepEqual(net.inputs, [[1, 3, 64, 64]]);
    assert.equal(errors(net).length, 1);
  });

  it('keeps the derived input and the error when no common size fits', () => {
    const net = only(convThenLinear(3, '8 * 7 * 5'));
    assert.deepEqual(net.inputs, [[1, 3, 224, 224]]);
    assert.equal(errors(net).length, 1);
    assert.ok(!net.diagnostics.some((d) => /assumed/.test(d.message)));
  });
});
