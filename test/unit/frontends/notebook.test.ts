/**
 * Notebooks as one program (src/core/frontends/notebook.ts), on small notebooks of our own written
 * inline: code cells joined in order with IPython syntax blanked in place, markdown skipped, every
 * offset mapped back to its cell and line, nbformat 4 and 3 read, a malformed file refused with one
 * sentence, and a Keras model split over cells (imports, data loading, model) analysed whole.
 */
import * as assert from 'node:assert/strict';
import { analyzeDocument, analyzePython } from '../../../src/core/analysis/analyzeDocument';
import {
  blankMagics,
  cellAt,
  notebookProgram,
  parseNotebook,
  type Notebook,
} from '../../../src/core/frontends/notebook';

const code = (source: string | string[], outputs: unknown[] = []) => ({
  cell_type: 'code',
  source,
  outputs,
  metadata: {},
});
const markdown = (source: string) => ({ cell_type: 'markdown', source, metadata: {} });
const nb4 = (cells: unknown[], minor = 5) =>
  JSON.stringify({ nbformat: 4, nbformat_minor: minor, metadata: {}, cells });

function parsed(json: string): Notebook {
  const nb = parseNotebook(json);
  assert.ok(!('error' in nb), 'error' in nb ? nb.error : '');
  return nb;
}

describe('notebooks as one program', () => {
  it('blanks line magics, shell lines and non-Python cell magics in place, keeping Python cell-magic bodies', () => {
    const spaces = (n: number) => ' '.repeat(n);
    const shell = '  !pip install keras';
    assert.equal(blankMagics(`%matplotlib inline\nx = 1\n${shell}`), `${spaces(18)}\nx = 1\n${spaces(shell.length)}`);
    assert.equal(blankMagics('%%bash\nls -l'), `${spaces(6)}\n${spaces(5)}`);
    assert.equal(blankMagics('%%time\ny = 2'), `${spaces(6)}\ny = 2`);
  });

  it('joins code cells in order, skips markdown, and maps offsets back to cell and line', () => {
    const nb = parsed(
      nb4([markdown('# Title'), code(['import math\n', 'a = 1']), markdown('text'), code('%load_ext x\nb = 2')]),
    );
    const program = notebookProgram(nb);
    assert.equal(program.text, 'import math\na = 1\n           \nb = 2\n');
    assert.deepEqual(
      program.spans.map((s) => [s.cell, s.line]),
      [
        [2, 0],
        [4, 2],
      ],
    );
    assert.deepEqual(cellAt(program, program.text.indexOf('b = 2')), { cell: 4, line: 1 });
    assert.deepEqual(cellAt(program, program.text.indexOf('a = 1')), { cell: 2, line: 1 });
  });

  it('reads every nbformat 4 minor version and nbformat 3 worksheets', () => {
    for (const minor of [0, 1, 2, 3, 4, 5]) assert.equal(parsed(nb4([code('x = 1')], minor)).cells.length, 1);
    const v3 = JSON.stringify({
      nbformat: 3,
      worksheets: [{ cells: [{ cell_type: 'code', input: ['y = 2\n'], outputs: [] }] }],
    });
    assert.equal(notebookProgram(parsed(v3)).text, 'y = 2\n\n');
  });

  it('refuses a malformed notebook with one sentence', () => {
    const errors = [
      '{"cells": [',
      '[1, 2]',
      JSON.stringify({ nbformat: 5, cells: [] }),
      JSON.stringify({ nbformat: 4 }),
      nb4([{ cell_type: 'code' }]),
      nb4([{ source: 'x' }]),
    ].map((json) => {
      const nb = parseNotebook(json);
      assert.ok('error' in nb, json);
      return nb.error;
    });
    for (const e of errors) assert.match(e, /^not a notebook/);
    assert.match(errors[0], /not valid JSON/);
    assert.match(errors[2], /nbformat 5/);
    assert.match(errors[4], /cell 1 has no source text/);
  });

  it('analyses a Keras model split over cells, past a data-loading cell that reads missing files', () => {
    const nb = parsed(
      nb4([
        code(
          '%matplotlib inline\nimport numpy as np\nfrom tensorflow import keras\nfrom tensorflow.keras import layers',
        ),
        code("X_train = np.load('datasets/train_signs.npy')\n!ls datasets"),
        code(
          'def block(x, filters):\n' +
            '    x = layers.Conv2D(filters, 3, padding="same", activation="relu")(x)\n' +
            '    return layers.MaxPool2D()(x)',
        ),
        code(
          'inputs = keras.Input((64, 64, 3))\nx = block(inputs, 8)\nx = block(x, 16)\n' +
            'model = keras.Model(inputs, layers.Dense(6)(layers.Flatten()(x)))',
        ),
      ]),
    );
    const program = notebookProgram(nb);
    const result = analyzePython('/ws/course.ipynb', program.text, {
      host: { read: () => undefined, searchPaths: [] },
      timeMs: 60_000,
      now: () => 0,
    });
    const model = result.models.find((m) => m.name === 'model');
    assert.ok(model, result.models.map((m) => m.name).join(', '));
    assert.equal(model.incomplete, undefined);
    // conv 3·3·3·8+8 = 224, conv 3·3·8·16+16 = 1,168, dense 16·16·16·6+6 = 24,582.
    assert.equal(model.analysis.totals.params, 224 + 1_168 + 24_582);
    const modelLine = program.text.slice(0, program.text.indexOf('model = keras.Model')).split('\n').length - 1;
    assert.equal(model.range.start.line, modelLine);
    assert.deepEqual(cellAt(program, program.text.indexOf('model = keras.Model')), { cell: 4, line: 3 });
  });

  it('leaves out a cell Jupyter could not compile, so its unclosed bracket does not swallow the next cells', async () => {
    const json = nb4([
      code('import torch.nn as nn\nprint((1,'),
      code('net = nn.Sequential(nn.Conv2d(3, 8, 3), nn.ReLU(), nn.Conv2d(8, 4, 1))'),
    ]);
    const program = notebookProgram(parsed(json));
    assert.deepEqual(program.skipped, [{ cell: 1, line: 1, character: 5, message: "'(' was never closed" }]);
    const result = await analyzeDocument({ uri: '/a/nb.ipynb', text: json }, {}, { timeMs: 5000 });
    const error = result.diagnostics.find((d) => d.severity === 'error');
    assert.match(error?.message ?? '', /'\(' was never closed; Jupyter cannot run this cell/);
    assert.equal(error?.range.cell, 1);
    // The import was in the skipped cell, so `nn` is unknown and the model says where it lost track.
    assert.ok(result.models.every((m) => m.incomplete || m.analysis.totals.params === 260), JSON.stringify(
      result.models.map((m) => [m.name, m.analysis.totals.params, m.incomplete?.reason])));
  });
});
