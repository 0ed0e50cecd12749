// What the browser benches share: Debian's Chromium (CHROMIUM_PATH to override) with the flags
// that work headless on these machines, and playwright-core from the project or from the E2E
// suite's own node_modules. `browserOrSkip` returns undefined, after saying why, where either is
// missing, so a bench skips cleanly (exit 0) on a machine without a browser.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

export const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const chromiumFlags = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--js-flags=--expose-gc', '--enable-precise-memory-info'];

function loadPlaywright(root) {
  for (const from of [join(root, 'package.json'), join(root, 'test/e2e/package.json')]) {
    try {
      return createRequire(from)('playwright-core');
    } catch {
      // not installed there
    }
  }
  return undefined;
}

/** playwright-core, or undefined (with the reason printed under `name`) when the bench cannot run. */
export function browserOrSkip(name, root) {
  if (!existsSync(chromiumPath)) {
    console.log(`${name}: skipped, no Chromium at ${chromiumPath} (apt-get install chromium, or set CHROMIUM_PATH)`);
    return undefined;
  }
  const playwright = loadPlaywright(root);
  if (!playwright) console.log(`${name}: skipped, playwright-core is not installed (test/e2e/setup.sh installs it)`);
  return playwright;
}
