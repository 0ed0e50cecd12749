/**
 * What the model-file fuzz test requires of every result: models, or an error that is a sentence
 * a user can read (never an internal error or a rule that threw); and, for absurd claims, a refusal
 * that allocates next to nothing. Nothing here reads the clock: the analyses run with a frozen one
 * (`frozenClock`), so their verdicts are the same on a loaded machine as on an idle one, and a call
 * that never returns is caught by mocha's timeout. How long calls take is bench/fuzz.bench.mjs's.
 */
import * as assert from 'node:assert/strict';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { FileAnalysis } from '../../../src/core/frontends/modelResult';
import type { RuleDiagnostic } from '../../../src/core/shapes/rule';
import type { NodeResult } from '../../../src/core/shapes/shapePass';

/** Options for the front-ends with a time budget: a clock that never moves, so the budget never decides a verdict. */
export const frozenClock = { now: () => 0 } as const;

/** A full collection, so memory figures measure what is kept, not garbage not yet collected. */
export function collectGarbage(): void {
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
}

// ---- checks -----------------------------------------------------------------------------------

/** A diagnostic a user can read: words, not a stack, `undefined` or an empty string. */
export function isSentence(message: unknown): boolean {
  return (
    typeof message === 'string' &&
    message.trim().length >= 8 &&
    /[a-z]{2}/i.test(message) &&
    / /.test(message.trim()) &&
    !/^\s*(undefined|null|\[object Object\])\s*$/.test(message)
  );
}

/** What is wrong with a FileAnalysis, or undefined: models or an error sentence, no internal errors. */
export function problemWith(result: FileAnalysis): string | undefined {
  if (!result || !Array.isArray(result.models) || !Array.isArray(result.diagnostics))
    return `not a FileAnalysis: ${String(result)}`;
  const messages = [...result.diagnostics, ...result.models.flatMap((m) => m.diagnostics)];
  for (const d of messages)
    if (!isSentence(d.message)) return `diagnostic is not a sentence: ${JSON.stringify(d.message)}`;
  const internal = messages.find((d) => /internal error/i.test(d.message));
  if (internal) return internal.message;
  for (const m of result.models) {
    const rule = m.analysis.nodeResults
      .flatMap((r: NodeResult) => r.diagnostics)
      .find((d: RuleDiagnostic) => d.code === 'internal');
    if (rule) return `a shape rule threw: ${rule.message}`;
  }
  if (result.models.length) return undefined;
  if (!result.diagnostics.some((d) => d.severity === 'error')) return 'no models and no error saying why';
  return undefined;
}

/** Runs one call, turning an escaped exception or an invalid result into a failure that names its replay. */
export async function check<T>(
  where: string,
  call: () => T | Promise<T>,
  validate: (r: T) => string | undefined,
): Promise<void> {
  let result: T;
  try {
    result = await call();
  } catch (e) {
    assert.fail(`${where}: threw ${e instanceof Error ? e.stack : `a non-Error ${String(e)}`}`);
  }
  const problem = validate(result);
  if (problem) assert.fail(`${where}: ${problem}`);
}

/** `{ error }` results: the error is a sentence. */
export function errorProblem(r: unknown): string | undefined {
  if (r && typeof r === 'object' && 'error' in r)
    return isSentence((r as { error: unknown }).error)
      ? undefined
      : `error is not a sentence: ${JSON.stringify((r as { error: unknown }).error)}`;
  return undefined;
}

/** Asserts `call` refuses and allocates little doing so: rss and ArrayBuffer growth under `maxBytes`. */
export async function refusedCheaply(
  where: string,
  call: () => unknown,
  refused: (r: unknown) => boolean,
  maxBytes = 64 * 2 ** 20,
): Promise<void> {
  const before = process.memoryUsage();
  let result: unknown;
  try {
    result = await call();
  } catch (e) {
    assert.fail(`${where}: threw ${e instanceof Error ? e.stack : String(e)}`);
  }
  const after = process.memoryUsage();
  assert.ok(
    refused(result),
    `${where}: not refused: ${JSON.stringify(result, (_, v) => (v instanceof Map ? [...v.keys()] : ArrayBuffer.isView(v) ? `<${v.byteLength} bytes>` : v))?.slice(0, 500)}`,
  );
  assert.ok(
    after.arrayBuffers - before.arrayBuffers < maxBytes,
    `${where}: ArrayBuffers grew by ${((after.arrayBuffers - before.arrayBuffers) / 2 ** 20).toFixed(0)} MB`,
  );
  assert.ok(
    after.rss - before.rss < maxBytes,
    `${where}: rss grew by ${((after.rss - before.rss) / 2 ** 20).toFixed(0)} MB`,
  );
}

export const hasError = (r: unknown) =>
  !!r && typeof r === 'object' && 'error' in r && isSentence((r as { error: unknown }).error);
export const analysisRefused = (r: unknown) => {
  const a = r as FileAnalysis;
  return a.models.length === 0 && a.diagnostics.some((d) => d.severity === 'error' && isSentence(d.message));
};
