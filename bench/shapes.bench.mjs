// The shape pass over a synthetic 10,000-layer graph (residual blocks of conv → BN → ReLU → conv →
// BN → add → ReLU, with a strided projection every few blocks). Target: ≤ 20 ms median. Baseline in
// the same run: a bare walk over the same graph that copies each input shape to its output, i.e.
// the cost of visiting the nodes without any rule.
import { GraphBuilder } from '../src/core/ir/graph.ts';
import { runShapePass } from '../src/core/shapes/shapePass.ts';
import { medianMs, report } from './lib.mjs';

const conv = (inC, outC, k, s) => ({ kind: 'conv', rank: 2, inChannels: inC, outChannels: outC, kernel: [k, k], stride: [s, s], dilation: [1, 1], padding: { mode: 'explicit', pads: [[k >> 1, k >> 1], [k >> 1, k >> 1]] }, groups: 1, bias: false });
const bn = (c) => ({ kind: 'batchNorm', numFeatures: c, axis: 1, scale: true, center: true, trackRunningStats: true });
const relu = { kind: 'activation', fn: 'relu' };

function syntheticGraph(targetNodes) {
  const b = new GraphBuilder('Synthetic', 'pytorch', 'channels_first');
  let x = b.input([1, 64, 512, 512]);
  let c = 64;
  let block = 0;
  while (b.build().nodes.length < targetNodes) {
    const stride = block % 8 === 7 ? 2 : 1;
    const out = stride === 2 ? Math.min(c * 2, 2048) : c;
    const identity = x;
    const name = (n) => `block${block}.${n}`;
    [x] = b.apply(b.module({ name: name('conv1'), className: 'Conv2d', spec: conv(c, out, 3, stride) }), [x]);
    [x] = b.apply(b.module({ name: name('bn1'), className: 'BatchNorm2d', spec: bn(out) }), [x]);
    [x] = b.apply(b.module({ name: name('relu1'), className: 'ReLU', spec: relu }), [x]);
    [x] = b.apply(b.module({ name: name('conv2'), className: 'Conv2d', spec: conv(out, out, 3, 1) }), [x]);
    [x] = b.apply(b.module({ name: name('bn2'), className: 'BatchNorm2d', spec: bn(out) }), [x]);
    let shortcut = identity;
    if (stride === 2) [shortcut] = b.apply(b.module({ name: name('downsample'), className: 'Conv2d', spec: conv(c, out, 1, 2) }), [identity]);
    [x] = b.op('add', { kind: 'add', broadcast: true }, [x, shortcut]);
    [x] = b.apply(b.module({ name: name('relu2'), className: 'ReLU', spec: relu }), [x]);
    c = out;
    block++;
  }
  b.output(x);
  return b.build();
}

function bareWalk(graph) {
  const shapes = new Map(graph.inputs.map((i) => [i.tensorId, i.shape]));
  for (const node of graph.nodes) {
    const s = shapes.get(node.inputs[0]);
    for (const t of node.outputs) shapes.set(t, s);
  }
  return shapes;
}

const graph = syntheticGraph(10_000);
const check = runShapePass(graph);
if (check.totals.params === null || check.totals.outputShapes[0].includes(null)) throw new Error('synthetic graph did not resolve');
const subjectMs = medianMs(() => runShapePass(graph), { runs: 21, warmup: 5 });
const baselineMs = medianMs(() => bareWalk(graph), { runs: 21, warmup: 5 });
const ok = report({ name: `shape pass, ${graph.nodes.length} nodes`, subjectMs, baselineName: 'bare walk copying shapes', baselineMs, perItem: { count: graph.nodes.length, unit: 'node' }, targetMs: 20 });
console.log(`  (${check.totals.params.toLocaleString('en')} params, output ${check.totals.outputShapes[0].join('×')})`);
process.exitCode = ok ? 0 : 1;
