/**
 * A seeded generator of small Python programs for differential testing of the evaluator against
 * CPython. Each program is a few statements of one kind (operators at every precedence level,
 * slicing, unpacking, comprehensions, f-strings, del, container and str methods, defaultdict,
 * closures, classes, exceptions) ending by binding `result`. The same seed always gives the same
 * programs. Programs avoid what the evaluator documents it does not model (set iteration order,
 * object identities), so any known answer of ours can be compared with CPython's.
 */

/** mulberry32: a small, fast, seedable PRNG. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

class Gen {
  constructor(private readonly r: () => number) {}
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.r() * (hi - lo + 1));
  }
  pick<T>(xs: readonly T[]): T {
    return xs[Math.floor(this.r() * xs.length)];
  }
  chance(p: number): boolean {
    return this.r() < p;
  }
  list<T>(n: number, f: () => T): T[] {
    return Array.from({ length: n }, f);
  }
}

const floats = [
  '0.5',
  '-2.5',
  '3.0',
  '1e-5',
  '2.75',
  '0.1',
  '-0.0',
  '7.25',
  '1.5e3',
  '0.3',
  '-1.25',
  '100.0',
  '2.5',
  '1e16',
  '123.456',
];
const binops = ['+', '-', '*', '/', '//', '%', '**', '<<', '>>', '&', '|', '^', '@'];
const compareOps = ['<', '<=', '>', '>=', '==', '!=', 'is', 'is not', 'in', 'not in'];

/** An operand: a literal or one of the program's variables. */
function operand(g: Gen): string {
  switch (g.int(0, 6)) {
    case 0:
      return String(g.int(-12, 12));
    case 1:
      return g.pick(floats);
    case 2:
      return g.pick(['True', 'False', 'None']);
    case 3:
      return g.pick(['a', 'b', 'c', 'd']);
    case 4:
      return g.pick(['(1, 2)', '[3]', "'ab'", '""', '()', '[1, 2, 3]']);
    default:
      return String(g.int(0, 9));
  }
}

/** A flat token run mixing every precedence level; parenthesised groups nest a few levels. */
function expression(g: Gen, depth: number): string {
  const parts: string[] = [];
  const n = g.int(1, 4);
  let canNot = true;
  for (let i = 0; i < n; i++) {
    if (i > 0) {
      const kind = g.int(0, 9);
      const op =
        kind < 5
          ? g.pick(binops.filter((o) => o !== '@' || g.chance(0.05)))
          : kind < 8
            ? g.pick(compareOps)
            : g.pick(['and', 'or']);
      parts.push(op);
      canNot = op === 'and' || op === 'or';
      if (op === '**' || op === '<<' || op === '>>') {
        parts.push(g.chance(0.2) ? `-${g.int(0, 3)}` : String(g.int(0, 4)));
        continue;
      }
    }
    if (canNot && g.chance(0.25)) parts.push('not');
    if (g.chance(0.2)) parts.push(g.pick(['-', '+', '~']));
    parts.push(depth > 0 && g.chance(0.3) ? `(${expression(g, depth - 1)})` : operand(g));
  }
  return parts.join(' ').replace(/([-+~]) (\d)/g, '$1$2');
}

function arithmetic(g: Gen): string {
  const vars = `a = ${g.int(-9, 9)}\nb = ${g.pick(floats)}\nc = ${g.pick(['True', 'False'])}\nd = ${g.int(-30, 30)}\n`;
  return `${vars}result = ${expression(g, 2)}\n`;
}

