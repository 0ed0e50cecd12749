/**
 * The Python syntax tree the evaluator walks: a small, typed AST built from @lezer/python's
 * concrete tree (see parse.ts). Every node keeps its source offsets so the IR can point hovers,
 * diagnostics and "reveal in editor" at the exact text. Text the parser could not make sense of
 * becomes an `error` node that evaluates to an unknown value instead of stopping analysis.
 */

export interface Span {
  readonly from: number;
  readonly to: number;
}

export type Expr =
  | ({ kind: 'name'; id: string } & Span)
  | ({ kind: 'num'; value: number; isFloat: boolean } & Span)
  | ({ kind: 'complex'; imag: number } & Span)
  | ({ kind: 'str'; value: string } & Span)
  | ({ kind: 'const'; value: true | false | null | 'ellipsis' } & Span)
  | ({ kind: 'attr'; object: Expr; name: string; nameSpan: Span } & Span)
  | ({ kind: 'subscript'; object: Expr; index: Expr } & Span)
  | ({ kind: 'slice'; lower?: Expr; upper?: Expr; step?: Expr } & Span)
  | ({ kind: 'call'; func: Expr; args: Arg[] } & Span)
  | ({ kind: 'binop'; op: string; left: Expr; right: Expr } & Span)
  | ({ kind: 'boolop'; op: 'and' | 'or'; left: Expr; right: Expr } & Span)
  /** A chain of two or more comparisons, `a < b <= c`: each operand evaluated once. */
  | ({ kind: 'compare'; ops: string[]; operands: Expr[] } & Span)
  | ({ kind: 'unary'; op: '-' | '+' | '~' | 'not'; operand: Expr } & Span)
  | ({ kind: 'ifexp'; test: Expr; body: Expr; orelse: Expr } & Span)
  | ({ kind: 'lambda'; params: Param[]; body: Expr } & Span)
  | ({ kind: 'tuple'; elts: Expr[] } & Span)
  | ({ kind: 'list'; elts: Expr[] } & Span)
  | ({ kind: 'set'; elts: Expr[] } & Span)
  | ({ kind: 'dict'; entries: DictEntry[] } & Span)
  | ({ kind: 'comp'; type: 'list' | 'set' | 'gen' | 'dict'; elt: Expr; value?: Expr; generators: Comprehension[] } & Span)
  | ({ kind: 'starred'; value: Expr; double: boolean } & Span)
  | ({ kind: 'fstring'; parts: (string | Expr)[] } & Span)
  | ({ kind: 'named'; target: Expr; value: Expr } & Span)
  /** `yield x`, `yield a, b`, bare `yield` (no value) and `yield from it` (delegate). */
  | ({ kind: 'yield'; value?: Expr; delegate: boolean } & Span)
  | ({ kind: 'await'; value: Expr } & Span)
  /** One `{value!conversion:spec}` of an f-string; the spec is itself an f-string. */
  | ({ kind: 'formatted'; value: Expr; conversion?: string; spec?: Expr } & Span)
  | ({ kind: 'error'; text: string } & Span);

export type DictEntry = { key: Expr; value: Expr } | { spread: Expr };

export interface Comprehension {
  readonly target: Expr;
  readonly iter: Expr;
  readonly ifs: Expr[];
}

export interface Arg {
  readonly kind: 'pos' | 'star' | 'kw' | 'starstar';
  readonly name?: string;
  readonly value: Expr;
}

export interface Param {
  readonly name: string;
  readonly kind: 'normal' | 'varargs' | 'kwonly' | 'kwargs';
  readonly default?: Expr;
}

export type Stmt =
  | ({ kind: 'expr'; value: Expr } & Span)
  | ({ kind: 'assign'; targets: Expr[]; value: Expr } & Span)
  | ({ kind: 'augassign'; target: Expr; op: string; value: Expr } & Span)
  | ({ kind: 'annassign'; target: Expr; value?: Expr } & Span)
  | ({ kind: 'if'; branches: { test: Expr; body: Stmt[] }[]; orelse: Stmt[] } & Span)
  | ({ kind: 'for'; target: Expr; iter: Expr; body: Stmt[]; orelse: Stmt[] } & Span)
  | ({ kind: 'while'; test: Expr; body: Stmt[]; orelse: Stmt[] } & Span)
  | ({ kind: 'with'; items: { context: Expr; target?: Expr }[]; body: Stmt[] } & Span)
  | ({ kind: 'try'; body: Stmt[]; handlers: { type?: Expr; name?: string; body: Stmt[] }[]; orelse: Stmt[]; finally: Stmt[] } & Span)
  /** isGenerator: its own body (not a nested def, lambda or class) yields; calling it runs nothing yet. */
  | ({ kind: 'def'; name: string; nameSpan: Span; params: Param[]; body: Stmt[]; decorators: Expr[]; isAsync: boolean; isGenerator: boolean } & Span)
  | ({ kind: 'class'; name: string; nameSpan: Span; bases: Arg[]; body: Stmt[]; decorators: Expr[] } & Span)
  | ({ kind: 'return'; value?: Expr } & Span)
  | ({ kind: 'pass' | 'break' | 'continue' } & Span)
  | ({ kind: 'raise'; value?: Expr } & Span)
  | ({ kind: 'import'; names: { module: string; alias?: string }[] } & Span)
  | ({ kind: 'importfrom'; module: string; level: number; names: { name: string; alias?: string }[] } & Span)
  | ({ kind: 'global'; names: string[]; nonlocal?: boolean } & Span)
  | ({ kind: 'nonlocal'; names: string[] } & Span)
  | ({ kind: 'delete'; targets: Expr[] } & Span)
  | ({ kind: 'assert'; test: Expr } & Span)
  | ({ kind: 'match'; subject: Expr; cases: MatchCase[] } & Span)
  | ({ kind: 'error'; text: string } & Span);

export interface MatchCase {
  readonly pattern: Pattern;
  readonly guard?: Expr;
  readonly body: Stmt[];
}

/** A `case` pattern. `capture` and `star` with the name `_` are wildcards; `value` compares with ==. */
export type Pattern =
  | ({ kind: 'capture'; name: string } & Span)
  | ({ kind: 'value'; value: Expr } & Span)
  | ({ kind: 'sequence'; items: Pattern[] } & Span)
  | ({ kind: 'star'; name: string } & Span)
  | ({ kind: 'or'; options: Pattern[] } & Span)
  | ({ kind: 'as'; pattern: Pattern; name: string } & Span)
  | ({ kind: 'class'; cls: Expr; args: Pattern[]; keywords: { name: string; pattern: Pattern }[] } & Span)
  | ({ kind: 'mapping'; entries: { key: Expr; pattern: Pattern }[]; rest?: string } & Span)
  | ({ kind: 'error'; text: string } & Span);

export interface Module {
  readonly body: Stmt[];
  /** Syntax errors the parser recovered from, with CPython's wording when it is a bracket. */
  readonly syntaxErrors: (Span & { message?: string })[];
}
