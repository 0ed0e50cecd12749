/**
 * The `cnn-lens` command line: the same core the extension uses, printed as text. It parses its
 * arguments, reads the file, and hands off to src/core; it holds no model knowledge itself.
 */
import { readFileSync } from 'node:fs';

const usage = `Usage: cnn-lens <command> [options] <file>

Commands:
  summary <file>     print the layer table (shapes, params, MACs) of the models in a file
  help               show this text

Options:
  --version          print the version
`;

export function main(argv: readonly string[], out: (text: string) => void = (t) => process.stdout.write(t), err: (text: string) => void = (t) => process.stderr.write(t)): number {
  const [command, ...rest] = argv;
  if (!command || command === 'help' || command === '--help' || command === '-h') {
    out(usage);
    return command ? 0 : 2;
  }
  if (command === '--version') {
    out(`${version()}\n`);
    return 0;
  }
  if (command === 'summary') {
    const file = rest.find((a) => !a.startsWith('-'));
    if (!file) {
      err('cnn-lens summary: missing <file>\n');
      return 2;
    }
    try {
      readFileSync(file);
    } catch (error) {
      err(`cnn-lens: cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}\n`);
      return 1;
    }
    err(`cnn-lens: no analyser for ${file} yet\n`);
    return 1;
  }
  err(`cnn-lens: unknown command '${command}'\n${usage}`);
  return 2;
}

function version(): string {
  return typeof CNN_LENS_VERSION === 'string' ? CNN_LENS_VERSION : 'dev';
}

declare const CNN_LENS_VERSION: string | undefined;

if (require.main === module) process.exitCode = main(process.argv.slice(2));