function numericBuiltins(g: Gen): string {
  const x = () =>
    g.chance(0.5) ? String(g.int(-50, 50)) : g.pick([...floats, '2.5', '3.5', '-0.5', '0.125', '1.005', '2.675']);
  const forms = [
    () => `round(${x()})`,
    () => `round(${x()}, ${g.int(-1, 3)})`,
    () => `divmod(${x()}, ${g.pick(['3', '-3', '0.5', '-2.5', '7', '0'])})`,
    () => `abs(${x()})`,
    () => `pow(${g.int(-5, 5)}, ${g.int(-2, 4)})`,
    () => `pow(${g.int(-5, 5)}, ${g.int(0, 5)}, ${g.pick(['7', '-7', '3'])})`,
    () => `min(${g.list(g.int(1, 4), x).join(', ')})`,
    () => `max([${g.list(g.int(0, 4), x).join(', ')}]${g.chance(0.3) ? ', default=None' : ''})`,
    () =>
      `max(${g.pick(["['bb', 'a', 'ccc']", "['x', 'yy', 'z']", '[(1, 2), (0, 5), (1, 1)]'])}, key=${g.pick(['len', 'lambda s: s[-1]', 'lambda s: -len(s)', 'str'])})`,
    () => `min(range(${g.int(1, 9)}), key=lambda v: (v - ${g.int(0, 8)}) ** 2)`,
    () => `int(${g.pick(["'42'", "' -7 '", "'3.5'", "'0x10'", '3.99', '-3.99', 'True', "'1_000'"])})`,
    () => `int('${g.pick(['ff', '101', '777', 'z'])}', ${g.pick(['16', '2', '8', '36'])})`,
    () => `float(${g.pick(["'1.5'", "'-inf'", "'1e3'", "'abc'", '7', "'  2.25 '", "'nan' == 'nan'"])})`,
    () => `bool(${operand(g)})`,
    () => `str(${x()})`,
    () => `repr(${g.pick([...floats, "'it''s'", "'a\"b'", "'x'", '[1.0, (2,), {}]'])})`,
    () => `sum([${g.list(g.int(0, 4), x).join(', ')}])`,
    () =>
      `sorted([${g.list(g.int(0, 5), () => String(g.int(-9, 9))).join(', ')}], reverse=${g.pick(['True', 'False'])})`,
    () => `sorted(['pear', 'Fig', 'apple', 'kiwi'], key=${g.pick(['len', 'str.lower', 'lambda s: s[::-1]'])})`,
    () => `(${x()}).is_integer() if isinstance(${x()}, float) else 0`,
    () => `[${x()} // ${g.pick(['2', '-2', '0.5', '-0.75'])}, ${x()} % ${g.pick(['3', '-3', '1.5', '-2.5'])}]`,
    () => `hex(${g.int(-300, 300)}) + oct(${g.int(0, 99)}) + bin(${g.int(-9, 99)})`,
    () => `chr(${g.int(65, 122)}) + str(ord('${g.pick(['a', 'Z', '0'])}'))`,
    () => `${g.int(-9, 9)} / ${g.pick(['4', '-8', '3', '0', '0.0'])}`,
    () => `${g.int(1, 9)} ** ${g.int(10, 40)}`,
    () => `${g.pick(floats)} ** ${g.pick(['0.5', '2', '-1', '3'])}`,
  ];
  return `result = ${g.pick(forms)()}\n`;
}

function slicing(g: Gen): string {
  const n = g.int(0, 7);
  const seq = g.pick([`list(range(${n}))`, `tuple(range(${n}))`, `'abcdefg'[:${n}]`, `[str(i) for i in range(${n})]`]);
  const bound = () => (g.chance(0.3) ? '' : g.chance(0.15) ? 'None' : String(g.int(-9, 9)));
  const index = () => {
    const parts = [bound(), bound()];
    if (g.chance(0.6)) parts.push(g.chance(0.1) ? '0' : g.pick(['', '1', '2', '-1', '-2', '3', 'None']));
    return parts.join(':');
  };
  const forms = [
    () => `result = s[${index()}]`,
    () => `result = s[${g.int(-8, 8)}]`,
    () => `t = list(s)\nt[${index()}] = ${g.pick(['[]', "['x']", '[9, 8, 7]', '()'])}\nresult = t`,
    () => `t = list(s)\ndel t[${g.chance(0.5) ? index() : g.int(-8, 8)}]\nresult = t`,
    () => `t = list(s)\nt[${g.int(-8, 8)}] = 'z'\nresult = t`,
    () => `result = s[${index()}][${index()}]`,
    () => `result = len(s[${index()}])`,
  ];
  return `s = ${seq}\n${g.pick(forms)()}\n`;
}

