// `npm run conformance`: measures the CNN Lens static evaluator against real PyTorch on every model
// builder of the installed torchvision 0.14 (cases.mjs: classification, segmentation, video and
// quantization; 106 cases). Each case is checked three ways (checks.mjs): from the builder's own
// file, and from the two user-style files `from torchvision import models; model = models.X(...)`
// and `import torchvision; model = torchvision.models.X(...)`. Each check compares our CLI's JSON
// with the case's checked-in golden (golden/<case>.json, written by torch_runtime_oracle.py):
// total parameters equal, and every executed leaf module's output shape, call by call.
// Checks listed in known-gaps.json that fail the listed way are skipped (gaps.mjs).
//
// When torch imports, every golden is re-derived and must still match (the oracle runs shapes on
// torch's meta device: all 106 take ~11 s on this 2-core machine, so no rotating subset is needed)
// and the cases must cover every builder torchvision's list_models() registers.
//
// Options: `--case NAME` / `--case NAME@form` (repeatable) runs a subset; `--form file|from|import`
// (repeatable) only those forms; `--no-verify` skips re-deriving the goldens; `--update` rewrites
// them; `--update-gaps` rewrites known-gaps.json from this run; `--jobs N` CLI runs at once
// (default 2); `--cold-budget MS` the CLI's --max-time for every cold analysis (default 30000:
// generous, as a loaded 2-core machine takes ~10 s for the biggest models); `--warm-budget` analyses the user forms
// at the editor's 200 ms budget with the CLI's `--warm` flag (analyse twice in one process, report the second) when
// `cnn-lens --help` lists it, and says so and stays cold when it does not — a measurement mode, not the default: the
// budget is wall time, so on a loaded machine a big model misses it (and known-gaps.json is for the
// default, cold run); `--summary-file F` writes the counts and
// rows as JSON. CNN_LENS_PYTHON picks the interpreter (/usr/bin/python3); CNN_LENS_CONFORMANCE_CLI
// replaces dist/cli.js (e.g. a stub). Closes with "N passed, N failed, N skipped"; exits 1 on any
// failure.
import { spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { enumerateCases } from './cases.mjs';
import { FORMS, checkId, cliArgs, compare, modelFrom, pool, runNode } from './checks.mjs';
import { judge, loadGaps, writeGaps } from './gaps.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const python = process.env.CNN_LENS_PYTHON ?? '/usr/bin/python3';
const cli = process.env.CNN_LENS_CONFORMANCE_CLI ?? join(root, 'dist', 'cli.js');
const gapsFile = join(here, 'known-gaps.json');
const argv = process.argv.slice(2);
const values = (flag) => argv.flatMap((a, i) => (argv[i - 1] === flag ? [a] : []));
const update = argv.includes('--update');
const verify = !argv.includes('--no-verify');
const updateGaps = argv.includes('--update-gaps');
const warmBudget = argv.includes('--warm-budget');
const only = values('--case');
const forms = values('--form').length ? values('--form') : FORMS;
const jobs = Number(values('--jobs')[0] ?? 2);
const coldBudget = Number(values('--cold-budget')[0] ?? 30_000);
const summaryFile = values('--summary-file')[0];
const WARM_FLAG = '--warm';
const EDITOR_BUDGET_MS = 200;
const CLI_TIMEOUT_MS = 90_000;
const SHOW_MISMATCHES = 3;
const INSTALL = ['apt-get', 'install', '-y', 'python3-torch', 'python3-torchvision'];

const run = (cmd, args, opts = {}) => spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 256 << 20, ...opts });

/** The installed torchvision package directory, or undefined; `torch` says whether it imports. */
function locateTorchvision() {
  const probe = existsSync(python)
    ? run(python, ['-c', 'import torchvision, os; print(os.path.dirname(torchvision.__file__))'])
    : { status: 1 };
  if (probe.status === 0) return { dir: probe.stdout.trim(), torch: true };
  const fallback = '/usr/lib/python3/dist-packages/torchvision'; // sources present, torch broken
  return existsSync(join(fallback, 'models')) ? { dir: fallback, torch: false } : undefined;
}

