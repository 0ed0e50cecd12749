/**
 * The graph preview's layout, in plain Node, on the samples the preview opens: which graphs are
 * series-parallel (lanes) and which go to the layered layout, that no two boxes overlap in either
 * placement, that inverted-residual, squeeze-excitation and projection-shortcut roles are found
 * from structure alone, and where the lane layout puts them (shortcut above the path, SE below);
 * arithmetic with a number folds into the volume it follows, as activations do.
 */
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { modelSnapshot } from '../../../src/core/analysis/viewGraph';
import { analyzePython } from '../../../src/core/analysis/analyzeDocument';
import type { GraphSnapshot } from '../../../src/core/protocol/messages';
import { layoutModel, repeatedStages, type Box, type Layout } from '../../../webview/graph/layout';
import { isSeriesParallel } from '../../../webview/graph/topology';

const samples = join(__dirname, '../../../samples');
const host = { read: (p: string) => { try { return readFileSync(p, 'utf8'); } catch { return undefined; } }, searchPaths: [] };

function snapshotOf(file: string, entry?: string): GraphSnapshot {
  const path = join(samples, file);
  const result = analyzePython(path, readFileSync(path, 'utf8'), { host, entry, timeMs: 10_000, now: () => 0 });
  const model = result.models[0];
  assert.ok(model, `a model in ${file}`);
  return modelSnapshot(model.analysis, { uri: path, version: 1, name: file }, model.name, model.inputs[0]);
}

/** The rectangle a box covers on screen, its oblique top and side faces included. */
function rect(b: Box, view: Layout['view']): [number, number, number, number] {
  const lift = view === 'volumes' ? b.d * 0.5 : 0;
  return [b.x, b.y - lift, b.x + b.w + lift, b.y + b.h];
}

function assertNoOverlap(layout: Layout): void {
  const rects = layout.boxes.map((b) => ({ b, r: rect(b, layout.view) }));
  for (let i = 0; i < rects.length; i++) {
    for (let j = i + 1; j < rects.length; j++) {
      const [a, c] = [rects[i].r, rects[j].r];
      const overlap = a[0] < c[2] - 0.5 && c[0] < a[2] - 0.5 && a[1] < c[3] - 0.5 && c[1] < a[3] - 0.5;
      assert.ok(!overlap, `${rects[i].b.layer.name} and ${rects[j].b.layer.name} overlap in the ${layout.engine} ${layout.view} layout`);
    }
    for (const v of rects[i].r) assert.ok(Number.isFinite(v), `${rects[i].b.layer.name} has a position`);
  }
}

