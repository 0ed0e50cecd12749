/**
 * Entry of the activations webview: CNN Explainer's idea for the user's own network. It starts a
 * tfjs backend (shown, since speed differs tenfold between them), builds the model the host sends
 * as an activation plan, runs the chosen image through it once per image or weights change with
 * every layer's output kept as a tensor, and shows one layer at a time: feature maps as a channel
 * grid, dense layers as bars, stats, and a channel close-up with its kernel. Only the layer on
 * screen is downloaded from the backend. Stepping (list, buttons, ←/→ and j/k) is synced with the
 * editor and the graph preview through the host. Choices survive reloads through setState.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { ActivationPlan, PlanNode } from '../../src/core/analysis/activationPlan';
import type { FromActivationsWebview, ImageRef, LoadedWeights, ToActivationsWebview, ViewLayer } from '../../src/core/protocol/messages';
import { hostChannel, onHostMessage } from '../shared/vscodeApi';
import { startBackend } from './backend';
import { drawChannel, drawDense, type KernelSlices } from './detailViews';
import { channelStats, drawGrid, drawLegend, hitTest, type ColourScale, type GridGeometry, type Normalisation } from './featureGrid';
import { decodeImage, imageTensor, preprocessingLabels, type Preprocessing } from './imageInput';
import { buildModel, type BuiltModel, type RunResult } from './modelBuilder';
import { courseFilters, disposeWeights, seededWeights, type WeightStore } from './weights';

type WeightsMode = 'random' | 'course' | 'file';

interface PanelState {
  readonly uri?: string;
  readonly image?: string;
  readonly weights?: WeightsMode;
  readonly seed?: number;
  readonly preprocessing?: Preprocessing;
  readonly normalisation?: Normalisation;
  readonly colour?: ColourScale;
  readonly sort?: boolean;
  readonly layer?: string;
}

const host = hostChannel<FromActivationsWebview, PanelState>();
const saved = host.state() ?? {};
let state: PanelState = { weights: 'random', seed: 1, preprocessing: 'unit', normalisation: 'channel', colour: 'diverging', sort: false, ...saved, ...(saved.weights === 'file' ? { weights: 'random' } : {}) };
const el = <K extends keyof HTMLElementTagNameMap>(tag: K, className?: string, parent?: HTMLElement): HTMLElementTagNameMap[K] => {
  const e = document.createElement(tag);
  if (className) e.className = className;
  (parent ?? root).appendChild(e);
  return e;
};
const root = document.getElementById('root')!;
const header = el('div', 'header');
const title = el('span', 'title', header);
const backendLabel = el('span', 'backend', header);
const status = el('span', 'status', header);
const controls = el('div', 'controls');
const body = el('div', 'body');
const list = el('ol', 'layers', body);
const view = el('section', 'layer-view', body);

let plan: ActivationPlan | null = null;
let layers = new Map<string, ViewLayer>();
let images: readonly ImageRef[] = [];
let loaded: LoadedWeights | undefined;
let memoryBudget = 512 * 1024 * 1024;
let backendReady: Promise<string> | undefined;
let built: BuiltModel | undefined;
let weights: WeightStore | undefined;
let filterLabels: ReadonlyMap<number, string> = new Map();
let result: RunResult | undefined;
let droppedImage: Blob | undefined;
let geometry: GridGeometry | undefined;
let runToken = 0;

const save = (patch: Partial<PanelState>) => {
  state = { ...state, ...patch };
  host.saveState(state);
};

backendReady = startBackend(document.body.dataset.wasmPath ?? '').then(
  (choice) => {
    // One tiny op proves the backend computes, not merely that it registered.
    const probe = tf.sum(tf.tensor1d([1, 2, 3])).dataSync()[0];
    backendLabel.textContent = `tfjs: ${choice.name}${probe === 6 ? '' : ' (self-check failed)'}`;
    backendLabel.title = choice.notes.join('\n');
    host.post({ type: 'backend', name: choice.name });
    return choice.name;
  },
  (error: Error) => {
    backendLabel.textContent = `TensorFlow.js could not start: ${error.message}`;
    host.post({ type: 'backend', name: 'none', error: error.message });
    throw error;
  },
);

onHostMessage<ToActivationsWebview>((message) => {
  switch (message.type) {
    case 'model':
      // Weights loaded from a file belong to the model they were matched against.
      if (loaded && (message.plan?.document.uri !== plan?.document.uri || message.plan?.model !== plan?.model)) {
        loaded = undefined;
        if (state.weights === 'file') save({ weights: 'random' });
      }
      plan = message.plan;
      layers = new Map(message.layers.map((l) => [l.id, l]));
      images = message.images;
      memoryBudget = message.memoryBudgetBytes;
      save({ uri: plan?.document.uri });
      title.textContent = plan ? plan.model : message.message ?? 'Nothing to run.';
      drawControls();
      void rebuild();
      break;
    case 'image':
      images = [...images.filter((i) => i.name !== message.image.name), message.image];
      save({ image: message.image.name });
      drawControls();
      void run();
      break;
    case 'weights':
      loaded = message.weights;
      save({ weights: 'file' });
      drawControls();
      void rebuild();
      break;
    case 'weightsError':
      status.textContent = message.message;
      break;
    case 'highlight':
      // The layer on screen may be one of several the editor's line stands for (a shared
      // `self.act`, or the cursor this panel just moved there): keep it rather than jump.
      if (plan && message.uri === plan.document.uri && !message.layerIds.includes(state.layer ?? '')) {
        const id = message.layerIds.find((l) => plan!.nodes.some((n) => n.id === l));
        if (id) void showLayer(id, false);
      }
      break;
  }
});
host.post({ type: 'ready' });
window.addEventListener('unload', () => release());
window.addEventListener('keydown', (event) => {
  if ((event.target as HTMLElement).closest('select, input')) return;
  if (event.key === 'ArrowRight' || event.key === 'j') step(1);
  else if (event.key === 'ArrowLeft' || event.key === 'k') step(-1);
  else return;
  event.preventDefault();
});
root.addEventListener('dragover', (event) => event.preventDefault());
root.addEventListener('drop', (event) => {
  event.preventDefault();
  const file = event.dataTransfer?.files[0];
  if (!file || !/^image\/(png|jpeg)$/.test(file.type)) return;
  droppedImage = file;
  save({ image: `dropped: ${file.name}` });
  drawControls();
  void run();
});

function select<T extends string>(label: string, options: Record<T, string>, value: T, change: (v: T) => void): HTMLSelectElement {
  const wrap = el('label', 'control', controls);
  wrap.textContent = `${label} `;
  const s = el('select', undefined, wrap);
  s.dataset.control = label.toLowerCase();
  for (const [v, text] of Object.entries(options)) s.add(new Option(text as string, v, false, v === value));
  s.addEventListener('change', () => change(s.value as T));
  return s;
}

function drawControls(): void {
  controls.replaceChildren();
  const imageOptions: Record<string, string> = Object.fromEntries(images.map((i) => [i.name, i.name]));
  if (state.image?.startsWith('dropped: ')) imageOptions[state.image] = state.image;
  imageOptions['@pick'] = 'Choose a PNG/JPEG…';
  select('Image', imageOptions, state.image ?? images[0]?.name ?? '', (v) => {
    if (v === '@pick') return host.post({ type: 'pickImage' });
    save({ image: v });
    void run();
  });
  select('Preprocessing', preprocessingLabels, state.preprocessing ?? 'unit', (v) => {
    save({ preprocessing: v });
    void run();
  });
  const weightOptions: Record<string, string> = { random: 'Seeded random (framework init)', course: 'Course filters in the first conv', ...(loaded ? { file: `From ${loaded.name}` } : {}), '@pick': 'Load weights file…' };
  select<string>('Weights', weightOptions, state.weights ?? 'random', (v) => {
    if (v === '@pick') return host.post({ type: 'pickWeights' });
    save({ weights: v as WeightsMode });
    void rebuild();
  });
  const seed = el('input', 'seed', el('label', 'control', controls));
  seed.parentElement!.prepend('Seed ');
  Object.assign(seed, { type: 'number', value: String(state.seed ?? 1), min: '0' });
  seed.addEventListener('change', () => {
    save({ seed: Number(seed.value) || 0 });
    void rebuild();
  });
  select('Normalise', { channel: 'per channel', layer: 'per layer' }, state.normalisation ?? 'channel', (v) => {
    save({ normalisation: v });
    void showLayer(state.layer);
  });
  select('Colours', { diverging: 'diverging (− blue, 0 white, + red)', grey: 'grey (min → max)' }, state.colour ?? 'diverging', (v) => {
    save({ colour: v });
    void showLayer(state.layer);
  });
  const sort = el('input', undefined, el('label', 'control', controls));
  sort.parentElement!.append(' sort channels by energy');
  Object.assign(sort, { type: 'checkbox', checked: !!state.sort });
  sort.dataset.control = 'sort';
  sort.addEventListener('change', () => {
    save({ sort: sort.checked });
    void showLayer(state.layer);
  });
  el('canvas', 'preview', controls).id = 'input-preview';
  if (loaded?.problems.length && state.weights === 'file') el('div', 'weight-problems', controls).textContent = loaded.problems.join(' · ');
}

/** The activations every layer keeps, for the memory budget: float32, batch 1. */
function activationBytes(p: ActivationPlan): number {
  return p.nodes.reduce((sum, n) => sum + n.outputShapes.reduce((s, shape) => s + shape.slice(1).reduce<number>((a, d) => a * (d ?? 224), 4), 0), 0);
}

