/**
 * Per-feature tests of the evaluator's Python semantics, each a small source and the values
 * CPython gives for it (pyright style). They pin the bugs found in real model code: operator
 * precedence, chained comparisons, del, defaultdict, attribute protocol hooks, loops over unknown
 * iterables, and the exact number formatting. Unknown answers are asserted to be unknown.
 */
import * as assert from 'node:assert/strict';
import { evaluate, runOurs } from './evalHelper';

const expectValues = (source: string, expected: Record<string, string | undefined>) => {
  const r = evaluate(source);
  for (const [name, value] of Object.entries(expected)) assert.equal(r.get(name), value, `${name} in:\n${source}`);
};

describe('Python semantics: operators', () => {
  it('gives not, and, or Python precedence (torchvision stochastic_depth)', () => {
    expectValues(
      'training = False\np = 0.5\na = not training or p == 0.0\nb = not True and False\nc = not 1 == 2\nd = not 0 and not 0 or 5',
      {
        a: 'True',
        b: 'False',
        c: 'True',
        d: 'True',
      },
    );
  });

  it('orders every binary level and the unary operators as Python does', () => {
    expectValues(
      'a = 1 | 2 ^ 3 & 4 << 1 + 2 * 3 ** 2\nb = -2 ** 2\nc = 2 ** -1\nd = -3 // 2 * 2\ne = ~1 + 1\nf = 7 - 3 - 1',
      {
        a: '3',
        b: '-4',
        c: '0.5',
        d: '-4',
        e: '-1',
        f: '3',
      },
    );
  });

  it('evaluates chained comparisons pairwise (mnasnet, efficientnet se_ratio)', () => {
    expectValues(
      'x = 0.5\nse_ratio = 0.25\na = 0.0 < x < 1.0\nb = 0 < se_ratio <= 1\nc = 1 < 2 > 3\nd = 1 == 1.0 != 2 is not None',
      {
        a: 'True',
        b: 'True',
        c: 'False',
        d: 'True',
      },
    );
  });

  it('does floor division, modulo and ** of negatives and floats exactly', () => {
    expectValues(
      'a = (-7 // 2, -7 % 2, 7 // -2, 7 % -2)\nb = (-7.5 // 2, -7.5 % 2, -1e-20 % 1.0)\nc = (2 ** 100 > 0, 10 ** -2, divmod(-7, 2))',
      {
        a: '(-4, 1, -4, -1)',
        b: '(-4.0, 0.5, 1.0)',
        c: undefined,
      },
    );
    assert.equal(evaluate('c = (10 ** -2, divmod(-7, 2))').get('c'), '(0.01, (-4, 1))');
  });

  it("gives x ** -0.5 CPython's (glibc's) double where JavaScript's pow is an ulp off (32 ** -0.5)", () => {
    // Values from CPython 3.11 on Debian.
    expectValues('a = 64 ** -0.5\nb = 32 ** -0.5\nc = 96 ** -0.5\nd = 0.1 ** -0.5\ne = 3 ** -0.5', {
      a: '0.125',
      b: '0.1767766952966369',
      c: '0.10206207261596575',
      d: '3.162277660168379',
      e: '0.5773502691896257',
    });
  });

  it('raises ZeroDivisionError and TypeError where Python does', () => {
    assert.deepEqual(runOurs('result = 1 // 0'), { kind: 'known', text: '!ZeroDivisionError' });
    assert.deepEqual(runOurs("result = 'a' + 1"), { kind: 'known', text: '!TypeError' });
    assert.deepEqual(runOurs('result = ~1.5'), { kind: 'known', text: '!TypeError' });
  });
});

