// `npm run conformance`: measures the CNN Lens static evaluator against real PyTorch on the
// torchvision models in cases.mjs. For each case it runs our CLI on the *installed* torchvision
// source file (`cnn-lens summary FILE --model FACTORY --input … --arg … --format json`) and
// compares it with the checked-in golden result of torch_runtime_oracle.py (golden/<case>.json):
// total parameters must be equal, and the k-th call of every executed leaf module must match the
// k-th application of that named_modules() path in our `layers`, output shape for output shape.
// When torch imports, each golden is re-derived and must still match; `--update` rewrites them.
// `--case NAME` (repeatable) runs a subset; `--no-verify` skips re-deriving the goldens;
// `--summary-file F` writes the counts as JSON. CNN_LENS_PYTHON picks the interpreter
// (/usr/bin/python3); CNN_LENS_CONFORMANCE_CLI replaces dist/cli.js (e.g. a stub).
// Closes with "N passed, N failed" over the cases; exits 1 on any failure.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cases as allCases } from './cases.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const python = process.env.CNN_LENS_PYTHON ?? '/usr/bin/python3';
const cli = process.env.CNN_LENS_CONFORMANCE_CLI ?? join(root, 'dist', 'cli.js');
const argv = process.argv.slice(2);
const update = argv.includes('--update');
const verify = !argv.includes('--no-verify');
const only = argv.flatMap((a, i) => (argv[i - 1] === '--case' ? [a] : []));
// `--summary-file F`: also write {passed, failed} as JSON, for test/run.mjs to add up.
const summaryFile = argv.includes('--summary-file') ? argv[argv.indexOf('--summary-file') + 1] : undefined;
const cases = only.length ? allCases.filter((c) => only.includes(c.name)) : allCases;
const CLI_TIMEOUT_MS = 60_000;
const SHOW_MISMATCHES = 5;
const INSTALL = ['apt-get', 'install', '-y', 'python3-torch', 'python3-torchvision'];

const run = (cmd, args, opts = {}) => spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 64 << 20, ...opts });

/** The installed torchvision package directory, or undefined; `torch` says whether it imports. */
function locateTorchvision() {
  const probe = existsSync(python) ? run(python, ['-c', 'import torchvision, os; print(os.path.dirname(torchvision.__file__))']) : { status: 1 };
  if (probe.status === 0) return { dir: probe.stdout.trim(), torch: true };
  const fallback = '/usr/lib/python3/dist-packages/torchvision'; // sources present, torch broken
  return existsSync(join(fallback, 'models')) ? { dir: fallback, torch: false } : undefined;
}

function ensureTorchvision() {
  let found = locateTorchvision();
  if (found) return found;
  if (process.getuid?.() !== 0) {
    console.error(`conformance: torchvision is not installed for ${python}. Install it with:\n  sudo ${INSTALL.join(' ')}`);
    process.exit(1);
  }
  console.error(`conformance: torchvision missing; running ${INSTALL.join(' ')}`);
  if (run(INSTALL[0], INSTALL.slice(1), { stdio: 'inherit' }).status !== 0) {
    run('apt-get', ['update'], { stdio: 'inherit' });
    run(INSTALL[0], INSTALL.slice(1), { stdio: 'inherit' });
  }
  found = locateTorchvision();
  if (!found) {
    console.error(`conformance: still no torchvision after: ${INSTALL.join(' ')}`);
    process.exit(1);
  }
  return found;
}

/** Builds dist/cli.js when it is missing or older than anything under src/. */
function ensureCli() {
  if (process.env.CNN_LENS_CONFORMANCE_CLI) return;
  const newest = (dir) => readdirSync(dir, { withFileTypes: true }).reduce((t, e) => Math.max(t, e.isDirectory() ? newest(join(dir, e.name)) : statSync(join(dir, e.name)).mtimeMs), 0);
  if (existsSync(cli) && statSync(cli).mtimeMs >= newest(join(root, 'src'))) return;
  console.error('conformance: building dist/cli.js (node esbuild.mjs)');
  if (run(process.execPath, ['esbuild.mjs'], { cwd: root, stdio: 'inherit' }).status !== 0) {
    console.error('conformance: build failed');
    process.exit(1);
  }
}

