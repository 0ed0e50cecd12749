/**
 * Proves the core boundary is enforced, not merely intended: a src/core file importing `vscode`
 * or a Node built-in fails scripts/lint-core.mjs (part of `npm run build`), and a DOM global fails
 * src/core/tsconfig.json's type check.
 */
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const projectRoot = resolve(__dirname, '../..');

function withFakeProject(files: Record<string, string>, check: (dir: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), 'cnn-lens-core-'));
  try {
    mkdirSync(join(dir, 'src/core'), { recursive: true });
    cpSync(join(projectRoot, 'src/core/tsconfig.json'), join(dir, 'src/core/tsconfig.json'));
    for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, 'src/core', name), text);
    check(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function lint(dir: string) {
  return spawnSync(process.execPath, [join(projectRoot, 'scripts/lint-core.mjs'), dir], { encoding: 'utf8' });
}

describe('src/core boundary', function () {
  // Each check runs tsc or the lint over the whole core: seconds on a busy 2-core machine.
  this.timeout(20_000);
  it('passes on the real src/core', () => {
    const result = lint(projectRoot);
    assert.equal(result.status, 0, result.stderr);
  });

  it("fails the build when a core file imports 'vscode'", () => {
    withFakeProject({ 'bad.ts': "import * as vscode from 'vscode';\nexport const x = vscode;\n" }, (dir) => {
      const result = lint(dir);
      assert.equal(result.status, 1);
      assert.match(result.stderr, /bad\.ts:1: imports 'vscode'/);
    });
  });

  it('fails on Node built-ins and on imports that leave src/core', () => {
    withFakeProject({ 'a.ts': "import { readFileSync } from 'node:fs';\nimport { x } from '../extension/extension';\nexport { readFileSync, x };\n" }, (dir) => {
      const result = lint(dir);
      assert.equal(result.status, 1);
      assert.match(result.stderr, /a\.ts:1: imports Node built-in 'node:fs'/);
      assert.match(result.stderr, /a\.ts:2: imports '\.\.\/extension\/extension', outside src\/core/);
    });
  });

  it('fails the type check when a core file touches the DOM', function () {
    this.timeout(30_000);
    withFakeProject({ 'dom.ts': 'export const title = document.title;\n' }, (dir) => {
      const result = spawnSync(process.execPath, [join(projectRoot, 'node_modules/typescript/bin/tsc'), '--noEmit', '-p', join(dir, 'src/core/tsconfig.json')], { encoding: 'utf8' });
      assert.notEqual(result.status, 0);
      assert.match(result.stdout, /Cannot find name 'document'/);
    });
  });
});
