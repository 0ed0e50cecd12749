/**
 * The `cnn-lens` command line: the same core the extension uses, printed as text or JSON.
 * `summary FILE` evaluates the models in a Python file statically (never running it) and prints
 * a torchinfo-style table or the JSON schema in the README. It parses its arguments, supplies file
 * reading and the Python search path to the core, and holds no model knowledge itself.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import type { ArgValue } from '../core/frameworks/args';
import type { Dim } from '../core/ir/dims';
import { summaryJson, summaryTable } from '../core/analysis/summary';
import { analyzePython } from '../core/frontends/python/analyzePython';
import { parsePython } from '../core/frontends/python/parse';
import type { Expr } from '../core/frontends/python/ast';

const usage = `Usage: cnn-lens <command> [options] <file>

Commands:
  summary <file>        the layer table (shapes, params, MACs) of the models in a Python file
  help                  show this text

Options for summary:
  --model NAME          only this entry point (class, factory function or variable)
  --input 1,3,224,224   input shape (N,C,H,W for PyTorch, N,H,W,C for Keras; N or None for a symbolic batch)
  --arg name=value      keyword argument for the entry point, a Python literal (repeatable)
  --format table|json   output format (default: table)
  --python-path DIR     folder searched for absolute imports (repeatable; default: python3's sys.path)
  --max-time MS         time budget for the analysis (default 10000)
  --version             print the version
`;

const maxFileBytes = 10 * 1024 * 1024;

export interface CliIo {
  out(text: string): void;
  err(text: string): void;
}

const processIo: CliIo = { out: (t) => process.stdout.write(t), err: (t) => process.stderr.write(t) };

export function main(argv: readonly string[], io: CliIo = processIo): number {
  const [command, ...rest] = argv;
  if (!command || command === 'help' || command === '--help' || command === '-h') {
    io.out(usage);
    return command ? 0 : 2;
  }
  if (command === '--version') {
    io.out(`${version()}\n`);
    return 0;
  }
  if (command !== 'summary') {
    io.err(`cnn-lens: unknown command '${command}'\n${usage}`);
    return 2;
  }
  const parsed = parseOptions(rest);
  if ('error' in parsed) {
    io.err(`cnn-lens summary: ${parsed.error}\n`);
    return 2;
  }
  const { file, options } = parsed;
  let text: string;
  try {
    if (statSync(file).size > maxFileBytes) {
      io.err(`cnn-lens: ${file} is larger than ${maxFileBytes / 1024 / 1024} MB; not analysed\n`);
      return 1;
    }
    text = readFileSync(file, 'utf8');
  } catch (error) {
    io.err(`cnn-lens: cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}\n`);
    return 1;
  }
  const path = resolve(file);
  const result = analyzePython(path, text, {
    host: { read: readSource, searchPaths: options.pythonPath ?? pythonSearchPath() },
    entry: options.model,
    entryArgs: options.args,
    input: options.input,
    timeMs: options.maxTime,
  });
  if (!result.models.length) {
    const why = result.diagnostics.filter((d) => d.severity !== 'info').map((d) => `  line ${d.range.start.line + 1}: ${d.message}`).join('\n');
    io.err(`cnn-lens: no ${options.model ? `model '${options.model}'` : 'model'} found in ${file}${why ? `\n${why}` : ''}\n`);
    return 1;
  }
  if (options.format === 'json') {
    io.out(JSON.stringify({ file, models: result.models.map(summaryJson) }, null, 2) + '\n');
  } else {
    io.out(result.models.map(summaryTable).join('\n'));
    const fileProblems = result.diagnostics.filter((d) => d.severity !== 'info');
    if (fileProblems.length) io.out(`\n${file}:\n${fileProblems.map((d) => `  line ${d.range.start.line + 1}: ${d.severity}: ${d.message}`).join('\n')}\n`);
  }
  return 0;
}

interface Options {
  model?: string;
  input?: Dim[];
  args: Map<string, ArgValue>;
  format: 'table' | 'json';
  pythonPath?: string[];
  maxTime: number;
}

function parseOptions(argv: readonly string[]): { file: string; options: Options } | { error: string } {
  const options: Options = { args: new Map(), format: 'table', maxTime: 10_000 };
  let file: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => argv[++i];
    if (a === '--model') options.model = value();
    else if (a === '--input') {
      const dims = (value() ?? '').split(',').map((s) => s.trim());
      if (!dims.length || dims.some((d) => !/^(\d+|N|None)$/.test(d))) return { error: `--input must be comma-separated sizes, e.g. 1,3,224,224` };
      options.input = dims.map((d) => (/^\d+$/.test(d) ? Number(d) : 'N'));
    } else if (a === '--arg') {
      const spec = value() ?? '';
      const eq = spec.indexOf('=');
      if (eq <= 0) return { error: `--arg expects name=value, got '${spec}'` };
      const literal = pythonLiteral(spec.slice(eq + 1));
      if (literal === undefined) return { error: `--arg ${spec.slice(0, eq)}: '${spec.slice(eq + 1)}' is not a Python literal` };
      options.args.set(spec.slice(0, eq), literal);
    } else if (a === '--format') {
      const f = value();
      if (f !== 'table' && f !== 'json') return { error: `--format must be table or json` };
      options.format = f;
    } else if (a === '--python-path') (options.pythonPath ??= []).push(resolve(value() ?? '.'));
    else if (a === '--max-time') options.maxTime = Number(value());
    else if (a.startsWith('-')) return { error: `unknown option ${a}` };
    else if (file) return { error: `one file at a time (got ${file} and ${a})` };
    else file = a;
  }
  if (!file) return { error: 'missing <file>' };
  if (options.model === undefined && argv.includes('--model')) return { error: '--model needs a name' };
  return { file, options };
}

/** A Python literal (None, True, 3, 0.5, 'x', (1, 2), [..]) via the same parser the analysis uses. */
export function pythonLiteral(text: string): ArgValue | undefined {
  const module = parsePython(`_ = ${text}\n`);
  const stmt = module.body[0];
  if (module.syntaxErrors.length || stmt?.kind !== 'assign') return undefined;
  const lit = (e: Expr): ArgValue | undefined => {
    switch (e.kind) {
      case 'num':
        return e.value;
      case 'str':
        return e.value;
      case 'const':
        return e.value === 'ellipsis' ? undefined : e.value;
      case 'unary':
        return e.op === '-' && e.operand.kind === 'num' ? -e.operand.value : undefined;
      case 'tuple':
      case 'list': {
        const items = e.elts.map(lit);
        return items.every((x) => x !== undefined) ? (items as ArgValue[]) : undefined;
      }
      default:
        return undefined;
    }
  };
  return lit(stmt.value);
}

