/**
 * Whether a weights file fits a model, decided in one place for every consumer: the activations
 * panel (which loads what fits), the editor's Problems (which point at the layer definitions that
 * do not fit) and `cnn-lens summary --weights` (which exits 1 when the file does not fit). A
 * PyTorch state_dict (safetensors, a torch.save checkpoint) is matched as
 * `load_state_dict(strict=True)` would match it, BatchNorm running statistics included and a
 * wrapper's key prefix (`module.` from DataParallel) recognised; Keras-named weights (tfjs, `.h5`)
 * by `layer/weight`. Plain data in, plain data out: no `vscode`, so the CLI and the unit tests use
 * exactly what the editor does.
 */
import { activationPlan, type ActivationPlan, type PlainShape } from './activationPlan';
import type { ModelResult } from '../frontends/modelResult';
import type { LoadedWeights } from '../protocol/messages';

export type Tensors = Record<string, { shape: number[]; data: Float32Array }>;
export type Mismatch = { key: string; expected: readonly (number | null)[]; actual: readonly number[] };

/** One tensor a model expects: how the plan names it, how a file names it, and which layer owns it. */
export interface ExpectedTensor {
  /** `conv1/weight`: the plan's key, what the activations webview looks weights up by. */
  readonly planKey: string;
  /** `conv1.weight` (state_dict) or `conv1/weight` (Keras). */
  readonly fileKey: string;
  readonly shape: PlainShape;
  /** The first plan node applying the module that owns it (for pointing at its definition). */
  readonly nodeId: string;
}

/** Every weight the plan expects, once per module: plan key (`conv1/weight`) → file key and shape. */
export function expectedWeights(plan: ActivationPlan, separator: string): Map<string, ExpectedTensor> {
  const expected = new Map<string, ExpectedTensor>();
  const add = (planKey: string, fileKey: string, shape: PlainShape, nodeId: string) => {
    if (!expected.has(planKey)) expected.set(planKey, { planKey, fileKey, shape, nodeId });
  };
  for (const node of plan.nodes) {
    if (!node.weightKey) continue;
    for (const w of node.weights) add(`${node.weightKey}/${w.name}`, `${node.weightKey}${separator}${w.name}`, w.shape, node.id);
    // PyTorch keeps BatchNorm's running statistics as buffers, not parameters: the plan (which
    // counts parameters) does not list them, but a state_dict has them and inference needs them.
    if (plan.framework === 'pytorch' && node.spec.kind === 'batchNorm' && node.spec.trackRunningStats) {
      const channels = node.inputShapes[0]?.[1] ?? null;
      for (const name of ['running_mean', 'running_var']) add(`${node.weightKey}/${name}`, `${node.weightKey}.${name}`, [channels], node.id);
    }
  }
  return expected;
}

/** How a state_dict's tensors line up with what a PyTorch model expects. */
export interface StateDictFit {
  /** A prefix every file key carries and the model's own keys lack (`module.`), stripped before matching. */
  readonly prefix?: string;
  readonly expected: number;
  /** Expected tensors present with a fitting shape. */
  readonly fitting: readonly ExpectedTensor[];
  readonly missing: readonly ExpectedTensor[];
  /** File keys (as written in the file) nothing in the model expects. */
  readonly unexpected: readonly { readonly key: string; readonly shape: readonly number[] }[];
  readonly mismatched: readonly { readonly tensor: ExpectedTensor; readonly actual: readonly number[] }[];
  /** Elements in the file, and in the tensors the model expects (parameters and BatchNorm statistics). */
  readonly fileElements: number;
  readonly expectedElements: number | null;
}

/** BatchNorm's step counter: PyTorch saves it, older checkpoints lack it, no model needs it to run. */
const isBatchCounter = (key: string): boolean => key === 'num_batches_tracked' || key.endsWith('.num_batches_tracked');
const elements = (shape: readonly (number | null)[]): number | null => shape.reduce<number | null>((n, d) => (n === null || d === null ? null : n * d), 1);
const fits = (expected: PlainShape, actual: readonly number[]) => actual.length === expected.length && expected.every((d, i) => d === null || d === actual[i]);

/**
 * Matches a state_dict (key → shape) to a PyTorch plan. When no key matches as written but every
 * key shares a first segment that the model's keys lack, that segment is taken as a wrapper's
 * prefix (`module.` from DataParallel, `model.` from a Lightning module) and matched without it.
 */
