// Cold start of the `cnn-lens` CLI (`node dist/cli.js --version`) against bare `node -e 0` in the
// same run: the CLI bundle must add little to Node's own start-up, since editors and scripts call
// it per file. Builds dist/ first if it is missing.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { medianMs, report } from './lib.mjs';

if (!existsSync('dist/cli.js')) execFileSync(process.execPath, ['esbuild.mjs'], { stdio: 'inherit' });
const run = (args) => () => {
  if (spawnSync(process.execPath, args).status !== 0) throw new Error(`node ${args.join(' ')} failed`);
};
const subjectMs = medianMs(run(['dist/cli.js', '--version']), { runs: 11, warmup: 2 });
const baselineMs = medianMs(run(['-e', '0']), { runs: 11, warmup: 2 });
report({ name: 'cli cold start (--version)', subjectMs, baselineName: 'node -e 0', baselineMs });
