/**
 * The branches the evaluator took on conditions it could not know. A model built across one says
 * so in its own diagnostics (built assuming the else branch), at the condition. Which
 * guesses belong to which model: those made while its entry ran (a class built and traced, a
 * factory called), found by a mark taken before; and for a model bound at module level, those
 * made by the module's top-level statements, except the statements that build another model (a
 * file building four models must not blame each for the others' guesses). A guess made while a
 * module ran for an import marks that module instead (it runs once per session): reading one of
 * its names later logs the guess again, as state built on it (timm's registry, filled by
 * decorators at import).
 */

import type { GuessedBranch } from './values';

interface Span {
  readonly from: number;
  readonly to: number;
}

/**
 * A branch taken on a condition CNN Lens could not know; `via`, for a guess in another file, is the
 * statement of the analysed file that was running.
 */
export type Guess = GuessedBranch;

interface Logged {
  readonly guess: Guess;
  /** The log's count when it last happened. */
  last: number;
  /** The analysed file's top-level statements running when it happened. */
  readonly tops: Span[];
}

export class GuessLog {
  /** By place, in order of first occurrence. */
  private readonly byPlace = new Map<string, Logged>();
  private count = 0;

  clear(): void {
    this.byPlace.clear();
  }

  record(guess: Guess, top: Span | undefined): void {
    const key = `${guess.file}:${guess.from}`;
    let logged = this.byPlace.get(key);
    if (!logged) this.byPlace.set(key, (logged = { guess, last: 0, tops: [] }));
    logged.last = ++this.count;
    if (top && !logged.tops.includes(top)) logged.tops.push(top);
  }

  /** A mark to pass to `since`. */
  mark(): number {
    return this.count;
  }

  /** The first place (in order of first occurrence) a branch was guessed at since `mark`. */
  since(mark: number): Guess | undefined {
    for (const g of this.byPlace.values()) if (g.last > mark) return g.guess;
    return undefined;
  }

  /** The first place guessed at while a top-level statement `counts` ran. */
  atTopLevel(counts: (top: Span) => boolean): Guess | undefined {
    for (const g of this.byPlace.values()) if (g.tops.some(counts)) return g.guess;
    return undefined;
  }
}
