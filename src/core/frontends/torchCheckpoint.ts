/**
 * PyTorch checkpoints (`torch.save(model.state_dict(), 'm.pt')`, `.pth`, Hugging Face's
 * `pytorch_model.bin`): the state_dict's keys, shapes and dtypes, read without unpickling anything.
 * Since PyTorch 1.6 the file is a zip archive holding `<name>/data.pkl` (the pickled object, whose
 * tensors refer to storages by persistent id) and one entry per storage; only the directory and
 * `data.pkl` are read (./zip.ts), the pickle is read as data (./pickle.ts) and each
 * `torch._utils._rebuild_tensor_v2(storage, offset, size, stride, …)` call it describes becomes a
 * tensor of that size (and, when asked, its values are read from its storage's entry). A training checkpoint that wraps the state_dict (`{'epoch': 5,
 * 'state_dict': …}`) is searched for the dict of tensors, and the key it was under is reported;
 * a whole pickled module (`torch.save(model)`) or the legacy pre-1.6 format is refused with a
 * sentence saying what to save instead.
 */
import { readPickle, type Call, type Dict, type PickleValue } from './pickle';
import { decodeFloats, dtypeSizes, type SafetensorsDtype } from './safetensors';
import { readZipDirectory, storedEntry, type ByteSource, type ZipEntry } from './zip';

export interface CheckpointTensor {
  readonly shape: readonly number[];
  /** F32, F16, BF16, F64, I64, …, from the storage's type; `?` when it does not say. */
  readonly dtype: string;
  /** The storage's key (its entry is `<archive>/data/<key>`), the tensor's offset in it and its strides, in elements. */
  readonly storage?: string;
  readonly offset: number;
  readonly stride: readonly number[];
}

export interface TorchCheckpoint {
  /** State_dict key → tensor, in the file's order. */
  readonly tensors: ReadonlyMap<string, CheckpointTensor>;
  /** Where the state_dict was found in the saved object: '' for the object itself, else its key path (`state_dict`, `model`). */
  readonly path: string;
  /** The archive's entries, and the folder they are in (`archive/`), for reading tensor data. */
  readonly entries: ReadonlyMap<string, ZipEntry>;
  readonly root: string;
}

const storageDtypes: Record<string, string> = {
  FloatStorage: 'F32',
  HalfStorage: 'F16',
  BFloat16Storage: 'BF16',
  DoubleStorage: 'F64',
  LongStorage: 'I64',
  IntStorage: 'I32',
  ShortStorage: 'I16',
  CharStorage: 'I8',
  ByteStorage: 'U8',
  BoolStorage: 'BOOL',
};

const isObject = (v: PickleValue): v is Exclude<PickleValue, null | boolean | number | bigint | string | Uint8Array | PickleValue[]> =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array);
const isDict = (v: PickleValue): v is Dict => isObject(v) && v.kind === 'dict';
const isCallOf = (v: PickleValue, module: string, names: readonly string[]): v is Call => isObject(v) && v.kind === 'call' && isObject(v.fn) && v.fn.kind === 'global' && v.fn.module === module && names.includes(v.fn.name);
const items = (v: PickleValue): readonly PickleValue[] | undefined => (isObject(v) && v.kind === 'tuple' ? v.items : Array.isArray(v) ? v : undefined);

/** The tensor a pickled value stands for, or undefined when it is not one. */
function tensorOf(v: PickleValue): CheckpointTensor | undefined {
  // nn.Parameter(tensor) when a state_dict was saved with keep_vars=True.
  if (isCallOf(v, 'torch._utils', ['_rebuild_parameter', '_rebuild_parameter_with_state'])) return v.args[0] === undefined ? undefined : tensorOf(v.args[0]);
  if (!isCallOf(v, 'torch._utils', ['_rebuild_tensor_v2', '_rebuild_tensor'])) return undefined;
  const counts = (x: PickleValue | undefined) => {
    const list = items(x ?? null);
    return list && list.every((d) => typeof d === 'number' && Number.isSafeInteger(d) && d >= 0) ? (list as number[]) : undefined;
  };
  const size = counts(v.args[2]);
  if (!size) return undefined;
  // ('storage', torch.FloatStorage, key, location, numel)
  const storage = v.args[0];
  const pid = isObject(storage) && storage.kind === 'pid' ? items(storage.id) : undefined;
  const type = pid?.[1];
  const dtype = isObject(type ?? null) && (type as { kind: string }).kind === 'global' ? storageDtypes[(type as { name: string }).name] ?? '?' : '?';
  const offset = typeof v.args[1] === 'number' && Number.isSafeInteger(v.args[1]) && v.args[1] >= 0 ? v.args[1] : 0;
  return { shape: size, dtype, storage: typeof pid?.[2] === 'string' ? pid[2] : undefined, offset, stride: counts(v.args[3]) ?? [] };
}