describe('Python semantics: del, defaultdict, attributes', () => {
  it('deletes dict keys, list items, slices and attributes', () => {
    expectValues(
      "d = {'a': 1, 'b': 2}\ndel d['a']\nl = list(range(6))\ndel l[1]\ndel l[-2:]\nclass C:\n    pass\no = C()\no.x = 1\ndel o.x\nh = hasattr(o, 'x')",
      {
        d: "{'b': 2}",
        l: '[0, 2, 3]',
        h: 'False',
      },
    );
    assert.deepEqual(runOurs("d = {}\ndel d['k']\nresult = d"), { kind: 'known', text: '!KeyError' });
  });

  it('flattens a partial of a partial, as CPython does', () => {
    expectValues(
      'from functools import partial\ndef f(a, b=1, c=2):\n    return a + b * 10 + c * 100\np = partial(partial(f, b=3), c=4)\na = (p.func is f, p.keywords, p(1), partial(partial(f, 5), 6).args)',
      {
        a: "(True, {'b': 3, 'c': 4}, 431, (5, 6))",
      },
    );
  });

  it('gives collections.deque both ends (appendleft, popleft, extendleft, maxlen)', () => {
    expectValues(
      'from collections import deque\nd = deque([1, 2])\nd.appendleft(0)\nd.append(3)\na = list(d)\nb = d.popleft()\nd.extendleft([8, 9])\nc = (list(d), d[0])\ne = list(deque(range(5), maxlen=2))',
      {
        a: '[0, 1, 2, 3]',
        b: '0',
        c: '([9, 8, 1, 2, 3], 9)',
        e: '[3, 4]',
      },
    );
  });

  it('calls a defaultdict factory for a missing key and stores the result', () => {
    expectValues(
      "from collections import defaultdict\nd = defaultdict(list)\nd['a'].append(1)\nc = defaultdict(int)\nc['x'] += 2\nn = len(d)",
      {
        d: "{'a': [1]}",
        c: "{'x': 2}",
        n: '1',
      },
    );
  });

  it('routes self.__setattr__, setattr and object.__setattr__ through the class hooks', () => {
    const src =
      "class R:\n    def __init__(self):\n        self.log = []\n    def __setattr__(self, name, value):\n        if name != 'log':\n            self.log.append(name)\n        object.__setattr__(self, name, value)\nr = R()\nr.a = 1\nsetattr(r, 'b', 2)\nr.__setattr__('c', 3)\nout = (r.log, r.a, r.b, r.c)";
    expectValues(src, { out: "(['a', 'b', 'c'], 1, 2, 3)" });
  });

  it('falls back to __getattr__ and raises AttributeError for a missing attribute', () => {
    expectValues(
      "class G:\n    def __getattr__(self, name):\n        return name * 2\ng = G()\na = (g.zz, getattr(g, 'q'))\nclass P:\n    pass\nb = getattr(P(), 'missing', 'dflt')",
      {
        a: "('zzzz', 'qq')",
        b: "'dflt'",
      },
    );
  });

  it('registers a submodule set through self.__setattr__ on an nn.Module', () => {
    const r = evaluate(
      "import torch.nn as nn\nclass M(nn.Module):\n    def __init__(self):\n        super().__init__()\n        self.__setattr__('conv', nn.Conv2d(3, 8, 3))\n        setattr(self, 'fc', nn.Linear(8, 2))\nm = M()\nnames = [n for n, _ in m.named_children()]",
    );
    assert.equal(r.get('names'), "['conv', 'fc']");
  });

  it('supports properties with setters', () => {
    expectValues(
      'class P:\n    def __init__(self):\n        self._v = 1\n    @property\n    def v(self):\n        return self._v * 2\n    @v.setter\n    def v(self, x):\n        self._v = x\np = P()\np.v = 5\nout = p.v',
      { out: '10' },
    );
  });
});

