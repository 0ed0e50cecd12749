/**
 * Jupyter notebooks in a real VS Code (its own notebook editor, no Jupyter extension): the sample
 * course notebook builds its models across cells, and every view works in the cell that holds the
 * code. The CodeLens above the cell that builds the model carries the totals and the check against
 * the summary the notebook saved; a hover in a cell spells out the arithmetic; inlay hints end the
 * layer lines; a channel mismatch typed into a cell is a Problem on that cell and goes on undo; the
 * graph preview opened from a cell draws the volumes, and a click on one selects its line in the
 * cell that defines it.
 */
import * as assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { samplesWorkbench } from '../harness/suite';
import { hoverWord, openFile, replaceWord, runCommand, screenshot, webview, wordPoint } from '../harness/workbench';

/** The notebook's cell rows, each holding one cell's editor (code) or rendered markdown. */
const cellRow = (page: Page, text: string) => page.locator('.notebook-editor .monaco-list-row', { hasText: text });

/**
 * The row of the cell containing `text`, scrolled to the top of the notebook's view. The notebook
 * editor renders only the cells near the viewport, so the list is scrolled with the mouse wheel
 * until the cell exists.
 */
async function scrollToCell(page: Page, text: string) {
  const row = cellRow(page, text);
  const list = page.locator('.notebook-editor .cell-list-container').first();
  const box = await list.boundingBox();
  if (!box) throw new Error('no notebook editor is open');
  for (let i = 0; i < 40 && !(await row.count()); i++) {
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await page.mouse.wheel(0, 300);
    await page.waitForTimeout(150);
  }
  // Then bring the cell's top near the top of the list, so that all its lines are on screen. The
  // list moves about 50 px per wheel event, whatever the event's delta.
  for (let i = 0; i < 60; i++) {
    const top = (await row.first().boundingBox())?.y ?? box.y;
    if (Math.abs(top - box.y - 40) < 30) break;
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await page.mouse.wheel(0, Math.sign(top - box.y - 40) * 50);
    await page.waitForTimeout(100);
  }
  return row;
}

/** Puts the cursor in the cell editor on the line containing `lineText` (a click, as a user would). */
async function clickInCell(page: Page, lineText: string): Promise<void> {
  const point = await wordPoint(page, lineText, lineText.trim().split(/\W+/)[0]);
  if (!point) throw new Error(`no visible cell line contains "${lineText}"`);
  await page.mouse.click(point.x, point.y);
}

/**
 * Opens a notebook from the Explorer in VS Code's notebook editor. Right after the workbench loads,
 * before the built-in ipynb extension has registered its notebook type, VS Code may open the file
 * as JSON text instead; the file is then closed and opened again, as a user would.
 */
async function openNotebook(page: Page, path: string): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    await openFile(page, path);
    try {
      await page.locator('.notebook-editor .cell-list-container').first().waitFor({ timeout: 15_000 });
      return;
    } catch (e) {
      if (attempt === 2) throw e;
      await page.keyboard.press('Control+W');
    }
  }
}

