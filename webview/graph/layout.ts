/**
 * Lays a model out the way the CNN course draws it: one volume per layer output, left to right,
 * elementwise layers (activations, arithmetic with a number, normalisation, dropout) folded into
 * the volume they follow, collapsed stages of repeated blocks drawn as one stack, parallel branches as lanes in the same
 * column (a merge back on the topmost), a squeeze-excitation branch in a lane below the path it rescales, a projection
 * shortcut above the path on its skip, and edges that skip
 * past other volumes drawn as arcs over the main path. The same boxes, sized as compact nodes and
 * flowing top to bottom, make the Netron-like graph view. Series-parallel graphs get the lane
 * placement (longest-path ranks, linear time); others go to the layered layout (layered.ts).
 * Pure: snapshot in, positions out; it runs in the layout worker, the page and the CLI alike.
 */
import type { GraphSnapshot, ViewLayer } from '../../src/core/protocol/messages';
import { layeredPlacement } from './layered';
import { isSeriesParallel } from './topology';

export type ViewMode = 'volumes' | 'graph';

export interface Box {
  readonly id: string;
  /** The layer drawn; for a collapsed stage, its last layer (whose output leaves the stage). */
  layer: ViewLayer;
  /** A collapsed stage of repeated blocks: its group, block class and count. */
  readonly stack?: { readonly group: string; readonly title: string; readonly count: number };
  /** Layers folded into this box (ReLU, BatchNorm…), in order. */
  folded: ViewLayer[];
  readonly kind: 'volume' | 'bar' | 'merge' | 'stack' | 'node';
  /** Size in pixels. Volumes: front height (H), oblique depth (W) and width (C). */
  readonly h: number;
  readonly d: number;
  readonly w: number;
  readonly label: string;
  /** On a squeeze-excitation side branch: drawn in a lane below the path it rescales. */
  readonly side: boolean;
  /** A residual block's projection shortcut: drawn above the main path, on the skip. */
  readonly above: boolean;
  x: number;
  y: number;
  rank: number;
}

export interface Link {
  readonly from: Box;
  readonly to: Box;
  /** Passes other boxes on its lane: drawn as an arc over them. */
  arc: boolean;
  /** Routed points (layered layout only). */
  points?: readonly { readonly x: number; readonly y: number }[];
}

export interface Layout {
  readonly view: ViewMode;
  /** Which placement ran: straight lanes, or the layered layout for graphs that are not series-parallel. */
  readonly engine: 'lanes' | 'layered';
  readonly boxes: Box[];
  readonly links: Link[];
  readonly width: number;
  readonly height: number;
}

export interface LayoutOptions {
  readonly view?: ViewMode;
  /** Stages of repeated blocks the user expanded. */
  readonly expanded?: Iterable<string>;
}

/** Room a box needs along the flow (main) and across it (cross), and before it on the cross axis. */
export interface Extent {
  readonly main: number;
  readonly cross: number;
  readonly lead: number;
}

// `elementwise` is arithmetic with a number (`x / 6`): drawn like an activation, inside the volume it follows.
const foldable = new Set(['activation', 'elementwise', 'norm', 'regularisation']);
const log2 = (n: number | null | undefined) => (n && n > 0 ? Math.log2(n) : 0);
const clamp = (v: number, lo: number, hi: number) => Math.max(lo, Math.min(hi, v));
/** Where the drawing starts: room for the title and legend above it. */
export const margin = { left: 30, top: 110 };
/** A child group counts as a block (worth collapsing when repeated) from this many layers. */
const minBlockLayers = 4;
export const nodeSize = { w: 150, h: 36 };

/** H, W, C of an output in the framework's layout (batch dropped). */
export function hwc(shape: readonly (number | null)[] | null, layout: GraphSnapshot['layout']): { h: number | null; w: number | null; c: number | null } | undefined {
  if (!shape || shape.length < 3) return undefined;
  const dims = shape.slice(1);
  if (layout === 'channels_last') return { h: dims[0], w: dims.length > 2 ? dims[1] : 1, c: dims[dims.length - 1] };
  return { c: dims[0], h: dims[1], w: dims.length > 2 ? dims[2] : 1 };
}

function sameShape(a: ViewLayer['outputShape'], b: ViewLayer['outputShape']): boolean {
  return !!a && !!b && a.length === b.length && a.every((d, i) => d === b[i]);
}

