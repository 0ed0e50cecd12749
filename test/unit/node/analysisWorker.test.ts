/**
 * The editor's analysis worker, in process: its answers survive the structured clone that carries
 * them to the extension host, imports read an open document's unsaved text before the disk, the
 * files read are reported as dependencies, and the evaluator session is kept between requests.
 */
import * as assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LayerIndex } from '../../../src/core/analysis/locate';
import { reviveFileAnalysis } from '../../../src/core/frontends/modelResult';
import { analyseRequest, type AnalysisRequest } from '../../../src/node/analysisWorker';

describe('analysis worker', () => {
  let folder: string;
  before(() => {
    folder = mkdtempSync(join(tmpdir(), 'cnn-lens-worker-'));
    writeFileSync(join(folder, 'blocks.py'), 'import torch.nn as nn\nWIDTH = 8\ndef block(c):\n    return nn.Conv2d(3, c, 3)\n');
  });
  after(() => rmSync(folder, { recursive: true, force: true }));

  const request = (text: string, openDocuments: [string, string][] = []): AnalysisRequest => ({
    id: 1, file: join(folder, 'main.py'), text, kind: 'python', timeMs: 10_000, searchPaths: [], workspaceFolders: [folder], openDocuments,
  });
  const main = 'import torch.nn as nn\nfrom blocks import block, WIDTH\nclass Net(nn.Module):\n    def __init__(self):\n        super().__init__()\n        self.c = block(WIDTH)\n    def forward(self, x):\n        return self.c(x)\n';

  it('answers with an analysis that survives a structured clone, and names the files it read', async () => {
    const response = await analyseRequest(request(main));
    assert.ok('result' in response, JSON.stringify(response));
    const cloned = reviveFileAnalysis(structuredClone(response.result));
    const analysis = cloned.models[0].analysis;
    assert.equal(analysis.totals.params, 3 * 8 * 9 + 8);
    assert.deepEqual(analysis.nodeResults.map((r) => r.outputShapes), [[[1, 8, 222, 222]]]);
    assert.ok(analysis.nodeResults[0].arithmetic.length > 0);
    // What the editor builds from it: the line index hovers and inlay hints read.
    assert.equal(new LayerIndex(analysis).at(5).definitions.length, 0);
    assert.equal(new LayerIndex(analysis).at(7).calls.length, 1);
    assert.deepEqual(response.dependencies, [join(folder, 'blocks.py')]);
  });

  it("imports an open document's unsaved text, then the disk again once it is closed", async () => {
    const edited = 'import torch.nn as nn\nWIDTH = 16\ndef block(c):\n    return nn.Conv2d(3, c, 3)\n';
    const open = await analyseRequest(request(main, [[join(folder, 'blocks.py'), edited]]));
    assert.ok('result' in open);
    assert.equal(open.result.models[0].analysis.totals.params, 3 * 16 * 9 + 16);
    const closed = await analyseRequest(request(main));
    assert.ok('result' in closed);
    assert.equal(closed.result.models[0].analysis.totals.params, 3 * 8 * 9 + 8);
  });

  it('stops a request called off while it runs, and a later one still analyses in the same session', async () => {
    // A loop long enough to reach the evaluator's checks, which come every 1,024 steps.
    const slow = `${main}\ntotal = 0\nfor i in range(200000):\n    total += i\n`;
    let asked = 0;
    const response = await analyseRequest(request(slow), () => ++asked > 3);
    assert.deepEqual(response, { id: 1, cancelled: true });
    assert.ok(asked > 3, 'the evaluator asks while it runs');
    const after = await analyseRequest(request(main));
    assert.ok('result' in after);
    assert.equal(after.result.models[0].analysis.totals.params, 3 * 8 * 9 + 8);
  });

  it('does not start a request already called off', async () => {
    assert.deepEqual(await analyseRequest(request(main), () => true), { id: 1, cancelled: true });
  });

  it("analyses a notebook from the editor's cells, with every range in its cell", async () => {
    const cells = [
      { number: 1, kind: 'markdown' as const, source: '# A model', outputs: [] },
      { number: 2, kind: 'code' as const, source: '%matplotlib inline\nimport torch.nn as nn', outputs: [] },
      { number: 3, kind: 'code' as const, source: main.split('\n').slice(1).join('\n').replace('from blocks import block, WIDTH\n', 'def block(c):\n    return nn.Conv2d(3, c, 3)\nWIDTH = 8\n'), outputs: [] },
    ];
    const response = await analyseRequest({ ...request(''), file: join(folder, 'nb.ipynb'), kind: 'notebook', notebook: { nbformat: 4, cells } });
    assert.ok('result' in response, JSON.stringify(response));
    const [model] = response.result.models;
    assert.equal(model.analysis.totals.params, 3 * 8 * 9 + 8);
    assert.deepEqual({ cell: model.range.cell, line: model.range.start.line }, { cell: 3, line: 3 });
    assert.deepEqual(response.result.notebook?.cells, [{ cell: 2, line: 0 }, { cell: 3, line: 2 }]);
  });
});
