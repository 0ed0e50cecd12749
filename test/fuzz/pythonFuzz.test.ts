/**
 * Fuzzing the Python front-end with broken versions of every fixture (./pythonMutations.ts): lines
 * deleted, duplicated or swapped, tokens dropped, brackets unbalanced, files cut short, infinite
 * loops inserted. No exception may escape analyzePython, no internal error may be reported, and
 * every analysis must end normally or be stopped by its step or recursion budget within the
 * allowance it was given. The clock is frozen, so the time budget never decides anything and a
 * run on a loaded machine gives the same verdicts as on an idle one; how long analyses take is
 * measured in bench/fuzz.bench.mjs. Deterministic (seeded), so a failure replays from the file and
 * mutation index it prints. CNN_LENS_FUZZ_MUTATIONS sets mutations per fixture (default 100;
 * `npm run test:full` runs 1,000).
 */
import * as assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { PythonProgram, internalErrorPrefix, type PythonAnalysis } from '../../src/core/frontends/python/analyzePython';
import { random } from './modelFiles/mutators';
import { mutate } from './pythonMutations';
import { analyzePython } from '../../src/core/analysis/analyzeDocument';

const fixtures = join(__dirname, '../fixtures/python');
const mutationsPerFile = Number(process.env.CNN_LENS_FUZZ_MUTATIONS ?? 100);
/** Steps each evaluation phase (the module, then each model) may take: 10× what the largest fixture needs. */
const stepAllowance = 50_000;
/** Steps a stopped analysis may still count while it unwinds (each further step throws again). */
const unwindSlack = 1_000;
const host = { read: (p: string) => (existsSync(p) ? readFileSync(p, 'utf8') : undefined), searchPaths: [] };

function pyFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name === 'golden' ? [] : pyFiles(path);
    return name.endsWith('.py') ? [path] : [];
  });
}

/** One analysis under the step allowance with a frozen clock, and how many allowances it was given. */
function analyse(file: string, text: string): { result: PythonAnalysis; phases: number } {
  const program = new PythonProgram();
  const { interp } = program.session;
  let phases = 1;
  const renew = interp.renewBudget.bind(interp);
  interp.renewBudget = (timeMs: number) => {
    phases++;
    renew(timeMs);
  };
  const result = analyzePython(file, text, { host, program, maxSteps: stepAllowance, now: () => 0 });
  return { result, phases };
}

const messagesOf = (result: PythonAnalysis) =>
  [...result.diagnostics, ...result.models.flatMap((m) => m.diagnostics)].map((d) => d.message);

/**
 * What is wrong with an analysis, or undefined: an internal error, a stop that is not its budget, steps past the
 * allowance.
 */
function problemWith({ result, phases }: ReturnType<typeof analyse>): string | undefined {
  const messages = messagesOf(result);
  // The analyser turns its own bugs into a diagnostic so the editor survives; here they fail.
  const internal = messages.find((m) => m.startsWith(internalErrorPrefix));
  if (internal) return internal;
  const stop = messages.find(
    (m) => m.startsWith('analysis stopped') && !/^analysis stopped: (step budget exceeded|recursion too deep)/.test(m),
  );
  if (stop) return `stopped by something other than its step or recursion budget: ${stop}`;
  const limit = phases * (stepAllowance + unwindSlack);
  if (result.steps > limit)
    return `took ${result.steps} steps, past ${phases} allowance(s) of ${stepAllowance} (limit ${limit})`;
  return undefined;
}

describe('Python front-end under fuzzing', function () {
  // ~10–60 ms per mutation on an idle 2-core machine (pkg/nets/tiny.py the slowest): 10× the slowest.
  this.timeout(mutationsPerFile * 600 + 10_000);
  for (const file of pyFiles(fixtures)) {
    const name = relative(fixtures, file);
    it(`survives ${mutationsPerFile} mutations of ${name}, each ending normally or at its step budget`, () => {
      const text = readFileSync(file, 'utf8');
      const clean = analyse(file, text);
      assert.equal(problemWith(clean), undefined);
      const stopped = messagesOf(clean.result).find((m) => m.startsWith('analysis stopped'));
      assert.equal(stopped, undefined, `${name} itself must fit the allowance of ${stepAllowance} steps`);
      const rnd = random(text.length);
      for (let k = 0; k < mutationsPerFile; k++) {
        const mutated = mutate(text, rnd);
        let outcome: ReturnType<typeof analyse>;
        try {
          outcome = analyse(file, mutated);
        } catch (e) {
          assert.fail(`mutation ${k} of ${name} threw ${(e as Error).stack}\n--- source ---\n${mutated}`);
        }
        const problem = problemWith(outcome);
        if (problem) assert.fail(`mutation ${k} of ${name}: ${problem}\n--- source ---\n${mutated}`);
      }
    });
  }
});
