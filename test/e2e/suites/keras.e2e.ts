/**
 * Keras as a learner first writes it, in a real VS Code: a Sequential built at module level (no
 * function around it, augmentation first, `MaxPool2D`), which must get its CodeLens totals, hovers,
 * inlay hints and the preview's volumes like any other model, and a Problem on the Conv2D when a
 * `Flatten()` is typed in front of it.
 */
import * as assert from 'node:assert/strict';
import { samplesWorkbench } from '../harness/suite';
import { hoverWord, openFile, replaceWord, runCommand, screenshot, webview } from '../harness/workbench';

describe('Keras at module level (code-server)', function () {
  this.timeout(240_000);
  const bench = samplesWorkbench({
    settings: { 'editor.inlayHints.enabled': 'on', 'editor.codeLens': true },
    viewport: { width: 1600, height: 900 },
  });

  it('shows the totals of a module-level Sequential as CodeLens', async () => {
    await openFile(bench.page, 'samples/keras_module_level.py');
    const text = await bench.page.waitForFunction(
      () =>
        [...document.querySelectorAll('.codelens-decoration')]
          .map((e) => e.textContent ?? '')
          .find((t) => t.includes('CNN Lens: 24,826 params')),
      undefined,
      { timeout: 60_000 },
    );
    assert.match(String(await text.jsonValue()), /24,826 params .*N×32×32×3 → N×10/);
  });

  it('hovers its layers with channels-last shapes and the arithmetic', async () => {
    const text = await hoverWord(bench.page, 'layers.Conv2D(8, 5', 'Conv2D', { expect: 'N×28×28×8' });
    assert.match(text, /N×32×32×3 → N×28×28×8/);
    assert.match(text, /608/);
    const pool = await hoverWord(bench.page, 'layers.MaxPool2D()', 'MaxPool2D', { expect: 'N×14×14×8' });
    assert.match(pool, /N×28×28×8 → N×14×14×8/);
  });

  it('shows inlay hints at the end of its layer lines', async () => {
    const lines = bench.page.locator('.monaco-editor .view-lines');
    await lines.filter({ hasText: '→ N×12×12×16' }).first().waitFor({ timeout: 30_000 });
    const text = (await lines.first().innerText()).replace(/\u00a0/g, ' ');
    assert.match(text, /layers\.Flatten\(\),\s+# 2304\s*→ N×2304/);
    await screenshot(bench.page, 'keras-module-level');
  });

  it('draws it in the preview as volumes', async () => {
    await runCommand(bench.page, 'CNN Lens: Open Graph Preview to the Side');
    const frame = webview(bench.page);
    await frame.locator('g.volume').first().waitFor({ timeout: 60_000 });
    const labels = (await frame.locator('g.volume text.label').allTextContents()).filter(Boolean);
    for (const shape of ['32×32×3', '28×28×8', '14×14×8', '12×12×16', '2304', '10'])
      assert.ok(labels.includes(shape), `no volume labelled ${shape} in ${labels.join(', ')}`);
  });

  it('reports a Flatten() typed before a Conv2D as a Problem on the Conv2D', async () => {
    await openFile(bench.page, 'samples/keras_module_level.py');
    await replaceWord(bench.page, 'layers.Conv2D(16, 3', 'layers', 'layers.Flatten(), layers');
    await bench.page.locator('.squiggly-error').first().waitFor({ timeout: 30_000 });
    const text = await hoverWord(bench.page, 'layers.Conv2D(16, 3', 'Conv2D', { expect: '4-D input' });
    assert.match(text, /Conv2D expects a 4-D input \(N, H, W, C\) but got 2-D/);
    await screenshot(bench.page, 'keras-flatten-problem', { forReadme: true });
    // Close the hover and the word suggestions, then undo the typing (Monaco may keep it as several steps).
    await bench.page.keyboard.press('Escape');
    await bench.page.keyboard.press('Escape');
    const squiggle = bench.page.locator('.squiggly-error');
    for (let undo = 0; undo < 6 && (await squiggle.count()) > 0; undo++) {
      await bench.page.keyboard.press('Control+Z');
      await squiggle.first().waitFor({ state: 'detached', timeout: 5_000 }).catch(() => undefined);
    }
    assert.equal(await squiggle.count(), 0, 'the Problem goes once the Flatten is undone');
  });
});
