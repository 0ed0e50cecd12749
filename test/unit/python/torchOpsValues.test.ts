/**
 * Differential test of tensors used as configuration values: a list of torch and numpy expressions
 * run through real torch/numpy (Debian's python3) and through CNN Lens's evaluator, comparing the
 * values and dtypes each gives. float32 rounding is part of what is compared (torch.linspace's
 * `.tolist()` shows it), so floats must agree to 1e-12 relative. Skips, saying why, without torch.
 */
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { python, torchUnavailableReason } from '../../oracle/torchOracle';
import { PythonProgram } from '../../../src/core/frontends/python/analyzePython';
import { parsePython } from '../../../src/core/frontends/python/parse';
import { nest } from '../../../src/core/frontends/python/tensorData';
import { Scope, type Value } from '../../../src/core/frontends/python/values';

/** Each expression may use torch, np, math and the names defined in `setup`. */
const setup = `import math
import torch
import numpy as np
w = torch.arange(6) * 24.48 + 24
cap = torch.round(torch.log(w / 24) / math.log(2.54))
grid = torch.arange(12).reshape(3, 4)
mask = grid.new_zeros((4, 4))
mask[0:2, 1:3] = 5
mask[-1:, :] = torch.tensor([1, 2, 3, 4])
table = torch.zeros(2, 3)
table[:, 0] /= 2
table[1] += torch.tensor([1.5, 2.5, 3.5])
rc = torch.arange(6).view(2, 3).permute(1, 0).contiguous()
rc[:, 0] += 2
rc[1] = torch.tensor([7, 8])
rc[..., 1] *= 3
rc[0, 0] = 2.9
grid23 = torch.zeros(2, 3)
grid23[:, 1:] = torch.tensor([0.5, 1.5])`;

