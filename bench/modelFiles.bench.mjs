// Opening a ResNet-50-size model file in the custom editor (src/extension/modelFileEditor.ts):
// a ResNet-50 ONNX (torch.onnx.export's layout, BN kept, ~100 MB of float32 initialisers) and a
// Keras ResNet-50 .h5 (keras.applications' topology, built with tfjs-layers, ~100 MB of weights),
// both generated at bench time into a temporary folder by bench/modelFiles/ (our code, nothing
// downloaded or committed). Each run is a child process (bench/modelFiles/runner.mjs) doing what
// the editor does through the bundles the extension ships (engine.js, kerasH5.js, built here as
// esbuild.mjs builds them): read the bytes, analyse, build the snapshot; so every run is a cold
// open and its peak RSS is its own. The same-run baseline is reading the file's bytes and summing
// them once, in the same process just before; peak RSS is set against an idle Node process and
// one that only read the file. The analyses must report the generators' parameter counts
// (torchvision's 25,557,032; tfjs's countParams() for the Keras model) or the bench fails. Then,
// where Chromium is installed, the snapshot drawn by the graph webview's code as
// bench/render.bench.mjs draws it, for "open → drawn". Netron's 2–3 s to render a mid-size model
// is the figure quoted in the project's issue, not measured here.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

import { browserOrSkip, chromiumFlags, chromiumPath } from './browser.mjs';
import { report } from './lib.mjs';

// run.mjs runs the bundle from a temporary folder with the project as cwd.
const root = process.cwd();
const runs = Number(process.env.MODEL_FILES_RUNS ?? 7);
const netronMs = { low: 2000, high: 3000 };
const dir = mkdtempSync(join(tmpdir(), 'cnn-lens-model-files-'));
let ok = true;

