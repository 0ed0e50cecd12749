/**
 * Entry of the graph preview webview. It receives snapshots from the host (dropping any older than
 * the one on screen), has them laid out in the layout worker, and draws them with D3: volumes or
 * the compact graph view, zoom and pan with a minimap and Fit, a tooltip with each layer's shapes
 * and arithmetic, click-to-reveal in the editor, highlighting of the layers under the editor's
 * cursor, a details panel with the summary table, and SVG/PNG export. View state (zoom, view
 * mode, expanded stages, panel) survives reloads through setState. It never computes shapes.
 */
import { select, zoom, zoomIdentity, zoomTransform, type ZoomBehavior } from 'd3';
import type { FromGraphWebview, GraphSnapshot, ToGraphWebview } from '../../src/core/protocol/messages';
import { hostChannel, onHostMessage } from '../shared/vscodeApi';
import { LayoutClient } from './layoutClient';
import { repeatedStages, type Box, type Layout, type ViewMode } from './layout';
import { Minimap } from './minimap';
import { renderScene } from './render';
import { standaloneSvg } from './standalone';
import { SummaryPanel } from './summaryPanel';
import { graphStyleSheet, livePalette, resolvedPalette } from './theme';

interface GraphState {
  readonly uri?: string;
  /** Stages of repeated blocks the user expanded. */
  readonly expanded?: readonly string[];
  readonly view?: ViewMode;
  readonly panel?: boolean;
  readonly transform?: { readonly x: number; readonly y: number; readonly k: number };
  /** Set by the host; read back by its serializer after a reload. */
  readonly locked?: boolean;
}

const nonce = (document.currentScript as HTMLScriptElement | null)?.nonce ?? '';
const host = hostChannel<FromGraphWebview, GraphState>();
const saved = host.state() ?? {};
const root = document.getElementById('root')!;
const client = new LayoutClient(document.body.dataset.layoutWorker);

// The drawing's stylesheet is generated from the same template an export uses (theme.ts).
const style = document.head.appendChild(document.createElement('style'));
style.nonce = nonce;
style.textContent = graphStyleSheet(livePalette);

const header = root.appendChild(document.createElement('div'));
header.className = 'header';
const body = root.appendChild(document.createElement('div'));
body.className = 'body';
const canvas = body.appendChild(document.createElement('div'));
canvas.className = 'canvas';
const tooltip = document.body.appendChild(document.createElement('div'));
tooltip.className = 'tooltip';
const minimap = new Minimap(canvas, (x, y) => centreOn(x, y));
const panel = new SummaryPanel(body, (id) => selectLayer(id, true));

let shown: GraphSnapshot | undefined;
let layout: Layout | undefined;
let zoomer: ZoomBehavior<SVGSVGElement, unknown> | undefined;
let expanded = new Set<string>(saved.expanded ?? []);
let view: ViewMode = saved.view ?? 'volumes';
let panelOpen = saved.panel ?? false;
let transform = saved.transform;
let selected: readonly string[] = [];
let locked = saved.locked ?? false;

const maxCanvasSide = 16_384;
/** From this many boxes, labels hide during a zoom gesture (smaller models zoom at 60 fps with them). */
const zoomingLabelsFrom = 300;
const save = () => host.saveState({ uri: shown?.document.uri, expanded: [...expanded], view, panel: panelOpen, transform, locked });

