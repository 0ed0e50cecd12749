/**
 * Model files in a real VS Code: a TensorFlow.js layers-model `model.json` opened as text gets the
 * same CodeLens totals as the source it came from, and the graph preview draws it with the same
 * labels (Keras's channels-last shapes written H×W×C, as for the Keras LeNet-5 source); binary
 * ONNX, Keras .h5 and Keras 3 .keras files open in the read-only model viewer with the same
 * drawing; and a .safetensors state_dict linked to LeNet-5's source puts what would not load on the layer
 * definitions as Problems, then clears them when a fitting checkpoint is saved over it; opened
 * itself, the .safetensors lists its tensors, as does a torch.save checkpoint. Damaged binary
 * files say what is wrong with them, and a model.json whose weight shard is missing names it in
 * Problems.
 */
import * as assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { lenet5StateDict, safetensors, tensor } from '../harness/files';
import { projectRoot } from '../harness/codeServer';
import { samplesWorkbench } from '../harness/suite';
import { fillFileDialog, hoverWord, openFile, runCommand, screenshot, webview } from '../harness/workbench';

describe('model files (code-server)', function () {
  this.timeout(240_000);
  const bench = samplesWorkbench({ viewport: { width: 1600, height: 900 } });

  it('shows CodeLens totals on a tfjs model.json and draws it in the graph preview', async () => {
    await openFile(bench.page, 'samples/models/lenet5.tfjs/model.json');
    await bench.page
      .locator('.codelens-decoration', { hasText: 'CNN Lens: 61,706 params' })
      .first()
      .waitFor({ timeout: 60_000 });
    await runCommand(bench.page, 'CNN Lens: Open Graph Preview to the Side');
    const frame = webview(bench.page);
    await frame.locator('g.volume').first().waitFor({ timeout: 60_000 });
    const labels = (await frame.locator('g.volume text.label').allTextContents()).filter(Boolean);
    assert.deepEqual(labels, ['32×32×1', '28×28×6', '14×14×6', '10×10×16', '5×5×16', '400', '120', '84', '10']);
  });

  for (const file of ['lenet5.onnx', 'lenet5.h5']) {
    it(`opens ${file} in the CNN Lens model viewer with the drawing and its labels`, async () => {
      // Only the viewer's webview on screen (the preview of the model.json would draw LeNet-5 too).
      await runCommand(bench.page, 'View: Close All Editors');
      await openFile(bench.page, `samples/models/${file}`);
      const tab = bench.page.locator('.tab', { hasText: file });
      await tab.first().waitFor({ timeout: 30_000 });
      const frame = webview(bench.page);
      await frame.locator('text.title', { hasText: 'lenet5' }).waitFor({ timeout: 60_000 });
      assert.equal(await bench.page.locator('iframe.webview.ready').count(), 1, 'the model viewer is the only webview');
      const labels = (await frame.locator('g.volume text.label').allTextContents()).filter(Boolean);
      // ONNX is NCHW and Keras NHWC; both are written H×W×C. The ONNX graph feeds Gemm from a Flatten.
      assert.deepEqual(labels.slice(0, 5), ['32×32×1', '28×28×6', '14×14×6', '10×10×16', '5×5×16']);
      assert.deepEqual(labels.slice(-3), ['120', '84', '10']);
      await screenshot(bench.page, `model-viewer-${file.replace('.', '-')}`, { forReadme: file.endsWith('onnx') });
      // "Open Graph Preview to the Side" on a binary model file opens its viewer beside it.
      await runCommand(bench.page, 'CNN Lens: Open Graph Preview to the Side');
      await bench.page.locator('iframe.webview.ready').nth(1).waitFor({ state: 'attached', timeout: 30_000 });
      assert.equal(await bench.page.locator('.tab', { hasText: file }).count(), 2, 'the file is open in two viewers');
    });
  }

  it('opens a Keras 3 .keras archive in the model viewer', async () => {
    await runCommand(bench.page, 'View: Close All Editors');
    await openFile(bench.page, 'samples/models/resnet_block.keras');
    const frame = webview(bench.page);
    await frame.locator('text.title', { hasText: 'resnet_block' }).waitFor({ timeout: 60_000 });
    const labels = (await frame.locator('g.volume text.label').allTextContents()).filter(Boolean);
    assert.equal(labels[0], '32×32×16', 'the input volume');
    assert.equal(labels.at(-1), '16×16×32');
  });

  it('says what is wrong with a damaged .onnx or .h5 instead of drawing it', async () => {
    const dir = join(bench.workspace, 'samples', 'models');
    const cut = (file: string, length: number) =>
      writeFileSync(join(dir, `damaged-${file}`), readFileSync(join(dir, file)).subarray(0, length));
    cut('lenet5.onnx', 300);
    cut('lenet5.h5', 5000);
    for (const [file, message] of [
      ['damaged-lenet5.onnx', /^Not a readable ONNX model: .* claims \d+ bytes, but only \d+ remain/],
      [
        'damaged-lenet5.h5',
        /^Cannot read this \.h5 file: the file is truncated: it has 5000 bytes, and its HDF5 superblock says \d+/,
      ],
    ] as const) {
      await runCommand(bench.page, 'View: Close All Editors');
      await openFile(bench.page, `samples/models/${file}`);
      const frame = webview(bench.page);
      const notice = frame.locator('p.notice');
      await notice.waitFor({ timeout: 60_000 });
      assert.match((await notice.textContent()) ?? '', message);
      assert.equal(await frame.locator('.toolbar button').count(), 0, 'nothing to switch or export');
    }
    await screenshot(bench.page, 'model-viewer-damaged');
  });

  it('checks a .safetensors state_dict against the source: misfits as Problems, cleared when a fitting file is saved', async () => {
    const file = join(bench.workspace, 'samples', 'lenet5_checkpoint.safetensors');
    const write = (shapes: Record<string, readonly number[]>) =>
      writeFileSync(file, safetensors(Object.entries(shapes).map(([name, shape]) => tensor(name, shape))));
    // fc1 saved from a model that flattened 401 features, and fc3's bias left out.
    const broken: Record<string, readonly number[]> = { ...lenet5StateDict, 'fc1.weight': [120, 401] };
    delete broken['fc3.bias'];
    write(broken);
    await runCommand(bench.page, 'View: Close All Editors');
    await openFile(bench.page, 'samples/lenet5_pytorch.py');
    await bench.page
      .locator('.codelens-decoration', { hasText: 'CNN Lens: 61,706 params' })
      .first()
      .waitFor({ timeout: 60_000 });
    await runCommand(bench.page, 'CNN Lens: Check Weights Against Model…');
    await fillFileDialog(bench.page, file);
    await bench.page
      .locator('.codelens-decoration', { hasText: 'lenet5_checkpoint.safetensors: 1 wrong shape, 1 missing' })
      .first()
      .waitFor({ timeout: 30_000 });
    await bench.page.locator('.squiggly-error').first().waitFor({ timeout: 30_000 });
    const text = await hoverWord(bench.page, 'self.fc1 = nn.Linear(16 * 5 * 5, 120)', 'Linear', {
      expect: 'fc1.weight is 120×401',
    });
    assert.match(text, /fc1\.weight is 120×401 in lenet5_checkpoint\.safetensors; the model expects 120×400/);
    await bench.page.mouse.move(5, 600);
    await bench.page.keyboard.press('Escape');
    await runCommand(bench.page, 'View: Focus Problems (Errors, Warnings, Infos)');
    const problems = bench.page.locator('.markers-panel');
    await problems
      .locator('.monaco-list-row', { hasText: 'lenet5_checkpoint.safetensors has no fc3.bias' })
      .waitFor({ timeout: 30_000 });
    await screenshot(bench.page, 'weights-check', { forReadme: true });
    // A new checkpoint saved over the old one is checked again without asking.
    write(lenet5StateDict);
    await bench.page
      .locator('.codelens-decoration', { hasText: 'lenet5_checkpoint.safetensors fits' })
      .first()
      .waitFor({ timeout: 30_000 });
    await bench.page.locator('.squiggly-error').first().waitFor({ state: 'detached', timeout: 30_000 });
  });

  it('opens a .safetensors file and a torch.save checkpoint as lists of their tensors', async () => {
    await runCommand(bench.page, 'View: Close All Editors');
    await openFile(bench.page, 'samples/lenet5_checkpoint.safetensors');
    const frame = webview(bench.page);
    await frame.locator('.totals', { hasText: '10 tensors · 61,706 elements' }).waitFor({ timeout: 60_000 });
    const first = await frame.locator('tbody tr').first().locator('td').allTextContents();
    assert.deepEqual(first, ['conv1.weight', 'parameter', 'F32', '6×1×5×5', '150', '600 B']);
    assert.match(
      (await frame.locator('.roles').textContent()) ?? '',
      /Parameters: 61,706 \(10 tensors\) · Buffers: 0 \(0 tensors\)/,
    );
    await screenshot(bench.page, 'weights-file');
    // A torch.save training checkpoint: its state_dict found under its key, read without unpickling.
    copyFileSync(
      join(projectRoot, 'test/fixtures/models/small_checkpoint.pth'),
      join(bench.workspace, 'samples', 'small_checkpoint.pth'),
    );
    await runCommand(bench.page, 'View: Close All Editors');
    await openFile(bench.page, 'samples/small_checkpoint.pth');
    const checkpoint = webview(bench.page);
    await checkpoint.locator('.totals', { hasText: '9 tensors' }).waitFor({ timeout: 60_000 });
    assert.match(
      (await checkpoint.locator('.hint').textContent()) ?? '',
      /A PyTorch checkpoint; the state_dict is under 'state_dict'/,
    );
    assert.deepEqual(await checkpoint.locator('tbody tr').first().locator('td').allTextContents(), [
      '0.weight',
      'parameter',
      'F32',
      '4×3×3×3',
      '108',
      '432 B',
    ]);
    // What model.parameters() and model.buffers() give: the BatchNorm2d(4)'s statistics and counter are buffers.
    assert.equal(
      await checkpoint.locator('.roles').textContent(),
      'Parameters: 845 (6 tensors) · Buffers: 9 (3 tensors: running_mean 4, running_var 4, num_batches_tracked 1)',
    );
    assert.match((await checkpoint.locator('.roles-note').textContent()) ?? '', /Roles inferred from names/);
    assert.deepEqual(await checkpoint.locator('tbody tr.buffer td:first-child').allTextContents(), [
      '1.running_mean',
      '1.running_var',
      '1.num_batches_tracked',
    ]);
  });

  it("names a tfjs model.json's missing weight shard in Problems", async () => {
    const folder = join(bench.workspace, 'samples', 'models', 'lenet5_no_weights.tfjs');
    mkdirSync(folder, { recursive: true });
    copyFileSync(join(bench.workspace, 'samples', 'models', 'lenet5.tfjs', 'model.json'), join(folder, 'model.json'));
    await runCommand(bench.page, 'View: Close All Editors');
    await openFile(bench.page, 'samples/models/lenet5_no_weights.tfjs/model.json');
    await runCommand(bench.page, 'View: Focus Problems (Errors, Warnings, Infos)');
    const problems = bench.page.locator('.markers-panel');
    await problems
      .locator('.monaco-list-row', { hasText: "weight file 'group1-shard1of1.bin' is missing" })
      .waitFor({ timeout: 60_000 });
    await runCommand(bench.page, 'View: Close All Editors');
  });
});
