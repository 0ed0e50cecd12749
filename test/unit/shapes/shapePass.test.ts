/**
 * The shape pass over whole graphs: modules versus applications (a shared ReLU is one module with
 * several applications and its parameters count once; tied weights count once), modules that
 * never run, group nesting and names, receptive field through a residual block, peak activation
 * memory with tensors freed after their last use, and unknown sizes passing through without throwing.
 */
import * as assert from 'node:assert/strict';
import { GraphBuilder } from '../../../src/core/ir/graph';
import type { ConvSpec, LayerSpec } from '../../../src/core/ir/layers';
import { runShapePass } from '../../../src/core/shapes/shapePass';

const conv = (inC: number, outC: number, k: number, stride = 1, pad = Math.floor(k / 2)): ConvSpec => ({
  kind: 'conv', rank: 2, inChannels: inC, outChannels: outC, kernel: [k, k], stride: [stride, stride], dilation: [1, 1], padding: { mode: 'explicit', pads: [[pad, pad], [pad, pad]] }, groups: 1, bias: false,
});
const bn = (c: number): LayerSpec => ({ kind: 'batchNorm', numFeatures: c, axis: 1, scale: true, center: true, trackRunningStats: true });
const relu: LayerSpec = { kind: 'activation', fn: 'relu' };