function unpacking(g: Gen): string {
  const n = g.int(0, 5);
  const src = g.pick([
    `[${g.list(n, () => String(g.int(0, 9))).join(', ')}]`,
    `'${'xyzwv'.slice(0, n)}'`,
    `range(${n})`,
  ]);
  const forms = [
    () => `a, *b = ${src}\nresult = (a, b)`,
    () => `*a, b = ${src}\nresult = (a, b)`,
    () => `a, *b, c = ${src}\nresult = [a, b, c]`,
    () => `a, b = ${src}\nresult = a, b`,
    () => `(a, b), c = ${src}, 1\nresult = (a, b, c)`,
    () => `a, b, c = ${src}\nresult = c`,
    () => `[a, *rest] = ${src}\nresult = rest`,
    () => `result = [*${src}, *${src}]`,
    () => `result = (*${src},)`,
    () => `result = {**{'k': 1}, **dict(zip('ab', ${src}))}`,
    () => `pairs = list(zip(${src}, 'pqrst'))\nresult = [b + str(a) for a, b in pairs]`,
    () =>
      `def f(x, *args, y=2, **kw):\n    return (x, args, y, sorted(kw.items()))\nresult = f(*${src}, y=5, z=${g.int(0, 9)})`,
    () => `x = y = ${g.int(0, 9)}\nx += 1\nresult = (x, y)`,
  ];
  return `${g.pick(forms)()}\n`;
}

function comprehensions(g: Gen): string {
  const r = () => `range(${g.int(-2, 6)})`;
  const cond = () => g.pick(['x % 2', 'x > 1', 'not x', 'x != 3', 'x % 3 == 0 or x == 4']);
  const forms = [
    () => `result = [x * ${g.int(-3, 3)} for x in ${r()} if ${cond()}]`,
    () => `result = [(x, y) for x in ${r()} for y in range(x) if (x + y) % 2 == 0]`,
    () => `result = [[y for y in range(x)] for x in ${r()}]`,
    () => `result = {x: x ** 2 for x in ${r()} if ${cond()}}`,
    () => `result = sorted({x % ${g.int(1, 4)} for x in ${r()}})`,
    () => `result = sum(x for x in ${r()} if ${cond()})`,
    () => `result = [x if x % 2 else -x for x in ${r()}]`,
    () => `result = {k: v for k, v in zip('abcde', ${r()})}`,
    () => `result = [c.upper() for c in 'hello' if c not in 'lo']`,
    () => `m = [[1, 2], [3, 4], [5]]\nresult = [v for row in m for v in row if v != ${g.int(1, 5)}]`,
    () => `result = any(x > ${g.int(0, 6)} for x in ${r()}), all(x < ${g.int(0, 6)} for x in ${r()})`,
    () => `x = 'outer'\nys = [x for x in ${r()}]\nresult = (x, ys)`,
  ];
  return `${g.pick(forms)()}\n`;
}

