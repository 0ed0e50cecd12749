// One measured run of bench/modelFiles.bench.mjs, in a process of its own so that its peak RSS
// (process.resourceUsage().maxRSS, the kernel's high-water mark) belongs to this run alone and
// every run starts as cold as the editor's first open. It does what the custom editor
// (src/extension/modelFileEditor.ts) does with a model file, through the same shipped bundles the
// bench builds as esbuild.mjs does (engine.js; kerasH5.js in the worker src/node/h5Reader.ts
// starts): read the bytes, load the engine, analyse, build the snapshot; before that, the
// same-run baseline, the bytes read and summed once. Modes: `idle` (Node alone), `read` (the bytes
// read and summed, nothing else), `onnx`, `h5`, and `h5start` (starting the HDF5 worker and
// h5wasm in it, which the first .h5 open pays inside its analyse).
// Prints one JSON line; with a fourth argument, writes the snapshot there for the browser step.
// Run with --expose-gc: what stays resident once the file is closed is read after a full GC.
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

const [mode, file, bundles, snapshotOut] = process.argv.slice(2);
const kb = () => process.resourceUsage().maxRSS;
const out = { mode };
const timed = async (field, fn) => {
  const started = performance.now();
  const value = await fn();
  out[field] = performance.now() - started;
  return value;
};

/** Every byte visited once, as 32-bit words: the cheapest pass that still reads the whole file. */
function sum(bytes) {
  const words = new Int32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength >> 2);
  let s = 0;
  for (let i = 0; i < words.length; i++) s = (s + words[i]) | 0;
  for (let i = words.length * 4; i < bytes.length; i++) s = (s + bytes[i]) | 0;
  return s;
}

/** The reader the hosts use: HDF5 (kerasH5.js) in a worker thread with a deadline. */
const h5Reader = () => createRequire(import.meta.url)(join(bundles, 'h5Reader.js')).workerH5Reader(join(bundles, 'kerasH5.js'));

if (mode === 'h5start') {
  const reader = h5Reader();
  // An HDF5 signature and nothing else: the worker starts h5wasm, which then finds no file to read.
  const stub = Uint8Array.from([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a, ...new Array(504).fill(0)]);
  await timed('startMs', () => reader.read(stub));
  await reader.dispose();
} else if (mode !== 'idle') {
  // readFileSync's Buffer is a Uint8Array, as vscode.workspace.fs.readFile hands the bytes over.
  let bytes = await timed('readMs', () => readFileSync(file));
  out.checksum = await timed('sumMs', () => sum(bytes));
  out.baselineMs = out.readMs + out.sumMs;
  out.bytes = bytes.length;
  if (mode === 'onnx' || mode === 'h5') await open(bytes);
  bytes = undefined;
}
out.maxRssKB = kb();
// The editor drops the bytes once the snapshot is built; what the analysis leaves behind stays.
// A Buffer's memory is released a task after the GC that found it dead, hence the wait.
globalThis.gc?.();
await new Promise((resolve) => setTimeout(resolve, 300));
globalThis.gc?.();
out.retainedRssKB = process.memoryUsage().rss / 1024;
console.log(JSON.stringify(out));

async function open(bytes) {
  const require = createRequire(import.meta.url);
  const ref = { uri: `file://${file}`, version: 1, name: file.split('/').pop() };
  const engine = await timed('loadEngineMs', () => require(join(bundles, 'engine.js')));
  let analyze;
  let reader;
  if (mode === 'onnx') analyze = async (b) => engine.analyzeOnnx(file, b);
  else {
    reader = h5Reader();
    // As the editor does, the bytes are handed over to the worker (so they are gone afterwards).
    analyze = (b) => engine.analyzeKerasH5(file, b, reader.readHandingOver);
  }
  const snapshotOf = (model) => engine.modelSnapshot(model.analysis, ref, `${model.name} (${model.framework})`, model.inputs[0]);
  const result = await timed('analyzeMs', () => analyze(bytes));
  const model = result.models[0];
  if (!model) {
    out.error = result.diagnostics.map((d) => d.message).join(' ') || 'no model';
    return;
  }
  const snapshot = await timed('snapshotMs', () => snapshotOf(model));
  out.openMs = out.readMs + (out.loadEngineMs ?? 0) + (out.loadH5Ms ?? 0) + out.analyzeMs + out.snapshotMs;
  out.openRssKB = kb();
  // postMessage serialises the snapshot; its size says what crosses to the webview.
  const json = await timed('serialiseMs', () => JSON.stringify(snapshot));
  out.snapshotChars = json.length;
  out.layers = snapshot.layers.length;
  out.groups = snapshot.groups?.length ?? 0;
  const t = model.analysis.totals;
  out.totals = { params: t.params, trainable: t.trainable, nonTrainable: t.nonTrainable, macs: t.macs, outputShapes: t.outputShapes };
  out.stopped = model.stopped;
  out.diagnostics = [...result.diagnostics, ...model.diagnostics].map((d) => `${d.severity}: ${d.message}`);
  if (snapshotOut) writeFileSync(snapshotOut, json);
  // Warm: the same bytes again in this process, as a second editor on the file would (JIT warm, bundles loaded).
  const warm = [];
  for (let i = 0; i < 5; i++) {
    // Read again (an .h5's bytes were handed to the worker), outside the timing.
    const again = readFileSync(file);
    const started = performance.now();
    snapshotOf((await analyze(again)).models[0]);
    warm.push(performance.now() - started);
  }
  out.warmMs = warm.sort((a, b) => a - b)[2];
  // Only the engines stay loaded, as in the extension host after the editor closes.
  analyze = undefined;
  await reader?.dispose();
}