async function rebuild(): Promise<void> {
  release();
  list.replaceChildren();
  view.replaceChildren();
  if (!plan) return;
  const needed = activationBytes(plan);
  if (needed > memoryBudget) {
    status.textContent = `Not run: keeping every layer's activations needs about ${(needed / 2 ** 20).toFixed(0)} MB, over the budget of ${(memoryBudget / 2 ** 20).toFixed(0)} MB (setting cnnLens.activations.memoryBudgetMB).`;
    drawList();
    return;
  }
  try {
    await backendReady;
  } catch {
    return;
  }
  status.textContent = 'Building the model…';
  const started = performance.now();
  weights = seededWeights(plan, state.seed ?? 1);
  filterLabels = new Map();
  if (state.weights === 'course') {
    const course = courseFilters(plan, weights);
    disposeWeights(weights);
    weights = course.weights;
    filterLabels = course.labels;
    if (course.skipped) status.textContent = `Course filters not applied: ${course.skipped}`;
  } else if (state.weights === 'file' && loaded) {
    for (const [key, t] of Object.entries(loaded.tensors)) {
      weights.get(key)?.dispose();
      weights.set(key, tf.tensor(t.data, [...t.shape]));
    }
  }
  built = buildModel(plan, weights);
  const buildMs = performance.now() - started;
  drawList();
  await run(buildMs);
}