function fstrings(g: Gen): string {
  const value = g.pick([
    String(g.int(-2000, 2000)),
    g.pick(floats),
    "'txt'",
    "'a b'",
    'True',
    'None',
    '0',
    '12345678',
    '-0.000123',
    '3.14159',
  ]);
  const spec = g.pick([
    '',
    '5',
    '<6',
    '>6',
    '^7',
    '*^9',
    '+',
    ' ',
    '05d',
    ',',
    '_',
    '.2f',
    '.3e',
    '.1%',
    'x',
    '#x',
    'X',
    'o',
    'b',
    '08.3f',
    '.3g',
    'g',
    '10.4',
    's',
    '>+8.2f',
    '=+7',
    '.0f',
    'd',
    ',.2f',
    '.5',
    '#o',
    '-^5',
    '.2',
  ]);
  const conv = g.pick(['', '', '', '!r', '!s']);
  const forms = [
    () => `v = ${value}\nresult = f"[{v${conv}:${spec}}]"`,
    () => `v = ${value}\nw = ${g.int(0, 9)}\nresult = f"{v!s:>{w}}|{w}"`,
    () => `v = ${value}\nresult = format(v, '${spec}')`,
    () => `v = ${value}\nresult = '{0:${spec}}-{1}'.format(v, 'x')`,
    () => `v = ${value}\nresult = f"{v}{{}}" + str(v)`,
    () => `v = ${value}\nresult = '%s|%r|%5s' % (v, v, 'ab')`,
    () => `result = '%d %05.1f %x %-4d|' % (${g.int(-99, 99)}, ${g.pick(floats)}, ${g.int(0, 255)}, ${g.int(-9, 9)})`,
    () => `items = [1, 'a', 2.5, None, (1,), [2]]\nresult = f"{items}" + str(items[${g.int(0, 5)}])`,
  ];
  return `${g.pick(forms)()}\n`;
}

function deletion(g: Gen): string {
  const forms = [
    () => `d = {'a': 1, 'b': 2, 'c': 3}\ndel d['${g.pick(['a', 'b', 'z'])}']\nresult = d`,
    () => `d = {1: 'x', 2: 'y'}\ndel d[${g.int(0, 3)}], d[2]\nresult = d`,
    () => `l = list(range(6))\ndel l[${g.int(-7, 6)}]\nresult = l`,
    () => `l = list(range(8))\ndel l[${g.int(-4, 4)}:${g.int(-4, 8)}${g.pick(['', ':2', ':-1', ':3'])}]\nresult = l`,
    () =>
      `class C:\n    pass\no = C()\no.x = 1\no.y = 2\ndel o.${g.pick(['x', 'y', 'z'])}\nresult = (hasattr(o, 'x'), hasattr(o, 'y'))`,
    () => `x = 5\ndel x\ntry:\n    result = x\nexcept NameError:\n    result = 'gone'`,
  ];
  return `${g.pick(forms)()}\n`;
}