describe('shape pass', () => {
  it('counts a module applied twice once, and lists both applications in order', () => {
    const b = new GraphBuilder('Net', 'pytorch', 'channels_first');
    let x = b.input([1, 8, 16, 16]);
    const act = b.module({ name: 'relu', className: 'ReLU', spec: relu });
    const c1 = b.module({ name: 'conv1', className: 'Conv2d', spec: conv(8, 8, 3) });
    [x] = b.apply(c1, [x]);
    [x] = b.apply(act, [x]);
    [x] = b.apply(c1, [x]);
    [x] = b.apply(act, [x]);
    b.output(x);
    const a = runShapePass(b.build());
    assert.equal(a.totals.params, 8 * 8 * 9);
    assert.deepEqual(a.modules[act.id].applications, ['n1', 'n3']);
    assert.deepEqual([...a.nodes.values()].map((n) => n.node.name), ['conv1', 'relu', 'conv1', 'relu']);
    assert.equal(a.totals.macs, 2 * 8 * 8 * 9 * 16 * 16, 'MACs count every application');
  });

  it('counts tied weights once (a decoder sharing the embedding matrix)', () => {
    const b = new GraphBuilder('Tied', 'pytorch', 'channels_first');
    const tokens = b.input([2, 12], 'tokens');
    const embed = b.module({ name: 'embed', className: 'Embedding', spec: { kind: 'embedding', numEmbeddings: 1000, embeddingDim: 64 } });
    const head = b.module({ name: 'head', className: 'Linear', spec: { kind: 'dense', inFeatures: 64, units: 1000, bias: false }, tiedWeights: { weight: { module: embed.id, weight: 'weight' } } });
    const [h] = b.apply(embed, [tokens]);
    const [logits] = b.apply(head, [h]);
    b.output(logits);
    const a = runShapePass(b.build());
    assert.equal(a.totals.params, 64_000, 'the 1000×64 matrix is counted once, not twice');
    assert.deepEqual(a.totals.outputShapes, [[2, 12, 1000]]);
  });

  it('counts parameters of PyTorch modules that never run, but not of Keras layers never called', () => {
    for (const [framework, expected] of [['pytorch', 64 * 10 + 10], ['keras', 0]] as const) {
      const b = new GraphBuilder('Aux', framework, framework === 'pytorch' ? 'channels_first' : 'channels_last');
      const x = b.input([1, 64]);
      b.module({ name: 'aux', className: 'Linear', spec: { kind: 'dense', inFeatures: framework === 'pytorch' ? 64 : undefined, units: 10, bias: true } });
      b.output(x);
      assert.equal(runShapePass(b.build()).totals.params, expected, framework);
    }
  });

  it('keeps names, groups and source ranges for views to collapse and navigate', () => {
    const b = new GraphBuilder('ResNet', 'pytorch', 'channels_first');
    const model = b.group({ name: '', className: 'ResNet' });
    const stage = b.group({ name: 'layer1', className: 'Sequential', parentId: model.id });
    const block = b.group({ name: 'layer1.0', className: 'BasicBlock', parentId: stage.id });
    const m = b.module({ name: 'layer1.0.conv1', className: 'Conv2d', spec: conv(64, 64, 3), definedAt: { start: { line: 10, character: 8 }, end: { line: 10, character: 60 } } });
    const [y] = b.apply(m, [b.input([1, 64, 56, 56])], { groupId: block.id, calledAt: { start: { line: 20, character: 14 }, end: { line: 20, character: 27 } } });
    b.output(y);
    const g = b.build();
    const node = runShapePass(g).nodes.get('n0')!.node;
    assert.equal(node.name, 'layer1.0.conv1');
    assert.equal(g.groups.get(g.groups.get(node.groupId!)!.parentId!)!.name, 'layer1');
    assert.equal(node.calledAt?.start.line, 20);
    assert.equal(g.modules[node.moduleId!].definedAt?.start.line, 10);
  });

  it('tracks the receptive field along the main path of a residual block', () => {
    const b = new GraphBuilder('Res', 'pytorch', 'channels_first');
    let x = b.input([1, 3, 224, 224]);
    [x] = b.apply(b.module({ name: 'conv1', className: 'Conv2d', spec: conv(3, 64, 7, 2, 3) }), [x]);
    [x] = b.apply(b.module({ name: 'maxpool', className: 'MaxPool2d', spec: { kind: 'pool', op: 'max', rank: 2, kernel: [3, 3], stride: [2, 2], dilation: [1, 1], padding: { mode: 'explicit', pads: [[1, 1], [1, 1]] }, ceilMode: false } }), [x]);
    const identity = x;
    [x] = b.apply(b.module({ name: 'layer1.0.conv1', className: 'Conv2d', spec: conv(64, 64, 3) }), [x]);
    [x] = b.apply(b.module({ name: 'layer1.0.bn1', className: 'BatchNorm2d', spec: bn(64) }), [x]);
    [x] = b.apply(b.module({ name: 'layer1.0.conv2', className: 'Conv2d', spec: conv(64, 64, 3) }), [x]);
    [x] = b.op('add', { kind: 'add', broadcast: true }, [x, identity]);
    b.output(x);
    const a = runShapePass(b.build());
    const rf = (id: string) => a.nodes.get(id)!.receptiveField!;
    assert.deepEqual([rf('n0').size, rf('n0').jump], [[7, 7], [2, 2]]);
    assert.deepEqual([rf('n1').size, rf('n1').jump], [[11, 11], [4, 4]]);
    assert.deepEqual(rf('n4').size, [27, 27]);
    assert.deepEqual(rf('n5').size, [27, 27], 'the add keeps the larger field of its inputs');
    assert.equal(a.totals.params, 3 * 64 * 49 + 2 * 64 * 64 * 9 + 128);
  });

  it('measures peak activation memory with tensors freed after their last use', () => {
    const b = new GraphBuilder('Chain', 'pytorch', 'channels_first');
    let x = b.input([1, 1, 10, 10]);
    for (let i = 0; i < 3; i++) [x] = b.apply(b.module({ name: `c${i}`, className: 'Conv2d', spec: conv(1, 1, 3) }), [x]);
    b.output(x);
    const a = runShapePass(b.build());
    assert.equal(a.totals.peakActivationBytes, 2 * 100 * 4, 'a chain holds at most its input and output at once');
    assert.equal(a.totals.totalActivationBytes, 3 * 100 * 4);
  });

  it('passes unknown and symbolic sizes through without throwing, and reports problems with numbers', () => {
    const b = new GraphBuilder('Partial', 'keras', 'channels_last');
    let x = b.input(['N', null, null, 3]);
    [x] = b.apply(b.module({ name: 'conv2d', className: 'Conv2D', spec: { ...conv(3, 16, 3), inChannels: undefined, padding: { mode: 'same' } } }), [x]);
    [x] = b.apply(b.module({ name: 'mystery', className: 'MyAttention', spec: { kind: 'unknown', className: 'MyAttention' } }), [x]);
    [x] = b.op('concat', { kind: 'concat', axis: -1 }, [x, x]);
    b.output(x);
    const a = runShapePass(b.build());
    assert.deepEqual(a.totals.outputShapes, [['N', null, null, 32]]);
    assert.equal(a.totals.params, 3 * 3 * 3 * 16, "the kernel is known although H and W are not");
    assert.match(a.nodes.get('n1')!.diagnostics[0].message, /MyAttention is not a layer CNN Lens knows; its output shape is assumed equal to its input's/);
    assert.equal(a.totals.peakActivationBytes, null, 'memory is unknown, not wrong, when sizes are');
  });

  it('reports a channel mismatch with the value to write instead', () => {
    const b = new GraphBuilder('Bad', 'pytorch', 'channels_first');
    const [y] = b.apply(b.module({ name: 'conv', className: 'Conv2d', spec: conv(3, 16, 3) }), [b.input([1, 4, 8, 8])]);
    b.output(y);
    const [d] = runShapePass(b.build()).nodes.get('n0')!.diagnostics;
    assert.equal(d.code, 'channel-mismatch');
    assert.equal(d.message, 'Conv2d expects 3 input channels but receives 4');
    assert.deepEqual(d.fix, { attribute: 'in_channels', value: 4 });
  });

  it('raises an error only on known values: after a layer it does not know, a mismatch is a note saying why', () => {
    const b = new GraphBuilder('Unsure', 'pytorch', 'channels_first');
    const odd = b.module({ name: 'attn', className: 'Attention', spec: { kind: 'unknown', className: 'Attention' } });
    const [guessed] = b.apply(odd, [b.input([1, 4, 8, 8])], { calledAt: { start: { line: 11, character: 8 }, end: { line: 11, character: 20 } } });
    const [y] = b.apply(b.module({ name: 'conv', className: 'Conv2d', spec: conv(3, 16, 3) }), [guessed]);
    const [z] = b.apply(b.module({ name: 'conv2', className: 'Conv2d', spec: conv(3, 16, 3) }), [y]);
    b.output(z);
    const a = runShapePass(b.build());
    const [d] = a.nodes.get('n1')!.diagnostics;
    assert.equal(d.code, 'channel-mismatch');
    assert.equal(d.severity, 'info');
    assert.equal(d.message, 'Conv2d expects 3 input channels but receives 4; not certain, as its input comes after attn (Attention, a layer CNN Lens does not know) at line 12');
    assert.equal(a.nodes.get('n2')!.uncertain, a.nodes.get('n1')!.uncertain, 'the doubt follows the data downstream');
    assert.equal(a.nodes.get('n2')!.diagnostics[0].severity, 'info');
  });
});
