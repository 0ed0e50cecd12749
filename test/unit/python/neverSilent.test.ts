/**
 * Never silent: a model whose evaluation lost a value says where and why, in the user's own file.
 * Each test analyses a small program of our own (in memory) and checks the verdict (complete or
 * not, at which line, for what reason), that the cascade after a lost value is folded under its
 * first place, that a problem inside an imported file is shown at the user's line that led there
 * naming `file:line` inside, and that the JSON and the table carry the same facts.
 */
import * as assert from 'node:assert/strict';
import { modelProblems } from '../../../src/core/analysis/modelProblems';
import { summaryJson, summaryTable } from '../../../src/core/analysis/summary';
import { type ModelResult } from '../../../src/core/frontends/python/analyzePython';
import type { SourceHost } from '../../../src/core/frontends/python/imports';
import { reviveFileAnalysis } from '../../../src/core/frontends/modelResult';
import { analyzePython } from '../../../src/core/analysis/analyzeDocument';

const main = '/ws/main.py';

function analyze(source: string, files: Record<string, string> = {}, options: { maxSteps?: number } = {}) {
  const all = new Map(Object.entries({ ...files, [main]: source }));
  const host: SourceHost = {
    read: (p) => all.get(p),
    searchPaths: ['/site'],
    stamp: (p) => (p.startsWith('/site/') && all.has(p) ? 'v0' : undefined),
  };
  return analyzePython(main, source, { host, timeMs: 60_000, now: () => 0, ...options });
}

/** The 1-based line of the first line of `source` that contains `text`. */
function lineOf(source: string, text: string): number {
  const i = source.split('\n').findIndex((l) => l.includes(text));
  assert.ok(i >= 0, `no line contains ${text}`);
  return i + 1;
}

function only(models: readonly ModelResult[]): ModelResult {
  assert.equal(models.length, 1, models.map((m) => m.name).join(', '));
  return models[0];
}

const header = `import torch
import torch.nn as nn
`;