function methods(g: Gen): string {
  const lst = `[${g.list(g.int(0, 6), () => String(g.int(-5, 9))).join(', ')}]`;
  const s = g.pick([
    "'hello world'",
    "'  a,b,,c  '",
    "'Mississippi'",
    "''",
    "'x-y-z'",
    "'ABC def'",
    "'12'",
    "'line1\\nline2'",
  ]);
  const k = () => g.pick(["'a'", "'b'", "'z'", '1', '2']);
  const forms = [
    () => `l = ${lst}\nl.append(${g.int(0, 9)})\nl.extend(${lst})\nl.insert(${g.int(-3, 9)}, 'i')\nresult = l`,
    () => `l = ${lst}\nresult = (l.pop(${g.chance(0.5) ? g.int(-6, 6) : ''}), l)`,
    () => `l = ${lst}\nl.remove(${g.int(-5, 9)})\nresult = l`,
    () => `l = ${lst}\nresult = (l.index(${g.int(-5, 9)}), l.count(${g.int(-5, 9)}))`,
    () => `l = ${lst}\nl.sort(${g.pick(['', 'reverse=True', 'key=abs', 'key=lambda v: -v'])})\nl.reverse()\nresult = l`,
    () => `l = ${lst}\nm = l.copy()\nm.append(0)\nl.clear()\nresult = (l, m)`,
    () => `l = ${lst}\nresult = l * ${g.int(-1, 3)} + [0] + l[::-1]`,
    () => `l = ${lst}\nl += (7,)\nl *= 2\nresult = l`,
    () => `d = {'a': 1, 'b': 2, 1: 'one'}\nresult = (d.get(${k()}), d.get(${k()}, 0), d.setdefault(${k()}, []), d)`,
    () => `d = {'a': 1, 'b': 2}\nresult = (d.pop(${k()}, None), d.pop(${k()}), d)`,
    () =>
      `d = {'a': 1}\nd.update({'b': 2}, c=3)\nd.update([('a', 9)])\nresult = (list(d), list(d.values()), list(d.items()))`,
    () => `d = dict.fromkeys('abc', 0)\nd['b'] += 5\nresult = (d, len(d), 'b' in d, 5 in d)`,
    () => `d = {'x': 1, 'y': 2}\nresult = (d.popitem(), d, dict(sorted({'q': 1, 'p': 2}.items())))`,
    () => `result = ${s}.split(${g.pick(['', "','", "'-'", "' '", 'None, 1', "'s'"])})`,
    () =>
      `result = ${s}.${g.pick(['upper', 'lower', 'title', 'capitalize', 'swapcase', 'strip', 'lstrip', 'rstrip', 'isdigit', 'isalpha', 'isupper', 'islower', 'isspace', 'splitlines'])}()`,
    () =>
      `result = ${s}.${g.pick(['find', 'rfind', 'count', 'startswith', 'endswith', 'index', 'rstrip', 'strip', 'partition', 'rpartition', 'rsplit'])}(${g.pick(["'s'", "'l'", "'ss'", "'  '", "'x'", "'a'"])})`,
    () =>
      `result = ${s}.replace(${g.pick(["'s'", "'l'", "''", "'  '"])}, ${g.pick(["'_'", "''", "'LL'"])}${g.chance(0.3) ? `, ${g.int(-1, 2)}` : ''})`,
    () =>
      `result = ${s}.${g.pick(['center', 'ljust', 'rjust', 'zfill'])}(${g.int(0, 16)}${g.chance(0.4) ? ", '*'" : ''})`.replace(
        /zfill\((\d+), '\*'\)/,
        'zfill($1)',
      ),
    () =>
      `result = '${g.pick([',', '', ' - '])}'.join(${g.pick(["['a', 'b', 'c']", "'xyz'", '[str(i) for i in range(4)]', '()', "('q',)"])})`,
    () => `result = ${s}[::-1] + ${s}[${g.int(-3, 3)}:] * 2`,
    () =>
      `s = {${lst.slice(1, -1) || '0'}}\ns.add(${g.int(0, 9)})\ns.discard(${g.int(0, 9)})\nt = {1, 2, 3}\nresult = (sorted(s | t), sorted(s & t), sorted(s - t), sorted(s ^ t), s <= t, len(s), ${g.int(0, 9)} in s)`,
    () => `s = set(${s})\nresult = sorted(s.union('xyz').difference('lo'))`,
    () =>
      `t = (${lst.slice(1, -1)}${lst === '[]' ? '' : ','})\nresult = (t.count(${g.int(-5, 9)}), t + (1,), t[1:], len(t))`,
  ];
  return `${g.pick(forms)()}\n`;
}

function defaultdicts(g: Gen): string {
  const pairs = `[${g.list(g.int(0, 6), () => `('${g.pick(['a', 'b', 'c'])}', ${g.int(0, 9)})`).join(', ')}]`;
  const forms = [
    () => `d = defaultdict(list)\nfor k, v in ${pairs}:\n    d[k].append(v)\nresult = dict(d)`,
    () => `d = defaultdict(int)\nfor k, v in ${pairs}:\n    d[k] += v\nresult = sorted(d.items())`,
    () => `d = defaultdict(lambda: 'none')\nx = d['${g.pick(['a', 'q'])}']\nresult = (x, len(d), dict(d))`,
    () =>
      `d = defaultdict(set)\nfor k, v in ${pairs}:\n    d[k].add(v % 3)\nresult = {k: sorted(v) for k, v in d.items()}`,
    () => `d = defaultdict(int, {'a': 5})\nresult = (d['a'], d['b'], 'c' in d, d.get('c'), len(d))`,
    () => `d = defaultdict(list)\nresult = ('x' in d, d['x'], 'x' in d)`,
    () => `c = Counter('${g.pick(['abracadabra', 'hello', 'aab', ''])}')\nresult = (c['a'], c['z'], sorted(c.items()))`,
    () => `o = OrderedDict()\no['b'] = 1\no['a'] = 2\nresult = list(o.items())`,
  ];
  return `from collections import defaultdict, Counter, OrderedDict\n${g.pick(forms)()}\n`;
}

