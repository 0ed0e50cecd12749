/**
 * Keras 3.15.1's own applications (keras/src/applications), evaluated from Keras's source as a user's
 * `keras.applications.X(weights=None)` would be, against what real Keras built
 * (test/fixtures/keras-applications/KERAS_APPS.json, made through ../shared/keras-oracle): exact
 * totals and every layer of `model.layers` with Keras's name and output shape. CI has no Keras
 * source, so this runs where CNN_LENS_KERAS_SRC points to a Keras 3.15.1 tree (a site-packages
 * holding keras/, or an unpacked source checkout) and says why it skips otherwise. KNOWN_GAPS are
 * the applications CNN Lens does not get right yet; each must still fail, so a fix updates it.
 */
import * as assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PythonProgram, type ModelResult } from '../../../src/core/frontends/python/analyzePython';
import { analyzePython } from '../../../src/core/analysis/analyzeDocument';

const kerasSource = process.env.CNN_LENS_KERAS_SRC;
const truthFile = join(__dirname, '../../fixtures/keras-applications/KERAS_APPS.json');

interface AppTruth {
  readonly params: number;
  readonly trainable: number;
  readonly nonTrainable: number;
  readonly output: string;
  readonly layers: Readonly<Record<string, string | null>>;
}

/** Why each gap is open. */
const KNOWN_GAPS: Readonly<Record<string, string>> = {};

const shapeText = (shape: readonly (number | string | null)[] | undefined) =>
  shape ? shape.map((d) => (typeof d === 'number' ? d : 'N')).join('x') : null;

/** Where this application differs from Keras: totals, then layers, as readable lines. */
function differences(model: ModelResult | undefined, truth: AppTruth): string[] {
  if (!model) return ['no model'];
  const problems: string[] = [];
  if (model.incomplete) problems.push(`incomplete: ${model.incomplete.reason}`);
  const t = model.analysis.totals;
  const ours = {
    params: t.params,
    trainable: t.trainable,
    nonTrainable: t.nonTrainable,
    output: shapeText(t.outputShapes[0]),
  };
  const keras = {
    params: truth.params,
    trainable: truth.trainable,
    nonTrainable: truth.nonTrainable,
    output: truth.output,
  };
  if (JSON.stringify(ours) !== JSON.stringify(keras))
    problems.push(`ours ${JSON.stringify(ours)}, Keras ${JSON.stringify(keras)}`);
  // A layer's output, or a custom layer's (a group: its call() traced), the last node inside it.
  const shapes = new Map<string, string | null>();
  for (const r of model.analysis.nodeResults) {
    const shape = shapeText(r.outputShapes[0]);
    if (r.node.name) shapes.set(r.node.name, shape);
    // A layer of a nested Sequential is listed by Keras under its path, `stem/stem_conv`.
    const parent = model.graph.groups.get(r.node.groupId ?? '');
    if (r.node.name && parent?.name) shapes.set(`${parent.name}/${r.node.name}`, shape);
    for (let g = model.graph.groups.get(r.node.groupId ?? ''); g; g = model.graph.groups.get(g.parentId ?? ''))
      if (g.name) shapes.set(g.name, shape);
  }
  for (const [name, shape] of Object.entries(truth.layers))
    if (shapes.get(name) !== shape) problems.push(`${name}: Keras ${shape}, ours ${shapes.get(name) ?? 'missing'}`);
  return problems;
}

describe('Keras 3.15.1 applications from their own source, against real Keras', function () {
  this.timeout(600_000);
  const truth = JSON.parse(readFileSync(truthFile, 'utf8')) as Record<string, AppTruth>;
  const apps = Object.keys(truth).filter((k) => !k.startsWith('_'));
  if (!kerasSource || !existsSync(join(kerasSource, 'keras/src/applications'))) {
    it('is skipped: CNN_LENS_KERAS_SRC does not point to a Keras 3 tree (keras/src/applications)', function () {
      this.skip();
    });
    return;
  }
  const program = new PythonProgram();
  const host = {
    read: (p: string) => (existsSync(p) ? readFileSync(p, 'utf8') : undefined),
    searchPaths: [kerasSource],
  };
  const analyze = (name: string) => {
    const text = `import keras\nmodel = keras.applications.${name}(weights=None)\n`;
    return analyzePython(`/ws/${name}.py`, text, { host, program, timeMs: 120_000, now: () => 0 }).models[0];
  };

  for (const name of apps) {
    const gap = KNOWN_GAPS[name];
    it(gap ? `${name}: still a known gap (${gap})` : `${name}: exact totals and every layer's output shape`, () => {
      const problems = differences(analyze(name), truth[name]);
      if (gap) assert.notDeepEqual(problems, [], `${name} now matches Keras: remove it from KNOWN_GAPS`);
      else assert.deepEqual(problems.slice(0, 10), []);
    });
  }

  it('lists in KNOWN_GAPS only applications it checks', () => {
    assert.deepEqual(
      Object.keys(KNOWN_GAPS).filter((k) => !apps.includes(k)),
      [],
    );
  });
});

/**
 * Debian's python3-keras-applications (keras_applications 1.0.8: the code tf.keras 2 wrapped, handed
 * Keras's modules as `backend=`, `layers=`, `models=`, `utils=`), which CI installs: each model
 * against KERAS_APPLICATIONS_1_0_8.json, built by real Keras where it builds them (totals and every
 * layer's shape), else Keras's published totals.
 */
describe("Debian's keras_applications 1.0.8 with Keras's modules passed in", function () {
  this.timeout(600_000);
  const site = process.env.CNN_LENS_KERAS_APPLICATIONS ?? '/usr/lib/python3/dist-packages';
  const goldens = JSON.parse(
    readFileSync(join(__dirname, '../../fixtures/keras-applications/KERAS_APPLICATIONS_1_0_8.json'), 'utf8'),
  ) as Record<string, Partial<AppTruth> & { source: string; params: number }>;
  if (!existsSync(join(site, 'keras_applications/resnet_common.py'))) {
    const why = `keras_applications is not installed in ${site} (apt-get install python3-keras-applications)`;
    it(`is skipped: ${why}`, function () {
      this.skip();
    });
    return;
  }
  const program = new PythonProgram();
  const host = { read: (p: string) => (existsSync(p) ? readFileSync(p, 'utf8') : undefined), searchPaths: [site] };
  for (const [key, golden] of Object.entries(goldens)) {
    if (key.startsWith('_')) continue;
    const [module, name] = key.split('.');
    const what = golden.layers ? "Keras's totals and every layer's output shape" : "Keras's published totals";
    it(`${key}: ${what}`, () => {
      const text = [
        'import keras',
        `from keras_applications import ${module}`,
        `model = ${module}.${name}(weights=None, backend=keras.backend, layers=keras.layers, models=keras.models,`,
        '    utils=keras.utils)',
        '',
      ].join('\n');
      const model = analyzePython(`/ws/${key}.py`, text, { host, program, timeMs: 120_000, now: () => 0 }).models[0];
      if (golden.layers) {
        assert.deepEqual(differences(model, golden as AppTruth).slice(0, 10), []);
        return;
      }
      assert.ok(model, `no model from ${key}`);
      assert.equal(model.incomplete, undefined, JSON.stringify(model.incomplete));
      const { params, trainable, nonTrainable } = model.analysis.totals;
      assert.equal(params, golden.params);
      if (golden.trainable !== undefined)
        assert.deepEqual([trainable, nonTrainable], [golden.trainable, golden.nonTrainable]);
    });
  }
});
