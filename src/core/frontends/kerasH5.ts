/**
 * Keras HDF5 files (`model.save('m.h5')`, `save_weights('w.h5')`, Keras 3 `.weights.h5`) opened
 * with h5wasm, the HDF5 C library compiled to wasm, in its in-memory file system — so the same
 * reader serves the extension host, the CLI and (one day) a webview, and the model-files work
 * can take the topology (`model_config`) from the very same pass. HDF5 is a format one cannot
 * trust to be small: every dataset's claimed size is checked against the bytes actually given
 * before anything is read, h5wasm's exceptions become `{ error }`, and nothing here throws.
 * h5wasm instantiates its 4 MB wasm module on import, so it is imported on the first read, and
 * the extension loads this module as its own bundle (dist/kerasH5.js) on the first .h5.
 */
import type { Dataset, Group, File as H5File } from 'h5wasm';
import { halfToFloat } from './safetensors';

export { halfToFloat };

type H5wasm = (typeof import('h5wasm'))['default'];
let h5wasmLoad: Promise<H5wasm> | undefined;
let h5wasm: H5wasm;

/**
 * h5wasm, imported on first use: its wasm is instantiated on import, and the package is ESM-only
 * (a dynamic import also works from CommonJS, which the tests run as; esbuild inlines it).
 */
function loadH5wasm(): Promise<H5wasm> {
  return (h5wasmLoad ??= import('h5wasm').then(async (m) => {
    h5wasm = m.default;
    await h5wasm.ready;
    return h5wasm;
  }));
}

export interface KerasH5Weight {
  /** `<layer>/<weight>`, e.g. `conv2d/kernel`, `batch_normalization/moving_mean`. */
  readonly name: string;
  readonly shape: number[];
  readonly data: Float32Array;
}

export interface KerasH5 {
  /** The parsed `model_config` root attribute (the same JSON as `model.to_json()`), when saved. */
  readonly modelConfig?: unknown;
  readonly kerasVersion?: string;
  readonly backend?: string;
  /** Which layout the weights came from. */
  readonly layout: 'keras2-model' | 'keras2-weights' | 'keras3-weights' | 'none';
  readonly weights: KerasH5Weight[];
}

export interface ReadKerasH5Options {
  /**
   * false: read only the root attributes (topology). 'shapes': also each Keras 2 weight's name and
   * shape from the dataset metadata, with empty data (checking a file against its config). Default true.
   */
  readonly weights?: boolean | 'shapes';
  /** For Keras 3 `.weights.h5` (which carries no config): the model's config from elsewhere. */
  readonly modelConfig?: unknown;
}

// The subset of h5wasm's emscripten module used here (its typings declare FS loosely).
interface H5Module {
  FS: { writeFile(path: string, data: Uint8Array): void; unlink(path: string): void };
  HEAPU8: Uint8Array;
  _malloc(size: number): number;
  _free(ptr: number): void;
  get_dataset_data(fileId: bigint, path: string, count: null, offset: null, strides: null, ptr: bigint): number;
}

const H5T_INTEGER = 0;
const H5T_FLOAT = 1;
/** Compressed (filtered) datasets may legitimately be larger than the file; not absurdly so. */
const maxExpansion = 64;
const maxTotalBytes = 2 ** 30;
let fileCounter = 0;

/**
 * The Keras weights (and topology) in an HDF5 file's bytes, or `{ error }` saying why not: not
 * HDF5, truncated, a layout this reader does not know, or datasets larger than the file allows.
 */
