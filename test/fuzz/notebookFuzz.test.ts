/**
 * Fuzzing the notebook front end with broken versions of every notebook we have (test/fixtures/notebooks,
 * its nbformat/ and malformed/ files, samples/*.ipynb): fields dropped or renamed, wrong types for
 * source/cells/metadata/outputs, the JSON cut short or garbled, cells swapped, duplicated or deleted,
 * magic (`%`, `!`, `%%bash`, `%%time`) cells and lines inserted, non-Python kernels, huge lines, CRLF
 * and lone CR line ends, unicode (emoji, BOM, zero-width, lone surrogates, line separators), saved
 * totals changed, and v4 files turned into v3. parseNotebook, notebookProgram and analyzeDocument
 * (from the file's text and, as an editor does, from the parsed cells) must never throw nor report an
 * internal error; a refused notebook gives one diagnostic, one sentence; and every range of a result
 * (diagnostics, models, layers, incompleteness, saved-output checks) starts in an existing code cell,
 * on a line and column of that cell's source, and ends after it starts: a cell view has nowhere else
 * to show it. Cases hitting a known src bug (knownBugs) are counted and printed, not failed. Seeded:
 * each case is seedOf(file) + its index, printed on failure; CNN_LENS_FUZZ_REPLAY=file#index runs
 * that case alone. CNN_LENS_FUZZ_MUTATIONS sets cases per notebook (default 100; `--full` 1,000).
 */
import * as assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { analyzeDocument, type DocumentAnalysisResult } from '../../src/core/analysis/analyzeDocument';
import { internalErrorPrefix } from '../../src/core/frontends/python/analyzePython';
import { blankMagics, cellAt, notebookProgram, parseNotebook, type Notebook } from '../../src/core/frontends/notebook';
import { choose, mutateJson, mutateText, nastyValue, pick, random, seedOf, type Rnd } from './modelFiles/mutators';

const root = join(__dirname, '../..');
const mutationsPerFile = Number(process.env.CNN_LENS_FUZZ_MUTATIONS ?? 100);
const replay = process.env.CNN_LENS_FUZZ_REPLAY;

function notebooks(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name === 'golden' ? [] : notebooks(path);
    return name.endsWith('.ipynb') ? [path] : [];
  });
}
const files = [
  ...notebooks(join(root, 'test/fixtures/notebooks')),
  ...notebooks(join(root, 'samples')).filter((f) => !f.includes('/models/')),
].sort();

// ---- mutations ---------------------------------------------------------------------------------

type Doc = Record<string, unknown>;
type Cell = Record<string, unknown>;

const cellsOf = (doc: Doc): unknown[] | undefined => {
  const ws = doc.worksheets;
  const v3 = Array.isArray(ws) && ws[0] && typeof ws[0] === 'object' ? (ws[0] as Doc).cells : undefined;
  return Array.isArray(doc.cells) ? doc.cells : Array.isArray(v3) ? v3 : undefined;
};
const objects = <T>(xs: unknown[] | undefined): T[] =>
  (xs ?? []).filter((x): x is T => !!x && typeof x === 'object' && !Array.isArray(x));
const codeCells = (doc: Doc) => objects<Cell>(cellsOf(doc)).filter((c) => c.cell_type === 'code');
const textKey = (c: Cell) => (c.source === undefined && c.input !== undefined ? 'input' : 'source');
const sourceOf = (c: Cell) => {
  const s = c[textKey(c)];
  return typeof s === 'string' ? s : Array.isArray(s) ? s.map(String).join('') : '';
};
/** Sets a cell's text, kept in the shape the file used (one string, or a list of lines). */
function setSource(c: Cell, text: string): void {
  const key = textKey(c);
  c[key] = Array.isArray(c[key]) ? text.split(/(?<=\n)/) : text;
}

