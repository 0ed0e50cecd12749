/**
 * Draws a volume layout with D3 as SVG: each layer output an oblique 3-D box (front H × C, depth
 * W), dense outputs thin bars, merges circles (⊕ add, ⊗ multiply, ÷ divide, c concat), links between them
 * and arcs over the main path for skip connections. As on the course's slides, each convolution
 * or pooling window is drawn as a small box inside the volume it slides over, labelled `f×f, s`,
 * with lines to the volume it produces; inverted-residual parts carry their role (expand ×t,
 * depthwise, project · linear) and an SE branch sits in its own lane. Colours come from CSS
 * classes per category (media/graph.css); DOM access is only through D3, so the CLI can draw with
 * a headless DOM.
 */
import { curveBasis, line, select, type Selection } from 'd3';
import type { GraphSnapshot } from '../../src/core/protocol/messages';
import { hwc, type Box, type Layout, type Link } from './layout';

type Group = Selection<SVGGElement, unknown, null, undefined>;

const mergeSymbol: Record<string, string> = {
  add: '+', multiply: '×', subtract: '−', divide: '÷', concat: 'c', average: 'μ', maximum: '∨', minimum: '∧',
};

export function mergeSymbolOf(b: Box): string {
  return mergeSymbol[b.layer.kind] ?? mergeSymbol[kindOfMerge(b.layer.kind)] ?? '•';
}

function kindOfMerge(kind: string): string {
  if (/^(add|Add|iadd)$/.test(kind)) return 'add';
  if (/^(mul|Multiply|imul)$/.test(kind)) return 'multiply';
  if (/^(sub|Subtract)$/.test(kind)) return 'subtract';
  if (/^(div|Divide|truediv)$/.test(kind)) return 'divide';
  if (/^(cat|concat|Concatenate)$/.test(kind)) return 'concat';
  return kind;
}

export function drawVolumes(root: Group, layout: Layout, snapshot: GraphSnapshot): Selection<SVGGElement, Box, SVGGElement, unknown> {
  drawLinks(root.append('g').attr('class', 'links'), layout.links, exitOf, entryOf);
  const boxes = joinBoxes(root, layout);
  boxes.each(function (b) {
    const g = select<SVGGElement, unknown>(this);
    if (drawMerge(g, b)) return;
    const dx = b.d * 0.5;
    const dy = -b.d * 0.5;
    if (b.kind === 'stack') {
      // Collapsed repeated blocks: ghost copies behind the volume, and the count.
      for (const offset of [10, 5]) g.append('rect').attr('class', 'face ghost').attr('x', offset).attr('y', -offset).attr('width', b.w).attr('height', b.h);
      const title = g.append('text').attr('class', 'stack-title').attr('x', b.w / 2 + dx / 2).attr('y', dy - 16).attr('text-anchor', 'middle').text(b.stack!.title);
      title.append('tspan').attr('class', 'toggle').text(' [expand]');
    }
    cuboid(g, 0, 0, b.w, b.h, b.d, 'face');
    g.append('text').attr('class', 'label').attr('x', b.w / 2).attr('y', b.h + 14).attr('text-anchor', 'middle').text(b.label);
    if (b.layer.roleNote && !b.stack) g.append('text').attr('class', 'role').attr('x', b.w / 2).attr('y', b.h + 27).attr('text-anchor', 'middle').text(b.layer.roleNote);
    if (!b.stack) g.append('text').attr('class', 'name').attr('x', b.w / 2 + dx / 2).attr('y', dy - 6).attr('text-anchor', 'middle').text(shortName(b));
  });
  drawKernels(root.append('g').attr('class', 'kernels'), layout, snapshot);
  return boxes;
}

/**
 * One `g.volume` per box, in either view: its classes (kind, category, role, problem), the layer ids
 * it stands for (selection and highlighting read these) and its position.
 */
