/**
 * Whether a state_dict fits a model (src/core/analysis/weightFit.ts), the check behind the editor's
 * weight Problems, the activations panel and `cnn-lens summary --weights`. First against our own
 * analyses with hand-made key lists (a key dropped, a shape changed, an extra key, DataParallel's
 * `module.` prefix, BatchNorm's `num_batches_tracked`); then, where Debian's python3-torch is
 * installed, the round trip the issue asks for: PyTorch writes the real state_dict of each of our
 * PyTorch samples (and of torchvision's own resnet18 and mobilenet_v2, read from where Debian
 * installs them) as safetensors and with torch.save (a training checkpoint wrapping one too), and
 * our analysis of the same source must accept every key and shape and count the same parameters
 * PyTorch does.
 */
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { activationPlan } from '../../src/core/analysis/activationPlan';
import { bestStateDictFit, describeStateDictFit, expectedWeights, fitStateDict, stateDictFits } from '../../src/core/analysis/weightFit';
import { readSafetensorsHeader } from '../../src/core/frontends/safetensors';
import { type ModelResult } from '../../src/core/frontends/python/analyzePython';
import { runCli as cli } from '../support/runCli';
import { python, samplesScriptPreamble, torchUnavailableReason } from '../oracle/torchOracle';
import { analyzePython } from '../../src/core/analysis/analyzeDocument';

const samples = join(__dirname, '../../samples');
const host = { read: (p: string) => (existsSync(p) ? readFileSync(p, 'utf8') : undefined), searchPaths: [] };

function models(sample: string): readonly ModelResult[] {
  const path = join(samples, sample);
  return analyzePython(path, readFileSync(path, 'utf8'), { host, timeMs: 10_000, now: () => 0 }).models;
}

function model(sample: string, name: string): ModelResult {
  const found = models(sample).find((m) => m.name === name);
  assert.ok(found, `${name} in ${sample}`);
  return found;
}

const planOf = (m: ModelResult) => activationPlan(m.analysis, { uri: '', version: 0, name: '' }, m.name);

/** The state_dict keys and shapes a model expects, as PyTorch would save them (with the BN step counters). */
function stateDictOf(m: ModelResult): Map<string, { shape: number[] }> {
  const keys = new Map<string, { shape: number[] }>();
  for (const e of expectedWeights(planOf(m), '.').values()) {
    keys.set(e.fileKey, { shape: e.shape.map((d) => d ?? 1) });
    if (e.fileKey.endsWith('.running_var')) keys.set(e.fileKey.replace(/running_var$/, 'num_batches_tracked'), { shape: [] });
  }
  return keys;
}

describe('state_dict fit', () => {
  it('accepts exactly what the model expects, BatchNorm statistics and step counters included', () => {
    const m = model('resnet_blocks.py', 'ResNet18Like');
    const dict = stateDictOf(m);
    assert.ok(dict.has('layer1.0.bn1.running_mean') && dict.has('layer2.0.shortcut.0.weight'), [...dict.keys()].slice(0, 12).join(', '));
    const fit = fitStateDict(planOf(m), dict);
    assert.ok(stateDictFits(fit), describeStateDictFit(fit).join('\n'));
    assert.equal(fit.fitting.length, fit.expected);
    // Parameters plus the two running statistics of every BatchNorm channel.
    const bnChannels = [...dict].filter(([k]) => k.endsWith('.running_mean')).reduce((n, [, v]) => n + v.shape[0], 0);
    assert.equal(fit.expectedElements, m.analysis.totals.params! + 2 * bnChannels);
    assert.equal(fit.fileElements, fit.expectedElements);
  });

  it('names a missing key, an unexpected key and a wrong shape, with the layer that owns each', () => {
    const m = model('lenet5_pytorch.py', 'LeNet5');
    const dict = stateDictOf(m);
    const fc1 = dict.get('fc1.weight')!;
    dict.set('fc1.weight', { shape: [fc1.shape[0], fc1.shape[1] + 1] });
    dict.delete('conv2.bias');
    dict.set('fc4.weight', { shape: [10, 10] });
    const fit = fitStateDict(planOf(m), dict);
    assert.equal(stateDictFits(fit), false);
    assert.deepEqual(fit.missing.map((e) => e.fileKey), ['conv2.bias']);
    assert.deepEqual(fit.unexpected.map((u) => u.key), ['fc4.weight']);
    assert.deepEqual(fit.mismatched.map((x) => [x.tensor.fileKey, x.actual]), [['fc1.weight', [120, 401]]]);
    // Each finding points at a node applying the module that owns the key.
    assert.equal(m.analysis.nodes.get(fit.missing[0].nodeId)?.node.name, 'conv2');
    assert.equal(m.analysis.nodes.get(fit.mismatched[0].tensor.nodeId)?.node.name, 'fc1');
    assert.deepEqual(describeStateDictFit(fit), [
      'missing from the file (random instead): conv2.bias',
      'in the file but not in the model: fc4.weight',
      'fc1.weight: the model expects 120×400, the file has 120×401',
    ]);
  });

  it("recognises a wrapper's key prefix (DataParallel's module.) and matches without it", () => {
    const m = model('lenet5_pytorch.py', 'LeNet5');
    const wrapped = new Map([...stateDictOf(m)].map(([k, v]) => [`module.${k}`, v]));
    const fit = fitStateDict(planOf(m), wrapped);
    assert.equal(fit.prefix, 'module.');
    assert.ok(stateDictFits(fit));
    // A prefix is only taken when no key matches as written: a real extra key stays unexpected.
    const mixed = new Map([...stateDictOf(m), ['module.extra', { shape: [1] }]]);
    const mixedFit = fitStateDict(planOf(m), mixed);
    assert.equal(mixedFit.prefix, undefined);
    assert.deepEqual(mixedFit.unexpected.map((u) => u.key), ['module.extra']);
  });

  it('picks the model a state_dict belongs to among several in a file', () => {
    const all = models('resnet_blocks.py');
    assert.ok(all.length > 1);
    const target = all.find((m) => m.name === 'ResNet18Like')!;
    const best = bestStateDictFit(all, stateDictOf(target));
    assert.ok(!('error' in best));
    assert.equal(best.model.name, 'ResNet18Like');
    const keras = models('lenet5_keras.py');
    const refused = bestStateDictFit(keras, stateDictOf(target));
    assert.ok('error' in refused && /PyTorch/.test(refused.error));
  });
});

