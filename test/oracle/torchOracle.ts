/**
 * Runs test/oracle/torch_oracle.py under Debian's Python (python3-torch) and reads or writes the
 * checked-in golden results, so the sweep tests run everywhere while CI — which installs torch —
 * also proves the golden file still matches PyTorch itself.
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