function closures(g: Gen): string {
  const k = g.int(-3, 5);
  const forms = [
    () =>
      `def outer():\n    n = 0\n    def inc():\n        nonlocal n\n        n += ${k}\n        return n\n    return inc\nf = outer()\nresult = [f(), f(), outer()()]`,
    () => `def make(k):\n    return lambda x: x * k\nfs = [make(i) for i in range(3)]\nresult = [f(${k}) for f in fs]`,
    () => `fs = [lambda: i for i in range(3)]\nresult = [f() for f in fs]`,
    () =>
      `total = ${k}\ndef add(v):\n    global total\n    total += v\n    return total\nadd(2)\nresult = add(3), total`,
    () =>
      `def outer():\n    x = 1\n    def mid():\n        x = 2\n        def inner():\n            nonlocal x\n            x += 10\n            return x\n        return inner() + x\n    return mid() + x\nresult = outer()`,
    () =>
      `def counter():\n    count = [0]\n    def bump():\n        count[0] += ${k}\n        return count[0]\n    return bump\nb = counter()\nb()\nresult = b()`,
    () => `def f(a, b=${k}, *, c=2):\n    return a + b * c\nresult = (f(1), f(1, 2), f(1, c=3), f(b=1, a=0))`,
    () =>
      `def fib(n):\n    return n if n < 2 else fib(n - 1) + fib(n - 2)\nresult = [fib(i) for i in range(${g.int(0, 12)})]`,
  ];
  return `${g.pick(forms)()}\n`;
}

function classes(g: Gen): string {
  const k = g.int(-3, 9);
  const forms = [
    () =>
      `class P:\n    def __init__(self, v):\n        self._v = v\n    @property\n    def v(self):\n        return self._v * 2\n    @v.setter\n    def v(self, x):\n        self._v = x + 1\np = P(${k})\nbefore = p.v\np.v = ${k}\nresult = (before, p.v, p._v)`,
    () =>
      `class R:\n    def __init__(self):\n        self.log = []\n    def __setattr__(self, name, value):\n        if name != 'log':\n            self.log.append(name)\n        object.__setattr__(self, name, value)\nr = R()\nr.a = ${k}\nsetattr(r, 'b', 2)\nr.__setattr__('c', 3)\nresult = (r.log, r.a, r.b, r.c)`,
    () =>
      `class G:\n    x = 1\n    def __getattr__(self, name):\n        return name * 2\ng = G()\ng.y = ${k}\nresult = (g.x, g.y, g.zz, getattr(g, 'q'), getattr(g, 'x', 0), hasattr(g, 'anything'))`,
    () =>
      `class A:\n    def f(self):\n        return 'A'\n    def g(self):\n        return self.f() + 'g'\nclass B(A):\n    def f(self):\n        return 'B' + super().f()\nclass C(B):\n    def f(self):\n        return 'C' + super().f()\nresult = (C().g(), B().f(), [k.__name__ for k in C.__mro__])`,
    () =>
      `class A:\n    def __init__(self, x):\n        self.x = x\nclass B(A):\n    def __init__(self, x, y):\n        super().__init__(x * 2)\n        self.y = y\nb = B(${k}, 3)\nresult = (b.x, b.y, isinstance(b, A), isinstance(b, B), issubclass(A, B))`,
    () =>
      `class V:\n    def __init__(self, x):\n        self.x = x\n    def __add__(self, o):\n        return V(self.x + o.x)\n    def __eq__(self, o):\n        return self.x == o.x\n    def __lt__(self, o):\n        return self.x < o.x\n    def __len__(self):\n        return abs(self.x)\n    def __repr__(self):\n        return f'V({self.x})'\nv = V(${k}) + V(2)\nresult = (v.x, v == V(${k + 2}), V(1) < v, len(v), repr(v), str([v]))`,
    () =>
      `class K:\n    count = 0\n    def __init__(self):\n        K.count += 1\n        self.count = K.count * 10\nK()\nk = K()\nresult = (K.count, k.count)`,
    () =>
      `class S:\n    @staticmethod\n    def s(x):\n        return x + 1\n    @classmethod\n    def c(cls, x):\n        return cls.__name__ + str(x)\nresult = (S.s(${k}), S().s(1), S.c(2), S().c(3))`,
    () =>
      `class W:\n    def __init__(self):\n        self.__dict__['d'] = ${k}\n    def __getattr__(self, n):\n        if n.startswith('x'):\n            return len(n)\n        raise AttributeError(n)\nw = W()\nresult = (w.d, w.xxx, hasattr(w, 'y'), getattr(w, 'y', 'dflt'))`,
    () =>
      `class D:\n    k = 1\n    def m(self):\n        pass\nd = D()\nd.x = ${k}\nresult = ([n for n in dir(d) if not n.startswith('__')], len(dir(d)) > 20, 'x' in dir(d), 'zz' in dir(D))`,
    () =>
      `class It:\n    def __init__(self, n):\n        self.n = n\n    def __iter__(self):\n        return iter(range(self.n))\n    def __contains__(self, v):\n        return v == 'magic'\nresult = (list(It(${g.int(0, 5)})), 'magic' in It(1), 3 in It(9))`,
  ];
  return `${g.pick(forms)()}\n`;
}

