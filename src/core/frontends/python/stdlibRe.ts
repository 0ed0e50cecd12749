/**
 * The `re` module on known strings: compile, match, search, fullmatch, sub, split, findall,
 * finditer and escape, with Match objects (group, groups, groupdict, start, end, span). A Python
 * pattern is translated to a JavaScript RegExp only where the two agree — named groups, lookaround,
 * \A and \Z, Python's `$` — and only on ASCII text (Python's \w and \d are Unicode-aware); any
 * other construct (inline flags, verbose mode, conditionals, a match of the empty string where
 * Python's rules for empty matches differ) gives an unknown value rather than a guess.
 */
import type { ObjectModel } from './objects';
import {
  NONE,
  builtin,
  dict,
  int,
  list,
  numberOf,
  str,
  tuple,
  unknown,
  type CallArgs,
  type ClassValue,
  type InstanceValue,
  type ModuleValue,
  type Value,
} from './values';

const flagBits = { I: 2, IGNORECASE: 2, M: 8, MULTILINE: 8, S: 16, DOTALL: 16, A: 256, ASCII: 256, X: 64, VERBOSE: 64 };

/** A JavaScript RegExp source and flags meaning the same as the Python pattern, or undefined. */
export function translatePattern(pattern: string, flags: number): { source: string; flags: string } | undefined {
  // eslint-disable-next-line no-control-regex
  if (/[^\x00-\x7f]/.test(pattern) || flags & flagBits.X) return undefined;
  if (flags & ~(flagBits.I | flagBits.M | flagBits.S | flagBits.A)) return undefined;
  let out = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '\\') {
      const n = pattern[i + 1];
      if (n === undefined) return undefined;
      i++;
      if (n === 'A') out += '(?<![\\s\\S])';
      else if (n === 'Z') out += '(?![\\s\\S])';
      else if ('dDwWsSbBntrfv\\'.includes(n) || /[1-9]/.test(n) || /[^A-Za-z0-9]/.test(n)) out += `\\${n}`;
      else if (n === 'x' && /^[0-9a-fA-F]{2}$/.test(pattern.slice(i + 1, i + 3)))
        out += `\\x${pattern.slice(i + 1, (i += 2) + 1)}`;
      else return undefined;
    } else if (c === '[') {
      let j = i + 1;
      if (pattern[j] === '^') j++;
      if (pattern[j] === ']') return undefined;
      while (j < pattern.length && pattern[j] !== ']') j += pattern[j] === '\\' ? 2 : 1;
      if (j >= pattern.length) return undefined;
      const body = pattern.slice(i, j + 1);
      if (/\\[^dDwWsSntrfv\\\]\[^\-.]/.test(body)) return undefined;
      out += body;
      i = j;
    } else if (c === '(' && pattern[i + 1] === '?') {
      const rest = pattern.slice(i + 2);
      const named = /^P<([A-Za-z_]\w*)>/.exec(rest);
      const backref = /^P=([A-Za-z_]\w*)\)/.exec(rest);
      if (named) {
        out += `(?<${named[1]}>`;
        i += 1 + named[0].length;
      } else if (backref) {
        out += `\\k<${backref[1]}>`;
        i += 1 + backref[0].length;
      } else if (/^(:|=|!|<=|<!)/.test(rest)) {
        const len = /^(<=|<!)/.test(rest) ? 3 : 2;
        out += pattern.slice(i, i + 1 + len);
        i += len;
      } else return undefined;
    } else if (c === '$') out += flags & flagBits.M ? '$' : '(?=\\n?$)';
    else out += c;
  }
  const js = `${flags & flagBits.I ? 'i' : ''}${flags & flagBits.M ? 'm' : ''}${flags & flagBits.S ? 's' : ''}`;
  try {
    new RegExp(out, js);
  } catch {
    return undefined;
  }
  return { source: out, flags: js };
}

