/**
 * Draws a volume layout with D3 as SVG: each layer output an oblique 3-D box (front H × C, depth
 * W), dense outputs thin bars, merges circles (⊕ add, ⊗ multiply, © concat), links between them
 * and arcs over the main path for skip connections, a label `112×112×64` under each volume and
 * the layer's name above. Colours come from CSS classes per category, themed in media/graph.css.
 */
import { select, type Selection } from 'd3';
import type { Box, Layout } from './layout';

const mergeSymbol: Record<string, string> = { add: '+', multiply: '×', mul: '×', sub: '−', subtract: '−', cat: 'c', Concatenate: 'c', Add: '+', Multiply: '×' };

export function drawVolumes(root: Selection<SVGGElement, unknown, null, undefined>, layout: Layout): Selection<SVGGElement, Box, SVGGElement, unknown> {
  const links = root.append('g').attr('class', 'links');
  for (const link of layout.links) {
    const [x1, y1] = [link.from.x + link.from.w + link.from.d * 0.5, link.from.y + link.from.h / 2];
    const [x2, y2] = [link.to.x, link.to.y + link.to.h / 2];
    if (link.arc) {
      const lift = Math.min(link.from.y, link.to.y) - 30 - 8 * (link.to.rank - link.from.rank);
      links.append('path').attr('class', 'link arc').attr('d', `M${x1},${link.from.y} C${x1},${lift} ${x2},${lift} ${x2 + link.to.w / 2},${link.to.y - (link.to.kind === 'volume' ? link.to.d * 0.5 : 0)}`);
    } else {
      links.append('path').attr('class', 'link').attr('d', `M${x1},${y1} C${(x1 + x2) / 2},${y1} ${(x1 + x2) / 2},${y2} ${x2},${y2}`);
    }
  }
  const boxes = root
    .append('g')
    .attr('class', 'volumes')
    .selectAll<SVGGElement, Box>('g.volume')
    .data(layout.boxes)
    .join('g')
    .attr('class', (b) => `volume ${b.kind} cat-${b.stack ? 'conv' : b.layer.category}${b.layer.problem ? ' problem' : ''}`)
    .attr('data-layer', (b) => b.layer.id)
    .attr('data-layers', (b) => [b.layer.id, ...b.folded.map((f) => f.id)].join(' '))
    .attr('transform', (b) => `translate(${b.x},${b.y})`);
  boxes.each(function (b) {
    const g = select(this);
    if (b.kind === 'merge') {
      g.append('circle').attr('class', 'face front').attr('cx', b.w / 2).attr('cy', b.h / 2).attr('r', b.w / 2);
      g.append('text').attr('class', 'symbol').attr('x', b.w / 2).attr('y', b.h / 2 + 5).attr('text-anchor', 'middle').text(mergeSymbol[b.layer.kind] ?? '•');
      return;
    }
    const dx = b.d * 0.5;
    const dy = -b.d * 0.5;
    if (b.kind === 'stack') {
      // Collapsed repeated blocks: ghost copies behind the volume, and the count.
      for (const offset of [10, 5]) g.append('rect').attr('class', 'face ghost').attr('x', offset).attr('y', -offset).attr('width', b.w).attr('height', b.h);
      g.append('text').attr('class', 'stack-title').attr('x', b.w / 2 + dx / 2).attr('y', dy - 16).attr('text-anchor', 'middle').text(b.stack!.title);
    }
    if (b.d) {
      g.append('polygon').attr('class', 'face top').attr('points', `0,0 ${dx},${dy} ${dx + b.w},${dy} ${b.w},0`);
      g.append('polygon').attr('class', 'face side').attr('points', `${b.w},0 ${b.w + dx},${dy} ${b.w + dx},${dy + b.h} ${b.w},${b.h}`);
    }
    g.append('rect').attr('class', 'face front').attr('width', b.w).attr('height', b.h);
    g.append('text').attr('class', 'label').attr('x', b.w / 2).attr('y', b.h + 14).attr('text-anchor', 'middle').text(b.label);
    if (!b.stack) g.append('text').attr('class', 'name').attr('x', b.w / 2 + dx / 2).attr('y', dy - 6).attr('text-anchor', 'middle').text(shortName(b));
  });
  return boxes;
}

/** The layer's path when short, else its last two parts (`layer3.5.conv2` → `5.conv2`). */
function shortName(b: Box): string {
  const full = b.layer.name;
  const name = full.length <= 16 ? full : full.split('.').slice(-2).join('.');
  return name.length > 18 ? `${name.slice(0, 17)}…` : name;
}
