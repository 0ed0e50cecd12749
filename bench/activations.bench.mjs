// The activations panel's work on the MobileNetV2 sample (samples/mobilenetv2_block.py, input
// 1×3×224×224, seeded random weights) in headless Chromium (Debian's, driven by playwright-core as
// the E2E suite drives it) on the tfjs wasm backend, SIMD and single-threaded: what the panel runs
// on a machine with no GPU (webviews are not cross-origin isolated, so never the threaded build).
// The plan is the one the editor would send: the sample analysed by our Python front-end in Node,
// then activationPlan. Timed inside the page (bench/activations/page.mjs), with the panel's own
// modules: the build (seededWeights + buildModel), one forward pass keeping every layer's output
// up to the last one read back, and one layer put on screen (its output downloaded, channelStats,
// drawGrid into a canvas, the next paint) for a 112×112×32 and a 7×7×1280 layer; then what the
// kept outputs cost in memory (tfjs's count, the wasm heap, the JS heap, the renderer's peak RSS)
// and each node's share of a forward. The baseline, measured in the same run on the same
// architecture, is Debian's PyTorch on the CPU: building MobileNetV2() and its forward pass, with
// one thread (the ratio's baseline: the wasm backend has one) and with torch's default threads;
// the layer on screen is set against its floor (the same download and a canvas of the same size
// put on screen from ready pixels). Goals: forward ≤ 150 ms, one layer on screen ≤ 50 ms. Skips
// (exit 0) where Chromium or playwright-core is missing; the PyTorch baseline is skipped, with a
// note, where `import torch` fails.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

import { activationPlan } from '../src/core/analysis/activationPlan.ts';
import { analyzePython } from '../src/core/analysis/analyzeDocument.ts';
import { browserOrSkip, chromiumFlags, chromiumPath } from './browser.mjs';
import { report } from './lib.mjs';

// run.mjs runs the bundle from a temporary folder with the project as cwd.
const root = process.cwd();
const python = process.env.CNN_LENS_PYTHON ?? '/usr/bin/python3';
const origin = 'https://bench.local';
const sample = join(root, 'samples/mobilenetv2_block.py');
const goals = { forwardMs: 150, layerMs: 50 };
const runs = 10;
const warmup = 2;
let ok = true;

const playwright = browserOrSkip('activations', root);
if (playwright) await main();

