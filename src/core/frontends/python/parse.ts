/**
 * Python source → the evaluator's AST (ast.ts), via @lezer/python. Lezer was chosen because it
 * is pure JavaScript (the same parser runs in the extension host, the CLI and a webview, with no
 * wasm to load), error-tolerant (half-typed code still yields a tree, with error nodes where the
 * text is broken) and fast. Lezer's concrete tree is flat and token-level; this module turns it
 * into typed statements and expressions, keeping source offsets, and maps anything it does not
 * recognise to `error` nodes rather than throwing.
 */
import { parser } from '@lezer/python';
import type { SyntaxNode } from '@lezer/common';
import type { Arg, Comprehension, DictEntry, Expr, Module, Param, Span, Stmt } from './ast';
import { dottedName, matchStatement, punctuation, withStatement, yields, type TreeReader } from './parseCompound';
import { bracketErrors, lezerText, stringValue } from './sourceText';
import { PrecedenceParser, type OpToken } from './precedence';

export function parsePython(source: string): Module {
  const tree = parser.parse(lezerText(source));
  const builder = new AstBuilder(source);
  const body = builder.statements(tree.topNode);
  const brackets = bracketErrors(source);
  // An unbalanced bracket explains the parser's errors after it better than they do themselves.
  const syntaxErrors = brackets.length ? brackets : dedupe(builder.errors);
  return { body, syntaxErrors };
}

/**
 * Parsed modules by path, reused while the text is unchanged: the files a model imports (its
 * helpers, torchvision's own) are parsed once per session of edits, not on every keystroke.
 */
export class ParseCache {
  private readonly entries = new Map<string, { text: string; module: Module }>();

  constructor(private readonly capacity = 256) {}

  parse(path: string, text: string): Module {
    const hit = this.entries.get(path);
    if (hit && hit.text === text) {
      // Refresh its place in the least-recently-used order.
      this.entries.delete(path);
      this.entries.set(path, hit);
      return hit.module;
    }
    const module = parsePython(text);
    this.entries.set(path, { text, module });
    if (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value!);
    return module;
  }
}

function dedupe(spans: Span[]): Span[] {
  const seen = new Set<string>();
  return spans.filter((s) => !seen.has(`${s.from}`) && !!seen.add(`${s.from}`));
}


class AstBuilder implements TreeReader {
  readonly errors: Span[] = [];

  constructor(readonly src: string) {}

  text(n: { from: number; to: number }): string {
    return this.src.slice(n.from, n.to);
  }

  kids(n: SyntaxNode): SyntaxNode[] {
    const out: SyntaxNode[] = [];
    for (let c = n.firstChild; c; c = c.nextSibling) {
      if (c.name === 'Comment') continue;
      // Lezer's grammar wants a value after `yield`; Python does not (a bare `yield`).
      if (c.type.isError && c.from === c.to && out[out.length - 1]?.name === 'yield') continue;
      if (c.type.isError) this.errors.push({ from: c.from, to: Math.max(c.to, c.from + 1) });
      out.push(c);
    }
    return out;
  }

  /** Child nodes that are not punctuation or keywords spelled as tokens. */
  parts(n: SyntaxNode): SyntaxNode[] {
    return this.kids(n).filter((c) => !punctuation.has(c.name) && !c.type.isError);
  }

  span(n: { from: number; to: number }): Span {
    return { from: n.from, to: n.to };
  }

  errorStmt(n: SyntaxNode): Stmt {
    this.errors.push(this.span(n));
    return { kind: 'error', text: this.text(n), ...this.span(n) };
  }

  errorExpr(n: { from: number; to: number }): Expr {
    return { kind: 'error', text: this.text(n), ...this.span(n) };
  }

  statements(n: SyntaxNode): Stmt[] {
    const out: Stmt[] = [];
    for (const c of this.kids(n)) {
      if (c.name === ':' || c.name === 'Comment' || c.name === ';') continue;
      if (c.type.isError) {
        if (c.to > c.from) out.push({ kind: 'error', text: this.text(c), ...this.span(c) });
        continue;
      }
      if (c.name === 'StatementGroup') {
        out.push(...this.statements(c));
        continue;
      }
      const s = this.statement(c);
      if (s) out.push(s);
    }
    return out;
  }

