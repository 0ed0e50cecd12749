/**
 * Jupyter notebooks as one Python program: the code cells of an `.ipynb`, in order, joined into the
 * text the Python front-end analyses, with a map from every offset back to its cell and line. IPython
 * syntax is blanked with spaces so positions stay put: line magics and shell lines (`%matplotlib
 * inline`, `!pip install …`), and the whole body of a cell magic whose body is not Python
 * (`%%bash`, `%%writefile`); `%%time`/`%%timeit`/`%%capture` keep their Python body. Markdown and raw
 * cells are skipped. nbformat 4.0–4.5 and nbformat 3 (cells under `worksheets`, code in `input`) are
 * read; anything else is refused with one sentence. Outputs are kept as they are, unread, for the
 * saved-summary check.
 */

import { bracketErrors } from './python/sourceText';

export interface NotebookCell {
  /** 1-based, counting every cell as Jupyter numbers them in the file. */
  readonly number: number;
  readonly kind: 'code' | 'markdown' | 'raw';
  readonly source: string;
  /** The saved outputs, as stored (read only when a summary check asks). */
  readonly outputs: readonly unknown[];
}

export interface Notebook {
  readonly nbformat: number;
  readonly cells: readonly NotebookCell[];
  /** The kernel's language when the file says (`metadata.kernelspec.language`, `language_info.name`). */
  readonly language?: string;
}

/** Where one code cell sits in the program text. */
export interface CellSpan {
  readonly cell: number;
  /** Offset of the cell's first character in the program text. */
  readonly start: number;
  readonly end: number;
  /** The program line the cell starts on (0-based). */
  readonly line: number;
}

export interface NotebookProgram {
  readonly text: string;
  readonly spans: readonly CellSpan[];
  /** Cells left out of the program because Jupyter could not compile them: where, and why. */
  readonly skipped: readonly { readonly cell: number; readonly line: number; readonly character: number;
    readonly message: string }[];
}

/** Cell magics whose body is Python (run, timed or captured); any other cell magic's body is not. */
const pythonBodyMagics = new Set(['time', 'timeit', 'capture', 'prun', 'debug']);

const sourceText = (v: unknown): string | undefined =>
  typeof v === 'string' ? v : Array.isArray(v) && v.every((s) => typeof s === 'string') ? v.join('') : undefined;

/** Reads an `.ipynb`'s JSON, or says in one sentence why it cannot. */
export function parseNotebook(json: string): Notebook | { readonly error: string } {
  let doc: unknown;
  try {
    doc = JSON.parse(json.charCodeAt(0) === 0xfeff ? json.slice(1) : json); // a BOM, as some editors save
  } catch (e) {
    // V8's message may quote the file; only where it broke is kept, so the refusal stays one line.
    const at = /position (\d+)/.exec((e as Error).message)?.[1];
    return { error: `not a notebook: the file is not valid JSON${at ? ` (it breaks at character ${at})` : ''}` };
  }
  if (!doc || typeof doc !== 'object' || Array.isArray(doc))
    return { error: 'not a notebook: the JSON is not an object' };
  const root = doc as Record<string, unknown>;
  const nbformat = typeof root.nbformat === 'number' ? root.nbformat : undefined;
  const worksheets = Array.isArray(root.worksheets) ? root.worksheets : undefined;
  const rawCells =
    nbformat === 3 || (nbformat === undefined && worksheets)
      ? (worksheets?.[0] as Record<string, unknown> | undefined)?.cells
      : root.cells;
  if (nbformat !== undefined && nbformat !== 3 && nbformat !== 4)
    return { error: `not a notebook CNN Lens reads: nbformat ${nbformat} (4.x and 3 are read)` };
  if (!Array.isArray(rawCells)) return { error: 'not a notebook: it has no list of cells' };
  const cells: NotebookCell[] = [];
  for (const [i, raw] of rawCells.entries()) {
    if (!raw || typeof raw !== 'object') return { error: `not a notebook: cell ${i + 1} is not an object` };
    const c = raw as Record<string, unknown>;
    const type = c.cell_type;
    const kind = type === 'code' ? 'code' : type === 'markdown' || type === 'heading' ? 'markdown' : 'raw';
    if (typeof type !== 'string') return { error: `not a notebook: cell ${i + 1} has no cell_type` };
    // nbformat 3 keeps a code cell's text in `input`; 4 in `source` (a string or a list of lines).
    const source = sourceText(kind === 'code' && c.source === undefined ? c.input : c.source);
    if (source === undefined) return { error: `not a notebook: cell ${i + 1} has no source text` };
    cells.push({ number: i + 1, kind, source, outputs: Array.isArray(c.outputs) ? c.outputs : [] });
  }
  const metadata = (root.metadata ?? {}) as { kernelspec?: { language?: unknown }; language_info?: { name?: unknown } };
  const language = metadata.kernelspec?.language ?? metadata.language_info?.name;
  if (typeof language === 'string' && !/^python/i.test(language)) {
    const named = /^[\w+#.-]{1,40}$/.test(language) ? language : 'another language';
    return { error: `a notebook in ${named.replace(/\.$/, '')}: CNN Lens reads Python notebooks` };
  }
  return { nbformat: nbformat ?? 3, cells, ...(typeof language === 'string' ? { language } : {}) };
}

/** A code cell's text with IPython syntax blanked, character for character. */
export function blankMagics(source: string): string {
  const lines = source.split('\n');
  const cellMagic = /^%%(\w+)/.exec(lines[0] ?? '');
  const blank = (line: string) => ' '.repeat(line.length);
  if (cellMagic && !pythonBodyMagics.has(cellMagic[1])) return lines.map(blank).join('\n');
  return lines.map((line, i) => ((i === 0 && cellMagic) || /^\s*[%!]/.test(line) ? blank(line) : line)).join('\n');
}

/** The notebook's code cells as one program, each starting on a line of its own. */
export function notebookProgram(notebook: Notebook): NotebookProgram {
  let text = '';
  let line = 0;
  const spans: CellSpan[] = [];
  const skipped: NotebookProgram['skipped'][number][] = [];
  for (const cell of notebook.cells) {
    if (cell.kind !== 'code') continue;
    let body = blankMagics(cell.source);
    // Jupyter compiles each cell alone: one whose bracket never closes fails by itself, where joined
    // to the next cells it would swallow them. It is left out, blanked in place, and said so.
    const broken = bracketErrors(body)[0];
    if (broken) {
      const before = body.slice(0, broken.from).split('\n');
      skipped.push({ cell: cell.number, line: before.length - 1, character: before[before.length - 1].length,
        message: broken.message });
      body = body.replace(/[^\n]/g, ' ');
    }
    spans.push({ cell: cell.number, start: text.length, end: text.length + body.length, line });
    text += `${body}\n`;
    line += body.split('\n').length;
  }
  return { text, spans, skipped };
}

/** The cell and 0-based line within it of a program offset; undefined between cells. */
export function cellAt(program: NotebookProgram, offset: number): { cell: number; line: number } | undefined {
  let lo = 0;
  let hi = program.spans.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const span = program.spans[mid];
    if (offset < span.start) hi = mid - 1;
    else if (offset > span.end) lo = mid + 1;
    else {
      const before = program.text.slice(span.start, offset);
      return { cell: span.cell, line: before.split('\n').length - 1 };
    }
  }
  return undefined;
}