/** The dict's string keys mapped to tensors, if every value is a tensor (a state_dict), else undefined. */
function stateDictOf(v: PickleValue): Map<string, CheckpointTensor> | undefined {
  if (!isDict(v) || !v.entries.size) return undefined;
  const out = new Map<string, CheckpointTensor>();
  for (const [k, value] of v.entries) {
    const t = typeof k === 'string' ? tensorOf(value) : undefined;
    if (!t) return undefined;
    out.set(k as string, t);
  }
  return out;
}

/** The state_dict in a saved object: the object itself, or the nested dict of tensors with the most entries (depth ≤ 3). */
function findStateDict(value: PickleValue): Pick<TorchCheckpoint, 'tensors' | 'path'> | undefined {
  let best: Pick<TorchCheckpoint, 'tensors' | 'path'> | undefined;
  const visit = (v: PickleValue, path: string, depth: number) => {
    const direct = stateDictOf(v);
    if (direct) {
      if (!best || direct.size > best.tensors.size) best = { tensors: direct, path };
      return;
    }
    if (!isDict(v) || depth >= 3) return;
    for (const [k, inner] of v.entries) if (typeof k === 'string') visit(inner, path ? `${path}.${k}` : k, depth + 1);
  };
  visit(value, '', 0);
  return best;
}

/** What a pickled object is, in words, for a refusal. */
function describe(v: PickleValue): string {
  const fn = isObject(v) && v.kind === 'call' && isObject(v.fn) && v.fn.kind === 'global' ? v.fn : undefined;
  if (fn?.module === 'torch._utils' && fn.name.startsWith('_rebuild_tensor')) return 'a single tensor';
  if (fn) return `a pickled ${fn.module}.${fn.name} object (torch.save(model) saves the whole module; save model.state_dict() to check it against the code)`;
  if (isDict(v)) return `a dict with no tensors in it (keys: ${[...v.entries.keys()].filter((k) => typeof k === 'string').slice(0, 6).join(', ') || 'none'})`;
  return 'no state_dict';
}

/** The state_dict a `torch.save` file holds (only its directory and data.pkl are read), or `{ error }`. */
export function readTorchCheckpoint(source: ByteSource): TorchCheckpoint | { error: string } {
  const head = source.read(0, 8);
  if (head.length >= 2 && head[0] === 0x80 && head[1] <= 5) return { error: 'a checkpoint in the legacy format (before PyTorch 1.6, or saved with _use_new_zipfile_serialization=False); save it again with a current torch.save to check it' };
  const entries = readZipDirectory(source);
  if ('error' in entries) return { error: `not a PyTorch checkpoint: ${entries.error}` };
  const pickles = [...entries.values()].filter((e) => e.name === 'data.pkl' || e.name.endsWith('/data.pkl'));
  if (pickles.length !== 1) return { error: pickles.length ? `the archive holds ${pickles.length} data.pkl entries` : 'the archive has no data.pkl: not a torch.save file' };
  const bytes = storedEntry(source, pickles[0], 256 * 2 ** 20);
  if ('error' in bytes) return bytes;
  const read = readPickle(bytes);
  if ('error' in read) return { error: `cannot read its data.pkl: ${read.error}` };
  const found = findStateDict(read.value);
  return found ? { ...found, entries, root: pickles[0].name.slice(0, -'data.pkl'.length) } : { error: `it holds ${describe(read.value)}` };
}

const contiguous = (shape: readonly number[]): number[] => shape.map((_, i) => shape.slice(i + 1).reduce((a, b) => a * b, 1));

/**
 * One tensor's values as float32, from its storage's entry in the archive: for the activations
 * panel to run a model with a checkpoint's weights. Only contiguous tensors of a float or integer
 * dtype are read; anything else is a sentence.
 */
export function checkpointTensorData(source: ByteSource, checkpoint: TorchCheckpoint, key: string): Float32Array | { error: string } {
  const t = checkpoint.tensors.get(key);
  if (!t) return { error: `no tensor ${key} in the checkpoint` };
  if (!(t.dtype in dtypeSizes) || t.storage === undefined) return { error: `${key}: its storage type is not one CNN Lens reads` };
  const count = t.shape.reduce((a, b) => a * b, 1);
  const expected = contiguous(t.shape);
  if (count > 1 && t.stride.some((s, i) => t.shape[i] > 1 && s !== expected[i])) return { error: `${key} is not contiguous in its storage (a view saved as is)` };
  const entry = checkpoint.entries.get(`${checkpoint.root}data/${t.storage}`);
  if (!entry) return { error: `${key}: its storage ${t.storage} is missing from the archive` };
  const bytes = storedEntry(source, entry);
  if ('error' in bytes) return bytes;
  const size = dtypeSizes[t.dtype as SafetensorsDtype];
  const from = t.offset * size;
  if (from + count * size > bytes.length) return { error: `${key}: its storage holds ${bytes.length / size} values, fewer than the tensor needs` };
  return decodeFloats(bytes.subarray(from, from + count * size), t.dtype as SafetensorsDtype);
}
