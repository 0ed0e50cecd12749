/**
 * `npm start`: builds the extension, packages it, installs it into a local code-server (built
 * once by test/e2e/setup.sh and reused after), opens samples/ in place and prints the loopback
 * URL to open in a browser. `--open` also launches a browser if one is found; `--port N` fixes
 * the port. User data lives in ~/.cache/cnn-lens/start so settings survive restarts.
 */
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { projectRoot, startCodeServer } from '../test/e2e/harness/codeServer';

function step(command: string, args: string[]): void {
  const result = spawnSync(command, args, { cwd: projectRoot, stdio: 'inherit' });
  if (result.status !== 0) process.exit(result.status ?? 1);
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const port = args.includes('--port') ? Number(args[args.indexOf('--port') + 1]) : 8080;
  step('bash', ['test/e2e/setup.sh', '--server-only']);
  step('npm', ['run', '--silent', 'package']);
  const version = JSON.parse(readFileSync(join(projectRoot, 'package.json'), 'utf8')).version as string;
  const cache = process.env.CNN_LENS_CACHE ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'cnn-lens');
  const server = await startCodeServer({
    vsix: join(projectRoot, `cnn-lens-${version}.vsix`),
    openFolder: join(projectRoot, 'samples'),
    home: join(cache, 'start'),
    port,
    settings: { 'workbench.startupEditor': 'none' },
  });
  console.log(`\nCNN Lens is running in VS Code at:\n\n  ${server.url}\n\nOpen it in a browser; Ctrl+C stops the server.`);
  if (args.includes('--open')) openBrowser(server.url);
  const stop = () => void server.stop().then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  setInterval(() => {}, 1 << 30);
}

function openBrowser(url: string): void {
  for (const browser of ['xdg-open', 'chromium', 'google-chrome', 'firefox']) {
    if (spawnSync('which', [browser]).status === 0) {
      spawn(browser, [url], { detached: true, stdio: 'ignore' }).unref();
      return;
    }
  }
  console.log('(--open: no browser found; open the URL yourself)');
}

void main().catch((error: Error) => {
  console.error(`npm start: ${error.message}`);
  process.exit(1);
});
