/**
 * The parts of the AST builder (parse.ts) that need more than a walk over lezer's tree: `with`
 * statements, whose headers lezerText respelled (see sourceText.ts), `match` statements and their
 * patterns, dotted names (decorators, value patterns), and whether a function body yields. They
 * read the tree through the builder's TreeReader interface.
 */
import type { SyntaxNode } from '@lezer/common';
import type { Arg, Expr, MatchCase, Pattern, Span, Stmt } from './ast';

/** Tokens that are punctuation, not parts of a construct. */
export const punctuation = new Set(['(', ')', '[', ']', '{', '}', ',', ':', '.', ';']);

/** What the builder offers these functions: its source, its node helpers and its error list. */
export interface TreeReader {
  readonly src: string;
  readonly errors: Span[];
  text(n: { from: number; to: number }): string;
  span(n: { from: number; to: number }): Span;
  /** Child nodes without comments, each error child recorded. */
  kids(n: SyntaxNode): SyntaxNode[];
  /** Child nodes that are not punctuation or errors. */
  parts(n: SyntaxNode): SyntaxNode[];
  splitOn(nodes: SyntaxNode[], sep: string): SyntaxNode[][];
  body(n: SyntaxNode | null | undefined): Stmt[];
  expr(n: SyntaxNode): Expr;
  exprList(nodes: SyntaxNode[]): Expr;
  args(n: SyntaxNode): Arg[];
  errorStmt(n: SyntaxNode): Stmt;
  errorExpr(n: { from: number; to: number }): Expr;
}

/**
 * lezer saw each `as` of the header spelled `, ` (see lezerText), so a comma whose source is not
 * a comma is an `as`; `with (a as b, c):` arrives as one parenthesized tuple of items.
 */
export function withStatement(r: TreeReader, n: SyntaxNode): Stmt {
  const k = r.kids(n);
  const bodyNode = k.find((c) => c.name === 'Body');
  let header = k.slice(0, bodyNode ? k.indexOf(bodyNode) : k.length).filter((c) => c.name !== 'async' && c.name !== 'with');
  const isAs = (c: SyntaxNode): boolean => c.name === ',' && r.src[c.from] !== ',';
  if (header.length === 1 && (header[0].name === 'TupleExpression' || header[0].name === 'ParenthesizedExpression')) {
    header = r.kids(header[0]).slice(1, -1);
  }
  const items: { context: Expr; target?: Expr }[] = [];
  const segments: SyntaxNode[][] = [[]];
  for (const c of header) {
    if (c.name === ',' && !isAs(c)) segments.push([]);
    else segments[segments.length - 1].push(c);
  }
  for (const seg of segments.filter((s) => s.length)) {
    const asAt = seg.findIndex(isAs);
    if (asAt < 0) items.push({ context: r.exprList(seg) });
    else items.push({ context: r.exprList(seg.slice(0, asAt)), target: r.exprList(seg.slice(asAt + 1)) });
  }
  return { kind: 'with', items, body: r.body(bodyNode), ...r.span(n) };
}

export function matchStatement(r: TreeReader, n: SyntaxNode): Stmt {
  const k = r.kids(n);
  const bodyAt = k.findIndex((c) => c.name === 'MatchBody');
  if (bodyAt < 0) return r.errorStmt(n);
  const subject = r.exprList(k.slice(1, bodyAt));
  const cases: MatchCase[] = [];
  for (const clause of r.kids(k[bodyAt]).filter((c) => c.name === 'MatchClause')) {
    const parts = r.kids(clause);
    const guard = parts.find((c) => c.name === 'Guard');
    const body = parts.find((c) => c.name === 'Body');
    const patterns = r.splitOn(parts.slice(1).filter((c) => c !== guard && c !== body), ',').filter((seg) => seg.length);
    // `case a, b:` is the sequence pattern `[a, b]`.
    const pattern: Pattern =
      patterns.length === 1 && patterns[0].length === 1
        ? casePattern(r, patterns[0][0])
        : { kind: 'sequence', items: patterns.map((seg) => casePattern(r, seg[0])), from: parts[1]?.from ?? clause.from, to: (guard ?? body ?? clause).from };
    const guardTest = guard ? r.exprList(r.kids(guard).slice(1)) : undefined;
    cases.push({ pattern, guard: guardTest, body: r.body(body) });
  }
  return { kind: 'match', subject, cases, ...r.span(n) };
}

