/**
 * Indexing, split/chunk/unbind and the argument binder on symbolic tensors: the index rule's
 * output shapes for basic and advanced indexing (with unknown dims where the index is unknown),
 * pieces and their unpacking, and that known values never reach tensors derived from the input.
 */
import { strict as assert } from 'node:assert';
import { analyzePython } from '../../../src/core/frontends/python/analyzePython';
import type { Shape } from '../../../src/core/ir/dims';
import type { IndexItemSpec } from '../../../src/core/ir/layers';
import { indexRule } from '../../../src/core/shapes/rules/tensorOps';

const ctx = { framework: 'pytorch', layout: 'channels_first', explain: false } as const;
const run = (input: Shape, items: IndexItemSpec[]) => indexRule({ kind: 'index', items }, [input], ctx as never);
const all = { slice: [null, null, null] } as const;

describe('the index shape rule', () => {
  it('slices, picks, adds axes and expands an ellipsis', () => {
    assert.deepEqual(run(['N', 64, 7, 7], [all, { slice: [null, 16, null] }]).outputs[0], ['N', 16, 7, 7]);
    assert.deepEqual(run(['N', 64, 7, 7], [all, { slice: [16, null, null] }]).outputs[0], ['N', 48, 7, 7]);
    assert.deepEqual(run(['N', 64, 7, 7], [{ ellipsis: true }, { int: 0 }]).outputs[0], ['N', 64, 7]);
    assert.deepEqual(run([3, 'N', 4, 10], [{ int: 0 }]).outputs[0], ['N', 4, 10]);
    assert.deepEqual(run(['N', 10], [all, { newAxis: true }]).outputs[0], ['N', 1, 10]);
    assert.deepEqual(run(['N', 10], [all, { slice: [-3, null, null] }]).outputs[0], ['N', 3]);
    assert.deepEqual(run(['N', 10], [all, { slice: [1, null, 2] }]).outputs[0], ['N', 5]);
  });
  it('gives unknown dims where the index is unknown, never an assumed shape', () => {
    assert.deepEqual(run(['N', 64], [all, { slice: [null, '?', null] }]).outputs[0], ['N', null]);
    assert.deepEqual(run(['N', 64], [all, { unknown: true }]).outputs[0], [null, null]);
    assert.deepEqual(run([5, 8], [{ tensor: [null], mask: 1 }]).outputs[0], [null, 8]);
    assert.deepEqual(run([5, 8, 3], [all, { tensor: [2, 4] }]).outputs[0], [5, 2, 4, 3]);
  });
  it('reports an index out of range and a negative torch step as errors', () => {
    assert.equal(run(['N', 4], [all, { int: 4 }]).diagnostics[0].severity, 'error');
    assert.equal(run(['N', 4], [all, { slice: [null, null, -1] }]).diagnostics[0].severity, 'error');
  });
});

const source = `
import torch
import torch.nn as nn

class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.offsets = torch.arange(4) * 2
        self.a = nn.Conv2d(8, 8, 1)
        self.b = nn.Conv2d(4, 8, 1)
        self.c = nn.Conv2d(int(self.offsets[-1].item()), 4, 1)

    def forward(self, x):
        left, right = x.chunk(2, dim=1)
        p, q = torch.split(x, [12, 4], dim=1)
        rows = torch.unbind(x, dim=2)
        y = x + self.offsets.view(1, 4, 1, 1).float().sum()
        z = self.a(x[:, 4:12]) + self.b(right[:, ::2])
        w = self.c(p[:, :6]) + q[:, :, None].squeeze(2)
        return torch.cat([z, rows[0][:, :8, :, None].expand_as(z), y[:, :8] + torch.cat([w, w], 1)], 1)
`;

describe('split, chunk, unbind and slices in a forward pass', () => {
  it('gives each piece its shape and keeps known values out of input-derived tensors', () => {
    const result = analyzePython('net.py', source, { host: { read: () => undefined, searchPaths: [] }, input: [2, 16, 5, 5], now: () => 0 });
    const model = result.models.find((m) => m.name === 'Net');
    assert.ok(model, JSON.stringify(result.diagnostics));
    const shapes = (name: string) => model.analysis.nodeResults.filter((r) => r.node.className === name).map((r) => r.outputShapes);
    assert.deepEqual(shapes('chunk')[0], [[2, 8, 5, 5], [2, 8, 5, 5]]);
    assert.deepEqual(shapes('split')[0], [[2, 12, 5, 5], [2, 4, 5, 5]]);
    assert.deepEqual(shapes('unbind')[0]?.length, 5);
    const conv = (path: string) => model.graph.nodes.find((n) => n.name === path);
    assert.ok(conv('c'), 'the conv whose width came from a known tensor is built');
    assert.equal(model.analysis.totals.params, 8 * 8 + 8 + 4 * 8 + 8 + 6 * 4 + 4);
    assert.deepEqual(model.analysis.totals.outputShapes[0], [2, 24, 5, 5]);
    assert.deepEqual(result.diagnostics.filter((d) => d.severity === 'error'), []);
  });
});