function ensureTorchvision() {
  let found = locateTorchvision();
  if (found) return found;
  if (process.getuid?.() !== 0) {
    console.error(
      `conformance: torchvision is not installed for ${python}. Install it with:\n  sudo ${INSTALL.join(' ')}`,
    );
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
  const newest = (dir) =>
    readdirSync(dir, { withFileTypes: true }).reduce(
      (t, e) => Math.max(t, e.isDirectory() ? newest(join(dir, e.name)) : statSync(join(dir, e.name)).mtimeMs),
      0,
    );
  if (existsSync(cli) && statSync(cli).mtimeMs >= newest(join(root, 'src'))) return;
  console.error('conformance: building dist/cli.js (node esbuild.mjs)');
  if (run(process.execPath, ['esbuild.mjs'], { cwd: root, stdio: 'inherit' }).status !== 0) {
    console.error('conformance: build failed');
    process.exit(1);
  }
}

/** Fresh oracle results for `cases` in one Python process: Map name -> result | { error }. */
function runOracle(cases) {
  const input = JSON.stringify(
    cases.map(({ name, file, factory, kwargs, input: shape }) => ({ name, file, factory, kwargs, input: shape })),
  );
  const start = performance.now();
  const r = run(python, [join(here, 'torch_runtime_oracle.py'), '--batch'], { input });
  const seconds = (performance.now() - start) / 1000;
  const fresh = new Map(
    r.stdout
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l))
      .map((l) => [l.name, l.error ? { error: l.error } : l.result]),
  );
  for (const c of cases)
    if (!fresh.has(c.name)) fresh.set(c.name, { error: `oracle failed: ${r.stderr.trim().split('\n').pop()}` });
  console.log(`conformance: torch oracle re-derived ${cases.length} cases in ${seconds.toFixed(1)} s`);
  return fresh;
}

