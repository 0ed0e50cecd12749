// Known gaps: checks the evaluator does not pass yet, listed in known-gaps.json with the reason
// each failed (its first mismatch or error), so that none is hidden and none is silently fixed.
// A listed check that fails with the same reason is "skipped (known gap: …)"; one that fails
// differently fails (its gap changed — a regression or progress to review), and one that now
// passes fails until it is removed from the list (strict xfail). An unlisted check must pass.
// `--update-gaps` rewrites the list from the current run (entries of checks not run are kept).
import { existsSync, readFileSync, writeFileSync } from 'node:fs';

const ABOUT =
  'Conformance checks (test/conformance/run.mjs) that fail today, each with its first mismatch or error. ' +
  'Regenerate with `node test/conformance/run.mjs --update-gaps` and review the diff; a listed check that passes fails the run.';

/** The known gaps as a Map from check id to reason. */
export function loadGaps(file) {
  if (!existsSync(file)) return new Map();
  return new Map(Object.entries(JSON.parse(readFileSync(file, 'utf8')).gaps ?? {}));
}

/** A failure's first line, with machine-specific paths replaced so the reason is stable. */
export function reasonOf(line, { tvDir, tmpDir }) {
  return line.split(tmpDir).join('<tmp>').split(tvDir).join('<torchvision>');
}

/**
 * The status of one check: 'pass', 'fail' or 'skip' with the line that explains it. `problems` are
 * its mismatches in order (the first is its reason); `hard` are failures a gap never excuses
 * (a golden that no longer matches torch).
 */
export function judge(id, problems, hard, gaps, paths) {
  if (hard.length) return { status: 'fail', why: hard[0] };
  const known = gaps.get(id);
  if (!problems.length) {
    return known === undefined
      ? { status: 'pass' }
      : { status: 'fail', why: `known gap now passes: remove '${id}' from known-gaps.json (--update-gaps)` };
  }
  const reason = reasonOf(problems[0], paths);
  if (known === reason) return { status: 'skip', why: `known gap: ${reason}` };
  if (known !== undefined)
    return { status: 'fail', why: `known gap changed (--update-gaps): was "${known}", now "${reason}"` };
  return { status: 'fail', why: reason };
}

/** Rewrites the list: this run's failing checks with their reasons, plus the entries of checks not run. */
export function writeGaps(file, previous, rows, paths) {
  const ran = new Set(rows.map((r) => r.id));
  const gaps = Object.fromEntries([...previous].filter(([id]) => !ran.has(id)));
  for (const r of rows) if (r.problems.length) gaps[r.id] = reasonOf(r.problems[0], paths);
  const sorted = Object.fromEntries(
    Object.keys(gaps)
      .sort()
      .map((id) => [id, gaps[id]]),
  );
  writeFileSync(file, `${JSON.stringify({ about: ABOUT, gaps: sorted }, null, 2)}\n`);
  return Object.keys(sorted).length;
}