describe('never silent', () => {
  const unknownImport = `${header}from mystery import Attention


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 3)
        self.attn = Attention(8)
        self.fc = nn.Linear(8, 2)
        self.out = nn.Linear(2, 2)

    def forward(self, x):
        x = self.conv(x)
        x = self.attn(x)
        x = self.fc(x)
        x = self.out(x)
        return torch.sigmoid(x)
`;

  it('marks a model whose output is unknown as incomplete, at the first place the value was lost', () => {
    const model = only(analyze(unknownImport).models);
    assert.ok(model.incomplete, 'the model is not complete');
    assert.equal(model.incomplete.range.start.line + 1, lineOf(unknownImport, 'from mystery import'));
    assert.match(
      model.incomplete.reason,
      /mystery\.Attention: module 'mystery' was not found or is not modelled by CNN Lens/,
    );
    assert.equal(model.incomplete.range.uri, undefined, 'the verdict is in the analysed file');
  });

  it('loses track at an undefined item of a Sequential instead of dropping it from the model', () => {
    const source = `${header}
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(conv_bn(3, 16), nn.MaxPool2d(2), nn.AdaptiveAvgPool2d(1))
        self.fc = nn.Linear(16, 10)

    def forward(self, x):
        return self.fc(torch.flatten(self.features(x), 1))
`;
    const model = only(analyze(source).models);
    assert.ok(model.incomplete, 'a Sequential missing its first item is not the whole model');
    assert.ok(!model.diagnostics.some((d) => d.severity === 'error'), 'no confident error on unknown shapes');
  });

  it('leads with the cause and folds the cascade under it', () => {
    const model = only(analyze(unknownImport).models);
    const leads = model.diagnostics.filter((d) => d.related);
    assert.equal(leads.length, 1, JSON.stringify(model.diagnostics, null, 1));
    const [lead] = leads;
    assert.equal(lead.range.start.line + 1, lineOf(unknownImport, 'from mystery import'));
    assert.match(
      lead.message,
      /^CNN Lens lost track of a value here: mystery\.Attention.*\(3 later problems follow from it\)$/,
    );
    // fc, out and sigmoid were each given the unknown value: consequences, not diagnostics of their own.
    const consequences = ['x = self.fc(x)', 'x = self.out(x)', 'return torch.sigmoid(x)'].map((text) =>
      lineOf(unknownImport, text),
    );
    assert.deepEqual(
      lead.related!.map((r) => r.range.start.line + 1),
      consequences,
    );
    assert.ok(
      !model.diagnostics.some((d) => !d.related && /rather than a tensor/.test(d.message)),
      'no unfolded copy of a consequence',
    );
  });

  it('carries the verdict and the folded cause into the JSON and the table', () => {
    const model = only(analyze(unknownImport).models);
    const json = summaryJson(model, main);
    const line = lineOf(unknownImport, 'from mystery import');
    assert.equal(json.complete, false);
    assert.deepEqual(json.incomplete && { line: json.incomplete.line, at: json.incomplete.at }, {
      line,
      at: undefined,
    });
    const lead = json.diagnostics.find((d) => d.related);
    assert.equal(lead?.line, line);
    assert.equal(lead?.related?.length, 3);
    const table = summaryTable(model, main);
    assert.match(
      table,
      new RegExp(`^Incomplete: lost track at line ${line} \\(mystery\\.Attention: module 'mystery' was not found`, 'm'),
    );
    assert.match(table, new RegExp(`^  line ${line}: info: CNN Lens lost track of a value here`, 'm'));
    assert.match(table, /^ {6}↳ line \d+: Linear was given/m);
  });

  it('follows a Keras functional model through a layer it cannot know to the Model that lost its outputs', () => {
    const source = `from tensorflow import keras
from tensorflow.keras import layers
import fancy_layers


def build():
    inputs = keras.Input(shape=(32, 32, 3))
    x = layers.Conv2D(8, 3)(inputs)
    x = fancy_layers.Swirl(8)(x)
    x = layers.GlobalAveragePooling2D()(x)
    return keras.Model(inputs, layers.Dense(10)(x))
`;
    const model = only(analyze(source).models);
    assert.ok(model.incomplete);
    assert.equal(model.incomplete.range.start.line + 1, lineOf(source, 'fancy_layers.Swirl(8)(x)'));
    assert.equal(
      model.incomplete.reason,
      "fancy_layers.Swirl: module 'fancy_layers' was not found or is not modelled by CNN Lens",
    );
    const [lead] = model.diagnostics.filter((d) => d.related);
    assert.deepEqual(
      lead.related!.map((r) => r.range.start.line + 1),
      [10, 11, 11],
    );
    assert.match(lead.related![2].message, /^keras\.Model outputs was given/);
  });

  it('marks a model whose output shape was guessed through an op it could not follow as incomplete, and errors after it as notes', () => {
    const source = `${header}import helpers_missing


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 3)
        self.fc = nn.Linear(8, 2)

    def forward(self, x):
        x = self.conv(x)
        b = helpers_missing.batch(x)
        x = x.view(b, 8, -1).mean(2)
        return self.fc(x)
`;
    const model = only(analyze(source).models);
    const line = lineOf(source, 'x = x.view(b, 8, -1)');
    assert.ok(model.incomplete);
    assert.equal(model.incomplete.range.start.line + 1, line);
    assert.match(
      model.incomplete.reason,
      new RegExp(`^its output shape is a guess after view \\(view could not be built: .*\\) at line ${line}$`),
    );
    const fc = modelProblems(model, main).filter((p) => p.node?.node.name === 'fc');
    assert.ok(fc.length, 'the Linear mismatch on a guessed shape is still reported');
    assert.deepEqual(
      fc.map((p) => p.severity),
      fc.map(() => 'info'),
      'but never as an error',
    );
    // The editor receives analyses from a worker, through a structured clone: the verdict and the doubt survive it.
    const [revived] = reviveFileAnalysis(structuredClone(analyze(source))).models;
    assert.deepEqual(revived.incomplete, model.incomplete);
    assert.deepEqual(
      modelProblems(revived, main).map((p) => [p.severity, p.message]),
      modelProblems(model, main).map((p) => [p.severity, p.message]),
    );
  });

  it('calls a model whose output is known complete', () => {
    const source = `${header}
class Small(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 2)

    def forward(self, x):
        return self.fc(x)
`;
    const model = only(analyze(source).models);
    assert.equal(model.incomplete, undefined);
    assert.equal(summaryJson(model).complete, true);
    assert.ok(!('incomplete' in summaryJson(model)));
  });

  it('shows a value lost inside an imported workspace module at the user line that led there, naming file:line', () => {
    const blocks = `import torch.nn as nn


class Block(nn.Module):
    def forward(self, x):
        return helper(x)
`;
    const source = `${header}from blocks import Block


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 3)
        self.block = Block()

    def forward(self, x):
        x = self.conv(x)
        return self.block(x)
`;
    const model = only(analyze(source, { '/ws/blocks.py': blocks }).models);
    assert.ok(model.incomplete);
    assert.equal(model.incomplete.range.start.line + 1, lineOf(source, 'return self.block(x)'));
    assert.equal(model.incomplete.at, `blocks.py:${lineOf(blocks, 'return helper(x)')}`);
    assert.match(model.incomplete.reason, /name 'helper' \(in blocks\.py:6\)/);
    for (const d of model.diagnostics)
      assert.equal(d.range.uri, undefined, `${d.message} is placed in the analysed file`);
    const notDefined = model.diagnostics.find((d) => /'helper' is not defined here/.test(d.message));
    assert.ok(notDefined, JSON.stringify(model.diagnostics));
    assert.equal(notDefined.at, 'blocks.py:6');
    assert.equal(notDefined.range.start.line + 1, lineOf(source, 'return self.block(x)'));
  });

  it('reports a budget that runs out inside an installed package at the user line that called it', () => {
    const slow = `def build():
    n = 0
    while True:
        n += 1
`;
    const source = `${header}from slowpkg import build


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 2)
        self.extra = build()

    def forward(self, x):
        return self.fc(x)
`;
    const model = only(analyze(source, { '/site/slowpkg/__init__.py': slow }, { maxSteps: 20_000 }).models);
    assert.ok(model.incomplete, 'a model whose evaluation stopped is never complete');
    const line = lineOf(source, 'self.extra = build()');
    assert.equal(model.incomplete.range.start.line + 1, line);
    assert.match(model.incomplete.reason, /step budget exceeded \(in \/site\/slowpkg\/__init__\.py:[34]\)/);
    const stopped = model.diagnostics.find((d) => /step budget exceeded/.test(d.message));
    assert.ok(stopped);
    assert.equal(stopped.severity, 'warning');
    assert.equal(stopped.range.start.line + 1, line);
    assert.match(stopped.message, /in \/site\/slowpkg\/__init__\.py:[34], reached from line \d+$/);
  });

  it('marks a model that raised as incomplete at the raise', () => {
    const source = `${header}
class Raises(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 2)

    def forward(self, x):
        raise ValueError('not yet')
`;
    const model = only(analyze(source).models);
    assert.ok(model.incomplete);
    assert.equal(model.incomplete.range.start.line + 1, lineOf(source, 'raise ValueError'));
    assert.match(model.incomplete.reason, /raised/);
  });

  it('gives file-level problems of module code a line in the file', () => {
    const source = `${header}import os

if os.environ.get('FAST'):
    width = 8
else:
    width = 16


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(width, 2)

    def forward(self, x):
        return self.fc(x)
`;
    const result = analyze(source);
    const lead = result.diagnostics.find((d) => d.related);
    assert.ok(lead, JSON.stringify(result.diagnostics));
    assert.equal(lead.range.start.line + 1, lineOf(source, "if os.environ.get('FAST')"));
  });

  it('gathers the notes from inside imported code reached from one line into one, each kept at its place', () => {
    const sizes = `import os


def width():
    if os.environ.get('WIDE'):
        return 32
    if os.environ.get('NARROW'):
        return 4
    return 16
`;
    const source = `${header}from sizes import width


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, width())

    def forward(self, x):
        return self.fc(x)
`;
    const model = only(analyze(source, { '/ws/sizes.py': sizes }).models);
    const line = lineOf(source, 'nn.Linear(4, width())');
    const assumed = model.diagnostics.filter((d) => d.message.startsWith('built assuming the else branch'));
    const onLine = model.diagnostics.filter((d) => d.range.start.line + 1 === line && !assumed.includes(d));
    assert.equal(onLine.length, 1, JSON.stringify(onLine, null, 1));
    assert.match(
      onLine[0].message,
      /^2 notes inside imported code reached from here; the first, in sizes\.py:5: lost track of a value: /,
    );
    const places = onLine[0].related!.filter((r) => r.range.uri === '/ws/sizes.py').map((r) => r.range.start.line + 1);
    assert.deepEqual([...new Set(places)], [lineOf(sizes, "'WIDE'"), lineOf(sizes, "'NARROW'")]);
    assert.equal(model.incomplete, undefined, 'a branch taken on an unknown condition is a note, not a lost output');
    assert.equal(assumed.length, 1, 'the model says it was built on a guess');
    assert.equal(assumed[0].range.start.line + 1, line);
    assert.equal(assumed[0].at, 'sizes.py:5');
  });

  it('places the rule findings of layers inside another file in the analysed file', () => {
    const blocks = `import torch.nn as nn


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(16, 8, 3)

    def forward(self, x):
        return self.conv(x)
`;
    const source = `${header}from blocks import Block


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = nn.Conv2d(3, 4, 3)
        self.block = Block()

    def forward(self, x):
        return self.block(self.stem(x))
`;
    const model = only(analyze(source, { '/ws/blocks.py': blocks }).models);
    const mismatch = modelProblems(model, main).find((p) => p.code === 'channel-mismatch');
    assert.ok(mismatch, 'the channel mismatch inside blocks.py is reported');
    assert.equal(mismatch.severity, 'error', 'on known values it stays an error');
    assert.equal(mismatch.range.uri, undefined);
    assert.equal(mismatch.at, `blocks.py:${lineOf(blocks, 'return self.conv(x)')}`);
    assert.match(mismatch.message, /\(in blocks\.py:10\)$/);
  });

  describe('a branch taken on a condition CNN Lens cannot know', () => {
    const assumption = (model: ModelResult) =>
      model.diagnostics.find((d) => d.message.startsWith('built assuming the else branch'));

    const guessed = `${header}from mystery import WIDE


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        c = 64 if WIDE else 32
        self.conv = nn.Conv2d(3, c, 3)
        self.fc = nn.Linear(c, 10)

    def forward(self, x):
        return self.fc(self.conv(x).mean((2, 3)))


if WIDE:
    depth = 3
else:
    depth = 2
net = nn.Sequential(*[nn.Conv2d(3, 3, 3) for _ in range(depth)])
`;

    it('builds the model on the else branch and says so in the model, at the condition', () => {
      const { models } = analyze(guessed);
      assert.deepEqual(
        models.map((m) => m.name),
        ['Net', 'net'],
      );
      const [net, variable] = models.map((model) => {
        const note = assumption(model);
        assert.ok(note, `${model.name} says it was built on a guess`);
        assert.equal(
          model.incomplete,
          undefined,
          'a guess is a note: the branch taken is usually the one Python takes',
        );
        assert.match(note.message, /^built assuming the else branch: condition not known statically \(mystery\.WIDE/);
        return note;
      });
      assert.equal(net.range.start.line + 1, lineOf(guessed, 'c = 64 if WIDE'));
      assert.equal(variable.range.start.line + 1, lineOf(guessed, 'if WIDE:'));
      assert.equal(models[0].analysis.totals.params, 3 * 32 * 9 + 32 + 32 * 10 + 10, 'the else value was used');
    });

    it('leaves a model whose own code knew every condition complete', () => {
      const source = `${guessed}

class Small(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 3) if 3 > 2 else None

    def forward(self, x):
        return self.conv(x)
`;
      const small = analyze(source).models.find((m) => m.name === 'Small');
      assert.ok(small, 'Small is found');
      assert.equal(assumption(small), undefined);
    });

    it('blames a guess on the model whose statement made it, not on the others the file builds', () => {
      const lib = `import torch.nn as nn
from mystery import FAST


def make(width):
    if FAST:
        width = width * 2
    return nn.Sequential(nn.Conv2d(3, width, 3))


def plain(width):
    return nn.Sequential(nn.Conv2d(3, width, 3))
`;
      const source = `${header}from lib import make, plain

first = make(8)
second = plain(8)
`;
      const { models } = analyze(source, { '/site/lib.py': lib });
      assert.deepEqual(
        models.map((m) => m.name),
        ['first', 'second'],
      );
      const [first, second] = models.map(assumption);
      assert.equal((first?.range.start.line ?? -1) + 1, lineOf(source, 'first = make(8)'));
      assert.match(first?.at ?? '', /lib\.py:6$/);
      assert.equal(second, undefined, second?.message);
    });

    it('notes a guess made at an import on the models that read the state it built (a registry)', () => {
      const registry = `from mystery import FLAG

_registry = {}


def register(fn):
    if FLAG:
        _registry[fn.__name__] = 1
    return fn


def lookup(name):
    return _registry.get(name, 0)
`;
      const models = `from registry import register


@register
def small():
    pass
`;
      const source = `${header}import models
from registry import lookup

reads = nn.Sequential(nn.Conv2d(3, 8 + lookup('small'), 3))
plain = nn.Sequential(nn.Conv2d(3, 8, 3))
`;
      const files = { '/site/registry.py': registry, '/site/models.py': models };
      const [reads, plain] = analyze(source, files).models.map(assumption);
      assert.ok(reads, 'the model that read the registry says it was built on a guess');
      assert.match(reads.at ?? '', /registry\.py:7$/);
      assert.equal(plain, undefined, plain?.message);
    });

    // A limit, kept deliberately: a constant bound by `from lib import X` is read from the module's
    // namespace, not looked up in its scope, so it carries no note (here both branches agree).
    it('does not note an import-time guess on a model that only imports a constant from that module', () => {
      const lib = `from mystery import FAST
if FAST:
    WIDTH = 8
else:
    WIDTH = 8
`;
      const source = `${header}from lib import WIDTH

model = nn.Sequential(nn.Conv2d(3, WIDTH, 3))
`;
      const model = only(analyze(source, { '/site/lib.py': lib }).models);
      assert.equal(assumption(model), undefined);
    });
  });
});
