/**
 * The model-file front-end for ONNX (`torch.onnx.export`, tf2onnx, any exporter): it reads the
 * protobuf with our own bounded reader (./onnx/proto), turns each node into the shared layer
 * vocabulary (./onnx/ops) — or, where an exporter spelled one module as several nodes (GELU,
 * LayerNorm, GroupNorm), that sub-graph into the one layer (./onnx/patterns) — and runs the same
 * shape pass as every other format, so a Conv read from a .onnx means exactly what `nn.Conv2d`
 * means in Python source. A file is data from anywhere:
 * wiring is resolved without recursion (Kahn's order, so a cycle or a missing input is a message,
 * not a hang), work is bounded by the reader's caps and a deadline, and an unexpected fault costs
 * the model, never the caller. Weights come from initializers, so a Conv's module owns the weight
 * it reads and two nodes sharing one initializer share one module (its parameters count once).
 * Module names are the exporter's node names; torch.onnx.export's `/layer1/layer1.0/conv1/Conv`
 * paths become groups (`layer1` → `layer1.0`) so repeated blocks collapse as PyTorch's would.
 * The file's own shape annotations (value_info, graph outputs) are checked against ours.
 */
import { formatShape, isKnown, type Dim, type Shape } from '../ir/dims';
import { GraphBuilder, type LayerModule, type SourceRange, type TensorId } from '../ir/graph';
import type { LayerSpec } from '../ir/layers';
import { applyRule } from '../shapes/registry';
import type { FrontEndResult, ModelDiagnostic, ModelDraft } from './modelResult';
import { isFloatType, mapNode, type Const, type OpContext } from './onnx/ops';
import { matchPattern, type GraphView } from './onnx/patterns';
import { ProtoError, readModel, type OnnxGraph, type OnnxModel, type OnnxNode, type OnnxValueInfo } from './onnx/proto';

export interface OnnxOptions {
  /** Overrides the file's input shape (single-input models), batch included. */
  readonly input?: readonly Dim[];
  readonly timeMs?: number;
  readonly now?: () => number;
}

const top: SourceRange = { start: { line: 0, character: 0 }, end: { line: 0, character: 1 } };
const maxDimension = 2 ** 31 - 1;

class Stop extends Error {}

