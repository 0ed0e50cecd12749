// `npm run bench`: bundles each bench/*.bench.mjs with esbuild exactly as the extension ships its
// code (no keepNames wrappers, no on-the-fly TypeScript loader), then runs it in its own Node
// process so one cannot warm the JIT for the next, and fails if any of them fails. Each benchmark
// prints its own figure, the baseline it measured in the same run, and their ratio (bench/lib.mjs).
import * as esbuild from 'esbuild';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');
const only = process.argv[2];
const out = mkdtempSync(join(tmpdir(), 'cnn-lens-bench-'));
let failed = 0;
try {
  for (const file of readdirSync(here).filter((f) => f.endsWith('.bench.mjs') && (!only || f.includes(only))).sort()) {
    console.log(`\n=== ${file} ===`);
    const bundle = join(out, file);
    await esbuild.build({ entryPoints: [join(here, file)], outfile: bundle, bundle: true, platform: 'node', format: 'esm', target: 'node20', logLevel: 'error', external: ['esbuild'] });
    const result = spawnSync(process.execPath, [bundle], { stdio: 'inherit', cwd: root });
    if (result.status !== 0) failed++;
  }
} finally {
  rmSync(out, { recursive: true, force: true });
}
process.exitCode = failed ? 1 : 0;
