// The page half of bench/render.bench.mjs, bundled for the browser (iife) and loaded into headless
// Chromium. It draws snapshots the way the graph preview does (webview/graph/main.ts: layoutModel,
// renderScene into <svg class="graph"><g class="scene">, d3-zoom attached, the first view's zoom)
// and times the steps up to the first paint; it also lays the same boxes out with dagre and elkjs
// for the baselines, and drives pan/zoom for frame times. Everything is exposed on window.bench.
import { graphlib, layout as dagreLayout } from '@dagrejs/dagre';
import { select, zoom, zoomIdentity } from 'd3';
import ELK from 'elkjs/lib/elk.bundled.js';
import { layoutModel } from '../../webview/graph/layout.ts';
import { renderScene } from '../../webview/graph/render.ts';
import { graphStyleSheet, livePalette } from '../../webview/graph/theme.ts';
import { collect, now, painted } from '../pageTiming.mjs';

const style = document.head.appendChild(document.createElement('style'));
style.textContent = graphStyleSheet(livePalette);
const canvas = document.body.appendChild(document.createElement('div'));
canvas.className = 'canvas';
canvas.style.cssText = 'position: fixed; inset: 0;';

const snapshots = new Map();
let elk;


function snapshotOf(name) {
  const snapshot = snapshots.get(name);
  if (!snapshot) throw new Error(`no snapshot ${name}`);
  return snapshot;
}

function clear() {
  canvas.replaceChildren();
}

/** As main.ts's paint(): a fresh <svg class="graph"> and its scene, drawn by renderScene. */
function draw(snapshot, layout) {
  const svg = select(canvas).append('svg').attr('class', 'graph').attr('data-engine', layout.engine).attr('width', '100%').attr('height', '100%');
  const scene = svg.append('g').attr('class', 'scene');
  renderScene(scene, snapshot, layout);
  return { svg, scene };
}

/** Then d3-zoom and the first view (main.ts's fit(false)); d3-zoom reads the svg's size, which forces style and layout. */
function attachZoom({ svg, scene }, layout, viewWidth) {
  const zoomer = zoom()
    .scaleExtent([0.02, 4])
    .on('zoom', (event) => scene.attr('transform', event.transform.toString()));
  svg.call(zoomer);
  const k = Math.min(1, Math.max(0.55, (viewWidth - 10) / layout.width));
  svg.call(zoomer.transform, zoomIdentity.scale(k));
  return zoomer;
}

/**
 * Style, layout and paint of what was just drawn: d3-zoom attached (its size read forces style and
 * layout, as in the preview), getBBox to be sure layout ran, then the next frame's paint.
 */
async function toPaint(drawn, layout, viewWidth) {
  const started = now();
  attachZoom(drawn, layout, viewWidth);
  drawn.scene.node().getBBox();
  const laidOut = now();
  await painted();
  return { styleLayoutMs: laidOut - started, paintMs: now() - laidOut };
}

/** Our layout, then drawing it, then the first paint. */
async function firstPaint(name, expanded) {
  const snapshot = snapshotOf(name);
  clear();
  collect();
  await painted();
  // The canvas's size, read while the page is empty (main.ts reads it after drawing, in fit()).
  const viewWidth = canvas.clientWidth;
  const t0 = now();
  const layout = layoutModel(snapshot, { view: 'volumes', expanded });
  const t1 = now();
  const drawn = draw(snapshot, layout);
  const { scene } = drawn;
  const t2 = now();
  const { styleLayoutMs, paintMs } = await toPaint(drawn, layout, viewWidth);
  const totalMs = now() - t0;
  return { totalMs, layoutMs: t1 - t0, renderMs: t2 - t1, styleLayoutMs, paintMs, engine: layout.engine, boxes: layout.boxes.length, links: layout.links.length, width: Math.round(layout.width), height: Math.round(layout.height), elements: scene.node().getElementsByTagName('*').length, texts: scene.node().getElementsByTagName('text').length };
}

/** The box graph of our layout (boxes, links), untimed; the baselines lay out exactly these. */
function boxGraph(name, expanded) {
  const snapshot = snapshotOf(name);
  return { snapshot, layout: layoutModel(snapshot, { view: 'volumes', expanded }) };
}

/** A box's room: the drawn volume (front, oblique depth) plus its labels, as layered.ts sizes dagre's nodes. */
const nodeWidth = (b) => b.w + b.d * 0.5;
const nodeHeight = (b) => b.h + b.d * 0.5 + 30;

