/**
 * Tensor dimensions and shapes, in the tfjs-layers spirit: a shape is an array of dims, and a dim
 * is a known size, `null` (unknown: it passes through every rule and never throws), or a symbol
 * such as the batch `N` (Keras's `None` batch is the symbol `N` too), which rules carry along
 * untouched where they can and turn into `null` where arithmetic would be needed.
 */

export type Dim = number | null | string;
export type Shape = readonly Dim[];

export type Layout = 'channels_first' | 'channels_last';

export function isKnown(d: Dim | undefined): d is number {
  return typeof d === 'number';
}

/** Product of the dims, or null when any is not a known number. */
export function knownProduct(dims: readonly Dim[]): number | null {
  let p = 1;
  for (const d of dims) {
    if (!isKnown(d)) return null;
    p *= d;
  }
  return p;
}

/** Normalises a possibly negative axis against `rank`; null when out of range. */
export function normalizeAxis(axis: number, rank: number): number | null {
  const a = axis < 0 ? axis + rank : axis;
  return a >= 0 && a < rank ? a : null;
}

/** Index of the channel axis for a tensor of `rank` in `layout`. */
export function channelAxis(layout: Layout, rank: number): number {
  return layout === 'channels_first' ? 1 : rank - 1;
}

/** Indices of the spatial axes (everything but batch and channels). */
export function spatialAxes(layout: Layout, rank: number): number[] {
  const axes: number[] = [];
  for (let i = layout === 'channels_first' ? 2 : 1; i < (layout === 'channels_first' ? rank : rank - 1); i++) axes.push(i);
  return axes;
}

export function sameDim(a: Dim, b: Dim): boolean {
  return a === b || a === null || b === null;
}

/** `1×64×56×56`, with `?` for unknown and the symbol's name for symbolic dims. */
export function formatShape(shape: Shape | null | undefined, separator = '×'): string {
  if (!shape) return '?';
  return shape.map((d) => (d === null ? '?' : String(d))).join(separator);
}

/** Several shapes, `1×3×32×32, 1×10`; `?` when there are none (a model whose inputs are unknown). */
export function formatShapes(shapes: readonly Shape[]): string {
  return shapes.map((s) => formatShape(s)).join(', ') || '?';
}

/**
 * NumPy/PyTorch broadcasting of two shapes. Returns the result, or an explanation when two known
 * dims differ and neither is 1.
 */
export function broadcastShapes(a: Shape, b: Shape): { shape: Dim[] } | { error: string } {
  const rank = Math.max(a.length, b.length);
  const out: Dim[] = [];
  for (let i = 0; i < rank; i++) {
    const da = i < rank - a.length ? 1 : a[i - (rank - a.length)];
    const db = i < rank - b.length ? 1 : b[i - (rank - b.length)];
    if (da === 1) out.push(db);
    else if (db === 1) out.push(da);
    else if (da === db) out.push(da);
    else if (!isKnown(da) || !isKnown(db)) out.push(isKnown(da) ? da : db);
    else return { error: `dimension ${i}: ${da} vs ${db} (neither is 1)` };
  }
  return { shape: out };
}
