/** The CLI's argument handling and exit codes (the command line users and CI scripts rely on). */
import * as assert from 'node:assert/strict';
import { runCli as run } from '../support/runCli';

describe('cnn-lens CLI', () => {
  it('prints usage with exit 0 for help and exit 2 with no command', async () => {
    assert.equal((await run('help')).code, 0);
    assert.match((await run('--help')).out, /^Usage: cnn-lens <command>/);
    assert.equal((await run()).code, 2);
  });

  it('rejects an unknown command with exit 2 and names it', async () => {
    const r = await run('frobnicate');
    assert.equal(r.code, 2);
    assert.match(r.err, /unknown command 'frobnicate'/);
  });

  it('reports an unreadable file with exit 1', async () => {
    const r = await run('summary', '/nonexistent/model.py');
    assert.equal(r.code, 1);
    assert.match(r.err, /cannot read \/nonexistent\/model\.py: ENOENT/);
  });
});

describe('cnn-lens summary', () => {
  const fixture = 'test/fixtures/python/pytorch/plain_module.py';

  it('prints a torchinfo-style table with totals for every model in a file', async () => {
    const r = await run('summary', fixture);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /^Model: PlainConvNet \(pytorch\) · input 1×3×224×224$/m);
    assert.match(r.out, /^Total params: 588,210$/m);
    assert.match(r.out, /^Model: FunctionalOpsNet /m);
  });

  it('prints the JSON schema, one model with --model, applications in order with their paths', async () => {
    const r = await run('summary', fixture, '--model', 'PlainConvNet', '--format', 'json');
    assert.equal(r.code, 0, r.err);
    const json = JSON.parse(r.out) as { file: string; models: { name: string; framework: string; input: number[][]; output: number[][]; totals: Record<string, number>; layers: { path: string | null; kind: string; outputShape: number[]; params: number; trainable: number; macs: number; line: number }[]; diagnostics: unknown[] }[] };
    assert.equal(json.models.length, 1);
    const [m] = json.models;
    assert.deepEqual([m.name, m.framework, m.input, m.output], ['PlainConvNet', 'pytorch', [[1, 3, 224, 224]], [[1, 10]]]);
    assert.deepEqual(Object.keys(m.totals).slice(0, 4), ['params', 'trainable', 'nonTrainable', 'macs']);
    assert.equal(m.totals.params, 588_210);
    for (const layer of m.layers) assert.deepEqual(Object.keys(layer), ['path', 'kind', 'outputShape', 'params', 'trainable', 'macs', 'line']);
    const relu = m.layers.filter((l) => l.path === 'act');
    assert.ok(relu.length > 1, 'a shared module appears once per application with the same path');
    assert.ok(m.layers.some((l) => l.path === null), 'functional ops have a null path');
  });

  it('puts the file\'s diagnostics at the top level of the JSON and says whether each model is complete', async () => {
    const r = await run('summary', fixture, '--model', 'PlainConvNet', '--format', 'json');
    const json = JSON.parse(r.out) as { diagnostics: unknown[]; models: { complete: boolean }[] };
    assert.deepEqual(Object.keys(json), ['file', 'diagnostics', 'models']);
    assert.deepEqual(json.diagnostics, []);
    assert.deepEqual(Object.keys(json.models[0]).slice(0, 3), ['name', 'framework', 'complete']);
    assert.equal(json.models[0].complete, true);
    const lost = await run('summary', 'test/fixtures/python/pytorch/lost_track.py', '--format', 'json');
    assert.equal(lost.code, 0, lost.err);
    const [model] = (JSON.parse(lost.out) as { models: { complete: boolean; incomplete: { line: number; reason: string }; diagnostics: { line: number; related?: unknown[] }[] }[] }).models;
    assert.equal(model.complete, false);
    assert.equal(model.incomplete.line, 8);
    assert.match(model.incomplete.reason, /^vendor_ops\.SpecialPool: module 'vendor_ops' was not found/);
    assert.ok(model.diagnostics.some((d) => d.line === 8 && d.related?.length), 'the cause leads, with its consequences folded under it');
    const table = await run('summary', 'test/fixtures/python/pytorch/lost_track.py');
    assert.match(table.out, /^Incomplete: lost track at line 8 \(vendor_ops\.SpecialPool/m);
  });

  it('takes --input and --arg (Python literals) and rejects bad ones with exit 2', async () => {
    const r = await run('summary', 'test/fixtures/python/pytorch/resnet_style.py', '--model', 'tiny_resnet', '--arg', 'num_classes=7', '--input', '2,3,64,64', '--format', 'json');
    assert.equal(r.code, 0, r.err);
    assert.deepEqual(JSON.parse(r.out).models[0].output, [[2, 7]]);
    assert.equal((await run('summary', fixture, '--arg', 'num_classes')).code, 2);
    assert.equal((await run('summary', fixture, '--input', '1,x')).code, 2);
    assert.equal((await run('summary', fixture, '--format', 'xml')).code, 2);
  });

  it('exits 1 with a message when a file has no model', async () => {
    const r = await run('summary', 'test/fixtures/python/pytorch/pkg/ops.py', '--model', 'NoSuchModel');
    assert.equal(r.code, 1);
    assert.match(r.err, /no model 'NoSuchModel' found/);
  });
});