  body(n: SyntaxNode | null | undefined): Stmt[] {
    return n ? this.statements(n) : [];
  }

  private statement(n: SyntaxNode): Stmt | undefined {
    const sp = this.span(n);
    switch (n.name) {
      case 'ExpressionStatement':
        return { kind: 'expr', value: this.exprList(this.kids(n)), ...sp };
      case 'AssignStatement':
        return this.assign(n);
      case 'UpdateStatement': {
        const k = this.kids(n);
        const op = k.find((c) => c.name === 'UpdateOp');
        if (!op) return this.errorStmt(n);
        return { kind: 'augassign', target: this.exprList(k.slice(0, k.indexOf(op))), op: this.text(op).slice(0, -1), value: this.exprList(k.slice(k.indexOf(op) + 1)), ...sp };
      }
      case 'IfStatement':
        return this.ifStatement(n);
      case 'ForStatement': {
        const k = this.kids(n);
        const inAt = k.findIndex((c) => c.name === 'in');
        const bodies = k.filter((c) => c.name === 'Body');
        if (inAt < 0 || !bodies.length) return this.errorStmt(n);
        const iterEnd = k.indexOf(bodies[0]);
        const forAt = k.findIndex((c) => c.name === 'for');
        return { kind: 'for', target: this.exprList(k.slice(forAt + 1, inAt)), iter: this.exprList(k.slice(inAt + 1, iterEnd)), body: this.body(bodies[0]), orelse: this.body(bodies[1]), ...sp };
      }
      case 'WhileStatement': {
        const k = this.kids(n);
        const bodies = k.filter((c) => c.name === 'Body');
        if (!bodies.length) return this.errorStmt(n);
        return { kind: 'while', test: this.exprList(k.slice(1, k.indexOf(bodies[0]))), body: this.body(bodies[0]), orelse: this.body(bodies[1]), ...sp };
      }
      case 'WithStatement':
        return withStatement(this, n);
      case 'TryStatement':
        return this.tryStatement(n);
      case 'MatchStatement':
        return matchStatement(this, n);
      case 'FunctionDefinition':
        return this.functionDef(n, []);
      case 'ClassDefinition':
        return this.classDef(n, []);
      case 'DecoratedStatement': {
        const k = this.kids(n);
        const decorators = k.filter((c) => c.name === 'Decorator').map((d) => dottedName(this, d));
        const target = k.find((c) => c.name === 'FunctionDefinition' || c.name === 'ClassDefinition');
        if (!target) return this.errorStmt(n);
        return target.name === 'FunctionDefinition' ? this.functionDef(target, decorators) : this.classDef(target, decorators);
      }
      case 'YieldStatement':
        return { kind: 'expr', value: this.yieldExpr(n), ...sp };
      case 'ReturnStatement': {
        const k = this.kids(n).slice(1);
        return { kind: 'return', value: k.length ? this.exprList(k) : undefined, ...sp };
      }
      case 'PassStatement':
        return { kind: 'pass', ...sp };
      case 'BreakStatement':
        return { kind: 'break', ...sp };
      case 'ContinueStatement':
        return { kind: 'continue', ...sp };
      case 'RaiseStatement': {
        const k = this.kids(n).slice(1);
        const fromAt = k.findIndex((c) => c.name === 'from');
        const value = fromAt >= 0 ? k.slice(0, fromAt) : k;
        return { kind: 'raise', value: value.length ? this.exprList(value) : undefined, ...sp };
      }
      case 'ImportStatement':
        return this.importStatement(n);
      case 'ScopeStatement': {
        const names = this.parts(n).filter((c) => c.name === 'VariableName').map((c) => this.text(c));
        return { kind: n.firstChild?.name === 'nonlocal' ? 'nonlocal' : 'global', names, ...sp };
      }
      case 'DeleteStatement':
        return { kind: 'delete', targets: this.splitOn(this.kids(n).slice(1), ',').map((s) => this.exprList(s)), ...sp };
      case 'AssertStatement': {
        const segs = this.splitOn(this.kids(n).slice(1), ',');
        return { kind: 'assert', test: this.exprList(segs[0] ?? []), ...sp };
      }
      case 'Comment':
        return undefined;
      default:
        // A bare expression node at statement level (lezer does this in some error recoveries).
        if (/Expression$|^VariableName$|^Number$|^String$/.test(n.name)) return { kind: 'expr', value: this.expr(n), ...sp };
        return this.errorStmt(n);
    }
  }

