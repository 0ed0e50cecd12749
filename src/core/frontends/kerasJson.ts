/**
 * The model-file front-end for Keras topologies: `model.to_json()` (Keras 2 and Keras 3
 * spellings, Sequential and Functional, models nested as layers), the same config inside a
 * TensorFlow.js layers-model `model.json`, or inside an .h5 file's `model_config`. A file is data
 * from anywhere, so nothing here trusts it: every field is checked before use, wiring is resolved
 * without recursion (Kahn's order, so a cycle is a message, not a hang), sizes beyond any real
 * network are refused, work is bounded by a layer count and a deadline, and an unexpected fault
 * costs the model, never the caller. Layer specs come from the shared Keras catalog, so a Conv2D
 * read from JSON means exactly what `layers.Conv2D(...)` means in Python source.
 */
import { buildSpec } from '../frameworks/catalog';
import type { Args } from '../frameworks/args';
import { kerasLayers } from '../frameworks/kerasLayers';
import type { Dim, Shape } from '../ir/dims';
import { GraphBuilder, type LayerModule, type SourceRange, type TensorId } from '../ir/graph';
import type { LayerSpec } from '../ir/layers';
import type { FrontEndResult, ModelDiagnostic, ModelDraft } from './modelResult';

export interface KerasJsonOptions {
  /** Overrides the file's input shape (single-input models), batch included. */
  readonly input?: readonly Dim[];
  /** Used when the file gives no input shape (a Sequential never built). */
  readonly defaultInput?: readonly Dim[];
  readonly timeMs?: number;
  readonly now?: () => number;
  /** Most layer applications followed before stopping. */
  readonly maxApplications?: number;
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Obj = { [key: string]: Json };

/** No real network has a dimension, filter count or unit count this large. */
export const maxDimension = 2 ** 31 - 1;
const maxNesting = 32;
const sizeKeys = ['units', 'filters', 'kernel_size', 'strides', 'pool_size', 'dilation_rate', 'depth_multiplier', 'input_dim', 'output_dim', 'size', 'target_shape', 'groups'];
const modelClasses = new Set(['Sequential', 'Functional', 'Model']);

class Stop extends Error {}

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const isIndex = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0;

/** Reads one Keras JSON or tfjs `model.json` text; never throws. */
export function readKerasJson(uri: string, text: string, options: KerasJsonOptions = {}): FrontEndResult {
  const ranges = new NameRanges(text);
  const diagnostics: ModelDiagnostic[] = [];
  const fail = (message: string): FrontEndResult => ({ file: uri, models: [], diagnostics: [...diagnostics, { severity: 'error', message, range: ranges.top }], steps: 0 });
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    return fail(`not valid JSON: ${e instanceof Error ? e.message : String(e)}`);
  }
  const topology = findTopology(json);
  if ('error' in topology) return fail(topology.error);
  try {
    const model = new ModelReader(topology.model, options, ranges, manifestShapes(json)).read();
    return { file: uri, models: model ? [model] : [], diagnostics, steps: 0 };
  } catch (e) {
    // A bug in CNN Lens must cost this file's model, never the editor.
    return fail(`CNN Lens internal error: ${e instanceof Error ? e.message : String(e)}`);
  }
}

/** The Keras model config inside whatever wrapper the file uses, or why there is none. */
export function findTopology(json: unknown): { model: Obj } | { error: string } {
  if (!isObj(json)) return { error: 'not a Keras model: expected a JSON object with class_name and config (Keras model.to_json()) or a TensorFlow.js model.json' };
  let t: Json = json;
  if ('modelTopology' in json || 'format' in json) {
    const top = json.modelTopology;
    if (json.format === 'graph-model' || (isObj(top) && ('node' in top || 'versions' in top)))
      return { error: 'a TensorFlow.js graph model (format graph-model): it holds TensorFlow ops, not Keras layers, and CNN Lens reads only layers models (tfjs.converters.save_keras_model, model.save in tfjs)' };
    if (!isObj(top)) return { error: 'a TensorFlow.js model.json without a modelTopology object: no layers to read' };
    t = top;
  }
  if (isObj(t) && isObj(t.model_config)) t = t.model_config;
  if (!isObj(t) || typeof t.class_name !== 'string' || !('config' in t)) return { error: 'not a Keras model: expected class_name and config (Keras model.to_json()) or a TensorFlow.js layers-model model.json' };
  if (!modelClasses.has(t.class_name) && !isModelConfig(t.config))
    return { error: `'${t.class_name}' is a subclassed model: its layers are defined in Python code, not in this file, so there is no topology to read` };
  return { model: t };
}