describe('notebooks: every view in the cells of a Keras course notebook (code-server)', function () {
  this.timeout(240_000);
  const bench = samplesWorkbench({
    settings: {
      'editor.inlayHints.enabled': 'on',
      'editor.codeLens': true,
      'notebook.lineNumbers': 'on',
      // Below the line, so the hover leaves the cell's CodeLens in the picture.
      'editor.hover.above': false,
    },
    viewport: { width: 1600, height: 1100 },
  });

  it("shows the totals and the ✓ against the saved model.summary() above the model's cell", async () => {
    await openNotebook(bench.page, 'samples/keras_course_notebook.ipynb');
    const lenses = bench.page.locator('.notebook-editor .codelens-decoration');
    await lenses.filter({ hasText: 'CNN Lens: 466,785 params' }).first().waitFor({ timeout: 90_000 });
    const saved = lenses.filter({ hasText: '✓ matches the saved output: 466,785 params' });
    await saved.first().waitFor({ timeout: 30_000 });
    // Above the factory's cell: `model = smile_model()` in the next cell is the same model, not a second one.
    assert.equal(
      await cellRow(bench.page, 'def smile_model').locator('.codelens-decoration', { hasText: '✓ matches' }).count(),
      1,
    );
    assert.equal(await cellRow(bench.page, 'model = smile_model()').locator('.codelens-decoration').count(), 0);
    const totals = await lenses.filter({ hasText: 'CNN Lens: 466,785 params' }).first().innerText();
    assert.match(totals, /466,785 params · 9\.62 MMACs · N×64×64×3 → N×1/);
  });

  it('hovers a layer in a cell with its shapes and the arithmetic', async () => {
    await scrollToCell(bench.page, 'def smile_model');
    const text = await hoverWord(bench.page, 'layers.Conv2D(32, (3, 3)', 'Conv2D', {
      expect: 'N×30×30×32',
      timeoutMs: 60_000,
    });
    assert.match(text, /N×32×32×16 → N×30×30×32/);
    assert.match(text, /H: ⌊\(32 − 3\) \/ 1⌋ \+ 1 = 30/);
    assert.match(text, /params = 3·3·16·32 \+ 32 = 4,640/);
    await bench.page.waitForTimeout(500); // the hover fades in
    await screenshot(bench.page, 'notebook-hover', { forReadme: true });
    await bench.page.keyboard.press('Escape');
    await bench.page.mouse.move(0, 0);
  });

  it('ends the layer lines of a cell with inlay hints', async () => {
    const lines = cellRow(bench.page, 'def smile_model').locator('.view-lines');
    await lines.filter({ hasText: '→ N×30×30×32' }).first().waitFor({ timeout: 30_000 });
    const text = (await lines.first().innerText()).replace(/\u00a0/g, ' ');
    assert.match(text, /layers\.Conv2D\(32, \(3, 3\), activation="relu"\),\s*→ N×30×30×32/);
    assert.match(text, /layers\.Flatten\(\),\s*→ N×7200/);
    assert.match(text, /layers\.Dense\(1, activation="sigmoid"\),\s*→ N×1/);
  });

  it('reports a channel mismatch typed into a cell as a Problem on that cell, and clears it on undo', async () => {
    const block = await scrollToCell(bench.page, 'def identity_block');
    await replaceWord(bench.page, 'X = layers.Conv2D(F3, (1, 1))(X)', 'F3', 'F2');
    const squiggle = block.locator('.squiggly-error');
    await squiggle.first().waitFor({ timeout: 30_000 });
    assert.equal(
      await bench.page.locator('.notebook-editor .squiggly-error').count(),
      await squiggle.count(),
      'only in the cell that adds the shortcut',
    );
    const text = await hoverWord(bench.page, 'X = layers.Add()([X, X_shortcut])', 'Add', { expect: 'cannot add' });
    assert.match(text, /cannot add \[N, 15, 15, 16\] and \[N, 15, 15, 64\]/);
    await bench.page.waitForTimeout(500);
    await screenshot(bench.page, 'notebook-problem');
    await bench.page.keyboard.press('Escape');
    await bench.page.mouse.move(0, 0);
    // In the Problems view, under the notebook, at the cell's own line.
    await runCommand(bench.page, 'View: Focus Problems (Errors, Warnings, Infos)');
    const problem = bench.page.locator('.markers-panel .monaco-list-row', { hasText: 'cannot add' });
    await problem.first().waitFor({ timeout: 30_000 });
    assert.match(await problem.first().innerText(), /\[Ln 13, Col 9\]/);
    await runCommand(bench.page, 'View: Hide Panel');
    await clickInCell(bench.page, 'def identity_block(X, f, filters):');
    await bench.page.keyboard.press('Control+Z');
    await squiggle.first().waitFor({ state: 'detached', timeout: 30_000 });
    assert.equal(await bench.page.locator('.notebook-editor .squiggly-error').count(), 0);
  });

  it("draws the volumes of a cell's model in the preview, and a click selects the layer in its own cell", async () => {
    // The helper cell at the top, the model's cell below it: both in the picture.
    await scrollToCell(bench.page, 'def identity_block');
    await clickInCell(bench.page, 'res_model = keras.Model(inputs, outputs');
    await runCommand(bench.page, 'CNN Lens: Open Graph Preview to the Side');
    const frame = webview(bench.page);
    await frame.locator('text.title', { hasText: 'res_model' }).waitFor({ timeout: 60_000 });
    const labels = (await frame.locator('g.volume text.label').allTextContents()).filter(Boolean);
    assert.deepEqual(
      labels.slice(0, 3),
      ['64×64×3', '32×32×64', '15×15×64'],
      'the input, the 7×7 stride-2 conv, the pool',
    );
    assert.equal(await frame.locator('g.volume.merge').count(), 2, 'one ⊕ per identity block');
    assert.ok((await frame.locator('path.link.arc').count()) >= 2, 'each shortcut drawn as an arc');
    await screenshot(bench.page, 'notebook-graph', { forReadme: true });
    // The first ⊕ is the Add inside identity_block: its line is in the block's cell, not the model's.
    await frame.locator('g.volume.merge').first().click();
    await bench.page.locator('.statusbar-item', { hasText: 'Cell 7 of 8' }).first().waitFor({ timeout: 30_000 });
    const focused = bench.page.locator('.notebook-editor .monaco-editor.focused');
    assert.match(
      (await focused.locator('.view-lines').innerText()).replace(/\u00a0/g, ' '),
      /def identity_block/,
      'the cell that defines the clicked layer',
    );
    assert.equal(
      await focused.locator('.line-numbers.active-line-number').innerText(),
      '13',
      'on the line of layers.Add()',
    );
    assert.equal((await focused.locator('.selected-text').count()) > 0, true, 'the call selected');
    // The preview still draws the model this cell's layers belong to, not the one built above it.
    assert.equal(await frame.locator('text.title').first().textContent(), 'res_model (keras)');
  });

  it('steps an image through the model of the cell under the cursor', async () => {
    await bench.page.keyboard.press('Control+1');
    await scrollToCell(bench.page, 'res_model = keras.Model(inputs, outputs');
    await clickInCell(bench.page, 'res_model = keras.Model(inputs, outputs');
    await runCommand(bench.page, 'CNN Lens: Step Through Activations');
    const frame = webview(bench.page);
    const status = frame.locator('.header .status', { hasText: /^Ran (\d+) of \1 layers/ });
    await status.waitFor({ timeout: 90_000 });
    assert.match(await frame.locator('.header').innerText(), /res_model/);
    await screenshot(bench.page, 'notebook-activations');
  });
});
