/**
 * PyTorch checkpoints read without unpickling (src/core/frontends/torchCheckpoint.ts, pickle.ts):
 * pickles written here opcode by opcode show that an import is only a name and a call only a
 * record (a pickle that would run `os.system` is described, never run), that every malformed
 * pickle is refused with a sentence, and where the state_dict is found; where Debian's torch is
 * installed, torch.save itself writes state_dicts (float32, float16, bfloat16, parameters kept as
 * nn.Parameter, wrapped in a training checkpoint, a whole module, the legacy format, views into a
 * larger storage) and our reading of every key, shape, dtype and value must equal what torch holds.
 */
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readPickle } from '../../../src/core/frontends/pickle';
import { checkpointTensorData, readTorchCheckpoint, type TorchCheckpoint } from '../../../src/core/frontends/torchCheckpoint';
import { bytesSource } from '../../../src/core/frontends/zip';
import { python, torchUnavailableReason } from '../../oracle/torchOracle';
import { zip } from '../../support/zipWriter';

/** Pickle protocol 2, opcode by opcode. */
const op = {
  proto: [0x80, 2],
  global: (module: string, name: string) => [0x63, ...Buffer.from(`${module}\n${name}\n`)],
  str: (s: string) => [0x58, ...u32(Buffer.byteLength(s)), ...Buffer.from(s)],
  int: (n: number) => [0x4b, n],
  mark: [0x28],
  tuple: [0x74],
  emptyTuple: [0x29],
  emptyDict: [0x7d],
  reduce: [0x52],
  persid: [0x51],
  setitems: [0x75],
  newfalse: [0x89],
  stop: [0x2e],
};
function u32(n: number): number[] {
  return [n & 0xff, (n >> 8) & 0xff, (n >> 16) & 0xff, (n >>> 24) & 0xff];
}
/** `_rebuild_tensor_v2(('storage', torch.FloatStorage, key, 'cpu', numel), 0, shape, stride, False, OrderedDict())`. */
function tensor(key: string, shape: number[]): number[] {
  const numel = shape.reduce((a, b) => a * b, 1);
  return [
    ...op.global('torch._utils', '_rebuild_tensor_v2'),
    ...op.mark,
    ...op.mark, ...op.str('storage'), ...op.global('torch', 'FloatStorage'), ...op.str(key), ...op.str('cpu'), ...op.int(numel), ...op.tuple, ...op.persid,
    ...op.int(0),
    ...op.mark, ...shape.flatMap(op.int), ...op.tuple,
    ...op.mark, ...shape.map(() => 1).flatMap(op.int), ...op.tuple,
    ...op.newfalse,
    ...op.global('collections', 'OrderedDict'), ...op.emptyTuple, ...op.reduce,
    ...op.tuple,
    ...op.reduce,
  ];
}
/** An OrderedDict of the given tensors, as torch.save(state_dict) pickles it. */
function stateDictPickle(entries: Record<string, number[]>): Uint8Array {
  return Uint8Array.from([
    ...op.proto,
    ...op.global('collections', 'OrderedDict'), ...op.emptyTuple, ...op.reduce,
    ...op.mark, ...Object.entries(entries).flatMap(([k, shape], i) => [...op.str(k), ...tensor(String(i), shape)]), ...op.setitems,
    ...op.stop,
  ]);
}
const checkpoint = (pickle: Uint8Array) => zip({ 'archive/data.pkl': pickle, 'archive/version': '3\n' });
const read = (bytes: Uint8Array) => readTorchCheckpoint(bytesSource(bytes));
const listing = (r: TorchCheckpoint | { error: string }) => ('error' in r ? r.error : [...r.tensors].map(([k, t]) => `${k} ${t.dtype} ${t.shape.join('×')}`));