async function main() {
  const plan = mobileNetPlan();
  const firstConv = plan.nodes.find((n) => same(n.outputShapes[0], [1, 32, 112, 112]));
  const last1280 = plan.nodes.find((n) => same(n.outputShapes[0], [1, 1280, 7, 7]));
  const activationMB = plan.nodes.reduce((sum, n) => sum + n.outputShapes.reduce((s, shape) => s + shape.reduce((p, d) => p * (d ?? 1), 1) * 4, 0), 0) / 2 ** 20;
  const params = new Set();
  const weightMB = plan.nodes.reduce((sum, n) => {
    if (n.weightKey === undefined || params.has(n.weightKey)) return sum;
    params.add(n.weightKey);
    return sum + n.weights.reduce((s, w) => s + w.shape.reduce((p, d) => p * (d ?? 1), 1) * 4, 0);
  }, 0) / 2 ** 20;
  console.log(`(MobileNetV2 sample: ${plan.nodes.length} nodes; every output kept is ${activationMB.toFixed(1)} MB of float32, the weights ${weightMB.toFixed(1)} MB)`);

  // The baseline first, on its own, so that the two never share the CPU.
  const torch = torchBaseline();

  const { page, browser, rendererPeakMB } = await openPage();
  try {
    const started = await page.evaluate((url) => window.bench.start(url), `${origin}/wasm/`);
    if (started.backend !== 'wasm') throw new Error(`the wasm backend did not start (tf.getBackend() is ${started.backend})`);
    console.log(`(tfjs backend ${started.backend}, SIMD ${started.simd ? 'on' : 'OFF'}, threads ${started.threads ? 'on' : 'off'}, cross-origin isolated ${started.crossOriginIsolated})`);
    const idleRssMB = await rendererPeakMB();
    await page.evaluate((p) => window.bench.put(p), plan);

    // 1. Build: seededWeights + buildModel (a fresh build each time; the last one is kept).
    const builds = [];
    for (let i = 0; i < 1 + runs / 2; i++) builds.push(await page.evaluate(() => window.bench.build()));
    const firstBuild = builds[0];
    const warmBuilds = builds.slice(1);
    if (firstBuild.unsupported) console.log(`  note: the build stops before ${firstBuild.unsupported.name ?? firstBuild.unsupported.nodeId} (${firstBuild.unsupported.className}): ${firstBuild.unsupported.reason}`);
    console.log(`\n-- build: seededWeights(plan, 1) + buildModel, ${firstBuild.runnableNodes} of ${plan.nodes.length} nodes runnable --`);
    const buildMs = median(warmBuilds.map((b) => b.totalMs));
    const buildLine = `build (seededWeights + buildModel; first run ${firstBuild.totalMs.toFixed(1)} ms)`;
    if (torch) report({ name: buildLine, subjectMs: buildMs, baselineName: 'PyTorch MobileNetV2() construction (its own init of the weights)', baselineMs: torch.buildMs });
    else console.log(`${buildLine}: median ${buildMs.toFixed(2)} ms`);
    console.log(`  medians: seededWeights ${median(warmBuilds.map((b) => b.weightsMs)).toFixed(2)} ms, buildModel ${median(warmBuilds.map((b) => b.buildMs)).toFixed(2)} ms`);

    // 2. Forward, every output kept.
    console.log(`\n-- forward pass, input ${firstBuild.inputShape.join('×')} (NHWC), every layer's output kept, to the last output read back --`);
    const forwards = [];
    for (let i = 0; i < warmup + runs; i++) forwards.push(await page.evaluate(() => window.bench.forward()));
    const f = forwards[0];
    if (f.stopped) console.log(`  note: the run stopped before ${f.stopped.name ?? f.stopped.nodeId} (${f.stopped.className}): ${f.stopped.reason}`);
    const forwardMs = median(forwards.slice(warmup).map((r) => r.ms));
    const forwardLine = `forward, wasm (${f.ran} of ${f.nodes} nodes ran; first (cold) run ${f.ms.toFixed(1)} ms, median of ${runs} after ${warmup} warm-ups)`;
    if (torch) {
      ok = report({ name: forwardLine, subjectMs: forwardMs, baselineName: 'PyTorch CPU forward, torch.set_num_threads(1), no_grad, eval', baselineMs: torch.forward1Ms, targetMs: goals.forwardMs }) && ok;
      console.log(`  PyTorch with its default threads (${torch.defaultThreads} of ${torch.cpus} CPUs): median ${torch.forwardDefaultMs.toFixed(2)} ms; ratio ${(forwardMs / torch.forwardDefaultMs).toFixed(2)}×`);
    } else {
      const met = forwardMs <= goals.forwardMs;
      console.log(`${forwardLine}: median ${forwardMs.toFixed(2)} ms  target ≤ ${goals.forwardMs} ms: ${met ? 'met' : 'MISSED'}`);
      ok = met && ok;
    }

    // 4. Memory with every output kept (read here, while the last run's tensors are held).
    const held = await page.evaluate(() => window.bench.memory());
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Performance.enable');
    const metrics = Object.fromEntries((await cdp.send('Performance.getMetrics')).metrics.map((m) => [m.name, m.value]));

    // 3. One layer on screen.
    console.log('\n-- one layer on screen: its output downloaded, channelStats, drawGrid (per channel, diverging), the next paint --');
    for (const node of [firstConv, last1280]) {
      if (!node) continue;
      const shows = [];
      for (let i = 0; i < warmup + runs; i++) shows.push(await page.evaluate((id) => window.bench.showLayer(id), node.id));
      const floors = [];
      for (let i = 0; i < warmup + runs; i++) floors.push(await page.evaluate((id) => window.bench.showLayerFloor(id), node.id));
      const s = shows.slice(warmup);
      const pick = (field) => median(s.map((r) => r[field]));
      const [h, w, c] = shows[0].shape;
      const name = `${node.name} (${node.className}) ${h}×${w}×${c} on screen, canvas ${shows[0].canvas.join('×')} (first ${shows[0].totalMs.toFixed(1)} ms)`;
      ok = report({ name, subjectMs: pick('totalMs'), baselineName: 'the same download + a canvas of that size put on screen from ready pixels', baselineMs: median(floors.slice(warmup).map((r) => r.totalMs)), targetMs: goals.layerMs }) && ok;
      console.log(`  medians: download ${pick('downloadMs').toFixed(2)} ms, channelStats ${pick('statsMs').toFixed(2)} ms, drawGrid ${pick('drawMs').toFixed(2)} ms, to the paint ${pick('paintMs').toFixed(2)} ms`);
    }

    // 4. Memory (after the layers were shown too, for the peaks).
    const after = await page.evaluate(() => window.bench.memory());
    const metricsAfter = Object.fromEntries((await cdp.send('Performance.getMetrics')).metrics.map((m) => [m.name, m.value]));
    const mb = (bytes) => (bytes === null || bytes === undefined ? '?' : (bytes / 2 ** 20).toFixed(1));
    const peakRssMB = await rendererPeakMB();
    console.log('\n-- renderer memory with every output of one run kept --');
    console.log(`tf.memory(): ${mb(held.numBytes)} MB in ${held.numTensors} tensors (the model's outputs ${activationMB.toFixed(1)} MB + weights ${weightMB.toFixed(1)} MB, the rest: the input and the weights the builder converted to tfjs layout)`);
    console.log(`wasm linear memory (where the wasm backend holds them): ${mb(held.wasmBytes)} MB`);
    console.log(`JS heap used: ${mb(Math.max(metrics.JSHeapUsedSize, metricsAfter.JSHeapUsedSize))} MB at most (CDP Performance.getMetrics; ${mb(metrics.JSHeapUsedSize)} MB after the run, ${mb(metricsAfter.JSHeapUsedSize)} MB after the layers were drawn; performance.memory ${mb(after.jsHeapUsed)} MB used of ${mb(after.jsHeapTotal)} MB)`);
    if (peakRssMB !== undefined) console.log(`renderer process peak RSS (VmHWM): ${peakRssMB.toFixed(1)} MB (${idleRssMB?.toFixed(1) ?? '?'} MB with the page loaded and the backend started, before the model)`);

    // Where a forward goes: each node timed on its own.
    const prof = await page.evaluate(() => window.bench.profileNodes());
    profileSummary(prof, forwardMs);
  } finally {
    await page.evaluate(() => window.bench.dispose()).catch(() => {});
    await browser.close();
  }
  process.exitCode = ok ? 0 : 1;
}