function exceptions(g: Gen): string {
  const risky = g.pick([
    '1 / 0',
    '[1][3]',
    "{'a': 1}['b']",
    "int('x')",
    'None + 1',
    "'a' + 1",
    'undefined_name',
    '(1, 2).nope',
    '[].pop()',
    '{}.popitem()',
    'abs(-2)',
    "'%d' % 'x'",
    '[1, 2].index(5)',
    "'abc'.index('z')",
    'raise_it()',
  ]);
  const forms = [
    () =>
      `def raise_it():\n    raise ValueError('v')\ntry:\n    result = ${risky}\nexcept (ZeroDivisionError, IndexError) as e:\n    result = 'caught ' + type(e).__name__\nexcept KeyError:\n    result = 'key'\nexcept Exception as e:\n    result = type(e).__name__`,
    () =>
      `def raise_it():\n    raise ValueError('v')\nlog = []\ntry:\n    log.append(1)\n    x = ${risky}\n    log.append(2)\nexcept ${g.pick(['ArithmeticError', 'LookupError', 'TypeError', 'ValueError', 'NameError', 'AttributeError'])}:\n    log.append(3)\nexcept Exception:\n    log.append(4)\nelse:\n    log.append(5)\nfinally:\n    log.append(6)\nresult = log`,
    () =>
      `class MyError(ValueError):\n    pass\ndef f(x):\n    if x > ${g.int(0, 5)}:\n        raise MyError('big')\n    return x\ntry:\n    result = f(${g.int(0, 9)})\nexcept ValueError as e:\n    result = ('err', str(e), isinstance(e, MyError))`,
    () => `def f():\n    try:\n        return 'try'\n    finally:\n        pass\nresult = f()`,
    () => `def raise_it():\n    raise ValueError('v')\nresult = ${risky}`,
  ];
  return `${g.pick(forms)()}\n`;
}

