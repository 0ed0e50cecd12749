// Ground truth for the course-style Keras fixtures (test/fixtures/python/keras/course): each fixture entry
// is built by REAL Keras 3.15.1 on its torch backend through ../shared/keras-oracle/keras_oracle.py, and its
// totals, input/output shapes and top-level layers (name, class, output shape, params) are compared with
// the checked-in KERAS_ORACLE.json, or rewrite it with --update. The runtime is not in CI (it needs Debian's
// torch and an unpacked Keras, see ../shared/keras-oracle/README.md): where it is missing this prints one
// line saying why it skipped and exits 0. Env: CNN_LENS_KERAS_RUNTIME (default ~/.cache/cnn-lens/keras-runtime),
// CNN_LENS_KERAS_ORACLE (default <repo>/../shared/keras-oracle/keras_oracle.py), CNN_LENS_PYTHON (/usr/bin/python3).
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const dir = join(root, 'test/fixtures/python/keras/course');
const truthFile = join(dir, 'KERAS_ORACLE.json');
const ENTRIES = [
  ['sequential_module.py', 'model'],
  ['add_chain.py', 'model'],
  ['resnet_blocks.py', 'ResNetSmall'],
  ['happy_model.py', 'happyModel'],
  ['happy_model.py', 'convolutional_model'],
  ['transfer_mobilenet.py', 'alpaca_model'],
  ['transfer_mobilenet.py', 'fine_tuned'],
  ['unet.py', 'unet_model'],
  ['face_inception.py', 'faceRecoModel'],
];
const ABOUT =
  'Produced by real Keras 3.15.1 (torch backend) through ../shared/keras-oracle (keras_oracle.py, ' +
  'each entry in a fresh process, factories called with no arguments, weights never loaded). Layers are the ' +
  "model's top-level layers in Keras's own order (model.layers: topological, branches interleaved; Sequential " +
  'omits its InputLayer); a nested model is one row. Auto names are those of a fresh process. ' +
  'Regenerate with `node test/oracle/keras_course_oracle.mjs --update`.';

const runtime = process.env.CNN_LENS_KERAS_RUNTIME || join(homedir(), '.cache/cnn-lens/keras-runtime');
const oracle = process.env.CNN_LENS_KERAS_ORACLE || resolve(root, '../shared/keras-oracle/keras_oracle.py');
const python = process.env.CNN_LENS_PYTHON || '/usr/bin/python3';
const missing = [
  [join(runtime, 'shim/keras_torch113.py'), 'Keras runtime'],
  [join(runtime, 'keras-3.15.1/keras/__init__.py'), 'Keras 3.15.1 in the runtime'],
  [oracle, 'keras_oracle.py'],
  [python, 'python3'],
].find(([p]) => !existsSync(p));
if (missing) {
  const why = `no ${missing[1]} at ${missing[0]}`;
  console.log(`keras_course_oracle: skipped, ${why} (see ../shared/keras-oracle/README.md)`);
  process.exit(0);
}

function run([file, entry]) {
  const env = { ...process.env, PYTHONPATH: `${join(runtime, 'shim')}:${join(runtime, 'keras-3.15.1')}` };
  return new Promise((ok, fail) =>
    execFile(
      python,
      [oracle, join(dir, file), entry, '--kwargs', '{}'],
      { env, cwd: dir, maxBuffer: 64 << 20 },
      (err, stdout, stderr) =>
        err ? fail(new Error(`${file}::${entry}: ${String(stderr).trim().split('\n').pop()}`)) : ok(JSON.parse(stdout)),
    ),
  );
}

function summarize(r) {
  const layers = r.layers
    .filter((l) => !l.path.includes('/'))
    .map((l) => {
      const outs = [...new Set(l.output_shapes.map((s) => JSON.stringify(s)))].map((s) => JSON.parse(s));
      return {
        name: l.name,
        class: l.class,
        output: outs.length === 1 ? outs[0] : outs,
        params: l.params,
        trainable: l.trainable,
      };
    });
  return {
    input: r.input_shape,
    output: r.output_shape,
    params: r.total_params,
    trainable: r.trainable_params,
    nonTrainable: r.non_trainable_params,
    layers,
  };
}

async function buildAll() {
  // a few processes at a time: each one imports torch and Keras
  const out = {};
  const queue = [...ENTRIES];
  await Promise.all(
    [0, 1, 2, 3].map(async () => {
      for (let e = queue.shift(); e; e = queue.shift()) out[e.join('::')] = summarize(await run(e));
    }),
  );
  return Object.fromEntries(ENTRIES.map((e) => [e.join('::'), out[e.join('::')]]));
}

function format(truth) {
  // one line per layer keeps the file reviewable
  const j = (v) => JSON.stringify(v);
  const entries = Object.entries(truth).map(
    ([k, t]) =>
      `  ${j(k)}: {\n    "input": ${j(t.input)}, "output": ` +
      `${j(t.output)},\n    "params": ${t.params}, "trainable": ${t.trainable}, "nonTrainable": ${t.nonTrainable},\n` +
      `    "layers": [\n${t.layers.map((l) => `      ${j(l)}`).join(',\n')}\n    ]\n  }`,
  );
  return `{\n  "_about": ${j(ABOUT)},\n${entries.join(',\n')}\n}\n`;
}

function diff(want, got) {
  const out = [];
  const j = JSON.stringify;
  for (const key of new Set([...Object.keys(want), ...Object.keys(got)])) {
    if (key === '_about') continue;
    const w = want[key],
      g = got[key];
    if (!w || !g) {
      out.push(`${key}: ${w ? 'no longer built' : 'not in KERAS_ORACLE.json'}`);
      continue;
    }
    for (const f of ['input', 'output', 'params', 'trainable', 'nonTrainable']) {
      if (j(w[f]) !== j(g[f])) out.push(`${key}: ${f} ${j(w[f])} != ${j(g[f])} (Keras)`);
    }
    for (let i = 0; i < Math.max(w.layers.length, g.layers.length); i++) {
      const [wl, gl] = [j(w.layers[i]), j(g.layers[i])];
      if (wl !== gl) out.push(`${key}: layer ${i} ${wl} != ${gl} (Keras)`);
    }
  }
  return out;
}

const got = await buildAll().catch((e) => {
  console.error(`keras_course_oracle: ${e.message}`);
  process.exit(1);
});
if (process.argv.includes('--update')) {
  writeFileSync(truthFile, format(got));
  console.log(`keras_course_oracle: wrote ${Object.keys(got).length} entries to ${truthFile}`);
} else {
  const want = existsSync(truthFile) ? JSON.parse(readFileSync(truthFile, 'utf8')) : {};
  const d = diff(want, got);
  for (const line of d) console.log(line);
  const verdict = d.length ? `${d.length} differences` : 'all equal';
  console.log(`keras_course_oracle: ${Object.keys(got).length} entries, ${verdict}`);
  process.exit(d.length ? 1 : 0);
}