describe('PyTorch checkpoints, read without unpickling', () => {
  it('reads the keys, shapes and dtypes of a state_dict pickle', () => {
    const r = read(checkpoint(stateDictPickle({ 'conv.weight': [4, 3, 3, 3], 'conv.bias': [4], 'fc.weight': [10, 36] })));
    assert.deepEqual(listing(r), ['conv.weight F32 4×3×3×3', 'conv.bias F32 4', 'fc.weight F32 10×36']);
    assert.equal((r as TorchCheckpoint).path, '');
  });

  it('describes a pickle that would run code as a record of the call, and runs nothing', () => {
    const hostile = Uint8Array.from([...op.proto, ...op.global('os', 'system'), ...op.mark, ...op.str('touch /tmp/cnn-lens-pwned'), ...op.tuple, ...op.reduce, ...op.stop]);
    const value = readPickle(hostile);
    assert.deepEqual(value, { value: { kind: 'call', fn: { kind: 'global', module: 'os', name: 'system' }, args: ['touch /tmp/cnn-lens-pwned'] } });
    assert.match(listing(read(checkpoint(hostile))) as string, /it holds a pickled os.system object/);
    assert.ok(!readdirSync('/tmp').includes('cnn-lens-pwned'));
  });

  it('refuses malformed pickles and archives with a sentence', () => {
    const good = stateDictPickle({ w: [2] });
    assert.match(listing(read(checkpoint(good.subarray(0, good.length - 9)))) as string, /cannot read its data.pkl: the pickle ends inside (an instruction|a text argument) at byte \d+/);
    assert.match(listing(read(checkpoint(Uint8Array.from([...op.proto, 0x69, ...op.stop])))) as string, /pickle opcode 0x69 at byte 2 is not one a checkpoint needs; not read/);
    assert.match(listing(read(checkpoint(Uint8Array.from([...op.proto, 0x68, 7, ...op.stop])))) as string, /recalls memo 7, which was never stored/);
    assert.match(listing(read(checkpoint(Uint8Array.from([...op.proto, ...op.stop])))) as string, /pops an empty stack/);
    assert.match(listing(read(Uint8Array.from([0x80, 0x02, 0x8a, 0x0a]))) as string, /legacy format \(before PyTorch 1.6/);
    assert.match(listing(read(new Uint8Array(100))) as string, /not a PyTorch checkpoint: not a zip archive/);
    assert.match(listing(read(zip({ 'a/version': '3' }))) as string, /has no data.pkl: not a torch.save file/);
    const plain = Uint8Array.from([...op.proto, ...op.emptyDict, ...op.mark, ...op.str('epoch'), ...op.int(3), ...op.setitems, ...op.stop]);
    assert.match(listing(read(checkpoint(plain))) as string, /it holds a dict with no tensors in it \(keys: epoch\)/);
  });

  it('finds the state_dict inside a training checkpoint and says where', () => {
    const r = read(new Uint8Array(readFileSync(join(__dirname, '../../fixtures/models/small_checkpoint.pth'))));
    assert.ok(!('error' in r), listing(r) as string);
    assert.equal(r.path, 'state_dict');
    assert.deepEqual(listing(r), ['0.weight F32 4×3×3×3', '0.bias F32 4', '1.weight F32 4', '1.bias F32 4', '1.running_mean F32 4', '1.running_var F32 4', '1.num_batches_tracked I64 ', '4.weight F32 5×144', '4.bias F32 5']);
  });

  describe('written by torch.save', function () {
    this.timeout(120_000);
    const why = torchUnavailableReason();
    if (why) {
      it.skip(`skipped: ${why}`, () => undefined);
      return;
    }
    let dir = '';
    let expected: Record<string, string[] | null> & { values?: Record<string, number[]> } = {};
    before(() => {
      dir = mkdtempSync(join(tmpdir(), 'cnn-lens-torch-'));
      const script = String.raw`
import json, os, sys, warnings
warnings.filterwarnings('ignore')
import torch, torch.nn as nn
out = sys.argv[1]
torch.manual_seed(0)
net = nn.Sequential(nn.Conv2d(3, 8, 3), nn.BatchNorm2d(8), nn.ReLU(), nn.Flatten(), nn.Linear(8, 2))
names = {torch.float32: 'F32', torch.float16: 'F16', torch.bfloat16: 'BF16', torch.float64: 'F64', torch.int64: 'I64'}
def listing(sd): return [f"{k} {names[t.dtype]} {'×'.join(map(str, t.shape))}" for k, t in sd.items()]
cases = {
    'plain.pt': net.state_dict(),
    'half.pt': {k: (v.half() if v.is_floating_point() else v) for k, v in net.state_dict().items()},
    'bf16.pt': {k: (v.bfloat16() if v.is_floating_point() else v) for k, v in net.state_dict().items()},
    'params.pt': net.state_dict(keep_vars=True),
    'wrapped.pth': {'epoch': 3, 'model': net.state_dict(), 'optimizer': torch.optim.Adam(net.parameters()).state_dict(), 'best_acc': 0.91},
}
expected = {}
for name, obj in cases.items():
    torch.save(obj, os.path.join(out, name))
    sd = obj['model'] if name == 'wrapped.pth' else obj
    expected[name] = listing(sd)
torch.save(net, os.path.join(out, 'module.pt'))
torch.save(net.state_dict(), os.path.join(out, 'legacy.pt'), _use_new_zipfile_serialization=False)
expected['module.pt'] = None
expected['legacy.pt'] = None
expected['values'] = {k: v.float().reshape(-1).tolist() for k, v in cases['half.pt'].items()}
# A tensor that is a view into a larger storage (a slice, saved as is) and a transposed one.
big = torch.arange(24, dtype=torch.float32).reshape(4, 6)
torch.save({'rows': big[1:3], 'cols': big.t()}, os.path.join(out, 'views.pt'))
json.dump(expected, open(os.path.join(out, 'expected.json'), 'w'))
`;
      const r = spawnSync(python, ['-c', script, dir], { encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
      expected = JSON.parse(readFileSync(join(dir, 'expected.json'), 'utf8'));
    });
    after(() => dir && rmSync(dir, { recursive: true, force: true }));

    for (const name of ['plain.pt', 'half.pt', 'bf16.pt', 'params.pt', 'wrapped.pth']) {
      it(`${name}: every key, shape and dtype as torch lists them`, () => {
        const r = read(new Uint8Array(readFileSync(join(dir, name))));
        assert.deepEqual(listing(r), expected[name]);
        if (name === 'wrapped.pth') assert.equal((r as TorchCheckpoint).path, 'model');
      });
    }

    it("reads each tensor's values from its storage as torch holds them (float16 widened exactly)", () => {
      const source = bytesSource(new Uint8Array(readFileSync(join(dir, 'half.pt'))));
      const r = readTorchCheckpoint(source);
      assert.ok(!('error' in r));
      for (const [key, values] of Object.entries(expected.values!)) {
        const data = checkpointTensorData(source, r, key);
        assert.ok(!('error' in data), `${key}: ${'error' in data ? data.error : ''}`);
        assert.deepEqual([...data], values, key);
      }
    });

    it('reads a slice saved with its offset into a larger storage, and refuses a transposed view', () => {
      const source = bytesSource(new Uint8Array(readFileSync(join(dir, 'views.pt'))));
      const r = readTorchCheckpoint(source);
      assert.ok(!('error' in r));
      assert.deepEqual([...(checkpointTensorData(source, r, 'rows') as Float32Array)], [6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17]);
      assert.match((checkpointTensorData(source, r, 'cols') as { error: string }).error, /cols is not contiguous in its storage/);
    });

    it('refuses a whole pickled module and the legacy format, saying what to save instead', () => {
      assert.match(listing(read(new Uint8Array(readFileSync(join(dir, 'module.pt'))))) as string, /a pickled torch.nn.modules.container.Sequential object \(torch.save\(model\) saves the whole module; save model.state_dict\(\)/);
      assert.match(listing(read(new Uint8Array(readFileSync(join(dir, 'legacy.pt'))))) as string, /legacy format/);
    });
  });
});
