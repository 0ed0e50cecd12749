/**
 * The evaluator's import system and module cache, feature by feature: each test writes a few
 * small modules into an in-memory file system, analyses a main file, and reads the values its
 * module-level names ended with (through sys.modules['__main__']), as Python would have them.
 */
import * as assert from 'node:assert/strict';
import { PythonProgram } from '../../../src/core/frontends/python/analyzePython';
import type { SourceHost } from '../../../src/core/frontends/python/imports';
import { repr, type Value } from '../../../src/core/frontends/python/values';
import { analyzePython } from '../../../src/core/analysis/analyzeDocument';

/** An in-memory tree under /ws (the user's) and /site (an installed package, stamped). */
class MemoryHost implements SourceHost {
  readonly files = new Map<string, string>();
  readonly reads: string[] = [];
  readonly stamps = new Map<string, number>();
  readonly searchPaths = ['/site'];

  constructor(files: Record<string, string>) {
    for (const [path, text] of Object.entries(files)) this.files.set(path, text);
  }

  read(path: string): string | undefined {
    if (this.files.has(path)) this.reads.push(path);
    return this.files.get(path);
  }

  stamp(path: string): string | undefined {
    return path.startsWith('/site/') && this.files.has(path) ? `v${this.stamps.get(path) ?? 0}` : undefined;
  }

  /** Rewrites an installed file, as a package upgrade would (its stamp changes). */
  upgrade(path: string, text: string): void {
    this.files.set(path, text);
    this.stamps.set(path, (this.stamps.get(path) ?? 0) + 1);
  }
}

function run(host: MemoryHost, main: string, program = new PythonProgram()) {
  const result = analyzePython('/ws/main.py', main, { host, program, timeMs: 10_000, now: () => 0 });
  const module = program.loader.sysModules.entries.get('s:__main__')!.value;
  assert.equal(module.t, 'module');
  const value = (name: string): string => {
    const v = (module as { attrs: Map<string, Value> }).attrs.get(name);
    return v === undefined ? '<unbound>' : repr(v.t === 'lazy' ? v.resolve() : v);
  };
  return { result, value, program };
}

describe('Python imports', () => {
  it("binds a package's submodule that its __init__ imports from itself (from pkg import sub)", () => {
    const host = new MemoryHost({
      '/site/pkg/__init__.py': 'from pkg import sub, other\nfrom .helpers import FLAG\nVERSION = 2 if FLAG else 1\n',
      '/site/pkg/sub.py': 'WIDTH = 64\n',
      '/site/pkg/other.py': 'DEPTH = 3\n',
      '/site/pkg/helpers.py': 'FLAG = True\n',
    });
    const { value } = run(
      host,
      'from pkg import sub\nimport pkg\na = sub.WIDTH\nb = pkg.other.DEPTH\nc = pkg.VERSION\n',
    );
    assert.deepEqual([value('a'), value('b'), value('c')], ['64', '3', '2']);
  });

  it('resolves imported names where they are used (conditions, isinstance)', () => {
    const host = new MemoryHost({ '/ws/cfg.py': 'USE_BIG = True\nWIDTH = 32\n' });
    const { value } = run(
      host,
      'from cfg import USE_BIG, WIDTH\nif USE_BIG:\n    size = WIDTH * 2\nelse:\n    size = 1\nok = isinstance(WIDTH, int)\n',
    );
    assert.deepEqual([value('size'), value('ok')], ['64', 'True']);
  });

  it('loads parents first and sets each child on its parent (import a.b.c)', () => {
    const host = new MemoryHost({
      '/site/a/__init__.py': 'ORDER = ["a"]\n',
      '/site/a/b/__init__.py': 'import a\na.ORDER.append("b")\n',
      '/site/a/b/c.py': 'import a\na.ORDER.append("c")\nX = 5\n',
    });
    const { value } = run(host, 'import a.b.c\nx = a.b.c.X\norder = a.ORDER\nimport a.b.c as abc\ny = abc.X\n');
    assert.deepEqual([value('x'), value('order'), value('y')], ['5', "['a', 'b', 'c']", '5']);
  });

  it('treats a folder without __init__.py as a namespace package', () => {
    const host = new MemoryHost({ '/ws/models/blocks.py': 'CHANNELS = 16\n' });
    const { value } = run(
      host,
      'from models.blocks import CHANNELS\nimport models.blocks\nc = CHANNELS\nd = models.blocks.CHANNELS\n',
    );
    assert.deepEqual([value('c'), value('d')], ['16', '16']);
  });

  it('gives star imports the names of __all__, or the public names, including re-exported ones', () => {
    const host = new MemoryHost({
      '/site/lib/__init__.py': 'from .nets import *\nfrom .more import *\n',
      '/site/lib/nets.py':
        '__all__ = ["big", "Small"]\ndef big():\n    return 100\nclass Small:\n    n = 1\ndef hidden():\n    return 0\n',
      '/site/lib/more.py': 'from .deeper import *\ndef visible():\n    return 7\ndef _private():\n    return 8\n',
      '/site/lib/deeper.py': 'DEEP = 9\n',
    });
    const { value } = run(host, 'from lib import *\na = big()\nb = visible()\nc = DEEP\nd = Small.n\n');
    assert.deepEqual(
      [value('a'), value('b'), value('c'), value('d'), value('hidden'), value('_private')],
      ['100', '7', '9', '1', '<unbound>', '<unbound>'],
    );
  });

  it('runs the modules a registry is filled from when a lookup in it raises (decorators at import)', () => {
    const host = new MemoryHost({
      '/site/zoo/__init__.py': 'from .registry import create, names\nfrom .models import *\n',
      '/site/zoo/registry.py':
        '_entries = {}\ndef register(fn):\n    _entries[fn.__name__] = fn\n    return fn\n' +
        'def names():\n    return sorted(_entries)\ndef create(name, **kw):\n    if name not in _entries:\n' +
        '        raise RuntimeError("Unknown model (%s)" % name)\n    return _entries[name](**kw)\n',
      '/site/zoo/models/__init__.py': 'from .small import *\nfrom .big import *\n',
      '/site/zoo/models/small.py': 'from ..registry import register\n@register\ndef tiny(width=8):\n    return width\n',
      '/site/zoo/models/big.py':
        'from ..registry import register\n@register\ndef huge(width=64):\n    return width * 2\n',
    });
    const { value, result } = run(
      host,
      'import zoo\na = zoo.create("huge")\nb = zoo.create("tiny", width=4)\nc = zoo.names()\n',
    );
    assert.deepEqual([value('a'), value('b'), value('c')], ['128', '4', "['huge', 'tiny']"]);
    assert.deepEqual(
      result.diagnostics.map((d) => d.message),
      [],
    );
  });

  it('makes sys.modules[__name__] the running module', () => {
    const host = new MemoryHost({
      '/ws/reg.py': 'import sys\nsetattr(sys.modules[__name__], "ADDED", 11)\nSELF = sys.modules[__name__]\n',
    });
    const { value } = run(
      host,
      'import reg\nimport sys\na = reg.ADDED\nsame = reg.SELF is reg\nmain = sys.modules["__main__"].__name__\n',
    );
    assert.deepEqual([value('a'), value('same'), value('main')], ['11', 'True', "'__main__'"]);
  });

  it('reports a module-level statement that raises and keeps every definition after it', () => {
    const host = new MemoryHost({});
    const { value, result } = run(host, 'A = 1\nB = [][3]\nC = 3\ndef f():\n    return 4\nD = f()\n');
    assert.deepEqual([value('A'), value('C'), value('D')], ['1', '3', '4']);
    const raised = result.diagnostics.filter((d) => /raised/.test(d.message));
    assert.equal(raised.length, 1);
    assert.equal(raised[0].range.start.line, 1);
  });

  it('runs module-level torch code channels-first and Keras code channels-last in one file', () => {
    const host = new MemoryHost({});
    const { value } = run(
      host,
      [
        'import torch, torch.nn as nn',
        'from tensorflow import keras',
        'C = nn.Conv2d(3, 8, 3)(torch.zeros(1, 3, 32, 32)).shape[1]',
        'x = keras.Input(shape=(32, 32, 3))',
        'K = keras.layers.Conv2D(5, 3)(x).shape[-1]',
      ].join('\n'),
    );
    assert.deepEqual([value('C'), value('K')], ['8', '5']);
  });
});

