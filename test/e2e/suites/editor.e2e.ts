/**
 * The editor features in a real VS Code: CodeLens totals above a model, hovers on a layer's
 * definition and on its application with the exact shape and arithmetic, inlay hints in the
 * editor, a channel mismatch typed into the code appearing as a Problem and going away on undo,
 * and a Keras sample analysed the same way.
 */
import * as assert from 'node:assert/strict';
import { samplesWorkbench } from '../harness/suite';
import { goToLine, hoverWord, openFile, replaceWord, screenshot } from '../harness/workbench';

describe('editor: hover, inlay hints, CodeLens, Problems (code-server)', function () {
  this.timeout(240_000);
  const bench = samplesWorkbench({ settings: { 'editor.inlayHints.enabled': 'on', 'editor.codeLens': true } });

  it('shows the model totals as CodeLens above a PyTorch model', async () => {
    await openFile(bench.page, 'samples/lenet5_pytorch.py');
    // VS Code re-renders CodeLens as analyses land, so the text is read inside the page in one step,
    // from whichever decoration holds the totals then.
    const text = await bench.page.waitForFunction(() => [...document.querySelectorAll('.codelens-decoration')]
      .map((e) => e.textContent ?? '').find((t) => t.includes('CNN Lens: 61,706 params')), undefined, { timeout: 60_000 });
    assert.match(String(await text.jsonValue()), /61,706 params · 423 kMACs · 1×1×32×32 → 1×10/);
  });

  it('hovers a Conv2d definition with its output shape and the arithmetic', async () => {
    const text = await hoverWord(bench.page, 'self.conv1 = nn.Conv2d', 'Conv2d', { expect: '1×6×28×28' });
    assert.match(text, /1×1×32×32 → 1×6×28×28/);
    assert.match(text, /H: ⌊\(32 − 5\) \/ 1⌋ \+ 1 = 28/);
    assert.match(text, /params = 6·1·5·5 \+ 6 = 156/);
    await screenshot(bench.page, 'hover-definition', { forReadme: true });
  });

  it('hovers the application in forward with the same shapes', async () => {
    const text = await hoverWord(bench.page, 'x = self.pool1(self.act(self.conv1(x)))', 'conv1', { expect: 'conv1' });
    assert.match(text, /1×1×32×32 → 1×6×28×28/);
    assert.match(text, /receptive field 5×5/);
  });

  it('shows inlay hints with output shapes at the end of layer lines', async () => {
    // On the definition line of conv2, and on the forward line that ends in pool2.
    const lines = bench.page.locator('.monaco-editor .view-lines');
    await lines.filter({ hasText: '→ 1×16×10×10' }).first().waitFor({ timeout: 30_000 });
    const text = (await lines.first().innerText()).replace(/\u00a0/g, ' ');
    assert.match(text, /self\.pool2\(self\.act\(self\.conv2\(x\)\)\)\s*→ 1×16×5×5\n/);
    assert.match(text, /return self\.fc3\(x\)\s*→ 1×10/);
    await screenshot(bench.page, 'inlay-hints');
  });

  it('reports a channel mismatch typed into the code as a Problem, and clears it on undo', async () => {
    await replaceWord(bench.page, 'self.conv2 = nn.Conv2d(6, 16', '6', '8');
    const problem = bench.page.locator('.squiggly-error');
    await problem.first().waitFor({ timeout: 30_000 });
    const text = await hoverWord(bench.page, 'self.conv2(x)', 'conv2', { expect: 'expects 8 input channels but receives 6' });
    assert.match(text, /Conv2d expects 8 input channels but receives 6/);
    await screenshot(bench.page, 'channel-mismatch', { forReadme: true });
    await bench.page.keyboard.press('Escape');
    await bench.page.keyboard.press('Control+Z');
    await problem.first().waitFor({ state: 'detached', timeout: 30_000 });
  });

  it('hovers a block class with its in → out shapes where the model uses it', async () => {
    await openFile(bench.page, 'samples/resnet_blocks.py');
    await goToLine(bench.page, 119);
    await bench.page.locator('.codelens-decoration', { hasText: 'CNN Lens: 11.7 M params' }).first().waitFor({ timeout: 60_000 });
    await goToLine(bench.page, 32);
    const text = await hoverWord(bench.page, 'class BasicBlock', 'BasicBlock', { expect: 'used 8×' });
    assert.match(text, /layer1\.0\s+1×64×56×56 → 1×64×56×56\s+73,984/);
    assert.match(text, /layer2\.0\s+1×64×56×56 → 1×128×28×28\s+230,144/);
    await screenshot(bench.page, 'block-hover');
  });

  it('analyses a Keras sample: hover shows channels-last shapes', async () => {
    await openFile(bench.page, 'samples/lenet5_keras.py');
    await bench.page.locator('.codelens-decoration', { hasText: 'CNN Lens: 61,706 params' }).first().waitFor({ timeout: 60_000 });
    const text = await hoverWord(bench.page, 'layers.Conv2D(6, kernel_size=5', 'Conv2D', { expect: 'N×28×28×6' });
    assert.match(text, /N×32×32×1 → N×28×28×6/);
    await screenshot(bench.page, 'keras-hover');
  });
});
