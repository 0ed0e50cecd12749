/**
 * Indexing, split/chunk/unbind and the argument binder on symbolic tensors: the index rule's
 * output shapes for basic and advanced indexing (with unknown dims where the index is unknown),
 * pieces and their unpacking, and that known values never reach tensors derived from the input.
 */
import { strict as assert } from 'node:assert';
import { analyzePython } from '../../../src/core/analysis/analyzeDocument';
import type { Shape } from '../../../src/core/ir/dims';
import type { IndexItemSpec } from '../../../src/core/ir/layers';
import { einsumRule } from '../../../src/core/shapes/rules/einsum';
import { repeatRule } from '../../../src/core/shapes/rules/repeat';
import { indexRule } from '../../../src/core/shapes/rules/tensorOps';
import { lensAnswer, skipWithoutTorch, torchAnswers, type Program } from './torchTruth';

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

describe('the einsum shape rule', () => {
  const einsum = (equation: string, ...inputs: Shape[]) =>
    einsumRule({ kind: 'einsum', equation }, inputs, ctx as never);
  it('gives the output subscripts their sizes and counts the whole index space as MACs', () => {
    const r = einsum('bhid,bhjd->bhij', ['N', 8, 49, 32], ['N', 8, 49, 32]);
    assert.deepEqual(r.outputs[0], ['N', 8, 49, 49]);
    assert.equal(r.macs, null, 'a symbolic batch leaves the count open');
    assert.equal(einsum('ij,jk->ik', [4, 5], [5, 2]).macs, 40);
  });
  it('reports sizes that disagree, a rank its subscripts do not name and a letter no operand has', () => {
    const codes = (r: ReturnType<typeof einsum>) => r.diagnostics.map((d) => `${d.severity}:${d.code}`);
    assert.deepEqual(codes(einsum('ij,jk->ik', [4, 5], [6, 2])), ['error:shape-mismatch']);
    assert.deepEqual(codes(einsum('ij->i', [4, 5, 6])), ['error:rank-mismatch']);
    assert.deepEqual(codes(einsum('ij->iz', [4, 5])), ['error:bad-equation']);
    assert.deepEqual(einsum('ij,jk->ik', [null, 5], [5, 2]).diagnostics, []);
  });
});

describe('the repeat shape rule', () => {
  it('keeps a symbolic batch it copies once, and refuses fewer repeat counts than axes', () => {
    assert.deepEqual(repeatRule({ kind: 'repeat', repeats: [1, 2, 3] }, [['N', 4, 5]], ctx as never).outputs[0], [
      'N',
      8,
      15,
    ]);
    assert.deepEqual(
      repeatRule({ kind: 'repeat', interleave: { axis: 1, size: 9 } }, [['N', 3]], ctx as never).outputs[0],
      ['N', 9],
    );
    assert.equal(
      repeatRule({ kind: 'repeat', repeats: [2] }, [[4, 5]], ctx as never).diagnostics[0]?.code,
      'rank-mismatch',
    );
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
    const result = analyzePython('net.py', source, {
      host: { read: () => undefined, searchPaths: [] },
      input: [2, 16, 5, 5],
      now: () => 0,
    });
    const model = result.models.find((m) => m.name === 'Net');
    assert.ok(model, JSON.stringify(result.diagnostics));
    const shapes = (name: string) =>
      model.analysis.nodeResults.filter((r) => r.node.className === name).map((r) => r.outputShapes);
    assert.deepEqual(shapes('chunk')[0], [
      [2, 8, 5, 5],
      [2, 8, 5, 5],
    ]);
    assert.deepEqual(shapes('split')[0], [
      [2, 12, 5, 5],
      [2, 4, 5, 5],
    ]);
    assert.deepEqual(shapes('unbind')[0]?.length, 5);
    const conv = (path: string) => model.graph.nodes.find((n) => n.name === path);
    assert.ok(conv('c'), 'the conv whose width came from a known tensor is built');
    assert.equal(model.analysis.totals.params, 8 * 8 + 8 + 4 * 8 + 8 + 6 * 4 + 4);
    assert.deepEqual(model.analysis.totals.outputShapes[0], [2, 24, 5, 5]);
    assert.deepEqual(
      result.diagnostics.filter((d) => d.severity === 'error'),
      [],
    );
  });
});

/** A module whose forward is `body`, on an input of the given shape, for torch to answer too. */
const forward = (body: string, input: number[]): Program => ({
  source: `import torch\nfrom torch import nn\n\nclass M(nn.Module):\n    def forward(self, x):\n        ${body}\n`,
  input,
});