/** A reference to one output of one application of a layer: `[layer, node, tensor]`. */
interface Ref {
  readonly layer: string;
  readonly node: number;
  readonly tensor: number;
}

interface PendingNode {
  readonly layer: Obj;
  readonly key: string;
  readonly refs: readonly Ref[];
  waiting: number;
  done: boolean;
}

class ModelReader {
  private readonly builder: GraphBuilder;
  private readonly diagnostics: ModelDiagnostic[] = [];
  private readonly modules = new Map<Obj, LayerModule>();
  private readonly groups = new Map<Obj, string>();
  private readonly unknownClasses = new Map<string, string[]>();
  private readonly inputs: Shape[] = [];
  private readonly deadline: number;
  private readonly now: () => number;
  private applications = 0;
  private readonly name: string;

  constructor(private readonly model: Obj, private readonly options: KerasJsonOptions, private readonly ranges: NameRanges, private readonly weightShapes: ReadonlyMap<string, readonly number[]>) {
    const config = model.config;
    this.name = isObj(config) && typeof config.name === 'string' ? config.name : String(model.class_name);
    this.builder = new GraphBuilder(this.name, 'keras', 'channels_last');
    this.now = options.now ?? (() => Date.now());
    this.deadline = this.now() + (options.timeMs ?? 2000);
  }

  read(): ModelDraft {
    let stopped: string | undefined;
    try {
      const outputs = this.buildModel(this.model, undefined, undefined, 0);
      this.builder.output(...outputs);
    } catch (e) {
      if (e instanceof Stop) stopped = e.message;
      else if (e instanceof RangeError) stopped = 'analysis stopped: the model nests too deeply to follow';
      else throw e;
    }
    for (const [className, names] of this.unknownClasses) {
      const shown = names.slice(0, 5).map((n) => `'${n}'`).join(', ') + (names.length > 5 ? ` and ${names.length - 5} more` : '');
      this.report('warning', `unknown layer class '${className}' (${shown}): CNN Lens does not know its shapes or parameters`, names[0]);
    }
    const range = this.ranges.of(this.name);
    if (stopped) this.diagnostics.push({ severity: 'warning', message: stopped, range });
    const graph = this.builder.build();
    return { name: this.name, kind: 'file', framework: 'keras', range, inputs: this.inputs, graph, diagnostics: this.diagnostics, stopped };
  }

  private report(severity: ModelDiagnostic['severity'], message: string, near?: string): void {
    if (this.diagnostics.length < 200) this.diagnostics.push({ severity, message, range: near ? this.ranges.of(near) : this.ranges.top });
  }

  /** Builds a Sequential or Functional config, on `given` tensors when nested; returns its outputs. */
  private buildModel(model: Obj, given: readonly TensorId[] | undefined, groupId: string | undefined, depth: number): TensorId[] {
    if (depth > maxNesting) throw new Stop(`analysis stopped: models nested more than ${maxNesting} deep`);
    const config = model.config;
    const name = layerName(model) ?? this.name;
    const layers = Array.isArray(config) ? config : isObj(config) ? config.layers : undefined;
    if (!Array.isArray(layers)) {
      this.report('error', `model '${name}' has no layers list in its config`, name);
      return [];
    }
    const objects = layers.filter((l, i): l is Obj => isObj(l) || (this.report('error', `layer ${i} of '${name}' is not an object; skipped`, name), false));
    const functional = isObj(config) && (config.input_layers !== undefined || objects.some((l) => 'inbound_nodes' in l));
    return functional ? this.buildFunctional(name, config as Obj, objects, given, groupId, depth) : this.buildSequential(name, model, objects, given, groupId, depth);
  }