  /** `@a.b.c(args)`: lezer leaves a dotted decorator flat (names and dots), so it is rebuilt here. */
  private decorator(d: SyntaxNode): Expr {
    const k = this.kids(d).filter((c) => c.name !== 'At' && c.name !== '@');
    const args = k[k.length - 1]?.name === 'ArgList' ? k[k.length - 1] : undefined;
    const dotted = args ? k.slice(0, -1) : k;
    if (dotted.length < 3 || !dotted.every((c, i) => (i % 2 ? c.name === '.' : c.name === 'VariableName'))) return this.exprList(k);
    let e: Expr = this.expr(dotted[0]);
    for (let i = 2; i < dotted.length; i += 2) e = { kind: 'attr', object: e, name: this.text(dotted[i]), nameSpan: this.span(dotted[i]), from: dotted[0].from, to: dotted[i].to };
    return args ? { kind: 'call', func: e, args: this.args(args), from: dotted[0].from, to: args.to } : e;
  }

  private assign(n: SyntaxNode): Stmt {
    const k = this.kids(n);
    const sp = this.span(n);
    const typeDef = k.find((c) => c.name === 'TypeDef');
    const segments: SyntaxNode[][] = [[]];
    for (const c of k) {
      if (c.name === 'AssignOp') segments.push([]);
      else if (c.name !== 'TypeDef') segments[segments.length - 1].push(c);
    }
    if (segments.length === 1) {
      if (typeDef) return { kind: 'annassign', target: this.exprList(segments[0]), ...sp };
      return this.errorStmt(n);
    }
    const value = this.exprList(segments[segments.length - 1]);
    const targets = segments.slice(0, -1).map((s) => this.exprList(s));
    if (typeDef && targets.length === 1) return { kind: 'annassign', target: targets[0], value, ...sp };
    return { kind: 'assign', targets, value, ...sp };
  }

  private ifStatement(n: SyntaxNode): Stmt {
    const k = this.kids(n);
    const branches: { test: Expr; body: Stmt[] }[] = [];
    let orelse: Stmt[] = [];
    let i = 0;
    while (i < k.length) {
      const c = k[i];
      if (c.name === 'if' || c.name === 'elif') {
        const bodyAt = k.findIndex((x, j) => j > i && x.name === 'Body');
        if (bodyAt < 0) {
          branches.push({ test: this.exprList(k.slice(i + 1)), body: [] });
          break;
        }
        branches.push({ test: this.exprList(k.slice(i + 1, bodyAt)), body: this.body(k[bodyAt]) });
        i = bodyAt + 1;
      } else if (c.name === 'else') {
        orelse = this.body(k.find((x, j) => j > i && x.name === 'Body'));
        break;
      } else i++;
    }
    return { kind: 'if', branches, orelse, ...this.span(n) };
  }

