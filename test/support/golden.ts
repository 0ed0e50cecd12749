/**
 * Golden files that never approve themselves: a test compares its output with the checked-in
 * golden, and a missing or different golden fails, naming the file and the command that rewrites
 * it. Rewriting is a deliberate step whose result is reviewed in the diff (as torchinfo's own tests
 * do it): `npm run test:unit -- --update` (test/run.mjs passes it on as CNN_LENS_UPDATE_GOLDEN=1,
 * which also works on its own, and mocha run directly on one file accepts `--update` too).
 */
import * as assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';

const root = join(__dirname, '../..');
export const updateCommand = 'npm run test:unit -- --update';

/** Whether this run rewrites goldens instead of checking them. */
export function updatingGoldens(): boolean {
  return process.env.CNN_LENS_UPDATE_GOLDEN === '1' || process.argv.includes('--update');
}

/** Asserts `actual` equals the golden `file`; when updating, writes it instead (and says so). */
export function assertGolden(file: string, actual: string): void {
  const name = relative(root, file);
  if (updatingGoldens()) {
    const before = existsSync(file) ? readFileSync(file, 'utf8') : undefined;
    if (before === actual) return;
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, actual);
    console.log(
      `      ${before === undefined ? 'wrote' : 'updated'} golden ${name}: review it with git diff before committing`,
    );
    return;
  }
  if (!existsSync(file))
    assert.fail(`golden ${name} is missing: run \`${updateCommand}\` to write it, then review and commit it`);
  assert.equal(
    actual,
    readFileSync(file, 'utf8'),
    `output differs from golden ${name}: if the change is intended, run \`${updateCommand}\` and review the diff`,
  );
}