function runOracle(c) {
  const r = run(python, [join(here, 'torch_runtime_oracle.py'), c.file, c.factory, JSON.stringify(c.kwargs), c.input.join(',')]);
  if (r.status !== 0) throw new Error(`oracle failed for ${c.name}: ${r.stderr.trim().split('\n').pop()}`);
  return JSON.parse(r.stdout);
}

const goldenFile = (c) => join(here, 'golden', `${c.name}.json`);

/** One leaf call per line, so a golden diff reads like the layer table it is. */
function writeGolden(c, result) {
  const { leafCalls, ...rest } = result;
  const fields = { case: c.name, file: c.file, factory: c.factory, kwargs: c.kwargs, input: c.input, ...rest };
  const lines = Object.entries(fields).map(([k, v]) => `  ${JSON.stringify(k)}: ${JSON.stringify(v)}`);
  lines.push(`  "leafCalls": [\n${leafCalls.map((l) => `    ${JSON.stringify(l)}`).join(',\n')}\n  ]`);
  mkdirSync(dirname(goldenFile(c)), { recursive: true });
  writeFileSync(goldenFile(c), `{\n${lines.join(',\n')}\n}\n`);
}

/** The fields a golden must agree on with a fresh oracle run. */
const essence = (g) => JSON.stringify([g.params, g.trainable, g.output, g.leafCalls, g.uncalledLeaves]);

/** Runs our CLI on one case; returns { model, ms } or { error, ms }. */
function runCli(c, tvDir) {
  const args = ['summary', join(tvDir, c.file), '--model', c.factory, '--input', c.input.join(','), ...c.args.flatMap((a) => ['--arg', a]), '--format', 'json'];
  const start = performance.now();
  const r = run(process.execPath, [cli, ...args], { cwd: root, timeout: CLI_TIMEOUT_MS });
  const ms = Math.round(performance.now() - start);
  if (r.error?.code === 'ETIMEDOUT') return { error: `CLI timed out after ${CLI_TIMEOUT_MS / 1000} s`, ms };
  if (r.status !== 0) return { error: `CLI exit ${r.status}: ${(r.stderr || r.stdout).trim().split('\n')[0] ?? ''}`, ms };
  try {
    const models = JSON.parse(r.stdout).models ?? [];
    const model = models.find((m) => m.name === c.factory) ?? (models.length === 1 ? models[0] : undefined);
    return model ? { model, ms } : { error: `no model '${c.factory}' in CLI output (${models.map((m) => m.name).join(', ') || 'none'})`, ms };
  } catch (e) {
    return { error: `CLI output is not JSON: ${e.message}`, ms };
  }
}

const fmt = (s) => (Array.isArray(s) ? `[${s.map((d) => d ?? '?').join(',')}]` : String(s));

/** Compares our layers with the oracle's leaf calls; returns counts and readable mismatches. */
function compare(golden, model) {
  const ours = new Map(); // path -> output shapes of its applications, in order
  for (const l of model.layers ?? []) if (l.path != null) ours.set(l.path, [...(ours.get(l.path) ?? []), l.outputShape]);
  const seen = new Map();
  const mismatches = [];
  let matched = 0;
  for (const call of golden.leafCalls) {
    const k = seen.get(call.path) ?? 0;
    seen.set(call.path, k + 1);
    const mine = ours.get(call.path)?.[k];
    if (JSON.stringify(mine) === JSON.stringify(call.outputShape)) matched++;
    else mismatches.push(`${call.path}#${k + 1}: ours ${mine === undefined ? 'missing' : fmt(mine)}, torch ${fmt(call.outputShape)}`);
  }
  const notes = []; // not failures: leaf applications torch never made in eval mode
  for (const [path, n] of seen) if ((ours.get(path)?.length ?? 0) > n) notes.push(`${path}: applied ${ours.get(path).length}×, torch ${n}×`);
  for (const path of golden.uncalledLeaves ?? []) if (ours.has(path)) notes.push(`${path}: applied, but torch never calls it in eval mode`);
  const params = model.totals?.params;
  if (params !== golden.params) mismatches.unshift(`total params: ours ${params}, torch ${golden.params}`);
  return { params, matched, mismatches, notes };
}