/** Builders torchvision registers that no case covers (empty when torch does not import). */
function uncoveredBuilders(cases) {
  const r = run(python, [join(here, 'torch_runtime_oracle.py'), '--list-builders']);
  if (r.status !== 0) return [`listing torchvision's builders failed: ${r.stderr.trim().split('\n').pop()}`];
  const covered = new Set(cases.map((c) => `${c.file}:${c.factory}`));
  return JSON.parse(r.stdout)
    .filter((b) => !covered.has(b))
    .map((b) => `builder ${b} has no conformance case`);
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

/** Each case's golden (written or checked against torch) and the problems no known gap excuses. */
function goldens(cases, tv) {
  const fresh = tv.torch && (verify || update) ? runOracle(cases) : new Map();
  return cases.map((c) => {
    const hard = [];
    let golden = existsSync(goldenFile(c)) ? JSON.parse(readFileSync(goldenFile(c), 'utf8')) : undefined;
    const result = fresh.get(c.name);
    if (result?.error) hard.push(`oracle: ${result.error}`);
    else if (result && update) {
      writeGolden(c, result);
      golden = result;
    } else if (result && golden && essence(result) !== essence(golden))
      hard.push(
        `golden/${c.name}.json no longer matches torch ${result.torch} (run with --update and review the diff)`,
      );
    // A missing golden fails: writing it is a deliberate, reviewed step, never a side effect of a run.
    if (!golden)
      hard.push(
        `golden/${c.name}.json is missing: run node test/conformance/run.mjs --update --case ${c.name} and review it`,
      );
    return { c, golden, hard };
  });
}

/** The CLI's flags for the user forms: the editor's budget with --warm when the CLI has it. */
function userFormBudget() {
  const cold = { maxTime: coldBudget, coldMaxTime: coldBudget };
  if (!warmBudget) return cold;
  const help = run(process.execPath, [cli, '--help']).stdout ?? '';
  if (new RegExp(`^\\s*${WARM_FLAG}\\b`, 'm').test(help))
    return { ...cold, maxTime: EDITOR_BUDGET_MS, warmFlag: WARM_FLAG };
  console.log(
    `conformance --warm-budget: the CLI has no ${WARM_FLAG} flag yet; user forms run cold with --max-time ${coldBudget}`,
  );
  return cold;
}

async function runChecks(entries, tv, gaps) {
  const tmpDir = mkdtempSync(join(tmpdir(), 'cnn-lens-conformance-'));
  const paths = { tvDir: tv.dir, tmpDir };
  const budget = userFormBudget();
  const wanted = (c, form) => !only.length || only.includes(c.name) || only.includes(checkId(c, form));
  const tasks = entries.flatMap(({ c, golden, hard }) =>
    forms
      .filter((form) => wanted(c, form))
      .map((form) => async () => {
        const id = checkId(c, form);
        if (!golden)
          return {
            id,
            form,
            c,
            hard,
            params: '-',
            torchParams: '-',
            shapes: '-',
            ms: 0,
            problems: [],
            notes: [],
            ...judge(id, [], hard, gaps, paths),
          };
        const r = await runNode([cli, 'summary', ...cliArgs(c, form, { tvDir: tv.dir, tmpDir, budget })], {
          cwd: root,
          timeoutMs: CLI_TIMEOUT_MS,
        });
        const out = modelFrom(r, form === 'file' ? c.factory : 'model', CLI_TIMEOUT_MS);
        const cmp = out.model
          ? compare(golden, out.model)
          : { params: '-', matched: 0, mismatches: [out.error], notes: [] };
        const shapes = `${cmp.matched}/${golden.leafCalls.length}`;
        const verdict = judge(id, cmp.mismatches, hard, gaps, paths);
        return {
          id,
          form,
          c,
          hard,
          params: cmp.params,
          torchParams: golden.params,
          shapes,
          ms: r.ms,
          problems: cmp.mismatches,
          notes: cmp.notes,
          ...verdict,
        };
      }),
  );
  const start = performance.now();
  const rows = await pool(tasks, jobs);
  rmSync(tmpDir, { recursive: true, force: true });
  return { rows, seconds: (performance.now() - start) / 1000, paths, budget };
}

function table(rows) {
  const cells = [
    ['check', 'params ours/torch', 'leaf shapes', 'time ms', 'status'],
    ...rows.map((r) => [r.id, `${r.params}/${r.torchParams}`, r.shapes, String(r.ms), r.status.toUpperCase()]),
  ];
  const widths = cells[0].map((_, i) => Math.max(...cells.map((row) => row[i].length)));
  const line = (row) => row.map((cell, i) => cell.padEnd(widths[i])).join(' | ');
  console.log(line(cells[0]));
  console.log(widths.map((w) => '-'.repeat(w)).join('-|-'));
  for (const row of cells.slice(1)) console.log(line(row));
}

function details(rows) {
  for (const r of rows.filter((r) => r.status !== 'pass' || r.notes.length)) {
    console.log(
      `\n${r.id}: ${r.status === 'skip' ? 'skipped' : r.status === 'fail' ? 'FAILED' : 'passed'}${r.why ? ` — ${r.why}` : ''}`,
    );
    if (r.status === 'fail') for (const l of r.problems.slice(1, SHOW_MISMATCHES + 1)) console.log(`  ${l}`);
    if (r.status === 'fail' && r.problems.length > SHOW_MISMATCHES + 1)
      console.log(`  … ${r.problems.length - SHOW_MISMATCHES - 1} more`);
    for (const n of r.notes.slice(0, 2)) console.log(`  note: ${n}`);
  }
}

async function main() {
  const tv = ensureTorchvision();
  const allCases = enumerateCases(tv.dir);
  const unknown = only.filter((n) => !allCases.some((c) => c.name === n || FORMS.some((f) => checkId(c, f) === n)));
  const badForms = forms.filter((f) => !FORMS.includes(f));
  if (unknown.length || badForms.length) {
    console.error(
      `conformance: unknown ${unknown.length ? `case ${unknown.join(', ')}` : `form ${badForms.join(', ')}`}; cases: ${allCases.map((c) => c.name).join(', ')}; forms: ${FORMS.join(', ')}`,
    );
    process.exit(2);
  }
  const cases = only.length
    ? allCases.filter((c) => only.some((n) => n === c.name || n.startsWith(`${c.name}@`)))
    : allCases;
  if (!update) ensureCli();
  if (update && !tv.torch) {
    console.error(`conformance --update: ${python} cannot import torch; install: sudo ${INSTALL.join(' ')}`);
    process.exit(1);
  }
  if (!tv.torch) console.error('conformance: torch does not import; using golden results without re-checking them');
  const entries = goldens(cases, tv);
  const coverage = tv.torch && !only.length ? uncoveredBuilders(allCases) : [];
  if (update) {
    for (const { c, golden, hard } of entries)
      console.log(`${c.name}: ${hard[0] ?? `${golden.params} params, ${golden.leafCalls.length} leaf calls`}`);
    process.exitCode = entries.some((e) => e.hard.length) || coverage.length ? 1 : 0;
    return;
  }
  const gaps = loadGaps(gapsFile);
  const { rows, seconds, paths, budget } = await runChecks(entries, tv, gaps);
  if (updateGaps) {
    console.log(`known-gaps.json rewritten: ${writeGaps(gapsFile, gaps, rows, paths)} gaps`);
    const rewritten = loadGaps(gapsFile);
    for (const r of rows) Object.assign(r, judge(r.id, r.problems, r.hard, rewritten, paths));
  }
  table(rows);
  details(rows);
  for (const line of coverage) console.log(`\nFAILED: ${line}`);
  const count = (s) => rows.filter((r) => r.status === s).length;
  const passed = count('pass');
  const failed = count('fail') + coverage.length;
  const skipped = count('skip');
  const cliSeconds = rows.reduce((t, r) => t + r.ms, 0) / 1000;
  console.log(
    `\nCLI: ${rows.length} checks in ${seconds.toFixed(1)} s wall (${cliSeconds.toFixed(1)} s of CLI runs, ${jobs} at a time)`,
  );
  if (budget.warmFlag) {
    const user = rows.filter((r) => r.form !== 'file');
    const fit = user.filter((r) => !r.problems.length).length;
    console.log(
      `warm ${budget.maxTime} ms budget: ${fit} of ${user.length} user-form checks match torch (known-gaps.json lists the cold run's gaps, so a budget miss fails)`,
    );
  }
  console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
  if (summaryFile) {
    mkdirSync(dirname(summaryFile), { recursive: true });
    const slim = rows.map(({ id, params, torchParams, shapes, ms, status, why, problems }) => ({
      id,
      params,
      torchParams,
      shapes,
      ms,
      status,
      why,
      problems: problems.slice(0, 5),
    }));
    writeFileSync(summaryFile, JSON.stringify({ passed, failed, skipped, seconds, rows: slim }, null, 1));
  }
  process.exitCode = failed ? 1 : 0;
}

await main();
