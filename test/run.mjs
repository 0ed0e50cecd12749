// `npm test`: runs every suite — unit (mocha in plain Node), fuzz (broken Python, under budget),
// conformance (torchvision 0.14 against PyTorch itself), integration (@vscode/test-electron,
// where a VS Code build can be downloaded) and E2E (a real VS Code: code-server in headless
// Chromium, with the .vsix built from this tree) — and closes with one line over all of them:
// "N passed, N failed" and the wall time of each suite. A suite that cannot run says why in one
// line and counts as neither. census (scripts/parse-census.ts: the parser against CPython's
// compile() on every .py file of Debian's torch, torchvision and the Python 3.11 standard library)
// counts one per corpus.
// Depth: by default the fuzz suites run 100 mutations per Python fixture (and a fifth of the
// model-file counts) and conformance checks every torchvision builder in one form (`from
// torchvision import models`), so a newcomer's run takes minutes; `--full` (`npm run test:full`,
// what CI runs) runs 1,000 mutations per fixture, every model-file count, and all three forms.
// `--suite unit|fuzz|census|conformance|integration|e2e` runs one (repeatable); `--update`
// rewrites the golden files the suites compare with (test/support/golden.ts) instead of failing
// on them — review the diff; `--loaded N` runs the whole selection N times in a row with every
// core kept busy by a spinning process (`npm run test:loaded`: 3 rounds), to prove that no test
// depends on the machine being idle.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const argv = process.argv.slice(2);
const values = (flag) => argv.flatMap((a, i) => (argv[i - 1] === flag ? [a] : []));
const only = values('--suite');
const full = argv.includes('--full');
const update = argv.includes('--update');
const loadedRounds = Number(values('--loaded')[0] ?? 0);
const totals = { passed: 0, failed: 0, skipped: 0 };
const notRun = [];
const timings = [];
/** The depth knobs of the fuzz suites (read by test/fuzz/*.test.ts): CI's full depth, or the newcomer's. */
const depth = full ? { CNN_LENS_FUZZ_MUTATIONS: '1000', CNN_LENS_FUZZ_MODEL_MUTATIONS: '1' } : {};
const goldens = update ? { CNN_LENS_UPDATE_GOLDEN: '1' } : {};

function sh(command, args, extraEnv = {}) {
  return spawnSync(command, args, { cwd: root, stdio: 'inherit', env: { ...process.env, ...extraEnv } }).status ?? 1;
}

/** Runs mocha over `globs` and adds its counts; a crash before mocha reports counts as one failure. */
function mocha(name, globs, extraArgs = [], extraEnv = {}) {
  const statsDir = mkdtempSync(join(tmpdir(), 'cnn-lens-stats-'));
  const statsFile = join(statsDir, 'stats.json');
  const reporter = join(root, 'test/support/countingReporter.cjs');
  const args = [
    join(root, 'node_modules/mocha/bin/mocha.js'),
    '--import=tsx',
    '--reporter',
    reporter,
    ...extraArgs,
    ...globs,
  ];
  const status = sh(process.execPath, args, { ...goldens, ...extraEnv, CNN_LENS_STATS_FILE: statsFile });
  let stats;
  try {
    stats = JSON.parse(readFileSync(statsFile, 'utf8'));
  } catch {
    stats = { passed: 0, failed: 1, skipped: 0 };
    console.error(`${name}: mocha exited with ${status} before reporting results`);
  }
  rmSync(statsDir, { recursive: true, force: true });
  for (const key of Object.keys(totals)) totals[key] += stats[key] ?? 0;
}