  private buildSequential(name: string, model: Obj, layers: Obj[], given: readonly TensorId[] | undefined, groupId: string | undefined, depth: number): TensorId[] {
    let x = given?.[0];
    if (x === undefined) {
      const first = layers[0];
      const config = isObj(model.config) ? model.config : {};
      const build = isObj(model.build_config) ? model.build_config.input_shape : undefined;
      const declared = first ? inputShapeOf(first) : undefined;
      const shape = this.inputShape(declared ?? shapeFrom(config.build_input_shape) ?? shapeFrom(build), name, first ? layerName(first) ?? name : name);
      x = this.builder.input(shape, first && first.class_name === 'InputLayer' ? layerName(first) ?? 'input' : 'input');
    } else if (given && given.length !== 1) this.report('warning', `Sequential '${name}' takes one input, given ${given.length}`, name);
    for (const layer of layers) {
      if (layer.class_name === 'InputLayer') continue;
      x = this.apply(layer, [x], groupId, depth)[0];
      if (x === undefined) return [];
    }
    return [x];
  }

  private buildFunctional(name: string, config: Obj, layers: Obj[], given: readonly TensorId[] | undefined, groupId: string | undefined, depth: number): TensorId[] {
    const byName = new Map<string, Obj>();
    for (const layer of layers) {
      const n = layerName(layer);
      if (n === undefined) this.report('error', `a layer of '${name}' has no name; skipped`, name);
      else if (byName.has(n)) this.report('error', `two layers of '${name}' are named '${n}'; the second is skipped`, n);
      else byName.set(n, layer);
    }
    const tensors = new Map<string, TensorId[]>();
    const inputRefs = refList(config.input_layers);
    inputRefs.forEach((ref, i) => {
      const layer = byName.get(ref.layer);
      if (!layer || layer.class_name !== 'InputLayer') return this.report('error', `input '${ref.layer}' of '${name}' is not an InputLayer of the model`, ref.layer);
      if (given) {
        if (given[i] === undefined) return this.report('error', `nested model '${name}' needs ${inputRefs.length} inputs, given ${given.length}`, name);
        tensors.set(`${ref.layer}:0`, [given[i]]);
      } else {
        const shape = this.inputShape(inputShapeOf(layer), name, ref.layer, inputRefs.length);
        tensors.set(`${ref.layer}:0`, [this.builder.input(shape, ref.layer)]);
      }
    });
    for (const [n, layer] of byName) if (layer.class_name === 'InputLayer' && !tensors.has(`${n}:0`) && !given) tensors.set(`${n}:0`, [this.builder.input(this.inputShape(inputShapeOf(layer), name, n), n)]);

    // Every application (layer, node) with the tensors it waits for.
    const pending: PendingNode[] = [];
    const consumers = new Map<string, PendingNode[]>();
    const refsTo = new Map<string, number[]>();
    const parsed: { layer: Obj; name: string; nodes: (Ref[] | undefined)[]; keras3: boolean }[] = [];
    for (const [n, layer] of byName) {
      if (layer.class_name === 'InputLayer') continue;
      const inbound = layer.inbound_nodes;
      if (!Array.isArray(inbound)) {
        this.report('warning', `layer '${n}' has no inbound_nodes; it is not connected`, n);
        continue;
      }
      const nodes = inbound.map((node) => parseNode(node));
      nodes.forEach((refs, k) => (refs ? refs.forEach((r) => (refsTo.get(r.layer) ?? refsTo.set(r.layer, []).get(r.layer)!).push(r.node)) : this.report('error', `inbound node ${k} of layer '${n}' is not understood`, n)));
      parsed.push({ layer, name: n, nodes, keras3: inbound.some(isObj) });
    }
    for (const { layer, name: n, nodes, keras3 } of parsed) {
      // Keras 2 and tfjs number a nested model's applications from 1 (its own construction is node 0).
      const offset = !keras3 && isModelConfig(layer.config) && !(refsTo.get(n) ?? []).includes(0) ? 1 : 0;
      nodes.forEach((refs, k) => {
        if (!refs) return;
        const node: PendingNode = { layer, key: `${n}:${k + offset}`, refs, waiting: 0, done: false };
        pending.push(node);
      });
    }
    const produced = new Set([...tensors.keys(), ...pending.map((p) => p.key)]);
    const ready: PendingNode[] = [];
    for (const node of pending) {
      let broken = false;
      for (const ref of node.refs) {
        const key = `${ref.layer}:${ref.node}`;
        if (!byName.has(ref.layer)) broken = this.brokenRef(node, `takes its input from '${ref.layer}', which is not a layer of '${name}'`);
        else if (!produced.has(key)) broken = this.brokenRef(node, `takes output ${ref.node} of layer '${ref.layer}', which has no such application`);
        else if (!tensors.has(key)) {
          node.waiting++;
          (consumers.get(key) ?? consumers.set(key, []).get(key)!).push(node);
        }
      }
      if (broken) node.done = true;
      else if (node.waiting === 0) ready.push(node);
    }
    for (let i = 0; i < ready.length; i++) {
      const node = ready[i];
      node.done = true;
      const inputs: TensorId[] = [];
      for (const ref of node.refs) {
        const t = tensors.get(`${ref.layer}:${ref.node}`)?.[ref.tensor];
        if (t === undefined) this.report('error', `layer '${layerName(node.layer)}' takes tensor ${ref.tensor} of '${ref.layer}', which has no such output`, layerName(node.layer));
        else inputs.push(t);
      }
      if (inputs.length !== node.refs.length) continue;
      const outputs = this.apply(node.layer, inputs, groupId, depth);
      if (!outputs.length) continue;
      tensors.set(node.key, outputs);
      for (const next of consumers.get(node.key) ?? []) if (!next.done && --next.waiting === 0) ready.push(next);
    }
    const stuck = pending.filter((p) => !p.done && p.waiting > 0).map((p) => layerName(p.layer)!);
    if (stuck.length) this.report('error', `inbound_nodes of '${name}' form a cycle or wait on a missing layer: ${[...new Set(stuck)].slice(0, 6).join(', ')}${stuck.length > 6 ? ', …' : ''} never receive their inputs`, stuck[0]);
    const outputs: TensorId[] = [];
    for (const ref of refList(config.output_layers)) {
      const t = tensors.get(`${ref.layer}:${ref.node}`)?.[ref.tensor];
      if (t === undefined) this.report('error', `output '${ref.layer}' of '${name}' was never computed`, ref.layer);
      else outputs.push(t);
    }
    if (!config.output_layers) this.report('error', `model '${name}' lists no output_layers`, name);
    return outputs;
  }

