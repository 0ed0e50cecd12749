/**
 * The graph preview in a real VS Code: LeNet-5 drawn as the course's volumes with their labels,
 * repeated ResNet blocks collapsed into stacks that expand to show residual arcs, four inception
 * lanes meeting at a concat, a label that
 * follows an edit in the code, and a click on a volume that selects the layer's definition.
 */
import * as assert from 'node:assert/strict';
import { samplesWorkbench } from '../harness/suite';
import { goToLine, openFile, replaceWord, runCommand, screenshot, webview } from '../harness/workbench';

describe('graph preview (code-server)', function () {
  this.timeout(240_000);
  const bench = samplesWorkbench({ viewport: { width: 1600, height: 900 } });

  const labels = async () => (await webview(bench.page).locator('g.volume text.label').allTextContents()).filter(Boolean);

  it('draws LeNet-5 as volumes labelled H×W×C, with dense layers as bars', async () => {
    await openFile(bench.page, 'samples/lenet5_pytorch.py');
    await runCommand(bench.page, 'CNN Lens: Open Graph Preview to the Side');
    await webview(bench.page).locator('g.volume').first().waitFor({ timeout: 60_000 });
    assert.deepEqual(await labels(), ['28×28×6', '14×14×6', '10×10×16', '5×5×16', '400', '120', '84', '10']);
    assert.equal(await webview(bench.page).locator('g.volume.bar').count(), 4, 'flatten and the three dense layers are bars');
    await screenshot(bench.page, 'graph-lenet5', { forReadme: true });
  });

  it('updates a label when a number in the code changes', async () => {
    await replaceWord(bench.page, 'self.conv2 = nn.Conv2d(6, 16', '16', '20');
    const frame = webview(bench.page);
    await frame.locator('g.volume text.label', { hasText: '10×10×20' }).waitFor({ timeout: 30_000 });
    await bench.page.keyboard.press('Control+Z');
    await frame.locator('g.volume text.label', { hasText: '10×10×16' }).waitFor({ timeout: 30_000 });
  });

  it('selects the layer definition in the editor when a volume is clicked', async () => {
    await webview(bench.page).locator('g.volume[data-layer="n3"]').click();
    await bench.page.locator('.statusbar-item', { hasText: 'Ln 21' }).first().waitFor({ timeout: 30_000 });
  });

  it('collapses repeated blocks into stacks, and draws residual arcs to ⊕ once a stage is expanded', async () => {
    await openFile(bench.page, 'samples/resnet_blocks.py');
    await goToLine(bench.page, 119);
    const frame = webview(bench.page);
    await frame.locator('text.title', { hasText: 'ResNet18Like' }).waitFor({ timeout: 60_000 });
    assert.deepEqual(await frame.locator('text.stack-title').allTextContents(), ['layer1: BasicBlock ×2', 'layer2: BasicBlock ×2', 'layer3: BasicBlock ×2', 'layer4: BasicBlock ×2']);
    assert.equal(await frame.locator('path.link.arc').count(), 0, 'no block is drawn while its stage is collapsed');
    await frame.locator('g.volume.stack', { has: frame.locator('text.stack-title', { hasText: 'layer2:' }) }).click();
    await frame.locator('path.link.arc').first().waitFor({ timeout: 10_000 });
    assert.equal(await frame.locator('path.link.arc').count(), 2, 'one skip arc per BasicBlock of layer2');
    assert.equal(await frame.locator('g.volume.merge').count(), 2);
    await screenshot(bench.page, 'graph-resnet');
    // The click left focus in the preview's editor group: give it back to the code's.
    await bench.page.keyboard.press('Control+1');
  });

  it('draws an inception module as four lanes meeting at a concat', async () => {
    await openFile(bench.page, 'samples/inception_module.py');
    const frame = webview(bench.page);
    await frame.locator('text.title', { hasText: 'TinyInceptionNet' }).waitFor({ timeout: 60_000 });
    const concats = frame.locator('g.volume.merge', { has: frame.locator('text.symbol', { hasText: 'c' }) });
    assert.equal(await concats.count(), 2);
    const firstConcat = await concats.first().getAttribute('data-layer');
    const lanes = await frame.locator('g.volume').evaluateAll((els) => els.map((e) => (e as SVGGElement).transform.baseVal[0]?.matrix.e ?? 0));
    assert.ok(firstConcat && new Set(lanes).size < lanes.length, 'some volumes share a column: parallel lanes');
    await screenshot(bench.page, 'graph-inception', { forReadme: true });
  });
});