const opPrograms: Record<string, Program> = {
  swapaxes: forward('return torch.swapaxes(x, -2, -3)', [1, 4, 9, 32]),
  swapdimsMethod: forward('return x.swapdims(0, 2).swapaxes(1, 3)', [2, 3, 5, 7]),
  tensorSplitIndices: forward('return torch.tensor_split(x, indices=(1,), dim=2)', [1, 2, 50, 8]),
  tensorSplitSections: forward('return x.tensor_split(3, dim=-1)', [2, 11]),
  einsumSpaced: forward('return torch.einsum("B G H I D, B G H J D -> B G H I J", x, x * 2)', [1, 4, 2, 9, 8]),
  einsumList: forward('return torch.einsum("bythwc,hkc->bythwk", [x, torch.zeros(5, 7, 8)])', [1, 2, 3, 5, 4, 8]),
  einsumEllipsis: forward('return torch.einsum("...ij,...jk", x, torch.zeros(1, 6, 3))', [2, 4, 6]),
  einsumImplicitSum: forward(
    'return torch.einsum("ii->i", x[0]), torch.einsum("ij", x[0]), torch.einsum("ji", x[0])',
    [1, 4, 4],
  ),
  einsumBroadcastOne: forward('return torch.einsum("bij,bjk->bik", x, torch.zeros(1, 5, 2))', [3, 4, 5]),
  repeatMethod: forward('return x.repeat(2, 1, 3, 1)', [1, 4, 5]),
  tileShort: forward('return torch.tile(x, (2,))', [2, 3, 4]),
  repeatInterleaveDim: forward('return torch.repeat_interleave(x, 3, dim=1)', [2, 4, 5]),
  repeatInterleaveFlat: forward('return x.repeat_interleave(2)', [2, 3]),
  repeatInterleaveCounts: forward('return x.repeat_interleave(torch.tensor([1, 2, 3]), dim=-1)', [2, 3]),
  positionalEmbedding: forward(
    'pos = torch.zeros(8, 4)\n        return x + torch.repeat_interleave(pos, 5, dim=0)',
    [2, 40, 4],
  ),
  tensorSplitManyIndices: forward('return torch.tensor_split(x, [2, 5, 20], 1)', [3, 9]),
};

describe('tensor ops against torch 1.13', function () {
  this.timeout(60_000);

  it('gives each op the output shape torch gives', function () {
    skipWithoutTorch(this);
    const truth = torchAnswers(opPrograms);
    const failures = Object.entries(opPrograms).flatMap(([name, program]) => {
      const lens = lensAnswer(name, program);
      return JSON.stringify(lens) === JSON.stringify(truth[name])
        ? []
        : [`${name}: CNN Lens ${JSON.stringify(lens)}, torch ${JSON.stringify(truth[name])}`];
    });
    assert.deepEqual(failures, []);
  });
});

describe('torch 2 fused attention', () => {
  it('gives F.scaled_dot_product_attention the shape of softmax(q @ kᵀ) @ v, as its two products', () => {
    const text = `import torch
import torch.nn.functional as F
from torch import nn

class Attention(nn.Module):
    def forward(self, x):
        q = k = x.reshape(2, 10, 4, 8).transpose(1, 2)
        v = torch.zeros(2, 4, 10, 16)
        return F.scaled_dot_product_attention(q, k, v, dropout_p=0.0)
`;
    const result = analyzePython('/virtual/sdpa.py', text, {
      host: { read: () => undefined, searchPaths: [] },
      entry: 'Attention',
      input: [2, 10, 32],
    });
    const model = result.models[0];
    assert.deepEqual(model.analysis.totals.outputShapes, [[2, 4, 10, 16]]);
    assert.equal(model.graph.nodes.filter((n) => n.spec.kind === 'matmul').length, 2);
    assert.equal(model.analysis.totals.macs, 2 * 4 * 10 * 10 * 8 + 2 * 4 * 10 * 16 * 10);
  });
});

describe('in-place tensor methods', () => {
  it('make the tensor object itself the result, for every name that holds it (y.add_(…), z.relu_())', () => {
    const text = `import torch
from torch import nn

class M(nn.Module):
    def __init__(self):
        super().__init__()
        self.a = nn.Conv2d(3, 8, 3, padding=1)
        self.b = nn.Conv2d(8, 8, 3, padding=1)

    def forward(self, x):
        y = self.a(x)
        z = y
        y.add_(self.b(y))
        z.relu_()
        return self.b(y)
`;
    const result = analyzePython('/virtual/inplace.py', text, {
      host: { read: () => undefined, searchPaths: [] },
      entry: 'M',
      input: [1, 3, 8, 8],
    });
    const nodes = result.models[0].graph.nodes;
    const relu = nodes.find((n) => n.className === 'relu')!;
    const add = nodes.find((n) => n.className === 'add')!;
    assert.deepEqual(relu.inputs, add.outputs);
    assert.deepEqual(nodes[nodes.length - 1].inputs, relu.outputs);
  });
});