onHostMessage<ToGraphWebview>((message) => {
  switch (message.type) {
    case 'snapshot': {
      const { document: doc } = message.snapshot;
      if (shown && shown.document.uri === doc.uri && shown.document.version > doc.version) return;
      const sameDocument = (shown?.document.uri ?? saved.uri) === doc.uri;
      if (!sameDocument) {
        expanded = new Set();
        transform = undefined;
      }
      shown = message.snapshot;
      save();
      void draw();
      break;
    }
    case 'highlight':
      if (message.uri === shown?.document.uri) highlight(message.layerIds);
      break;
    case 'focusLayer':
      if (message.uri === shown?.document.uri && message.layerIds.length) selectLayer(message.layerIds[0], false, message.layerIds);
      break;
    case 'locked':
      locked = message.locked;
      save();
      break;
    case 'requestExport':
      void exportDrawing(message.format).then((data) => host.post({ type: 'exported', format: message.format, data }));
      break;
  }
});
host.post({ type: 'ready' });
window.addEventListener('resize', () => layout && minimap.show(currentTransform(), canvas.clientWidth, canvas.clientHeight));
// Keyboard zoom, for people who do not use a wheel: + and − around the view's centre, 0 fits.
window.addEventListener('keydown', (event) => {
  const svg = canvas.querySelector('svg');
  if (!svg || !zoomer || event.ctrlKey || event.metaKey || event.altKey) return;
  if (event.key === '+' || event.key === '=') select(svg).transition().duration(150).call(zoomer.scaleBy, 1.5);
  else if (event.key === '-') select(svg).transition().duration(150).call(zoomer.scaleBy, 1 / 1.5);
  else if (event.key === '0') fit(true);
});

function drawHeader(snapshot: GraphSnapshot): void {
  header.replaceChildren();
  const title = header.appendChild(document.createElement('span'));
  title.className = 'title';
  title.textContent = snapshot.document.name + (snapshot.model ? ` · ${snapshot.model}` : '');
  // Nothing drawn, nothing to switch, fit or export: the notice is the whole view.
  if (!snapshot.layers.length) return;
  const bar = header.appendChild(document.createElement('span'));
  bar.className = 'toolbar';
  const button = (text: string, hint: string, action: () => void, pressed?: boolean) => {
    const b = bar.appendChild(document.createElement('button'));
    b.textContent = text;
    b.title = hint;
    b.dataset.action = text.toLowerCase().replace(/\s+/g, '-');
    if (pressed !== undefined) b.setAttribute('aria-pressed', String(pressed));
    b.addEventListener('click', action);
  };
  button('Volumes', 'Layer outputs as 3-D volumes, as the CNN course draws them', () => setView('volumes'), view === 'volumes');
  button('Graph', 'Compact graph: one box per layer, shapes on the edges', () => setView('graph'), view === 'graph');
  button('Fit', 'Fit the whole model in view', () => fit(true));
  button('Details', 'Show or hide the summary table', () => togglePanel(), panelOpen);
  button('Export SVG', 'Save the drawing as a standalone SVG', () => host.post({ type: 'export', format: 'svg' }));
  button('Export PNG', 'Save the drawing as a PNG at 2× scale', () => host.post({ type: 'export', format: 'png' }));
  if (snapshot.layers.length && repeatedStages(snapshot).size) {
    const all = [...repeatedStages(snapshot).keys()];
    const anyCollapsed = all.some((g) => !expanded.has(g));
    button(anyCollapsed ? 'Expand all' : 'Collapse all', 'Expand or collapse every stage of repeated blocks', () => {
      expanded = anyCollapsed ? new Set(all) : new Set();
      save();
      void draw();
    });
  }
}

async function draw(): Promise<void> {
  const snapshot = shown;
  if (!snapshot) return;
  drawHeader(snapshot);
  body.classList.toggle('with-panel', panelOpen);
  if (panelOpen) panel.show(snapshot);
  canvas.querySelector('.notice')?.remove();
  minimap.element.hidden = !snapshot.layers.length;
  if (!snapshot.layers.length) {
    layout = undefined;
    canvas.querySelector('svg')?.remove();
    // A sentence from the host (no model here, or what is wrong with a file): wrapped, as a notice.
    const notice = canvas.insertBefore(document.createElement('p'), canvas.firstChild);
    notice.className = 'notice';
    const text = snapshot.message ?? 'Nothing to draw.';
    notice.textContent = text.charAt(0).toUpperCase() + text.slice(1);
    return;
  }
  let laid: Layout | undefined;
  try {
    laid = await client.layout(snapshot, view, [...expanded]);
  } catch (error) {
    laid = undefined;
    header.appendChild(document.createElement('span')).textContent = ` · layout failed: ${(error as Error).message}`;
  }
  // A newer snapshot or view asked for its own layout meanwhile.
  if (!laid || snapshot !== shown) return;
  layout = laid;
  paint(snapshot, laid);
}

