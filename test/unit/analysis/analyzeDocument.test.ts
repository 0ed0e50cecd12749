/**
 * The Analysis stage (src/core/analysis/analyzeDocument.ts and its format registry): a document is
 * opened by the format its host names, its extension, or its first bytes; every format's models come
 * through the same shape pass; a notebook's ranges are in its cells (and a problem with no place goes
 * to the first code cell); a malformed notebook, a notebook in another language and a state_dict are
 * refused in one sentence; a cancelled analysis rejects and leaves the session usable.
 */
import * as assert from 'node:assert/strict';
import { AnalysisCancelled, analyzeDocument, analyzeOnnx } from '../../../src/core/analysis/analyzeDocument';
import { formatOf } from '../../../src/core/analysis/formats';
import { parseNotebook } from '../../../src/core/frontends/notebook';
import { PythonProgram } from '../../../src/core/frontends/python/analyzePython';
import { placeText } from '../../../src/core/ir/graph';
import { incompleteText } from '../../../src/core/analysis/modelProblems';
import { lenet, writeOnnx } from '../frontends/onnxWriter';

const budget = { timeMs: 10_000 };
const host = {};
const utf8 = (text: string) => new TextEncoder().encode(text);
const nb = (cells: { cell_type: string; source: string; outputs?: unknown[] }[], metadata = {}) =>
  JSON.stringify({
    nbformat: 4,
    nbformat_minor: 5,
    metadata,
    cells: cells.map((c) => ({ metadata: {}, outputs: [], ...c })),
  });

const torchNet = [
  'import torch.nn as nn',
  'class Net(nn.Module):',
  '    def __init__(self):',
  '        super().__init__()',
  '        self.conv = nn.Conv2d(3, 8, 3)',
  '    def forward(self, x):',
  '        return self.conv(x)',
].join('\n');