export const expressions = [
  'torch.arange(5)',
  'torch.arange(2, 11, 3)',
  'torch.arange(0, 1, 0.25)',
  'torch.arange(6.0)',
  'torch.linspace(0, 0.1, 4)',
  'torch.linspace(0, 0.1, 4).tolist()',
  'torch.linspace(0, 0.2, 12).tolist()',
  'torch.linspace(1, 7, 7)',
  'torch.linspace(0, 1, 1).tolist()',
  '[x.item() for x in torch.linspace(0, 0.3, 5)]',
  'torch.tensor([1, 2, 3])',
  'torch.tensor([1.5, 2.0])',
  'torch.tensor([[1, 2], [3, 4]])',
  'torch.tensor(3)',
  'torch.tensor([True, False])',
  'torch.as_tensor([2, 4]) * 2',
  'torch.zeros(2, 3)',
  'torch.ones(4, dtype=torch.long)',
  'torch.full((2,), 7)',
  'torch.full((2, 2), 0.5)',
  'w',
  'w.tolist()',
  'cap',
  '(torch.round(torch.divide(24 * torch.pow(2.54, cap), 8)) * 8).int().tolist()',
  'torch.unique(torch.tensor([3, 1, 3, 2]))',
  'torch.tensor([4, 1, 3]).cumsum(0)',
  'torch.cumsum(torch.tensor([0.1, 0.2, 0.3]), dim=0)',
  'torch.diff(torch.tensor([1, 4, 9, 16]))',
  'torch.tensor([1, 2, 3]) / 2',
  'torch.tensor([7, 8, 9]) // 2',
  'torch.tensor([7, -8, 9]) % 4',
  'torch.tensor([1, 2, 3]) ** 2',
  '2 ** torch.tensor([1, 2, 3])',
  'torch.tensor([1, 2, 3]) * 0.1',
  '1 - torch.tensor([0.25, 0.5])',
  'torch.tensor([1, 5, 3]) > 2',
  'torch.tensor([1.0, 4.0]).sqrt()',
  'torch.exp(torch.tensor([0.0, 1.0]))',
  'torch.tensor([2.5, 3.5, -2.5]).round()',
  'torch.tensor([1.2, 2.7]).floor().long()',
  'torch.tensor([1.2, 2.7]).ceil()',
  'torch.clamp(torch.tensor([-1, 5, 10]), 0, 6)',
  'torch.tensor([3, 1, 2]).sum()',
  'torch.tensor([3, 1, 2]).sum().item()',
  'torch.tensor([[1, 2], [3, 4]]).sum(dim=0)',
  'torch.tensor([[1, 2], [3, 4]]).sum(1, keepdim=True)',
  'torch.tensor([3, 1, 2]).prod()',
  'torch.tensor([3.0, 1.0]).mean()',
  'torch.tensor([3, 1, 2]).max()',
  'torch.tensor([3, 1, 2]).min().item()',
  'torch.tensor([1, 2, 3]).float() / 3',
  'torch.tensor([1.9, -1.9]).int()',
  'torch.tensor([[1, 2, 3], [4, 5, 6]])[:, 1:]',
  'torch.tensor([[1, 2, 3], [4, 5, 6]])[..., 0]',
  'torch.tensor([[1, 2, 3], [4, 5, 6]])[-1]',
  'torch.arange(10)[::3]',
  'np.arange(10)[8:2:-2]',
  'torch.arange(6)[None, :].tolist()',
  'torch.arange(6)[torch.tensor([0, 2, 5])]',
  'torch.arange(5)[torch.tensor([True, False, True, False, True])]',
  'torch.arange(6).view(2, 3)',
  'torch.arange(6).reshape(3, -1)[1]',
  'torch.arange(12).split([4, 8])[1]',
  'torch.arange(7).chunk(3)[2]',
  'torch.arange(6).numpy()',
  'torch.linspace(0, 0.1, 6).split([2, 4])[1].tolist()',
  'torch.cat([torch.arange(2), torch.arange(3)])',
  'torch.stack([torch.arange(2), torch.arange(2)])',
  'len(torch.arange(7))',
  'list(torch.tensor([3, 4]).tolist())',
  'torch.tensor([1, 2]) + torch.tensor([[10], [20]])',
  'torch.maximum(torch.tensor([1, 5]), torch.tensor([3, 2]))',
  'np.linspace(0, 0.1, 4)',
  'np.linspace(0, 1, 5, endpoint=False)',
  'np.arange(5)',
  'np.arange(0, 1, 0.3)',
  'np.array([1, 2, 3]) * 1.5',
  'np.array([[1, 2], [3, 4]]).tolist()',
  'np.round(np.array([0.5, 1.5, 2.5]))',
  'np.log(np.array([1.0, 10.0]))',
  'np.power(2.0, np.arange(4))',
  'np.cumsum([1, 2, 3])',
  'np.unique([4, 1, 4, 2])',
  'np.diff(np.array([1, 4, 9]))',
  'np.prod([2, 3, 4])',
  'np.sqrt(16)',
  'np.ceil(np.array([1.2, 2.0]))',
  'np.floor(np.array([1, 2]))',
  'np.array([1.6, 2.4]).astype(int)',
  'np.array([1.6, 2.4]).astype(np.int64).tolist()',
  'np.int64(7)',
  'np.float32(0.1)',
  '[a.tolist() for a in np.split(np.arange(6), 3)]',
  '[a.tolist() for a in np.split(np.arange(6), [1, 4])]',
  'np.array_split(np.arange(7), 3)[0]',
  'np.linspace(0, 0.2, 5)[2]',
  'np.array([3, 1, 2]).sum()',
  'np.array([3, 1, 2]).max()',
  'np.array([2, 3]) / 2',
  'np.zeros(3)',
  'np.ones((2, 2), dtype=int)',
  '[int(v) for v in np.round(np.linspace(16, 64, 4) / 8) * 8]',
  'mask',
  'table',
  'mask >= 1',
  'mask != 0',
  'mask == 5',
  'mask <= 1',
  'torch.tensor([1.0, 2.0]) >= 2',
  'np.arange(4) != 2',
  'torch.roll(grid, shifts=(1, -1), dims=(0, 1))',
  'grid.roll(2)',
  'torch.roll(grid, 1, 0)',
  'torch.stack(torch.meshgrid([torch.arange(2), torch.arange(3)], indexing="ij"))',
  'torch.stack(torch.meshgrid(torch.arange(2), torch.arange(3), indexing="xy"))',
  'int(torch.tensor(3)) + 1',
  '1 if torch.tensor(3) > 2 else 0',
  'float(torch.tensor(2.5)) * 2',
  'list(range(torch.tensor(3)))',
  'max(torch.tensor([1, 5, 3])).item()',
  '[i for i in range(4) if torch.arange(4)[i] % 2]',
  'bool(np.int64(0))',
  'torch.unique(torch.tensor([24, 24, 56, 56, 56, 152]), return_counts=True)',
  'torch.unique(torch.tensor([[3, 1], [3, 2]]), return_inverse=True)',
  'torch.tensor([3, 1, 3]).unique(return_inverse=True, return_counts=True)',
  'torch.tensor([2, 3]).square()',
  'torch.tensor([2.0, 8.0]).reciprocal()',
  'torch.arange(6).view(2, 3).reshape_as(torch.zeros(3, 2))',
  'grid.permute(1, 0)',
  'grid.reshape(3, 2, 2).permute(2, 0, 1)',
  'grid.transpose(0, 1).tolist()',
  'np.arange(6).reshape(2, 3).transpose(1, 0)',
  'grid.new_full((2,), 7)',
  'grid.new_ones(2, 2)',
  'torch.arange(3.0).new_zeros((1, 2))',
  'grid.masked_fill(grid > 5, -1)',
  'mask.masked_fill(mask != 0, float(-100.0)).masked_fill(mask == 0, float(0.0))',
  'torch.where(grid > 3, grid, torch.zeros(1, dtype=torch.long))',
  'np.concatenate([np.arange(2), np.arange(3)])',
  'np.arange(6).reshape(2, 3)[1, 1:]',
  '[int(v) for v in np.round(np.linspace(16, 64, 4) / 8) * 8]',
  'np.concatenate([np.arange(2), np.arange(3)])',
  'np.arange(6).reshape(2, 3)[1, 1:]',
  'torch.meshgrid(torch.arange(3), torch.arange(4) + 10, indexing="ij")',
  'torch.meshgrid([torch.arange(2), torch.arange(3)])',
  'torch.meshgrid(torch.arange(3), torch.tensor([5, 7]), torch.arange(2), indexing="xy")',
  'torch.stack(torch.meshgrid([torch.arange(2), torch.arange(2)], indexing="ij")).flatten(1)',
  'torch.arange(3).repeat_interleave(2)',
  'torch.arange(3).repeat(2)',
  'torch.arange(6).view(2, 3).repeat(2, 1, 2)',
  'torch.tile(torch.arange(4).view(2, 2), (2, 1))',
  'torch.repeat_interleave(torch.tensor([[1, 2], [3, 4]]), torch.tensor([1, 2]), dim=0)',
  'torch.repeat_interleave(torch.tensor([[1, 2], [3, 4]]), 2)',
  'torch.tile(torch.arange(3), (2, 2))',
  'torch.arange(4.0).view(2, 2).repeat_interleave(3, dim=-1)',
  'rc',
  'grid23',
  'torch.arange(24).view(2, 3, 4).permute(2, 0, -2)',
  'torch.arange(6).view(2, 3).transpose(0, 1).tolist()',
];

