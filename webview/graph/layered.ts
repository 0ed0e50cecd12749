/**
 * The layered (Sugiyama) layout for graphs the lane layout cannot draw straight: DenseNet's
 * concatenations, branches that cross-connect. We use @dagrejs/dagre rather than elkjs: dagre is
 * a 49 KB (minified) dependency-free script that lays out a few hundred boxes in tens of milliseconds inside
 * the layout worker, where elkjs ships a ~1.5 MB GWT-compiled engine whose better port handling
 * these drawings do not need (bench/render.bench.mjs measures both against the lane layout). Only
 * graphs that are not series-parallel come here, so the common case keeps the linear-time path.
 */
import { graphlib, layout as dagreLayout } from '@dagrejs/dagre';
import type { Box, Extent, Link, ViewMode } from './layout';
import { margin } from './layout';

export function layeredPlacement(boxes: Box[], links: Link[], extent: (b: Box) => Extent, view: ViewMode): { width: number; height: number } {
  const horizontal = view === 'volumes';
  const graph = new graphlib.Graph({ multigraph: false });
  graph.setGraph({ rankdir: horizontal ? 'LR' : 'TB', nodesep: horizontal ? 40 : 24, ranksep: horizontal ? 46 : 34, marginx: 0, marginy: 0 });
  graph.setDefaultEdgeLabel(() => ({}));
  const key = new Map(boxes.map((b, i) => [b, String(i)]));
  boxes.forEach((b, i) => {
    const e = extent(b);
    // Labels under volumes and names above need room on the cross axis too.
    const cross = e.cross + e.lead + (horizontal ? 30 : 0);
    graph.setNode(String(i), horizontal ? { width: e.main, height: cross } : { width: cross, height: e.main });
  });
  for (const l of links) graph.setEdge(key.get(l.from)!, key.get(l.to)!);
  dagreLayout(graph);
  const left = horizontal ? margin.left : 30;
  const top = horizontal ? margin.top : margin.top + 10;
  let width = 0;
  let height = 0;
  boxes.forEach((b, i) => {
    const node = graph.node(String(i)) as { x: number; y: number; width: number; height: number; rank?: number };
    const e = extent(b);
    b.x = left + node.x - node.width / 2;
    b.y = top + node.y - node.height / 2 + (horizontal ? e.lead + 15 : 0);
    b.rank = Math.round((horizontal ? node.x : node.y) / 10);
    width = Math.max(width, left + node.x + node.width / 2);
    height = Math.max(height, top + node.y + node.height / 2);
  });
  for (const l of links) {
    const edge = graph.edge(key.get(l.from)!, key.get(l.to)!) as { points?: { x: number; y: number }[] } | undefined;
    l.arc = false;
    // dagre routes through its own dummy nodes; the drawing joins box edges, so drop the end points.
    l.points = edge?.points?.slice(1, -1).map((p) => ({ x: p.x + left, y: p.y + top }));
  }
  return { width: width + 40, height: height + 60 };
}
