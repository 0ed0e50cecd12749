/**
 * What every `cnn-lens` command shares: the options that choose and build a model (`--model`,
 * `--input`, `--arg`, `--python-path`, `--max-time`), parsed once with each command adding its
 * own flags; reading the file and analysing it with the core, with the Python search path and
 * source reading supplied from Node; and the exit-code conventions (2 for bad arguments, 1 when
 * the file cannot be read or holds no model). It holds no model knowledge itself.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { ArgValue } from '../core/frameworks/args';
import type { Dim } from '../core/ir/dims';
import { placeText } from '../core/ir/graph';
import type { Expr } from '../core/frontends/python/ast';
import { analyzeDocument } from '../core/analysis/analyzeDocument';
import { formatOf, type AnalysisHost, type FormatId } from '../core/analysis/formats';
import type { KerasH5Reader } from '../core/frontends/kerasH5Model';
import { workerH5Reader, type WorkerH5Reader } from '../node/h5Reader';
import type { FileAnalysis } from '../core/frontends/modelResult';
import { PythonProgram } from '../core/frontends/python/analyzePython';
import { packageFileStamp, readSourceFile } from '../node/sourceFiles';
import { parsePython } from '../core/frontends/python/parse';

export interface CliIo {
  out(text: string): void;
  err(text: string): void;
}

export const processIo: CliIo = { out: (t) => process.stdout.write(t), err: (t) => process.stderr.write(t) };

/** Exit codes: the file could not be read or holds no model (1); bad arguments (2). */
export const exitFailure = 1;
export const exitUsage = 2;

const maxFileBytes = 10 * 1024 * 1024;
const maxModelFileBytes = 1024 * 1024 * 1024;
const maxNotebookBytes = 200 * 1024 * 1024;

/** The options every command takes: which model, and how to build it. */
export interface ModelOptions {
  model?: string;
  input?: Dim[];
  args: Map<string, ArgValue>;
  pythonPath?: string[];
  maxTime: number;
  /** Analyse twice in one evaluator session and report the second (`--warm`). */
  warm?: boolean;
}

/**
 * A command's own flags, each taking one value: the handler stores it and returns an error
 * message when the value is not acceptable. Several spellings may share a handler (`-o`, `--output`).
 */
export type CommandFlags = Readonly<Record<string, (value: string) => string | undefined>>;

export function parseCommandLine(
  argv: readonly string[],
  own: CommandFlags = {},
): { file: string; options: ModelOptions } | { error: string } {
  const options: ModelOptions = { args: new Map(), maxTime: 10_000 };
  let file: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--warm') {
      options.warm = true;
      continue;
    }
    const takesValue = a in own || ['--model', '--input', '--arg', '--python-path', '--max-time'].includes(a);
    if (!takesValue) {
      if (a.startsWith('-')) return { error: `unknown option ${a}` };
      if (file) return { error: `one file at a time (got ${file} and ${a})` };
      file = a;
      continue;
    }
    const value = argv[++i];
    if (value === undefined) return { error: a === '--model' ? '--model needs a name' : `${a} needs a value` };
    const error = a in own ? own[a](value) : commonOption(options, a, value);
    if (error) return { error };
  }
  if (!file) return { error: 'missing <file>' };
  return { file, options };
}

function commonOption(options: ModelOptions, flag: string, value: string): string | undefined {
  switch (flag) {
    case '--model':
      options.model = value;
      return undefined;
    case '--input': {
      const dims = value.split(',').map((s) => s.trim());
      if (dims.some((d) => !/^(\d+|N|None)$/.test(d))) return `--input must be comma-separated sizes, e.g. 1,3,224,224`;
      options.input = dims.map((d) => (/^\d+$/.test(d) ? Number(d) : 'N'));
      return undefined;
    }
    case '--arg': {
      const eq = value.indexOf('=');
      if (eq <= 0) return `--arg expects name=value, got '${value}'`;
      const literal = pythonLiteral(value.slice(eq + 1));
      if (literal === undefined) return `--arg ${value.slice(0, eq)}: '${value.slice(eq + 1)}' is not a Python literal`;
      options.args.set(value.slice(0, eq), literal);
      return undefined;
    }
    case '--python-path':
      (options.pythonPath ??= []).push(resolve(value));
      return undefined;
    case '--max-time': {
      const ms = Number(value);
      if (!(ms > 0)) return `--max-time must be a positive number of milliseconds, got '${value}'`;
      options.maxTime = ms;
      return undefined;
    }
    default:
      return `unknown option ${flag}`;
  }
}

/**
 * Reads `file` and analyses its models as the options ask. When the file cannot be read or holds
 * no model, says so on `io.err` (with the file's own problems, which usually explain why) and
 * returns undefined: the caller exits 1.
 */
