/**
 * The Keras JSON / tfjs model.json front-end against ground truth it did not compute: the fixtures
 * in test/fixtures/models were written by TensorFlow.js from models of our own, with tfjs's own
 * parameter counts and per-layer output shapes beside them, so these tests are the round trip
 * (our model → file → our IR → the totals and shapes tfjs computed). Corrupted copies of every
 * fixture check the other promise: a bad file is a diagnostic, never an exception or a hang.
 */
import * as assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { analyzeKerasJson } from '../../../src/core/analysis/analyzeDocument';

const dir = join(__dirname, '../../fixtures/models');
const names = readdirSync(dir).filter((f) => f.endsWith('.expected.json')).map((f) => f.replace('.expected.json', ''));
const variants = (name: string) => [`${name}.keras.json`, `${name}.keras3.json`, `${name}.tfjs/model.json`].filter((f) => exists(join(dir, f)));
function exists(path: string): boolean {
  try {
    readFileSync(path);
    return true;
  } catch {
    return false;
  }
}
const read = (f: string) => readFileSync(join(dir, f), 'utf8');
const batchless = (shape: readonly unknown[]) => shape.map((d) => (d === 'N' ? null : d));

describe('Keras JSON front-end: round trip against tfjs', () => {
  it('has the five fixtures', () => assert.deepEqual(names.sort(), ['inception_block', 'lenet5', 'mobilenet_block', 'nested_model', 'resnet_block']));
  for (const name of names) {
    const expected = JSON.parse(read(`${name}.expected.json`));
    for (const file of variants(name)) {
      it(`${file}: totals and every layer's output shape equal tfjs's`, () => {
        const result = analyzeKerasJson(file, read(file));
        assert.deepEqual(result.diagnostics, []);
        assert.equal(result.models.length, 1);
        const model = result.models[0];
        assert.deepEqual(model.diagnostics, []);
        assert.equal(model.kind, 'file');
        assert.equal(model.framework, 'keras');
        const t = model.analysis.totals;
        assert.equal(t.params, expected.params);
        assert.equal(t.trainable, expected.trainable);
        assert.equal(t.nonTrainable, expected.nonTrainable);
        assert.ok(t.macs !== null && t.macs > 0);
        const byName = new Map<string, unknown[]>();
        for (const r of model.analysis.nodeResults) if (r.node.name) byName.set(r.node.name, batchless(r.outputShapes[0]));
        for (const g of model.graph.groups.values()) {
          // A nested model's output is its last node's, in the group.
          const last = [...model.analysis.nodeResults].reverse().find((r) => r.node.groupId === g.id);
          if (last) byName.set(g.name, batchless(last.outputShapes[0]));
        }
        for (const input of model.graph.inputs) byName.set(input.name, batchless(input.shape));
        for (const layer of expected.layers) assert.deepEqual(byName.get(layer.name), layer.outputShape, `${layer.name} (${layer.className})`);
      });
    }
  }

  it('keeps a shared layer as one module applied twice, and a nested model as a group', () => {
    const model = analyzeKerasJson('n', read('nested_model.keras.json')).models[0];
    const head = model.graph.modules.filter((m) => m.name === 'head');
    assert.equal(head.length, 1);
    assert.equal(model.graph.nodes.filter((n) => n.moduleId === head[0].id).length, 2);
    const conv = model.graph.modules.filter((m) => m.name === 'block_conv');
    assert.equal(conv.length, 1);
    assert.equal(model.graph.nodes.filter((n) => n.name === 'block_conv').length, 2);
    const group = [...model.graph.groups.values()].find((g) => g.name === 'conv_block');
    assert.ok(group);
    assert.ok(model.graph.nodes.filter((n) => n.groupId === group.id).length === 6);
  });

  it('names modules by Keras layer name, matching the tfjs weight keys', () => {
    const json = JSON.parse(read('mobilenet_block.tfjs/model.json'));
    const model = analyzeKerasJson('m', read('mobilenet_block.tfjs/model.json')).models[0];
    const moduleNames = new Set(model.graph.modules.map((m) => m.name));
    for (const w of json.weightsManifest[0].weights) assert.ok(moduleNames.has(w.name.split('/')[0]), w.name);
  });

  it('uses --input when given', () => {
    const model = analyzeKerasJson('l', read('resnet_block.keras.json'), { input: ['N', 64, 64, 16] }).models[0];
    assert.deepEqual(model.analysis.totals.outputShapes, [['N', 32, 32, 32]]);
  });
});

