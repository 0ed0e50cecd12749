/**
 * Matches weights read from a file to the tensors an activation plan expects, and words what does
 * not fit (missing, unexpected, wrong shape) for the panel — the one place that decides it, so
 * tfjs `model.json` and Keras `.h5` (and safetensors' key list) agree on what "fits" means. Kept
 * free of `vscode` so the unit tests can run it against real plans in plain Node.
 */
import type { ActivationPlan } from '../core/analysis/activationPlan';
import type { LoadedWeights } from '../core/protocol/messages';

export type Tensors = Record<string, { shape: number[]; data: Float32Array }>;
export type Mismatch = { key: string; expected: readonly (number | null)[]; actual: readonly number[] };

/** Every weight the plan expects, once per module: plan key (`conv1/weight`) → file key and shape. */
export function expectedWeights(plan: ActivationPlan, separator: string): Map<string, { fileKey: string; shape: readonly (number | null)[] }> {
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

/**
 * Keras-named weights (`conv2d/kernel`, a trailing `:0` ignored) matched to the plan: those that
 * fit become tensors, the rest are listed as problems.
 */
export function matchKerasWeights(name: string, plan: ActivationPlan, weights: readonly { name: string; shape: readonly number[]; data: Float32Array }[]): LoadedWeights {
  const expected = expectedWeights(plan, '/');
  const byFileKey = new Map(weights.map((w) => [w.name.replace(/:\d+$/, ''), w]));
  const tensors: Tensors = {};
  const missing: string[] = [];
  const mismatched: Mismatch[] = [];
  for (const [key, e] of expected) {
    const w = byFileKey.get(e.fileKey);
    if (!w) missing.push(e.fileKey);
    else if (w.shape.length !== e.shape.length || w.shape.some((d, i) => e.shape[i] !== null && e.shape[i] !== d)) mismatched.push({ key: e.fileKey, expected: e.shape, actual: w.shape });
    else tensors[key] = { shape: [...w.shape], data: w.data };
  }
  const known = new Set([...expected.values()].map((e) => e.fileKey));
  return { name, tensors, problems: describeProblems(missing, [...byFileKey.keys()].filter((k) => !known.has(k)), mismatched) };
}

export function describeProblems(missing: readonly string[], unexpected: readonly string[], mismatched: readonly Mismatch[]): string[] {
  const list = (keys: readonly string[]) => keys.slice(0, 8).join(', ') + (keys.length > 8 ? ` and ${keys.length - 8} more` : '');
  const shape = (s: readonly (number | null)[]) => s.map((d) => d ?? '?').join('×');
  return [
    ...(missing.length ? [`missing from the file (random instead): ${list(missing)}`] : []),
    ...(unexpected.length ? [`in the file but not in the model: ${list(unexpected)}`] : []),
    ...mismatched.slice(0, 8).map((m) => `${m.key}: the model expects ${shape(m.expected)}, the file has ${shape(m.actual)}`),
  ];
}