describe('graph layout', function () {
  this.timeout(60_000);

  it('tells series-parallel graphs from the rest', () => {
    assert.equal(isSeriesParallel(4, [[0, 1], [1, 2], [2, 3]]), true, 'a chain');
    assert.equal(isSeriesParallel(4, [[0, 1], [0, 2], [1, 3], [2, 3]]), true, 'a diamond (inception lanes)');
    assert.equal(isSeriesParallel(5, [[0, 1], [1, 2], [2, 3], [0, 3], [3, 4]]), true, 'a residual block');
    // DenseNet: every layer reads every earlier output.
    assert.equal(isSeriesParallel(4, [[0, 1], [0, 2], [1, 2], [0, 3], [1, 3], [2, 3]]), false, 'a dense block');
    assert.equal(isSeriesParallel(6, [[0, 1], [0, 2], [1, 3], [2, 4], [1, 4], [3, 5], [4, 5]]), false, 'a cross-connection between branches');
  });

  it('finds expand, depthwise and linear projection in MobileNetV2 from structure alone', () => {
    const snapshot = snapshotOf('mobilenetv2_block.py');
    const notes = snapshot.layers.map((l) => l.roleNote).filter(Boolean);
    assert.equal(notes.filter((n) => n === 'expand ×6').length, 16);
    assert.equal(notes.filter((n) => n === 'depthwise 3×3').length, 17);
    assert.equal(notes.filter((n) => n === 'project 1×1 · linear').length, 17);
    const layout = layoutModel(snapshot);
    assert.equal(layout.engine, 'lanes');
    assert.ok(layout.links.filter((l) => l.arc).length >= 10, 'residual arcs over the stride-1 blocks');
    assertNoOverlap(layout);
  });

  it('puts a projection shortcut above the main path, on its skip', () => {
    const snapshot = snapshotOf('resnet_blocks.py', 'ResNet18Like');
    const layout = layoutModel(snapshot, { expanded: repeatedStages(snapshot).keys() });
    const shortcuts = layout.boxes.filter((b) => b.layer.role === 'shortcut');
    assert.deepEqual(shortcuts.map((b) => b.layer.roleNote), ['projection 1×1, s2', 'projection 1×1, s2', 'projection 1×1, s2']);
    for (const s of shortcuts) {
      const sibling = layout.boxes.find((b) => b !== s && b.rank === s.rank)!;
      assert.ok(s.y + s.h < sibling.y, `${s.layer.name} sits above ${sibling.layer.name}`);
    }
    assertNoOverlap(layout);
    assertNoOverlap(layoutModel(snapshot, { view: 'graph', expanded: repeatedStages(snapshot).keys() }));
  });

  it('collapses repeated stages and keeps the inception lanes apart', () => {
    const resnet = layoutModel(snapshotOf('resnet_blocks.py', 'ResNet18Like'));
    assert.deepEqual(resnet.boxes.filter((b) => b.stack).map((b) => b.stack!.title), ['layer1: BasicBlock ×2', 'layer2: BasicBlock ×2', 'layer3: BasicBlock ×2', 'layer4: BasicBlock ×2']);
    const inception = layoutModel(snapshotOf('inception_module.py'));
    assert.equal(inception.engine, 'lanes');
    assertNoOverlap(inception);
    assertNoOverlap(layoutModel(snapshotOf('inception_module.py'), { view: 'graph' }));
  });

  it('collapses stages that are top-level groups, as model files have them, never the whole model', () => {
    // An ONNX export names layer1…layer4 by path but has no group for the model itself.
    const python = snapshotOf('resnet_blocks.py', 'ResNet18Like');
    const root = python.groups!.find((g) => !g.parent)!;
    const rootless: GraphSnapshot = {
      ...python,
      groups: python.groups!.filter((g) => g !== root).map((g) => (g.parent === root.id ? { ...g, parent: undefined } : g)),
      layers: python.layers.map((l) => (l.group === root.id ? { ...l, group: undefined } : l)),
    };
    assert.deepEqual([...repeatedStages(rootless).values()].map((s) => `${s.name} ${s.count}×`), ['layer1 2×', 'layer2 2×', 'layer3 2×', 'layer4 2×']);
    // A model that is one group of repeated blocks, and nothing else, stays drawn block by block.
    const layer1 = rootless.groups!.find((g) => g.name === 'layer1')!;
    const inLayer1 = new Set(rootless.groups!.filter((g) => g.parent === layer1.id).map((g) => g.id));
    const onlyLayer1 = { ...rootless, layers: rootless.layers.filter((l) => l.group && inLayer1.has(l.group)) };
    assert.ok(onlyLayer1.layers.length >= 10);
    assert.equal(repeatedStages(onlyLayer1).size, 0);
  });

  it('draws DenseNet through the layered layout with its long concat inputs as arcs', () => {
    const layout = layoutModel(snapshotOf('densenet_block.py'));
    assert.equal(layout.engine, 'layered');
    // Each concat of k ≥ 3 earlier outputs keeps one routed input; the other k − 1 are arcs.
    assert.ok(layout.links.filter((l) => l.arc).length >= 12, 'arcs for the earlier outputs');
    assert.ok(layout.links.every((l) => l.arc || l.points !== undefined), 'every other link routed by dagre');
    assertNoOverlap(layout);
  });

  it('hangs a squeeze-excitation branch below the path it rescales at ⊗', () => {
    const layout = layoutModel(snapshotOf('efficientnet_se.py'));
    assert.equal(layout.engine, 'lanes');
    const scales = layout.boxes.filter((b) => b.layer.role === 'excite');
    assert.ok(scales.length >= 6, 'one ⊗ per MBConv block');
    for (const scale of scales) {
      const branch = layout.links.find((l) => l.to === scale && l.from.side)!;
      assert.ok(branch, `${scale.layer.name} is fed by the SE branch`);
      assert.ok(branch.from.y > scale.y + scale.h, 'the branch runs below the ⊗');
      assert.ok(layout.links.some((l) => l.to === scale && !l.from.side && !l.arc), 'the path runs straight into the ⊗');
    }
    assertNoOverlap(layout);
  });

  it('folds arithmetic with a number into the volume it follows, keeps SE detection through it, and tells ÷ from ⊗', () => {
    // MobileNetV3 style: a hand-written hard-swish, an SE gate with a hand-written hard-sigmoid, then a division.
    const text = `import torch\nfrom torch import nn\nimport torch.nn.functional as F\n\n\n# cnn-lens: input=(1, 3, 32, 32)\nclass HandWritten(nn.Module):\n    def __init__(self):\n        super().__init__()\n        self.conv = nn.Conv2d(3, 16, 3, padding=1)\n        self.pool = nn.AdaptiveAvgPool2d(1)\n        self.fc1 = nn.Conv2d(16, 4, 1)\n        self.fc2 = nn.Conv2d(4, 16, 1)\n        self.other = nn.Conv2d(3, 16, 3, padding=1)\n\n    def forward(self, x):\n        y = self.conv(x)\n        y = y * F.relu6(y + 3) / 6\n        s = self.fc2(F.relu(self.fc1(self.pool(y))))\n        y = y * (F.relu6(s + 3) / 6)\n        return y / torch.sigmoid(self.other(x))\n`;
    const result = analyzePython('/fixtures/hand_written.py', text, { host, timeMs: 10_000, now: () => 0 });
    const model = result.models[0];
    const snapshot = modelSnapshot(model.analysis, { uri: '/fixtures/hand_written.py', version: 1, name: 'hand_written.py' }, model.name, model.inputs[0]);
    const layout = layoutModel(snapshot);
    const scalarIds = new Set(snapshot.layers.filter((l) => l.category === 'elementwise').map((l) => l.id));
    assert.equal(scalarIds.size, 4, 'y + 3, / 6, s + 3, / 6');
    assert.ok(layout.boxes.every((b) => !scalarIds.has(b.layer.id)), 'no box of its own for a scalar op');
    assert.ok(layout.boxes.some((b) => b.folded.some((f) => scalarIds.has(f.id))), 'folded into the volume before it');
    const merges = layout.boxes.filter((b) => b.kind === 'merge');
    assert.deepEqual(merges.map((b) => [b.layer.kind, b.layer.role ?? null]), [['mul', null], ['mul', 'excite'], ['div', null]], 'only the true multiply is the SE scale');
    assert.ok(merges[2].layer.details.some((d) => d.includes(' ÷ ')), 'the division reads as ÷');
    assertNoOverlap(layout);
  });

  it('sends a graph that is not series-parallel to the layered layout', () => {
    // A dense block, written as the layers a DenseNet front-end would produce.
    const layer = (id: string, inputs: string[], category: string, c: number) => ({ id, name: id, kind: category === 'merge' ? 'cat' : 'Conv2d', category, outputShape: [1, c, 8, 8], inputs, params: 0, macs: 0, details: [] });
    const snapshot: GraphSnapshot = {
      document: { uri: 'x', version: 1, name: 'x' },
      layout: 'channels_first',
      layers: [layer('x', [], 'conv', 16), layer('c1', ['x'], 'conv', 12), layer('cat1', ['x', 'c1'], 'merge', 28), layer('c2', ['cat1'], 'conv', 12), layer('cat2', ['x', 'c1', 'c2'], 'merge', 40), layer('c3', ['cat2'], 'conv', 12), layer('cat3', ['x', 'c1', 'c2', 'c3'], 'merge', 52)],
    };
    for (const view of ['volumes', 'graph'] as const) {
      const layout = layoutModel(snapshot, { view });
      assert.equal(layout.engine, 'layered');
      assertNoOverlap(layout);
      assert.ok(layout.links.some((l) => l.points && l.points.length > 0), 'links routed around the boxes');
    }
  });
});
