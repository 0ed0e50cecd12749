/**
 * Drives the VS Code workbench in headless Debian Chromium through playwright-core, with the
 * moves E2E tests need: open a file from the Explorer, hover an exact word, run a palette
 * command, reach into a webview (two iframes deep) and save a screenshot. The recipes (and why
 * Ctrl+P or `.monaco-hover` alone do not work headless) are in shared/E2E.md.
 */
import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type FrameLocator, type Page } from 'playwright-core';
import { e2eDir, projectRoot } from './codeServer';

export const artifactsDir = join(e2eDir, 'artifacts');
const readmeImagesDir = join(projectRoot, 'docs/images');
const chromiumFlags = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

export interface Workbench {
  readonly page: Page;
  close(): Promise<void>;
}

export async function openWorkbench(url: string, viewport = { width: 1400, height: 900 }): Promise<Workbench> {
  const browser: Browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: chromiumFlags, headless: true });
  const page = await browser.newPage({ viewport });
  await page.goto(url);
  await page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
  await page.locator('.explorer-folders-view .monaco-list-row').first().waitFor({ timeout: 60_000 });
  return { page, close: () => browser.close() };
}

/** Opens a workspace file by clicking its Explorer row (folders along `path` are expanded first). */
export async function openFile(page: Page, path: string): Promise<void> {
  const parts = path.split('/');
  for (const [i, part] of parts.entries()) {
    const row = page.locator(`.explorer-folders-view .monaco-list-row[aria-label="${part}"]`).first();
    await row.waitFor({ timeout: 30_000 });
    const expanded = await row.getAttribute('aria-expanded');
    if (i < parts.length - 1 && expanded === 'true') continue;
    await row.click();
  }
  await page.locator(`.tab[aria-label^="${parts[parts.length - 1]}"]`).first().waitFor({ timeout: 30_000 });
  await page.locator('.monaco-editor .view-lines').first().waitFor();
}

/** Runs a command from the palette by its full title, e.g. "CNN Lens: Open Graph Preview". */
export async function runCommand(page: Page, title: string): Promise<void> {
  await page.keyboard.press('F1');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor();
  await input.fill(`>${title}`);
  await page.locator('.quick-input-list .monaco-list-row', { hasText: title }).first().waitFor({ timeout: 30_000 });
  await page.keyboard.press('Enter');
}

/** The content frame of a webview panel; with several open, the last one unless `index` is given. */
export function webview(page: Page, index = -1): FrameLocator {
  return page.frameLocator(`iframe.webview.ready >> nth=${index}`).frameLocator('iframe#active-frame');
}

/**
 * Hovers the exact characters of `word` on the line containing `lineText` and returns the hover's
 * text. Monaco merges tokens into spans, so the mouse is aimed at a DOM Range over the word.
 * Retries while the extension is still activating.
 */
export async function hoverWord(page: Page, lineText: string, word: string, timeoutMs = 30_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  const hover = page.locator('.monaco-hover:not(.hidden)');
  while (Date.now() < deadline) {
    const point = await page.evaluate(
      ([line, w]) => {
        for (const row of Array.from(document.querySelectorAll('.monaco-editor .view-line'))) {
          const text = row.textContent ?? '';
          if (!text.includes(line)) continue;
          const offset = text.indexOf(w, text.indexOf(line));
          let seen = 0;
          const walker = document.createTreeWalker(row, NodeFilter.SHOW_TEXT);
          for (let node = walker.nextNode(); node; node = walker.nextNode()) {
            const length = node.textContent?.length ?? 0;
            if (offset < seen + length) {
              const range = document.createRange();
              range.setStart(node, offset - seen);
              range.setEnd(node, Math.min(length, offset - seen + w.length));
              const r = range.getBoundingClientRect();
              return { x: r.x + r.width / 2, y: r.y + r.height / 2 };
            }
            seen += length;
          }
        }
        return null;
      },
      [lineText, word] as const,
    );
    if (!point) throw new Error(`no visible editor line contains "${lineText}"`);
    await page.mouse.move(point.x, point.y);
    try {
      await hover.first().waitFor({ timeout: 4_000 });
      return (await hover.first().innerText()).trim();
    } catch {
      await page.mouse.move(0, 0);
    }
  }
  throw new Error(`no hover appeared over "${word}"`);
}

/**
 * Saves a screenshot under test/e2e/artifacts/ (git-ignored). Shots marked `forReadme` are also
 * copied to docs/images/ when CNN_LENS_UPDATE_SCREENSHOTS=1, so README pictures always come from
 * this suite running the real thing.
 */
export async function screenshot(page: Page, name: string, options: { forReadme?: boolean } = {}): Promise<string> {
  mkdirSync(artifactsDir, { recursive: true });
  const file = join(artifactsDir, `${name}.png`);
  await page.screenshot({ path: file });
  if (options.forReadme && process.env.CNN_LENS_UPDATE_SCREENSHOTS === '1') {
    mkdirSync(readmeImagesDir, { recursive: true });
    copyFileSync(file, join(readmeImagesDir, `${name}.png`));
  }
  return file;
}