const magicCells = [
  '%%bash\necho "hi"\nls -l | wc -l',
  '%%time\nx = 1\nprint(x)',
  '%%writefile helper.py\nclass Helper:\n    pass',
  '%%capture out\nimport os',
  '%timeit sum(range(10))',
  '!pip install -q torchinfo\n!nvidia-smi',
  '%load_ext autoreload\n%autoreload 2',
  '%%javascript\nconsole.log("{(")',
  '%%',
  '%',
  '!',
];
const magicLines = ['%matplotlib inline', '!ls datasets', '  %time y = 2', '\t!echo $HOME', '%%time', '%%bash'];
const unicode = [
  '🧠', 'é', 'e\u0301', '\u200b', '\u202e', '\ufeff', '\ud800', '\udc00', '名前 = 1\n', 'ℌ = 2\n',
  '\u2028', '\u2029', '\u0085', '\x0c', '\t', '\0', '\r', 'ß', '\ud83d\ude00',
];
const languages = ['R', 'julia', 'scala', '', 'Python', 'python3', 'PYTHON', 'R. Or not', 'R\nC++', 42, null];

/** Picks a code cell (or, when there is none, gives up) and edits its text. */
function editCode(doc: Doc, rnd: Rnd, edit: (text: string) => string): void {
  const cells = codeCells(doc);
  if (cells.length) {
    const c = choose(rnd, cells);
    setSource(c, edit(sourceOf(c)));
  }
}

function insertAt(text: string, rnd: Rnd, what: string): string {
  const i = pick(rnd, text.length + 1);
  return text.slice(0, i) + what + text.slice(i);
}

/** Inserts `what` as a line of its own at a line boundary. */
function insertLine(text: string, rnd: Rnd, what: string): string {
  const lines = text.split('\n');
  lines.splice(pick(rnd, lines.length + 1), 0, what);
  return lines.join('\n');
}

