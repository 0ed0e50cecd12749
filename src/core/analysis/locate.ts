/**
 * Finding the layers at a source position, for hovers, inlay hints and "reveal in graph": an index
 * from line numbers to the node applications called there and the modules defined there, built once
 * per analysis so the hover path is a lookup, never a re-analysis.
 */
import type { SourceRange } from '../ir/graph';
import type { ModuleResult, NodeResult, ShapeAnalysis } from '../shapes/shapePass';

export interface LayersAtLine {
  /** Applications whose call is on this line (`x = self.conv1(x)`). */
  readonly calls: NodeResult[];
  /** Modules defined on this line (`self.conv1 = nn.Conv2d(…)`), with their applications. */
  readonly definitions: ModuleResult[];
}

export class LayerIndex {
  private readonly byLine = new Map<number, { calls: NodeResult[]; definitions: ModuleResult[] }>();

  /** `cell`: in a notebook, the cell whose lines this index is of (ranges in other cells are left out). */
  constructor(analysis: ShapeAnalysis, cell?: number) {
    const slot = (range: SourceRange | undefined) => {
      if (!range || range.uri || range.cell !== cell) return undefined;
      let s = this.byLine.get(range.start.line);
      if (!s) this.byLine.set(range.start.line, (s = { calls: [], definitions: [] }));
      return s;
    };
    for (const r of analysis.nodeResults) slot(r.node.calledAt)?.calls.push(r);
    for (const m of analysis.modules) slot(m.module.definedAt)?.definitions.push(m);
  }

  /** Whether no layer of the model is called or defined on these lines (this cell's, in a notebook). */
  get empty(): boolean {
    return this.byLine.size === 0;
  }

  /** What sits on `line`; `character` narrows to the ranges that contain it when several do. */
  at(line: number, character?: number): LayersAtLine {
    const s = this.byLine.get(line);
    if (!s) return { calls: [], definitions: [] };
    if (character === undefined) return s;
    const contains = (r: SourceRange | undefined) => !!r && (r.start.line < line || r.start.character <= character) && (r.end.line > line || r.end.character >= character);
    const calls = s.calls.filter((c) => contains(c.node.calledAt));
    const definitions = s.definitions.filter((d) => contains(d.module.definedAt));
    return calls.length || definitions.length ? { calls, definitions } : s;
  }
}
