/**
 * The course-style Keras fixtures (test/fixtures/python/keras/course) against real Keras 3.15.1:
 * KERAS_ORACLE.json holds what Keras built for each entry (totals, and every top-level layer's name
 * and output shape), made by test/oracle/keras_course_oracle.mjs where ../shared/keras-oracle runs
 * (that script re-checks the file there). Each entry must match exactly: the totals, and each
 * layer Keras lists found under the same name with the same output shape. An entry whose model
 * needs Keras's own source (keras.applications) is checked against it only when that source is on
 * the path (CNN_LENS_KERAS_SRC); without it the model must say so at the call, never come out empty.
 */
import * as assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type ModelResult } from '../../../src/core/frontends/python/analyzePython';
import { analyzePython } from '../../../src/core/analysis/analyzeDocument';

const course = join(__dirname, '../../fixtures/python/keras/course');
const kerasSource = process.env.CNN_LENS_KERAS_SRC;

interface OracleLayer {
  readonly name: string;
  readonly class: string;
  readonly output: readonly (number | null)[];
}
interface OracleEntry {
  readonly params: number;
  readonly trainable: number;
  readonly nonTrainable: number;
  readonly output: readonly (number | null)[];
  readonly layers: readonly OracleLayer[];
}

const oracle = JSON.parse(readFileSync(join(course, 'KERAS_ORACLE.json'), 'utf8')) as Record<string, OracleEntry>;

function analyze(file: string, entry: string): ModelResult | undefined {
  const path = join(course, file);
  const host = {
    read: (p: string) => (existsSync(p) ? readFileSync(p, 'utf8') : undefined),
    searchPaths: kerasSource ? [kerasSource] : [],
  };
  return analyzePython(path, readFileSync(path, 'utf8'), { host, entry, timeMs: 60_000, now: () => 0 }).models[0];
}

const needsKerasSource = (file: string) => readFileSync(join(course, file), 'utf8').includes('applications');
const plain = (shape: readonly (number | string | null)[] | undefined) =>
  (shape ?? []).map((d) => (typeof d === 'number' ? d : null));

describe('Keras course fixtures against real Keras 3.15.1', () => {
  for (const [key, truth] of Object.entries(oracle)) {
    if (key.startsWith('_')) continue;
    const [file, entry] = key.split('::');
    if (needsKerasSource(file) && !kerasSource) {
      it(`${key}: says Keras's source is not on the Python path, at the call, and is not shown complete`, () => {
        const model = analyze(file, entry);
        assert.ok(model, 'the entry is still listed');
        assert.ok(model.incomplete, 'an empty model must not look complete');
        assert.match(model.incomplete.reason, /Keras's source is not on the Python path/);
      });
      continue;
    }
    it(`${key}: totals and every layer's output shape are Keras's`, () => {
      const model = analyze(file, entry);
      assert.ok(model, `no model ${entry} in ${file}`);
      assert.equal(model.incomplete, undefined, JSON.stringify(model.incomplete));
      const { params, trainable, nonTrainable, outputShapes } = model.analysis.totals;
      assert.deepEqual(
        { params, trainable, nonTrainable, output: plain(outputShapes[0]) },
        { params: truth.params, trainable: truth.trainable, nonTrainable: truth.nonTrainable, output: truth.output },
      );
      // A layer's output, or a group's (a Lambda, a nested model): the last node inside it.
      const ours = new Map<string, readonly (number | null)[]>();
      for (const r of model.analysis.nodeResults) {
        const shape = plain(r.outputShapes[0]);
        if (r.node.name) ours.set(r.node.name, shape);
        for (let g = model.graph.groups.get(r.node.groupId ?? ''); g; g = model.graph.groups.get(g.parentId ?? ''))
          if (g.name) ours.set(g.name, shape);
      }
      const wrong = truth.layers
        .filter((l) => l.class !== 'InputLayer')
        .filter((l) => JSON.stringify(ours.get(l.name)) !== JSON.stringify(l.output))
        .map(
          (l) => `${l.name} (${l.class}): Keras ${JSON.stringify(l.output)}, ours ${JSON.stringify(ours.get(l.name))}`,
        );
      assert.deepEqual(wrong, []);
    });
  }
});
