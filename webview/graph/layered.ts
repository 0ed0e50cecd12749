/**
 * The layered (Sugiyama) layout for graphs the lane layout cannot draw straight: DenseNet's
 * concatenations, branches that cross-connect. We use @dagrejs/dagre rather than elkjs: dagre is
 * a 49 KB (minified) dependency-free script, where elkjs ships a ~1.6 MB GWT-compiled engine and,
 * measured on the same boxes (bench/render.bench.mjs), takes 1.3–1.8× as long as dagre on
 * ResNet-152 and on DenseNet-121. Both are far slower than the lane layout (dagre: 84 ms on ResNet-152 against
 * 2.2 ms), so only graphs that are not series-parallel come here.
 */
import { graphlib, layout as dagreLayout } from '@dagrejs/dagre';
import type { Box, Extent, Link, ViewMode } from './layout';
import { margin } from './layout';

/**
 * Which links dagre sees. A box fed by three or more others (DenseNet's concat of every earlier
 * output) keeps only its link from the nearest of them; the rest are drawn as arcs over the path.
 * Given every link, dagre turns the long ones into thousands of dummy nodes (DenseNet-121: ~11,500,
 * about 2 s of crossing minimisation); given the spine, it lays DenseNet-121 out in milliseconds.
 */
function spine(boxes: Box[], links: Link[]): Link[] {
  const rank = new Map<Box, number>(boxes.map((b) => [b, 0]));
  for (const l of links) rank.set(l.to, Math.max(rank.get(l.to)!, rank.get(l.from)! + 1));
  const incoming = new Map<Box, Link[]>();
  for (const l of links) incoming.set(l.to, [...(incoming.get(l.to) ?? []), l]);
  const kept: Link[] = [];
  for (const into of incoming.values()) {
    if (into.length <= 2) {
      kept.push(...into);
      continue;
    }
    const nearest = into.reduce((a, b) => (rank.get(b.from)! > rank.get(a.from)! ? b : a));
    kept.push(nearest);
    for (const l of into) if (l !== nearest) l.arc = true;
  }
  return kept;
}

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
  for (const l of links) l.arc = false;
  const routed = spine(boxes, links);
  for (const l of routed) graph.setEdge(key.get(l.from)!, key.get(l.to)!);
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
  for (const l of routed) {
    const edge = graph.edge(key.get(l.from)!, key.get(l.to)!) as { points?: { x: number; y: number }[] } | undefined;
    // dagre routes through its own dummy nodes; the drawing joins box edges, so drop the end points.
    l.points = edge?.points?.slice(1, -1).map((p) => ({ x: p.x + left, y: p.y + top }));
  }
  return { width: width + 40, height: height + 60 };
}
