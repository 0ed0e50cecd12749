/**
 * A model's problems as every view shows them, in the analysed file: what the front-end reported
 * (already placed there, with the cascade after a lost value folded under its first place) and what
 * the shape rules found at each layer application. An application inside another file (a layer of
 * torchvision's ResNet) is shown at the nearest enclosing block built in the analysed file, else at
 * the model, naming `file:line` inside. The completeness verdict is phrased here once, so the
 * CodeLens, the hover, the table and the JSON say the same words.
 */
import { placeText, type SourceRange } from '../ir/graph';
import { shortPath, type Incompleteness, type ModelDiagnostic } from '../frontends/modelResult';
import type { RuleDiagnostic } from '../shapes/rule';
import type { NodeResult, ShapeAnalysis } from '../shapes/shapePass';

export interface ModelProblem extends ModelDiagnostic {
  /** Set for a shape rule's finding: its stable code, the application it concerns, and any quick fix. */
  readonly code?: string;
  readonly node?: NodeResult;
  readonly fix?: RuleDiagnostic['fix'];
}

export interface ProblemsSource {
  readonly range: SourceRange;
  readonly analysis: ShapeAnalysis;
  readonly diagnostics: readonly ModelDiagnostic[];
}

/** The front-end's diagnostics, then each application's rule findings, all placed in the analysed file. */
export function modelProblems(model: ProblemsSource, file = ''): ModelProblem[] {
  const out: ModelProblem[] = [...model.diagnostics];
  for (const r of model.analysis.nodeResults) {
    if (!r.diagnostics.length) continue;
    const { range, at } = placeNode(model, r, file);
    for (const d of r.diagnostics) {
      const message = `${r.node.name ?? r.node.className}: ${d.message}${at ? ` (in ${at})` : ''}`;
      out.push({ severity: d.severity, message, range, at, code: d.code, node: r, fix: d.fix });
    }
  }
  return out;
}

/** `lost track at line 17 (why)`: what CodeLens, hover and the table say of an incomplete model. */
export function incompleteText(incomplete: Incompleteness, maxReason = Infinity): string {
  const reason =
    incomplete.reason.length > maxReason ? `${incomplete.reason.slice(0, maxReason - 1)}…` : incomplete.reason;
  return `lost track at ${placeText(incomplete.range)} (${reason})`;
}

function placeNode(model: ProblemsSource, r: NodeResult, file: string): { range: SourceRange; at?: string } {
  const called = r.node.calledAt;
  if (called && !called.uri) return { range: called };
  const graph = model.analysis.graph;
  let range = model.range;
  for (
    let g = r.node.groupId ? graph.groups.get(r.node.groupId) : undefined;
    g;
    g = g.parentId ? graph.groups.get(g.parentId) : undefined
  ) {
    if (g.definedAt && !g.definedAt.uri) {
      range = g.definedAt;
      break;
    }
  }
  return { range, at: called?.uri ? `${shortPath(called.uri, file)}:${called.start.line + 1}` : undefined };
}