const pythonProgram = String.raw`
import json, sys, warnings
warnings.filterwarnings('ignore')
exprs = json.loads(sys.stdin.read())
exec(${JSON.stringify(setup)})
def conv(v):
    if isinstance(v, torch.Tensor):
        return {'dtype': str(v.dtype).replace('torch.', ''), 'value': v.tolist()}
    if isinstance(v, np.ndarray):
        return {'dtype': str(v.dtype), 'value': v.tolist()}
    if isinstance(v, (bool, np.bool_)):
        return {'py': 'bool', 'value': bool(v)}
    if isinstance(v, (int, np.integer)):
        return {'py': 'int', 'value': int(v)}
    if isinstance(v, (float, np.floating)):
        return {'py': 'float', 'value': float(v)}
    if isinstance(v, (list, tuple)):
        return [conv(x) for x in v]
    return {'other': repr(v)}
out = []
for e in exprs:
    try:
        out.append(conv(eval(e)))
    except Exception as ex:
        out.append({'error': str(ex)})
print(json.dumps(out))
`;

type Result = unknown;

function ours(v: Value): Result {
  switch (v.t) {
    case 'tensor':
      if (!v.data) return { other: `symbolic tensor [${v.shape.join(', ')}]` };
      return {
        dtype: v.data.dtype,
        value: nest<unknown>(
          { shape: v.shape as number[], data: v.data },
          (x) => (v.data!.dtype === 'bool' ? x !== 0 : x),
          (items) => items,
        ),
      };
    case 'bool':
    case 'int':
    case 'float':
      return { py: v.t, value: v.v };
    case 'list':
    case 'tuple':
      return v.items.map(ours);
    default:
      return { other: v.t === 'unknown' ? `unknown: ${v.why}` : v.t };
  }
}

