// The page half of bench/activations.bench.mjs, bundled for the browser (iife) and loaded into
// headless Chromium. It does what the activations panel does (webview/activations/main.ts) with
// the same modules, on the tfjs wasm backend the panel falls back to without a GPU: seeded weights
// and buildModel, one forward pass keeping every layer's output, then one layer downloaded, its
// statistics computed and its grid drawn into a canvas on the page, up to the next paint. It also
// times each node of a run on its own (the wasm backend computes synchronously, so the wall time of
// the tf.tidy the builder wraps each node in is that node's compute) to say where a forward goes.
// Everything is exposed on window.bench.
import * as tf from '@tensorflow/tfjs-core';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { channelStats, drawGrid } from '../../webview/activations/featureGrid.ts';
import { buildModel } from '../../webview/activations/modelBuilder.ts';
import { seededWeights } from '../../webview/activations/weights.ts';
import { collect, now, painted } from '../pageTiming.mjs';

const withTimeout = (promise, ms) => Promise.race([promise, new Promise((_, reject) => setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms))]);

let plan;
let weights;
let built;
let result;
let input;
const view = document.body.appendChild(document.createElement('div'));

/** The wasm backend as backend.ts starts it (setWasmPaths, then setBackend bounded in time). */
async function start(wasmFolderUrl) {
  setWasmPaths(wasmFolderUrl);
  const started = await withTimeout(tf.setBackend('wasm'), 20_000);
  await tf.ready();
  return {
    started,
    backend: tf.getBackend(),
    simd: await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT'),
    threads: await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT'),
    crossOriginIsolated: globalThis.crossOriginIsolated === true,
  };
}

function put(p) {
  plan = p;
}

function disposeAll() {
  result?.dispose();
  result = undefined;
  built?.dispose();
  built = undefined;
  if (weights) for (const t of weights.values()) t.dispose();
  weights = undefined;
}

/** seededWeights + buildModel, as the panel's build (main.ts times the two together). */
function build() {
  disposeAll();
  collect();
  const t0 = now();
  weights = seededWeights(plan, 1);
  const t1 = now();
  built = buildModel(plan, weights);
  const t2 = now();
  if (!input) {
    // A seeded image in [0, 1), NHWC as the panel feeds it.
    const shape = built.inputShapes[0];
    let a = 12345;
    const values = Float32Array.from({ length: shape.reduce((p, d) => p * d, 1) }, () => {
      a = (Math.imul(a, 1103515245) + 12345) >>> 0;
      return a / 4294967296;
    });
    input = tf.keep(tf.tensor(values, shape, 'float32'));
  }
  return { weightsMs: t1 - t0, buildMs: t2 - t1, totalMs: t2 - t0, runnableNodes: built.runnableNodes, unsupported: built.unsupported ?? null, inputShape: built.inputShapes[0] };
}

/** One forward pass keeping every output, up to the last output read back (main.ts's run()). */
async function forward() {
  result?.dispose();
  result = undefined;
  collect();
  const t0 = now();
  result = built.run(input);
  const last = [...result.outputs.values()].pop();
  if (last) await last.data();
  const ms = now() - t0;
  return { ms, ran: result.ran.length, nodes: plan.nodes.length, stopped: result.stopped ?? null };
}

/** What the run holds: tfjs's own count, the wasm backend's linear memory, and the JS heap. */
function memory() {
  const m = tf.memory();
  const backend = tf.backend();
  const wasmBytes = backend.wasm?.HEAPU8?.buffer?.byteLength ?? null;
  return { numBytes: m.numBytes, numTensors: m.numTensors, wasmBytes, jsHeapUsed: performance.memory?.usedJSHeapSize ?? null, jsHeapTotal: performance.memory?.totalJSHeapSize ?? null };
}

/** Shows one layer as showLayer() does: its output downloaded, statistics, the grid drawn, then painted. */
async function showLayer(id) {
  const tensor = result.outputs.get(id);
  if (!tensor) throw new Error(`layer ${id} did not run`);
  view.replaceChildren();
  collect();
  await painted();
  const t0 = now();
  const data = await tensor.data();
  const t1 = now();
  const [h, w, c] = tensor.shape.slice(1);
  const stats = channelStats(data, c);
  const t2 = now();
  const grid = document.createElement('canvas');
  drawGrid(grid, data, { h, w, c }, stats, { normalisation: 'channel', colour: 'diverging', sortByEnergy: false });
  view.replaceChildren(grid);
  const t3 = now();
  await painted();
  const t4 = now();
  return { totalMs: t4 - t0, downloadMs: t1 - t0, statsMs: t2 - t1, drawMs: t3 - t2, paintMs: t4 - t3, shape: [h, w, c], canvas: [grid.width, grid.height] };
}

/**
 * The floor for showing the same layer: its output downloaded and a canvas of the same size put on
 * screen from ready pixels (one putImageData, then the paint), no statistics, no colour mapping.
 */
async function showLayerFloor(id) {
  const tensor = result.outputs.get(id);
  const [h, w, c] = tensor.shape.slice(1);
  const columns = Math.max(1, Math.ceil(Math.sqrt((c * h) / w)));
  const width = columns * (w + 2) - 2;
  const height = Math.ceil(c / columns) * (h + 2) - 2;
  view.replaceChildren();
  collect();
  await painted();
  const t0 = now();
  await tensor.data();
  const grid = document.createElement('canvas');
  grid.width = width;
  grid.height = height;
  const context = grid.getContext('2d', { willReadFrequently: true });
  const image = context.createImageData(width, height);
  image.data.fill(255);
  context.putImageData(image, 0, 0);
  view.replaceChildren(grid);
  await painted();
  return { totalMs: now() - t0 };
}

/**
 * One run with each node timed: the builder runs each node inside one top-level tf.tidy, so the
 * engine's top-level startScope/endScope pairs bracket the nodes in order (result.ran).
 */
async function profileNodes() {
  result?.dispose();
  result = undefined;
  collect();
  const engine = tf.engine();
  const { startScope, endScope } = engine;
  const times = [];
  let depth = 0;
  let began = 0;
  engine.startScope = function (name) {
    if (depth++ === 0) began = now();
    return startScope.call(this, name);
  };
  engine.endScope = function (r) {
    const out = endScope.call(this, r);
    if (--depth === 0) times.push(now() - began);
    return out;
  };
  const t0 = now();
  try {
    result = built.run(input);
    const last = [...result.outputs.values()].pop();
    if (last) await last.data();
  } finally {
    engine.startScope = startScope;
    engine.endScope = endScope;
  }
  const totalMs = now() - t0;
  const byId = new Map(plan.nodes.map((n) => [n.id, n]));
  const nodes = result.ran.map((id, i) => {
    const n = byId.get(id);
    const spec = n.spec;
    let kind = n.className;
    if (spec.kind === 'conv') {
      const k = n.weights.find((w) => w.name === 'weight')?.shape ?? [];
      const groups = spec.groups ?? 1;
      kind = groups > 1 && groups === n.inputShapes[0][1] ? `Conv2d depthwise ${k[2]}×${k[3]}` : `Conv2d ${k[2]}×${k[3]}`;
    }
    return { id, name: n.name, kind, ms: times[i] ?? NaN, out: n.outputShapes[0] };
  });
  return { totalMs, scopes: times.length, nodes };
}

window.bench = { start, put, build, forward, memory, showLayer, showLayerFloor, profileNodes, dispose: disposeAll };