/** dagre on the same box graph, as a plain dagre-based preview would run it, then the same drawing and paint. */
async function dagreFirstPaint(name, expanded, paint) {
  const { snapshot, layout } = boxGraph(name, expanded);
  clear();
  collect();
  await painted();
  const viewWidth = canvas.clientWidth;
  const t0 = now();
  const graph = new graphlib.Graph({ multigraph: false });
  graph.setGraph({ rankdir: 'LR', nodesep: 40, ranksep: 46, marginx: 30, marginy: 90 });
  graph.setDefaultEdgeLabel(() => ({}));
  layout.boxes.forEach((b, i) => graph.setNode(String(i), { width: nodeWidth(b), height: nodeHeight(b) }));
  const key = new Map(layout.boxes.map((b, i) => [b, String(i)]));
  for (const l of layout.links) graph.setEdge(key.get(l.from), key.get(l.to));
  dagreLayout(graph);
  let width = 0;
  let height = 0;
  layout.boxes.forEach((b, i) => {
    const n = graph.node(String(i));
    b.x = n.x - n.width / 2;
    b.y = n.y - n.height / 2 + b.d * 0.5 + 15;
    b.rank = Math.round(n.x / 10);
    width = Math.max(width, n.x + n.width / 2);
    height = Math.max(height, n.y + n.height / 2);
  });
  for (const l of layout.links) {
    l.arc = false;
    l.points = graph.edge(key.get(l.from), key.get(l.to))?.points?.slice(1, -1);
  }
  const t1 = now();
  if (!paint) return { layoutMs: t1 - t0, totalMs: t1 - t0 };
  const placed = { ...layout, engine: 'layered', width: width + 40, height: height + 60 };
  const drawn = draw(snapshot, placed);
  const t2 = now();
  const { styleLayoutMs, paintMs } = await toPaint(drawn, placed, viewWidth);
  return { layoutMs: t1 - t0, renderMs: t2 - t1, styleLayoutMs, paintMs, totalMs: now() - t0 };
}

/** elkjs's layered algorithm on the same box graph (layout only; the in-page engine, no Web Worker). */
async function elkLayout(name, expanded) {
  const { layout } = boxGraph(name, expanded);
  elk ??= new ELK();
  const index = new Map(layout.boxes.map((b, i) => [b, `n${i}`]));
  const graph = {
    id: 'root',
    layoutOptions: { 'elk.algorithm': 'layered', 'elk.direction': 'RIGHT', 'elk.spacing.nodeNode': '40', 'elk.layered.spacing.nodeNodeBetweenLayers': '46' },
    children: layout.boxes.map((b) => ({ id: index.get(b), width: nodeWidth(b), height: nodeHeight(b) })),
    edges: layout.links.map((l, i) => ({ id: `e${i}`, sources: [index.get(l.from)], targets: [index.get(l.to)] })),
  };
  collect();
  const t0 = now();
  const result = await elk.layout(graph);
  const layoutMs = now() - t0;
  return { layoutMs, width: Math.round(result.width ?? 0), height: Math.round(result.height ?? 0) };
}

/** Frame intervals of the rAF loop for `durationMs` while `step(elapsed)` runs in every frame. */
function frameIntervals(durationMs, step) {
  return new Promise((resolve) => {
    const stamps = [];
    const tick = (time) => {
      stamps.push(time);
      const elapsed = time - stamps[0];
      if (elapsed >= durationMs) {
        resolve(stamps.slice(1).map((t, i) => t - stamps[i]));
        return;
      }
      step?.(elapsed);
      requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  });
}

/**
 * Draws the graph, then pans along its path while zooming in and out (0.3× to 1×) through d3-zoom's own
 * transform path, one new transform per frame, as a trackpad drag-and-pinch would; with `zooming`
 * false the scale stays at 0.65× and only the pan runs.
 */
async function panZoomFrames(name, expanded, durationMs, zooming = true) {
  const snapshot = snapshotOf(name);
  clear();
  collect();
  const w = canvas.clientWidth;
  const h = canvas.clientHeight;
  const layout = layoutModel(snapshot, { view: 'volumes', expanded });
  const drawn = draw(snapshot, layout);
  const { svg } = drawn;
  const zoomer = attachZoom(drawn, layout, w);
  await painted();
  await painted();
  // The view follows the model's path: centred, in model space, on the box nearest to a point that
  // moves right at 1.5 px/ms from the first boxes, so what is on screen is drawing, not empty room.
  const byX = [...layout.boxes].sort((a, b) => a.x - b.x);
  const centreY = (x) => {
    let lo = 0;
    let hi = byX.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (byX[mid].x < x) lo = mid + 1;
      else hi = mid;
    }
    return byX[lo].y + byX[lo].h / 2;
  };
  // As the preview does (main.ts): from 300 boxes, labels hide while the scale changes.
  svg.classed('zooming', zooming && layout.boxes.length > 300);
  const intervals = await frameIntervals(durationMs, (elapsed) => {
    const k = zooming ? 0.65 - 0.35 * Math.cos(elapsed / 250) : 0.65;
    const x = byX[0].x + w / 2 / 0.65 - 100 + elapsed * 1.5;
    svg.call(zoomer.transform, zoomIdentity.translate(w / 2 - x * k, h / 2 - centreY(x) * k).scale(k));
  });
  return intervals;
}

/** The frame clock itself: rAF intervals on a still page with nothing drawn. */
async function idleFrames(durationMs) {
  clear();
  await painted();
  return frameIntervals(durationMs);
}

window.bench = {
  put(name, snapshot) {
    snapshots.set(name, snapshot);
  },
  firstPaint,
  dagreFirstPaint,
  elkLayout,
  panZoomFrames,
  idleFrames,
};