describe('Python semantics: loops over unknown iterables', () => {
  it('leaves what the loop body assigns or appends unknown instead of confidently empty', () => {
    const r = evaluate(
      'import os\nlayers = [1]\ncount = 0\nfor name in os.listdir("."):\n    layers.append(name)\n    count += 1\nn = len(layers)\nfirst = layers[0]\nlast = layers[-1]',
    );
    assert.equal(r.get('first'), '1');
    assert.equal(r.get('n'), undefined);
    assert.equal(r.get('last'), undefined);
    assert.equal(r.get('count'), undefined);
    assert.equal(r.get('name'), undefined);
    assert.ok(
      r.diagnostics.some((d) => /cannot iterate over .* the loop was not run/.test(d)),
      r.diagnostics.join('\n'),
    );
  });

  it('makes a comprehension over an unknown iterable unknown, not empty', () => {
    const r = evaluate('import os\nxs = [f for f in os.listdir(".")]\nys = [1, *os.environ]');
    assert.equal(r.value('xs')?.t, 'unknown');
    assert.equal(r.get('ys'), undefined);
  });

  it('makes list(), tuple(), set(), dict() and reversed() of an unknown iterable unknown, not empty (torchvision kwonly_to_pos_or_kw)', () => {
    const r = evaluate(
      'import inspect\nu = inspect.signature(len).parameters\na = tuple(u)[1:]\nb = list(enumerate(u))\nc = set(u)\nd = dict(zip(u, u))\ne = tuple(reversed(u))\nf = (list(), tuple([1]), dict([(1, 2)]))',
    );
    for (const name of ['a', 'b', 'c', 'd', 'e']) assert.equal(r.value(name)?.t, 'unknown', name);
    assert.equal(r.get('f'), '([], (1,), {1: 2})');
  });
});

describe('Python semantics: abstract base classes', () => {
  it("answers isinstance against collections.abc and typing's ABCs as CPython does (timm's to_2tuple)", () => {
    const source = `import collections.abc
from collections.abc import Sequence, Mapping, Callable
from itertools import repeat
import typing
def to_2tuple(x):
    if isinstance(x, collections.abc.Iterable) and not isinstance(x, str):
        return tuple(x)
    return tuple(repeat(x, 2))
class Box:
    def __len__(self):
        return 1
a = (to_2tuple(7), to_2tuple([3, 4]), to_2tuple('ab'))
b = (isinstance([1], Sequence), isinstance((1,), Sequence), isinstance({}, Sequence), isinstance({1}, Sequence))
c = (isinstance({}, Mapping), isinstance(len, Callable), isinstance(3, Callable), isinstance(Box, Callable))
d = (isinstance(Box(), collections.abc.Sized), isinstance(Box(), collections.abc.Iterable), isinstance(2.5, typing.Iterable))
import types, functools
e = (isinstance(to_2tuple, types.FunctionType), isinstance(lambda: 1, types.LambdaType), isinstance(len, types.FunctionType))
f = (isinstance(Box, type), isinstance(Box(), type), isinstance(functools, types.ModuleType), isinstance(Box().__len__, types.MethodType))`;
    expectValues(source, {
      a: "((7, 7), (3, 4), ('ab', 'ab'))",
      b: '(True, True, False, False)',
      c: '(True, True, False, True)',
      d: '(True, False, False)',
      e: '(True, True, False)',
      f: '(True, False, True, True)',
    });
  });
});

describe('Python semantics: formatting', () => {
  it('formats floats and ints as CPython does (repr, f-string specs, %, round)', () => {
    expectValues(
      "a = [1e-05, 1e16, 0.1 + 0.2, -0.0]\nb = f'{3.14159:.2f}|{1234567:,}|{255:#x}|{0.5:.0%}|{2.5:>6}|{12345678.0:.3g}'\nc = '%5.1f|%-4d|%s' % (2.25, 7, [1])\nd = (round(2.675, 2), round(0.5), round(1.5), round(-25, -1))",
      {
        a: '[1e-05, 1e+16, 0.30000000000000004, -0.0]',
        b: "'3.14|1,234,567|0xff|50%|   2.5|1.23e+07'",
        c: "'  2.2|7   |[1]'",
        d: '(2.67, 0, 2, -20)',
      },
    );
  });
});

