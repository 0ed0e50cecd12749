/**
 * Python's operator precedence for the parser: lezer's tree for a run of unary and binary
 * operators is flattened (parse.ts) to operands and operator tokens, and parsed again here by
 * recursive descent over Python's grammar levels — or, and, not, comparisons (chained), |, ^, &,
 * shifts, + and -, * @ / // %, unary + - ~, and ** (right-associative, binding tighter than a
 * unary operator on its left). A chain of two or more comparisons becomes one `compare` node.
 */
import type { Expr, Span } from './ast';

export type OpToken = ({ op: string; prefix: boolean } | { atom: Expr }) & Span;

const comparisonOps = new Set(['<', '>', '==', '>=', '<=', '!=', '<>', 'in', 'not in', 'is', 'is not']);
/** Binary operator levels from loosest to tightest, below comparisons (Python's grammar). */
const binaryLevels = [['|'], ['^'], ['&'], ['<<', '>>'], ['+', '-'], ['*', '@', '/', '//', '%']];

/** Recursive descent over an operator run: or → and → not → comparison → | ^ & shifts + * → unary → **. */
export class PrecedenceParser {
  private at = 0;

  constructor(private readonly tokens: OpToken[]) {}

  parse(): Expr | undefined {
    try {
      const e = this.or();
      return this.at === this.tokens.length ? e : undefined;
    } catch {
      return undefined;
    }
  }

  private peek(): string | undefined {
    const t = this.tokens[this.at];
    return t && 'op' in t ? t.op : undefined;
  }

  private span(a: Span, b: Span): Span {
    return { from: a.from, to: b.to };
  }

  private boolean(op: 'or' | 'and', next: () => Expr): Expr {
    let left = next();
    while (this.peek() === op && !(this.tokens[this.at] as { prefix: boolean }).prefix) {
      this.at++;
      const right = next();
      left = { kind: 'boolop', op, left, right, ...this.span(left, right) };
    }
    return left;
  }

  private or(): Expr {
    return this.boolean('or', () => this.and());
  }

  private and(): Expr {
    return this.boolean('and', () => this.not());
  }

  private not(): Expr {
    const t = this.tokens[this.at];
    if (t && 'op' in t && t.prefix && t.op === 'not') {
      this.at++;
      const operand = this.not();
      return { kind: 'unary', op: 'not', operand, from: t.from, to: operand.to };
    }
    return this.comparison();
  }

  private comparison(): Expr {
    const first = this.binary(0);
    const ops: string[] = [];
    const operands = [first];
    for (let op = this.peek(); op && comparisonOps.has(op); op = this.peek()) {
      this.at++;
      ops.push(op);
      operands.push(this.binary(0));
    }
    if (!ops.length) return first;
    const span = this.span(first, operands[operands.length - 1]);
    if (ops.length === 1) return { kind: 'binop', op: ops[0], left: first, right: operands[1], ...span };
    return { kind: 'compare', ops, operands, ...span };
  }

  private binary(level: number): Expr {
    if (level === binaryLevels.length) return this.unary();
    let left = this.binary(level + 1);
    for (
      let op = this.peek();
      op && binaryLevels[level].includes(op) && !(this.tokens[this.at] as { prefix: boolean }).prefix;
      op = this.peek()
    ) {
      this.at++;
      const right = this.binary(level + 1);
      left = { kind: 'binop', op, left, right, ...this.span(left, right) };
    }
    return left;
  }

  private unary(): Expr {
    const t = this.tokens[this.at];
    if (t && 'op' in t && t.prefix && t.op !== 'not') {
      this.at++;
      const operand = this.unary();
      return { kind: 'unary', op: t.op as '-' | '+' | '~', operand, from: t.from, to: operand.to };
    }
    return this.power();
  }

  private power(): Expr {
    const t = this.tokens[this.at++];
    if (!t || !('atom' in t)) throw new Error('operand expected');
    if (this.peek() === '**') {
      this.at++;
      const right = this.unary();
      return { kind: 'binop', op: '**', left: t.atom, right, ...this.span(t, right) };
    }
    return t.atom;
  }
}
