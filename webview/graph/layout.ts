/**
 * Lays a model out the way the CNN course draws it: one volume per layer output, left to right,
 * elementwise layers (activations, normalisation, dropout) folded into the volume they follow,
 * parallel branches stacked as lanes in the same column, and edges that skip columns drawn as arcs
 * over the main path. Ranks are longest-path depths, so residual adds and inception concats land
 * after every branch that feeds them. Pure: snapshot in, positions out.
 */
import type { GraphSnapshot, ViewLayer } from '../../src/core/protocol/messages';

export interface Box {
  readonly layer: ViewLayer;
  /** Layers folded into this volume (ReLU, BatchNorm…), in order. */
  readonly folded: ViewLayer[];
  readonly kind: 'volume' | 'bar' | 'merge';
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

export function layoutVolumes(snapshot: GraphSnapshot): Layout {
  const byId = new Map(snapshot.layers.map((l) => [l.id, l]));
  // Fold elementwise layers into the volume they follow.
  const owner = new Map<string, string>();
  const boxes = new Map<string, Box>();
  for (const layer of snapshot.layers) {
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