  private tryStatement(n: SyntaxNode): Stmt {
    const k = this.kids(n);
    const out: Extract<Stmt, { kind: 'try' }> = { kind: 'try', body: [], handlers: [], orelse: [], finally: [], ...this.span(n) };
    let mode = 'try' as 'try' | 'except' | 'else' | 'finally';
    let pending: SyntaxNode[] = [];
    for (const c of k) {
      if (c.name === 'try' || c.name === 'else' || c.name === 'finally' || c.name === 'except') {
        mode = c.name === 'except' ? 'except' : (c.name as typeof mode);
        pending = [];
        continue;
      }
      if (c.name !== 'Body') {
        pending.push(c);
        continue;
      }
      const body = this.body(c);
      if (mode === 'try') out.body = body;
      else if (mode === 'else') out.orelse = body;
      else if (mode === 'finally') out.finally = body;
      else {
        const asAt = pending.findIndex((p) => p.name === 'as');
        const typeNodes = (asAt >= 0 ? pending.slice(0, asAt) : pending).filter((p) => p.name !== '*');
        out.handlers.push({ type: typeNodes.length ? this.exprList(typeNodes) : undefined, name: asAt >= 0 ? this.text(pending[asAt + 1]) : undefined, body });
      }
      pending = [];
    }
    return out;
  }

  private functionDef(n: SyntaxNode, decorators: Expr[]): Stmt {
    const k = this.kids(n);
    const nameNode = k.find((c) => c.name === 'VariableName');
    const paramList = k.find((c) => c.name === 'ParamList');
    const bodyNode = k.find((c) => c.name === 'Body');
    if (!nameNode) return this.errorStmt(n);
    const isAsync = k[0]?.name === 'async';
    const isGenerator = !!bodyNode && yields(bodyNode);
    return { kind: 'def', name: this.text(nameNode), nameSpan: this.span(nameNode), params: paramList ? this.params(paramList) : [], body: this.body(bodyNode), decorators, isAsync, isGenerator, ...this.span(n) };
  }

  private classDef(n: SyntaxNode, decorators: Expr[]): Stmt {
    const k = this.kids(n);
    const nameNode = k.find((c) => c.name === 'VariableName');
    const argList = k.find((c) => c.name === 'ArgList');
    if (!nameNode) return this.errorStmt(n);
    return { kind: 'class', name: this.text(nameNode), nameSpan: this.span(nameNode), bases: argList ? this.args(argList) : [], body: this.body(k.find((c) => c.name === 'Body')), decorators, ...this.span(n) };
  }

  private params(n: SyntaxNode): Param[] {
    const out: Param[] = [];
    let kwOnly = false;
    for (const seg of this.splitOn(this.kids(n).filter((c) => c.name !== '(' && c.name !== ')'), ',')) {
      const items = seg.filter((c) => c.name !== 'TypeDef');
      if (!items.length) continue;
      const first = items[0];
      if (first.name === '/') continue;
      if (first.name === '*' || first.name === '**') {
        const nameNode = items[1];
        if (!nameNode) {
          kwOnly = true;
          continue;
        }
        out.push({ name: this.text(nameNode), kind: first.name === '*' ? 'varargs' : 'kwargs' });
        if (first.name === '*') kwOnly = true;
        continue;
      }
      if (first.name !== 'VariableName') continue;
      const eq = items.findIndex((c) => c.name === 'AssignOp');
      out.push({ name: this.text(first), kind: kwOnly ? 'kwonly' : 'normal', default: eq >= 0 ? this.exprList(items.slice(eq + 1)) : undefined });
    }
    return out;
  }

  args(n: SyntaxNode): Arg[] {
    const inner = this.kids(n).filter((c) => c.name !== '(' && c.name !== ')');
    if (inner.some((c) => c.name === 'for')) return [{ kind: 'pos', value: this.comprehension('gen', inner, n) }];
    const out: Arg[] = [];
    for (const seg of this.splitOn(inner, ',')) {
      if (!seg.length) continue;
      if (seg[0].name === '*' || seg[0].name === '**') {
        out.push({ kind: seg[0].name === '*' ? 'star' : 'starstar', value: this.exprList(seg.slice(1)) });
      } else if (seg.length >= 3 && seg[0].name === 'VariableName' && seg[1].name === 'AssignOp' && this.text(seg[1]) === ':=') {
        out.push({ kind: 'pos', value: { kind: 'named', target: this.expr(seg[0]), value: this.exprList(seg.slice(2)), from: seg[0].from, to: seg[seg.length - 1].to } });
      } else if (seg.length >= 3 && seg[0].name === 'VariableName' && seg[1].name === 'AssignOp') {
        out.push({ kind: 'kw', name: this.text(seg[0]), value: this.exprList(seg.slice(2)) });
      } else out.push({ kind: 'pos', value: this.exprList(seg) });
    }
    return out;
  }