export function fitStateDict(plan: ActivationPlan, tensors: ReadonlyMap<string, { readonly shape: readonly number[] }>): StateDictFit {
  const expected = [...expectedWeights(plan, '.').values()];
  const keys = [...tensors.keys()].filter((k) => !isBatchCounter(k));
  const wanted = new Set(expected.map((e) => e.fileKey));
  let prefix: string | undefined;
  const first = keys[0]?.split('.')[0];
  if (first && !keys.some((k) => wanted.has(k)) && keys.every((k) => k.startsWith(`${first}.`))) {
    const stripped = keys.filter((k) => wanted.has(k.slice(first.length + 1))).length;
    if (stripped > 0) prefix = `${first}.`;
  }
  const fileKey = (e: ExpectedTensor) => (prefix ?? '') + e.fileKey;
  const fitting: ExpectedTensor[] = [];
  const missing: ExpectedTensor[] = [];
  const mismatched: { tensor: ExpectedTensor; actual: readonly number[] }[] = [];
  const seen = new Set<string>();
  for (const e of expected) {
    const key = fileKey(e);
    seen.add(key);
    const t = tensors.get(key);
    if (!t) missing.push(e);
    else if (fits(e.shape, t.shape)) fitting.push(e);
    else mismatched.push({ tensor: e, actual: t.shape });
  }
  const unexpected = keys.filter((k) => !seen.has(k)).map((key) => ({ key, shape: tensors.get(key)!.shape }));
  const fileElements = keys.reduce((n, k) => n + (elements(tensors.get(k)!.shape) ?? 0), 0);
  const expectedElements = expected.reduce<number | null>((n, e) => (n === null ? null : elements(e.shape) === null ? null : n + elements(e.shape)!), 0);
  return { prefix, expected: expected.length, fitting, missing, unexpected, mismatched, fileElements, expectedElements };
}

/**
 * The PyTorch model among `models` that the state_dict fits best (most tensors fitting), or a
 * sentence saying why none can be checked: what the editor and the CLI both report on.
 */
export function bestStateDictFit(models: readonly ModelResult[], tensors: ReadonlyMap<string, { readonly shape: readonly number[] }>): { model: ModelResult; fit: StateDictFit } | { error: string } {
  const pytorch = models.filter((m) => m.framework === 'pytorch');
  if (!pytorch.length) return { error: models.length ? 'a safetensors state_dict is checked against PyTorch models, and this is Keras' : 'no model to check it against' };
  let best: { model: ModelResult; fit: StateDictFit } | undefined;
  for (const model of pytorch) {
    const fit = fitStateDict(activationPlan(model.analysis, { uri: '', version: 0, name: '' }, model.name), tensors);
    if (!best || fit.fitting.length > best.fit.fitting.length) best = { model, fit };
  }
  return best!;
}

/** True when `load_state_dict(strict=True)` would accept the file (after any prefix is stripped). */
export const stateDictFits = (fit: StateDictFit): boolean => !fit.missing.length && !fit.unexpected.length && !fit.mismatched.length;

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
    else if (!fits(e.shape, w.shape)) mismatched.push({ key: e.fileKey, expected: e.shape, actual: w.shape });
    else tensors[key] = { shape: [...w.shape], data: w.data };
  }
  const known = new Set([...expected.values()].map((e) => e.fileKey));
  return { name, tensors, problems: describeProblems(missing, [...byFileKey.keys()].filter((k) => !known.has(k)), mismatched) };
}

/** A state_dict fit in the panel's words (the same lists the Keras loaders give). */
export function describeStateDictFit(fit: StateDictFit): string[] {
  return [
    ...(fit.prefix ? [`every key starts with '${fit.prefix}' (a wrapper's prefix); matched without it`] : []),
    ...describeProblems(
      fit.missing.map((e) => e.fileKey),
      fit.unexpected.map((u) => u.key),
      fit.mismatched.map((m) => ({ key: m.tensor.fileKey, expected: m.tensor.shape, actual: m.actual })),
    ),
  ];
}

export const shapeText = (s: readonly (number | null)[]): string => (s.length ? s.map((d) => d ?? '?').join('×') : 'a scalar');

export function describeProblems(missing: readonly string[], unexpected: readonly string[], mismatched: readonly Mismatch[]): string[] {
  const list = (keys: readonly string[]) => keys.slice(0, 8).join(', ') + (keys.length > 8 ? ` and ${keys.length - 8} more` : '');
  return [
    ...(missing.length ? [`missing from the file (random instead): ${list(missing)}`] : []),
    ...(unexpected.length ? [`in the file but not in the model: ${list(unexpected)}`] : []),
    ...mismatched.slice(0, 8).map((m) => `${m.key}: the model expects ${shapeText(m.expected)}, the file has ${shapeText(m.actual)}`),
  ];
}