function paint(snapshot: GraphSnapshot, laid: Layout): void {
  canvas.querySelector('svg')?.remove();
  const svg = select(canvas).insert('svg', ':first-child').attr('class', 'graph').attr('data-engine', laid.engine).attr('data-layout-worker', client.mode).attr('width', '100%').attr('height', '100%');
  const scene = svg.append('g').attr('class', 'scene');
  const { boxes, frames } = renderScene(scene, snapshot, laid);
  boxes
    .on('mousemove', (event: MouseEvent, b: Box) => showTooltip(event, b))
    .on('mouseleave', () => (tooltip.style.display = 'none'))
    .on('click', (_event: MouseEvent, b: Box) => {
      // A collapsed stage opens up; any other volume selects its definition in the editor.
      tooltip.style.display = 'none';
      if (b.stack) toggleStage(b.stack.group);
      else selectLayer(b.layer.id, true);
    });
  frames.select('text').on('click', (_event: MouseEvent, f) => toggleStage(f.group));
  zoomer = zoom<SVGSVGElement, unknown>()
    .scaleExtent([0.02, 4])
    .on('zoom', (event: { transform: { x: number; y: number; k: number; toString(): string } }) => {
      // A change of scale makes the browser lay out every SVG text again (83 ms a frame for 4,000
      // labels): labels hide while the scale changes, and stay hidden where too small to read.
      const rescaled = transform !== undefined && transform.k !== event.transform.k;
      svg.classed('zooming', rescaled && laid.boxes.length > zoomingLabelsFrom).classed('tiny', event.transform.k < 0.3);
      scene.attr('transform', event.transform.toString());
      transform = { x: event.transform.x, y: event.transform.y, k: event.transform.k };
      minimap.show(transform, canvas.clientWidth, canvas.clientHeight);
    })
    .on('end', () => {
      svg.classed('zooming', false);
      save();
    });
  svg.call(zoomer);
  minimap.draw(laid, resolvedPalette((name) => getComputedStyle(document.body).getPropertyValue(name)));
  if (transform) svg.call(zoomer.transform, zoomIdentity.translate(transform.x, transform.y).scale(transform.k));
  else fit(false);
  highlight(selected);
}

/** Whole model in view; the first view of a wide model keeps labels readable and is panned instead. */
function fit(whole: boolean): void {
  const svg = canvas.querySelector('svg');
  if (!svg || !layout || !zoomer) return;
  const [w, h] = [canvas.clientWidth || 800, canvas.clientHeight || 500];
  const k = whole ? Math.min(1, (w - 10) / layout.width, (h - 10) / layout.height) : Math.min(1, Math.max(0.55, (w - 10) / layout.width));
  select(svg).transition().duration(whole ? 250 : 0).call(zoomer.transform, zoomIdentity.scale(k));
}

function centreOn(x: number, y: number): void {
  const svg = canvas.querySelector('svg');
  if (!svg || !zoomer) return;
  select(svg).call(zoomer.translateTo, x, y);
}

function currentTransform(): { x: number; y: number; k: number } {
  const svg = canvas.querySelector('svg');
  return svg ? zoomTransform(svg) : { x: 0, y: 0, k: 1 };
}

function setView(next: ViewMode): void {
  if (next === view) return;
  view = next;
  transform = undefined;
  save();
  void draw();
}