  private importStatement(n: SyntaxNode): Stmt {
    const k = this.kids(n);
    const sp = this.span(n);
    if (k[0]?.name === 'from') {
      const importAt = k.findIndex((c) => c.name === 'import');
      if (importAt < 0) return this.errorStmt(n);
      let level = 0;
      const path: string[] = [];
      for (const c of k.slice(1, importAt)) {
        if (c.name === '.' && !path.length) level++;
        else if (c.name === 'Ellipsis') level += 3;
        else if (c.name === 'VariableName') path.push(this.text(c));
      }
      const names: { name: string; alias?: string }[] = [];
      for (const seg of this.splitOn(k.slice(importAt + 1).filter((c) => c.name !== '(' && c.name !== ')'), ',')) {
        if (!seg.length) continue;
        if (seg[0].name === '*') names.push({ name: '*' });
        else names.push({ name: this.text(seg[0]), alias: seg[1]?.name === 'as' && seg[2] ? this.text(seg[2]) : undefined });
      }
      return { kind: 'importfrom', module: path.join('.'), level, names, ...sp };
    }
    const names: { module: string; alias?: string }[] = [];
    for (const seg of this.splitOn(k.slice(1), ',')) {
      const asAt = seg.findIndex((c) => c.name === 'as');
      const dotted = (asAt >= 0 ? seg.slice(0, asAt) : seg).filter((c) => c.name === 'VariableName').map((c) => this.text(c));
      if (dotted.length) names.push({ module: dotted.join('.'), alias: asAt >= 0 && seg[asAt + 1] ? this.text(seg[asAt + 1]) : undefined });
    }
    return { kind: 'import', names, ...sp };
  }

  splitOn(nodes: SyntaxNode[], sep: string): SyntaxNode[][] {
    const out: SyntaxNode[][] = [[]];
    for (const c of nodes) {
      if (c.name === sep) out.push([]);
      else out[out.length - 1].push(c);
    }
    return out;
  }

  /** A comma-separated run of expression nodes: one expression, or a tuple when there are commas. */
  exprList(nodes: SyntaxNode[]): Expr {
    const segs = this.splitOn(nodes.filter((c) => !c.type.isError || c.to > c.from), ',');
    const from = nodes[0]?.from ?? 0;
    const to = nodes[nodes.length - 1]?.to ?? from;
    if (segs.length === 1) return this.segment(segs[0], { from, to });
    return { kind: 'tuple', elts: segs.filter((s) => s.length).map((s) => this.segment(s, { from, to })), from, to };
  }

  private segment(seg: SyntaxNode[], where: Span): Expr {
    const real = seg.filter((c) => !c.type.isError);
    if (!real.length) return this.errorExpr(seg.length ? { from: seg[0].from, to: seg[seg.length - 1].to } : where);
    if (real[0].name === '*' || real[0].name === '**') return { kind: 'starred', value: this.segment(real.slice(1), where), double: real[0].name === '**', from: real[0].from, to: real[real.length - 1].to };
    if (real.length > 1) return this.errorExpr({ from: real[0].from, to: real[real.length - 1].to });
    return this.expr(real[0]);
  }

