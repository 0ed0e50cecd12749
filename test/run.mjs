// `npm test`: runs every suite — unit (mocha in plain Node), fuzz (broken Python, under budget),
// conformance (torchvision 0.14 against PyTorch itself), integration (@vscode/test-electron,
// where a VS Code build can be downloaded) and E2E (a real VS Code: code-server in headless
// Chromium, with the .vsix built from this tree) — and closes with one line over all of them:
// "N passed, N failed". A suite that cannot run says why in one line and counts as neither.
// census (scripts/parse-census.ts: the parser against CPython's compile() on every .py file of
// Debian's torch, torchvision and the Python 3.11 standard library) counts one per corpus.
// `--suite unit|fuzz|census|conformance|integration|e2e` runs one.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const only = process.argv.includes('--suite') ? process.argv[process.argv.indexOf('--suite') + 1] : undefined;
const totals = { passed: 0, failed: 0, skipped: 0 };
const notRun = [];

function sh(command, args, extraEnv = {}) {
  return spawnSync(command, args, { cwd: root, stdio: 'inherit', env: { ...process.env, ...extraEnv } }).status ?? 1;
}

/** Runs mocha over `globs` and adds its counts; a crash before mocha reports counts as one failure. */
function mocha(name, globs, extraArgs = [], extraEnv = {}) {
  const statsDir = mkdtempSync(join(tmpdir(), 'cnn-lens-stats-'));
  const statsFile = join(statsDir, 'stats.json');
  const status = sh(process.execPath, [join(root, 'node_modules/mocha/bin/mocha.js'), '--import=tsx', '--reporter', join(root, 'test/support/countingReporter.cjs'), ...extraArgs, ...globs], { ...extraEnv, CNN_LENS_STATS_FILE: statsFile });
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
    mocha('fuzz', ['test/fuzz/**/*.test.ts']);
  },
  census() {
    const summaryFile = join(root, 'out/census-summary.json');
    rmSync(summaryFile, { force: true });
    const result = spawnSync(process.execPath, ['--import=tsx', join(root, 'scripts/parse-census.ts'), '--summary-file', summaryFile], { cwd: root, stdio: ['ignore', 'inherit', 'pipe'], encoding: 'utf8', env: process.env });
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
    const status = sh(process.execPath, [join(root, 'test/conformance/run.mjs'), '--summary-file', join(root, 'out/conformance-summary.json')]);
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
    const result = spawnSync(process.execPath, [join(root, 'test/integration/runTests.mjs')], { cwd: root, stdio: ['ignore', 'inherit', 'inherit'], env: process.env });
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
    const files = readdirSync(suitesDir).filter((f) => f.endsWith('.e2e.ts')).map((f) => `test/e2e/suites/${f}`);
    mocha('e2e', files, ['--timeout', '240000'], { CNN_LENS_VSIX: vsix });
  },
};

for (const [name, run] of Object.entries(suites)) {
  if (only && only !== name) continue;
  console.log(`\n=== ${name} ===`);
  run();
}
console.log('');
for (const line of notRun) console.log(`not run: ${line}`);
console.log(`${totals.passed} passed, ${totals.failed} failed${totals.skipped ? `, ${totals.skipped} skipped` : ''}`);
process.exitCode = totals.failed ? 1 : 0;
