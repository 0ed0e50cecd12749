/**
 * Lexical helpers around the parser: the text @lezer/python is given, the brackets CPython would
 * complain about, and the values of string literals. @lezer/python's grammar is narrower than
 * CPython 3.11's in a few token-level places; rather than fork the grammar, `lezerText` rewrites
 * those tokens into ones lezer accepts, keeping every offset (same length, same token
 * boundaries), and the AST builder reads each token's value from the original source. The parse
 * census (scripts/parse-census.ts) is what finds these places.
 */
import type { Span } from './ast';

const comment = String.raw`#[^\n]*`;
const stringLiteral = String.raw`(?<prefix>[rRbBuUfF]{0,2})(?:'''(?<b1>(?:\\[\s\S]|[^\\])*?)'''|"""(?<b2>(?:\\[\s\S]|[^\\])*?)"""|'(?<b3>(?:\\[\s\S]|[^\\'\n])*)'|"(?<b4>(?:\\[\s\S]|[^\\"\n])*)")`;
const joinedLine = String.raw`\\\r?\n`;

/**
 * What `lezerText` looks at: comments and string literals (skipped, but an f-string's replacement
 * fields are code), a float with a trailing dot (`1.`, `1.e-6`, `2.j`: lezer reads `1 .e - 6`),
 * `print` used as a name where lezer's Python 2 print-statement tokenizer would claim it
 * (`print >>f, x`, `print = log`), the line break before a blank or comment-only line, a form feed
 * that starts a line of code (lezer counts it as indentation), a backslash continuing a line into
 * a blank line, and the keyword `with`.
 */
const tokens = new RegExp(
  [
    comment,
    stringLiteral,
    String.raw`(?<float>(?<![\w.])\d[\d_]*\.(?!\d))`,
    String.raw`(?<print>(?<![\w.])print(?=[ \t]*[^ \t(.\r\n#\w]))`,
    String.raw`(?<blank>\r?\n(?=[ \t\f\r]*(?:#[^\n]*)?\n))`,
    String.raw`(?<formfeed>(?<=^|\n)[ \t]*\f(?=[ \t\f]*[^\s#]))`,
    String.raw`(?<continued>\\(?=\r?\n[ \t\f]*\r?\n))`,
    String.raw`(?<![\w.])with(?!\w)`,
  ].join('|'),
  'g',
);

/** What ends a `with` header or nests inside it, and its `as` keywords. */
const headerTokens = new RegExp([comment, stringLiteral, joinedLine, String.raw`(?<![\w.])as(?!\w)`, String.raw`[()[\]{}:\n]`].join('|'), 'g');

/**
 * `source` with what lezer's grammar lacks respelled as what it has, every offset unchanged; the
 * AST builder reads values and names from the original source, so only lezer sees the respelling.
 */
export function lezerText(source: string): string {
  const out: string[] = [];
  let copied = 0;
  const respell = (at: number, text: string): void => {
    out.push(source.slice(copied, at), text);
    copied = at + text.length;
  };
  tokens.lastIndex = 0;
  for (let m = tokens.exec(source); m; m = tokens.exec(source)) {
    const g = m.groups ?? {};
    const token = m[0];
    const body = g.b1 ?? g.b2 ?? g.b3 ?? g.b4;
    if (body !== undefined) {
      if (!/f/i.test(g.prefix ?? '')) continue;
      const resume = tokens.lastIndex;
      const code = lezerText(body);
      tokens.lastIndex = resume;
      const quote = (token.length - (g.prefix ?? '').length - body.length) / 2;
      if (code !== body) respell(m.index + token.length - quote - body.length, code);
    } else if (g.float) respell(m.index + token.length - 1, '0'); // `1.` reads as `10`, `1.e-6` as `10e-6`
    else if (g.print) respell(m.index, 'Print');
    // A blank or comment-only line joins the line before it: after ~300 statements that span lines
    // and are each followed by a blank line, lezer (1.4) starts to misparse the next one.
    else if (g.blank) respell(m.index, ' '.repeat(token.length));
    else if (g.formfeed) respell(m.index, '\n'.repeat(token.length));
    else if (g.continued) respell(m.index, ' ');
    else if (token === 'with') tokens.lastIndex = withHeader(source, tokens.lastIndex, respell);
  }
  out.push(source.slice(copied));
  return out.join('');
}

/**
 * Respells each `as` of the `with` header starting at `from` as `, `, so that any target parses
 * (lezer takes only a name) and parenthesized items parse as a tuple; the header ends at its colon
 * outside brackets, or at a line break there when the colon is missing. Returns where it ended.
 */
function withHeader(source: string, from: number, respell: (at: number, text: string) => void): number {
  let depth = 0;
  headerTokens.lastIndex = from;
  for (let m = headerTokens.exec(source); m; m = headerTokens.exec(source)) {
    const token = m[0];
    if (token === 'as') respell(m.index, ', ');
    else if ('([{'.includes(token)) depth++;
    else if (')]}'.includes(token)) depth--;
    else if (token === ':' && depth === 0) return m.index + 1;
    else if (token === '\n' && depth === 0) return m.index;
  }
  return source.length;
}

/**
 * Brackets that are never closed (or closed by the wrong bracket), found by scanning the source
 * outside strings and comments, with the message CPython gives.
 */
export function bracketErrors(source: string): (Span & { message: string })[] {
  const stack: { ch: string; at: number }[] = [];
  const out: (Span & { message: string })[] = [];
  const pairs: Record<string, string> = { ')': '(', ']': '[', '}': '{' };
  for (let i = 0; i < source.length; i++) {
    const c = source[i];
    if (c === '#') {
      while (i < source.length && source[i] !== '\n') i++;
    } else if (c === '"' || c === "'") {
      const triple = source.startsWith(c.repeat(3), i);
      const end = triple ? c.repeat(3) : c;
      i += end.length;
      while (i < source.length && !source.startsWith(end, i)) {
        if (source[i] === '\\') i++;
        else if (!triple && source[i] === '\n') break;
        i++;
      }
      i += end.length - 1;
    } else if (c === '(' || c === '[' || c === '{') stack.push({ ch: c, at: i });
    else if (c in pairs) {
      const open = stack.pop();
      if (!open) out.push({ from: i, to: i + 1, message: `unmatched '${c}'` });
      else if (open.ch !== pairs[c]) out.push({ from: i, to: i + 1, message: `closing '${c}' does not match opening '${open.ch}'` });
    }
  }
  for (const open of stack) out.push({ from: open.at, to: open.at + 1, message: `'${open.ch}' was never closed` });
  return out.sort((a, b) => a.from - b.from);
}

/** The value of a Python string literal (or adjacent literals), escapes decoded. */
export function stringValue(raw: string): string {
  let out = '';
  const re = /([rRbBuUfF]{0,2})('''|"""|'|")([\s\S]*?)\2/g;
  for (let m = re.exec(raw); m; m = re.exec(raw)) {
    const rawMode = /r/i.test(m[1]);
    out += rawMode ? m[3] : m[3].replace(/\\(n|t|r|\\|'|"|x[0-9a-fA-F]{2}|\n)/g, (_, e: string) => ({ n: '\n', t: '\t', r: '\r', '\\': '\\', "'": "'", '"': '"', '\n': '' })[e] ?? String.fromCharCode(parseInt(e.slice(1), 16)));
  }
  return out;
}
