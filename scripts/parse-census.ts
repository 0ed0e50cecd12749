/**
 * The parse census: parses every `.py` file of installed corpora (Debian's torch and torchvision,
 * and the Python 3.11 standard library) with our parsePython and counts the lines it rejects,
 * with CPython as the oracle. One python3 process runs `compile()` over all files and prints the
 * ones that compile (files CPython itself rejects are excluded); this process parses those files
 * and counts a file as rejected when the parser reports a syntax error or leaves an `error` node
 * anywhere in its AST. Prints a table per corpus (files, lines, rejected files and lines, the top
 * causes with an example file:line) and exits 1 on any rejection, 2 when it cannot run (python3
 * or a corpus missing; the reason goes to stderr).
 * Usage: npx tsx scripts/parse-census.ts [--corpus torch|torchvision|stdlib]... [--causes N] [--list]
 *        [--summary-file out.json]   (--list prints every rejection with its source line)
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, relative } from 'node:path';
import { parsePython } from '../src/core/frontends/python/parse';
import { LineIndex } from '../src/core/frontends/python/positions';

const python = process.env.CNN_LENS_PYTHON ?? '/usr/bin/python3';
const corpora: Record<string, string> = {
  torch: '/usr/lib/python3/dist-packages/torch',
  torchvision: '/usr/lib/python3/dist-packages/torchvision',
  stdlib: '/usr/lib/python3.11',
};

/** Walks each root and prints {root: {compiles: [paths], excluded: n}} as JSON: CPython's verdict. */
const compileAll = String.raw`
import json, os, sys, warnings
warnings.simplefilter('ignore')
out = {}
for root in sys.argv[1:]:
    ok, excluded = [], 0
    for d, dirs, files in os.walk(root):
        dirs.sort()
        for f in sorted(files):
            if not f.endswith('.py'):
                continue
            p = os.path.join(d, f)
            try:
                with open(p, 'rb') as fh:
                    compile(fh.read(), p, 'exec', dont_inherit=True)
                ok.append(p)
            except Exception:
                excluded += 1
    out[root] = {'compiles': ok, 'excluded': excluded}
json.dump(out, sys.stdout)
`;

interface Rejection {
  file: string;
  line: number;
  cause: string;
}

interface CorpusResult {
  name: string;
  files: number;
  excluded: number;
  lines: number;
  rejectedFiles: number;
  rejectedLines: number;
  rejections: Rejection[];
}

function argValues(flag: string): string[] {
  const out: string[] = [];
  process.argv.forEach((a, i) => a === flag && process.argv[i + 1] && out.push(process.argv[i + 1]));
  return out;
}

function cannotRun(reason: string): never {
  console.error(`parse census cannot run: ${reason}`);
  process.exit(2);
}

/** Every `error` node in a parsed module, found by walking its plain-object tree. */
function errorNodes(node: unknown, out: { from: number; to: number; text: string }[]): void {
  if (Array.isArray(node)) for (const item of node) errorNodes(item, out);
  else if (node && typeof node === 'object') {
    const record = node as Record<string, unknown>;
    if (record.kind === 'error') out.push(record as unknown as { from: number; to: number; text: string });
    for (const value of Object.values(record)) if (value && typeof value === 'object') errorNodes(value, out);
  }
}

/** A short label grouping rejections: the first tokens of the rejected text. */
function causeOf(source: string, from: number, to: number): string {
  const lineStart = source.lastIndexOf('\n', from - 1) + 1;
  const text = source.slice(from, Math.max(to, from + 1)).trim() || source.slice(lineStart, from + 20).trim();
  const first = /^(?:[A-Za-z_]\w*|\d[\w.]*|\S{1,3})/.exec(text)?.[0] ?? '(empty)';
  return /^\d/.test(first) ? `number ${first.replace(/\d+/g, '9')}` : `\`${first}\``;
}

