// Builds every bundle CNN Lens ships: the extension host (Node, CommonJS, `vscode` external),
// the `cnn-lens` CLI (Node, with a shebang), and one browser bundle per webview. The tfjs wasm
// binaries are copied next to the activations bundle because the wasm backend fetches them at
// run time (setWasmPaths). `--watch` rebuilds on change; `--production` minifies and drops
// sourcemaps, which is what `vsce package` ships.
import * as esbuild from 'esbuild';
import { copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const root = dirname(fileURLToPath(import.meta.url));
const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');
const require = createRequire(import.meta.url);

const common = {
  bundle: true,
  minify: production,
  sourcemap: production ? false : 'linked',
  sourcesContent: false,
  logLevel: 'warning',
  absWorkingDir: root,
  legalComments: 'none',
  define: {
    'process.env.NODE_ENV': production ? '"production"' : '"development"',
    CNN_LENS_VERSION: JSON.stringify(JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version),
  },
};

/** @type {import('esbuild').BuildOptions[]} */
const targets = [
  {
    ...common,
    entryPoints: ['src/extension/extension.ts'],
    outfile: 'dist/extension.js',
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    // dist/engine.js is its own bundle, required lazily on first analysis; dist/kerasH5.js on
    // the first Keras .h5 weights file.
    external: ['vscode', './engine.js', './kerasH5.js'],
  },
  {
    // The Keras .h5 reader with h5wasm, whose wasm binary is embedded in its JS (no separate
    // .wasm to ship) and instantiated on import: 4 MB the extension reads only for an .h5.
    // utf8 keeps that embedded binary string from being escaped to several times its size.
    ...common,
    entryPoints: ['src/extension/h5Engine.ts'],
    outfile: 'dist/kerasH5.js',
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    charset: 'utf8',
    sourcemap: false,
  },
  {
    // The analysis worker thread (src/node/analysisWorker.ts): the evaluator runs there, never on
    // the extension host's thread.
    ...common,
    entryPoints: ['src/node/analysisWorker.ts'],
    outfile: 'dist/analysisWorker.js',
    platform: 'node',
    format: 'cjs',
    target: 'node20',
  },
  {
    // Loaded by the extension on first analysis, not at activation.
    ...common,
    entryPoints: ['src/extension/engine.ts'],
    outfile: 'dist/engine.js',
    platform: 'node',
    format: 'cjs',
    target: 'node20',
  },
  {
    ...common,
    // dist/cliRenderer.js (the graph renderer, d3, linkedom) is its own bundle, required only by
    // `render`, so it adds nothing to the CLI's start-up. `render -o x.png` requires
    // @resvg/resvg-js: a native module (a prebuilt .node binary per platform) that cannot be
    // inlined, so it is loaded from node_modules at run time.
    entryPoints: ['src/cli/cli.ts', 'src/cli/cliRenderer.ts'],
    outdir: 'dist',
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    banner: { js: '#!/usr/bin/env node' },
    external: ['./cliRenderer.js', '@resvg/resvg-js'],
  },
  {
    ...common,
    entryPoints: { graph: 'webview/graph/main.ts', activations: 'webview/activations/main.ts' },
    // The layout worker's code, embedded so the page can start it from a Blob (see layoutClient.ts).
    define: { ...common.define, CNN_LENS_LAYOUT_WORKER_SOURCE: 'undefined' },
    outdir: 'dist/webview',
    platform: 'browser',
    format: 'iife',
    target: 'chrome120',
  },
];

/** The wasm backend loads these by name from the folder given to setWasmPaths. */
function copyTfjsWasm() {
  const from = dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')) + '/dist';
  const to = join(root, 'dist/webview/wasm');
  mkdirSync(to, { recursive: true });
  // The threaded build is left out: webviews are not cross-origin isolated, so tfjs never picks it.
  for (const f of readdirSync(from).filter((n) => n.endsWith('.wasm') && !n.includes('threaded'))) copyFileSync(join(from, f), join(to, f));
}

/** The graph layout worker: written to dist/webview and embedded in the graph bundle as text. */
const workerTarget = { ...common, entryPoints: ['webview/graph/layoutWorker.ts'], outfile: 'dist/webview/graphLayout.js', platform: 'browser', format: 'iife', target: 'chrome120', sourcemap: false };
async function embedLayoutWorker() {
  const built = await esbuild.build({ ...workerTarget, write: false, minify: true });
  const source = built.outputFiles[0].text;
  const webview = targets.find((t) => t.entryPoints.graph);
  webview.define = { ...webview.define, CNN_LENS_LAYOUT_WORKER_SOURCE: JSON.stringify(source) };
}

rmSync(join(root, 'dist'), { recursive: true, force: true });
copyTfjsWasm();
await embedLayoutWorker();
targets.push(workerTarget);
if (watch) {
  const contexts = await Promise.all(targets.map((t) => esbuild.context(t)));
  await Promise.all(contexts.map((c) => c.watch()));
  console.log('esbuild: watching for changes…');
} else {
  const started = Date.now();
  await Promise.all(targets.map((t) => esbuild.build(t)));
  console.log(`esbuild: built ${targets.length} targets in ${Date.now() - started} ms${production ? ' (production)' : ''}`);
}
