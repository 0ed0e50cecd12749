/**
 * The Python front-end on our own fixtures (test/fixtures/python): every file's summary is a
 * golden text (test/fixtures/python/golden: a missing or changed golden fails, and so does a golden
 * whose fixture is gone; `npm run test:unit -- --update` rewrites them, review the diff), every entry point's totals
 * and output shape equal the ground truth recorded in
 * EXPECTED.json (PyTorch 1.13 forward passes for PyTorch, tfjs-layers builds for Keras), and the
 * deliberately broken file reports its problems on the right lines.
 */
import * as assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { summaryTable } from '../../../src/core/analysis/summary';
import { type PythonAnalysis } from '../../../src/core/frontends/python/analyzePython';
import { assertGolden, updateCommand } from '../../support/golden';
import { analyzePython } from '../../../src/core/analysis/analyzeDocument';

const fixtures = join(__dirname, '../../fixtures/python');
const goldenDir = join(fixtures, 'golden');
const host = { read: (p: string) => (existsSync(p) ? readFileSync(p, 'utf8') : undefined), searchPaths: [] };

function pyFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name === 'golden' ? [] : pyFiles(path);
    return name.endsWith('.py') && name !== '__init__.py' ? [path] : [];
  });
}

const goldenOf = (file: string) => join(goldenDir, relative(fixtures, file).replace(/\.py$/, '.txt'));

function goldenFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) =>
    statSync(join(dir, name)).isDirectory()
      ? goldenFiles(join(dir, name))
      : name.endsWith('.txt')
        ? [join(dir, name)]
        : [],
  );
}

export function analyzeFixture(path: string, entry?: string): PythonAnalysis {
  return analyzePython(path, readFileSync(path, 'utf8'), { host, entry, timeMs: 10_000, now: () => 0 });
}

function render(path: string, result: PythonAnalysis): string {
  const where = (r: { start: { line: number }; uri?: string }) =>
    r.uri ? `${relative(fixtures, r.uri)}:${r.start.line + 1}` : `line ${r.start.line + 1}`;
  const models = result.models
    .map((m) => summaryTable(m).replace(/\n$/, '') + (m.diagnostics.length ? '' : ''))
    .join('\n\n');
  const problems = result.diagnostics.map((d) => `${where(d.range)}: ${d.severity}: ${d.message}`);
  return `# ${relative(fixtures, path)}\n\n${models}\n${problems.length ? `\nFile diagnostics:\n${problems.join('\n')}\n` : ''}`;
}

describe('Python front-end on our fixtures', function () {
  this.timeout(60_000);
  const files = pyFiles(fixtures);

  it('finds fixtures in both frameworks', () => {
    assert.ok(files.some((f) => f.includes('/pytorch/')) && files.some((f) => f.includes('/keras/')), files.join(', '));
  });

  for (const file of files) {
    it(`summarises ${relative(fixtures, file)} as its golden file says`, () => {
      assertGolden(goldenOf(file), render(file, analyzeFixture(file)));
    });
  }

  it('has no golden without its fixture', () => {
    const wanted = new Set(files.map(goldenOf));
    const orphans = goldenFiles(goldenDir)
      .filter((g) => !wanted.has(g))
      .map((g) => relative(fixtures, g));
    assert.deepEqual(
      orphans,
      [],
      `goldens whose fixture is gone: delete them (git rm), or restore the fixture; then \`${updateCommand}\``,
    );
  });

  for (const framework of ['pytorch', 'keras']) {
    const expected = JSON.parse(readFileSync(join(fixtures, framework, 'EXPECTED.json'), 'utf8')) as Record<
      string,
      { output: (number | null)[]; params: number; trainable: number }
    >;
    it(`matches the ${framework === 'pytorch' ? 'PyTorch' : 'tfjs-layers'} ground truth for all ${Object.keys(expected).length} ${framework} entry points`, () => {
      const failures: string[] = [];
      for (const [key, e] of Object.entries(expected)) {
        const [file, entry] = key.split('::');
        const result = analyzeFixture(join(fixtures, framework, file), entry);
        const model = result.models[0];
        if (!model) {
          failures.push(`${key}: no model found`);
          continue;
        }
        const output = model.analysis.totals.outputShapes[0]?.map((d) => (typeof d === 'number' ? d : null));
        const t = model.analysis.totals;
        if (
          JSON.stringify(output) !== JSON.stringify(e.output) ||
          t.params !== e.params ||
          t.trainable !== e.trainable
        ) {
          failures.push(
            `${key}: output ${JSON.stringify(output)} params ${t.params} trainable ${t.trainable}; expected ${JSON.stringify(e.output)} ${e.params} ${e.trainable}`,
          );
        }
      }
      assert.deepEqual(failures, []);
    });
  }

  it('reports the broken fixture on the right lines and keeps the healthy parts', () => {
    const result = analyzeFixture(join(fixtures, 'pytorch/broken_diagnostics.py'));
    const byModel = new Map(result.models.map((m) => [m.name, m]));
    const nodeErrors = (name: string) =>
      byModel
        .get(name)!
        .analysis.nodeResults.flatMap((r) =>
          r.diagnostics
            .filter((d) => d.severity === 'error')
            .map((d) => `${r.node.calledAt!.start.line + 1}: ${d.message}`),
        );
    assert.deepEqual(nodeErrors('ChannelMismatchNet'), ['28: Conv2d expects 64 input channels but receives 32']);
    assert.deepEqual(nodeErrors('LinearMismatchNet'), [
      '47: Linear expects 12,544 input features but receives 50,176 (input [1, 50176])',
    ]);
    assert.deepEqual(
      [...byModel.values()].map((m) => m.analysis.totals.params),
      [38_474, 125_898, 258],
    );
    const syntax = result.diagnostics.filter((d) => d.message.startsWith('syntax error'));
    assert.deepEqual(
      syntax.map((d) => [d.range.start.line + 1, d.range.start.character + 1, d.message]),
      [[59, 19, "syntax error: '(' was never closed"]],
    );
  });
});