export function reModule(om: ObjectModel): ModuleValue {
  const matchClass = om.newClass('Match', [], new Map(), 're.Match');
  const patternClass = om.newClass('Pattern', [], new Map(), 're.Pattern');
  const isAscii = (s: string) => /^[\x20-\x7e\t\n\r\f\v]*$/.test(s);

  const makeMatch = (m: RegExpExecArray, subject: string): InstanceValue => ({
    t: 'instance',
    cls: matchClass,
    attrs: new Map([['string', str(subject)]]),
    native: { match: m },
  });
  const group = (m: RegExpExecArray, key: Value): Value => {
    const i = numberOf(key);
    const text = key.t === 'str' ? m.groups?.[key.v] : i !== undefined ? m[i] : undefined;
    if (key.t !== 'str' && (i === undefined || i < 0 || i >= m.length)) return unknown('a group that does not exist');
    return text === undefined ? NONE : str(text);
  };
  const matchMethods: Record<string, (m: RegExpExecArray, a: CallArgs) => Value> = {
    group: (m, a) =>
      a.positional.length <= 1 ? group(m, a.positional[0] ?? int(0)) : tuple(a.positional.map((k) => group(m, k))),
    groups: (m, a) => tuple(m.slice(1).map((g) => (g === undefined ? (a.positional[0] ?? NONE) : str(g)))),
    groupdict: (m) => dict(Object.entries(m.groups ?? {}).map(([k, v]) => [str(k), v === undefined ? NONE : str(v)])),
    start: (m, a) => (a.positional.length ? unknown('Match.start(group)') : int(m.index)),
    end: (m, a) => (a.positional.length ? unknown('Match.end(group)') : int(m.index + m[0].length)),
    span: (m, a) =>
      a.positional.length ? unknown('Match.span(group)') : tuple([int(m.index), int(m.index + m[0].length)]),
  };
  om.natives.set('re.Match', {
    getAttr: (self, name) => {
      const m = self.native?.match as RegExpExecArray;
      const fn = matchMethods[name];
      return fn ? builtin(name, (a) => fn(m, a)) : undefined;
    },
    getItem: (self, index) => group(self.native?.match as RegExpExecArray, index),
  });

  /** The pattern and flags of a call: re.f(pattern, string, …) or compiled.f(string, …). */
  type Compiled = { regex: RegExp; source: string } | { why: string };
  const compileArgs = (pattern: Value, flags: Value | undefined): Compiled => {
    if (pattern.t === 'instance' && pattern.cls === patternClass) return pattern.native as Compiled;
    const f = flags ? numberOf(flags) : 0;
    if (pattern.t !== 'str' || f === undefined) return { why: 'a regular expression that is not a known string' };
    const t = translatePattern(pattern.v, f);
    return t
      ? { regex: new RegExp(t.source, `${t.flags}g`), source: pattern.v }
      : { why: `regular expression ${JSON.stringify(pattern.v)} uses syntax CNN Lens does not translate` };
  };
  const subjectOf = (v: Value | undefined): string | undefined => (v?.t === 'str' && isAscii(v.v) ? v.v : undefined);
  /** Every match, or undefined when one is empty (Python and JavaScript step past those differently). */
  const allMatches = (regex: RegExp, s: string): RegExpExecArray[] | undefined => {
    const out: RegExpExecArray[] = [];
    regex.lastIndex = 0;
    for (let m = regex.exec(s); m; m = regex.exec(s)) {
      if (!m[0].length) return undefined;
      out.push(m);
    }
    return out;
  };

  type Op = (c: { regex: RegExp; source: string }, s: string, a: CallArgs, rest: Value[]) => Value;
  const ops: Record<string, Op> = {
    match: (c, s) => {
      const sticky = new RegExp(c.regex.source, c.regex.flags.replace('g', 'y'));
      const m = sticky.exec(s);
      return m ? makeMatch(m, s) : NONE;
    },
    search: (c, s) => {
      const m = new RegExp(c.regex.source, c.regex.flags.replace('g', '')).exec(s);
      return m ? makeMatch(m, s) : NONE;
    },
    fullmatch: (c, s) => {
      const m = new RegExp(`^(?:${c.regex.source})(?![\\s\\S])`, c.regex.flags.replace(/[gm]/g, '')).exec(s);
      return m ? makeMatch(m, s) : NONE;
    },
    findall: (c, s) => {
      const ms = allMatches(c.regex, s);
      if (!ms) return unknown('re.findall() with empty matches');
      return list(
        ms.map((m) =>
          m.length === 1 ? str(m[0]) : m.length === 2 ? str(m[1] ?? '') : tuple(m.slice(1).map((g) => str(g ?? ''))),
        ),
      );
    },
    finditer: (c, s) => {
      const ms = allMatches(c.regex, s);
      return ms ? list(ms.map((m) => makeMatch(m, s))) : unknown('re.finditer() with empty matches');
    },
    split: (c, s, a, rest) => {
      const max = numberOf(rest[0] ?? a.keywords.get('maxsplit') ?? int(0));
      const ms = allMatches(c.regex, s);
      if (!ms || max === undefined) return unknown('re.split() with empty matches');
      const out: Value[] = [];
      let at = 0;
      for (const m of max > 0 ? ms.slice(0, max) : ms) {
        out.push(str(s.slice(at, m.index)), ...m.slice(1).map((g) => (g === undefined ? NONE : str(g))));
        at = m.index + m[0].length;
      }
      out.push(str(s.slice(at)));
      return list(out);
    },
    sub: (c, s, a, rest) => {
      const repl = rest[0] ?? a.keywords.get('repl');
      const count = numberOf(rest[1] ?? a.keywords.get('count') ?? int(0));
      const ms = allMatches(c.regex, s);
      if (!ms || count === undefined || !repl) return unknown('re.sub() with empty matches or unknown arguments');
      let out = '';
      let at = 0;
      for (const m of count > 0 ? ms.slice(0, count) : ms) {
        let piece: Value;
        if (repl.t === 'str') {
          const expanded = expandTemplate(repl.v, m);
          if (expanded === undefined) return unknown('a re.sub() template CNN Lens does not expand');
          piece = str(expanded);
        } else piece = om.callValue(repl, [makeMatch(m, s)], { file: '', from: 0, to: 0 });
        if (piece.t !== 'str') return unknown('re.sub() replacement');
        out += s.slice(at, m.index) + piece.v;
        at = m.index + m[0].length;
      }
      return str(out + s.slice(at));
    },
  };
  // Where the flags are among re.<function>'s positional arguments.
  const flagsAt: Record<string, number> = {
    match: 2,
    search: 2,
    fullmatch: 2,
    findall: 2,
    finditer: 2,
    split: 3,
    sub: 4,
  };
  const call = (name: string, compiled: Compiled, a: CallArgs, subjectIndex: number): Value => {
    const positional =
      name === 'sub'
        ? [
            a.positional[subjectIndex + 1] ?? a.keywords.get('string'),
            a.positional[subjectIndex],
            ...a.positional.slice(subjectIndex + 2),
          ]
        : a.positional.slice(subjectIndex);
    const s = subjectOf(positional[0] ?? a.keywords.get('string'));
    if ('why' in compiled) return unknown(compiled.why);
    if (s === undefined) return unknown(`re.${name}() on a string that is not known (or not ASCII)`);
    return ops[name](compiled, s, a, positional.slice(1));
  };

  om.natives.set('re.Pattern', {
    getAttr: (self, name) => {
      if (name === 'pattern') return str((self.native as { source: string }).source);
      if (!ops[name]) return undefined;
      // A compiled pattern's match/search take pos and endpos instead of flags: not modelled.
      return builtin(name, (a) =>
        flagsAt[name] === 2 && a.positional.length > 1
          ? unknown(`Pattern.${name}() with pos/endpos`)
          : call(name, self.native as Compiled, a, 0),
      );
    },
  });
  const entries: Record<string, Value> = {
    compile: builtin('compile', (a) => {
      const c = compileArgs(a.positional[0] ?? NONE, a.positional[1] ?? a.keywords.get('flags'));
      return 'why' in c
        ? unknown(c.why)
        : ({ t: 'instance', cls: patternClass, attrs: new Map(), native: c } as InstanceValue);
    }),
    escape: builtin('escape', (a) => {
      const s = a.positional[0];
      return s?.t === 'str'
        ? str(s.v.replace(/[()[\]{}?*+\-|^$\\.&~# \t\n\r\v\f]/g, (ch) => `\\${ch}`))
        : unknown('re.escape()');
    }),
    Pattern: patternClass as ClassValue,
    Match: matchClass as ClassValue,
    ...Object.fromEntries(Object.entries(flagBits).map(([k, v]) => [k, int(v)])),
  };
  for (const name of Object.keys(ops)) {
    entries[name] = builtin(name, (a) =>
      call(name, compileArgs(a.positional[0] ?? NONE, a.positional[flagsAt[name]] ?? a.keywords.get('flags')), a, 1),
    );
  }
  return { t: 'module', name: 're', attrs: new Map(Object.entries(entries)) };
}

/** A re.sub() template with \1, \g<1> and \g<name> expanded; undefined for other escapes. */
function expandTemplate(template: string, m: RegExpExecArray): string | undefined {
  let out = '';
  for (let i = 0; i < template.length; i++) {
    const c = template[i];
    if (c !== '\\') {
      out += c;
      continue;
    }
    const rest = template.slice(i + 1);
    const numbered = /^(\d{1,2})/.exec(rest);
    const named = /^g<(\w+)>/.exec(rest);
    if (numbered) {
      const g = m[Number(numbered[1])];
      if (Number(numbered[1]) >= m.length) return undefined;
      out += g ?? '';
      i += numbered[0].length;
    } else if (named) {
      const g = /^\d+$/.test(named[1]) ? m[Number(named[1])] : m.groups?.[named[1]];
      out += g ?? '';
      i += named[0].length;
    } else if (rest[0] === 'n') {
      out += '\n';
      i++;
    } else if (rest[0] === '\\') {
      out += '\\';
      i++;
    } else return undefined;
  }
  return out;
}