describe('Python module cache', () => {
  const files = () => ({
    '/site/pkg/__init__.py': '',
    '/site/pkg/nets.py': 'from .layers import WIDTH\ndef width():\n    return WIDTH\n',
    '/site/pkg/layers.py': 'WIDTH = 64\n',
    '/ws/helper.py': 'from pkg.nets import width\nDOUBLE = width() * 2\n',
  });
  const main = 'from helper import DOUBLE\nd = DOUBLE\n';

  it('evaluates an installed module once per session and reuses it', () => {
    const host = new MemoryHost(files());
    const program = new PythonProgram();
    const first = run(host, main, program);
    const readsAfterFirst = host.reads.filter((p) => p.startsWith('/site/')).length;
    const second = run(host, main + '\n', program);
    assert.equal(second.value('d'), '128');
    assert.equal(
      host.reads.filter((p) => p.startsWith('/site/')).length,
      readsAfterFirst,
      'installed files were read again',
    );
    assert.ok(second.result.steps < first.result.steps, `steps ${second.result.steps} vs ${first.result.steps}`);
  });

  it('re-evaluates an installed module whose file changed, and the modules that drew names from it', () => {
    const host = new MemoryHost(files());
    const program = new PythonProgram();
    assert.equal(run(host, main, program).value('d'), '128');
    host.upgrade('/site/pkg/layers.py', 'WIDTH = 10\n');
    assert.equal(run(host, main, program).value('d'), '20');
  });

  it('re-evaluates a workspace module whose text changed (an unsaved edit)', () => {
    const host = new MemoryHost(files());
    const program = new PythonProgram();
    assert.equal(run(host, main, program).value('d'), '128');
    host.files.set('/ws/helper.py', 'from pkg.nets import width\nDOUBLE = width() * 3\n');
    assert.equal(run(host, main, program).value('d'), '192');
  });

  it('never keeps a module whose evaluation ran out of budget', () => {
    const host = new MemoryHost({ '/ws/slow.py': 'n = 0\nwhile True:\n    n += 1\n' });
    const program = new PythonProgram();
    const cut = analyzePython('/ws/main.py', 'import slow\n', { host, program, maxSteps: 5_000 });
    assert.ok(
      cut.diagnostics.some((d) => /step budget/.test(d.message)),
      JSON.stringify(cut.diagnostics),
    );
    host.files.set('/ws/slow.py', 'n = 5\n');
    assert.equal(run(host, 'import slow\nn = slow.n\n', program).value('n'), '5');
  });
});
