/**
 * The activations panel in a real VS Code: LeNet-5 with the course's edge filters in its first
 * conv on the course's vertical-edge image (the vertical-edge channel shows a bright column at the
 * edge, the horizontal one nothing, read from the canvas pixels), stepping through every layer to
 * the classifier, the layer list and the editor selecting each other, weights loaded from a
 * .safetensors file with its misfits listed, a Keras LeNet ending in a
 * softmax's top-k, MobileNetV2 running end to end on the wasm backend, and the panel coming back
 * as it was after a window reload.
 */
import * as assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FrameLocator } from 'playwright-core';
import { lenet5StateDict, safetensors, tensor } from '../harness/files';
import { samplesWorkbench } from '../harness/suite';
import { fillFileDialog, openFile, runCommand, screenshot, webview, wordPoint } from '../harness/workbench';

/** Mean brightness of each column of one channel's tile in the grid canvas (grey scale). */
async function tileColumns(frame: FrameLocator, channel: number): Promise<number[][]> {
  return frame.locator('canvas.grid').evaluate((node, ch) => {
    const canvas = node as HTMLCanvasElement;
    const [w, h] = canvas.dataset.tile!.split('x').map(Number);
    const columns = Number(canvas.dataset.columns);
    const gap = Number(canvas.dataset.gap);
    const tile = canvas.dataset.order!.split(',').map(Number).indexOf(ch);
    const x0 = (tile % columns) * (w + gap);
    const y0 = Math.floor(tile / columns) * (h + gap);
    const pixels = canvas.getContext('2d')!.getImageData(x0, y0, w, h).data;
    // rows × columns of the red channel (grey: r = g = b)
    return Array.from({ length: h }, (_, y) => Array.from({ length: w }, (_, x) => pixels[(y * w + x) * 4]));
  }, channel);
}

async function choose(frame: FrameLocator, control: string, value: string): Promise<void> {
  await frame.locator(`select[data-control="${control}"]`).selectOption(value);
}

