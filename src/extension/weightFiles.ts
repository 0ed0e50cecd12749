/**
 * Reads a weights file from the workspace for the activations panel and matches it to the model's
 * activation plan: PyTorch `.safetensors` (state_dict names → module paths) and TensorFlow.js
 * `model.json` with its shards (Keras layer/weight names). What does not fit — missing and
 * unexpected keys, shape differences — is listed rather than guessed at; the panel shows it and
 * falls back to random weights for what is missing. Files over a size cap are refused before reading.
 */
import * as vscode from 'vscode';
import type { ActivationPlan } from '../core/analysis/activationPlan';
import type { LoadedWeights } from '../core/protocol/messages';
import { loadEngine } from './analysisService';

export const weightsFileFilters = { Weights: ['safetensors', 'json'] };
const maxWeightBytes = 1024 * 1024 * 1024;

type Tensors = Record<string, { shape: number[]; data: Float32Array }>;

/** Every weight the plan expects, once per module: plan key (`conv1/weight`) → file key and shape. */
function expectedWeights(plan: ActivationPlan, separator: string): Map<string, { fileKey: string; shape: readonly (number | null)[] }> {
  const expected = new Map<string, { fileKey: string; shape: readonly (number | null)[] }>();
  for (const node of plan.nodes) {
    if (!node.weightKey) continue;
    for (const w of node.weights) expected.set(`${node.weightKey}/${w.name}`, { fileKey: `${node.weightKey}${separator}${w.name}`, shape: w.shape });
    // PyTorch keeps BatchNorm's running statistics as buffers, not parameters: the plan (which
    // counts parameters) does not list them, but a state_dict has them and inference needs them.
    if (plan.framework === 'pytorch' && node.spec.kind === 'batchNorm' && node.spec.trackRunningStats) {
      const channels = node.inputShapes[0]?.[1] ?? null;
      for (const name of ['running_mean', 'running_var']) expected.set(`${node.weightKey}/${name}`, { fileKey: `${node.weightKey}.${name}`, shape: [channels] });
    }
  }
  return expected;
}

export async function loadWeightsFile(file: vscode.Uri, plan: ActivationPlan): Promise<LoadedWeights> {
  const name = file.path.split('/').pop() ?? 'weights';
  const { size } = await vscode.workspace.fs.stat(file);
  if (size > maxWeightBytes) throw new Error(`${name} is ${(size / 2 ** 30).toFixed(1)} GB; the panel reads weight files up to 1 GB.`);
  const bytes = await vscode.workspace.fs.readFile(file);
  if (/\.safetensors$/i.test(name)) return fromSafetensors(name, bytes, plan);
  if (/\.json$/i.test(name)) return fromTfjs(file, name, bytes, plan);
  throw new Error(`${name}: choose a .safetensors (PyTorch) or a TensorFlow.js model.json.`);
}

function fromSafetensors(name: string, bytes: Uint8Array, plan: ActivationPlan): LoadedWeights {
  const engine = loadEngine();
  const header = engine.readSafetensorsHeader(bytes);
  if ('error' in header) throw new Error(`${name}: ${header.error}`);
  const expected = expectedWeights(plan, '.');
  const match = engine.matchStateDict(header, [...expected.values()].map((e) => ({ key: e.fileKey, shape: e.shape })));
  const bad = new Set([...match.missing, ...match.mismatched.map((m) => m.key)]);
  const tensors: Tensors = {};
  for (const [key, e] of expected) {
    if (bad.has(e.fileKey)) continue;
    tensors[key] = { shape: e.shape.map((d) => d ?? 0), data: engine.tensorData(bytes, header, e.fileKey) };
  }
  return { name, tensors, problems: describeProblems(match.missing, match.unexpected, match.mismatched) };
}

async function fromTfjs(file: vscode.Uri, name: string, bytes: Uint8Array, plan: ActivationPlan): Promise<LoadedWeights> {
  const engine = loadEngine();
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder().decode(bytes));
  } catch (error) {
    throw new Error(`${name}: not JSON (${(error as Error).message})`);
  }
  const paths = engine.tfjsShardPaths(json);
  if ('error' in paths) throw new Error(`${name}: ${paths.error}`);
  const shards = new Map<string, Uint8Array>();
  for (const p of paths) shards.set(p, await vscode.workspace.fs.readFile(vscode.Uri.joinPath(file, '..', p)));
  const weights = engine.readTfjsWeights(json, shards);
  if ('error' in weights) throw new Error(`${name}: ${weights.error}`);
  const expected = expectedWeights(plan, '/');
  const byFileKey = new Map(weights.map((w) => [w.name.replace(/:\d+$/, ''), w]));
  const tensors: Tensors = {};
  const missing: string[] = [];
  const mismatched: { key: string; expected: readonly (number | null)[]; actual: readonly number[] }[] = [];
  for (const [key, e] of expected) {
    const w = byFileKey.get(e.fileKey);
    if (!w) missing.push(e.fileKey);
    else if (w.shape.length !== e.shape.length || w.shape.some((d, i) => e.shape[i] !== null && e.shape[i] !== d)) mismatched.push({ key: e.fileKey, expected: e.shape, actual: w.shape });
    else tensors[key] = { shape: [...w.shape], data: w.data };
  }
  const known = new Set([...expected.values()].map((e) => e.fileKey));
  return { name, tensors, problems: describeProblems(missing, [...byFileKey.keys()].filter((k) => !known.has(k)), mismatched) };
}

function describeProblems(missing: readonly string[], unexpected: readonly string[], mismatched: readonly { key: string; expected: readonly (number | null)[]; actual: readonly number[] }[]): string[] {
  const list = (keys: readonly string[]) => keys.slice(0, 8).join(', ') + (keys.length > 8 ? ` and ${keys.length - 8} more` : '');
  const shape = (s: readonly (number | null)[]) => s.map((d) => d ?? '?').join('×');
  return [
    ...(missing.length ? [`missing from the file (random instead): ${list(missing)}`] : []),
    ...(unexpected.length ? [`in the file but not in the model: ${list(unexpected)}`] : []),
    ...mismatched.slice(0, 8).map((m) => `${m.key}: the model expects ${shape(m.expected)}, the file has ${shape(m.actual)}`),
  ];
}