  expr(n: SyntaxNode): Expr {
    const sp = this.span(n);
    switch (n.name) {
      case 'VariableName':
        return { kind: 'name', id: this.text(n), ...sp };
      case 'Number':
        return this.number(n);
      case 'String':
      case 'ContinuedString':
        return { kind: 'str', value: stringValue(this.text(n)), ...sp };
      case 'FormatString':
        return this.formatString(n);
      case 'Boolean':
        return { kind: 'const', value: this.text(n) === 'True', ...sp };
      case 'None':
        return { kind: 'const', value: null, ...sp };
      case 'Ellipsis':
        return { kind: 'const', value: 'ellipsis', ...sp };
      case 'ParenthesizedExpression': {
        const inner = this.parts(n);
        return inner.length === 1 ? this.expr(inner[0]) : this.errorExpr(n);
      }
      case 'TupleExpression':
        return { kind: 'tuple', elts: this.elements(n), ...sp };
      case 'ArrayExpression':
        return { kind: 'list', elts: this.elements(n), ...sp };
      case 'SetExpression':
        return { kind: 'set', elts: this.elements(n), ...sp };
      case 'DictionaryExpression':
        return this.dict(n);
      case 'ArrayComprehensionExpression':
        return this.comprehension('list', this.kids(n).slice(1, -1), n);
      case 'SetComprehensionExpression':
        return this.comprehension('set', this.kids(n).slice(1, -1), n);
      case 'DictionaryComprehensionExpression':
        return this.comprehension('dict', this.kids(n).slice(1, -1), n);
      case 'ComprehensionExpression':
        return this.comprehension('gen', this.kids(n).slice(1, -1), n);
      case 'MemberExpression':
        return this.member(n);
      case 'CallExpression': {
        const k = this.kids(n);
        const argList = k.find((c) => c.name === 'ArgList');
        return { kind: 'call', func: k[0] ? this.expr(k[0]) : this.errorExpr(n), args: argList ? this.args(argList) : [], ...sp };
      }
      case 'BinaryExpression':
      case 'UnaryExpression':
        return this.operators(n);
      case 'ConditionalExpression': {
        const k = this.kids(n);
        const ifAt = k.findIndex((c) => c.name === 'if');
        const elseAt = k.findIndex((c) => c.name === 'else');
        if (ifAt < 0 || elseAt < 0) return this.errorExpr(n);
        return { kind: 'ifexp', body: this.exprList(k.slice(0, ifAt)), test: this.exprList(k.slice(ifAt + 1, elseAt)), orelse: this.exprList(k.slice(elseAt + 1)), ...sp };
      }
      case 'YieldExpression':
        return this.yieldExpr(n);
      case 'AwaitExpression': {
        const k = this.kids(n);
        return { kind: 'await', value: k[1] ? this.exprList(k.slice(1)) : this.errorExpr(n), ...sp };
      }
      case 'NamedExpression': {
        const k = this.kids(n);
        const op = k.findIndex((c) => c.name === 'AssignOp');
        if (op < 0) return this.errorExpr(n);
        return { kind: 'named', target: this.exprList(k.slice(0, op)), value: this.exprList(k.slice(op + 1)), ...sp };
      }
      case 'LambdaExpression': {
        const k = this.kids(n);
        const params = k.find((c) => c.name === 'ParamList');
        const colon = k.findIndex((c) => c.name === ':');
        return { kind: 'lambda', params: params ? this.params(params) : [], body: colon >= 0 ? this.exprList(k.slice(colon + 1)) : this.errorExpr(n), ...sp };
      }
      default:
        return this.errorExpr(n);
    }
  }