const notebookEdits: ((doc: Doc, rnd: Rnd) => void)[] = [
  // Cells swapped, duplicated, deleted.
  (doc, rnd) => {
    const cells = cellsOf(doc);
    if (!cells?.length) return;
    const i = pick(rnd, cells.length);
    const j = pick(rnd, cells.length);
    const op = pick(rnd, 3);
    if (op === 0) [cells[i], cells[j]] = [cells[j], cells[i]];
    else if (op === 1) cells.splice(j, 0, structuredClone(cells[i]));
    else cells.splice(i, 1);
  },
  // A magic cell inserted anywhere.
  (doc, rnd) => {
    const cells = cellsOf(doc);
    const source = choose(rnd, magicCells);
    cells?.splice(pick(rnd, cells.length + 1), 0, { cell_type: 'code', metadata: {}, outputs: [], source });
  },
  (doc, rnd) => editCode(doc, rnd, (t) => insertLine(t, rnd, choose(rnd, magicLines))),
  // Fields dropped or renamed in a cell, an output or the notebook.
  (doc, rnd) => {
    const cells = objects<Cell>(cellsOf(doc));
    const outputs = cells.flatMap((c) => objects<Doc>(Array.isArray(c.outputs) ? c.outputs : []));
    const node = choose(rnd, [doc, ...cells, ...outputs]);
    const keys = Object.keys(node);
    if (!keys.length) return;
    const k = choose(rnd, keys);
    const value = node[k];
    delete node[k];
    const renamed = ['Source', 'input', 'source', 'type', 'cells', 'text', 'data', `${k} `];
    if (rnd() < 0.5) node[choose(rnd, renamed)] = value;
  },
  // Wrong types where the reader looks.
  (doc, rnd) => {
    const cells = objects<Cell>(cellsOf(doc));
    const targets: [Doc, string][] = [
      [doc, 'cells'], [doc, 'metadata'], [doc, 'nbformat'], [doc, 'worksheets'],
      ...cells.flatMap((c): [Doc, string][] => [[c, 'source'], [c, 'cell_type'], [c, 'outputs'], [c, 'metadata']]),
      ...cells.flatMap((c) => objects<Doc>(Array.isArray(c.outputs) ? c.outputs : [])).flatMap(
        (o): [Doc, string][] => [[o, 'text'], [o, 'data'], [o, 'output_type']],
      ),
    ];
    const [node, key] = choose(rnd, targets);
    node[key] = rnd() < 0.2 ? choose(rnd, [3, 4, 5, '4', 4.5, -1, 'code', ['x = 1', 2]]) : nastyValue(rnd, node[key]);
  },
  // A kernel in another language (or a language field of the wrong type).
  (doc, rnd) => {
    const metadata = (doc.metadata && typeof doc.metadata === 'object' ? doc.metadata : (doc.metadata = {})) as Doc;
    const language = choose(rnd, languages);
    if (rnd() < 0.5) metadata.kernelspec = { name: 'k', display_name: 'K', language };
    else metadata.language_info = { name: language };
  },
  // A huge line.
  (doc, rnd) => {
    const n = 10_000 + pick(rnd, 90_000);
    const line = choose(rnd, [
      `# ${'x'.repeat(n)}`,
      `s = "${'a'.repeat(n)}"`,
      `x = [${'1, '.repeat(n / 3)}]`,
      `y = ${'1 + '.repeat(n / 8)}1`,
    ]);
    editCode(doc, rnd, (t) => insertLine(t, rnd, line));
  },
  // CRLF or lone CR line ends, in every code cell.
  (doc, rnd) => {
    const end = choose(rnd, ['\r\n', '\r']);
    for (const c of codeCells(doc)) setSource(c, sourceOf(c).replace(/\n/g, end));
  },
  (doc, rnd) => editCode(doc, rnd, (t) => insertAt(t, rnd, choose(rnd, unicode))),
  // One source as a string, as lines, or as a list holding a non-string.
  (doc, rnd) => {
    const cells = objects<Cell>(cellsOf(doc));
    if (!cells.length) return;
    const c = choose(rnd, cells);
    const text = sourceOf(c);
    c[textKey(c)] = choose(rnd, [text, text.split(/(?<=\n)/), [text, choose(rnd, [null, 3, {}, ['x']])]]);
  },
  // A saved total changed: the saved-output check then disagrees.
  (doc, rnd) => {
    for (const c of codeCells(doc))
      for (const o of objects<Doc>(Array.isArray(c.outputs) ? c.outputs : [])) {
        const data = (o.data ?? {}) as Doc;
        for (const [holder, key] of [[o, 'text'], [data, 'text/plain']] as [Doc, string][]) {
          const v = holder[key];
          const text = typeof v === 'string' ? v : Array.isArray(v) ? v.join('') : undefined;
          if (text?.includes('params')) holder[key] = text.replace(/\d[\d,]*/g, () => String(pick(rnd, 1e6)));
        }
      }
  },
  // A v4 notebook written the v3 way (cells under worksheets, code in `input`).
  (doc) => {
    if (!Array.isArray(doc.cells)) return;
    for (const c of objects<Cell>(doc.cells))
      if (c.cell_type === 'code') {
        c.input = c.source;
        delete c.source;
      }
    doc.worksheets = [{ cells: doc.cells, metadata: {} }];
    delete doc.cells;
    doc.nbformat = 3;
  },
];

/** One case: 1–3 notebook edits (or generic JSON edits), then maybe a text edit of the file. */
function mutate(text: string, rnd: Rnd): string {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    return mutateText(text, rnd);
  }
  if (doc && typeof doc === 'object' && !Array.isArray(doc) && rnd() < 0.85) {
    for (let e = 0, n = 1 + pick(rnd, 3); e < n; e++) choose(rnd, notebookEdits)(doc as Doc, rnd);
  } else doc = mutateJson(doc, rnd);
  const out = JSON.stringify(doc, null, choose(rnd, [1, 0, '\t']));
  const r = rnd();
  if (r < 0.1) return mutateText(out, rnd);
  if (r < 0.15) return out.slice(0, pick(rnd, out.length));
  if (r < 0.18) return `\ufeff${out}`;
  return out;
}

// ---- checks ------------------------------------------------------------------------------------

/**
 * Known src bugs, reported to the lead: each case one of them excuses is counted and printed, not
 * failed. Delete an entry once its bug is fixed, and the cases it excused fail again.
 */
const knownBugs: Record<string, string> = {};
type KnownBug = keyof typeof knownBugs;
const excused = new Map<KnownBug, number>();
const excuse = (bug: KnownBug) => excused.set(bug, (excused.get(bug) ?? 0) + 1);