export async function readKerasH5(bytes: Uint8Array, options: ReadKerasH5Options = {}): Promise<KerasH5 | { error: string }> {
  if (bytes.length < 8 || !isHdf5(bytes)) return { error: bytes.length === 0 ? 'the file is empty' : 'not an HDF5 file (no HDF5 signature)' };
  const declared = hdf5DeclaredSize(bytes);
  if (declared !== undefined && declared > bytes.length) return { error: `the file is truncated: it has ${bytes.length} bytes, and its HDF5 superblock says ${declared}` };
  let module: H5Module;
  try {
    module = (await (await loadH5wasm()).ready) as unknown as H5Module;
  } catch (error) {
    return { error: `the HDF5 reader (h5wasm) did not start: ${message(error)}` };
  }
  const path = `/cnn-lens-${++fileCounter}.h5`;
  let file: H5File | undefined;
  try {
    module.FS.writeFile(path, bytes);
    file = new h5wasm.File(path, 'r');
    return readOpen(module, file, bytes.length, options);
  } catch (error) {
    return { error: `cannot read the HDF5 file (truncated or damaged?): ${message(error)}` };
  } finally {
    try {
      file?.close();
    } catch {
      // already unusable; the unlink below still frees the memory
    }
    try {
      module.FS.unlink(path);
    } catch {
      // never written
    }
  }
}

function readOpen(module: H5Module, file: H5File, fileSize: number, options: ReadKerasH5Options): KerasH5 | { error: string } {
  const configText = stringAttr(file, 'model_config');
  let modelConfig: unknown;
  if (configText !== undefined) {
    try {
      modelConfig = JSON.parse(configText);
    } catch (error) {
      return { error: `model_config is not JSON: ${message(error)}` };
    }
  }
  const modelWeights = file.get('model_weights');
  const weightsRoot = isGroup(modelWeights) ? modelWeights : file;
  const kerasVersion = stringAttr(file, 'keras_version') ?? stringAttr(weightsRoot, 'keras_version');
  const backend = stringAttr(file, 'backend') ?? stringAttr(weightsRoot, 'backend');
  const base = { ...(modelConfig !== undefined ? { modelConfig } : {}), ...(kerasVersion ? { kerasVersion } : {}), ...(backend ? { backend } : {}) };
  const budget = { left: Math.min(maxTotalBytes, fileSize * maxExpansion), fileSize };

  if ('layer_names' in weightsRoot.attrs) {
    const layout = weightsRoot === file ? 'keras2-weights' : 'keras2-model';
    if (options.weights === false) return { ...base, layout, weights: [] };
    const weights = readKeras2(module, weightsRoot, budget, options.weights === 'shapes');
    return 'error' in weights ? weights : { ...base, layout, weights };
  }
  const layers = file.get('layers');
  if (isGroup(layers)) {
    if (options.weights === false) return { ...base, layout: 'keras3-weights', weights: [] };
    const weights = readKeras3(module, layers, modelConfig ?? options.modelConfig, budget);
    return 'error' in weights ? weights : { ...base, layout: 'keras3-weights', weights };
  }
  if (modelConfig !== undefined) return { ...base, layout: 'none', weights: [] };
  return { error: 'no Keras weights in this HDF5 file (no layer_names attribute, no model_weights or layers group)' };
}

type Budget = { left: number; readonly fileSize: number };

/** Keras 2: `layer_names` on the weights root, `weight_names` on each layer group, datasets at `<layer>/<weight_name>`. */
function readKeras2(module: H5Module, root: Group, budget: Budget, shapesOnly = false): KerasH5Weight[] | { error: string } {
  const layerNames = stringsAttr(root, 'layer_names') ?? root.keys();
  const weights: KerasH5Weight[] = [];
  for (const layer of layerNames) {
    const group = root.get(layer);
    if (!isGroup(group)) return { error: `layer_names lists ${layer}, but there is no such group` };
    const weightNames = stringsAttr(group, 'weight_names') ?? datasetPaths(group);
    for (const weightName of weightNames) {
      const dataset = group.get(weightName);
      if (!isDataset(dataset)) return { error: `${layer}: weight ${weightName} is listed but missing` };
      if (shapesOnly) {
        weights.push({ name: keras2Name(layer, weightName), shape: [...(dataset.metadata.shape ?? [])], data: new Float32Array(0) });
        continue;
      }
      const read = readFloats(module, dataset, budget);
      if ('error' in read) return { error: `${layer}/${weightName}: ${read.error}` };
      weights.push({ name: keras2Name(layer, weightName), ...read });
    }
  }
  return weights;
}