describe('the Analysis stage', () => {
  it("picks the format by the host's kind, the extension, then the first bytes, else Python", () => {
    assert.equal(formatOf({ uri: '/a/m.ipynb' }).id, 'notebook');
    assert.equal(formatOf({ uri: '/a/model.json' }).id, 'kerasJson');
    assert.equal(formatOf({ uri: '/a/m.onnx' }).id, 'onnx');
    assert.equal(formatOf({ uri: '/a/m.keras' }).id, 'kerasArchive');
    assert.equal(formatOf({ uri: '/a/m.pth' }).id, 'weights');
    assert.equal(formatOf({ uri: 'untitled:Untitled-1', kind: 'python' }).id, 'python');
    const hdf5 = new Uint8Array([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0]);
    assert.equal(formatOf({ uri: '/a/weights-no-extension', bytes: hdf5 }).id, 'kerasH5');
    assert.equal(formatOf({ uri: '/a/script' }).id, 'python');
  });

  it("gives the same analysis through analyzeDocument as through the format's own entry", async () => {
    const bytes = writeOnnx(lenet);
    const viaStage = await analyzeDocument({ uri: '/a/lenet.onnx', bytes }, host, budget);
    const direct = analyzeOnnx('/a/lenet.onnx', bytes, budget);
    assert.equal(viaStage.format, 'onnx');
    assert.equal(viaStage.models[0].analysis.totals.params, direct.models[0].analysis.totals.params);
    assert.deepEqual(viaStage.models[0].analysis.totals.outputShapes, direct.models[0].analysis.totals.outputShapes);
    const python = await analyzeDocument({ uri: '/a/net.py', bytes: utf8(torchNet) }, host, budget);
    assert.equal(python.format, 'python');
    assert.equal(python.models[0].analysis.totals.params, 3 * 8 * 9 + 8);
  });

  it('refuses a state_dict, a malformed notebook and one in another language in one sentence', async () => {
    const weights = await analyzeDocument({ uri: '/a/m.pth', bytes: new Uint8Array([1, 2, 3]) }, host, budget);
    assert.equal(weights.models.length, 0);
    assert.match(weights.diagnostics[0].message, /state_dict: weights with no topology/);
    for (const [text, why] of [
      ['{"nbformat": 4, "cells": [', /not valid JSON/],
      ['{"nbformat": 5, "cells": []}', /nbformat 5/],
      [nb([{ cell_type: 'code', source: 'x <- 1' }], { kernelspec: { language: 'R' } }), /a notebook in R/],
    ] as const) {
      const r = await analyzeDocument({ uri: '/a/bad.ipynb', text }, host, budget);
      assert.equal(r.models.length, 0);
      assert.equal(r.diagnostics.length, 1);
      assert.match(r.diagnostics[0].message, why);
      assert.equal(r.diagnostics[0].message.split(/\.\s/).length, 1, 'one sentence');
    }
  });

  it("places a notebook's ranges in their cells and says so in cell, line words", async () => {
    const text = nb([
      { cell_type: 'markdown', source: '# Title' },
      { cell_type: 'code', source: '%matplotlib inline\nimport torch.nn as nn' },
      {
        cell_type: 'code',
        source: torchNet
          .split('\n')
          .slice(1)
          .join('\n')
          .replace('nn.Conv2d(3, 8, 3)', 'nn.Conv2d(3, 8, 3)\n        self.gone = mystery.Layer()'),
      },
    ]);
    const r = await analyzeDocument({ uri: '/a/nb.ipynb', text }, host, budget);
    assert.equal(r.format, 'notebook');
    assert.deepEqual(r.notebook?.cells, [
      { cell: 2, line: 0 },
      { cell: 3, line: 2 },
    ]);
    const [model] = r.models;
    assert.deepEqual([model.range.cell, model.range.start.line], [3, 0]);
    const conv = model.analysis.nodeResults[0].node.calledAt!;
    assert.deepEqual([conv.cell, conv.start.line], [3, 6]);
    const lost = model.diagnostics.find((d) => /mystery/.test(d.message));
    assert.ok(lost, JSON.stringify(model.diagnostics));
    assert.equal(placeText(lost.range), 'cell 3, line 5');
    if (model.incomplete) assert.match(incompleteText(model.incomplete), /^lost track at cell 3, line \d+/);
  });

  it('rejects a cancelled analysis with AnalysisCancelled, and the same session analyses the next one', async () => {
    const program = new PythonProgram();
    const slow = `${torchNet}\ntotal = 0\nfor i in range(300000):\n    total += i\n`;
    let asked = 0;
    await assert.rejects(
      analyzeDocument({ uri: '/a/slow.py', text: slow }, { program }, budget, () => ++asked > 2),
      AnalysisCancelled,
    );
    const next = await analyzeDocument({ uri: '/a/net.py', text: torchNet }, { program }, budget);
    assert.equal(next.models[0].analysis.totals.params, 3 * 8 * 9 + 8);
  });

  it("reads a notebook's text from its bytes as the CLI hands them over", async () => {
    const text = nb([{ cell_type: 'code', source: torchNet }]);
    const r = await analyzeDocument({ uri: '/a/nb.ipynb', bytes: utf8(text) }, host, budget);
    assert.equal(r.models[0].analysis.totals.params, 3 * 8 * 9 + 8);
  });

  it("places a syntax error at the very end of the last cell on that cell's last line", async () => {
    for (const [source, line] of [['if x:', 0], ['y = 2\nif x:\n', 2]] as const) {
      const r = await analyzeDocument({ uri: '/a/nb.ipynb', text: nb([{ cell_type: 'code', source }]) }, host, budget);
      const error = r.diagnostics.find((d) => d.severity === 'error');
      assert.ok(error, JSON.stringify(r.diagnostics));
      assert.deepEqual([error.range.cell, error.range.start.line, error.range.end.line], [1, line, line], source);
    }
  });

  it("reads a notebook from its cells alone, as an editor hands them over (no file text)", async () => {
    const cells = parseNotebook(nb([{ cell_type: 'code', source: torchNet }]));
    assert.ok(!('error' in cells));
    const r = await analyzeDocument({ uri: '/a/nb.ipynb', notebook: cells }, host, budget);
    assert.deepEqual(r.diagnostics, []);
    assert.equal(r.models[0].analysis.totals.params, 3 * 8 * 9 + 8);
  });
});