async function run(buildMs = 0): Promise<void> {
  if (!plan || !built) return;
  const token = ++runToken;
  result?.dispose();
  result = undefined;
  status.textContent = 'Running…';
  const shape = built.inputShapes[0];
  if (!shape || shape.length !== 4) {
    status.textContent = `Not run: the input shape ${plan.inputs[0]?.shape.map((d) => d ?? '?').join('×') ?? '?'} is not an image (set it with CNN Lens: Set Input Shape…).`;
    return;
  }
  const size = { h: shape[1], w: shape[2], c: shape[3] };
  let tensor: tf.Tensor4D;
  try {
    const ref = images.find((i) => i.name === state.image) ?? images[0];
    const bitmap = await decodeImage(state.image?.startsWith('dropped: ') && droppedImage ? droppedImage : ref.url);
    tensor = imageTensor(bitmap, size, state.preprocessing ?? 'unit', document.getElementById('input-preview') as HTMLCanvasElement);
  } catch (error) {
    status.textContent = `Could not read the image: ${(error as Error).message}`;
    return;
  }
  if (token !== runToken) return tensor.dispose();
  const started = performance.now();
  try {
    result = built.run(tensor);
    // Wait for the backend to finish before timing: reading one small value syncs it.
    const last = [...result.outputs.values()].pop();
    if (last) await last.data();
  } catch (error) {
    // A bug of ours must say so in the panel, never leave it at "Running…".
    status.textContent = `Could not run the model: ${(error as Error).message}`;
    return;
  } finally {
    tensor.dispose();
  }
  const runMs = performance.now() - started;
  const ran = result.ran.length;
  const stopped = result.stopped;
  status.textContent = `Ran ${ran} of ${plan.nodes.length} layers in ${runMs.toFixed(0)} ms${buildMs ? ` (built in ${buildMs.toFixed(0)} ms)` : ''}${stopped ? ` · stopped before ${stopped.name ?? stopped.nodeId} (${stopped.className}): ${stopped.reason}` : ''}`;
  if (stopped) drawList(stopped.nodeId);
  host.post({ type: 'ran', backend: tf.getBackend(), buildMs, runMs, layers: ran });
  await showLayer(state.layer && result.outputs.has(state.layer) ? state.layer : plan.nodes[0]?.id, false);
}

