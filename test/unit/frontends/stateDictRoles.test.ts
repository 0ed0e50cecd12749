/**
 * Parameters and buffers of a state_dict (src/core/frontends/stateDictRoles.ts), as
 * `model.parameters()` and `model.buffers()` count them, through `cnn-lens summary` on the file.
 * The checked-in training checkpoint is read everywhere; where Debian's torch is installed, modules
 * of our own that hold every buffer torch.nn registers (BatchNorm1d/2d, InstanceNorm with running
 * statistics, spectral_norm old and new, pruning, FractionalMaxPool's samples) and two of our
 * samples are saved by torch.save and as .safetensors, and our totals must equal torch's own.
 */
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stateDictRoles } from '../../../src/core/frontends/stateDictRoles';
import { python, samplesScriptPreamble, torchUnavailableReason } from '../../oracle/torchOracle';
import { runCli as run } from '../../support/runCli';

const fixtures = join(__dirname, '../../fixtures/models');
const samples = join(__dirname, '../../../samples');

describe('state_dict parameters and buffers, told apart by torch.nn buffer names', () => {
  it("the checked-in checkpoint: 845 parameters and 9 buffers (the BatchNorm2d(4)'s statistics and counter)", async () => {
    const r = await run('summary', join(fixtures, 'small_checkpoint.pth'), '--format', 'json');
    assert.equal(r.code, 0, r.err);
    const json = JSON.parse(r.out);
    // Sequential(Conv2d(3, 4, 3), BatchNorm2d(4), ReLU(), Flatten(), Linear(144, 5)): 112 + 8 + 725 parameters.
    assert.equal(json.params, 845);
    assert.equal(json.buffers, 9);
    assert.equal(json.elements, 854);
    assert.deepEqual(json.buffersByName, { running_mean: 4, running_var: 4, num_batches_tracked: 1 });
    assert.equal(json.rolesFrom, 'names');
    const table = await run('summary', join(fixtures, 'small_checkpoint.pth'));
    assert.match(table.out, /1\.running_var\s+buffer\s+F32/);
    assert.match(
      table.out,
      /Parameters: 845 \(6 tensors\)\nBuffers: 9 \(3 tensors: running_mean 4, running_var 4, num_batches_tracked 1\)/,
    );
    assert.match(table.out, /roles inferred from names/);
  });

  it('a reparametrisation suffix is a buffer only beside its _orig; a name of our own is a parameter', () => {
    const t = (...shape: number[]) => ({ shape });
    const roles = stateDictRoles(
      new Map([
        ['fc.weight_orig', t(4, 3)],
        ['fc.weight_u', t(4)],
        ['fc.weight_v', t(3)],
        ['menu', t(2)],
        ['attn.q_u', t(5)],
        ['n.parametrizations.weight.0._u', t(6)],
      ]),
    );
    assert.deepEqual([...roles.roles.values()], ['parameter', 'buffer', 'buffer', 'parameter', 'parameter', 'buffer']);
    assert.deepEqual(roles.buffers, { tensors: 3, elements: 13 });
  });

  describe('against torch.save and .safetensors written from PyTorch', function () {
    this.timeout(120_000);
    const why = torchUnavailableReason();
    if (why) {
      it.skip(`skipped: ${why}`, () => undefined);
      console.log(`state_dict roles against torch skipped: ${why}`);
      return;
    }
    const script =
      samplesScriptPreamble +
      String.raw`
from torch.nn.utils import prune, spectral_norm
from torch.nn.utils.parametrizations import spectral_norm as param_spectral_norm
torch.manual_seed(0)
class AllBuffers(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 3); self.bn = nn.BatchNorm2d(8)
        self.inorm = nn.InstanceNorm2d(8, affine=True, track_running_stats=True)
        self.sn = spectral_norm(nn.Conv2d(8, 8, 1)); self.psn = param_spectral_norm(nn.Linear(8, 8))
        self.pruned = nn.Linear(8, 6); prune.l1_unstructured(self.pruned, 'weight', amount=0.5)
        self.pool = nn.FractionalMaxPool2d(2, output_size=3, _random_samples=torch.rand(1, 8, 2))
        self.fc = nn.Linear(6, 4); self.bn1d = nn.BatchNorm1d(4)
        self.loss = nn.BCEWithLogitsLoss(pos_weight=torch.ones(4))
mobile, resnet = load('mobilenetv2_block'), load('resnet_blocks')
results = {}
for name, m in [('all_buffers', AllBuffers()), ('mobilenetv2', mobile.MobileNetV2(num_classes=10)), ('resnet18like', resnet.ResNet18Like(num_classes=10))]:
    state = m.state_dict()
    torch.save(state, os.path.join(out, name + '.pt'))
    codes = {torch.float32: 'F32', torch.int64: 'I64'}
    header, blobs, offset = {}, [], 0
    for key, t in state.items():
        raw = t.contiguous().reshape(-1).view(torch.uint8).numpy().tobytes()
        header[key] = {'dtype': codes[t.dtype], 'shape': list(t.shape), 'data_offsets': [offset, offset + len(raw)]}
        blobs.append(raw); offset += len(raw)
    text = json.dumps(header).encode('utf-8'); text += b' ' * (-len(text) % 8)
    with open(os.path.join(out, name + '.safetensors'), 'wb') as f:
        f.write(struct.pack('<Q', len(text)) + text + b''.join(blobs))
    results[name] = {'params': sum(p.numel() for p in m.parameters()), 'buffers': sum(b.numel() for b in m.buffers()),
                     'buffer_keys': sorted(k for k, _ in m.named_buffers())}
json.dump(results, open(os.path.join(out, 'results.json'), 'w'))
`;
    let dir = '';
    let results: Record<string, { params: number; buffers: number; buffer_keys: string[] }> = {};
    before(() => {
      dir = mkdtempSync(join(tmpdir(), 'cnn-lens-roles-'));
      writeFileSync(join(dir, 'save.py'), script);
      const r = spawnSync(python, [join(dir, 'save.py'), dir, samples], { encoding: 'utf8', timeout: 100_000 });
      assert.equal(r.status, 0, `torch failed: ${r.stderr}`);
      results = JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8'));
    });
    after(() => dir && rmSync(dir, { recursive: true, force: true }));

    for (const name of ['all_buffers', 'mobilenetv2', 'resnet18like']) {
      for (const ext of ['pt', 'safetensors']) {
        it(`${name}.${ext}: parameters and buffers as model.parameters() and model.buffers() count them`, async () => {
          const r = await run('summary', join(dir, `${name}.${ext}`), '--format', 'json');
          assert.equal(r.code, 0, r.err);
          const json = JSON.parse(r.out);
          const expected = results[name];
          const buffers = (json.tensors as { name: string; role: string }[])
            .filter((t) => t.role === 'buffer')
            .map((t) => t.name)
            .sort();
          assert.deepEqual(buffers, expected.buffer_keys);
          assert.equal(json.params, expected.params);
          assert.equal(json.buffers, expected.buffers);
          console.log(
            `      ${name}.${ext}: params ${json.params} = torch ${expected.params}; buffers ${json.buffers} = torch ${expected.buffers}`,
          );
        });
      }
    }
  });
});
