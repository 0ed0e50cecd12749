/**
 * The `cnn-lens` command line: the same core the extension uses, printed as text or JSON, or
 * drawn. `summary FILE` analyses the models in Python source (statically, never running it) or
 * in a model file and prints a torchinfo-style table or the JSON schema in the README, with
 * `--weights` checking a state_dict against them (weights.ts); `render FILE -o OUT` draws one
 * model the way the graph preview does (render.ts). This file dispatches commands and holds the
 * usage text; options, file reading and analysis shared by the commands are in common.ts. No
 * model knowledge lives here.
 */
import { diagnosticLines, diagnosticsJson, summaryJson, summaryTable } from '../core/analysis/summary';
import { bestStateDictFit, stateDictFits } from '../core/analysis/weightFit';
import { isStateDictFile } from '../node/weightsFile';
import { analyzeFile, exitFailure, exitUsage, parseCommandLine, processIo, type CliIo } from './common';
import { render } from './render';
import { readWeights, verdictJson, verdictText, weightsListing } from './weights';

export { pythonLiteral, type CliIo } from './common';

const usage = `Usage: cnn-lens <command> [options] <file>

Commands:
  summary <file>        the layer table (shapes, params, MACs) of the models in a file: Python
                        source, Keras JSON, tfjs model.json, Keras .h5 or .keras, or ONNX; for a
                        state_dict (.safetensors, or torch.save's .pt/.pth/.bin/.ckpt), its tensors
  render <file> -o OUT  draw a model as the graph preview does, to OUT.svg or OUT.png
  help                  show this text

Options for both commands:
  --model NAME          only this entry point (class, factory function or variable)
  --input 1,3,224,224   input shape (N,C,H,W for PyTorch, N,H,W,C for Keras; N or None for a symbolic batch)
  --arg name=value      keyword argument for the entry point, a Python literal (repeatable)
  --python-path DIR     folder searched for absolute imports (repeatable; default: python3's sys.path)
  --max-time MS         time budget for the analysis (default 10000)
  --warm                analyse a Python file twice in one session and report the second, as the
                        editor sees it once the packages it imports were evaluated

Options for summary:
  --format table|json   output format (default: table)
  --weights FILE        also check that this state_dict (.safetensors, .pt, .pth, .bin, .ckpt)
                        fits the model, as load_state_dict(strict=True) would (exit 1 if not)

Options for render (without --model, the file's first model is drawn):
  -o, --output FILE     where to write the drawing: .svg, or .png (rasterised at 2x with @resvg/resvg-js)
  --view volumes|graph  3-D layer volumes (default) or a compact node graph
  --expand none|all     keep stages of repeated blocks collapsed (default) or draw every block
  --theme light|dark    VS Code Light Modern (default) or Dark Modern colours

Other:
  --version             print the version

Exit codes: 0 success, 1 the file could not be read or holds no model (or the output could not be written,
or the weights do not fit), 2 bad arguments.
`;

export async function main(argv: readonly string[], io: CliIo = processIo): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === 'help' || command === '--help' || command === '-h') {
    io.out(usage);
    return command ? 0 : exitUsage;
  }
  if (command === '--version') {
    io.out(`${version()}\n`);
    return 0;
  }
  if (command === 'render') return render(rest, io);
  if (command !== 'summary') {
    io.err(`cnn-lens: unknown command '${command}'\n${usage}`);
    return exitUsage;
  }
  return summary(rest, io);
}

async function summary(argv: readonly string[], io: CliIo): Promise<number> {
  const chosen: { format: 'table' | 'json'; weights?: string } = { format: 'table' };
  const parsed = parseCommandLine(argv, {
    '--format': (f) => {
      if (f !== 'table' && f !== 'json') return `--format must be table or json`;
      chosen.format = f;
      return undefined;
    },
    '--weights': (w) => {
      if (!isStateDictFile(w)) return `--weights takes a state_dict (.safetensors, .pt, .pth, .bin or .ckpt), got '${w}'`;
      chosen.weights = w;
      return undefined;
    },
  });
  if ('error' in parsed) {
    io.err(`cnn-lens summary: ${parsed.error}\n`);
    return exitUsage;
  }
  const { file, options } = parsed;
  if (isStateDictFile(file)) {
    if (chosen.weights) {
      io.err(`cnn-lens summary: ${file} is itself a weights file; give the model's source first (summary model.py --weights ${file})\n`);
      return exitUsage;
    }
    const index = await readWeights(file, io);
    if (!index) return exitFailure;
    io.out(weightsListing(file, index, chosen.format));
    return 0;
  }
  const result = await analyzeFile(file, options, io);
  if (!result) return exitFailure;
  const index = chosen.weights === undefined ? undefined : await readWeights(chosen.weights, io);
  if (chosen.weights !== undefined && !index) return exitFailure;
  const verdict = index && bestStateDictFit(result.models, index.tensors);
  if (verdict && 'error' in verdict) {
    io.err(`cnn-lens summary: ${chosen.weights}: ${verdict.error}\n`);
    return exitFailure;
  }
  if (chosen.format === 'json') {
    const weights = verdict ? { weights: verdictJson(chosen.weights!, verdict, index!.path) } : {};
    const models = result.models.map((m) => summaryJson(m, result.file, result.notebook?.checks));
    io.out(JSON.stringify({ file, diagnostics: diagnosticsJson(result.diagnostics), models, ...weights }, null, 2) + '\n');
  } else {
    io.out(result.models.map((m) => summaryTable(m, result.file, result.notebook?.checks)).join('\n'));
    // The file's own problems, with the notes of its module-level code (where a value was lost).
    if (result.diagnostics.length) io.out(`\n${file}:\n${diagnosticLines(diagnosticsJson(result.diagnostics)).join('\n')}\n`);
    if (verdict) io.out(verdictText(chosen.weights!, verdict, index!.path));
  }
  return verdict && !stateDictFits(verdict.fit) ? exitFailure : 0;
}

function version(): string {
  return typeof CNN_LENS_VERSION === 'string' ? CNN_LENS_VERSION : 'dev';
}

declare const CNN_LENS_VERSION: string | undefined;

if (require.main === module) void main(process.argv.slice(2)).then((code) => (process.exitCode = code));
