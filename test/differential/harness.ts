/**
 * Runs generated Python programs through CPython (/usr/bin/python3, all in one process, each
 * with a fresh namespace) and through our evaluator (parsePython + a Session's interpreter), and
 * compares the `result` each binds. Both sides render results canonically (Python's repr, with
 * sets sorted); an exception becomes `!TypeName`. Where our value is unknown — anywhere inside
 * the result, or because evaluation took a guessed branch — the program counts as unknown, not
 * as a disagreement. A known value that differs from CPython's is a disagreement.
 */
import { spawnSync } from 'node:child_process';
import { BudgetExceeded, PyRaise } from '../../src/core/frontends/python/errors';
import { PythonProgram } from '../../src/core/frontends/python/analyzePython';
import type { Interpreter } from '../../src/core/frontends/python/interpreter';
import { parsePython } from '../../src/core/frontends/python/parse';
import { Scope, pyFloatRepr, pyStrRepr, type Value } from '../../src/core/frontends/python/values';
import type { Program } from './generate';

const pythonRunner = String.raw`
import sys, json
from collections import defaultdict, Counter, OrderedDict
def canon(v):
    t = type(v)
    if v is None or t in (bool, int, float, str):
        return repr(v)
    if t is list:
        return '[' + ', '.join(canon(x) for x in v) + ']'
    if t is tuple:
        return '(' + ', '.join(canon(x) for x in v) + (',' if len(v) == 1 else '') + ')'
    if isinstance(v, dict):
        return '{' + ', '.join(canon(k) + ': ' + canon(x) for k, x in v.items()) + '}'
    if t in (set, frozenset):
        return '{' + ', '.join(sorted(canon(x) for x in v)) + '}' if v else 'set()'
    return '<' + t.__name__ + '>'
out = []
for src in json.load(sys.stdin):
    ns = {}
    try:
        exec(compile(src, '<program>', 'exec'), ns)
        out.append(canon(ns['result']) if 'result' in ns else '!unbound')
    except BaseException as e:
        out.append('!' + type(e).__name__)
json.dump(out, sys.stdout)
`;

/** CPython's canonical result for each program, from one python3 process. */
export function runCPython(sources: readonly string[]): string[] {
  const r = spawnSync('/usr/bin/python3', ['-c', pythonRunner], {
    input: JSON.stringify(sources),
    maxBuffer: 1 << 28,
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(`python3 failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as string[];
}

/** Our canonical rendering, or undefined when the value (or a part of it) is unknown. */
export function canon(v: Value): string | undefined {
  switch (v.t) {
    case 'none':
      return 'None';
    case 'bool':
      return v.v ? 'True' : 'False';
    case 'int':
      return String(v.v);
    case 'float':
      return pyFloatRepr(v.v);
    case 'str':
      return pyStrRepr(v.v);
    case 'tuple':
    case 'list': {
      if (v.t === 'list' && v.unknownTail) return undefined;
      const parts = v.items.map(canon);
      if (parts.some((p) => p === undefined)) return undefined;
      if (v.t === 'list' && v.isSet) return parts.length ? `{${(parts as string[]).sort().join(', ')}}` : 'set()';
      return v.t === 'list' ? `[${parts.join(', ')}]` : `(${parts.join(', ')}${parts.length === 1 ? ',' : ''})`;
    }
    case 'dict': {
      if (v.unknownTail) return undefined;
      const parts: string[] = [];
      for (const e of v.entries.values()) {
        const [k, x] = [canon(e.key), canon(e.value)];
        if (k === undefined || x === undefined) return undefined;
        parts.push(`${k}: ${x}`);
      }
      return `{${parts.join(', ')}}`;
    }
    case 'instance':
      return `<${v.cls.name}>`;
    case 'func':
      return '<function>';
    case 'class':
      return '<type>';
    default:
      return undefined;
  }
}

export type Outcome =
  { kind: 'known'; text: string } | { kind: 'unknown'; why: string } | { kind: 'crash'; error: string };

/** Phrases of the diagnostics that mean evaluation guessed (a branch on an unknown condition). */
const guessed = /took the else|was skipped|assumed they raised nothing/;

let shared: PythonProgram | undefined;
let programs = 0;
const noFiles = { read: () => undefined, searchPaths: [] };

/**
 * Starts a fresh run of `source` in one shared program (installing the libraries is the slow
 * part): a file name of its own, a fresh module scope, counters and step allowance.
 */
export function freshRun(): { interp: Interpreter; scope: Scope } {
  shared ??= new PythonProgram();
  const file = `<program ${programs++}>`;
  const { interp } = shared.session;
  interp.beginAnalysis({ maxSteps: 200_000, maxDepth: 100, deadline: Infinity });
  const scope = new Scope(undefined, 'module', file);
  shared.loader.beginAnalysis(noFiles, file, { t: 'module', name: '__main__', attrs: scope.vars });
  return { interp, scope };
}

export function runOurs(source: string): Outcome {
  const { interp, scope } = freshRun();
  let raised: Value | undefined;
  try {
    interp.execBlock(parsePython(source).body, scope);
  } catch (e) {
    if (e instanceof PyRaise) raised = e.value;
    else if (e instanceof BudgetExceeded) return { kind: 'unknown', why: e.message };
    else return { kind: 'crash', error: e instanceof Error ? (e.stack ?? e.message) : String(e) };
  }
  const guess = interp.diagnostics.find((d) => guessed.test(d.message));
  if (guess) return { kind: 'unknown', why: guess.message };
  if (raised)
    return raised.t === 'instance'
      ? { kind: 'known', text: `!${raised.cls.name}` }
      : { kind: 'unknown', why: `raised ${raised.t === 'unknown' ? raised.why : raised.t}` };
  const result = scope.vars.get('result');
  if (!result) return { kind: 'known', text: '!unbound' };
  const text = canon(result);
  return text === undefined
    ? { kind: 'unknown', why: result.t === 'unknown' ? result.why : 'a part of the result is unknown' }
    : { kind: 'known', text };
}

export interface Disagreement {
  readonly program: Program;
  readonly ours: string;
  readonly cpython: string;
}

export interface Report {
  readonly run: number;
  readonly agreed: number;
  readonly unknown: number;
  readonly disagreements: Disagreement[];
  readonly unknownWhy: Map<string, number>;
}

export function compare(programs: readonly Program[]): Report {
  const expected = runCPython(programs.map((p) => p.source));
  const disagreements: Disagreement[] = [];
  const unknownWhy = new Map<string, number>();
  let agreed = 0;
  let unknown = 0;
  programs.forEach((program, i) => {
    const ours = runOurs(program.source);
    if (ours.kind === 'unknown') {
      unknown++;
      const key = `${program.category}: ${ours.why.slice(0, 80)}`;
      unknownWhy.set(key, (unknownWhy.get(key) ?? 0) + 1);
    } else if (ours.kind === 'crash')
      disagreements.push({ program, ours: `CRASH ${ours.error}`, cpython: expected[i] });
    else if (ours.text === expected[i]) agreed++;
    else disagreements.push({ program, ours: ours.text, cpython: expected[i] });
  });
  return { run: programs.length, agreed, unknown, disagreements, unknownWhy };
}

export function describe(d: Disagreement): string {
  return `--- program #${d.program.index} (${d.program.category})\n${d.program.source}ours:    ${d.ours}\ncpython: ${d.cpython}\n`;
}