  private brokenRef(node: PendingNode, what: string): true {
    this.report('error', `layer '${layerName(node.layer)}' ${what}`, layerName(node.layer));
    return true;
  }

  /** Applies a layer (or a nested model, as a group) to tensors. */
  private apply(layer: Obj, inputs: readonly TensorId[], groupId: string | undefined, depth: number): TensorId[] {
    if (++this.applications > (this.options.maxApplications ?? 50_000)) throw new Stop(`analysis stopped after ${this.applications - 1} layer applications (the most CNN Lens follows in one model)`);
    if ((this.applications & 63) === 0 && this.now() > this.deadline) throw new Stop(`analysis stopped after ${this.applications} layer applications: out of time`);
    const name = layerName(layer) ?? '?';
    if (isModelConfig(layer.config)) {
      let group = this.groups.get(layer);
      if (!group) this.groups.set(layer, (group = this.builder.group({ name, className: String(layer.class_name), parentId: groupId, definedAt: this.ranges.of(name) }).id));
      return this.buildModel(layer, inputs, group, depth + 1);
    }
    const module = this.modules.get(layer) ?? this.createModule(layer, name);
    return this.builder.apply(module, inputs, { groupId, calledAt: this.ranges.of(name) });
  }

  private createModule(layer: Obj, name: string): LayerModule {
    const className = typeof layer.class_name === 'string' ? layer.class_name : 'unknown';
    let config = isObj(layer.config) ? layer.config : {};
    // tfjs writes SeparableConv2D without its depth_multiplier; the depthwise kernel's shape says it.
    const multiplier = this.weightShapes.get(`${name}/depthwise_kernel`)?.[3];
    if (config.depth_multiplier === undefined && multiplier !== undefined) config = { ...config, depth_multiplier: multiplier };
    const spec = this.specFor(className, config, name);
    const module = this.builder.module({ name, className, spec, rawAttrs: displayed(config), definedAt: this.ranges.of(name), frozen: config.trainable === false ? true : undefined });
    this.modules.set(layer, module);
    return module;
  }

