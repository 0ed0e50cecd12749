/**
 * The graph preview in a real VS Code: LeNet-5 drawn as the course's volumes with their labels
 * and filter boxes, repeated ResNet blocks collapsed into stacks that expand to show residual arcs
 * and the projection shortcut, four inception lanes meeting at a concat, MobileNetV2's expand /
 * depthwise / linear projection, an SE branch with ⊗, a label that follows an edit in the code, a
 * click on a volume that selects the layer's definition, the hover's Reveal in Graph, the graph
 * view, the summary panel, minimap and Fit, the preview lock, and SVG/PNG export to files.
 */
import * as assert from 'node:assert/strict';
import { samplesWorkbench } from '../harness/suite';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fillFileDialog, goToLine, hoverWord, openFile, replaceWord, runCommand, screenshot, webview } from '../harness/workbench';

describe('graph preview (code-server)', function () {
  this.timeout(240_000);
  const bench = samplesWorkbench({ viewport: { width: 1600, height: 900 } });

  const labels = async () => (await webview(bench.page).locator('g.volume text.label').allTextContents()).filter(Boolean);

  it('draws LeNet-5 as volumes labelled H×W×C, with dense layers as bars', async () => {
    await openFile(bench.page, 'samples/lenet5_pytorch.py');
    await runCommand(bench.page, 'CNN Lens: Open Graph Preview to the Side');
    await webview(bench.page).locator('g.volume').first().waitFor({ timeout: 60_000 });
    assert.deepEqual(await labels(), ['32×32×1', '28×28×6', '14×14×6', '10×10×16', '5×5×16', '400', '120', '84', '10'], 'the input image, then every layer output');
    assert.equal(await webview(bench.page).locator('g.volume.bar').count(), 4, 'flatten and the three dense layers are bars');
    // Each window drawn inside the volume it slides over: conv 5×5 s1, pool 2×2 s2.
    assert.deepEqual(await webview(bench.page).locator('g.kernel text.kernel-label').allTextContents(), ['5×5, s1', '2×2, s2', '5×5, s1', '2×2, s2']);
    assert.match((await webview(bench.page).locator('svg.graph').getAttribute('data-layout-worker')) ?? '', /^(url|blob)$/, 'laid out in a Web Worker');
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
    assert.deepEqual(await frame.locator('text.stack-title').allTextContents(), ['layer1: BasicBlock ×2 [expand]', 'layer2: BasicBlock ×2 [expand]', 'layer3: BasicBlock ×2 [expand]', 'layer4: BasicBlock ×2 [expand]']);
    assert.equal(await frame.locator('path.link.arc').count(), 0, 'no block is drawn while its stage is collapsed');
    await frame.locator('g.volume.stack', { has: frame.locator('text.stack-title', { hasText: 'layer2:' }) }).click();
    await frame.locator('path.link.arc').first().waitFor({ timeout: 10_000 });
    assert.equal(await frame.locator('g.volume.merge').count(), 2, 'one ⊕ per BasicBlock of layer2');
    // The first block downsamples: its skip carries the 1×1 projection, drawn above the path.
    const shortcut = frame.locator('g.volume.role-shortcut');
    assert.equal(await shortcut.locator('text.role').textContent(), 'projection 1×1, s2');
    assert.ok((await frame.locator('path.link.arc').count()) >= 3, 'identity arc of the second block, and the projection shortcut on the first');
    assert.equal(await frame.locator('g.stage-frame text').textContent(), 'layer2: BasicBlock ×2 [collapse]');
    await screenshot(bench.page, 'graph-resnet', { forReadme: true });
    await frame.locator('g.stage-frame text').click();
    await frame.locator('g.stage-frame').waitFor({ state: 'detached', timeout: 10_000 });
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

  it('draws MobileNetV2 blocks narrow → wide → narrow: expand ×6, depthwise 3×3, linear projection, residual arcs', async () => {
    await openFile(bench.page, 'samples/mobilenetv2_block.py');
    const frame = webview(bench.page);
    await frame.locator('text.title', { hasText: 'MobileNetV2' }).waitFor({ timeout: 60_000 });
    const roles = await frame.locator('g.volume text.role').allTextContents();
    assert.equal(roles.filter((r) => r === 'expand ×6').length, 16);
    assert.equal(roles.filter((r) => r === 'depthwise 3×3').length, 17);
    assert.equal(roles.filter((r) => r === 'project 1×1 · linear').length, 17);
    assert.equal(await frame.locator('g.volume.linear').count(), 17, 'linear bottlenecks are marked');
    assert.ok((await frame.locator('path.link.arc').count()) >= 10, 'residual arcs where stride is 1 and channels match');
    // Widths encode channels: the expanded volume is wider than the block's input and output.
    const width = (role: string) => frame.locator(`g.volume.role-${role} rect.face.front`).nth(2).evaluate((r) => (r as SVGRectElement).width.baseVal.value);
    const [expand, project] = [await width('expand'), await width('project')];
    assert.ok(expand > project, `expand (${expand}px) wider than project (${project}px)`);
    // Bring block 3 into view through the summary panel, as a user would.
    await frame.locator('button[data-action="details"]').click();
    await frame.locator('.summary-panel tr[data-layer]').first().waitFor({ timeout: 10_000 });
    await frame.locator('.summary-panel tr', { hasText: 'features.3.block.1.0' }).first().click();
    await frame.locator('g.volume.selected').first().waitFor({ timeout: 10_000 });
    await frame.locator('button[data-action="details"]').click();
    // Zoom in on the selected block, as a reader of the drawing would.
    const before = await frame.locator('g.scene').getAttribute('transform');
    await frame.locator('g.volume.selected').first().focus();
    for (let i = 0; i < 3; i++) await frame.locator('body').press('+');
    await bench.page.waitForTimeout(500);
    assert.notEqual(await frame.locator('g.scene').getAttribute('transform'), before, '+ zooms in');
    await screenshot(bench.page, 'graph-mobilenetv2', { forReadme: true });
    await bench.page.keyboard.press('Control+1');
  });

  it('switches to the compact graph view with shapes on the edges, and back', async () => {
    await openFile(bench.page, 'samples/inception_module.py');
    const frame = webview(bench.page);
    await frame.locator('text.title', { hasText: 'TinyInceptionNet' }).waitFor({ timeout: 60_000 });
    await frame.locator('button[data-action="graph"]').click();
    await frame.locator('g.volume.node').first().waitFor({ timeout: 10_000 });
    const edgeLabels = await frame.locator('text.edge-label').allTextContents();
    assert.ok(edgeLabels.some((t) => /^1×\d+×\d+×\d+$/.test(t)), `edges carry NCHW shapes: ${edgeLabels.slice(0, 4).join(', ')}`);
    assert.ok((await frame.locator('tspan.node-kind', { hasText: 'Conv2d' }).count()) > 4);
    await screenshot(bench.page, 'graph-view-inception', { forReadme: true });
    await frame.locator('button[data-action="volumes"]').click();
    await frame.locator('g.volume.volume').first().waitFor({ timeout: 10_000 });
    await bench.page.keyboard.press('Control+1');
  });

  it('has a minimap, and Fit brings the whole model into view', async () => {
    const frame = webview(bench.page);
    const size = await frame.locator('.minimap canvas').evaluate((c) => [(c as HTMLCanvasElement).width, (c as HTMLCanvasElement).height]);
    assert.ok(size[0] > 50 && size[1] > 10, `minimap drawn (${size.join('×')})`);
    await frame.locator('button[data-action="fit"]').click();
    await bench.page.waitForTimeout(500);
    const fits = await frame.locator('svg.graph').evaluate((svg) => {
      const scene = (svg as SVGSVGElement).querySelector('g.scene') as SVGGElement;
      const box = scene.getBoundingClientRect();
      const view = svg.getBoundingClientRect();
      return box.right <= view.right + 2 && box.bottom <= view.bottom + 2 && box.left >= view.left - 2;
    });
    assert.ok(fits, 'the whole drawing is inside the view after Fit');
    await bench.page.keyboard.press('Control+1');
  });

  it('draws a squeeze-excitation branch below the path, rescaling it at ⊗', async () => {
    await openFile(bench.page, 'samples/efficientnet_se.py');
    const frame = webview(bench.page);
    await frame.locator('text.title', { hasText: 'TinyEfficientNet' }).waitFor({ timeout: 60_000 });
    const se = frame.locator('g.volume.role-squeeze');
    assert.ok((await se.count()) > 0, 'SE layers drawn');
    assert.ok((await frame.locator('g.volume.merge text.symbol', { hasText: '×' }).count()) > 0, 'the SE scale is a ⊗');
    const below = await frame.locator('g.volume.role-squeeze').first().evaluate((g) => {
      const excite = g.getBoundingClientRect();
      const next = [...document.querySelectorAll('g.volume.role-excite')][0]?.getBoundingClientRect();
      return !!next && excite.top > next.top;
    });
    assert.ok(below, 'the SE branch sits below the ⊗ on the main path');
  });

  it('draws DenseNet blocks, which are not series-parallel, with the layered layout', async () => {
    await openFile(bench.page, 'samples/densenet_block.py');
    const frame = webview(bench.page);
    await frame.locator('text.title', { hasText: 'TinyDenseNet' }).waitFor({ timeout: 60_000 });
    assert.equal(await frame.locator('svg.graph').getAttribute('data-engine'), 'layered');
    const concats = await frame.locator('g.volume.merge text.symbol', { hasText: 'c' }).count();
    assert.equal(concats, 15, 'one concat before each of the 12 dense layers, and one closing each block');
    await screenshot(bench.page, 'graph-densenet', { forReadme: true });
    await bench.page.keyboard.press('Control+1');
  });

  it('reveals the hovered layer in the graph from the hover link', async () => {
    await openFile(bench.page, 'samples/lenet5_pytorch.py');
    await hoverWord(bench.page, 'self.conv2 = nn.Conv2d', 'Conv2d', { expect: 'Reveal in Graph' });
    await bench.page.locator('.monaco-hover a', { hasText: 'Reveal in Graph' }).click();
    const frame = webview(bench.page);
    await frame.locator('g.volume.selected text.label', { hasText: '10×10×16' }).waitFor({ timeout: 30_000 });
  });

  it('stays on its document when locked, and follows the editor again when unlocked', async () => {
    await openFile(bench.page, 'samples/inception_module.py');
    const frame = webview(bench.page);
    await frame.locator('text.title', { hasText: 'TinyInceptionNet' }).waitFor({ timeout: 60_000 });
    await runCommand(bench.page, 'CNN Lens: Toggle Graph Preview Lock');
    await bench.page.locator('.tab', { hasText: '[Locked] Graph: inception_module.py' }).waitFor({ timeout: 10_000 });
    await openFile(bench.page, 'samples/lenet5_pytorch.py');
    await bench.page.waitForTimeout(1_500);
    assert.equal(await frame.locator('text.title').first().textContent(), 'TinyInceptionNet (pytorch)', 'the locked preview did not follow');
    await runCommand(bench.page, 'CNN Lens: Toggle Graph Preview Lock');
    await frame.locator('text.title', { hasText: 'LeNet5' }).waitFor({ timeout: 30_000 });
    await bench.page.locator('.tab', { hasText: /^Graph: lenet5_pytorch\.py/ }).waitFor({ timeout: 10_000 });
  });

  it('exports the drawing as a standalone SVG and a 2× PNG', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cnn-lens-export-'));
    for (const format of ['svg', 'png'] as const) {
      const target = join(dir, `lenet.${format}`);
      await runCommand(bench.page, `CNN Lens: Export Graph as ${format.toUpperCase()}`);
      await fillFileDialog(bench.page, target);
      const deadline = Date.now() + 20_000;
      while (!existsSync(target) && Date.now() < deadline) await bench.page.waitForTimeout(200);
      assert.ok(existsSync(target), `${format} written`);
    }
    const svg = readFileSync(join(dir, 'lenet.svg'), 'utf8');
    for (const label of ['28×28×6', '14×14×6', '10×10×16', '5×5×16', '120', '84']) assert.ok(svg.includes(`>${label}<`), `${label} in the SVG`);
    assert.ok(svg.includes('<style') && !svg.includes('var(--vscode'), 'colours inlined, no theme variable left');
    const png = readFileSync(join(dir, 'lenet.png'));
    assert.equal(png.subarray(1, 4).toString(), 'PNG');
    const svgWidth = Number(/<svg[^>]*width="(\d+)"/.exec(svg)![1]);
    assert.equal(png.readUInt32BE(16), svgWidth * 2, 'PNG at 2× the SVG width');
  });
});
