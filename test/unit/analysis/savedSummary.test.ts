/**
 * Saved model summaries (src/core/analysis/savedSummary.ts) against what the real libraries print:
 * every file in test/fixtures/summaries (written by Keras 3.15.1, Keras 2's own print_summary,
 * torchinfo / torch-summary and torch 1.13's print(model); see test/oracle/summary_outputs.py)
 * parses to exactly the totals TRUTH.json records from the libraries themselves. Then nbformat 4
 * output arrays, text that only looks like a summary, and a seeded fuzz of the fixtures: nothing
 * throws, and no number comes back that the model does not have unless its own line was cut.
 */
import * as assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { cellSummaries, parseSummaries, type SavedSummary } from '../../../src/core/analysis/savedSummary';

interface Truth {
  readonly form: string;
  readonly total: number | null;
  readonly trainable?: number;
  readonly nonTrainable?: number;
  readonly optimizer?: number;
  readonly modelName?: string;
  readonly leafModules?: number;
}

const dir = join(__dirname, '../../fixtures/summaries');
const truth = JSON.parse(readFileSync(join(dir, 'TRUTH.json'), 'utf8')) as Record<string, { summaries: Truth[] }>;
const fixtures = readdirSync(dir).filter((f) => f !== 'TRUTH.json');
const read = (name: string) => readFileSync(join(dir, name), 'utf8');
const isOutputs = (name: string) => name.endsWith('.outputs.json');
const summariesOf = (name: string, text = read(name)) =>
  isOutputs(name) ? cellSummaries(JSON.parse(text) as unknown[]) : parseSummaries(text);

/** nbformat 4 stores stream text as a list of lines, each keeping its newline. */
const asLines = (text: string) => text.split(/(?<=\n)/);
const stream = (text: string, name = 'stdout') => ({ output_type: 'stream', name, text: asLines(text) });
const numbers = (s: Partial<SavedSummary>) => [s.total, s.trainable, s.nonTrainable];

