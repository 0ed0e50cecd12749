/** Runs `cnn-lens` in process, as a shell would, and returns its exit code and what it printed. */
import { main } from '../../src/cli/cli';

export async function runCli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(argv, { out: (t) => (out += t), err: (t) => (err += t) });
  return { code, out, err };
}