/** `conv2d/kernel:0` → `conv2d/kernel`; a nested model's `mobilenet/conv1/kernel:0` → `conv1/kernel`; bare `kernel` → `<layer>/kernel`. */
function keras2Name(layer: string, weightName: string): string {
  const parts = weightName.replace(/:\d+$/, '').split('/').filter(Boolean);
  return parts.length >= 2 ? parts.slice(-2).join('/') : `${layer}/${parts[0] ?? weightName}`;
}

/** Every dataset under a group, depth first (for files without `weight_names`). */
function datasetPaths(group: Group, prefix = ''): string[] {
  const out: string[] = [];
  for (const key of group.keys()) {
    const child = group.get(key);
    if (isDataset(child)) out.push(prefix + key);
    else if (isGroup(child)) out.push(...datasetPaths(child, `${prefix}${key}/`));
  }
  return out;
}

/**
 * Keras 3: `layers/<layer>/vars/<index>`, nested models as `layers/<model>/layers/<layer>`. The
 * file does not name the variables, so they are named by the layer's class in the order its
 * `build` creates them — the class comes from the model config, or else from Keras's default
 * snake_case layer name (`batch_normalization_1`).
 */
function readKeras3(module: H5Module, layers: Group, modelConfig: unknown, budget: Budget): KerasH5Weight[] | { error: string } {
  const classes = layerClasses(modelConfig);
  const weights: KerasH5Weight[] = [];
  const unknown: string[] = [];
  const walk = (group: Group): { error: string } | undefined => {
    for (const layer of group.keys()) {
      const child = group.get(layer);
      if (!isGroup(child)) continue;
      const vars = child.get('vars');
      const count = isGroup(vars) ? vars.keys().filter((k) => /^\d+$/.test(k)).length : 0;
      if (isGroup(vars) && count > 0) {
        const known = classes.get(layer) ?? { className: classFromName(layer), config: {} };
        const names = known.className ? varNames(known.className, known.config, count) : undefined;
        if (!names) {
          unknown.push(layer);
        } else {
          for (let i = 0; i < count; i++) {
            const dataset = vars.get(String(i));
            if (!isDataset(dataset)) return { error: `${layer}: vars/${i} is missing` };
            const read = readFloats(module, dataset, budget);
            if ('error' in read) return { error: `${layer}/vars/${i}: ${read.error}` };
            weights.push({ name: `${layer}/${names[i]}`, ...read });
          }
        }
      }
      const nested = child.get('layers');
      if (isGroup(nested)) {
        const failed = walk(nested);
        if (failed) return failed;
      }
    }
    return undefined;
  };
  const failed = walk(layers);
  if (failed) return failed;
  if (unknown.length && !weights.length) return { error: `Keras 3 .weights.h5 without a model config: cannot name the variables of ${unknown.slice(0, 8).join(', ')}` };
  return weights;
}

type LayerClass = { className?: string; config: Record<string, unknown> };

/** Layer name → class and config, from a (possibly nested) Keras model config. */
function layerClasses(modelConfig: unknown): Map<string, LayerClass> {
  const out = new Map<string, LayerClass>();
  const visit = (node: unknown) => {
    if (!node || typeof node !== 'object') return;
    const { class_name, config } = node as { class_name?: unknown; config?: unknown };
    if (typeof class_name === 'string' && config && typeof config === 'object') {
      const c = config as Record<string, unknown>;
      if (typeof c.name === 'string') out.set(c.name, { className: class_name, config: c });
      if (Array.isArray(c.layers)) c.layers.forEach(visit);
    }
  };
  visit(modelConfig);
  return out;
}

