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
    id: 1, file: join(folder, 'main.py'), text, format: 'python', timeMs: 10_000, searchPaths: [], workspaceFolders: [folder], openDocuments,
  });
  const main = 'import torch.nn as nn\nfrom blocks import block, WIDTH\nclass Net(nn.Module):\n    def __init__(self):\n        super().__init__()\n        self.c = block(WIDTH)\n    def forward(self, x):\n        return self.c(x)\n';

  it('answers with an analysis that survives a structured clone, and names the files it read', () => {
    const response = analyseRequest(request(main));
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

  it("imports an open document's unsaved text, then the disk again once it is closed", () => {
    const edited = 'import torch.nn as nn\nWIDTH = 16\ndef block(c):\n    return nn.Conv2d(3, c, 3)\n';
    const open = analyseRequest(request(main, [[join(folder, 'blocks.py'), edited]]));
    assert.ok('result' in open);
    assert.equal(open.result.models[0].analysis.totals.params, 3 * 16 * 9 + 16);
    const closed = analyseRequest(request(main));
    assert.ok('result' in closed);
    assert.equal(closed.result.models[0].analysis.totals.params, 3 * 8 * 9 + 8);
  });
});