/** mulberry32: small, seeded, so a failure replays from the seed it prints. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('saved model summaries', () => {
  it('finds fixtures of every form', () => {
    assert.deepEqual(fixtures.sort(), Object.keys(truth).sort());
    const forms = new Set(Object.values(truth).flatMap((t) => t.summaries.map((s) => s.form)));
    assert.deepEqual([...forms].sort(), ['keras2', 'keras3', 'torch-repr', 'torchinfo']);
  });

  for (const name of fixtures) {
    it(`reads ${name} as the library computed it`, () => {
      const got = summariesOf(name);
      const want = truth[name].summaries;
      assert.equal(got.length, want.length, JSON.stringify(got));
      want.forEach((w, i) => {
        const g = got[i];
        assert.equal(g.form, w.form);
        assert.equal(g.total, w.total ?? undefined);
        assert.equal(g.trainable, w.total === null ? undefined : w.trainable);
        assert.equal(g.nonTrainable, w.total === null ? undefined : w.nonTrainable);
        assert.equal(g.optimizer, w.optimizer);
        assert.equal(g.modelName, w.modelName);
        assert.equal(g.leafModules, w.leafModules);
        if (w.form === 'torch-repr' && w.total !== null) assert.equal(g.countedLeafModules, w.leafModules);
      });
    });
  }

  it('starts each summary at its Model: line, header rule or module line', () => {
    assert.equal(parseSummaries(`Epoch 1/1\n${read('keras2-2.12.0_sequential_cnn.txt')}`)[0].line, 1);
    assert.equal(parseSummaries(read('torchinfo-1.8.0_resnet18.txt'))[0].line, 0);
    assert.equal(parseSummaries(`x = 1\n\n${read('torch-1.13_lenet.txt')}`)[0].line, 2);
  });

  it('finds several summaries printed into one stream, in order', () => {
    const text = [
      'keras2-2.15.0_frozen_base.txt',
      'torch-1.13_lenet.txt',
      'torchinfo-1.8.0_resnet18.txt',
      'keras3-3.15.1_sequential_cnn.txt',
    ]
      .map(read)
      .join('Epoch 1/3\n');
    const got = parseSummaries(text);
    assert.deepEqual(
      got.map((s) => [s.form, s.modelName, s.total]),
      [
        ['keras2', 'frozen_base', 789],
        ['torch-repr', 'Net', 62006],
        ['torchinfo', 'ResNet', 11689512],
        ['keras3', 'sequential', 34826],
      ],
    );
  });

  describe('cell outputs (nbformat 4)', () => {
    const keras2 = read('keras2-2.15.0_functional_bn.txt');
    const resnet = read('torch-1.13_resnet18.txt');
    const error = {
      output_type: 'error',
      ename: 'ValueError',
      evalue: 'Total params: 5',
      traceback: ['Model: "x"', 'Total params: 5'],
    };
    const image = {
      output_type: 'display_data',
      metadata: {},
      data: { 'image/png': 'iVBORw0KGgo=', 'text/html': '<b>Total params: 7</b>' },
    };

    it('reads stream text given as a list of lines, display_data and execute_result, and skips the rest', () => {
      const outputs = [
        stream('Epoch 1/2\nloss: 0.3\n'),
        error,
        stream(keras2),
        image,
        { output_type: 'execute_result', execution_count: 3, metadata: {}, data: { 'text/plain': resnet } },
        {
          output_type: 'display_data',
          metadata: {},
          data: { 'text/plain': asLines(read('keras3-3.15.1_functional_bn.txt')) },
        },
      ];
      const got = cellSummaries(outputs);
      assert.deepEqual(
        got.map((s) => [s.form, s.modelName, s.total, s.output, s.line]),
        [
          ['keras2', 'model', 3050, 2, 0],
          ['torch-repr', 'ResNet', 11689512, 4, 0],
          ['keras3', 'functional', 3050, 5, 0],
        ],
      );
    });

    it('joins Keras 3 display_data outputs, one per printed line, and keeps Optimizer params apart', () => {
      const outputs = JSON.parse(read('keras3-3.15.1_optimizer_jupyter.outputs.json')) as unknown[];
      const [s] = cellSummaries(outputs);
      assert.deepEqual(
        [s.form, s.total, s.trainable, s.nonTrainable, s.optimizer, s.output, s.line],
        ['keras3', 9024, 2986, 64, 5974, 0, 0],
      );
      // Only the totals, each line in its own output and without the optimizer's line.
      const [t] = cellSummaries(outputs.slice(2, 5));
      assert.deepEqual(
        [t.form, t.total, t.trainable, t.nonTrainable, t.output, t.line],
        ['keras3', 9024, 2986, 64, 0, 0],
      );
    });

    it('joins a stream that Jupyter split in the middle of a line', () => {
      const cut = keras2.indexOf('params: 3050') + 4;
      const [s] = cellSummaries([stream(keras2.slice(0, cut)), stream(keras2.slice(cut))]);
      assert.deepEqual([s.total, s.trainable, s.nonTrainable, s.output], [3050, 2986, 64, 0]);
      // stderr and stdout are different streams: a line is never glued across them.
      const [u] = cellSummaries([stream(keras2.slice(0, cut)), stream(keras2.slice(cut), 'stderr')]);
      assert.equal(u.total, undefined);
    });

    it('never throws on malformed outputs', () => {
      const junk: unknown[] = [
        null,
        3,
        'text',
        [],
        {},
        { output_type: 'stream' },
        { output_type: 'stream', text: [1, 2] },
        { output_type: 'display_data', data: null },
        { output_type: 'execute_result', data: { 'text/plain': 5 } },
      ];
      assert.deepEqual(cellSummaries(junk), []);
      assert.deepEqual(cellSummaries(null as unknown as unknown[]), []);
      assert.deepEqual(parseSummaries(undefined as unknown as string), []);
    });
  });

  describe('text that is not a summary', () => {
    it('finds nothing in a training log', () => {
      const log = [
        'Epoch 1/10',
        '1875/1875 [==============================] - 6s 3ms/step - loss: 0.2961 - accuracy: 0.9134',
        'Epoch 2/10',
        '\r  32/1875 [..............................] - ETA: 5s - loss: 0.1412\r1875/1875 [====] - 5s',
        'Total training time (s): 63.2',
        'Test accuracy: (0.98, 0.97)',
        'Non-trainable layers: none',
      ].join('\n');
      assert.deepEqual(parseSummaries(log), []);
    });

    it('takes no parenthesised text for a module tree', () => {
      for (const text of [
        'print(model(\n  x)\n)',
        'Result(\n  (a): 3 apples\n)',
        'Net(\n  (conv): Conv2d(3, 6, kernel_size=(5, 5), stride=(1, 1))\n', // never closed
        'Net(\n  (conv): Conv2d(3, 6, kernel_size=(5, 5), stride=(1, 1))\n )', // closed at the wrong indent
        'Net(\n(conv): Conv2d(3, 6, kernel_size=(5, 5), stride=(1, 1))\n)', // child not indented
        '  Net(\n    (conv): Conv2d(3, 6, kernel_size=(5, 5))\n  )', // not printed at column 0
        'Net()\nLinear(in_features=3, out_features=4, bias=True)',
        'Net(\n  (0-2): 2 x Linear(in_features=3, out_features=4, bias=True)\n)', // a repeat that does not add up
      ])
        assert.deepEqual(parseSummaries(text), [], text);
    });

    it('gives a truncated table no totals rather than a wrong one', () => {
      for (const name of [
        'keras2-2.12.0_sequential_cnn.txt',
        'keras3-3.15.1_mobilenetv2.txt',
        'torchinfo-1.8.0_resnet18.txt',
      ]) {
        const text = read(name);
        const got = parseSummaries(text.slice(0, text.indexOf('Total params')));
        assert.equal(got.length, 1, name);
        assert.deepEqual(numbers(got[0]), [undefined, undefined, undefined], name);
        assert.equal(got[0].modelName, truth[name].summaries[0].modelName);
      }
    });

    it('refuses totals that disagree, bare long numbers, and lone Optimizer params', () => {
      assert.deepEqual(
        numbers(parseSummaries('Total params: 100\nTrainable params: 60\nNon-trainable params: 30\n')[0]),
        [undefined, undefined, undefined],
      );
      assert.deepEqual(parseSummaries('Total params: 35389'), []);
      assert.deepEqual(
        parseSummaries(' Total params: 35389 (138.24 KB)').map((s) => s.total),
        [35389],
      );
      const [opt] = parseSummaries(' Optimizer params: 5,974 (23.34 KB)\n');
      assert.deepEqual([opt.total, opt.optimizer], [undefined, 5974]);
    });

    it('leaves a module tree uncounted when some module hides parameters from its repr', () => {
      const custom = 'Net(\n  (conv): Conv2d(3, 8, kernel_size=(3, 3), stride=(1, 1))\n  (scale): Scale()\n)';
      const params =
        'Net(\n  (conv): Conv2d(3, 8, kernel_size=(3, 3), stride=(1, 1))\n  (p): ParameterList(\n' +
        '      (0): Parameter containing: [torch.float32 of size 3x3]\n  )\n)';
      const lazy = 'Net(\n  (fc): LazyLinear(in_features=0, out_features=10, bias=True)\n)';
      for (const text of [custom, params, lazy]) {
        const [s] = parseSummaries(text);
        assert.equal(s.form, 'torch-repr', text);
        assert.equal(s.total, undefined, text);
      }
      assert.deepEqual([parseSummaries(custom)[0].leafModules, parseSummaries(custom)[0].countedLeafModules], [2, 1]);
    });
  });

  describe('fuzz: mutated fixtures', () => {
    const noise = ['Epoch 1/5', 'Total params:', 'Trainable params: many', 'f(x)', 'Net(', ')', '  (0): ReLU()', ''];
    const mutations = Number(process.env.CNN_LENS_FUZZ_MUTATIONS ?? 60);
    for (const name of fixtures.filter((f) => !isOutputs(f))) {
      it(`${name}: never throws, never a number the model does not have`, () => {
        const seed = [...name].reduce((h, c) => Math.imul(h ^ c.charCodeAt(0), 16777619) >>> 0, 2166136261);
        const rnd = random(seed);
        const want = truth[name].summaries;
        const allowed = new Set(want.flatMap((w) => [w.total, w.trainable, w.nonTrainable, w.optimizer]));
        const lines = read(name).split('\n');
        for (let k = 0; k < mutations; k++) {
          const pick = () => Math.floor(rnd() * lines.length);
          let mutated = [...lines];
          let cutLine: string | undefined; // the line a truncation cut through
          const op = Math.floor(rnd() * 5);
          const at = pick();
          if (op === 0) mutated.splice(at, 1 + Math.floor(rnd() * 3));
          else if (op === 1) mutated.splice(at, 0, ...lines.slice(at, at + 1 + Math.floor(rnd() * 3)));
          else if (op === 2) [mutated[at], mutated[at + 1]] = [mutated[at + 1] ?? '', mutated[at]];
          else if (op === 3) mutated.splice(at, 0, noise[Math.floor(rnd() * noise.length)]);
          else {
            const cut = Math.floor(rnd() * lines[at].length);
            cutLine = lines[at];
            mutated = [...lines.slice(0, at), lines[at].slice(0, cut)];
          }
          let got: ReturnType<typeof parseSummaries> = [];
          assert.doesNotThrow(() => (got = parseSummaries(mutated.join('\n'))), `seed ${seed} mutation ${k}`);
          for (const s of got) {
            // A module tree with lines removed, repeated or swapped is another model, with its own count.
            if (s.form === 'torch-repr' && op < 3) continue;
            if (cutLine !== undefined && /params:/.test(cutLine)) continue;
            for (const n of [...numbers(s), s.optimizer])
              if (n !== undefined) assert.ok(allowed.has(n), `seed ${seed} mutation ${k} (op ${op} at ${at}): ${n}`);
          }
        }
      });
    }
  });
});