function census(name: string, compiles: string[], excluded: number): CorpusResult {
  const result: CorpusResult = { name, files: compiles.length, excluded, lines: 0, rejectedFiles: 0, rejectedLines: 0, rejections: [] };
  for (const file of compiles) {
    const source = readFileSync(file, 'utf8');
    const index = new LineIndex(source);
    result.lines += source.endsWith('\n') ? index.lineCount - 1 : index.lineCount;
    const lineOf = (offset: number): number => index.position(offset).line + 1;
    const module = parsePython(source);
    const spans: { from: number; to: number }[] = [...module.syntaxErrors];
    errorNodes(module.body, spans as { from: number; to: number; text: string }[]);
    if (!spans.length) continue;
    result.rejectedFiles++;
    const lines = new Set<number>();
    for (const span of spans) {
      const first = lineOf(span.from);
      const last = lineOf(Math.max(span.from, span.to - 1));
      for (let line = first; line <= last; line++) lines.add(line);
      result.rejections.push({ file, line: first, cause: causeOf(source, span.from, span.to) });
    }
    result.rejectedLines += lines.size;
  }
  return result;
}

function printTable(results: CorpusResult[], causeCount: number): void {
  const rows = [['corpus', 'files', 'excluded', 'lines', 'rejected files', 'rejected lines']];
  for (const r of results) rows.push([r.name, r.files, r.excluded, r.lines, r.rejectedFiles, r.rejectedLines].map(String));
  const widths = rows[0].map((_, i) => Math.max(...rows.map((row) => row[i].length)));
  for (const row of rows) console.log(row.map((cell, i) => (i ? cell.padStart(widths[i]) : cell.padEnd(widths[i]))).join('  '));
  for (const r of results) {
    if (!r.rejections.length) continue;
    const byCause = new Map<string, Rejection[]>();
    for (const rej of r.rejections) byCause.set(rej.cause, [...(byCause.get(rej.cause) ?? []), rej]);
    console.log(`\n${r.name}: top causes of rejection`);
    const top = [...byCause.entries()].sort((a, b) => b[1].length - a[1].length).slice(0, causeCount);
    for (const [cause, list] of top) {
      const example = list[0];
      console.log(`  ${String(list.length).padStart(5)}  ${cause.padEnd(24)} e.g. ${relative(corpora[r.name], example.file)}:${example.line}`);
    }
  }
}

function main(): void {
  const started = Date.now();
  const chosen = argValues('--corpus');
  const names = chosen.length ? chosen : Object.keys(corpora);
  for (const name of names) if (!corpora[name]) cannotRun(`unknown corpus '${name}' (known: ${Object.keys(corpora).join(', ')})`);
  if (!existsSync(python)) cannotRun(`${python} is absent`);
  for (const name of names) if (!existsSync(corpora[name])) cannotRun(`${corpora[name]} is absent (install python3-torch, python3-torchvision)`);
  const run = spawnSync(python, ['-c', compileAll, ...names.map((n) => corpora[n])], { encoding: 'utf8', maxBuffer: 1 << 28 });
  if (run.status !== 0) cannotRun(`${python} failed: ${run.stderr.trim().split('\n').pop()}`);
  const verdicts = JSON.parse(run.stdout) as Record<string, { compiles: string[]; excluded: number }>;
  const compiled = Date.now();
  const results = names.map((name) => census(name, verdicts[corpora[name]].compiles, verdicts[corpora[name]].excluded));
  printTable(results, Number(argValues('--causes')[0] ?? 12));
  if (process.argv.includes('--list')) {
    for (const rej of results.flatMap((r) => r.rejections)) {
      const line = readFileSync(rej.file, 'utf8').split('\n')[rej.line - 1].trim();
      console.log(`${rej.file}:${rej.line}  ${rej.cause}  | ${line.slice(0, 100)}`);
    }
  }
  const seconds = (t: number): string => (t / 1000).toFixed(1);
  console.log(`\ncompile() ${seconds(compiled - started)} s, parse ${seconds(Date.now() - compiled)} s`);
  const summaryFile = argValues('--summary-file')[0];
  if (summaryFile) {
    const summary = results.map(({ rejections, ...counts }) => ({ ...counts, examples: rejections.slice(0, 5) }));
    mkdirSync(dirname(summaryFile), { recursive: true });
    writeFileSync(summaryFile, JSON.stringify(summary, null, 2));
  }
  process.exitCode = results.some((r) => r.rejectedLines || r.rejectedFiles) ? 1 : 0;
}

main();