/** Reads one .onnx file's bytes; never throws. */
export function readOnnx(uri: string, bytes: Uint8Array, options: OnnxOptions = {}): FrontEndResult {
  const fail = (message: string): FrontEndResult => ({
    file: uri,
    models: [],
    diagnostics: [{ severity: 'error', message, range: top }],
    steps: 0,
  });
  if (!(bytes instanceof Uint8Array) || bytes.length === 0) return fail('empty file: not an ONNX model');
  let model: OnnxModel;
  try {
    model = readModel(bytes);
  } catch (e) {
    if (e instanceof ProtoError) return fail(`not a readable ONNX model: ${e.message}`);
    return fail(`CNN Lens internal error while reading the ONNX file: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (!model.graph) return fail('not an ONNX model: no graph (ModelProto.graph is missing; is this an ONNX file?)');
  if (model.irVersion === undefined && !model.graph.nodes.length)
    return fail('not an ONNX model: no ir_version and no nodes');
  try {
    return { file: uri, models: [new OnnxReader(model, model.graph, options).read()], diagnostics: [], steps: 0 };
  } catch (e) {
    // A bug in CNN Lens must cost this file's model, never the editor.
    return fail(`CNN Lens internal error: ${e instanceof Error ? e.message : String(e)}`);
  }
}

/** What a tensor name holds while the graph is built: a graph tensor with its shape, or a constant. */
type Value = { readonly id: TensorId; readonly shape: Shape } | { readonly constant: Const };

class OnnxReader implements OpContext, GraphView {
  readonly opset: number;
  private readonly builder: GraphBuilder;
  private readonly diagnostics: ModelDiagnostic[] = [];
  private readonly values = new Map<string, Value>();
  private readonly initializers = new Set<string>();
  private readonly modules = new Map<string, LayerModule>();
  private readonly groupIds = new Map<string, string>();
  private readonly groupPaths = new Set<string>();
  /** Unknown or refused nodes by op type and reason, reported once per pair. */
  private readonly unknownOps = new Map<string, { op: string; reason: string; names: string[] }>();
  private readonly inputs: Shape[] = [];
  private readonly deadline: number;
  private readonly now: () => number;
  private readonly name: string;

  constructor(
    private readonly model: OnnxModel,
    private readonly graph: OnnxGraph,
    private readonly options: OnnxOptions,
  ) {
    this.opset = model.opset ?? 13;
    this.name = graph.name || 'onnx model';
    this.builder = new GraphBuilder(this.name, 'onnx', 'channels_first');
    this.now = options.now ?? (() => Date.now());
    this.deadline = this.now() + (options.timeMs ?? 2000);
  }

  constant(name: string | undefined): Const | undefined {
    const v = name ? this.values.get(name) : undefined;
    return v && 'constant' in v ? v.constant : undefined;
  }

  stored(name: string | undefined): boolean {
    // torch.onnx.export keeps one copy of equal-valued parameters (two LayerNorms' fresh ones) and
    // names the other through an Identity: still a parameter of its own module in PyTorch's count.
    for (let k = 0; name && k < 16; k++) {
      if (this.initializers.has(name)) return true;
      const p = this.producer(name);
      if (p?.opType !== 'Identity') return false;
      name = p.inputs[0];
    }
    return false;
  }

  shape(name: string | undefined): Shape | undefined {
    const v = name ? this.values.get(name) : undefined;
    return v && 'id' in v ? v.shape : undefined;
  }

  read(): ModelDraft {
    let stopped: string | undefined;
    if (this.model.opset === undefined)
      this.report('warning', 'the file names no opset for the default domain; opset 13 assumed');
    for (const t of this.graph.initializers) {
      if (!t.name) continue;
      this.values.set(t.name, { constant: { dims: t.dims, values: t.values, float: isFloatType(t.dataType) } });
      this.initializers.add(t.name);
    }
    this.addInputs();
    try {
      this.buildNodes();
    } catch (e) {
      if (e instanceof Stop) stopped = e.message;
      else throw e;
    }
    for (const { op, reason, names } of this.unknownOps.values()) {
      const shown =
        names
          .slice(0, 5)
          .map((n) => `'${n}'`)
          .join(', ') + (names.length > 5 ? ` and ${names.length - 5} more` : '');
      if (reason) this.report('warning', `${names.length > 1 ? 'nodes' : 'node'} ${shown} (${op}): ${reason}`);
      else
        this.report('warning', `unknown ONNX op '${op}' (${shown}): CNN Lens does not know its shapes or parameters`);
    }
    const outputs: TensorId[] = [];
    for (const o of this.graph.outputs) {
      const v = this.values.get(o.name);
      if (v && 'id' in v) outputs.push(v.id);
      else if (!v) this.report('error', `graph output '${o.name}' is never computed`);
    }
    this.builder.output(...outputs);
    if (stopped) this.report('warning', stopped);
    this.reportFusedBatchNorms();
    const graph = this.builder.build();
    return {
      name: this.name,
      kind: 'file',
      framework: 'onnx',
      range: top,
      inputs: this.inputs,
      graph,
      diagnostics: this.diagnostics,
      stopped,
      afterShapes: (analysis) => ({ diagnostics: this.compareDeclared(analysis.tensorShapes) }),
    };
  }

  /**
   * torch.onnx.export in eval mode (its default) folds each BatchNorm into the Conv before it and
   * stores the result under a name of its own (`onnx::Conv_23`, where a kept Conv reads
   * `layer1.0.conv1.weight`): the file no longer holds the BatchNorm's weight and bias, which
   * `model.parameters()` counts. Said once, with what PyTorch probably counts on top.
   */
  private reportFusedBatchNorms(): void {
    if (this.model.producer !== 'pytorch') return;
    const fused = this.graph.nodes.filter(
      (n) => n.opType === 'Conv' && /^onnx::Conv_\d+$/.test(n.inputs[1] ?? '') && this.initializers.has(n.inputs[1]),
    );
    if (!fused.length) return;
    // Each fold leaves a bias of C; PyTorch has the BatchNorm's 2C and the Conv's own bias, if it had one (commonly
    // not).
    const channels = fused.reduce((sum, n) => sum + (this.constant(n.inputs[1])?.dims[0] ?? 0), 0);
    const names =
      fused
        .slice(0, 3)
        .map((n, i) => `'${nodeName(n, i)}'`)
        .join(', ') + (fused.length > 3 ? ` and ${fused.length - 3} more` : '');
    this.report(
      'warning',
      `${fused.length} Conv ${fused.length > 1 ? 'layers' : 'layer'} (${names}) read weights torch.onnx.export computed: in eval mode (its default) it folds a BatchNorm that follows a Conv into the Conv, so the BatchNorm's weight and bias are not in the file and the total here is probably ${channels.toLocaleString('en-US')} below what model.parameters() counts (${(2 * channels).toLocaleString('en-US')} if ${fused.length > 1 ? 'those Convs had biases' : 'that Conv had a bias'} of ${fused.length > 1 ? 'their' : 'its'} own). Export with training=torch.onnx.TrainingMode.PRESERVE (or TRAINING) to keep them.`,
    );
  }

  private report(severity: ModelDiagnostic['severity'], message: string): void {
    if (this.diagnostics.length < 200) this.diagnostics.push({ severity, message, range: top });
  }

  private addInputs(): void {
    const real = this.graph.inputs.filter((i) => !this.values.has(i.name));
    for (const input of real) {
      let shape: Dim[];
      if (this.options.input && real.length === 1) shape = [...this.options.input];
      else if (input.shape) {
        shape = input.shape.map((d, i) =>
          typeof d === 'number'
            ? d >= 1 && d <= maxDimension
              ? d
              : (this.report('error', `input '${input.name}': dimension ${i} (${d}) is not a size; treated as unknown`),
                null)
            : i === 0
              ? 'N'
              : d,
        );
      } else {
        shape = ['N', 3, 224, 224];
        this.report('warning', `input '${input.name}' has no shape in the file; assumed ${JSON.stringify(shape)}`);
      }
      this.inputs.push(shape);
      this.values.set(input.name, { id: this.builder.input(shape, input.name), shape });
    }
  }

  /** Kahn's order over the nodes: a node runs once every input it takes from another node exists. */
  private buildNodes(): void {
    const nodes = this.graph.nodes;
    const producer = new Map<string, number>();
    nodes.forEach((n, i) => n.outputs.forEach((o) => o && !producer.has(o) && producer.set(o, i)));
    for (const n of nodes) for (const path of torchPaths(n.name).slice(0, -1)) this.groupPaths.add(path);
    const waiting = new Array<number>(nodes.length).fill(0);
    const consumers = new Map<number, number[]>();
    const ready: number[] = [];
    const broken = new Set<number>();
    nodes.forEach((n, i) => {
      const from = new Set<number>();
      for (const input of n.inputs) {
        if (!input) continue;
        const p = producer.get(input);
        if (p !== undefined) from.add(p);
        else if (!this.values.has(input)) {
          this.report(
            'error',
            `node '${nodeName(n, i)}' (${n.opType}) takes '${input}', which no node, initializer or graph input provides`,
          );
          broken.add(i);
        }
      }
      for (const p of from) (consumers.get(p) ?? consumers.set(p, []).get(p)!).push(i);
      waiting[i] = from.size;
      if (!waiting[i]) ready.push(i);
    });
    const done = new Array<boolean>(nodes.length).fill(false);
    for (let k = 0; k < ready.length; k++) {
      const i = ready[k];
      done[i] = true;
      if ((k & 63) === 63 && this.now() > this.deadline)
        throw new Stop(`analysis stopped after ${k} of ${nodes.length} nodes: out of time`);
      if (!broken.has(i)) this.addNode(nodes[i], i);
      for (const c of consumers.get(i) ?? []) if (--waiting[c] === 0) ready.push(c);
    }
    const stuck = nodes.map((n, i) => (done[i] ? '' : nodeName(n, i))).filter(Boolean);
    if (stuck.length)
      this.report(
        'error',
        `the graph has a cycle: ${stuck
          .slice(0, 6)
          .map((s) => `'${s}'`)
          .join(', ')}${stuck.length > 6 ? ', …' : ''} never receive their inputs`,
      );
  }

  private addNode(node: OnnxNode, index: number): void {
    const name = nodeName(node, index);
    const missing = node.inputs.find((i) => i && !this.values.has(i));
    if (missing !== undefined) return; // its producer failed and was reported, or is inside a fused layer
    if (node.domain && node.domain !== 'ai.onnx')
      return this.unknown(
        node,
        name,
        '',
        node.inputs.filter((i) => this.shape(i)),
      );
    // A sub-graph that stands for one module (GELU, LayerNorm, GroupNorm below the ops that name them) is that one
    // layer.
    const fused = matchPattern(node, this, this);
    if (fused)
      return this.place(
        node,
        index,
        node.name.includes('/') ? node.name.replace(/[^/]*$/, fused.className) : `${fused.className}_${index}`,
        fused.className,
        fused.spec,
        [fused.input],
        fused.weightKey,
        [fused.output],
      );
    const mapped = mapNode(node, this);
    if ('folded' in mapped) {
      mapped.folded.forEach((c, k) => node.outputs[k] && this.values.set(node.outputs[k], { constant: c }));
      return;
    }
    if ('unknown' in mapped) return this.unknown(node, name, mapped.unknown, mapped.tensors);
    let spec = mapped.spec;
    // Only a split has several real outputs; Dropout's mask or MaxPool's indices are not layers' outputs here.
    let outputs = spec.kind === 'split' ? node.outputs : node.outputs.slice(0, 1);
    // MatMul + Add(bias), as exporters write a Linear on a 3-D input: one dense layer with a bias.
    const fusedAdd =
      spec.kind === 'dense' && node.opType === 'MatMul' ? this.biasAdd(node.outputs[0], spec.units) : undefined;
    if (fusedAdd && spec.kind === 'dense') {
      spec = { ...spec, bias: true };
      outputs = [fusedAdd];
    }
    this.place(node, index, name, node.opType, spec, mapped.tensors, mapped.weightKey, outputs);
  }

  /** Adds one layer reading `tensors` and writing `outputs`; a module per weight key, so shared weights count once. */
  private place(
    node: OnnxNode,
    index: number,
    name: string,
    className: string,
    spec: LayerSpec,
    tensors: readonly string[],
    weightKey: string | undefined,
    outputs: readonly string[],
  ): void {
    const inputs: TensorId[] = [];
    const shapes: Shape[] = [];
    for (const t of tensors) {
      const v = this.values.get(t);
      if (!v || !('id' in v))
        return this.unknown(node, name, `input '${t}' is a constant where CNN Lens expects a computed tensor`, []);
      inputs.push(v.id);
      shapes.push(v.shape);
    }
    const key = weightKey ?? `#${index}`;
    let module = this.modules.get(key);
    if (!module) {
      // A fused layer's first node is not the layer, so its attributes are not the layer's.
      module = this.builder.module({
        name,
        className,
        spec,
        rawAttrs: className === node.opType ? attrs(node) : {},
        definedAt: top,
      });
      this.modules.set(key, module);
    }
    const out = this.builder.apply(module, inputs, {
      groupId: this.groupOf(node.name),
      calledAt: top,
      outputs: Math.max(1, outputs.length),
    });
    const result = applyRule(spec, shapes, { framework: 'onnx', layout: 'channels_first' });
    outputs.forEach(
      (o, k) => o && out[k] !== undefined && this.values.set(o, { id: out[k], shape: result.outputs[k] ?? [] }),
    );
  }

  users(tensor: string): readonly OnnxNode[] {
    if (!this.uses) {
      this.uses = new Map();
      for (const n of this.graph.nodes)
        for (const i of new Set(n.inputs)) (this.uses.get(i) ?? this.uses.set(i, []).get(i)!).push(n);
    }
    return this.uses.get(tensor) ?? [];
  }

  producer(tensor: string): OnnxNode | undefined {
    if (!this.producers) {
      this.producers = new Map();
      for (const n of this.graph.nodes)
        for (const o of n.outputs) if (o && !this.producers.has(o)) this.producers.set(o, n);
    }
    return this.producers.get(tensor);
  }

  returns(tensor: string): boolean {
    return this.graph.outputs.some((o) => o.name === tensor);
  }

  private fusedAdds = new Set<OnnxNode>();
  private uses: Map<string, OnnxNode[]> | undefined;
  private producers: Map<string, OnnxNode> | undefined;

  /** The output of the Add that adds a stored bias of `units` to `tensor`, when that is its only use. */
  private biasAdd(tensor: string, units: number): string | undefined {
    const users = this.users(tensor);
    if (users.length !== 1 || users[0].opType !== 'Add') return undefined;
    const add = users[0];
    const other = add.inputs[0] === tensor ? add.inputs[1] : add.inputs[0];
    const c = this.constant(other);
    if (!c || c.dims.length !== 1 || c.dims[0] !== units || !add.outputs[0]) return undefined;
    this.fusedAdds.add(add);
    return add.outputs[0];
  }

  private unknown(node: OnnxNode, name: string, reason: string, tensors: readonly string[]): void {
    if (this.fusedAdds.has(node)) return;
    const ids = tensors
      .map((t) => this.values.get(t))
      .filter((v): v is { id: TensorId; shape: Shape } => !!v && 'id' in v);
    const op = node.domain && node.domain !== 'ai.onnx' ? `${node.domain}.${node.opType}` : node.opType;
    const key = `${op}\n${reason}`;
    (this.unknownOps.get(key) ?? this.unknownOps.set(key, { op, reason, names: [] }).get(key)!).names.push(name);
    if (!ids.length) return;
    const spec = { kind: 'unknown' as const, className: node.opType, reason: reason || undefined };
    const module = this.builder.module({ name, className: node.opType, spec, rawAttrs: attrs(node), definedAt: top });
    const outs = this.builder.apply(
      module,
      ids.map((v) => v.id),
      { groupId: this.groupOf(node.name), calledAt: top, outputs: Math.max(1, node.outputs.length) },
    );
    const result = applyRule(
      spec,
      ids.map((v) => v.shape),
      { framework: 'onnx', layout: 'channels_first' },
    );
    node.outputs.forEach(
      (o, k) => o && this.values.set(o, { id: outs[k], shape: result.outputs[k] ?? result.outputs[0] ?? [] }),
    );
  }

  /** The group a node runs in, from its torch.onnx.export path; created with its parents on first use. */
  private groupOf(nodeName: string): string | undefined {
    const paths = torchPaths(nodeName);
    // The last path names the node's own module unless other nodes sit inside it.
    const inside = paths.length && this.groupPaths.has(paths[paths.length - 1]) ? paths : paths.slice(0, -1);
    let parent: string | undefined;
    for (const path of inside) {
      let id = this.groupIds.get(path);
      if (!id) {
        id = this.builder.group({ name: path, className: 'Module', parentId: parent, definedAt: top }).id;
        this.groupIds.set(path, id);
      }
      parent = id;
    }
    return parent;
  }

  /** Warns where the file's value_info / output shapes disagree with ours. */
  /** Where the file's declared value_info shapes differ from the ones inferred. */
  private compareDeclared(shapes: readonly Shape[]): ModelDiagnostic[] {
    const out: ModelDiagnostic[] = [];
    const warn = (message: string) => out.push({ severity: 'warning', message, range: top });
    let shown = 0;
    let more = 0;
    const declared: OnnxValueInfo[] = [...this.graph.valueInfo, ...this.graph.outputs];
    for (const info of declared) {
      const v = this.values.get(info.name);
      if (!info.shape || !v || !('id' in v)) continue;
      const ours = shapes[v.id];
      if (!ours) continue;
      const differs =
        ours.length !== info.shape.length || info.shape.some((d, i) => isKnown(d) && isKnown(ours[i]) && d !== ours[i]);
      if (!differs) continue;
      if (shown++ < 20)
        warn(`tensor '${info.name}': the file says ${formatShape(info.shape)}, CNN Lens infers ${formatShape(ours)}`);
      else more++;
    }
    if (more) warn(`${more} more tensors' shapes disagree with the file's`);
    return out;
  }
}

