/**
 * The compact "graph view", the Netron-like alternative to volumes: one rounded box per layer
 * flowing top to bottom, its class and window on the first line (`Conv2d 3×3/2 · 64`), what is
 * folded into it or its role on the second, and each edge labelled with the tensor shape it
 * carries, in the framework's own layout (`1×64×56×56`). Same layout boxes, same classes and
 * data attributes as the volume view, so selection, highlighting and export work unchanged.
 */
import { select, type Selection } from 'd3';
import type { GraphSnapshot, ViewLayer } from '../../src/core/protocol/messages';
import { hwc, type Box, type Layout } from './layout';
import { drawLinks, drawMerge, joinBoxes } from './volumes';

type Group = Selection<SVGGElement, unknown, null, undefined>;

export function drawGraphView(root: Group, layout: Layout, snapshot: GraphSnapshot): Selection<SVGGElement, Box, SVGGElement, unknown> {
  const bottom = (b: Box) => ({ x: b.x + b.w / 2, y: b.y + b.h });
  const topOf = (b: Box) => ({ x: b.x + b.w / 2, y: b.y });
  drawLinks(root.append('g').attr('class', 'links'), layout.links, bottom, topOf, true);
  const labels = root.append('g').attr('class', 'edge-labels');
  const labelled = new Set<Box>();
  for (const link of layout.links) {
    // One shape label per producing box, just below it: every edge out of it carries that tensor.
    if (labelled.has(link.from)) continue;
    labelled.add(link.from);
    const at = bottom(link.from);
    labels.append('text').attr('class', 'edge-label').attr('x', at.x + 6).attr('y', at.y + 13).text(tensorText(link.from.layer.outputShape));
  }
  const boxes = joinBoxes(root, layout);
  boxes.each(function (b) {
    const g = select<SVGGElement, unknown>(this);
    if (drawMerge(g, b)) return;
    if (b.stack) for (const offset of [6, 3]) g.append('rect').attr('class', 'face ghost').attr('x', offset).attr('y', -offset).attr('width', b.w).attr('height', b.h).attr('rx', 4);
    g.append('rect').attr('class', 'face front node').attr('width', b.w).attr('height', b.h).attr('rx', 4);
    const first = g.append('text').attr('class', 'node-title').attr('x', 8).attr('y', 15);
    first.append('tspan').attr('class', 'node-kind').text(b.stack ? b.stack.title : b.layer.kind);
    if (!b.stack) first.append('tspan').attr('class', 'node-attrs').text(attributes(b.layer, snapshot.layout));
    g.append('text').attr('class', 'node-detail').attr('x', 8).attr('y', 29).text(b.stack ? 'click to expand' : detailLine(b));
  });
  return boxes;
}

/** `3×3/2 · 64`: window and stride, then output channels or units. */
function attributes(layer: ViewLayer, layout: GraphSnapshot['layout']): string {
  const parts: string[] = [];
  if (layer.kernel) parts.push(`${layer.kernel.join('×')}${layer.stride && layer.stride.some((s) => s !== 1) ? `/${layer.stride[0]}` : ''}`);
  const shape = layer.outputShape;
  if (layer.category === 'dense' && shape) parts.push(String(shape[shape.length - 1] ?? '?'));
  else if (layer.category === 'conv') parts.push(String(hwc(shape, layout)?.c ?? '?'));
  return parts.length ? `  ${parts.join(' · ')}` : '';
}

function detailLine(b: Box): string {
  const text = [b.layer.roleNote, ...b.folded.map((f) => f.kind)].filter(Boolean).join(' · ');
  return text.length > 24 ? `${text.slice(0, 23)}…` : text;
}

function tensorText(shape: ViewLayer['outputShape']): string {
  return shape ? shape.map((d) => (d === null ? '?' : String(d))).join('×') : '?';
}