/**
 * Stages of repeated blocks (`layer3` holding six Bottlenecks): groups, other than the model
 * itself, whose layers all sit in two or more child groups of one class, each a block of at least
 * a few layers. Returns, for each such stage, its block class and count.
 */
export function repeatedStages(snapshot: GraphSnapshot): Map<string, { className: string; count: number; name: string }> {
  const groups = snapshot.groups ?? [];
  const children = new Map<string, (typeof groups)[number][]>();
  for (const g of groups) if (g.parent) children.set(g.parent, [...(children.get(g.parent) ?? []), g]);
  const direct = new Set(snapshot.layers.map((l) => l.group));
  const parent = new Map(groups.map((g) => [g.id, g.parent]));
  // Layers under each group, nested groups included.
  const size = new Map<string, number>();
  for (const layer of snapshot.layers) for (let g = layer.group; g; g = parent.get(g)) size.set(g, (size.get(g) ?? 0) + 1);
  const stages = new Map<string, { className: string; count: number; name: string }>();
  for (const g of groups) {
    const kids = children.get(g.id) ?? [];
    // Never the model as a whole: a Python model is its own root group, while a model file (an
    // ONNX export's layer1…layer4) has top-level stages and no root.
    if (size.get(g.id) === snapshot.layers.length || kids.length < 2 || direct.has(g.id)) continue;
    // Blocks, not pairs of layers: a Conv→ReLU wrapper used twice in a branch stays drawn.
    if (kids.every((k) => k.className === kids[0].className && (size.get(k.id) ?? 0) >= minBlockLayers)) stages.set(g.id, { className: kids[0].className, count: kids.length, name: g.name });
  }
  return stages;
}

export function layoutModel(snapshot: GraphSnapshot, options: LayoutOptions = {}): Layout {
  const view = options.view ?? 'volumes';
  const { boxes, links } = buildBoxes(view === 'volumes' ? withInputVolume(snapshot) : snapshot, new Set(options.expanded ?? []), view);
  const extent = view === 'volumes' ? volumeExtent : nodeExtent;
  const index = new Map(boxes.map((b, i) => [b, i]));
  const seriesParallel = isSeriesParallel(boxes.length, links.map((l) => [index.get(l.from)!, index.get(l.to)!] as const));
  const size = seriesParallel ? placeLanes(boxes, links, extent, view) : layeredPlacement(boxes, links, extent, view);
  return { view, engine: seriesParallel ? 'lanes' : 'layered', boxes, links, ...size };
}

/** The id of the drawn input image volume. */
export const inputId = '@input';

/**
 * The course draws the input image as the first volume (32×32×1 before LeNet's first conv), and the
 * first conv's filter inside it: an input volume feeding every layer that reads the model's input.
 */
function withInputVolume(snapshot: GraphSnapshot): GraphSnapshot {
  if (!snapshot.input || snapshot.input.length < 3 || !snapshot.layers.length) return snapshot;
  const input: ViewLayer = { id: inputId, name: 'input', kind: 'Input', category: 'input', outputShape: snapshot.input, inputs: [], params: 0, macs: 0, details: [`input ${snapshot.input.map((d) => d ?? '?').join('×')}`] };
  const first = snapshot.layers.filter((l) => !l.inputs.length).map((l) => l.id);
  const feeds = new Set(first.length ? first : [snapshot.layers[0].id]);
  return { ...snapshot, layers: [input, ...snapshot.layers.map((l) => (feeds.has(l.id) ? { ...l, inputs: [inputId] } : l))] };
}

