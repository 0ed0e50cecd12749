/**
 * Turns what the evaluator reported into what the user is told, in their own file. A problem
 * inside an imported file (a workspace module, torchvision's source) is placed at the statement
 * of the analysed file that led there and names `file:line` inside; problems that follow from one
 * lost value (the cascade of "was given <unknown> rather than a tensor") are folded under one
 * diagnostic at the place the value was first lost; and a model whose output is unknown, which
 * recorded no layer, or whose evaluation stopped gets its verdict: incomplete, where and why.
 */
import type { SourceRange } from '../../ir/graph';
import { shortPath, type Incompleteness, type ModelDiagnostic } from '../modelResult';
import type { Guess } from './guesses';
import type { EvalDiagnostic } from './interpreter';
import { originOf } from './interpreter';
import type { FilePositions } from './positions';
import { repr, type UnknownOrigin, type Value } from './values';

/** A place the evaluator knows: a span of some file, and the analysed file's statement that led there. */
interface Place {
  readonly file: string;
  readonly from: number;
  readonly to: number;
  readonly via?: { readonly from: number; readonly to: number };
}

export class Provenance {
  constructor(
    private readonly positions: FilePositions,
    private readonly userFile: string,
  ) {}

  /** The range in the analysed file a place is shown at, and `file:line` when the place is elsewhere. */
  place(p: Place, fallback: SourceRange): { range: SourceRange; at?: string } {
    if (p.file === this.userFile) return { range: this.positions.range(p.file, p.from, p.to) };
    const inside = this.positions.range(p.file, p.from, p.from);
    const at = `${shortPath(p.file, this.userFile)}:${inside.start.line + 1}`;
    return { range: p.via ? this.firstLine(p.via.from, p.via.to) : fallback, at };
  }

  /**
   * The evaluator's diagnostics as the user's: each placed in the analysed file, and every group
   * that follows from one lost value led by a diagnostic at that value's origin, the group folded
   * under it as related information.
   */
  fold(raw: readonly EvalDiagnostic[], fallback: SourceRange): ModelDiagnostic[] {
    const out: Folded[] = [];
    const groups = new Map<string, { index: number; cause: UnknownOrigin; members: EvalDiagnostic[] }>();
    for (const d of raw) {
      if (!d.cause) {
        out.push({
          shown: this.placed(d, d.severity, d.message, fallback),
          text: d.message,
          where: this.positions.range(d.file, d.from, d.to),
        });
        continue;
      }
      const key = `${d.cause.file}:${d.cause.from}:${d.cause.to}`;
      const group = groups.get(key);
      if (group) group.members.push(d);
      else {
        groups.set(key, { index: out.length, cause: d.cause, members: [d] });
        out.push(undefined as unknown as Folded); // the lead, written below
      }
    }
    for (const { index, cause, members } of groups.values()) {
      const severity: ModelDiagnostic['severity'] = members.some((m) => m.severity !== 'info') ? 'warning' : 'info';
      const count = `${members.length} later problem${members.length === 1 ? ' follows' : 's follow'} from it`;
      const { range, at } = this.place(cause, fallback);
      const message = `CNN Lens lost track of a value ${at ? `in ${at}` : 'here'}: ${cause.why} (${count})`;
      const related = members.map((m) => ({ message: m.message, range: this.positions.range(m.file, m.from, m.to) }));
      const shown: ModelDiagnostic = at
        ? { severity, message, range, at, related }
        : { severity, message, range, related };
      out[index] = {
        shown,
        text: `lost track of a value: ${cause.why} (${count})`,
        where: this.positions.range(cause.file, cause.from, cause.to),
      };
    }
    return dedupe(mergeImportedNotes(out));
  }