function oneSentence(message: string): string | undefined {
  if (!/^(not a notebook|a notebook in )/.test(message)) return `not a refusal CNN Lens words: ${message}`;
  if (!/[\n\r\u2028\u2029]/.test(message) && !/[.!?]\s/.test(message)) return undefined;
  return `more than one line or sentence: ${JSON.stringify(message)}`;
}

interface Range {
  start: { line: number; character: number };
  end: { line: number; character: number };
  uri?: string;
  cell?: number;
}
const isRange = (v: Record<string, unknown>): v is Record<string, unknown> & Range =>
  ['start', 'end'].every((k) => {
    const p = v[k] as Record<string, unknown> | undefined;
    return !!p && typeof p === 'object' && typeof p.line === 'number' && typeof p.character === 'number';
  });

/** Every source range anywhere in a result, with the path that leads to it. */
type Found = [path: string, range: Range][];
function rangesIn(value: unknown, path = '', seen = new Set<unknown>(), out: Found = []): Found {
  if (!value || typeof value !== 'object' || seen.has(value)) return out;
  seen.add(value);
  if (value instanceof Map) for (const [k, v] of value) rangesIn(v, `${path}.${String(k)}`, seen, out);
  else if (value instanceof Set || Array.isArray(value))
    [...value].forEach((v, i) => rangesIn(v, `${path}[${i}]`, seen, out));
  else if (isRange(value as Record<string, unknown>)) out.push([path, value as Range]);
  else for (const [k, v] of Object.entries(value)) rangesIn(v, `${path}.${k}`, seen, out);
  return out;
}

/** What is wrong with a notebook's analysis: refusals, internal errors, ranges outside their cell. */
function problemsOf(result: DocumentAnalysisResult, parsed: Notebook | { error: string }): string[] {
  const messages = messagesOf(result);
  const internal = messages.filter((m) => m.startsWith(internalErrorPrefix));
  if (internal.length) return internal;
  if ('error' in parsed) {
    if (result.models.length || messages.length !== 1 || messages[0] !== `${parsed.error}.`)
      return [`a refusal must be one diagnostic, "${parsed.error}.": got ${JSON.stringify(messages)}`];
    return [oneSentence(parsed.error)].filter((p): p is string => !!p);
  }
  const code = new Map(
    parsed.cells.filter((c) => c.kind === 'code').map((c) => [c.number, c.source.split('\n')] as const),
  );
  const problems: string[] = [];
  for (const [path, r] of rangesIn(result)) {
    if (r.uri) continue;
    const lines = r.cell === undefined ? undefined : code.get(r.cell);
    if (!lines) {
      problems.push(`${path}: cell ${r.cell} is not a code cell (code cells: ${[...code.keys()].join(', ')})`);
      continue;
    }
    const { start, end } = r;
    const inside = (p: Range['start']) => p.line < lines.length && p.character <= lines[p.line].length;
    const at = (p: Range['start']) => `${p.line}:${p.character}`;
    if (start.line < 0 || start.character < 0 || !inside(start))
      problems.push(`${path} starts at ${at(start)}, outside cell ${r.cell} (${lines.length} lines)`);
    else if (end.line < start.line || (end.line === start.line && end.character < start.character))
      problems.push(`${path} ends at ${at(end)}, before its start`);
    else if (end.line > lines.length || (end.line === lines.length && end.character > 0))
      problems.push(`${path} ends at ${at(end)}, past cell ${r.cell} (${lines.length} lines)`);
  }
  const spans = notebookProgram(parsed).spans.map(({ cell, line }) => ({ cell, line }));
  if (JSON.stringify(result.notebook?.cells) !== JSON.stringify(spans))
    problems.push('notebook.cells differs from the program');
  for (const { cell, range } of result.notebook?.checks ?? [])
    if (range.cell !== cell) problems.push(`check of cell ${cell} placed in cell ${range.cell}`);
  return problems;
}

const messagesOf = (r: DocumentAnalysisResult) =>
  [...r.diagnostics, ...r.models.flatMap((m) => m.diagnostics)].map((d) => d.message);