/** Folds elementwise layers into the box they follow and collapsed stages into stacks; links the boxes. */
function buildBoxes(snapshot: GraphSnapshot, expanded: ReadonlySet<string>, view: ViewMode): { boxes: Box[]; links: Link[] } {
  const byId = new Map(snapshot.layers.map((l) => [l.id, l]));
  const parents = new Map((snapshot.groups ?? []).map((g) => [g.id, g.parent]));
  const stages = repeatedStages(snapshot);
  /** The collapsed stage a layer belongs to, if any (the outermost one not expanded). */
  const stageOf = (layer: ViewLayer): string | undefined => {
    let found: string | undefined;
    for (let g: string | undefined = layer.group; g; g = parents.get(g)) if (stages.has(g) && !expanded.has(g)) found = g;
    return found;
  };
  const make = (layer: ViewLayer) => (view === 'volumes' ? volumeBox(layer, snapshot.layout) : nodeBox(layer));
  const owner = new Map<string, string>();
  const boxes = new Map<string, Box>();
  for (const layer of snapshot.layers) {
    const stage = stageOf(layer);
    if (stage) {
      const id = `stage:${stage}`;
      owner.set(layer.id, id);
      const info = stages.get(stage)!;
      const existing = boxes.get(id);
      // The stack shows what leaves the stage: its last layer's output.
      const box = make(layer);
      boxes.set(id, { ...box, id, side: false, above: false, folded: existing ? (existing.folded.push(existing.layer), existing.folded) : [], kind: box.kind === 'volume' ? 'stack' : box.kind, stack: { group: stage, title: `${info.name}: ${info.className} ×${info.count}`, count: info.count } });
      continue;
    }
    const source = layer.inputs.length === 1 ? byId.get(layer.inputs[0]) : undefined;
    if (source && foldable.has(layer.category) && sameShape(layer.outputShape, source.outputShape) && (layer.role === 'squeeze') === (source.role === 'squeeze')) {
      const target = owner.get(source.id) ?? source.id;
      owner.set(layer.id, target);
      boxes.get(target)?.folded.push(layer);
      continue;
    }
    owner.set(layer.id, layer.id);
    boxes.set(layer.id, make(layer));
  }
  const links: Link[] = [];
  const seen = new Set<string>();
  for (const layer of snapshot.layers) {
    const to = owner.get(layer.id)!;
    for (const input of layer.inputs) {
      const from = owner.get(input);
      const key = `${from}\u0000${to}`;
      if (!from || from === to || seen.has(key)) continue;
      seen.add(key);
      links.push({ from: boxes.get(from)!, to: boxes.get(to)!, arc: false });
    }
  }
  return { boxes: [...boxes.values()], links };
}

function volumeExtent(b: Box): Extent {
  return b.kind === 'merge' || b.kind === 'bar' ? { main: b.w, cross: b.h, lead: 0 } : { main: b.w + b.d * 0.5, cross: b.h, lead: b.d * 0.5 + (b.stack ? 10 : 0) };
}

function nodeExtent(b: Box): Extent {
  return { main: b.h, cross: b.w, lead: 0 };
}

/**
 * Columns by longest-path rank (the boxes arrive in execution order, so one pass suffices). In each
 * column a box sits level with what feeds it, so lanes run straight; a merge sits between its
 * lanes; an SE branch drops into a lane below the path it rescales.
 */
function placeLanes(boxes: Box[], links: Link[], extent: (b: Box) => Extent, view: ViewMode): { width: number; height: number } {
  const horizontal = view === 'volumes';
  const mainGap = horizontal ? 46 : 34;
  const crossGap = horizontal ? 40 : 36;
  for (const b of boxes) b.rank = 0;
  const sources = new Map<Box, Box[]>();
  for (const l of links) {
    l.to.rank = Math.max(l.to.rank, l.from.rank + 1);
    sources.set(l.to, [...(sources.get(l.to) ?? []), l.from]);
  }
  const columns: Box[][] = [];
  for (const b of boxes) (columns[b.rank] ??= []).push(b);
  const crossStart = horizontal ? margin.top : margin.top - 20;
  // Room above the main path for projection shortcuts, so they never push the path down.
  // (Labels under a shortcut, and names or stack titles over its source, need room between them.)
  const shortcutLabels = horizontal ? 44 : 0;
  const shortcutRoom = Math.max(0, ...boxes.filter((b) => b.above).map((b) => extent(b).cross + extent(b).lead + crossGap + shortcutLabels));
  const mainLine = crossStart + 60 + shortcutRoom;
  // Cross-axis position (top or left) and extent of every placed box.
  const at = new Map<Box, { start: number; size: number }>();
  const centre = (b: Box) => at.get(b)!.start + at.get(b)!.size / 2;
  let main = horizontal ? margin.left : margin.top + 10;
  let far = 0;
  for (const column of columns) {
    if (!column) continue;
    const wanted = (b: Box) => {
      const feeds = sources.get(b) ?? [];
      if (!feeds.length) return mainLine;
      if (b.side && feeds.every((s) => !s.side)) {
        // The SE branch hangs below its source's lane.
        const s = feeds[0];
        return at.get(s)!.start + at.get(s)!.size + crossGap + extent(b).lead + extent(b).cross / 2;
      }
      if (b.above && feeds.every((s) => !s.above)) {
        // A projection shortcut rides above its source, on the skip.
        const s = feeds[0];
        return at.get(s)!.start - extent(s).lead - crossGap - shortcutLabels - extent(b).cross / 2;
      }
      const onPath = feeds.filter((s) => !s.side && !s.above);
      const centres = (onPath.length ? onPath : feeds).map(centre);
      // The top lane is the main line: a merge stays on it, so every inception module does not
      // shift the rest of the model down by half its height.
      return Math.min(...centres);
    };
    const order = column.map((b) => ({ b, want: wanted(b) })).sort((p, q) => p.want - q.want || Number(p.b.side) - Number(q.b.side) || Number(q.b.above) - Number(p.b.above));
    let end = -Infinity;
    let width = 0;
    for (const { b, want } of order) {
      const e = extent(b);
      const start = Math.max(want - e.cross / 2, end + crossGap + e.lead, crossStart + e.lead);
      at.set(b, { start, size: e.cross });
      end = start + e.cross;
      width = Math.max(width, e.main);
      if (horizontal) [b.x, b.y] = [main, start];
      else [b.x, b.y] = [start, main];
    }
    far = Math.max(far, end);
    main += width + mainGap;
  }
  markArcs(links, columns, at, centre);
  return horizontal ? { width: main + 40, height: far + 60 } : { width: far + 60, height: main + 40 };
}