const classByPrefix: [RegExp, string][] = [
  [/^separable_conv[123]d/, 'SeparableConv2D'],
  [/^depthwise_conv[12]d/, 'DepthwiseConv2D'],
  [/^conv[123]d_transpose/, 'Conv2DTranspose'],
  [/^conv[123]d/, 'Conv2D'],
  [/^dense/, 'Dense'],
  [/^batch_normalization/, 'BatchNormalization'],
  [/^layer_normalization/, 'LayerNormalization'],
  [/^p_re_lu/, 'PReLU'],
  [/^embedding/, 'Embedding'],
];

function classFromName(layer: string): string | undefined {
  return classByPrefix.find(([re]) => re.test(layer))?.[1];
}

/** The variable names a layer's `build` creates, in order; undefined for classes not known here. */
function varNames(className: string, config: Record<string, unknown>, count: number): string[] | undefined {
  const useBias = config.use_bias !== false;
  const bias = useBias ? ['bias'] : [];
  let names: string[] | undefined;
  if (/^(Conv[123]D|Convolution[123]D|Conv[123]DTranspose|Dense)$/.test(className)) names = ['kernel', ...bias];
  else if (/^DepthwiseConv[12]D$/.test(className)) names = ['depthwise_kernel', ...bias];
  else if (/^SeparableConv[12]D$/.test(className)) names = ['depthwise_kernel', 'pointwise_kernel', ...bias];
  else if (className === 'BatchNormalization') names = [...(config.scale !== false ? ['gamma'] : []), ...(config.center !== false ? ['beta'] : []), 'moving_mean', 'moving_variance'];
  else if (className === 'LayerNormalization' || className === 'GroupNormalization') names = [...(config.scale !== false ? ['gamma'] : []), ...(config.center !== false ? ['beta'] : [])];
  else if (className === 'PReLU') names = ['alpha'];
  else if (className === 'Embedding') names = ['embeddings'];
  else if (className === 'Normalization') names = ['mean', 'variance', 'count'];
  return names && names.length === count ? names : undefined;
}

/**
 * A numeric dataset as float32, its claimed size checked first. h5wasm's own reader has no
 * float16, so the raw element bytes are read through its C entry point and decoded here.
 */
function readFloats(module: H5Module, dataset: Dataset, budget: Budget): { shape: number[]; data: Float32Array } | { error: string } {
  const meta = dataset.metadata;
  const shape = meta.shape ?? [];
  const count = shape.reduce((a, b) => a * b, 1);
  const { size, type } = meta;
  if (type !== H5T_FLOAT && type !== H5T_INTEGER) return { error: 'not a numeric dataset' };
  if (type === H5T_FLOAT && size !== 2 && size !== 4 && size !== 8) return { error: `float${size * 8} is not supported` };
  if (type === H5T_INTEGER && size !== 1 && size !== 2 && size !== 4 && size !== 8) return { error: `int${size * 8} is not supported` };
  const nbytes = count * size;
  const filtered = (meta.chunks?.length ?? 0) > 0 && dataset.filters.length > 0;
  if (!Number.isSafeInteger(nbytes) || (!filtered && nbytes > budget.fileSize) || nbytes > budget.left)
    return { error: `claims ${shape.join('×')} elements (${nbytes} bytes), more than a ${budget.fileSize}-byte file can hold` };
  budget.left -= nbytes;
  if (count === 0) return { shape, data: new Float32Array(0) };
  const ptr = module._malloc(nbytes);
  if (!ptr) return { error: `out of memory reading ${nbytes} bytes` };
  let raw: Uint8Array;
  try {
    module.get_dataset_data(dataset.file_id, dataset.path, null, null, null, BigInt(ptr));
    raw = module.HEAPU8.slice(ptr, ptr + nbytes);
  } finally {
    module._free(ptr);
  }
  return { shape, data: decode(raw, count, type, size, meta.signed, meta.littleEndian) };
}