function casePattern(r: TreeReader, n: SyntaxNode): Pattern {
  const sp = r.span(n);
  const k = r.parts(n);
  switch (n.name) {
    case 'CapturePattern':
      return { kind: 'capture', name: r.text(n), ...sp };
    case 'LiteralPattern':
      return { kind: 'value', value: literalPattern(r, r.kids(n), sp), ...sp };
    case 'AttributePattern':
      return { kind: 'value', value: dottedName(r, n), ...sp };
    case 'OrPattern':
      return { kind: 'or', options: k.filter((c) => c.name !== 'LogicOp').map((c) => casePattern(r, c)), ...sp };
    case 'AsPattern':
      return { kind: 'as', pattern: casePattern(r, k[0]), name: r.text(k[k.length - 1]), ...sp };
    case 'StarPattern':
      return { kind: 'star', name: r.text(k[k.length - 1]), ...sp };
    case 'SequencePattern': {
      // `(p)` groups; `(p,)`, `[p]` and `()` are sequences.
      const grouped = r.text(n).startsWith('(') && k.length === 1 && !r.kids(n).some((c) => c.name === ',');
      return grouped ? casePattern(r, k[0]) : { kind: 'sequence', items: k.map((c) => casePattern(r, c)), ...sp };
    }
    case 'ClassPattern': {
      // Lezer's grammar wants a pattern in `C()` and leaves an empty one there; Python does not.
      const argList = r.kids(k[1] ?? n).filter((c) => !punctuation.has(c.name) && c.to > c.from);
      const keywords = argList.filter((c) => c.name === 'KeywordPattern').map((c) => {
        const [name, value] = r.parts(c).filter((x) => x.name !== 'AssignOp' && x.name !== '=');
        return { name: r.text(name), pattern: value ? casePattern(r, value) : { kind: 'error' as const, text: r.text(c), ...r.span(c) } };
      });
      const args = argList.filter((c) => c.name !== 'KeywordPattern').map((c) => casePattern(r, c));
      return { kind: 'class', cls: k[0].name === 'AttributePattern' ? dottedName(r, k[0]) : r.expr(k[0]), args, keywords, ...sp };
    }
    case 'MappingPattern': {
      const entries: { key: Expr; pattern: Pattern }[] = [];
      let rest: string | undefined;
      for (const seg of r.splitOn(r.kids(n).slice(1, -1), ',').filter((x) => x.length)) {
        if (seg[0].name === '**') rest = r.text(seg[1]);
        else {
          const key = seg[0].name === 'LiteralPattern' ? literalPattern(r, r.kids(seg[0]), r.span(seg[0])) : dottedName(r, seg[0]);
          entries.push({ key, pattern: seg[2] ? casePattern(r, seg[2]) : { kind: 'error', text: r.text(seg[0]), ...r.span(seg[0]) } });
        }
      }
      return { kind: 'mapping', entries, rest, ...sp };
    }
    default:
      r.errors.push(sp);
      return { kind: 'error', text: r.text(n), ...sp };
  }
}

/** `-1`, `2+3j`, `"s"`, `None`, `True`: the literal's value as an expression. */
function literalPattern(r: TreeReader, k: SyntaxNode[], sp: Span): Expr {
  if (k.length === 1) return r.expr(k[0]);
  if (k.length === 2) return { kind: 'unary', op: '-', operand: r.expr(k[1]), ...sp };
  const left: Expr = k.length === 4 ? { kind: 'unary', op: '-', operand: r.expr(k[1]), from: k[0].from, to: k[1].to } : r.expr(k[0]);
  return { kind: 'binop', op: r.text(k[k.length - 2]), left, right: r.expr(k[k.length - 1]), ...sp };
}

/** `@name.attr(args)` (or a `case` pattern's `name.attr`): lezer gives the parts flat. */
export function dottedName(r: TreeReader, d: SyntaxNode): Expr {
  let out: Expr | undefined;
  for (const c of r.kids(d)) {
    if (c.name === 'VariableName' || c.name === 'PropertyName') {
      out = out ? { kind: 'attr', object: out, name: r.text(c), nameSpan: r.span(c), from: out.from, to: c.to } : r.expr(c);
    } else if (c.name === 'ArgList' && out) out = { kind: 'call', func: out, args: r.args(c), from: out.from, to: c.to };
  }
  return out ?? r.errorExpr(d);
}

/** Whether a function body yields: a `yield` anywhere in it but inside a nested def, lambda or class. */
export function yields(body: SyntaxNode): boolean {
  const cursor = body.cursor();
  const nested = new Set(['FunctionDefinition', 'LambdaExpression', 'ClassDefinition']);
  let found = false;
  cursor.iterate((node) => {
    if (found || nested.has(node.name)) return false;
    if (node.name === 'YieldExpression' || node.name === 'YieldStatement') found = true;
    return !found;
  });
  return found;
}
