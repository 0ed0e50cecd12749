/**
 * Decides whether a drawing's graph is series-parallel: built only by chaining and by branching
 * into lanes that meet again (plain nets, residual blocks, inception modules, SE branches). Those
 * get the lane layout, which keeps every lane straight in linear time. Anything else (DenseNet's
 * concatenations of every earlier output, cross-connections between branches) needs a layered
 * layout that minimises crossings. The test is the classic reduction: repeatedly merge parallel
 * edges and contract nodes with one edge in and one out; the graph is series-parallel exactly when
 * a single source→sink edge remains.
 */

/** `edges` as [from, to] indices into `count` nodes, acyclic. */
export function isSeriesParallel(count: number, edges: readonly (readonly [number, number])[]): boolean {
  if (count <= 2) return true;
  // Nodes 0..count-1, plus a super source and sink joining every source and sink.
  const source = count;
  const sink = count + 1;
  const outs: Set<number>[] = Array.from({ length: count + 2 }, () => new Set());
  const ins: Set<number>[] = Array.from({ length: count + 2 }, () => new Set());
  const link = (a: number, b: number) => {
    outs[a].add(b); // a Set merges parallel edges: the parallel reduction.
    ins[b].add(a);
  };
  for (const [a, b] of edges) if (a !== b) link(a, b);
  for (let v = 0; v < count; v++) {
    if (!ins[v].size) link(source, v);
    if (!outs[v].size) link(v, sink);
  }
  const removed = new Uint8Array(count);
  const work: number[] = [];
  for (let v = 0; v < count; v++) work.push(v);
  let left = count;
  while (work.length) {
    const v = work.pop()!;
    if (removed[v] || ins[v].size !== 1 || outs[v].size !== 1) continue;
    // Series reduction: u → v → w becomes u → w.
    const u = ins[v].values().next().value as number;
    const w = outs[v].values().next().value as number;
    outs[u].delete(v);
    ins[w].delete(v);
    removed[v] = 1;
    left--;
    link(u, w);
    if (u < count) work.push(u);
    if (w < count) work.push(w);
  }
  return left === 0 && outs[source].size === 1 && outs[source].has(sink);
}