export function joinBoxes(root: Group, layout: Layout): Selection<SVGGElement, Box, SVGGElement, unknown> {
  return root
    .append('g')
    .attr('class', 'volumes')
    .selectAll<SVGGElement, Box>('g.volume')
    .data(layout.boxes)
    .join('g')
    .attr('class', (b) => `volume ${b.kind} cat-${b.stack ? 'conv' : b.layer.category}${b.layer.problem ? ' problem' : ''}${b.layer.role ? ` role-${b.layer.role}` : ''}${b.layer.roleNote?.endsWith('linear') ? ' linear' : ''}`)
    .attr('data-layer', (b) => b.layer.id)
    .attr('data-layers', (b) => [b.layer.id, ...b.folded.map((f) => f.id)].join(' '))
    .attr('transform', (b) => `translate(${b.x},${b.y})`);
}

/** A merge as a circle with its symbol (⊕, ⊗, c); false for any other box. */
export function drawMerge(g: Selection<SVGGElement, unknown, null, undefined>, b: Box): boolean {
  if (b.kind !== 'merge') return false;
  g.append('circle').attr('class', 'face front').attr('cx', b.w / 2).attr('cy', b.h / 2).attr('r', b.w / 2);
  g.append('text').attr('class', 'symbol').attr('x', b.w / 2).attr('y', b.h / 2 + 5).attr('text-anchor', 'middle').text(mergeSymbolOf(b));
  return true;
}

/** An oblique box: front rectangle w × h, and top and side faces receding by d. */
function cuboid(g: Selection<SVGGElement, unknown, null, undefined>, x: number, y: number, w: number, h: number, d: number, cls: string): void {
  const dx = d * 0.5;
  const dy = -d * 0.5;
  if (d) {
    g.append('polygon').attr('class', `${cls} top`).attr('points', `${x},${y} ${x + dx},${y + dy} ${x + dx + w},${y + dy} ${x + w},${y}`);
    g.append('polygon').attr('class', `${cls} side`).attr('points', `${x + w},${y} ${x + w + dx},${y + dy} ${x + w + dx},${y + dy + h} ${x + w},${y + h}`);
  }
  g.append('rect').attr('class', `${cls} front`).attr('x', x).attr('y', y).attr('width', w).attr('height', h);
}

/**
 * The sliding window of each convolution and pooling layer, as a small box inside the volume it
 * slides over (its size against the volume's H and W, its depth all channels or, for depthwise,
 * one), with `f×f, s` beside it and lines to the volume it produces.
 */
function drawKernels(root: Group, layout: Layout, snapshot: GraphSnapshot): void {
  const perSource = new Map<Box, number>();
  for (const link of layout.links) {
    const { from, to } = link;
    const kernel = to.layer.kernel;
    if (to.stack || !kernel || !(from.kind === 'volume' || from.kind === 'stack') || link.arc) continue;
    const dims = hwc(from.layer.outputShape, snapshot.layout);
    if (!dims || !dims.h) continue;
    const slot = perSource.get(from) ?? 0;
    perSource.set(from, slot + 1);
    const [fh, fw = fh] = kernel;
    const stride = to.layer.stride?.[0] ?? 1;
    const kh = Math.max(5, Math.min(from.h * 0.45, from.h * (fh / dims.h)));
    const kd = Math.max(4, Math.min(from.d * 0.45, from.d * (fw / (dims.w ?? fw))));
    const kw = to.layer.role === 'depthwise' ? 2 : Math.max(3, from.w * 0.8);
    // Near the front face's top-right, one slot per consumer so inception's lanes do not overlap.
    const x = from.x + (from.w - kw) / 2;
    const y = from.y + 4 + kd * 0.5 + slot * (kh + kd * 0.5 + 14);
    if (y + kh > from.y + from.h + 16) continue;
    const g = root.append('g').attr('class', 'kernel').attr('data-for', to.layer.id);
    cuboid(g, x, y, kw, kh, kd, 'kface');
    const target = entryOf(to);
    const top = { x: x + kw + kd * 0.5, y: y - kd * 0.5 };
    g.append('line').attr('class', 'projection').attr('x1', top.x).attr('y1', top.y).attr('x2', target.x).attr('y2', target.y - 4);
    g.append('line').attr('class', 'projection').attr('x1', x + kw).attr('y1', y + kh).attr('x2', target.x).attr('y2', target.y + 4);
    // The label rides on the projection's upper edge, in the gap between the volumes.
    const gap = { x: (from.x + from.w + from.d * 0.5 + target.x) / 2, y: Math.min(top.y, target.y - 4) - 6 };
    g.append('text').attr('class', 'kernel-label').attr('x', gap.x).attr('y', gap.y).attr('text-anchor', 'middle').text(`${fh === fw ? `${fh}×${fh}` : `${fh}×${fw}`}, s${stride}`);
  }
}