describe('Keras JSON front-end: bad input', () => {
  const messages = (text: string) => {
    const r = analyzeKerasJson('bad.json', text);
    return [...r.diagnostics, ...r.models.flatMap((m) => m.diagnostics)].map((d) => d.message).join('\n');
  };
  const lenet = () => JSON.parse(read('lenet5.keras.json'));
  const resnet = () => JSON.parse(read('resnet_block.keras.json'));

  it('reports invalid JSON and wrong structure', () => {
    assert.match(messages('{"class_name": '), /not valid JSON/);
    assert.match(messages('[1, 2]'), /not a Keras model/);
    assert.match(messages('{"format": "graph-model", "modelTopology": {"node": []}}'), /graph model.*layers models/);
    assert.match(messages('{"class_name": "MyNet", "config": {}}'), /subclassed model/);
  });

  it('names unknown layer classes and keeps going', () => {
    const m = lenet();
    m.config.layers[1].class_name = 'FancyPool';
    const r = analyzeKerasJson('x', JSON.stringify(m));
    assert.match(r.models[0].diagnostics.map((d) => d.message).join('\n'), /unknown layer class 'FancyPool' \('s2'\)/);
    assert.equal(r.models[0].graph.nodes.length, 8);
  });

  it('reports absurd sizes', () => {
    const m = lenet();
    m.config.layers[5].config.units = 1e12;
    assert.match(messages(JSON.stringify(m)), /layer 'f5' \(Dense\): units 1000000000000 is not a size/);
    m.config.layers[0].config.batch_input_shape = [null, 1e12, 32, 1];
    assert.match(messages(JSON.stringify(m)), /dimension 1 is not a size/);
  });

  it('reports cycles and unknown inbound layers', () => {
    const m = resnet();
    const conv1 = m.config.layers.find((l: { name: string }) => l.name === 'conv1');
    conv1.inbound_nodes = [[['relu1', 0, 0, {}]]];
    assert.match(messages(JSON.stringify(m)), /cycle.*conv1/);
    conv1.inbound_nodes = [[['nowhere', 0, 0, {}]]];
    assert.match(messages(JSON.stringify(m)), /'conv1' takes its input from 'nowhere', which is not a layer/);
  });

  it('never throws on corrupted copies of any fixture', function () {
    this.timeout(60_000);
    let seed = 12345;
    const rand = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) % n);
    const deleteKey = (v: unknown): void => {
      if (Array.isArray(v)) return v.length ? deleteKey(v[rand(v.length)]) : undefined;
      if (v && typeof v === 'object') {
        const keys = Object.keys(v);
        if (!keys.length) return;
        const k = keys[rand(keys.length)];
        if (rand(3) === 0) delete (v as Record<string, unknown>)[k];
        else deleteKey((v as Record<string, unknown>)[k]);
      }
    };
    const files = names.flatMap(variants);
    for (const file of files) {
      const text = read(file);
      for (let i = 0; i < 40; i++) {
        let corrupt: string;
        if (i % 3 === 0) corrupt = text.slice(0, rand(text.length));
        else if (i % 3 === 1) {
          const chars = [...text];
          for (let j = 0; j < 5; j++) chars[rand(chars.length)] = String.fromCharCode(rand(128));
          corrupt = chars.join('');
        } else {
          const json = JSON.parse(text);
          for (let j = 0; j < 3; j++) deleteKey(json);
          corrupt = JSON.stringify(json);
        }
        // A frozen clock: the time budget decides nothing, so the verdict is the same under load.
        const r = analyzeKerasJson(file, corrupt, { now: () => 0 });
        assert.ok(Array.isArray(r.models));
        assert.ok(![...r.diagnostics, ...r.models.flatMap((m) => m.diagnostics)].some((d) => /internal error/.test(d.message)), `${file} #${i}: ${JSON.stringify(r.diagnostics)}`);
      }
    }
  });
});