function loops(g: Gen): string {
  const n = g.int(0, 6);
  const forms = [
    () =>
      `out = []\nfor i in range(${g.int(-3, 9)}, ${g.int(-3, 9)}, ${g.pick(['1', '2', '-1', '-2', '3'])}):\n    if i % 3 == ${g.int(0, 2)}:\n        continue\n    if i == ${g.int(0, 6)}:\n        break\n    out.append(i)\nelse:\n    out.append('done')\nresult = out`,
    () =>
      `i = 0\nacc = []\nwhile i < ${n}:\n    i += 1\n    if i == ${g.int(0, 6)}:\n        break\n    acc.append(i * i)\nelse:\n    acc.append(-1)\nresult = acc`,
    () => `result = [(i, c) for i, c in enumerate('abc', ${g.int(-1, 2)})] + list(zip(range(${n}), 'xyz'))`,
    () => `result = list(reversed(range(${n}))) + sorted('${'hello'.slice(0, n)}')`,
    () =>
      `acc = 0\nfor x in [${g.list(n, () => String(g.int(-4, 9))).join(', ')}]:\n    acc = acc * 2 + x if x > 0 else acc - x\nresult = acc`,
    () => `res = []\nfor k, v in {'a': 1, 'b': 2}.items():\n    res.append(k * v)\nresult = res`,
  ];
  return `${g.pick(forms)()}\n`;
}

function regexes(g: Gen): string {
  const subject = g.pick([
    "'conv1_weight'",
    "'layer3.2.conv1'",
    "'a1b22c333'",
    "'foo bar  baz'",
    "''",
    "'x=1, y=22'",
    "'AbC'",
    "'line1\\nline2'",
  ]);
  const pattern = g.pick([
    "r'\\d+'",
    "r'[a-z]+'",
    "r'(\\w+)\\.(\\d+)'",
    "r'_'",
    "r'\\s+'",
    "r'(?P<k>\\w)=(?P<v>\\d+)'",
    "r'^layer'",
    "r'\\d$'",
    "r'[.]'",
    "r'b'",
    "r'(a)|(b)'",
    "r'[A-Z]'",
  ]);
  const flags = g.pick(['', ', re.I', ', re.M']);
  const forms = [
    () => `m = re.match(${pattern}, ${subject}${flags})\nresult = m.group(0) if m else None`,
    () => `m = re.search(${pattern}, ${subject}${flags})\nresult = (m.group(0), m.groups(), m.span()) if m else 'no'`,
    () => `result = re.findall(${pattern}, ${subject}${flags})`,
    () => `result = re.split(${pattern}, ${subject}${g.pick(['', ', 1', ', 2'])})`,
    () =>
      `result = re.sub(${pattern}, ${g.pick(["'#'", "''", "r'<\\g<0>>'", 'lambda m: m.group(0).upper()'])}, ${subject}${g.pick(['', ', 1'])})`,
    () =>
      `p = re.compile(${pattern}${flags})\nm = p.fullmatch(${subject})\nresult = (bool(m), p.pattern, [x.group() for x in p.finditer(${subject})])`,
    () =>
      `m = re.search(r'(?P<k>\\w)=(?P<v>\\d+)', ${subject})\nresult = m.groupdict() if m else re.escape(${subject})`,
  ];
  return `import re\n${g.pick(forms)()}\n`;
}

const categories = {
  arithmetic,
  regexes,
  numericBuiltins,
  slicing,
  unpacking,
  comprehensions,
  fstrings,
  deletion,
  methods,
  defaultdicts,
  closures,
  classes,
  exceptions,
  loops,
};
export type Category = keyof typeof categories;

export interface Program {
  readonly index: number;
  readonly category: Category;
  readonly source: string;
}

/** `count` programs from `seed`; arithmetic gets a larger share, being the largest space. */
export function generatePrograms(seed: number, count: number): Program[] {
  const g = new Gen(rng(seed));
  const names = Object.keys(categories) as Category[];
  const weighted: Category[] = [
    ...names,
    'arithmetic',
    'arithmetic',
    'arithmetic',
    'numericBuiltins',
    'methods',
    'fstrings',
    'slicing',
  ];
  return Array.from({ length: count }, (_, index) => {
    const category = g.pick(weighted);
    return { index, category, source: categories[category](g) };
  });
}