function evaluateOurs(exprs: readonly string[]): Result[] {
  const source = `${setup}\n${exprs.map((e, i) => `r${i} = ${e}`).join('\n')}\n`;
  const program = new PythonProgram();
  const { session } = program;
  program.positions.add('values.py', source);
  session.interp.beginAnalysis({ maxSteps: 5_000_000, maxDepth: 100, deadline: Infinity });
  const scope = new Scope(undefined, 'module', 'values.py');
  program.loader.beginAnalysis({ read: () => undefined, searchPaths: [] }, 'values.py', {
    t: 'module',
    name: '__main__',
    attrs: scope.vars,
  });
  session.interp.execBlock(parsePython(source).body, scope);
  return exprs.map((_, i) => ours(scope.vars.get(`r${i}`) ?? { t: 'unknown', why: 'not assigned' }));
}

/** Equal values, floats to 1e-12 relative (far below float32's 6e-8, so float32 rounding must match). */
function same(a: unknown, b: unknown): boolean {
  if (typeof a === 'number' && typeof b === 'number')
    return (
      a === b || (Number.isNaN(a) && Number.isNaN(b)) || Math.abs(a - b) <= 1e-12 * Math.max(Math.abs(a), Math.abs(b))
    );
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => same(x, b[i]));
  if (a && b && typeof a === 'object' && typeof b === 'object') {
    const ka = Object.keys(a).sort();
    return (
      ka.join() === Object.keys(b).sort().join() &&
      ka.every((k) => same((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]))
    );
  }
  return a === b;
}

describe('tensors as configuration values, against torch and numpy', function () {
  this.timeout(60_000);
  const reason = torchUnavailableReason();

  it('gives every expression the value and dtype torch/numpy give', function () {
    if (reason) {
      console.log(`    skipped: ${reason}`);
      this.skip();
    }
    const run = spawnSync(python, ['-c', pythonProgram], {
      input: JSON.stringify(expressions),
      encoding: 'utf8',
      maxBuffer: 16 << 20,
    });
    assert.equal(run.status, 0, run.stderr);
    const theirs = JSON.parse(run.stdout) as Result[];
    const mine = evaluateOurs(expressions);
    const mismatches = expressions.flatMap((e, i) =>
      same(mine[i], theirs[i])
        ? []
        : [`${e}\n      python: ${JSON.stringify(theirs[i])}\n      ours:   ${JSON.stringify(mine[i])}`],
    );
    console.log(
      `    ${expressions.length - mismatches.length}/${expressions.length} expressions agree with torch ${'/'} numpy`,
    );
    assert.deepEqual(mismatches, []);
  });
});
