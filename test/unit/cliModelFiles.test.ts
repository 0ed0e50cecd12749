/**
 * `cnn-lens summary` and `render` on model files: a `.json` argument goes to the Keras JSON
 * front-end rather than the Python evaluator, and the same tables, JSON and SVG come out, so the
 * CLI is one tool for source and model files alike.
 */
import * as assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src/cli/cli';
import { lenet, writeOnnx } from './frontends/onnxWriter';

const fixtures = join(__dirname, '../fixtures/models');

function run(...argv: string[]) {
  let out = '';
  let err = '';
  const code = main(argv, { out: (t) => (out += t), err: (t) => (err += t) });
  return { code, out, err };
}

describe('cnn-lens on model files', () => {
  it('summarises an ONNX file (LeNet-5 written by our own ONNX writer)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cnn-lens-onnx-'));
    try {
      const file = join(dir, 'lenet5.onnx');
      writeFileSync(file, writeOnnx(lenet));
      const r = run('summary', file, '--format', 'json');
      assert.equal(r.code, 0, r.err);
      const [model] = JSON.parse(r.out).models;
      assert.equal(model.totals.params, 61_706);
      assert.deepEqual(model.output, [[1, 10]]);
      writeFileSync(file, writeOnnx(lenet).subarray(0, 100));
      const truncated = run('summary', file);
      assert.equal(truncated.code, 1);
      assert.match(truncated.err, /no model found/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('summarises a Keras JSON file', () => {
    const r = run('summary', join(fixtures, 'lenet5.keras.json'));
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /Model: lenet5 \(keras\)/);
    assert.match(r.out, /c1 \(Conv2D\)\s+N×28×28×6\s+156/);
    assert.match(r.out, /Total params: 61,706/);
  });

  it('summarises a tfjs model.json as JSON', () => {
    const r = run('summary', join(fixtures, 'resnet_block.tfjs', 'model.json'), '--format', 'json');
    assert.equal(r.code, 0, r.err);
    const json = JSON.parse(r.out);
    assert.equal(json.models.length, 1);
    assert.match(r.out, /14720/);
  });

  it('summarises a Keras 3 file with a nested model', () => {
    const r = run('summary', join(fixtures, 'nested_model.keras3.json'));
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /Total params: 949/);
  });

  it('renders a model file to SVG', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cnn-lens-cli-'));
    try {
      const out = join(dir, 'm.svg');
      const r = run('render', join(fixtures, 'inception_block.keras.json'), '-o', out);
      assert.equal(r.code, 0, r.err);
      assert.match(readFileSync(out, 'utf8'), /<svg/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('exits 1 with the reason for a graph model or broken JSON', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cnn-lens-cli-'));
    try {
      writeFileSync(join(dir, 'model.json'), JSON.stringify({ format: 'graph-model', modelTopology: { node: [] }, weightsManifest: [] }));
      let r = run('summary', join(dir, 'model.json'));
      assert.equal(r.code, 1);
      assert.match(r.err, /graph model/);
      writeFileSync(join(dir, 'broken.json'), '{"class_name": "Sequential", ');
      r = run('summary', join(dir, 'broken.json'));
      assert.equal(r.code, 1);
      assert.match(r.err, /not valid JSON/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
