/**
 * Reads a weights file from the workspace for the activations panel and matches it to the model's
 * activation plan: PyTorch `.safetensors` and `torch.save` checkpoints (state_dict names → module
 * paths; a checkpoint's pickle read as data, never run), TensorFlow.js
 * `model.json` with its shards, and Keras `.h5` and `.keras` (Keras layer/weight names, matched by
 * the core's weightFit.ts). What does not fit — missing and unexpected keys, shape differences — is
 * listed rather than guessed at; the panel shows it and falls back to random weights for what is
 * missing. Files over a size cap are refused before reading; an .h5 is read in a worker thread.
 */
import * as vscode from 'vscode';
import { join } from 'node:path';
import type { ActivationPlan } from '../core/analysis/activationPlan';
import type { LoadedWeights } from '../core/protocol/messages';
import { loadEngine } from './analysisService';
import type { Tensors } from '../core/analysis/weightFit';
import type { KerasH5, ReadKerasH5Options } from '../core/frontends/kerasH5';
import { workerH5Reader, type WorkerH5Reader } from '../node/h5Reader';

export const weightsFileFilters = {
  Weights: ['safetensors', 'pt', 'pth', 'bin', 'ckpt', 'json', 'h5', 'hdf5', 'keras'],
};
const maxWeightBytes = 1024 * 1024 * 1024;

export async function loadWeightsFile(file: vscode.Uri, plan: ActivationPlan): Promise<LoadedWeights> {
  const name = file.path.split('/').pop() ?? 'weights';
  const { size } = await vscode.workspace.fs.stat(file);
  if (size > maxWeightBytes)
    throw new Error(`${name} is ${(size / 2 ** 30).toFixed(1)} GB; the panel reads weight files up to 1 GB.`);
  const bytes = await vscode.workspace.fs.readFile(file);
  if (/\.safetensors$/i.test(name)) return fromSafetensors(name, bytes, plan);
  if (/\.(pt|pth|bin|ckpt)$/i.test(name)) return fromTorchCheckpoint(name, bytes, plan);
  if (/\.json$/i.test(name)) return fromTfjs(file, name, bytes, plan);
  if (/\.(h5|hdf5)$/i.test(name)) return fromKerasH5(name, bytes, plan);
  if (/\.keras$/i.test(name)) return fromKerasArchive(name, bytes, plan);
  throw new Error(
    `${name}: choose a PyTorch state_dict (.safetensors, or torch.save's .pt/.pth), a TensorFlow.js model.json, or a Keras .h5 or .keras.`,
  );
}

let h5: WorkerH5Reader | undefined;
/**
 * Reads an .h5 in a worker running dist/kerasH5.js (h5wasm and its 4 MB wasm), started on the
 * first .h5 only and stopped if a damaged file hangs HDF5; the weights loader and the model-file
 * editor share it.
 */
export function readKerasH5(bytes: Uint8Array, options?: ReadKerasH5Options): Promise<KerasH5 | { error: string }> {
  // Every caller here read the file for this alone: its bytes go to the worker rather than being copied.
  return (h5 ??= workerH5Reader(join(__dirname, 'kerasH5.js'))).readHandingOver(bytes, options);
}

async function fromKerasH5(name: string, bytes: Uint8Array, plan: ActivationPlan): Promise<LoadedWeights> {
  const read = await readKerasH5(bytes);
  if ('error' in read) throw new Error(`${name}: ${read.error}`);
  if (!read.weights.length) throw new Error(`${name}: the file holds a model config but no weights.`);
  return loadEngine().matchKerasWeights(name, plan, read.weights);
}

function fromSafetensors(name: string, bytes: Uint8Array, plan: ActivationPlan): LoadedWeights {
  const engine = loadEngine();
  const header = engine.readSafetensorsHeader(bytes);
  if ('error' in header) throw new Error(`${name}: ${header.error}`);
  const fit = engine.fitStateDict(plan, header.tensors);
  const tensors: Tensors = {};
  for (const e of fit.fitting)
    tensors[e.planKey] = {
      shape: e.shape.map((d) => d ?? 0),
      data: engine.tensorData(bytes, header, (fit.prefix ?? '') + e.fileKey),
    };
  return { name, tensors, problems: engine.describeStateDictFit(fit) };
}

/** A Keras 3 archive: its model.weights.h5 (variables numbered per layer) named through its config.json. */
async function fromKerasArchive(name: string, bytes: Uint8Array, plan: ActivationPlan): Promise<LoadedWeights> {
  const parts = loadEngine().kerasArchiveParts(bytes);
  if ('error' in parts) throw new Error(`${name}: ${parts.error}`);
  const read = await readKerasH5(parts.weights, { modelConfig: parts.config });
  if ('error' in read) throw new Error(`${name}: model.weights.h5: ${read.error}`);
  return loadEngine().matchKerasWeights(name, plan, read.weights);
}

/** A torch.save checkpoint: its pickle read as data (never run), each fitting tensor's values from its storage. */
function fromTorchCheckpoint(name: string, bytes: Uint8Array, plan: ActivationPlan): LoadedWeights {
  const engine = loadEngine();
  const source = engine.bytesSource(bytes);
  const checkpoint = engine.readTorchCheckpoint(source);
  if ('error' in checkpoint) throw new Error(`${name}: ${checkpoint.error}`);
  const fit = engine.fitStateDict(plan, checkpoint.tensors);
  const problems = engine.describeStateDictFit(fit);
  if (checkpoint.path) problems.unshift(`the state_dict is the checkpoint's '${checkpoint.path}'`);
  const tensors: Tensors = {};
  for (const e of fit.fitting) {
    const data = engine.checkpointTensorData(source, checkpoint, (fit.prefix ?? '') + e.fileKey);
    if ('error' in data) problems.push(data.error);
    else tensors[e.planKey] = { shape: e.shape.map((d) => d ?? 0), data };
  }
  return { name, tensors, problems };
}

async function fromTfjs(
  file: vscode.Uri,
  name: string,
  bytes: Uint8Array,
  plan: ActivationPlan,
): Promise<LoadedWeights> {
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
  for (const p of paths) {
    try {
      shards.set(p, await vscode.workspace.fs.readFile(vscode.Uri.joinPath(file, '..', p)));
    } catch {
      throw new Error(
        `${name}: weight file '${p}', which its weightsManifest names, is missing or unreadable next to it.`,
      );
    }
  }
  const weights = engine.readTfjsWeights(json, shards);
  if ('error' in weights) throw new Error(`${name}: ${weights.error}`);
  return loadEngine().matchKerasWeights(name, plan, weights);
}