  /** f"layer{i + 1:>3}" → literal parts and the formatted values between them. */
  private formatString(n: SyntaxNode): Expr {
    const raw = this.text(n);
    const quote = /^[a-zA-Z]*('''|"""|'|")/.exec(raw);
    const start = n.from + (quote ? quote[0].length : 0);
    const end = n.to - (quote ? quote[1].length : 0);
    const rawMode = /^[a-zA-Z]*/.exec(raw)![0].toLowerCase().includes('r');
    // `{v:=+7}` is a format spec to CPython but an assignment expression to lezer: not modelled.
    if (/\{[^{}]*:=/.test(raw)) return this.errorExpr(n);
    return { kind: 'fstring', parts: this.formatParts(n, start, end, rawMode), ...this.span(n) };
  }

  private formatParts(n: SyntaxNode, start: number, end: number, rawMode: boolean): (string | Expr)[] {
    const parts: (string | Expr)[] = [];
    const literal = (from: number, to: number) => {
      const text = this.src.slice(from, to).replace(/\{\{/g, '{').replace(/\}\}/g, '}');
      const delimiter = !text.includes('"') ? '"' : !text.includes("'") ? "'" : "'''";
      if (text) parts.push(rawMode ? text : stringValue(`${delimiter}${text}${delimiter}`));
    };
    let at = start;
    for (const r of this.kids(n).filter((c) => c.name === 'FormatReplacement')) {
      if (r.from > at) literal(at, r.from);
      const k = this.kids(r);
      const inner = k.filter((c) => !['{', '}', ':', '!', '='].includes(c.name) && !c.name.startsWith('Format'));
      const conversion = k.find((c) => c.name === 'FormatConversion');
      const spec = k.find((c) => c.name === 'FormatSpec');
      const value = inner.length ? this.exprList(inner) : this.errorExpr(r);
      const specExpr: Expr | undefined = spec ? { kind: 'fstring', parts: this.formatParts(spec, spec.from + 1, spec.to, true), ...this.span(spec) } : undefined;
      parts.push({ kind: 'formatted', value, conversion: conversion ? this.text(conversion).slice(1) : undefined, spec: specExpr, ...this.span(r) });
      at = r.to;
    }
    if (end > at) literal(at, end);
    return parts;
  }

  /** `yield`, `yield a, b`, `yield from it`, as a statement or inside an expression. */
  private yieldExpr(n: SyntaxNode): Expr {
    const k = this.kids(n).filter((c) => c.name !== 'yield' && !c.type.isError);
    const delegate = k[0]?.name === 'from';
    const value = delegate ? k.slice(1) : k;
    return { kind: 'yield', value: value.length ? this.exprList(value) : undefined, delegate, ...this.span(n) };
  }

  /** The source spells the number (lezer saw `lezerText`'s respelling of `1.` and `1.e-6`). */
  private number(n: SyntaxNode): Expr {
    const raw = this.text(n).replace(/_/g, '').toLowerCase();
    const sp = this.span(n);
    if (raw.endsWith('j')) return { kind: 'complex', imag: Number(raw.slice(0, -1)), ...sp };
    if (/^0[box]/.test(raw)) return { kind: 'num', value: Number(raw), isFloat: false, ...sp };
    const isFloat = /[.e]/.test(raw);
    return { kind: 'num', value: Number(raw), isFloat, ...sp };
  }

  private elements(n: SyntaxNode): Expr[] {
    const inner = this.kids(n).filter((c) => !['(', ')', '[', ']', '{', '}'].includes(c.name));
    return this.splitOn(inner, ',').filter((s) => s.length).map((s) => this.segment(s, this.span(n)));
  }

  private dict(n: SyntaxNode): Expr {
    const entries: DictEntry[] = [];
    const inner = this.kids(n).filter((c) => c.name !== '{' && c.name !== '}');
    for (const seg of this.splitOn(inner, ',')) {
      if (!seg.length) continue;
      if (seg[0].name === '**') entries.push({ spread: this.segment(seg.slice(1), this.span(n)) });
      else {
        const colon = seg.findIndex((c) => c.name === ':');
        if (colon < 0) continue;
        entries.push({ key: this.segment(seg.slice(0, colon), this.span(n)), value: this.segment(seg.slice(colon + 1), this.span(n)) });
      }
    }
    return { kind: 'dict', entries, ...this.span(n) };
  }