function togglePanel(): void {
  panelOpen = !panelOpen;
  save();
  body.classList.toggle('with-panel', panelOpen);
  if (shown && panelOpen) panel.show(shown);
  if (shown) drawHeader(shown);
  panel.highlight(selected);
}

function toggleStage(group: string): void {
  if (expanded.has(group)) expanded.delete(group);
  else expanded.add(group);
  save();
  void draw();
}

function highlight(layerIds: readonly string[]): void {
  selected = layerIds;
  canvas.querySelectorAll('g.volume').forEach((g) => g.classList.toggle('selected', layerIds.some((id) => (g.getAttribute('data-layers') ?? '').split(' ').includes(id))));
  panel.highlight(layerIds);
}

/**
 * Selects a layer from the drawing, the summary table or the host: opens the stage hiding it,
 * brings it into view and highlights it; from the webview, also reveals it in the editor.
 */
function selectLayer(layerId: string, reveal: boolean, all: readonly string[] = [layerId]): void {
  if (!shown) return;
  const layer = shown.layers.find((l) => l.id === layerId);
  if (!layer) return;
  const stages = repeatedStages(shown);
  const parents = new Map((shown.groups ?? []).map((g) => [g.id, g.parent]));
  let opened = false;
  for (let g = layer.group; g; g = parents.get(g)) {
    if (!stages.has(g) || expanded.has(g)) continue;
    expanded.add(g);
    opened = true;
  }
  highlight(all);
  if (reveal) host.post({ type: 'revealLayer', uri: shown.document.uri, version: shown.document.version, layerId });
  const bringIntoView = () => {
    const box = layout?.boxes.find((b) => b.layer.id === layerId || b.folded.some((f) => f.id === layerId));
    if (box) centreOn(box.x + box.w / 2, box.y + box.h / 2);
  };
  if (opened) {
    save();
    void draw().then(bringIntoView);
  } else bringIntoView();
}

function showTooltip(event: MouseEvent, b: Box): void {
  const layers = b.stack ? [b.layer] : [b.layer, ...b.folded];
  const heading = b.stack ? [Object.assign(document.createElement('b'), { textContent: `${b.stack.title} — click to expand; the last layer:` })] : [];
  const role = b.layer.roleNote && !b.stack ? [Object.assign(document.createElement('i'), { textContent: b.layer.roleNote })] : [];
  tooltip.replaceChildren(
    ...heading,
    ...role,
    ...layers.map((l, i) => {
      const block = document.createElement('pre');
      block.textContent = l.details.join('\n');
      if (i) block.className = 'folded';
      return block;
    }),
  );
  tooltip.style.display = 'block';
  tooltip.style.left = `${Math.min(event.clientX + 14, window.innerWidth - tooltip.offsetWidth - 8)}px`;
  tooltip.style.top = `${Math.min(event.clientY + 14, window.innerHeight - tooltip.offsetHeight - 8)}px`;
}

/** A standalone SVG of the whole drawing in the theme's colours, or a PNG data URL of it at 2×. */
async function exportDrawing(format: 'svg' | 'png'): Promise<string> {
  if (!shown || !layout) return '';
  const text = standaloneSvg(document, shown, layout, resolvedPalette((name) => getComputedStyle(document.body).getPropertyValue(name)));
  if (format === 'svg') return text;
  const image = new Image();
  image.src = `data:image/svg+xml;charset=utf-8,${encodeURIComponent(text)}`;
  await image.decode();
  // 2× for sharp slides, less for a drawing so long it would pass the browser's canvas limit.
  const scale = Math.min(2, maxCanvasSide / layout.width, maxCanvasSide / layout.height);
  const output = document.createElement('canvas');
  output.width = Math.ceil(layout.width * scale);
  output.height = Math.ceil(layout.height * scale);
  const context = output.getContext('2d')!;
  context.scale(scale, scale);
  context.drawImage(image, 0, 0);
  return output.toDataURL('image/png');
}