/** The layer list; layers from `stoppedAt` (the first that cannot run) on are greyed out. */
function drawList(stoppedAt = built?.unsupported?.nodeId): void {
  if (!plan) return;
  const unsupported = stoppedAt;
  let blocked = false;
  list.replaceChildren(
    ...plan.nodes.map((n, i) => {
      blocked ||= n.id === unsupported;
      const item = document.createElement('li');
      item.dataset.layer = n.id;
      item.textContent = `${n.name ?? n.className} · ${n.className} ${shapeText(n.outputShapes[0])}`;
      item.title = layers.get(n.id)?.details.join('\n') ?? '';
      if (blocked) item.classList.add('unavailable');
      item.value = i + 1;
      item.addEventListener('click', () => void showLayer(n.id, true));
      return item;
    }),
  );
}

const shapeText = (shape: readonly (number | null)[] | undefined) => (shape ? shape.slice(1).map((d) => d ?? '?').join('×') : '');

function step(delta: number): void {
  if (!plan || !result) return;
  const ids = plan.nodes.map((n) => n.id).filter((id) => result!.outputs.has(id));
  const at = Math.max(0, ids.indexOf(state.layer ?? ''));
  const next = ids[Math.max(0, Math.min(ids.length - 1, at + delta))];
  if (next) void showLayer(next, true);
}