describe('activations panel (code-server)', function () {
  this.timeout(240_000);
  const bench = samplesWorkbench({ viewport: { width: 1600, height: 900 } });

  it('shows the course vertical-edge filter finding the edge in LeNet-5 conv1 (canvas pixels)', async () => {
    await openFile(bench.page, 'samples/lenet5_pytorch.py');
    await runCommand(bench.page, 'CNN Lens: Step Through Activations');
    const frame = webview(bench.page);
    await frame.locator('.header .status', { hasText: /^Ran 12 of 12 layers/ }).waitFor({ timeout: 90_000 });
    await choose(frame, 'image', 'course-vertical-edge.png');
    await choose(frame, 'weights', 'course');
    await choose(frame, 'colours', 'grey');
    await frame.locator('ol.layers li[data-layer="n0"]').click();
    await frame.locator('.layer-view h2', { hasText: 'conv1 (Conv2d) → 28×28×6' }).waitFor({ timeout: 30_000 });
    const vertical = await tileColumns(frame, 0);
    const columnMean = vertical[0].map((_, x) => vertical.reduce((s, row) => s + row[x], 0) / vertical.length);
    const brightest = columnMean.indexOf(Math.max(...columnMean));
    // The 32×32 input is white left of column 16 and black right of it; the 3×3 pattern sits at
    // the centre of the 5×5 kernel, so the output columns 13 and 14 straddle the edge.
    assert.ok(brightest >= 12 && brightest <= 15, `the bright column is at the edge (column ${brightest}: ${columnMean.map((v) => v.toFixed(0)).join(' ')})`);
    assert.ok(columnMean[brightest] > 200, 'and it is bright');
    for (const x of [0, 4, 8, 20, 24, 27]) assert.ok(columnMean[x] < 40, `column ${x} away from the edge is dark (${columnMean[x].toFixed(0)})`);
    const horizontal = await tileColumns(frame, 1);
    assert.ok(horizontal.flat().every((v) => v < 40), 'the horizontal-edge filter sees nothing on a vertical edge');
    // The close-up names the filter and shows its kernel (in the diverging colours: + red, − blue).
    await choose(frame, 'colours', 'diverging');
    await frame.locator('canvas.grid').waitFor({ timeout: 10_000 });
    const grid = await frame.locator('canvas.grid').boundingBox();
    await bench.page.mouse.click(grid!.x + 5, grid!.y + 5);
    await frame.locator('.detail .readout', { hasText: 'vertical edge' }).waitFor({ timeout: 10_000 });
    assert.deepEqual(await frame.locator('.detail table.kernel tr').nth(1).locator('td').allTextContents(), ['0', '1', '0', '-1', '0']);
    await screenshot(bench.page, 'activations-course-filters', { forReadme: true });
  });

  it('steps through every layer to the classifier with the Next button and the keyboard', async () => {
    const frame = webview(bench.page);
    const seen: string[] = [];
    for (let i = 0; i < 11; i++) {
      if (i % 2) await frame.locator('button[data-action="next"]').click();
      else await frame.locator('body').press('ArrowRight');
      seen.push((await frame.locator('ol.layers li.current').getAttribute('data-layer')) ?? '');
    }
    assert.deepEqual(seen, ['n1', 'n2', 'n3', 'n4', 'n5', 'n6', 'n7', 'n8', 'n9', 'n10', 'n11']);
    await frame.locator('.layer-view h2', { hasText: 'fc3 (Linear) → 10' }).waitFor({ timeout: 10_000 });
    assert.equal(await frame.locator('.dense ol.topk li').count(), 10, 'the classifier as bars, its units ranked');
    await frame.locator('body').press('k');
    await frame.locator('ol.layers li.current[data-layer="n10"]').waitFor({ timeout: 10_000 });
  });

  it('selects the layer in the editor when stepping, and follows the editor cursor', async () => {
    const frame = webview(bench.page);
    await frame.locator('ol.layers li[data-layer="n3"]').click();
    // The panel keeps the focus (arrow keys keep stepping); the editor's cursor line moves.
    await bench.page.locator('.monaco-editor .line-numbers.active-line-number', { hasText: /^21$/ }).first().waitFor({ timeout: 30_000 });
    // Back in the code (its tab takes the focus from the panel), the cursor onto conv1's definition.
    await bench.page.locator('.tab', { hasText: 'lenet5_pytorch.py' }).first().click();
    await bench.page.waitForTimeout(300);
    const point = await wordPoint(bench.page, 'self.conv1 = nn.Conv2d', 'conv1');
    assert.ok(point, 'conv1 is on screen');
    await bench.page.mouse.click(point.x, point.y);
    await bench.page.locator('.statusbar-item', { hasText: 'Ln 19' }).first().waitFor({ timeout: 10_000 });
    await frame.locator('ol.layers li.current[data-layer="n0"]').waitFor({ timeout: 30_000 });
  });

  it('loads PyTorch weights from a .safetensors file, listing what does not fit', async () => {
    // A state_dict for LeNet-5 written here: conv1's kernels are (channel + 1) at the centre,
    // fc3.bias is left out and one key the model does not have is added.
    const shapes = { ...lenet5StateDict, 'extra.weight': [3] } as Record<string, readonly number[]>;
    delete shapes['fc3.bias'];
    const tensors = Object.entries(shapes).map(([name, shape]) => {
      const t = tensor(name, shape);
      if (name === 'conv1.weight') {
        t.data.fill(0);
        for (let o = 0; o < 6; o++) t.data[o * 25 + 12] = o + 1;
      }
      return t;
    });
    writeFileSync(join(bench.workspace, 'samples', 'lenet5.safetensors'), safetensors(tensors));
    const frame = webview(bench.page);
    await frame.locator('select[data-control="weights"]').selectOption('@pick');
    await fillFileDialog(bench.page, join(bench.workspace, 'samples', 'lenet5.safetensors'));
    await frame.locator('select[data-control="weights"]', { has: frame.locator('option[value="file"]:checked') }).waitFor({ timeout: 30_000 });
    const problems = (await frame.locator('.weight-problems').textContent()) ?? '';
    assert.match(problems, /missing from the file \(random instead\): fc3\.bias/);
    assert.match(problems, /in the file but not in the model: extra\.weight/);
    await frame.locator('ol.layers li[data-layer="n0"]').click();
    const grid = await frame.locator('canvas.grid').boundingBox();
    await bench.page.mouse.click(grid!.x + 5, grid!.y + 5);
    assert.deepEqual(await frame.locator('.detail table.kernel tr').nth(2).locator('td').allTextContents(), ['0', '0', '1', '0', '0'], "channel 0's kernel as the file has it");
  });

  it('ends a Keras LeNet-5 with its softmax as the top classes', async () => {
    await openFile(bench.page, 'samples/lenet5_keras.py');
    await runCommand(bench.page, 'CNN Lens: Step Through Activations');
    const frame = webview(bench.page);
    await frame.locator('.header .title', { hasText: 'keras' }).waitFor({ timeout: 60_000 });
    await frame.locator('.header .status', { hasText: /^Ran \d+ of \d+ layers/ }).waitFor({ timeout: 90_000 });
    await frame.locator('ol.layers li').last().click();
    const top = await frame.locator('.dense ol.topk li').allTextContents();
    assert.equal(top.length, 5);
    const shares = top.map((t) => Number(/: ([\d.]+)%$/.exec(t)![1]));
    assert.ok(shares.every((v, i) => i === 0 || v <= shares[i - 1]), `ranked: ${top.join(', ')}`);
    assert.ok(shares.reduce((a, b) => a + b, 0) <= 100.5);
  });

  it('runs MobileNetV2 end to end on the wasm backend', async () => {
    await openFile(bench.page, 'samples/mobilenetv2_block.py');
    await runCommand(bench.page, 'CNN Lens: Step Through Activations');
    const frame = webview(bench.page);
    await frame.locator('.header .title', { hasText: 'MobileNetV2' }).waitFor({ timeout: 60_000 });
    await frame.locator('.header .status', { hasText: /^Ran 153 of 153 layers/ }).waitFor({ timeout: 120_000 });
    assert.equal(await frame.locator('.header .backend').textContent(), 'tfjs: wasm');
    await choose(frame, 'image', 'scene.png');
    await choose(frame, 'weights', 'course');
    await frame.locator('.header .status', { hasText: /^Ran 153 of 153 layers/ }).waitFor({ timeout: 120_000 });
    await frame.locator('ol.layers li[data-layer="n3"]').click();
    await frame.locator('canvas.grid').waitFor({ timeout: 10_000 });
    await screenshot(bench.page, 'activations-mobilenetv2', { forReadme: true });
    await frame.locator('ol.layers li').last().click();
    assert.equal(await frame.locator('.dense ol.topk li').count(), 10);
  });

  it('comes back after a window reload with its model, image, weights and layer', async () => {
    const frame = webview(bench.page);
    const current = await frame.locator('ol.layers li.current').getAttribute('data-layer');
    await runCommand(bench.page, 'Developer: Reload Window');
    await bench.page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
    const restored = webview(bench.page);
    await restored.locator('.header .status', { hasText: /^Ran 153 of 153 layers/ }).waitFor({ timeout: 120_000 });
    assert.equal(await restored.locator('select[data-control="image"]').inputValue(), 'scene.png');
    assert.equal(await restored.locator('select[data-control="weights"]').inputValue(), 'course');
    await restored.locator(`ol.layers li.current[data-layer="${current}"]`).waitFor({ timeout: 30_000 });
  });
});