function decode(raw: Uint8Array, count: number, type: number, size: number, signed: boolean, little: boolean): Float32Array {
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const out = new Float32Array(count);
  for (let i = 0, o = 0; i < count; i++, o += size) {
    if (type === H5T_FLOAT) out[i] = size === 4 ? view.getFloat32(o, little) : size === 8 ? view.getFloat64(o, little) : halfToFloat(view.getUint16(o, little));
    else if (size === 1) out[i] = signed ? view.getInt8(o) : view.getUint8(o);
    else if (size === 2) out[i] = signed ? view.getInt16(o, little) : view.getUint16(o, little);
    else if (size === 4) out[i] = signed ? view.getInt32(o, little) : view.getUint32(o, little);
    else out[i] = Number(signed ? view.getBigInt64(o, little) : view.getBigUint64(o, little));
  }
  return out;
}


/** HDF5's signature sits at offset 0, 512, 1024, … (a user block may precede it). */
function isHdf5(bytes: Uint8Array): boolean {
  return superblockAt(bytes) !== undefined;
}

/** Where the HDF5 signature (and so the superblock) is: byte 0, 512, 1024, 2048, … */
function superblockAt(bytes: Uint8Array): number | undefined {
  const signature = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];
  for (let at = 0; at + 8 <= bytes.length; at = at === 0 ? 512 : at * 2) if (signature.every((b, i) => bytes[at + i] === b)) return at;
  return undefined;
}

/**
 * The file size the superblock records (base address + end-of-file address), so a cut-off file
 * is named as one before HDF5 fails on it with a message about something else. Undefined when the
 * superblock is too short, of an unknown version, or says nothing usable.
 */
export function hdf5DeclaredSize(bytes: Uint8Array): number | undefined {
  const at = superblockAt(bytes);
  if (at === undefined || at + 12 > bytes.length) return undefined;
  const version = bytes[at + 8];
  // Versions 0 and 1 put the size of offsets at byte 13 and the addresses after 24 (28) bytes;
  // versions 2 and 3 put it at byte 9 and the addresses after 12.
  const sizeOfOffsets = version <= 1 ? bytes[at + 13] : version <= 3 ? bytes[at + 9] : 0;
  const addresses = at + (version === 0 ? 24 : version === 1 ? 28 : 12);
  if (![2, 4, 8].includes(sizeOfOffsets) || addresses + 3 * sizeOfOffsets > bytes.length) return undefined;
  const address = (i: number) => {
    let v = 0;
    for (let b = sizeOfOffsets - 1; b >= 0; b--) v = v * 256 + bytes[addresses + i * sizeOfOffsets + b];
    return v;
  };
  // base, then (v0/1: free-space info; v2/3: superblock extension), then end of file.
  const base = address(0);
  const end = address(2);
  const undefinedAddress = 256 ** sizeOfOffsets - 1;
  return base === undefinedAddress || end === undefinedAddress ? undefined : base + end;
}

function stringAttr(node: Group, name: string): string | undefined {
  if (!(name in node.attrs)) return undefined;
  const value = node.attrs[name].value;
  const s = Array.isArray(value) && value.length === 1 ? value[0] : value;
  return typeof s === 'string' ? s : undefined;
}

function stringsAttr(node: Group, name: string): string[] | undefined {
  if (!(name in node.attrs)) return undefined;
  const value = node.attrs[name].value;
  if (typeof value === 'string') return [value];
  return Array.isArray(value) && value.every((v) => typeof v === 'string') ? (value as string[]) : undefined;
}

function isGroup(entity: unknown): entity is Group {
  return entity instanceof h5wasm.Group;
}

function isDataset(entity: unknown): entity is Dataset {
  return entity instanceof h5wasm.Dataset;
}

function message(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0];
}