/** Shows one layer: downloads its output (only this one) and draws it. */
async function showLayer(id: string | undefined, fromUser = false): Promise<void> {
  if (!plan || !id) return;
  const node = plan.nodes.find((n) => n.id === id);
  if (!node) return;
  save({ layer: id });
  list.querySelectorAll('li').forEach((li) => li.classList.toggle('current', li.dataset.layer === id));
  list.querySelector('li.current')?.scrollIntoView({ block: 'nearest' });
  if (fromUser) host.post({ type: 'selectLayer', uri: plan.document.uri, layerId: id });
  const tensor = result?.outputs.get(id);
  const heading = document.createElement('h2');
  heading.textContent = `${node.name ?? node.className} (${node.className}) → ${tensor ? tensor.shape.slice(1).join('×') : shapeText(node.outputShapes[0])}`;
  const nav = document.createElement('div');
  nav.className = 'nav';
  for (const [text, delta] of [['◀ Previous', -1], ['Next ▶', 1]] as const) {
    const b = nav.appendChild(document.createElement('button'));
    b.textContent = text;
    b.dataset.action = delta < 0 ? 'previous' : 'next';
    b.addEventListener('click', () => step(delta));
  }
  if (!tensor) {
    const why = document.createElement('p');
    const stop = result?.stopped ?? built?.unsupported;
    why.textContent = stop ? `Not run: the model stops before ${stop.name ?? stop.nodeId} (${stop.className}: ${stop.reason}).` : 'Not run yet.';
    view.replaceChildren(heading, nav, why);
    return;
  }
  const data = (await tensor.data()) as Float32Array;
  if (state.layer !== id) return;
  const stats = document.createElement('p');
  stats.className = 'stats';
  const detail = document.createElement('div');
  detail.className = 'detail';
  if (tensor.rank === 4 || tensor.rank === 3) {
    // Spatial outputs are held channels-last; a 1-D map [1, L, C] is drawn as one row.
    const [h, w, c] = tensor.rank === 4 ? tensor.shape.slice(1) : [1, ...tensor.shape.slice(1)];
    const s = channelStats(data, c);
    stats.textContent = `min ${s.layer.min.toFixed(3)} · max ${s.layer.max.toFixed(3)} · mean ${s.layer.mean.toFixed(3)} · ${(s.layer.zeros * 100).toFixed(1)}% zeros`;
    const grid = document.createElement('canvas');
    grid.className = 'grid';
    geometry = drawGrid(grid, data, { h, w, c }, s, { normalisation: state.normalisation ?? 'channel', colour: state.colour ?? 'diverging', sortByEnergy: !!state.sort });
    grid.dataset.columns = String(geometry.columns);
    grid.dataset.tile = `${w}x${h}`;
    grid.dataset.gap = String(geometry.gap);
    // As large as fits: the view's width, and under half the panel's height so the close-up shows too.
    grid.style.width = `${Math.max(120, Math.min(view.clientWidth - 28, 720, (window.innerHeight * 0.42 * grid.width) / grid.height))}px`;
    grid.dataset.order = geometry.order.join(',');
    const legend = document.createElement('canvas');
    legend.className = 'legend';
    drawLegend(legend, state.colour ?? 'diverging');
    const legendText = document.createElement('span');
    legendText.className = 'legend-text';
    legendText.textContent = state.colour === 'grey' ? `min → max, ${state.normalisation === 'layer' ? 'per layer' : 'per channel'}` : `−max … 0 … +max, ${state.normalisation === 'layer' ? 'per layer' : 'per channel'}`;
    const tip = document.createElement('div');
    tip.className = 'tile-tip';
    grid.addEventListener('mousemove', (event) => {
      const r = grid.getBoundingClientRect();
      const hit = geometry && hitTest(geometry, ((event.clientX - r.left) / r.width) * grid.width, ((event.clientY - r.top) / r.height) * grid.height);
      if (!hit) return;
      const cs = s.perChannel[hit.channel];
      tip.textContent = `channel ${hit.channel}${filterLabels.get(hit.channel) && isFirstConv(node) ? ` (${filterLabels.get(hit.channel)})` : ''}: min ${cs.min.toFixed(3)} · max ${cs.max.toFixed(3)} · mean ${cs.mean.toFixed(3)} · ${(cs.zeros * 100).toFixed(0)}% zeros · value ${data[(hit.y * w + hit.x) * c + hit.channel].toFixed(3)}`;
    });
    grid.addEventListener('click', (event) => {
      const r = grid.getBoundingClientRect();
      const hit = geometry && hitTest(geometry, ((event.clientX - r.left) / r.width) * grid.width, ((event.clientY - r.top) / r.height) * grid.height);
      if (hit) drawChannel(detail, data, { h, w, c }, hit.channel, kernelOf(node, hit.channel));
    });
    view.replaceChildren(heading, nav, stats, grid, legend, legendText, tip, detail);
  } else {
    const s = channelStats(data, 1).layer;
    stats.textContent = `${data.length} values · min ${s.min.toFixed(3)} · max ${s.max.toFixed(3)} · mean ${s.mean.toFixed(3)} · ${(s.zeros * 100).toFixed(1)}% zeros`;
    const chart = document.createElement('div');
    chart.className = 'dense';
    const softmax = node.spec.kind === 'activation' ? node.spec.fn === 'softmax' : 'activation' in node.spec && node.spec.activation === 'softmax';
    drawDense(chart, data, softmax);
    view.replaceChildren(heading, nav, stats, chart);
  }
}

function isFirstConv(node: PlanNode): boolean {
  return plan?.nodes.find((n) => n.spec.kind === 'conv')?.id === node.id;
}

/** The kernel slices that make output channel `channel` of a conv layer, from the weights in use. */
function kernelOf(node: PlanNode, channel: number): KernelSlices | undefined {
  if (node.spec.kind !== 'conv' || !node.weightKey || !weights || !plan) return undefined;
  const name = plan.framework === 'keras' ? 'kernel' : 'weight';
  const tensor = weights.get(`${node.weightKey}/${name}`);
  if (!tensor) return undefined;
  const values = tensor.arraySync() as number[][][][];
  // PyTorch [O, I/g, kH, kW]; Keras [kH, kW, I, O].
  const slices = plan.framework === 'keras' ? values[0][0].map((_, i) => values.map((row) => row.map((cell) => cell[i][channel]))) : values[channel];
  return { slices: slices.slice(0, 8), inChannels: slices.length, label: isFirstConv(node) ? filterLabels.get(channel) : undefined };
}

function release(): void {
  result?.dispose();
  result = undefined;
  built?.dispose();
  built = undefined;
  if (weights) disposeWeights(weights);
  weights = undefined;
}
