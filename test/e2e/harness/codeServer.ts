/**
 * Starts a real VS Code (code-server 4.100.3) on loopback for one E2E suite: a private folder with
 * user settings, an extensions dir with our freshly built .vsix installed, and a workspace of the
 * suite's files. XDG dirs point into that folder so nothing is written to $HOME. The server is
 * stopped by PID (never pkill), and its log is kept for failures.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const e2eDir = resolve(__dirname, '..');
export const projectRoot = resolve(e2eDir, '../..');
const entry = join(e2eDir, 'node_modules/code-server/out/node/entry.js');

export interface CodeServerOptions {
  /** The .vsix to install. */
  readonly vsix: string;
  /** Folders or files copied into a fresh workspace (tests)… */
  readonly workspaceFrom?: readonly string[];
  /** …or an existing folder opened in place (`npm start`). */
  readonly openFolder?: string;
  readonly settings?: Record<string, unknown>;
  /** A lasting home for user data and extensions (`npm start`); default: a temporary one, removed on stop. */
  readonly home?: string;
  readonly port?: number;
}

export interface CodeServer {
  readonly url: string;
  readonly workspace: string;
  readonly logFile: string;
  stop(): Promise<void>;
}

export async function startCodeServer(options: CodeServerOptions): Promise<CodeServer> {
  const home = options.home ?? mkdtempSync(join(tmpdir(), 'cnn-lens-e2e-'));
  const workspace = options.openFolder ?? join(home, 'ws');
  for (const dir of ['ud/User', 'ext']) mkdirSync(join(home, dir), { recursive: true });
  mkdirSync(workspace, { recursive: true });
  for (const from of options.workspaceFrom ?? []) cpSync(from, join(workspace, from.split('/').pop()!), { recursive: true });
  writeFileSync(join(home, 'config.yaml'), '');
  writeFileSync(
    join(home, 'ud/User/settings.json'),
    JSON.stringify({ 'workbench.startupEditor': 'none', 'workbench.tips.enabled': false, 'security.workspace.trust.enabled': false, 'telemetry.telemetryLevel': 'off', 'extensions.autoCheckUpdates': false, 'extensions.ignoreRecommendations': true, ...options.settings }, null, 2),
  );
  const env = { ...process.env, XDG_CONFIG_HOME: home, XDG_DATA_HOME: home };
  const common = ['--config', join(home, 'config.yaml'), '--user-data-dir', join(home, 'ud'), '--extensions-dir', join(home, 'ext')];
  const install = spawnSync(process.execPath, [entry, ...common, '--install-extension', options.vsix], { env, encoding: 'utf8', timeout: 120_000 });
  if (install.status !== 0) throw new Error(`installing ${options.vsix} failed: ${install.stderr || install.stdout}`);

  const port = options.port ?? (await freePort());
  const logFile = join(home, 'server.log');
  const log = openSync(logFile, 'a');
  const child: ChildProcess = spawn(
    process.execPath,
    [entry, ...common, '--auth', 'none', '--bind-addr', `127.0.0.1:${port}`, '--disable-telemetry', '--disable-update-check', '--disable-workspace-trust', '--disable-getting-started-override', workspace],
    { env, stdio: ['ignore', log, log] },
  );
  const url = `http://127.0.0.1:${port}`;
  await waitForHealth(url, child, logFile);
  return {
    url: `${url}/?folder=${encodeURIComponent(workspace)}`,
    workspace,
    logFile,
    async stop() {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await new Promise((r) => setTimeout(r, 300));
        if (child.exitCode === null) child.kill('SIGKILL');
      }
      if (!options.home && !process.env.CNN_LENS_KEEP_E2E) rmSync(home, { recursive: true, force: true });
    },
  };
}

async function waitForHealth(url: string, child: ChildProcess, logFile: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`code-server exited with ${child.exitCode}:\n${readFileSync(logFile, 'utf8')}`);
    try {
      if ((await fetch(`${url}/healthz`)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`code-server did not answer on ${url}/healthz within 60 s:\n${readFileSync(logFile, 'utf8')}`);
}

function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolvePort(port));
    });
  });
}