export async function analyzeFile(file: string, options: ModelOptions, io: CliIo): Promise<FileAnalysis | undefined> {
  const format = modelFileFormat(file);
  if (format === 'weights') {
    io.err(
      `cnn-lens: ${file} is a state_dict, weights with no topology to analyse or draw; \`cnn-lens summary ${file}\` lists its tensors, and \`--weights ${file}\` checks it against a model's source\n`,
    );
    return undefined;
  }
  // Binary model files hold their weights too, and notebooks their outputs: far larger than any source file.
  const cap =
    format === 'onnx' || format === 'kerasH5' || format === 'kerasArchive'
      ? maxModelFileBytes
      : format === 'notebook'
        ? maxNotebookBytes
        : maxFileBytes;
  let bytes: Buffer;
  try {
    if (statSync(file).size > cap) {
      io.err(`cnn-lens: ${file} is larger than ${cap / 1024 / 1024} MB; not analysed\n`);
      return undefined;
    }
    bytes = readFileSync(file);
  } catch (error) {
    io.err(`cnn-lens: cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}\n`);
    return undefined;
  }
  const path = resolve(file);
  const document = { uri: path, bytes: new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength) };
  const budget = { input: options.input, timeMs: options.maxTime, entry: options.model, entryArgs: options.args };
  const host = analysisHost(path, options);
  // --warm: analysed once beforehand in the same session, as an editor that already evaluated the
  // packages it imports would have; the second analysis is what the editor's budget applies to.
  if (options.warm) await analyzeDocument(document, host, { ...budget, timeMs: Math.max(options.maxTime, 10_000) });
  const result = await analyzeDocument(document, host, budget);
  if (result.format === 'notebook' && !result.notebook) {
    io.err(`cnn-lens: ${file}: ${result.diagnostics[0]?.message ?? 'not a notebook'}\n`);
    return undefined;
  }
  if (!result.models.length) {
    const why = result.diagnostics
      .filter((d) => d.severity !== 'info')
      .map((d) => `  ${placeText(d.range)}: ${d.message}`)
      .join('\n');
    io.err(
      `cnn-lens: no ${options.model ? `model '${options.model}'` : 'model'} found in ${file}${why ? `\n${why}` : ''}\n`,
    );
    return undefined;
  }
  return result;
}

/** What the CLI's host supplies: source files and python3's package folders, HDF5 in a worker, sibling files. */
function analysisHost(path: string, options: ModelOptions): AnalysisHost {
  const ownFolders = [dirname(path)];
  return {
    source: {
      read: readSourceFile,
      // Asked of python3 only when an import needs it, so a model file's analysis never starts python3.
      get searchPaths() {
        return options.pythonPath ?? pythonSearchPath();
      },
      stamp: (p: string) => packageFileStamp(p, ownFolders),
    },
    program: new PythonProgram(),
    readKerasH5: (bytes, readOptions) => h5Reader()(bytes, readOptions),
    siblingSize: (name) => fileSize(join(dirname(path), name)),
  };
}

/** The registry's format for a file name (ONNX, Keras .h5/.keras/JSON, a notebook, a state_dict; else Python). */
export function modelFileFormat(file: string): FormatId {
  return formatOf({ uri: file }).id;
}

function fileSize(path: string): number | undefined {
  try {
    const stat = statSync(path);
    return stat.isFile() ? stat.size : undefined;
  } catch {
    return undefined;
  }
}

let h5: WorkerH5Reader | undefined;
/**
 * The HDF5 reader (h5wasm, 4 MB of wasm) runs in a worker thread with a deadline: dist/kerasH5.js,
 * the bundle the extension uses too, started for an .h5 only so the CLI's start-up does not pay
 * for it. Run from source (the tests), the worker imports the module's source.
 */
function h5Reader(): KerasH5Reader {
  const bundled = join(__dirname, 'kerasH5.js');
  // The file was read for this alone: its bytes go to the worker rather than being copied.
  return (h5 ??= workerH5Reader(
    __filename.endsWith('.js') && existsSync(bundled) ? bundled : join(__dirname, '../extension/h5Engine.ts'),
  )).readHandingOver;
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

let cachedSysPath: string[] | undefined;
/**
 * Package folders from the sys.path of `$CNN_LENS_PYTHON`, `python3` and `/usr/bin/python3` (read
 * once), for absolute imports like torchvision. Each interpreter may see different packages (a
 * pyenv python3 does not see Debian's dist-packages), so all of them are searched, in that order.
 */
function pythonSearchPath(): string[] {
  if (cachedSysPath) return cachedSysPath;
  const paths: string[] = [];
  for (const python of new Set(
    [process.env.CNN_LENS_PYTHON, 'python3', '/usr/bin/python3'].filter(Boolean) as string[],
  )) {
    const r = spawnSync(python, ['-c', 'import sys; print("\\n".join(p for p in sys.path if p))'], {
      encoding: 'utf8',
      timeout: 5000,
    });
    // Installed packages only: the standard library is modelled (or opaque), never evaluated from source.
    if (r.status === 0)
      for (const p of r.stdout.split('\n'))
        if (/(site|dist)-packages/.test(p) && existsSync(p) && !paths.includes(p)) paths.push(p);
  }
  return (cachedSysPath = paths);
}
