/**
 * Offsets → line/character positions for every file an analysis touched, so IR source ranges
 * can point into the analysed document or, for imported helpers, into the file they live in.
 */
import type { Position, SourceRange } from '../../ir/graph';
import type { PositionMap } from './tracer';

export class LineIndex {
  private readonly starts: number[] = [0];

  constructor(text: string) {
    for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) this.starts.push(i + 1);
  }

  position(offset: number): Position {
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.starts[mid] <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo, character: offset - this.starts[lo] };
  }

  lineStart(line: number): number {
    return this.starts[Math.min(Math.max(line, 0), this.starts.length - 1)];
  }

  get lineCount(): number {
    return this.starts.length;
  }
}

/** A notebook cell's place in the program: its number, and the program line it starts on. */
export interface CellStart {
  readonly cell: number;
  readonly line: number;
}

export class FilePositions implements PositionMap {
  private readonly indexes = new Map<string, LineIndex>();
  private readonly texts = new Map<string, string>();
  private cells: readonly CellStart[] = [];

  constructor(private mainFile: string) {}

  /**
   * The analysed document, whose ranges carry no uri; the positions of other files are kept. A
   * notebook's program gives its cells, in order: its ranges then count lines within their cell.
   */
  setMain(file: string, cells: readonly CellStart[] = []): void {
    this.mainFile = file;
    this.cells = cells;
  }

  add(file: string, text: string): LineIndex {
    const known = this.texts.get(file);
    if (known === text) return this.indexes.get(file)!;
    this.texts.set(file, text);
    const index = new LineIndex(text);
    this.indexes.set(file, index);
    return index;
  }

  index(file: string): LineIndex | undefined {
    return this.indexes.get(file);
  }

  range(file: string, from: number, to: number): SourceRange {
    const index = this.indexes.get(file);
    if (!index) return { start: { line: 0, character: 0 }, end: { line: 0, character: 0 }, uri: file };
    const range = { start: index.position(from), end: index.position(to) };
    if (file !== this.mainFile) return { ...range, uri: file };
    return this.cells.length ? this.inCell(range, index) : range;
  }

  /** A program range as its cell's: the cell the range starts in, lines counted from the cell's start. A
   * range running on into later cells (a class, then blanked magic lines; an unclosed bracket) ends with
   * its own cell, since an editor range cannot span cells. */
  private inCell(range: { start: Position; end: Position }, index: LineIndex): SourceRange {
    let lo = 0;
    let hi = this.cells.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.cells[mid].line <= range.start.line) lo = mid;
      else hi = mid - 1;
    }
    const { cell, line } = this.cells[lo];
    // The program gives every cell a closing newline: the last cell ends before the program's last line.
    const next = this.cells[lo + 1]?.line ?? index.lineCount - 1;
    if (next > line && range.end.line >= next) {
      const last = next - 1;
      const end = { line: last, character: index.lineStart(next) - 1 - index.lineStart(last) };
      // Past the last cell (a syntax error at the end of the program, after `if x:`): its last line's end.
      range = { start: range.start.line >= next ? end : range.start, end };
    }
    const shift = (p: Position): Position => ({ line: Math.max(0, p.line - line), character: p.character });
    return { start: shift(range.start), end: shift(range.end), cell };
  }
}