/**
 * Writes each module's real state_dict as safetensors from Python (struct + json + raw bytes), with PyTorch's own
 * counts.
 */
const writer = samplesScriptPreamble + String.raw`
def save(state, path):
    header, blobs, offset = {}, [], 0
    for k, t in state.items():
        t = t.detach().contiguous()
        dtype = {torch.float32: 'F32', torch.int64: 'I64'}[t.dtype]
        data = t.numpy().tobytes()
        header[k] = {'dtype': dtype, 'shape': list(t.shape), 'data_offsets': [offset, offset + len(data)]}
        blobs.append(data); offset += len(data)
    text = json.dumps(header).encode()
    text += b' ' * (-len(text) % 8)
    with open(path, 'wb') as f:
        f.write(struct.pack('<Q', len(text))); f.write(text)
        for b in blobs: f.write(b)
import torchvision.models as tvm
cases = {
    'lenet5_pytorch:LeNet5': load('lenet5_pytorch').LeNet5(),
    'resnet_blocks:ResNet18Like': load('resnet_blocks').ResNet18Like(),
    'mobilenetv2_block:MobileNetV2': load('mobilenetv2_block').MobileNetV2(),
    'densenet_block:TinyDenseNet': load('densenet_block').TinyDenseNet(),
    'efficientnet_se:TinyEfficientNet': load('efficientnet_se').TinyEfficientNet(),
    'inception_module:TinyInceptionNet': load('inception_module').TinyInceptionNet(),
    'vgg_style:VGGStyle': load('vgg_style').VGGStyle(),
    'torchvision:resnet18': tvm.resnet18(weights=None),
    'torchvision:mobilenet_v2': tvm.mobilenet_v2(weights=None),
}
results = {}
for name, m in cases.items():
    file = name.replace(':', '.') + '.safetensors'
    save(m.state_dict(), os.path.join(out, file))
    torch.save(m.state_dict(), os.path.join(out, name.replace(':', '.') + '.pt'))
    state = m.state_dict()
    results[name] = {'file': file, 'params': sum(p.numel() for p in m.parameters()),
                     'elements': sum(t.numel() for k, t in state.items() if not k.endswith('num_batches_tracked'))}
save(nn.DataParallel(cases['lenet5_pytorch:LeNet5']).state_dict(), os.path.join(out, 'dataparallel.safetensors'))
torch.save({'epoch': 90, 'arch': 'resnet18', 'state_dict': cases['torchvision:resnet18'].state_dict(), 'best_acc1': 69.7}, os.path.join(out, 'resnet18_checkpoint.pth'))
results['torchvision_dir'] = os.path.dirname(tvm.__file__)
json.dump(results, open(os.path.join(out, 'results.json'), 'w'))
`;

