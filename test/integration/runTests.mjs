// The @vscode/test-electron runner, for machines that can download a VS Code build. Where none
// can be obtained (no route to update.code.visualstudio.com, as on our CI machines), it says so
// in one line and exits 3, which test/run.mjs reports as "not run", never as passed.
// The suite itself is bundled with esbuild so that it runs inside VS Code's own Node.
import { SilentReporter, downloadAndUnzipVSCode, runTests } from '@vscode/test-electron';
import * as esbuild from 'esbuild';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
let vscodeExecutable;
try {
  vscodeExecutable = await Promise.race([
    downloadAndUnzipVSCode({ version: '1.100.3', reporter: new SilentReporter() }),
    new Promise((_, reject) => setTimeout(() => reject(new Error('timed out after 60 s')), 60_000)),
  ]);
} catch (error) {
  console.log(`integration: could not obtain VS Code (${String(error?.message ?? error).split('\n')[0]}); the @vscode/test-electron suite did not run`);
  process.exit(3);
}
const outdir = join(root, 'out/integration');
await esbuild.build({ entryPoints: [join(root, 'test/integration/suite/index.ts')], outdir, bundle: true, platform: 'node', format: 'cjs', external: ['vscode', 'mocha'], logLevel: 'warning' });
try {
  await runTests({ vscodeExecutablePath: vscodeExecutable, extensionDevelopmentPath: root, extensionTestsPath: join(outdir, 'index.js'), launchArgs: [join(root, 'samples'), '--disable-extensions'] });
} catch (error) {
  console.error(`integration: ${error?.message ?? error}`);
  process.exit(1);
}