function nodeName(node: OnnxNode, index: number): string {
  return node.name || `${node.opType || 'node'}_${index}`;
}

/** `/layer1/layer1.0/conv1/Conv` → ['layer1', 'layer1.0', 'layer1.0.conv1'] (module paths, op dropped). */
function torchPaths(name: string): string[] {
  if (!name.startsWith('/')) return [];
  const segments = name.split('/').filter(Boolean).slice(0, -1);
  const paths: string[] = [];
  let parts: string[] = [];
  for (const s of segments.slice(0, 32)) {
    // torch writes each scope from its module's last named (non-index) component on: the module
    // `features.1.conv.0.0` is the scope `conv.0.0` inside `conv.0`, inside `conv`, inside `features.1`.
    let named = parts.length - 1;
    while (named > 0 && /^\d+$/.test(parts[named])) named--;
    const tail = parts.slice(named).join('.');
    parts =
      parts.length && (s === tail || s.startsWith(`${tail}.`))
        ? [...parts.slice(0, named), ...s.split('.')]
        : [...parts, ...s.split('.')];
    paths.push(parts.join('.'));
  }
  return paths;
}

function attrs(node: OnnxNode): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const a of node.attributes.slice(0, 32)) {
    if (a.t) out[a.name] = `tensor ${a.t.dims.join('×') || 'scalar'}`;
    else
      out[a.name] = a.ints.length
        ? a.ints.slice(0, 16)
        : a.floats.length
          ? a.floats.slice(0, 16)
          : a.strings.length
            ? a.strings.slice(0, 16)
            : (a.s ?? a.i ?? a.f);
  }
  return out;
}