function same(a, b) {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

function median(values) {
  return [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
}

/** The sample analysed as the editor would, and the plan the panel would be sent. */
function mobileNetPlan() {
  const text = readFileSync(sample, 'utf8');
  const host = { read: (p) => (existsSync(p) ? readFileSync(p, 'utf8') : undefined), searchPaths: [] };
  const result = analyzePython(sample, text, { host, timeMs: 10_000 });
  const model = result.models.find((m) => m.name === 'MobileNetV2');
  if (!model || model.stopped || !model.analysis.nodeResults.length) throw new Error(`MobileNetV2 did not analyse (${model?.stopped ?? 'no model found'})`);
  return activationPlan(model.analysis, { uri: `file://${sample}`, version: 1, name: 'mobilenetv2_block.py' }, model.name);
}

/** Debian's PyTorch on the same architecture: construction, then forwards with its default threads and with one. */
function torchBaseline() {
  const script = `
import importlib.util, json, os, statistics, sys, time
import torch
spec = importlib.util.spec_from_file_location('sample', sys.argv[1])
sample = importlib.util.module_from_spec(spec)
spec.loader.exec_module(sample)
torch.manual_seed(1)
builds = []
for _ in range(6):
    t = time.perf_counter()
    model = sample.MobileNetV2().eval()
    builds.append((time.perf_counter() - t) * 1000)
x = torch.rand(1, 3, 224, 224)
def forwards():
    with torch.no_grad():
        for _ in range(${warmup}):
            model(x)
        times = []
        for _ in range(${runs}):
            t = time.perf_counter()
            model(x)
            times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times)
default_threads = torch.get_num_threads()
forward_default = forwards()
torch.set_num_threads(1)
forward_1 = forwards()
print(json.dumps({'version': torch.__version__, 'buildMs': statistics.median(builds[1:]), 'forwardDefaultMs': forward_default, 'forward1Ms': forward_1, 'defaultThreads': default_threads, 'cpus': os.cpu_count()}))
`;
  const run = spawnSync(python, ['-c', script, sample], { encoding: 'utf8', timeout: 300_000 });
  if (run.status !== 0) {
    const why = (run.stderr || run.error?.message || '').trim().split('\n').pop();
    console.log(`PyTorch baseline: skipped, ${python} could not run it (${why}; apt-get install python3-torch)`);
    return undefined;
  }
  const torch = JSON.parse(run.stdout.trim().split('\n').pop());
  console.log(`(PyTorch ${torch.version} on the CPU: default ${torch.defaultThreads} thread(s) of ${torch.cpus} CPUs)`);
  return torch;
}

/** Headless Chromium on a page of https://bench.local/ serving the page script and tfjs's .wasm files from disk. */
async function openPage() {
  const esbuild = createRequire(join(root, 'package.json'))('esbuild');
  const bundled = await esbuild.build({ entryPoints: [join(root, 'bench/activations/page.mjs')], bundle: true, write: false, platform: 'browser', format: 'iife', target: 'chrome120', logLevel: 'error', absWorkingDir: root, define: { 'process.env.NODE_ENV': '"production"' } });
  const wasmDir = join(root, 'node_modules/@tensorflow/tfjs-backend-wasm/dist');
  const browser = await playwright.chromium.launch({ executablePath: chromiumPath, args: chromiumFlags, headless: true });
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  page.on('pageerror', (error) => console.log(`  page error: ${error.message}`));
  await page.route(`${origin}/**`, (route) => {
    const path = new URL(route.request().url()).pathname;
    if (path === '/') return route.fulfill({ contentType: 'text/html', body: '<!DOCTYPE html><html><head><meta charset="utf-8"></head><body><script src="/page.js"></script></body></html>' });
    if (path === '/page.js') return route.fulfill({ contentType: 'text/javascript', body: bundled.outputFiles[0].text });
    const file = path.startsWith('/wasm/') ? join(wasmDir, path.slice('/wasm/'.length)) : undefined;
    if (file && /^[\w.-]+\.wasm$/.test(path.slice('/wasm/'.length)) && existsSync(file)) return route.fulfill({ contentType: 'application/wasm', body: readFileSync(file) });
    return route.fulfill({ status: 404, body: 'not found' });
  });
  await page.goto(`${origin}/`);
  await page.waitForFunction(() => window.bench !== undefined);
  const version = await page.evaluate(() => navigator.userAgent.match(/Chrome\/[\d.]+/)?.[0] ?? navigator.userAgent);
  console.log(`(headless ${version})`);
  return { page, browser, rendererPeakMB: () => rendererPeakMB(browser) };
}

/** The largest peak RSS (VmHWM) among this browser's renderer processes: the page's (Linux /proc). */
async function rendererPeakMB(browser) {
  try {
    const session = await browser.newBrowserCDPSession();
    const { processInfo } = await session.send('SystemInfo.getProcessInfo');
    await session.detach();
    let peak;
    for (const p of processInfo.filter((i) => i.type === 'renderer')) {
      const status = readFileSync(`/proc/${p.id}/status`, 'utf8');
      const kb = Number(status.match(/^VmHWM:\s+(\d+)/m)?.[1]);
      if (Number.isFinite(kb)) peak = Math.max(peak ?? 0, kb / 1024);
    }
    return peak;
  } catch {
    return undefined;
  }
}

/** Each node's median share of a forward, by kind of node and the nodes that cost most. */
function profileSummary(prof, forwardMs) {
  const sum = prof.nodes.reduce((s, n) => s + n.ms, 0);
  console.log(`\n-- where a forward goes: one run with each node timed (the wasm backend computes synchronously), ${prof.totalMs.toFixed(1)} ms in all, ${sum.toFixed(1)} ms inside the ${prof.nodes.length} nodes --`);
  if (prof.scopes !== prof.nodes.length) console.log(`  (${prof.scopes} top-level tf.tidy scopes for ${prof.nodes.length} nodes: modelBuilder no longer wraps each node in one, so the times below are not per node)`);
  const byKind = new Map();
  for (const n of prof.nodes) {
    const k = byKind.get(n.kind) ?? { ms: 0, count: 0 };
    k.ms += n.ms;
    k.count++;
    byKind.set(n.kind, k);
  }
  for (const [kind, k] of [...byKind].sort((a, b) => b[1].ms - a[1].ms)) console.log(`  ${kind}: ${k.count} nodes, ${k.ms.toFixed(1)} ms (${((100 * k.ms) / sum).toFixed(0)}%)`);
  console.log('  the 10 slowest nodes:');
  for (const n of [...prof.nodes].sort((a, b) => b.ms - a.ms).slice(0, 10)) console.log(`    ${n.name ?? n.id} (${n.kind}) → ${n.out.slice(1).join('×')}: ${n.ms.toFixed(2)} ms`);
  if (prof.totalMs > forwardMs * 1.5) console.log(`  (this timed run took ${prof.totalMs.toFixed(1)} ms against the median ${forwardMs.toFixed(1)} ms: read the shares, not the sums)`);
}