describe('Python semantics: corner cases the differential run found', () => {
  it('keeps ints free of negative zero and floats exact where JavaScript rounds differently', () => {
    expectValues(
      "a = (-False) / 4\nb = -0.0 // 0.5\nc = (7 ** -2, 10.0 ** 22, 1.1 ** 3)\nd = format(1500.0, '10.4')\ne = (''.replace('', 'LL', 2), 'ab'.replace('', '-'))",
      {
        a: '0.0',
        b: '-0.0',
        c: '(0.02040816326530612, 1e+22, 1.3310000000000004)',
        d: "'   1.5e+03'",
        e: "('LL', '-a-b-')",
      },
    );
  });
});

describe('Python semantics: re and dir()', () => {
  it('runs re.split, re.match, re.sub, re.findall and compiled patterns on known strings', () => {
    expectValues(
      "import re\na = re.split(r'\\.', 'layer3.2.conv1')\nm = re.match(r'layer(\\d+)', 'layer3.2')\nb = (m.group(1), m.span())\nc = re.sub(r'(\\d+)', r'<\\1>', 'a1b22')\nd = re.findall(r'(\\w)=(\\d)', 'x=1, y=2')\np = re.compile(r'conv(\\d)')\ne = [p.match('conv1').group(1), p.match('bn1')]\nf = re.match(r'a$', 'a\\n') is not None",
      {
        a: "['layer3', '2', 'conv1']",
        b: "('3', (0, 6))",
        c: "'a<1>b<22>'",
        d: "[('x', '1'), ('y', '2')]",
        e: "['1', None]",
        f: 'True',
      },
    );
  });

  it('gives unknown, not a guess, for patterns it does not translate', () => {
    const r = evaluate("import re\na = re.match(r'(?x) a b', 'ab')\nb = re.split(r'x*', 'axb')");
    assert.equal(r.value('a')?.t, 'unknown');
    assert.equal(r.value('b')?.t, 'unknown');
  });

  it("lists a plain object's attributes with dir() and leaves native ones incomplete", () => {
    expectValues(
      "class D:\n    k = 1\nd = D()\nd.x = 2\na = [n for n in dir(d) if not n.startswith('_')]\nb = len(dir(d))",
      { a: "['k', 'x']", b: '29' },
    );
    expectValues('import torch.nn as nn\nn_ = len(dir(nn.Conv2d(1, 1, 1)))', { n_: undefined });
  });
});

describe('Python semantics: inspect and slices of empty sequences', () => {
  // torchvision's keyword-only decorator: where keyword-only parameters start, and the positional
  // arguments after that point (none, in a call with keywords).
  it("reads a function's parameters through inspect.signature", () => {
    expectValues(
      [
        'import inspect',
        'def f(a, b=2, *args, c, d=4, **kw):',
        '    pass',
        'ps = inspect.signature(f).parameters',
        'names = list(ps)',
        'kinds = [int(p.kind) for p in ps.values()]',
        'start = next(i for i, p in enumerate(ps.values()) if p.kind == p.KEYWORD_ONLY)',
        'empty = [p.default is inspect.Parameter.empty for p in ps.values()]',
        'd = ps["d"].default',
        'after = tuple(inspect.signature(f).parameters)[start:]',
      ].join('\n'),
      {
        names: "['a', 'b', 'args', 'c', 'd', 'kw']",
        kinds: '[1, 1, 2, 3, 3, 4]',
        start: '3',
        empty: '[True, False, True, True, False, True]',
        d: '4',
        after: "('c', 'd', 'kw')",
      },
    );
  });

  it('slices an empty sequence to an empty one, even when the bounds are not known', () => {
    expectValues('from mystery import k\nargs = ()\na = args[:k]\nb = args[k:]\nc = [][k:k]\nd = (1, 2)[k:]', {
      a: '()',
      b: '()',
      c: '[]',
      d: undefined,
    });
  });
});