  private comprehension(type: 'list' | 'set' | 'gen' | 'dict', inner: SyntaxNode[], n: SyntaxNode): Expr {
    const forAt = inner.findIndex((c) => c.name === 'for' || c.name === 'async');
    if (forAt < 0) return this.errorExpr(n);
    const head = inner.slice(0, forAt);
    let elt: Expr;
    let value: Expr | undefined;
    if (type === 'dict') {
      const colon = head.findIndex((c) => c.name === ':');
      elt = this.exprList(head.slice(0, colon));
      value = this.exprList(head.slice(colon + 1));
    } else elt = this.exprList(head);
    const generators: Comprehension[] = [];
    let i = forAt;
    while (i < inner.length) {
      if (inner[i].name === 'async') i++;
      if (inner[i]?.name !== 'for') break;
      const inAt = inner.findIndex((c, j) => j > i && c.name === 'in');
      if (inAt < 0) return this.errorExpr(n);
      let end = inner.findIndex((c, j) => j > inAt && (c.name === 'for' || c.name === 'if' || c.name === 'async'));
      if (end < 0) end = inner.length;
      const gen: Comprehension = { target: this.exprList(inner.slice(i + 1, inAt)), iter: this.exprList(inner.slice(inAt + 1, end)), ifs: [] };
      i = end;
      while (inner[i]?.name === 'if') {
        let next = inner.findIndex((c, j) => j > i && (c.name === 'for' || c.name === 'if' || c.name === 'async'));
        if (next < 0) next = inner.length;
        gen.ifs.push(this.exprList(inner.slice(i + 1, next)));
        i = next;
      }
      generators.push(gen);
    }
    return { kind: 'comp', type, elt, value, generators, ...this.span(n) };
  }

  private member(n: SyntaxNode): Expr {
    const k = this.kids(n);
    const sp = this.span(n);
    const object = k[0] ? this.expr(k[0]) : this.errorExpr(n);
    const prop = k.find((c) => c.name === 'PropertyName');
    if (prop && k[1]?.name === '.') return { kind: 'attr', object, name: this.text(prop), nameSpan: this.span(prop), ...sp };
    const open = k.findIndex((c) => c.name === '[');
    if (open < 0) return this.errorExpr(n);
    const closeAt = k.findIndex((c, j) => j > open && c.name === ']');
    const inner = k.slice(open + 1, closeAt < 0 ? k.length : closeAt);
    const segments = this.splitOn(inner, ',');
    // `a[i,]` indexes with the tuple (i,): a trailing comma makes a tuple and adds no item.
    const trailingComma = segments.length > 1 && !segments[segments.length - 1].length;
    const items = (trailingComma ? segments.slice(0, -1) : segments).map((seg) => this.subscriptItem(seg, sp));
    const index: Expr = items.length === 1 && !trailingComma ? items[0] : { kind: 'tuple', elts: items, ...sp };
    return { kind: 'subscript', object, index, ...sp };
  }

  private subscriptItem(seg: SyntaxNode[], where: Span): Expr {
    if (!seg.some((c) => c.name === ':')) return this.segment(seg, where);
    const parts = this.splitOn(seg, ':').map((p) => (p.length ? this.segment(p, where) : undefined));
    const from = seg[0]?.from ?? where.from;
    const to = seg[seg.length - 1]?.to ?? where.to;
    return { kind: 'slice', lower: parts[0], upper: parts[1], step: parts[2], from, to };
  }

  /**
   * A run of unary and binary operators, re-parsed with Python's precedence: lezer's tree lets
   * `not` take everything to its right (`not a or b` as `not (a or b)`) and nests comparisons
   * left to right, so the run is flattened to operands and operators and parsed again here.
   */
  private operators(n: SyntaxNode): Expr {
    const tokens: OpToken[] = [];
    const flatten = (node: SyntaxNode): boolean => {
      const k = this.kids(node);
      if (node.name === 'UnaryExpression') {
        if (k.length < 2) return false;
        tokens.push({ op: this.text(k[0]), prefix: true, ...this.span(k[0]) });
        return flatten(k[1]);
      }
      if (node.name === 'BinaryExpression') {
        if (k.length < 3) return false;
        if (!flatten(k[0])) return false;
        tokens.push({ op: k.slice(1, -1).map((c) => this.text(c)).join(' '), prefix: false, from: k[1].from, to: k[k.length - 2].to });
        return flatten(k[k.length - 1]);
      }
      tokens.push({ atom: this.expr(node), ...this.span(node) });
      return true;
    };
    if (!flatten(n)) return this.errorExpr(n);
    const parsed = new PrecedenceParser(tokens).parse();
    return parsed ?? this.errorExpr(n);
  }
}
