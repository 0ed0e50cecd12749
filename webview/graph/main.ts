/**
 * Entry of the graph preview webview. It receives snapshots from the host (dropping any older than
 * the one on screen), lays the model out as volumes and draws them with D3, with zoom and pan, a
 * tooltip carrying the layer's shapes and arithmetic, click-to-reveal in the editor, highlighting
 * of the layers under the editor's cursor, and SVG/PNG export. It never parses or computes shapes.
 */
import { select, zoom, zoomIdentity, type ZoomBehavior } from 'd3';
import type { FromGraphWebview, GraphSnapshot, ToGraphWebview } from '../../src/core/protocol/messages';
import { hostChannel, onHostMessage } from '../shared/vscodeApi';
import { layoutVolumes, type Box } from './layout';
import { drawVolumes } from './volumes';

interface GraphState {
  readonly uri?: string;
  /** Stages of repeated blocks the user expanded. */
  readonly expanded?: readonly string[];
}

const host = hostChannel<FromGraphWebview, GraphState>();
const root = document.getElementById('root')!;
const tooltip = document.body.appendChild(document.createElement('div'));
tooltip.className = 'tooltip';
let shown: GraphSnapshot | undefined;
let zoomer: ZoomBehavior<SVGSVGElement, unknown> | undefined;
let expanded = new Set<string>(host.state()?.expanded ?? []);

onHostMessage<ToGraphWebview>((message) => {
  switch (message.type) {
    case 'snapshot': {
      const { document: doc } = message.snapshot;
      if (shown && shown.document.uri === doc.uri && shown.document.version > doc.version) return;
      const sameDocument = shown?.document.uri === doc.uri;
      if (!sameDocument && shown) expanded = new Set();
      shown = message.snapshot;
      host.saveState({ uri: doc.uri, expanded: [...expanded] });
      draw(message.snapshot, sameDocument);
      break;
    }
    case 'highlight':
      if (message.uri !== shown?.document.uri) return;
      root.querySelectorAll('g.volume').forEach((g) => g.classList.toggle('selected', message.layerIds.some((id) => (g.getAttribute('data-layers') ?? '').split(' ').includes(id))));
      break;
    case 'requestExport':
      void exportDrawing(message.format).then((data) => host.post({ type: 'exported', format: message.format, data }));
      break;
  }
});
host.post({ type: 'ready' });

function draw(snapshot: GraphSnapshot, keepView: boolean): void {
  const previous = root.querySelector('svg') ? select(root).select<SVGSVGElement>('svg').property('__zoom') : undefined;
  select(root).selectAll('*').remove();
  const header = select(root).append('div').attr('class', 'header');
  header.append('span').attr('class', 'title').text(snapshot.document.name);
  if (snapshot.model) header.append('span').attr('class', 'model').text(` · ${snapshot.model}`);
  if (!snapshot.layers.length) {
    const svg = select(root).append('svg').attr('class', 'graph').attr('xmlns', 'http://www.w3.org/2000/svg').attr('width', 600).attr('height', 80);
    svg.append('text').attr('class', 'title').attr('x', 16).attr('y', 28).text(snapshot.document.name);
    svg.append('text').attr('class', 'message').attr('x', 16).attr('y', 56).text(snapshot.message ?? 'Nothing to draw.');
    return;
  }
  const layout = layoutVolumes(snapshot, expanded);
  const svg = select(root).append('svg').attr('class', 'graph').attr('xmlns', 'http://www.w3.org/2000/svg').attr('width', '100%').attr('height', Math.max(320, Math.min(layout.height, 900)));
  const scene = svg.append('g').attr('class', 'scene');
  scene.append('text').attr('class', 'title').attr('x', 30).attr('y', 28).text(`${snapshot.model ?? snapshot.document.name}`);
  scene.append('text').attr('class', 'legend').attr('x', 30).attr('y', 46).text('volume: height ∝ log₂ H, depth ∝ log₂ W, width ∝ log₂ C · bars: dense units · ⊕ add, c concat, × multiply');
  const boxes = drawVolumes(scene, layout);
  boxes
    .on('mousemove', (event: MouseEvent, b: Box) => showTooltip(event, b))
    .on('mouseleave', () => (tooltip.style.display = 'none'))
    .on('click', (_event: MouseEvent, b: Box) => {
      // A collapsed stage opens up; any other volume selects its definition in the editor.
      tooltip.style.display = 'none';
      if (b.stack) toggleStage(b.stack.group);
      else host.post({ type: 'revealLayer', uri: snapshot.document.uri, version: snapshot.document.version, layerId: b.layer.id });
    });
  if (expanded.size) {
    header.append('a').attr('class', 'collapse-all').attr('href', '#').text(' · collapse repeated blocks').on('click', (event: MouseEvent) => {
      event.preventDefault();
      expanded = new Set();
      host.saveState({ uri: snapshot.document.uri, expanded: [] });
      draw(snapshot, true);
    });
  }
  zoomer = zoom<SVGSVGElement, unknown>()
    .scaleExtent([0.05, 4])
    .on('zoom', (event: { transform: { toString(): string } }) => scene.attr('transform', event.transform.toString()));
  svg.call(zoomer);
  const width = (svg.node()!.clientWidth || 800) - 10;
  // Fit the width, but never so small that labels cannot be read: wide models are panned instead.
  const fit = Math.min(1, Math.max(0.55, width / layout.width));
  svg.call(zoomer.transform, keepView && previous ? previous : zoomIdentity.scale(fit));
}