/** The program's own invariants: each cell's text blanked in place, every offset mapped into its cell. */
function programProblems(nb: Notebook, rnd: Rnd): string[] {
  const program = notebookProgram(nb);
  const problems: string[] = [];
  const code = nb.cells.filter((c) => c.kind === 'code');
  if (program.spans.length !== code.length) return [`${program.spans.length} spans for ${code.length} code cells`];
  program.spans.forEach((span, i) => {
    const body = program.text.slice(span.start, span.end);
    // A cell Jupyter could not compile (an unclosed bracket) is blanked whole instead.
    const skipped = program.skipped.some((k) => k.cell === code[i].number);
    const want = skipped ? blankMagics(code[i].source).replace(/[^\n]/g, ' ') : blankMagics(code[i].source);
    if (span.cell !== code[i].number || body !== want)
      problems.push(`span ${i} is not cell ${code[i].number}`);
    if (body.length !== code[i].source.length) problems.push(`cell ${span.cell} changed length when blanked`);
  });
  for (let k = 0; k < 20 && program.text.length; k++) {
    const offset = pick(rnd, program.text.length);
    const at = cellAt(program, offset);
    const lines = at && nb.cells[at.cell - 1]?.source.split('\n');
    if (at && (!lines || at.line >= lines.length))
      problems.push(`offset ${offset} mapped to cell ${at.cell}, line ${at.line}`);
  }
  return problems;
}

// ---- the suite ---------------------------------------------------------------------------------

async function runCase(file: string, text: string, k: number): Promise<void> {
  const name = relative(root, file);
  const seed = (seedOf(name) + k) >>> 0;
  const mutated = k < 0 ? text : mutate(text, random(seed));
  const fail = (what: string) =>
    assert.fail(
      `case ${k} of ${name} (seed ${seed}; replay: CNN_LENS_FUZZ_REPLAY='${name}#${k}'): ${what}\n` +
        `--- notebook (first 2,000 characters) ---\n${mutated.slice(0, 2000)}`,
    );
  const budget = { timeMs: 60_000 };
  try {
    const parsed = parseNotebook(mutated);
    const problems = 'error' in parsed ? [] : programProblems(parsed, random(seed ^ 0x5bd1e995));
    const fromText = await analyzeDocument({ uri: `/fuzz/${name}`, text: mutated }, {}, budget);
    problems.push(...problemsOf(fromText, parsed));
    if (!('error' in parsed)) {
      // As the editor's worker does: the cells it holds, no file text, the kind named.
      const editor = { uri: `/fuzz/${name}`, kind: 'notebook' as const, text: '', notebook: parsed };
      const fromCells = await analyzeDocument(editor, {}, budget);
      problems.push(...problemsOf(fromCells, parsed).map((p) => `from the parsed cells: ${p}`));
    }
    if (problems.length) fail(problems.slice(0, 8).join('\n'));
  } catch (e) {
    if ((e as Error).name === 'AssertionError') throw e;
    fail(`threw ${(e as Error).stack ?? String(e)}`);
  }
}

describe('notebook front end under fuzzing', function () {
  // ~15–25 ms a case (two analyses) on an idle 2-core machine, huge lines included: 10× that.
  this.timeout(mutationsPerFile * 250 + 10_000);
  after(() => {
    for (const [bug, n] of excused) console.log(`      ${n} cases excused by a known bug (${bug}): ${knownBugs[bug]}`);
  });

  if (replay) {
    const [name, index] = replay.split('#');
    const file = join(root, name);
    it(`replays case ${index} of ${name}`, () => runCase(file, readFileSync(file, 'utf8'), Number(index)));
    return;
  }

  it('finds every notebook fixture and the sample', () => {
    const names = files.map((f) => relative(root, f));
    assert.ok(names.includes('samples/keras_course_notebook.ipynb'), names.join(', '));
    assert.ok(names.filter((n) => n.includes('/malformed/')).length >= 5, names.join(', '));
    assert.ok(names.filter((n) => n.includes('/nbformat/')).length >= 7, names.join(', '));
  });

  for (const file of files) {
    const name = relative(root, file);
    const title = `survives ${mutationsPerFile} mutations of ${name}: no throw, one-sentence refusals, cell ranges`;
    it(title, async () => {
      const text = readFileSync(file, 'utf8');
      await runCase(file, text, -1); // the notebook itself
      for (let k = 0; k < mutationsPerFile; k++) await runCase(file, text, k);
    });
  }
});