/** A link is straight when it stays on one lane and nothing sits on that lane between its ends. */
function markArcs(links: Link[], columns: Box[][], at: Map<Box, { start: number; size: number }>, centre: (b: Box) => number): void {
  for (const link of links) {
    if (link.to.rank - link.from.rank <= 1) continue;
    const lane = centre(link.from);
    if (Math.abs(lane - centre(link.to)) > 1) {
      link.arc = true;
      continue;
    }
    link.arc = false;
    for (let r = link.from.rank + 1; r < link.to.rank && !link.arc; r++) {
      for (const b of columns[r] ?? []) {
        const span = at.get(b)!;
        if (lane >= span.start - 4 && lane <= span.start + span.size + 4) {
          link.arc = true;
          break;
        }
      }
    }
  }
}

function volumeBox(layer: ViewLayer, layout: GraphSnapshot['layout']): Box {
  const base = { id: layer.id, layer, folded: [] as ViewLayer[], x: 0, y: 0, rank: 0, side: layer.role === 'squeeze', above: layer.role === 'shortcut' };
  if (layer.category === 'merge') return { ...base, kind: 'merge', h: 22, d: 0, w: 22, label: layer.outputShape ? labelOf(layer.outputShape, layout) : '' };
  const dims = hwc(layer.outputShape, layout);
  if (!dims) {
    const units = layer.outputShape?.[layer.outputShape.length - 1] ?? null;
    return { ...base, kind: 'bar', h: clamp(20 + 14 * log2(units), 24, 170), d: 0, w: 7, label: units === null ? '?' : String(units) };
  }
  return {
    ...base,
    kind: 'volume',
    h: clamp(10 + 14 * log2(dims.h), 14, 150),
    d: clamp(6 + 7 * log2(dims.w), 8, 80),
    w: clamp(3 + 4.5 * log2(dims.c), 4, 60),
    label: labelOf(layer.outputShape, layout),
  };
}

function nodeBox(layer: ViewLayer): Box {
  const base = { id: layer.id, layer, folded: [] as ViewLayer[], x: 0, y: 0, rank: 0, side: layer.role === 'squeeze', above: layer.role === 'shortcut', d: 0, label: '' };
  if (layer.category === 'merge') return { ...base, kind: 'merge', h: 22, w: 22 };
  return { ...base, kind: 'node', h: nodeSize.h, w: nodeSize.w };
}

/** `112×112×64`: H×W×C as the course writes volumes, whatever the framework's layout. */
export function labelOf(shape: ViewLayer['outputShape'], layout: GraphSnapshot['layout']): string {
  const dims = hwc(shape, layout);
  const text = (d: number | null) => (d === null ? '?' : String(d));
  if (dims) return `${text(dims.h)}×${text(dims.w)}×${text(dims.c)}`;
  return shape ? text(shape[shape.length - 1] ?? null) : '?';
}