function toggleStage(group: string): void {
  if (expanded.has(group)) expanded.delete(group);
  else expanded.add(group);
  if (!shown) return;
  host.saveState({ uri: shown.document.uri, expanded: [...expanded] });
  draw(shown, true);
}

function showTooltip(event: MouseEvent, b: Box): void {
  const layers = b.stack ? [b.layer] : [b.layer, ...b.folded];
  const heading = b.stack ? [Object.assign(document.createElement('b'), { textContent: `${b.stack.title} — click to expand; the last layer:` })] : [];
  tooltip.replaceChildren(
    ...heading,
    ...layers.flatMap((l, i) => {
      const block = document.createElement('pre');
      block.textContent = l.details.join('\n');
      if (i) block.className = 'folded';
      return [block];
    }),
  );
  tooltip.style.display = 'block';
  tooltip.style.left = `${Math.min(event.clientX + 14, window.innerWidth - tooltip.offsetWidth - 8)}px`;
  tooltip.style.top = `${Math.min(event.clientY + 14, window.innerHeight - tooltip.offsetHeight - 8)}px`;
}

/** SVG text with the theme's computed colours inlined, or a PNG data URL rendered from it. */
async function exportDrawing(format: 'svg' | 'png'): Promise<string> {
  const svg = root.querySelector('svg');
  if (!svg) return '';
  const copy = svg.cloneNode(true) as SVGSVGElement;
  const originals = svg.querySelectorAll<SVGElement>('*');
  copy.querySelectorAll<SVGElement>('*').forEach((el, i) => {
    const style = getComputedStyle(originals[i]);
    el.setAttribute('style', `fill:${style.fill};stroke:${style.stroke};stroke-width:${style.strokeWidth};font:${style.font};opacity:${style.opacity}`);
  });
  const box = (svg.querySelector('g.scene') as SVGGElement).getBBox();
  copy.setAttribute('viewBox', `${box.x - 10} ${box.y - 10} ${box.width + 20} ${box.height + 20}`);
  copy.setAttribute('width', String(box.width + 20));
  copy.setAttribute('height', String(box.height + 20));
  copy.querySelector('g.scene')?.removeAttribute('transform');
  const text = new XMLSerializer().serializeToString(copy);
  if (format === 'svg') return text;
  const image = new Image();
  image.src = `data:image/svg+xml;charset=utf-8,${encodeURIComponent(text)}`;
  await image.decode();
  const canvas = document.createElement('canvas');
  canvas.width = image.width * 2;
  canvas.height = image.height * 2;
  const context = canvas.getContext('2d')!;
  context.scale(2, 2);
  context.drawImage(image, 0, 0);
  return canvas.toDataURL('image/png');
}
