/**
 * Foundation E2E: in a real VS Code with the packaged extension installed, opening a Python
 * sample activates CNN Lens, its palette commands run, the graph preview webview renders an SVG,
 * and the activations webview starts a TensorFlow.js backend under its CSP.
 */
import * as assert from 'node:assert/strict';
import { samplesWorkbench } from '../harness/suite';
import { openFile, runCommand, screenshot, webview } from '../harness/workbench';

describe('foundation (code-server)', function () {
  this.timeout(180_000);
  const bench = samplesWorkbench();

  it('shows the "Open Preview to the Side" editor-title button on a Python file', async () => {
    await openFile(bench.page, 'samples/lenet5_pytorch.py');
    await bench.page.locator('.editor-actions [aria-label^="Open Graph Preview to the Side"]').first().waitFor({ timeout: 60_000 });
  });

  it('runs "Open Graph Preview to the Side" from the palette and the webview renders an SVG', async () => {
    await runCommand(bench.page, 'CNN Lens: Open Graph Preview to the Side');
    const frame = webview(bench.page);
    const title = frame.locator('svg.graph text.title');
    await title.waitFor({ timeout: 60_000 });
    assert.equal(await title.textContent(), 'LeNet5 (pytorch)');
    assert.ok(await frame.locator('svg.graph').count(), 'an <svg class="graph"> is in the webview');
    await bench.page.locator('.tab[aria-label^="Graph: lenet5_pytorch.py"]').waitFor();
    await screenshot(bench.page, 'graph-preview');
  });

  it('starts a TensorFlow.js backend in the activations panel under its CSP', async () => {
    await openFile(bench.page, 'samples/lenet5_pytorch.py');
    await runCommand(bench.page, 'CNN Lens: Step Through Activations');
    const status = webview(bench.page).locator('.header .backend', { hasText: 'tfjs:' });
    await status.waitFor({ timeout: 60_000 });
    assert.match((await status.textContent()) ?? '', /^tfjs: (webgl|wasm|cpu)$/);
    await screenshot(bench.page, 'activations-backend');
  });
});