try {
  await main();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
process.exitCode = ok ? 0 : 1;

async function main() {
  await buildBundles();
  const generated = spawnSync(process.execPath, [join(dir, 'generate.cjs'), dir], { cwd: root, encoding: 'utf8' });
  if (generated.status !== 0) throw new Error(`generating the models failed:\n${generated.stderr}`);
  const expected = JSON.parse(readFileSync(join(dir, 'expected.json'), 'utf8'));
  const mb = (bytes) => (bytes / 2 ** 20).toFixed(1);
  console.log(`(generated resnet50.onnx: ${mb(expected.onnx.bytes)} MB, ${expected.onnx.nodes} nodes, ${expected.onnx.initialisers} initialisers, ${expected.onnx.params.toLocaleString('en-US')} parameters + ${expected.onnx.buffers.toLocaleString('en-US')} BN buffers, in ${expected.onnx.ms.toFixed(0)} ms)`);
  console.log(`(generated resnet50.h5: ${mb(expected.h5.bytes)} MB, ${expected.h5.layers} layers, ${expected.h5.weights} weights, tfjs countParams() ${expected.h5.params.toLocaleString('en-US')} = ${expected.h5.trainable.toLocaleString('en-US')} trainable + ${expected.h5.nonTrainable.toLocaleString('en-US')} non-trainable, in ${expected.h5.ms.toFixed(0)} ms)`);

  const files = { onnx: join(dir, 'resnet50.onnx'), h5: join(dir, 'resnet50.h5') };
  // The first open of each also writes the snapshot for the browser step, and is checked.
  const first = { onnx: run('onnx', files.onnx, join(dir, 'onnx.snapshot.json')), h5: run('h5', files.h5, join(dir, 'h5.snapshot.json')) };
  check('ONNX', first.onnx, { params: expected.onnx.params, trainable: expected.onnx.params, nonTrainable: 0 });
  check('Keras .h5', first.h5, { params: expected.h5.params, trainable: expected.h5.trainable, nonTrainable: expected.h5.nonTrainable });

  // Interleaved rounds, so a noisy spell hits every mode alike.
  const all = { idle: [], readOnnx: [], onnx: [], readH5: [], h5: [], h5start: [] };
  for (let i = 0; i < runs; i++) {
    all.idle.push(run('idle'));
    all.h5start.push(run('h5start', ''));
    all.readOnnx.push(run('read', files.onnx));
    all.onnx.push(run('onnx', files.onnx));
    all.readH5.push(run('read', files.h5));
    all.h5.push(run('h5', files.h5));
  }
  const med = (list, field) => median(list.map((r) => r[field]));
  const rssMB = (list, field = 'maxRssKB') => med(list, field) / 1024;

  console.log(`\n-- open (cold, one process per run): medians of ${runs} --`);
  const rows = [
    ['', 'read', 'sum', 'load bundles', 'analyse', 'snapshot', 'open total', 'warm re-open', 'peak RSS', 'over read-only', 'resident after close'],
    ...[
      ['ONNX (analyzeOnnx)', all.onnx, all.readOnnx],
      ['Keras .h5 (analyzeKerasH5)', all.h5, all.readH5],
    ].map(([name, list, read]) => [
      name,
      ms(med(list, 'readMs')),
      ms(med(list, 'sumMs')),
      ms(median(list.map((r) => r.loadEngineMs + (r.loadH5Ms ?? 0)))),
      ms(med(list, 'analyzeMs')),
      ms(med(list, 'snapshotMs')),
      ms(med(list, 'openMs')),
      ms(med(list, 'warmMs')),
      `${rssMB(list, 'openRssKB').toFixed(0)} MB`,
      `+${(rssMB(list, 'openRssKB') - rssMB(read)).toFixed(0)} MB`,
      `${rssMB(list, 'retainedRssKB').toFixed(0)} MB`,
    ]),
  ];
  table(rows);
  console.log(`peak RSS baselines: idle Node ${rssMB(all.idle).toFixed(0)} MB; the ONNX file read and summed ${rssMB(all.readOnnx).toFixed(0)} MB; the .h5 read and summed ${rssMB(all.readH5).toFixed(0)} MB`);
  console.log(`resident after close: RSS once the bytes and the analysis are dropped and a full GC ran, the engine bundles still loaded (idle Node after a GC: ${rssMB(all.idle, 'retainedRssKB').toFixed(0)} MB)`);
  console.log(`HDF5 worker start-up (the thread, kerasH5.js and h5wasm in it), paid inside the first .h5's analyse: median ${ms(med(all.h5start, 'startMs'))}`);
  console.log(`snapshot sent to the webview: ONNX ${first.onnx.layers} layers, ${first.onnx.groups} groups, ${(first.onnx.snapshotChars / 1024).toFixed(0)} KB of JSON; .h5 ${first.h5.layers} layers, ${first.h5.groups} groups, ${(first.h5.snapshotChars / 1024).toFixed(0)} KB\n`);

  const opens = {};
  for (const [key, label, list] of [
    ['onnx', 'ONNX', all.onnx],
    ['h5', 'Keras .h5', all.h5],
  ]) {
    const baselineMs = med(list, 'baselineMs');
    report({ name: `${label} ResNet-50 (${mb(list[0].bytes)} MB): analyse (cold)`, subjectMs: med(list, 'analyzeMs'), baselineName: 'the file read + its bytes summed once, same process', baselineMs });
    report({ name: `${label} ResNet-50: open → snapshot (read + load bundles + analyse + snapshot)`, subjectMs: med(list, 'openMs'), baselineName: 'the file read + its bytes summed once, same process', baselineMs });
    const peak = rssMB(list, 'openRssKB');
    console.log(`  peak RSS ${peak.toFixed(0)} MB; idle Node ${rssMB(all.idle).toFixed(0)} MB (ratio ${(peak / rssMB(all.idle)).toFixed(2)}×); read-only ${rssMB(key === 'onnx' ? all.readOnnx : all.readH5).toFixed(0)} MB (ratio ${(peak / rssMB(key === 'onnx' ? all.readOnnx : all.readH5)).toFixed(2)}×)`);
    opens[key] = med(list, 'openMs');
  }

  const drawn = await drawStep(first);
  console.log(`\n-- against Netron (2–3 s to render a mid-size model, as quoted in the issue; not measured here) --`);
  for (const [key, label] of [
    ['onnx', 'ONNX'],
    ['h5', 'Keras .h5'],
  ]) {
    const draw = drawn?.[key];
    const total = opens[key] + (draw ?? 0);
    const what = draw === undefined ? 'open → snapshot (no browser: drawing not included)' : `open → drawn (open ${ms(opens[key])} + layout and first paint ${ms(draw)}; the postMessage hop not included)`;
    console.log(`${label} ResNet-50 ${what}: ${ms(total)}; ${(total / netronMs.low).toFixed(3)}× Netron's 2 s, ${(total / netronMs.high).toFixed(3)}× its 3 s`);
  }
}

/** One child run; its JSON line, or a thrown error with what it printed. */
function run(mode, file, snapshotOut) {
  const args = ['--expose-gc', join(root, 'bench/modelFiles/runner.mjs'), mode, ...(file !== undefined ? [file, dir] : []), ...(snapshotOut ? [snapshotOut] : [])];
  const r = spawnSync(process.execPath, args, { cwd: root, encoding: 'utf8', maxBuffer: 16 * 2 ** 20 });
  if (r.status !== 0) throw new Error(`runner ${mode} failed (${r.status}):\n${r.stderr}`);
  const result = JSON.parse(r.stdout.trim().split('\n').pop());
  if (result.error) throw new Error(`runner ${mode}: ${result.error}`);
  return result;
}

/** The analysis must count what the generator built, with no diagnostics and nothing stopped. */
function check(label, r, want) {
  const got = { params: r.totals.params, trainable: r.totals.trainable, nonTrainable: r.totals.nonTrainable };
  const problems = [];
  for (const k of Object.keys(want)) if (got[k] !== want[k]) problems.push(`${k} ${got[k]} (expected ${want[k]})`);
  if (r.stopped) problems.push(`the analysis stopped: ${r.stopped}`);
  if (r.diagnostics.length) problems.push(`diagnostics: ${r.diagnostics.join(' | ')}`);
  if (JSON.stringify(r.totals.outputShapes) !== JSON.stringify([['N', 1000]])) problems.push(`output ${JSON.stringify(r.totals.outputShapes)} (expected [["N",1000]])`);
  if (problems.length) {
    ok = false;
    throw new Error(`${label} ResNet-50: the analysis is wrong: ${problems.join('; ')}`);
  }
  console.log(`${label}: analysis checked: ${got.params.toLocaleString('en-US')} params (${got.trainable.toLocaleString('en-US')} trainable, ${got.nonTrainable.toLocaleString('en-US')} non-trainable), ${(r.totals.macs / 1e9).toFixed(2)} GMACs, output N×1000, no diagnostics`);
}

/** engine.js and kerasH5.js as esbuild.mjs builds them for the extension, the .h5 worker reader, the generator, and the webview's stage finder. */
async function buildBundles() {
  const esbuild = createRequire(join(root, 'package.json'))('esbuild');
  const node = { bundle: true, platform: 'node', format: 'cjs', target: 'node20', logLevel: 'error', absWorkingDir: root, legalComments: 'none', charset: 'utf8' };
  await Promise.all([
    // The webview's stage finder, bundled rather than imported, so the bench also runs under plain `node`.
    esbuild.build({ ...node, format: 'esm', stdin: { contents: "export { repeatedStages } from './webview/graph/layout.ts';", resolveDir: root, loader: 'js' }, outfile: join(dir, 'stages.mjs') }),
    esbuild.build({ ...node, entryPoints: ['src/extension/engine.ts'], outfile: join(dir, 'engine.js') }),
    esbuild.build({ ...node, entryPoints: ['src/extension/h5Engine.ts'], outfile: join(dir, 'kerasH5.js') }),
    esbuild.build({ ...node, entryPoints: ['src/node/h5Reader.ts'], outfile: join(dir, 'h5Reader.js') }),
    esbuild.build({ ...node, entryPoints: ['bench/modelFiles/generate.mjs'], outfile: join(dir, 'generate.cjs') }),
  ]);
}

/** Layout + first paint of each snapshot in headless Chromium, collapsed as the editor opens it, against dagre on the same boxes. */
async function drawStep(first) {
  console.log('\n-- the graph webview drawing the snapshot (volumes view, headless Chromium; bench/render/page.mjs) --');
  const playwright = browserOrSkip('drawing', root);
  if (!playwright) return undefined;
  const { repeatedStages } = await import(pathToFileURL(join(dir, 'stages.mjs')).href);
  const esbuild = createRequire(join(root, 'package.json'))('esbuild');
  const bundled = await esbuild.build({ entryPoints: [join(root, 'bench/render/page.mjs')], bundle: true, write: false, platform: 'browser', format: 'iife', target: 'chrome120', logLevel: 'error', absWorkingDir: root });
  const browser = await playwright.chromium.launch({ executablePath: chromiumPath, args: chromiumFlags, headless: true });
  const out = {};
  try {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    await page.setContent(`<!DOCTYPE html><html><head><meta charset="utf-8"><style>${readFileSync(join(root, 'media/graph.css'), 'utf8')}</style></head><body></body></html>`);
    await page.addScriptTag({ content: bundled.outputFiles[0].text });
    for (const [key, label] of [
      ['onnx', 'ONNX'],
      ['h5', 'Keras .h5'],
    ]) {
      const snapshot = JSON.parse(readFileSync(join(dir, `${key}.snapshot.json`), 'utf8'));
      await page.evaluate(([k, s]) => window.bench.put(k, s), [key, snapshot]);
      const stages = [...repeatedStages(snapshot).keys()];
      if (!stages.length) console.log(`${label}: no repeated stages to collapse (repeatedStages found none), so it opens fully drawn`);
      for (const expanded of stages.length ? [[], stages] : [[]]) {
        const measure = (fn) => page.evaluate(([k, e, f]) => (f === 'ours' ? window.bench.firstPaint(k, e) : window.bench.dagreFirstPaint(k, e, true)), [key, expanded, fn]);
        const cold = await measure('ours');
        await measure('ours');
        const ours = [];
        const dagre = [];
        for (let i = 0; i < runs; i++) ours.push(await measure('ours'));
        await measure('dagre');
        for (let i = 0; i < runs; i++) dagre.push(await measure('dagre'));
        const state = expanded.length ? `expanded (${expanded.length} stages)` : stages.length ? 'collapsed, as opened' : 'as opened';
        const subjectMs = median(ours.map((r) => r.totalMs));
        report({ name: `${label} ResNet-50 ${state}: layout + first paint (${cold.boxes} boxes; first run ${cold.totalMs.toFixed(1)} ms)`, subjectMs, baselineName: 'dagre layout of the same boxes + the same drawing and paint', baselineMs: median(dagre.map((r) => r.totalMs)) });
        if (!expanded.length) out[key] = subjectMs;
      }
    }
    console.log(`(${first.onnx.layers} + ${first.h5.layers} layers drawn; medians of ${runs})`);
  } finally {
    await browser.close();
  }
  return out;
}

function median(values) {
  return [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
}

function ms(x) {
  return x >= 1000 ? `${(x / 1000).toFixed(2)} s` : `${x.toFixed(1)} ms`;
}

function table(rows) {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => String(r[c]).length)));
  for (const [i, r] of rows.entries()) {
    console.log(r.map((cell, c) => (c === 0 ? String(cell).padEnd(widths[c]) : String(cell).padStart(widths[c]))).join('  '));
    if (i === 0) console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  }
}