const suites = {
  unit() {
    mocha('unit', ['test/unit/**/*.test.ts'], ['--parallel', '--jobs', '2']);
  },
  fuzz() {
    mocha('fuzz', ['test/fuzz/**/*.test.ts'], [], depth);
  },
  census() {
    const summaryFile = join(root, 'out/census-summary.json');
    rmSync(summaryFile, { force: true });
    const result = spawnSync(
      process.execPath,
      ['--import=tsx', join(root, 'scripts/parse-census.ts'), '--summary-file', summaryFile],
      { cwd: root, stdio: ['ignore', 'inherit', 'pipe'], encoding: 'utf8', env: process.env },
    );
    process.stderr.write(result.stderr ?? '');
    if (result.status === 2) {
      notRun.push(`census (${(result.stderr ?? '').trim().split('\n').pop()})`);
      return;
    }
    let corpora;
    try {
      corpora = JSON.parse(readFileSync(summaryFile, 'utf8'));
    } catch {
      console.error(`census: exited with ${result.status} before writing its summary`);
      totals.failed += 1;
      return;
    }
    for (const corpus of corpora) totals[corpus.rejectedFiles ? 'failed' : 'passed'] += 1;
  },
  conformance() {
    const forms = full ? [] : ['--form', 'from'];
    // The CLI's time budget per model: 10× the slowest model's idle time (~6 s), so that only the
    // step budget, which counts work, decides a check on a busy machine.
    const budget = ['--cold-budget', '60000'];
    const summaryFile = ['--summary-file', join(root, 'out/conformance-summary.json')];
    const status = sh(process.execPath, [join(root, 'test/conformance/run.mjs'), ...forms, ...budget, ...summaryFile]);
    let summary;
    try {
      summary = JSON.parse(readFileSync(join(root, 'out/conformance-summary.json'), 'utf8'));
    } catch {
      summary = { passed: 0, failed: 1 };
    }
    totals.passed += summary.passed;
    totals.failed += summary.failed || (status === 0 ? 0 : 1);
    totals.skipped += summary.skipped ?? 0; // known gaps (test/conformance/known-gaps.json)
  },
  integration() {
    const result = spawnSync(process.execPath, [join(root, 'test/integration/runTests.mjs')], {
      cwd: root,
      stdio: ['ignore', 'inherit', 'inherit'],
      env: process.env,
    });
    if (result.status === 3) notRun.push('integration (no VS Code build could be obtained)');
    else if (result.status === 0) totals.passed += 1;
    else totals.failed += 1;
  },
  e2e() {
    if (sh('bash', ['test/e2e/setup.sh']) !== 0) {
      console.error('e2e: setting up code-server and Chromium failed (see above)');
      totals.failed += 1;
      return;
    }
    if (sh('npm', ['run', '--silent', 'typecheck:e2e']) !== 0 || sh('npm', ['run', '--silent', 'package']) !== 0) {
      console.error('e2e: type-checking the E2E suite or building the .vsix failed');
      totals.failed += 1;
      return;
    }
    const version = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version;
    const vsix = join(root, `cnn-lens-${version}.vsix`);
    const suitesDir = join(root, 'test/e2e/suites');
    const files = readdirSync(suitesDir)
      .filter((f) => f.endsWith('.e2e.ts'))
      .map((f) => `test/e2e/suites/${f}`);
    mocha('e2e', files, ['--timeout', '240000'], { CNN_LENS_VSIX: vsix });
  },
};

const seconds = (ms) => `${Math.round(ms / 1000)} s`;

/**
 * `--loaded N`: this script again without `--loaded`, N times, while one spinning Node process per
 * core keeps the machine busy. Each spinner exits by itself once this process is gone (its parent
 * changes), so an interrupted run leaves none behind.
 */
function runLoaded(rounds) {
  const spin =
    'const parent = process.ppid; for (;;) { for (let i = 0; i < 1e8; i++); if (process.ppid !== parent) process.exit(); }';
  const spinner = () => spawn(process.execPath, ['-e', spin], { stdio: 'ignore' });
  const spinners = Array.from({ length: availableParallelism() }, spinner);
  const stop = () => spinners.forEach((p) => p.kill());
  process.on('exit', stop);
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => process.exit(130));
  const pids = spinners.map((p) => p.pid).join(', ');
  console.log(`test:loaded: ${spinners.length} busy loops (pids ${pids}), ${rounds} rounds`);
  const rest = argv.filter((a, i) => a !== '--loaded' && argv[i - 1] !== '--loaded');
  const results = [];
  for (let round = 1; round <= rounds; round++) {
    console.log(`\n##### round ${round} of ${rounds} under load #####`);
    const started = Date.now();
    const self = fileURLToPath(import.meta.url);
    const status = spawnSync(process.execPath, [self, ...rest], { cwd: root, stdio: 'inherit' }).status;
    results.push(`round ${round}: ${status === 0 ? 'passed' : 'FAILED'} in ${seconds(Date.now() - started)}`);
  }
  stop();
  console.log(`\ntest:loaded: ${results.join('; ')}`);
  return results.every((r) => r.includes('passed'));
}

const unknown = only.filter((name) => !(name in suites));
if (unknown.length) {
  console.error(`test/run.mjs: no suite named ${unknown.join(', ')} (suites: ${Object.keys(suites).join(', ')})`);
  process.exit(2);
}

if (loadedRounds > 0) {
  process.exitCode = runLoaded(loadedRounds) ? 0 : 1;
} else {
  const started = Date.now();
  for (const [name, run] of Object.entries(suites)) {
    if (only.length && !only.includes(name)) continue;
    console.log(`\n=== ${name} ===`);
    const suiteStarted = Date.now();
    run();
    timings.push(`${name} ${seconds(Date.now() - suiteStarted)}`);
  }
  console.log('');
  for (const line of notRun) console.log(`not run: ${line}`);
  console.log(`time: ${timings.join(', ')}; total ${seconds(Date.now() - started)}${full ? ' (full depth)' : ''}`);
  console.log(`${totals.passed} passed, ${totals.failed} failed${totals.skipped ? `, ${totals.skipped} skipped` : ''}`);
  process.exitCode = totals.failed ? 1 : 0;
}
