/**
 * Golden summaries of the notebooks (test/fixtures/notebooks and its nbformat/ variants, and every
 * samples/*.ipynb): what `cnn-lens summary NOTEBOOK` prints, layer table, totals, saved-output checks
 * and `cell N, line M` diagnostics, compared with the checked-in text under
 * test/fixtures/notebooks/golden (the sample's under golden/samples). A missing or changed golden
 * fails and so does a golden whose notebook is gone; `npm run test:unit -- --update` rewrites them
 * (test/support/golden.ts), and the diff is reviewed by hand. The goldens' totals were checked
 * against the notebooks' saved outputs (the README there): keras_course HappyModel 14,241 and
 * TinyResNet 2,014, torch_torchinfo SmallCNN 24,346 and Classifier 66,090 against a stale 61,290,
 * tiny_cnn 13,610 in every nbformat, the sample's smile_model 466,785. The malformed notebooks are not
 * summaries (test/unit/cliNotebook.test.ts checks their one-line refusals). Imports are looked up in
 * an empty folder, so what the machine has installed cannot change the text.
 */
import * as assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { assertGolden, updateCommand } from '../../support/golden';
import { runCli } from '../../support/runCli';

const root = join(__dirname, '../../..');
const fixtures = join(root, 'test/fixtures/notebooks');
const goldenDir = join(fixtures, 'golden');

function notebooks(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name === 'golden' || name === 'malformed' ? [] : notebooks(path);
    return name.endsWith('.ipynb') ? [path] : [];
  });
}

function textFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? textFiles(path) : name.endsWith('.txt') ? [path] : [];
  });
}

const samples = readdirSync(join(root, 'samples'))
  .filter((n) => n.endsWith('.ipynb'))
  .map((n) => join(root, 'samples', n));
const files = [...notebooks(fixtures), ...samples].sort();

/** golden/keras_course.txt, golden/nbformat/tiny_cnn_v3.txt, golden/samples/keras_course_notebook.txt. */
const goldenOf = (file: string) =>
  join(
    goldenDir,
    (file.startsWith(fixtures) ? relative(fixtures, file) : relative(root, file)).replace(/\.ipynb$/, '.txt'),
  );

describe('notebook summaries (goldens)', function () {
  this.timeout(60_000);
  let emptyPath: string;
  before(() => (emptyPath = mkdtempSync(join(tmpdir(), 'cnn-lens-no-packages-'))));
  after(() => rmSync(emptyPath, { recursive: true, force: true }));

  it('finds the fixtures, every nbformat variant and the sample', () => {
    const names = files.map((f) => relative(root, f));
    assert.equal(names.length, 10, names.join(', '));
    for (const name of ['keras_course', 'torch_torchinfo', 'nbformat/tiny_cnn_v3', 'nbformat/tiny_cnn_v4.5'])
      assert.ok(names.includes(`test/fixtures/notebooks/${name}.ipynb`), name);
    assert.ok(names.includes('samples/keras_course_notebook.ipynb'));
  });

  for (const file of files) {
    const name = relative(root, file);
    it(`summarises ${name} as its golden file says`, async () => {
      const r = await runCli('summary', name, '--python-path', emptyPath);
      assert.equal(r.code, 0, r.err);
      const err = r.err ? `\nstderr:\n${r.err}` : '';
      assertGolden(goldenOf(file), `# cnn-lens summary ${name}\n\n${r.out}${err}`);
    });
  }

  it('has no golden without its notebook', () => {
    const wanted = new Set(files.map(goldenOf));
    const orphans = textFiles(goldenDir)
      .filter((g) => !wanted.has(g))
      .map((g) => relative(root, g));
    assert.deepEqual(
      orphans,
      [],
      `goldens whose notebook is gone: delete them (git rm), or restore the notebook; then \`${updateCommand}\``,
    );
  });
});
