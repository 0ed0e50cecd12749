/**
 * `cnn-lens summary` and `render` on model files: `.json` (Keras, tfjs), `.onnx` and `.h5`
 * arguments go to their format's front-end rather than the Python evaluator, and the same tables,
 * JSON and SVG come out, so the CLI is one tool for source and model files alike. (Safetensors on
 * the command line are tested with the state_dict check, in weightFit.test.ts.)
 */
import * as assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli as run } from '../support/runCli';
import { lenet, writeOnnx } from './frontends/onnxWriter';

const fixtures = join(__dirname, '../fixtures/models');

describe('cnn-lens on model files', () => {
  it('summarises an ONNX file (LeNet-5 written by our own ONNX writer)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cnn-lens-onnx-'));
    try {
      const file = join(dir, 'lenet5.onnx');
      writeFileSync(file, writeOnnx(lenet));
      const r = await run('summary', file, '--format', 'json');
      assert.equal(r.code, 0, r.err);
      const [model] = JSON.parse(r.out).models;
      assert.equal(model.totals.params, 61_706);
      assert.deepEqual(model.output, [[1, 10]]);
      writeFileSync(file, writeOnnx(lenet).subarray(0, 100));
      const truncated = await run('summary', file);
      assert.equal(truncated.code, 1);
      assert.match(truncated.err, /no model found/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('summarises and renders a Keras .h5 model (h5wasm loaded for it alone)', async function () {
    this.timeout(30_000);
    const h5 = join(__dirname, '../../samples/models/lenet5.h5');
    const r = await run('summary', h5);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /Total params: 61,706/);
    const dir = mkdtempSync(join(tmpdir(), 'cnn-lens-cli-'));
    try {
      const out = join(dir, 'lenet5.svg');
      assert.equal((await run('render', h5, '-o', out)).code, 0);
      assert.match(readFileSync(out, 'utf8'), /<svg/);
      const truncated = join(dir, 'truncated.h5');
      writeFileSync(truncated, readFileSync(h5).subarray(0, 2000));
      const bad = await run('summary', truncated);
      assert.equal(bad.code, 1);
      assert.match(bad.err, /no model found in .*truncated\.h5\n +line 1: cannot read this \.h5 file/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('summarises a Keras JSON file', async () => {
    const r = await run('summary', join(fixtures, 'lenet5.keras.json'));
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /Model: lenet5 \(keras\)/);
    assert.match(r.out, /c1 \(Conv2D\)\s+N×28×28×6\s+156/);
    assert.match(r.out, /Total params: 61,706/);
  });

  it('summarises a tfjs model.json as JSON', async () => {
    const r = await run('summary', join(fixtures, 'resnet_block.tfjs', 'model.json'), '--format', 'json');
    assert.equal(r.code, 0, r.err);
    const json = JSON.parse(r.out);
    assert.equal(json.models.length, 1);
    assert.match(r.out, /14720/);
  });

  it('summarises a Keras 3 file with a nested model', async () => {
    const r = await run('summary', join(fixtures, 'nested_model.keras3.json'));
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /Total params: 949/);
  });

  it('renders a model file to SVG', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cnn-lens-cli-'));
    try {
      const out = join(dir, 'm.svg');
      const r = await run('render', join(fixtures, 'inception_block.keras.json'), '-o', out);
      assert.equal(r.code, 0, r.err);
      assert.match(readFileSync(out, 'utf8'), /<svg/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('exits 1 with the reason for a graph model or broken JSON', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cnn-lens-cli-'));
    try {
      writeFileSync(join(dir, 'model.json'), JSON.stringify({ format: 'graph-model', modelTopology: { node: [] }, weightsManifest: [] }));
      let r = await run('summary', join(dir, 'model.json'));
      assert.equal(r.code, 1);
      assert.match(r.err, /graph model/);
      writeFileSync(join(dir, 'broken.json'), '{"class_name": "Sequential", ');
      r = await run('summary', join(dir, 'broken.json'));
      assert.equal(r.code, 1);
      assert.match(r.err, /not valid JSON/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