  private specFor(className: string, config: Obj, name: string): LayerSpec {
    const absurd = sizeKeys.map((k) => absurdSize(k, config[k])).find(Boolean);
    if (absurd) {
      this.report('error', `layer '${name}' (${className}): ${absurd}`, name);
      return { kind: 'unknown', className, reason: absurd };
    }
    // Own keys only: a class named 'toString' or 'constructor' is unknown, not Object.prototype's.
    const spec = Object.hasOwn(kerasLayers, className) ? buildSpec(kerasLayers, className, config as Args) : ({ kind: 'unknown', className } as const);
    if ('error' in spec) {
      this.report('warning', `layer '${name}': ${spec.error}`, name);
      return { kind: 'unknown', className, reason: spec.error.replace(`${className}: `, '') };
    }
    if (spec.kind === 'unknown') (this.unknownClasses.get(className) ?? this.unknownClasses.set(className, []).get(className)!).push(name);
    return spec;
  }

  /** The shape of one input: the option, the file's, or the default, batch symbolic. */
  private inputShape(declared: (Dim | undefined)[] | undefined, model: string, near: string, inputCount = 1): Shape {
    let shape: Shape;
    if (this.options.input && inputCount === 1) shape = [...this.options.input];
    else if (declared) {
      shape = declared.map((d, i) => (d === undefined ? (this.report('error', `input '${near}': dimension ${i} is not a size between 1 and ${maxDimension}; treated as unknown`, near), null) : d === null && i === 0 ? 'N' : d));
    } else {
      shape = this.options.defaultInput ? [...this.options.defaultInput] : ['N', 224, 224, 3];
      this.report('warning', `model '${model}' does not say its input shape; assumed ${JSON.stringify(shape)}`, near);
    }
    this.inputs.push(shape);
    return shape;
  }
}

/** Weight shapes by name (`conv1/kernel`) from a tfjs weightsManifest, when the file has one. */
function manifestShapes(json: unknown): Map<string, readonly number[]> {
  const shapes = new Map<string, readonly number[]>();
  const manifest = isObj(json) ? json.weightsManifest : undefined;
  if (!Array.isArray(manifest)) return shapes;
  for (const group of manifest) {
    if (!isObj(group) || !Array.isArray(group.weights)) continue;
    for (const w of group.weights) if (isObj(w) && typeof w.name === 'string' && Array.isArray(w.shape) && w.shape.every(isIndex)) shapes.set(w.name, w.shape as number[]);
  }
  return shapes;
}

/** `[[name, node, tensor], ...]`, or Keras 3's single `[name, node, tensor]`. */
function refList(v: Json | undefined): Ref[] {
  if (!Array.isArray(v)) return [];
  const list = typeof v[0] === 'string' ? [v] : v;
  return list.map(toRef).filter((r): r is Ref => r !== undefined);
}

function toRef(v: Json): Ref | undefined {
  if (!Array.isArray(v) || typeof v[0] !== 'string') return undefined;
  const node = v[1] ?? 0;
  const tensor = v[2] ?? 0;
  return isIndex(node) && isIndex(tensor) ? { layer: v[0], node, tensor } : undefined;
}

