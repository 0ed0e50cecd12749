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
const chromiumFlags = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export interface Workbench {
  readonly page: Page;
  close(): Promise<void>;
}

export async function openWorkbench(url: string, viewport = { width: 1400, height: 900 }): Promise<Workbench> {
  const browser: Browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: chromiumFlags,
    headless: true,
  });
  const page = await browser.newPage({ viewport });
  await page.goto(url);
  await page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
  await page.locator('.explorer-folders-view .monaco-list-row').first().waitFor({ timeout: 60_000 });
  return { page, close: () => browser.close() };
}

/**
 * The Explorer row for `name` inside the folder row at list index `parent` (-1: the top), found by
 * list index and tree level rather than by name alone: two folders may each hold a `model.json`.
 */
async function explorerRow(page: Page, name: string, parent: number): Promise<{ index: number; level: number }> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const rows = await page
      .locator('.explorer-folders-view .monaco-list-row')
      .evaluateAll((els) =>
        els.map((e) => ({
          index: Number(e.getAttribute('data-index')),
          level: Number(e.getAttribute('aria-level')),
          label: e.getAttribute('aria-label'),
        })),
      );
    rows.sort((a, b) => a.index - b.index);
    const top = rows.find((r) => r.index === parent);
    const inside = rows.filter((r) => r.index > parent);
    const end = top ? inside.findIndex((r) => r.level <= top.level) : -1;
    const found = (end < 0 ? inside : inside.slice(0, end)).find(
      (r) => r.label === name && (!top || r.level === top.level + 1),
    );
    if (found) return found;
    if (Date.now() > deadline) throw new Error(`no Explorer row '${name}' under row ${parent}`);
    await page.waitForTimeout(200);
  }
}

/** Opens a workspace file by clicking its Explorer row (folders along `path` are expanded first). */
export async function openFile(page: Page, path: string): Promise<void> {
  const parts = path.split('/');
  let parent = -1;
  for (const [i, part] of parts.entries()) {
    const { index } = await explorerRow(page, part, parent);
    parent = index;
    const row = page.locator(`.explorer-folders-view .monaco-list-row[data-index="${index}"]`);
    const expanded = await row.getAttribute('aria-expanded');
    if (i < parts.length - 1 && expanded === 'true') continue;
    await row.click();
  }
  await page
    .locator(`.tab[aria-label^="${parts[parts.length - 1]}"]`)
    .first()
    .waitFor({ timeout: 30_000 });
  // A text editor, or a custom editor's webview for a binary model file.
  await page.locator('.monaco-editor .view-lines, iframe.webview').first().waitFor();
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

/** Moves the cursor (and the view) to a 1-based line with Go to Line (Ctrl+G). */
export async function goToLine(page: Page, line: number): Promise<void> {
  await page.locator('.monaco-editor textarea').first().focus();
  await page.keyboard.press('Control+G');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor();
  await input.fill(`:${line}`);
  await page.keyboard.press('Enter');
}

/** The content frame of a webview panel; with several open, the last one unless `index` is given. */
export function webview(page: Page, index = -1): FrameLocator {
  return page.frameLocator(`iframe.webview.ready >> nth=${index}`).frameLocator('iframe#active-frame');
}

/**
 * The screen point at the middle of `word` on the first visible editor line containing `lineText`.
 * Monaco merges tokens into spans, so the point comes from a DOM Range over the word's characters.
 */
export async function wordPoint(page: Page, lineText: string, word: string): Promise<{ x: number; y: number } | null> {
  return page.evaluate(
    ([line, w]) => {
      for (const row of Array.from(document.querySelectorAll('.monaco-editor .view-line'))) {
        // Monaco renders spaces as no-break spaces; one for one, so offsets still match.
        const text = (row.textContent ?? '').replace(/\u00a0/g, ' ');
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
}

/**
 * Hovers the exact characters of `word` on the line containing `lineText` and returns the hover's
 * text once it contains `expect` (when given). Retries while the extension activates and analyses.
 */
export async function hoverWord(
  page: Page,
  lineText: string,
  word: string,
  options: { timeoutMs?: number; expect?: string } = {},
): Promise<string> {
  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  const hover = page.locator('.monaco-hover:not(.hidden)');
  let last = '';
  while (Date.now() < deadline) {
    const point = await wordPoint(page, lineText, word);
    if (!point) throw new Error(`no visible editor line contains "${lineText}"`);
    await page.mouse.move(point.x, point.y);
    try {
      await hover.first().waitFor({ timeout: 4_000 });
      last = (await hover.first().innerText()).trim();
      if (!options.expect || last.includes(options.expect)) return last;
    } catch {
      // no hover yet
    }
    await page.mouse.move(0, 0);
    await page.waitForTimeout(500);
  }
  throw new Error(
    `no hover over "${word}"${options.expect ? ` containing "${options.expect}"` : ''} appeared (last: ${last || 'none'})`,
  );
}

/** Selects `word` on the line containing `lineText` by double-clicking it, then types `text` over it. */
export async function replaceWord(page: Page, lineText: string, word: string, text: string): Promise<void> {
  const point = await wordPoint(page, lineText, word);
  if (!point) throw new Error(`no visible editor line contains "${lineText}"`);
  await page.mouse.dblclick(point.x, point.y);
  await page.keyboard.type(text);
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

/**
 * Answers code-server's simple file dialog (open or save): a quick input holding a path. The
 * dialog writes its default folder into the box once it has read it, so the path is typed after
 * that, and again if the default arrived late; then its accept button (OK, or the open label).
 */
export async function fillFileDialog(page: Page, path: string): Promise<void> {
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ timeout: 15_000 });
  // The path must hold for two checks in a row: a default that arrives late overwrites it.
  let steady = 0;
  for (let attempt = 0; attempt < 40 && steady < 2; attempt++) {
    const value = await input.inputValue();
    if (value === path) steady++;
    else {
      steady = 0;
      if (value.includes('/')) await input.fill(path);
    }
    await page.waitForTimeout(250);
  }
  if ((await input.inputValue()) !== path) throw new Error(`the file dialog would not take ${path}`);
  await page.locator('.quick-input-widget .monaco-button').first().click();
  // If the dialog is still up (it was still validating the path), accept it with Enter.
  await page.waitForTimeout(500);
  if (await input.isVisible()) await page.keyboard.press('Enter');
}
