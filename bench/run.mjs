// `npm run bench`: runs every bench/*.mjs in turn (each in its own Node process, so one cannot warm
// the JIT for the next) and fails if any of them fails. Each benchmark prints its own figure, the
// baseline it measured in the same run, and their ratio; see bench/lib.mjs.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const only = process.argv[2];
let failed = 0;
for (const file of readdirSync(here).filter((f) => f.endsWith('.bench.mjs') && (!only || f.includes(only))).sort()) {
  console.log(`\n=== ${file} ===`);
  const result = spawnSync(process.execPath, ['--import=tsx', join(here, file)], { stdio: 'inherit', cwd: join(here, '..') });
  if (result.status !== 0) failed++;
}
process.exitCode = failed ? 1 : 0;
