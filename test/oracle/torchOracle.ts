/**
 * Runs test/oracle/torch_oracle.py under Debian's Python (python3-torch) and reads or writes the
 * checked-in golden results, so the sweep tests run everywhere while CI — which installs torch —
 * also proves the golden file still matches PyTorch itself. Also what the other torch-backed tests
 * share: the interpreter, why torch is unavailable, and the preamble of scripts about our samples.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface TorchResult {
  readonly output?: number[];
  readonly params?: number;
  readonly trainable?: number;
  readonly error?: string;
}

export interface TorchGolden {
  readonly torch: string;
  readonly results: Record<string, TorchResult>;
}

export const python = process.env.CNN_LENS_PYTHON ?? '/usr/bin/python3';

/**
 * The start of a Python script run as `python script.py OUT SAMPLES` by the tests that ask PyTorch
 * about our samples: the imports, `out` and `samples`, and `load(name)`, which imports
 * samples/<name>.py as a module.
 */
export const samplesScriptPreamble = String.raw`
import importlib.util, json, os, struct, sys, warnings
warnings.filterwarnings('ignore')
import torch, torch.nn as nn, torch.nn.functional as F
out, samples = sys.argv[1], sys.argv[2]
def load(name):
    spec = importlib.util.spec_from_file_location(name, os.path.join(samples, name + '.py'))
    mod = importlib.util.module_from_spec(spec); spec.loader.exec_module(mod); return mod
`;

export function torchUnavailableReason(): string | undefined {
  if (!existsSync(python)) return `${python} not found`;
  const probe = spawnSync(python, ['-c', 'import torch'], { encoding: 'utf8' });
  return probe.status === 0 ? undefined : `${python} cannot import torch (apt-get install python3-torch)`;
}

export function runTorchOracle(cases: readonly unknown[]): TorchGolden {
  const result = spawnSync(python, [join(__dirname, 'torch_oracle.py')], { input: JSON.stringify(cases), encoding: 'utf8', maxBuffer: 64 << 20 });
  if (result.status !== 0) throw new Error(`torch_oracle.py failed: ${result.stderr}`);
  return JSON.parse(result.stdout) as TorchGolden;
}

export function goldenPath(name: string): string {
  return join(__dirname, 'golden', `${name}.json`);
}

export function readGolden(name: string): TorchGolden {
  return JSON.parse(readFileSync(goldenPath(name), 'utf8')) as TorchGolden;
}

export function writeGolden(name: string, golden: TorchGolden): void {
  const sorted = Object.fromEntries(Object.entries(golden.results).sort(([a], [b]) => a.localeCompare(b)));
  writeFileSync(goldenPath(name), JSON.stringify({ torch: golden.torch, results: sorted }, null, 0).replace(/\},"/g, '},\n"') + '\n');
}