function readSource(path: string): string | undefined {
  try {
    if (!existsSync(path) || statSync(path).size > maxFileBytes) return undefined;
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

let cachedSysPath: string[] | undefined;
/**
 * Package folders from the sys.path of `$CNN_LENS_PYTHON`, `python3` and `/usr/bin/python3` (read
 * once), for absolute imports like torchvision. Each interpreter may see different packages (a
 * pyenv python3 does not see Debian's dist-packages), so all of them are searched, in that order.
 */
function pythonSearchPath(): string[] {
  if (cachedSysPath) return cachedSysPath;
  const paths: string[] = [];
  for (const python of new Set([process.env.CNN_LENS_PYTHON, 'python3', '/usr/bin/python3'].filter(Boolean) as string[])) {
    const r = spawnSync(python, ['-c', 'import sys; print("\\n".join(p for p in sys.path if p))'], { encoding: 'utf8', timeout: 5000 });
    // Installed packages only: the standard library is modelled (or opaque), never evaluated from source.
    if (r.status === 0) for (const p of r.stdout.split('\n')) if (/(site|dist)-packages/.test(p) && existsSync(p) && !paths.includes(p)) paths.push(p);
  }
  return (cachedSysPath = paths);
}

function version(): string {
  return typeof CNN_LENS_VERSION === 'string' ? CNN_LENS_VERSION : 'dev';
}

declare const CNN_LENS_VERSION: string | undefined;

if (require.main === module) process.exitCode = main(process.argv.slice(2));