/** One inbound node: Keras 2 / tfjs `[[layer, node, tensor, kwargs], ...]` or Keras 3 `{args, kwargs}`. */
function parseNode(node: Json): Ref[] | undefined {
  if (Array.isArray(node)) {
    const refs = node.map(toRef);
    return refs.every((r) => r !== undefined) && refs.length ? (refs as Ref[]) : undefined;
  }
  if (!isObj(node)) return undefined;
  const refs: Ref[] = [];
  const walk = (v: Json, depth: number): void => {
    if (depth > 8 || refs.length > 1000) return;
    if (Array.isArray(v)) v.forEach((x) => walk(x, depth + 1));
    else if (isObj(v) && v.class_name === '__keras_tensor__' && isObj(v.config)) {
      const ref = toRef(v.config.keras_history);
      if (ref) refs.push(ref);
    }
  };
  walk(node.args ?? null, 0);
  return refs.length ? refs : undefined;
}

function layerName(layer: Obj): string | undefined {
  if (typeof layer.name === 'string') return layer.name;
  return isObj(layer.config) && typeof layer.config.name === 'string' ? layer.config.name : undefined;
}

function isModelConfig(config: Json | undefined): boolean {
  return Array.isArray(config) || (isObj(config) && Array.isArray(config.layers));
}

/** The input shape a layer declares (InputLayer, or the first layer of a Sequential); undefined marks a bad dimension. */
function inputShapeOf(layer: Obj): (Dim | undefined)[] | undefined {
  const c = isObj(layer.config) ? layer.config : {};
  const batch = shapeFrom(c.batch_input_shape ?? c.batch_shape);
  if (batch) return batch;
  const shape = shapeFrom(c.input_shape ?? c.shape);
  return shape ? [null, ...shape] : undefined;
}

function shapeFrom(v: Json | undefined): (Dim | undefined)[] | undefined {
  if (!Array.isArray(v) || v.length > 8) return undefined;
  return v.map((d) => (d === null ? null : isIndex(d) && d >= 1 && d <= maxDimension ? d : undefined));
}

/** Why a size argument cannot be real, or undefined. */
function absurdSize(key: string, v: Json | undefined): string | undefined {
  const values = Array.isArray(v) ? v.flat(2) : [v];
  for (const x of values) if (typeof x === 'number' && (!Number.isFinite(x) || x > maxDimension || x < (key === 'target_shape' ? -1 : 1))) return `${key} ${JSON.stringify(v)} is not a size any network has`;
  return undefined;
}

/** The config as shown in hovers: without initialisers, regularisers, constraints and bookkeeping. */
function displayed(config: Obj): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(config)) if (!/_(initializer|regularizer|constraint)$/.test(k) && !['name', 'trainable', 'dtype'].includes(k)) out[k] = v;
  return out;
}

/** Where each layer name first appears in the text (`"name": "conv1"`), for diagnostics and hovers. */
class NameRanges {
  readonly top: SourceRange = { start: { line: 0, character: 0 }, end: { line: 0, character: 1 } };
  private found: Map<string, SourceRange> | undefined;

  constructor(private readonly text: string) {}

  of(name: string): SourceRange {
    if (!this.found) {
      this.found = new Map();
      const lineStarts = [0];
      for (let i = 0; i < this.text.length; i++) if (this.text.charCodeAt(i) === 10) lineStarts.push(i + 1);
      const at = (offset: number) => {
        let lo = 0;
        let hi = lineStarts.length - 1;
        while (lo < hi) {
          const mid = (lo + hi + 1) >> 1;
          if (lineStarts[mid] <= offset) lo = mid;
          else hi = mid - 1;
        }
        return { line: lo, character: offset - lineStarts[lo] };
      };
      const re = /"name"\s*:\s*"((?:[^"\\]|\\.)*)"/g;
      for (let m = re.exec(this.text); m && this.found.size < 100_000; m = re.exec(this.text)) {
        if (!this.found.has(m[1])) this.found.set(m[1], { start: at(m.index + m[0].length - m[1].length - 1), end: at(m.index + m[0].length) });
      }
    }
    return this.found.get(name) ?? this.top;
  }
}