  /**
   * The model's verdict: incomplete when evaluation stopped, when what the forward pass returned
   * holds no tensor (led by where that value was first lost), or when no layer was recorded.
   */
  verdict(
    model: {
      stopped?: { reason: string } & Place;
      output: Value | undefined;
      outputTensors: number;
      layers: number;
      diagnostics: readonly ModelDiagnostic[];
    },
    fallback: SourceRange,
  ): Incompleteness | undefined {
    if (model.stopped) return this.incomplete(model.stopped.reason, model.stopped, fallback);
    if (!model.outputTensors) {
      const origin = model.output && originOf(model.output);
      if (origin) return this.incomplete(origin.why, origin, fallback);
      if (model.output)
        return { reason: `the forward pass returned ${repr(model.output)}, not a tensor`, range: fallback };
    }
    if (!model.layers || !model.outputTensors) {
      const lead = model.diagnostics.find((d) => d.related) ?? model.diagnostics.find((d) => d.severity !== 'info');
      const what = model.layers ? 'no output tensor was recorded' : 'no layer was recorded';
      return lead
        ? { reason: `${what}; first problem: ${lead.message}`, range: lead.range, at: lead.at }
        : { reason: what, range: fallback };
    }
    return undefined;
  }

  /**
   * A model built across a branch taken on a condition it could not know says so, in its own
   * diagnostics: a note, not a verdict, as the branch taken is usually the one Python takes.
   */
  guessed(guess: Guess | undefined, fallback: SourceRange): ModelDiagnostic | undefined {
    return guess && this.placed(guess, 'info', `built assuming the else branch: ${guess.why}`, fallback);
  }

  private incomplete(reason: string, where: Place, fallback: SourceRange): Incompleteness {
    const { range, at } = this.place(where, fallback);
    return { reason: at ? `${reason} (in ${at})` : reason, range, at };
  }

  private placed(
    p: Place,
    severity: ModelDiagnostic['severity'],
    message: string,
    fallback: SourceRange,
  ): ModelDiagnostic {
    const { range, at } = this.place(p, fallback);
    return at ? { severity, message: `${message} (in ${at})`, range, at } : { severity, message, range };
  }

  /** A statement's first line, so a whole `class` or `if` block is not underlined. */
  firstLine(from: number, to: number): SourceRange {
    const range = this.positions.range(this.userFile, from, to);
    if (range.end.line === range.start.line) return range;
    // Measured on the program's own lines: a notebook's ranges count lines within their cell.
    const index = this.positions.index(this.userFile);
    const line = index?.position(from).line;
    const lineEnd =
      index && line !== undefined ? index.lineStart(line + 1) - 1 - index.lineStart(line) : range.start.character + 1;
    return {
      ...range,
      end: { line: range.start.line, character: Math.max(lineEnd, range.start.character + 1) },
    };
  }
}

/** A diagnostic as shown, with its words before placing and the place it really concerns (maybe in another file). */
interface Folded {
  readonly shown: ModelDiagnostic;
  readonly text: string;
  readonly where: SourceRange;
}

/**
 * Notes from inside imported code (a branch torchvision's module code took on an unknown
 * condition) all land on the user's line that led there: several there become one note, each kept
 * as related information at its own place, so the line says what was assumed without a pile of hints.
 */
function mergeImportedNotes(folded: readonly Folded[]): ModelDiagnostic[] {
  const imported = (f: Folded) => f.shown.severity === 'info' && !!f.shown.at;
  const byLine = new Map<number, Folded[]>();
  for (const f of folded)
    if (imported(f)) byLine.set(f.shown.range.start.line, [...(byLine.get(f.shown.range.start.line) ?? []), f]);
  const out: ModelDiagnostic[] = [];
  for (const f of folded) {
    const together = imported(f) ? byLine.get(f.shown.range.start.line)! : [f];
    if (together.length === 1) out.push(f.shown);
    else if (together[0] === f) {
      const related = together.flatMap((g) => [{ message: g.text, range: g.where }, ...(g.shown.related ?? [])]);
      out.push({
        severity: 'info',
        message: `${together.length} notes inside imported code reached from here; the first, in ${f.shown.at}: ${f.text}`,
        range: f.shown.range,
        at: f.shown.at,
        related,
      });
    }
  }
  return out;
}

/** Several places inside another file shown at the same line with the same words say it once. */
function dedupe(diagnostics: readonly ModelDiagnostic[]): ModelDiagnostic[] {
  const seen = new Set<string>();
  return diagnostics.filter((d) => {
    const key = `${d.range.start.line}:${d.range.start.character}:${d.severity}:${d.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