describe('state_dict fit: round trip through PyTorch', function () {
  this.timeout(240_000);
  const why = torchUnavailableReason();
  if (why) {
    it.skip(`skipped: ${why}`, () => undefined);
    return;
  }
  let dir = '';
  let results: Record<string, { file: string; params: number; elements: number }> & { torchvision_dir?: string } = {};
  before(function () {
    dir = mkdtempSync(join(tmpdir(), 'cnn-lens-statedict-'));
    writeFileSync(join(dir, 'write.py'), writer);
    const r = spawnSync(python, [join(dir, 'write.py'), dir, samples], { encoding: 'utf8', timeout: 200_000 });
    assert.equal(r.status, 0, `writing state_dicts failed: ${r.stderr}`);
    results = JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  for (const name of ['lenet5_pytorch:LeNet5', 'resnet_blocks:ResNet18Like', 'mobilenetv2_block:MobileNetV2', 'densenet_block:TinyDenseNet', 'efficientnet_se:TinyEfficientNet', 'inception_module:TinyInceptionNet', 'vgg_style:VGGStyle']) {
    it(`${name}: PyTorch's state_dict fits our analysis, with PyTorch's parameter count`, () => {
      const [sample, className] = name.split(':');
      const expected = results[name];
      const m = model(`${sample}.py`, className);
      const header = readSafetensorsHeader(readFileSync(join(dir, expected.file)));
      assert.ok(!('error' in header), 'error' in header ? header.error : '');
      const fit = fitStateDict(planOf(m), header.tensors);
      assert.ok(stateDictFits(fit), describeStateDictFit(fit).join('\n'));
      assert.equal(m.analysis.totals.params, expected.params);
      assert.equal(fit.fileElements, expected.elements);
      assert.equal(fit.expectedElements, expected.elements);
    });
  }

  for (const [factory, file] of [['resnet18', 'resnet.py'], ['mobilenet_v2', 'mobilenetv2.py']]) {
    it(`torchvision ${factory}: the state_dict fits our analysis of torchvision's own source (cnn-lens summary --weights)`, async () => {
      const source = join(results.torchvision_dir!, file);
      const weights = join(dir, `torchvision.${factory}.safetensors`);
      const r = await cli('summary', source, '--model', factory, '--arg', 'weights=None', '--weights', weights, '--format', 'json');
      assert.equal(r.code, 0, r.err + r.out.slice(-2000));
      const json = JSON.parse(r.out);
      assert.equal(json.weights.fits, true);
      assert.equal(json.models[0].totals.params, results[`torchvision:${factory}`].params);
    });
  }

  for (const name of ['lenet5_pytorch:LeNet5', 'resnet_blocks:ResNet18Like', 'mobilenetv2_block:MobileNetV2', 'efficientnet_se:TinyEfficientNet']) {
    it(`${name}: torch.save's own .pt of the state_dict fits (cnn-lens summary --weights)`, async () => {
      const [sample] = name.split(':');
      const r = await cli('summary', join(samples, `${sample}.py`), '--weights', join(dir, `${name.replace(':', '.')}.pt`), '--format', 'json');
      assert.equal(r.code, 0, r.err + r.out.slice(-1500));
      const weights = JSON.parse(r.out).weights;
      assert.equal(weights.fits, true);
      assert.equal(weights.model, name.split(':')[1]);
    });
  }

  it("finds the state_dict in an ImageNet-style training checkpoint of torchvision's resnet18", async () => {
    const source = join(results.torchvision_dir!, 'resnet.py');
    const r = await cli('summary', source, '--model', 'resnet18', '--arg', 'weights=None', '--weights', join(dir, 'resnet18_checkpoint.pth'));
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /resnet18_checkpoint\.pth fits resnet18: all 102 tensors, 11,\d{3},\d{3} elements\.\n {2}the state_dict is the checkpoint's 'state_dict'/);
  });

  it("a DataParallel state_dict fits once its 'module.' prefix is recognised", async () => {
    const r = await cli('summary', join(samples, 'lenet5_pytorch.py'), '--weights', join(dir, 'dataparallel.safetensors'));
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /fits LeNet5: all 10 tensors, 61,706 elements/);
    assert.match(r.out, /every key starts with 'module\.'/);
  });

  it('exits 1 and lists the misfits when the state_dict belongs to another model', async () => {
    const r = await cli('summary', join(samples, 'lenet5_pytorch.py'), '--weights', join(dir, 'vgg_style.VGGStyle.safetensors'));
    assert.equal(r.code, 1);
    assert.match(r.out, /does not fit LeNet5/);
    assert.match(r.out, /missing: +conv1\.weight/);
    assert.match(r.out, /unexpected: +features\.0\.weight/);
  });

  it('lists the tensors of a state_dict on its own', async () => {
    const r = await cli('summary', join(dir, 'lenet5_pytorch.LeNet5.safetensors'));
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /conv1\.weight +param +F32 +6×1×5×5 +150/);
    assert.match(r.out, /10 tensors, 61,706 elements/);
  });
});
