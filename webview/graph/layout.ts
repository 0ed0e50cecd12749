/**
 * Lays a model out the way the CNN course draws it: one volume per layer output, left to right,
 * elementwise layers (activations, normalisation, dropout) folded into the volume they follow,
 * parallel branches stacked as lanes in the same column, and edges that skip columns drawn as arcs
 * over the main path. Ranks are longest-path depths, so residual adds and inception concats land
 * after every branch that feeds them. Pure: snapshot in, positions out.
 */
import type { GraphSnapshot, ViewLayer } from '../../src/core/protocol/messages';

export interface Box {
  /** The layer drawn; for a collapsed stage, its last layer (whose output leaves the stage). */
  readonly layer: ViewLayer;
  /** A collapsed stage of repeated blocks: its group, block class and count. */
  readonly stack?: { readonly group: string; readonly title: string; readonly count: number };
  /** Layers folded into this volume (ReLU, BatchNorm…), in order. */
  readonly folded: ViewLayer[];
  readonly kind: 'volume' | 'bar' | 'merge' | 'stack';
  /** Volume size in pixels: height (H), depth (W, drawn obliquely) and width (C). */
  readonly h: number;
  readonly d: number;
  readonly w: number;
  readonly label: string;
  x: number;
  y: number;
  rank: number;
}

export interface Link {
  readonly from: Box;
  readonly to: Box;
  /** Skips at least one column: drawn as an arc over the main path. */
  readonly arc: boolean;
}

export interface Layout {
  readonly boxes: Box[];
  readonly links: Link[];
  readonly width: number;
  readonly height: number;
}

const foldable = new Set(['activation', 'norm', 'regularisation']);
const log2 = (n: number | null | undefined) => (n && n > 0 ? Math.log2(n) : 0);
const clamp = (v: number, lo: number, hi: number) => Math.max(lo, Math.min(hi, v));
const columnGap = 46;
const laneGap = 40;
const top = 90;
/** A child group counts as a block (worth collapsing when repeated) from this many layers. */
const minBlockLayers = 4;

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
  const children = new Map<string, typeof groups[number][]>();
  for (const g of groups) if (g.parent) children.set(g.parent, [...(children.get(g.parent) ?? []), g]);
  const direct = new Set(snapshot.layers.map((l) => l.group));
  const parent = new Map(groups.map((g) => [g.id, g.parent]));
  // Layers under each group, nested groups included.
  const size = new Map<string, number>();
  for (const layer of snapshot.layers) for (let g = layer.group; g; g = parent.get(g)) size.set(g, (size.get(g) ?? 0) + 1);
  const stages = new Map<string, { className: string; count: number; name: string }>();
  for (const g of groups) {
    const kids = children.get(g.id) ?? [];
    if (!g.parent || kids.length < 2 || direct.has(g.id)) continue;
    // Blocks, not pairs of layers: a Conv→ReLU wrapper used twice in a branch stays drawn.
    if (kids.every((k) => k.className === kids[0].className && (size.get(k.id) ?? 0) >= minBlockLayers)) stages.set(g.id, { className: kids[0].className, count: kids.length, name: g.name });
  }
  return stages;
}

export function layoutVolumes(snapshot: GraphSnapshot, expanded: ReadonlySet<string> = new Set()): Layout {
  const byId = new Map(snapshot.layers.map((l) => [l.id, l]));
  const parents = new Map((snapshot.groups ?? []).map((g) => [g.id, g.parent]));
  const stages = repeatedStages(snapshot);
  /** The collapsed stage a layer belongs to, if any (the outermost one not expanded). */
  const stageOf = (layer: ViewLayer): string | undefined => {
    let found: string | undefined;
    for (let g: string | undefined = layer.group; g; g = parents.get(g)) if (stages.has(g) && !expanded.has(g)) found = g;
    return found;
  };
  // Fold elementwise layers into the volume they follow; whole collapsed stages into one stack.
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
      const box = makeBox(layer, snapshot.layout);
      boxes.set(id, { ...box, folded: existing ? [...existing.folded, existing.layer] : [], kind: box.kind === 'volume' ? 'stack' : box.kind, stack: { group: stage, title: `${info.name}: ${info.className} ×${info.count}`, count: info.count } });
      continue;
    }
    const source = layer.inputs.length === 1 ? byId.get(layer.inputs[0]) : undefined;
    if (source && foldable.has(layer.category) && sameShape(layer.outputShape, source.outputShape)) {
      const target = owner.get(source.id) ?? source.id;
      owner.set(layer.id, target);
      boxes.get(target)?.folded.push(layer);
      continue;
    }
    owner.set(layer.id, layer.id);
    boxes.set(layer.id, makeBox(layer, snapshot.layout));
  }
  const links: { from: string; to: string }[] = [];
  for (const layer of snapshot.layers) {
    const to = owner.get(layer.id)!;
    for (const input of layer.inputs) {
      const from = owner.get(input);
      if (from && from !== to && !links.some((l) => l.from === from && l.to === to)) links.push({ from, to });
    }
  }
  // Longest-path ranks, in execution order (the snapshot is already topologically sorted).
  for (const box of boxes.values()) box.rank = 0;
  for (const link of links) {
    const from = boxes.get(link.from)!;
    const to = boxes.get(link.to)!;
    to.rank = Math.max(to.rank, from.rank + 1);
  }
  const columns: Box[][] = [];
  for (const box of boxes.values()) (columns[box.rank] ??= []).push(box);
  const sources = new Map<Box, Box[]>();
  for (const l of links) {
    const to = boxes.get(l.to)!;
    sources.set(to, [...(sources.get(to) ?? []), boxes.get(l.from)!]);
  }
  // Columns left to right; in each, a box sits level with what feeds it, so lanes run straight.
  const mainLine = top + 60;
  let x = 30;
  let height = 0;
  for (const column of columns) {
    if (!column) continue;
    const width = Math.max(...column.map((b) => b.w + b.d * 0.5));
    const wanted = (b: Box) => {
      const centres = (sources.get(b) ?? []).map((s) => s.y + s.h / 2);
      if (!centres.length) return mainLine;
      return b.kind === 'merge' ? centres.reduce((a, c) => a + c, 0) / centres.length : Math.min(...centres);
    };
    const order = column.map((b) => ({ b, centre: wanted(b) })).sort((p, q) => p.centre - q.centre);
    let bottom = -Infinity;
    for (const { b, centre } of order) {
      b.x = x;
      b.y = Math.max(centre - b.h / 2, bottom + laneGap + b.d * 0.5, top + b.d * 0.5);
      bottom = b.y + b.h;
    }
    height = Math.max(height, bottom);
    x += width + columnGap;
  }
  return {
    boxes: [...boxes.values()],
    links: links.map((l) => {
      const from = boxes.get(l.from)!;
      const to = boxes.get(l.to)!;
      return { from, to, arc: to.rank - from.rank > 1 };
    }),
    width: x + 40,
    height: height + 60,
  };
}

function makeBox(layer: ViewLayer, layout: GraphSnapshot['layout']): Box {
  const base = { layer, folded: [] as ViewLayer[], x: 0, y: 0, rank: 0 };
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

/** `112×112×64`: H×W×C as the course writes volumes, whatever the framework's layout. */
export function labelOf(shape: ViewLayer['outputShape'], layout: GraphSnapshot['layout']): string {
  const dims = hwc(shape, layout);
  const text = (d: number | null) => (d === null ? '?' : String(d));
  if (dims) return `${text(dims.h)}×${text(dims.w)}×${text(dims.c)}`;
  return shape ? text(shape[shape.length - 1] ?? null) : '?';
}