/** Where a link leaves a box (right middle) and enters one (left middle). */
function exitOf(b: Box): { x: number; y: number } {
  return { x: b.x + b.w + b.d * 0.5, y: b.y + b.h / 2 };
}
function entryOf(b: Box): { x: number; y: number } {
  return { x: b.x, y: b.y + b.h / 2 };
}

/** Links: straight curves between neighbours, arcs over the path for skips, routed polylines from the layered layout. */
export function drawLinks(g: Group, links: readonly Link[], exit: (b: Box) => { x: number; y: number }, entry: (b: Box) => { x: number; y: number }, vertical = false): void {
  const routed = line<{ x: number; y: number }>().x((p) => p.x).y((p) => p.y).curve(curveBasis);
  for (const link of links) {
    const a = exit(link.from);
    const b = entry(link.to);
    const cls = `link${link.arc || link.from.above || link.to.above ? ' arc' : ''}${link.from.side || link.to.side ? ' side' : ''}`;
    if (link.from.above && !link.to.above && !vertical) {
      // From a projection shortcut down onto the ⊕ it feeds, over the path.
      const x2 = link.to.x + link.to.w / 2;
      g.append('path').attr('class', cls).attr('d', `M${a.x},${a.y} C${x2},${a.y} ${x2},${a.y} ${x2},${link.to.y}`);
    } else if (link.points?.length) {
      g.append('path').attr('class', cls).attr('d', routed([a, ...link.points, b]) ?? '');
    } else if (link.arc && !vertical) {
      const lift = Math.min(link.from.y - link.from.d * 0.5, link.to.y - link.to.d * 0.5) - 30 - 8 * Math.min(6, link.to.rank - link.from.rank);
      const x1 = link.from.x + link.from.w / 2;
      const x2 = link.to.x + link.to.w / 2;
      g.append('path').attr('class', cls).attr('d', `M${x1},${link.from.y - link.from.d * 0.5} C${x1},${lift} ${x2},${lift} ${x2},${link.to.y - link.to.d * 0.5}`);
    } else if (link.arc) {
      const bulge = Math.max(link.from.x + link.from.w, link.to.x + link.to.w) + 30 + 6 * Math.min(6, link.to.rank - link.from.rank);
      g.append('path').attr('class', cls).attr('d', `M${link.from.x + link.from.w},${link.from.y + link.from.h / 2} C${bulge},${link.from.y + link.from.h / 2} ${bulge},${link.to.y + link.to.h / 2} ${link.to.x + link.to.w},${link.to.y + link.to.h / 2}`);
    } else if (vertical) {
      const my = (a.y + b.y) / 2;
      g.append('path').attr('class', cls).attr('d', `M${a.x},${a.y} C${a.x},${my} ${b.x},${my} ${b.x},${b.y}`);
    } else {
      const mx = (a.x + b.x) / 2;
      g.append('path').attr('class', cls).attr('d', `M${a.x},${a.y} C${mx},${a.y} ${mx},${b.y} ${b.x},${b.y}`);
    }
  }
}

/** The layer's path when short, else its last two parts (`layer3.5.conv2` → `5.conv2`). */
export function shortName(b: Box): string {
  const full = b.layer.name;
  const name = full.length <= 16 ? full : full.split('.').slice(-2).join('.');
  return name.length > 18 ? `${name.slice(0, 17)}…` : name;
}