function main() {
  const unknown = only.filter((n) => !allCases.some((c) => c.name === n));
  if (unknown.length) {
    console.error(`conformance: unknown case ${unknown.join(', ')}; cases: ${allCases.map((c) => c.name).join(', ')}`);
    process.exit(2);
  }
  const tv = ensureTorchvision();
  if (!update) ensureCli();
  if (update && !tv.torch) {
    console.error(`conformance --update: ${python} cannot import torch; install: sudo ${INSTALL.join(' ')}`);
    process.exit(1);
  }
  if (!tv.torch) console.error(`conformance: torch does not import; using golden results without re-checking them`);
  const rows = [];
  for (const c of cases) {
    const problems = [];
    let golden = existsSync(goldenFile(c)) ? JSON.parse(readFileSync(goldenFile(c), 'utf8')) : undefined;
    if (tv.torch && (verify || update || !golden)) {
      try {
        const fresh = runOracle(c);
        if (update || !golden) {
          writeGolden(c, fresh);
          golden = fresh;
        } else if (essence(fresh) !== essence(golden)) problems.push(`golden/${c.name}.json no longer matches torch ${fresh.torch} (run with --update and review the diff)`);
      } catch (e) {
        problems.push(e.message);
      }
    }
    if (update) {
      console.log(`${c.name}: ${problems[0] ?? `${golden.params} params, ${golden.leafCalls.length} leaf calls`}`);
      if (problems.length) process.exitCode = 1;
      continue;
    }
    if (!golden) {
      rows.push({ c, params: '-', torchParams: '-', shapes: '-', ms: 0, ok: false, lines: [...problems, 'no golden result'], notes: [] });
      continue;
    }
    const out = runCli(c, tv.dir);
    const cmp = out.model ? compare(golden, out.model) : { params: '-', matched: 0, mismatches: [out.error], notes: [] };
    const lines = [...problems, ...cmp.mismatches];
    rows.push({ c, params: cmp.params, torchParams: golden.params, shapes: `${cmp.matched}/${golden.leafCalls.length}`, ms: out.ms, ok: lines.length === 0, lines, notes: cmp.notes });
  }
  if (update) return;
  report(rows);
  process.exitCode = rows.every((r) => r.ok) ? 0 : 1;
}

function report(rows) {
  const table = [['case', 'params ours/torch', 'leaf shapes', 'time ms', 'result'], ...rows.map((r) => [r.c.name, `${r.params}/${r.torchParams}`, r.shapes, String(r.ms), r.ok ? 'PASS' : 'FAIL'])];
  const widths = table[0].map((_, i) => Math.max(...table.map((row) => row[i].length)));
  const line = (row) => row.map((cell, i) => cell.padEnd(widths[i])).join(' | ');
  console.log(line(table[0]));
  console.log(widths.map((w) => '-'.repeat(w)).join('-|-'));
  for (const row of table.slice(1)) console.log(line(row));
  for (const r of rows.filter((r) => r.lines.length || r.notes.length)) {
    console.log(`\n${r.c.name}:`);
    for (const l of r.lines.slice(0, SHOW_MISMATCHES)) console.log(`  ${l}`);
    if (r.lines.length > SHOW_MISMATCHES) console.log(`  … ${r.lines.length - SHOW_MISMATCHES} more`);
    for (const n of r.notes.slice(0, 3)) console.log(`  note: ${n}`);
    if (r.notes.length > 3) console.log(`  note: … ${r.notes.length - 3} more`);
  }
  const passed = rows.filter((r) => r.ok).length;
  console.log(`\n${passed} passed, ${rows.length - passed} failed`);
  if (summaryFile) {
    mkdirSync(dirname(summaryFile), { recursive: true });
    writeFileSync(summaryFile, JSON.stringify({ passed, failed: rows.length - passed }));
  }
}

main();
