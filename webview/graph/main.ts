/**
 * Entry of the graph preview webview. It receives snapshots from the host, drops those older than
 * the one on screen, draws them as SVG with D3, and answers export requests. It never parses
 * source or computes shapes: the snapshot carries everything it draws.
 */
import { select } from 'd3';
import type { FromGraphWebview, GraphSnapshot, ToGraphWebview } from '../../src/core/protocol/messages';
import { hostChannel, onHostMessage } from '../shared/vscodeApi';

interface GraphState {
  readonly uri?: string;
}

const host = hostChannel<FromGraphWebview, GraphState>();
const root = document.getElementById('root')!;
let shown: GraphSnapshot | undefined;

onHostMessage<ToGraphWebview>((message) => {
  switch (message.type) {
    case 'snapshot': {
      const { document: doc } = message.snapshot;
      if (shown && shown.document.uri === doc.uri && shown.document.version > doc.version) return;
      shown = message.snapshot;
      host.saveState({ uri: doc.uri });
      draw(message.snapshot);
      break;
    }
    case 'requestExport':
      void exportDrawing(message.format).then((data) => host.post({ type: 'exported', format: message.format, data }));
      break;
  }
});
host.post({ type: 'ready' });

function draw(snapshot: GraphSnapshot): void {
  const width = 720;
  const rowHeight = 28;
  const height = 60 + Math.max(1, snapshot.layers.length) * rowHeight;
  select(root).selectAll('*').remove();
  const svg = select(root).append('svg').attr('class', 'graph').attr('xmlns', 'http://www.w3.org/2000/svg').attr('viewBox', `0 0 ${width} ${height}`).attr('width', width).attr('height', height);
  svg.append('text').attr('class', 'title').attr('x', 16).attr('y', 28).text(snapshot.document.name);
  if (!snapshot.layers.length) {
    svg.append('text').attr('class', 'message').attr('x', 16).attr('y', 60).text(snapshot.message ?? 'Nothing to draw.');
    return;
  }
  const rows = svg.selectAll('g.layer').data(snapshot.layers).join('g').attr('class', 'layer').attr('transform', (_, i) => `translate(16, ${48 + i * rowHeight})`);
  rows.append('rect').attr('width', width - 32).attr('height', rowHeight - 6).attr('rx', 3);
  rows.append('text').attr('x', 8).attr('y', 16).text((l) => `${l.name} · ${l.kind} → ${l.outputShape?.map((d) => d ?? '?').join('×') ?? '?'}`);
  rows.on('click', (_, l) => host.post({ type: 'revealLayer', uri: snapshot.document.uri, version: snapshot.document.version, layerId: l.id }));
}

/** SVG text with the theme's computed colours inlined, or a PNG data URL rendered from it. */
async function exportDrawing(format: 'svg' | 'png'): Promise<string> {
  const svg = root.querySelector('svg');
  if (!svg) return '';
  const copy = svg.cloneNode(true) as SVGSVGElement;
  const originals = svg.querySelectorAll<SVGElement>('*');
  copy.querySelectorAll<SVGElement>('*').forEach((el, i) => {
    const style = getComputedStyle(originals[i]);
    el.setAttribute('style', `fill:${style.fill};stroke:${style.stroke};font:${style.font}`);
  });
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
