/**
 * Sub-graphs that exporters write in place of one module, recognised and given back as that one
 * layer. Below opset 20 there is no Gelu op, so torch.onnx.export spells `nn.GELU` as
 * x · ½(1 + erf(x / √2)) (or its tanh approximation, term by term); below opset 17 `nn.LayerNorm`
 * is ReduceMean, Sub, Pow, ReduceMean, Add ε, Sqrt, Div, then Mul by the weight and Add of the
 * bias; `nn.GroupNorm` is always a Reshape to groups, an InstanceNormalization with constant ones
 * and zeros, a Reshape back, then the per-channel weight and bias; `nn.SiLU` is a Sigmoid and a
 * Mul, `nn.Hardswish` (opset 13) a HardSigmoid and a Mul, `nn.Mish` a Softplus, Tanh and Mul.
 * Read node by node these are arithmetic and the learned weight disappears into a "multiply by a
 * constant" (or, while it is still all ones, into a scalar), so the parameters PyTorch counts
 * would be lost. A match starts at the sub-graph's first node, is exact (constants checked, every
 * inner tensor used only inside the match) and otherwise falls back to the node-by-node mapping in
 * ./ops, which still infers every shape.
 */
import { isKnown, type Dim } from '../../ir/dims';
import type { LayerSpec } from '../../ir/layers';
import { float, int, mapNode, numbers, present, type Const, type OpContext } from './ops';
import type { OnnxNode } from './proto';

/** How nodes are wired: who reads a tensor, who writes it. */
export interface GraphView {
  /** Each node that reads the tensor, once. */
  users(tensor: string): readonly OnnxNode[];
  producer(tensor: string): OnnxNode | undefined;
  /** Whether the graph returns the tensor (then it must stay a tensor of its own). */
  returns(tensor: string): boolean;
}

/** One layer standing for several nodes: from `input` to `output`, weights keyed like a node's. */
export interface Fused {
  readonly className: string;
  readonly spec: LayerSpec;
  readonly input: string;
  readonly output: string;
  readonly weightKey?: string;
  readonly nodes: readonly OnnxNode[];
}

export function matchPattern(node: OnnxNode, ctx: OpContext, view: GraphView): Fused | undefined {
  const m = new Matcher(ctx, view);
  switch (node.opType) {
    case 'Div':
    case 'Mul':
      return m.gelu(node);
    case 'ReduceMean':
      return m.layerNorm(node);
    case 'Reshape':
      return m.groupNorm(node);
    case 'Sigmoid':
    case 'HardSigmoid':
      return m.gated(node);
    case 'Softplus':
      return m.mish(node);
    default:
      return undefined;
  }
}

const near = (v: number | undefined, target: number) => v !== undefined && Math.abs(v - target) <= 1e-4 * Math.max(1, Math.abs(target));
const count = (dims: readonly number[]) => dims.reduce((a, b) => a * b, 1);

class Matcher {
  /** Constants folded ahead of the node order (a Constant node not yet reached, an Unsqueeze of a weight). */
  private readonly early = new Map<string, Const>();
  private readonly unfoldable = new Set<string>();
  private readonly local: OpContext;

  constructor(private readonly ctx: OpContext, private readonly view: GraphView) {
    this.local = { opset: ctx.opset, constant: (n) => this.value(n), shape: (n) => ctx.shape(n), stored: (n) => ctx.stored(n) };
  }

  /** A constant's value, folding the nodes that compute it when the reader has not reached them yet. */
  value(name: string | undefined, depth = 0): Const | undefined {
    if (!name) return undefined;
    const known = this.ctx.constant(name) ?? this.early.get(name);
    if (known || depth > 8 || this.unfoldable.has(name) || this.ctx.shape(name)) return known;
    const p = this.view.producer(name);
    const mapped = p && !p.inputs.some((i) => present(i) && !this.ctx.shape(i) && !this.value(i, depth + 1)) ? mapNode(p, this.local) : undefined;
    if (!p || !mapped || !('folded' in mapped)) {
      this.unfoldable.add(name);
      return undefined;
    }
    mapped.folded.forEach((c, k) => p.outputs[k] && this.early.set(p.outputs[k], c));
    return this.early.get(name);
  }

  private scalar(name: string | undefined): number | undefined {
    const v = numbers(this.value(name));
    return v?.length === 1 ? v[0] : undefined;
  }

  /** The one node reading `tensor`, when it is the only reader and of this op. */
  private only(tensor: string | undefined, op: string): OnnxNode | undefined {
    const users = tensor ? this.view.users(tensor) : [];
    return users.length === 1 && users[0].opType === op && users[0].outputs.length >= 1 ? users[0] : undefined;
  }

  /** The other operand of a binary node. */
  private other(node: OnnxNode, tensor: string): string | undefined {
    if (node.inputs.length !== 2) return undefined;
    return node.inputs[0] === tensor ? node.inputs[1] : node.inputs[1] === tensor ? node.inputs[0] : undefined;
  }

  /** The match, when no tensor computed inside it is read from outside it or returned. */
  private closed(nodes: OnnxNode[], build: Omit<Fused, 'nodes' | 'output'>): Fused | undefined {
    const inside = new Set(nodes);
    for (const n of nodes.slice(0, -1)) for (const o of n.outputs) if (o && (this.view.returns(o) || this.view.users(o).some((u) => !inside.has(u)))) return undefined;
    const output = nodes[nodes.length - 1].outputs[0];
    return output ? { ...build, nodes, output } : undefined;
  }

  /** x · ½(1 + erf(x / √2)) in the orders torch writes it (x · (1 + erf) · ½, or (1 + erf) · ½ · x). */
  gelu(first: OnnxNode): Fused | undefined {
    const [a, b] = first.inputs;
    if (first.opType === 'Mul' && a === b) return this.geluTanh(first);
    const x = first.opType === 'Div' ? a : this.ctx.shape(a) ? a : b;
    const k = this.scalar(this.other(first, x));
    if (!x || !this.ctx.shape(x) || !near(k, first.opType === 'Div' ? Math.SQRT2 : Math.SQRT1_2)) return undefined;
    const erf = this.only(first.outputs[0], 'Erf');
    const plus = this.only(erf?.outputs[0], 'Add');
    if (!erf || !plus || !near(this.scalar(this.other(plus, erf.outputs[0])), 1)) return undefined;
    const tail = this.halfOfX(plus, x);
    return tail ? this.closed([first, erf, plus, ...tail], { className: 'GELU', spec: { kind: 'activation', fn: 'gelu', approximate: 'none' }, input: x }) : undefined;
  }

  /** x · ½(1 + tanh(√(2/π) · (x + 0.044715 · x³))), `nn.GELU(approximate='tanh')`, from its x · x. */
  private geluTanh(square: OnnxNode): Fused | undefined {
    const x = square.inputs[0];
    const cube = this.only(square.outputs[0], 'Mul');
    if (!this.ctx.shape(x) || !cube || this.other(cube, square.outputs[0]) !== x) return undefined;
    const nodes = [square, cube];
    let at: OnnxNode = cube;
    for (const [op, k] of [['Mul', 0.044715], ['Add', undefined], ['Mul', Math.sqrt(2 / Math.PI)], ['Tanh', undefined], ['Add', 1]] as const) {
      const next = this.only(at.outputs[0], op);
      if (!next) return undefined;
      // Tanh takes nothing else; the Add of x · 0.044715x³ takes x; every other step takes its constant.
      const operand = op === 'Tanh' ? undefined : this.other(next, at.outputs[0]);
      if (op !== 'Tanh' && (k === undefined ? operand !== x : !near(this.scalar(operand), k))) return undefined;
      nodes.push((at = next));
    }
    const tail = this.halfOfX(at, x);
    return tail ? this.closed([...nodes, ...tail], { className: 'GELU', spec: { kind: 'activation', fn: 'gelu', approximate: 'tanh' }, input: x }) : undefined;
  }

  /** The two Muls that take `after` to x · after · ½, in either order. */
  private halfOfX(after: OnnxNode, x: string): OnnxNode[] | undefined {
    const m1 = this.only(after.outputs[0], 'Mul');
    const with1 = m1 && this.other(m1, after.outputs[0]);
    const m2 = this.only(m1?.outputs[0], 'Mul');
    if (!m1 || !m2 || !with1) return undefined;
    const with2 = this.other(m2, m1.outputs[0]);
    return (with1 === x && near(this.scalar(with2), 0.5)) || (with2 === x && near(this.scalar(with1), 0.5)) ? [m1, m2] : undefined;
  }

  /** x · tanh(softplus(x)), as torch writes `nn.Mish` below opset 18. */
  mish(softplus: OnnxNode): Fused | undefined {
    const x = softplus.inputs[0];
    const tanh = this.only(softplus.outputs[0], 'Tanh');
    const mul = this.only(tanh?.outputs[0], 'Mul');
    if (!tanh || !mul || !this.ctx.shape(x) || this.other(mul, tanh.outputs[0]) !== x) return undefined;
    return this.closed([softplus, tanh, mul], { className: 'Mish', spec: { kind: 'activation', fn: 'mish' }, input: x });
  }

  /** x · sigmoid(x) (`nn.SiLU`, which ONNX names only at opset 22) and x · hardsigmoid(x) (`nn.Hardswish` below opset 14). */
  gated(gate: OnnxNode): Fused | undefined {
    const x = gate.inputs[0];
    const mul = this.only(gate.outputs[0], 'Mul');
    if (!mul || !this.ctx.shape(x) || this.other(mul, gate.outputs[0]) !== x) return undefined;
    if (gate.opType === 'Sigmoid') return this.closed([gate, mul], { className: 'SiLU', spec: { kind: 'activation', fn: 'silu' }, input: x });
    // Only PyTorch's hardsigmoid (slope 1/6) makes x · hardsigmoid(x) a hardswish.
    if (!near(float(gate, 'alpha', 0.2), 1 / 6) || !near(float(gate, 'beta', 0.5), 0.5)) return undefined;
    return this.closed([gate, mul], { className: 'Hardswish', spec: { kind: 'activation', fn: 'hardswish' }, input: x });
  }

  private reduceAxes(node: OnnxNode, rank: number): number[] | undefined {
    const raw = this.ctx.opset >= 18 ? numbers(this.value(node.inputs[1])) : node.attributes.find((t) => t.name === 'axes')?.ints;
    if (!raw?.length || int(node, 'keepdims', 1) !== 1) return undefined;
    const axes = [...new Set(raw.map((v) => (v < 0 ? v + rank : v)))].sort((p, q) => p - q);
    return axes.every((v) => v >= 0 && v < rank) ? axes : undefined;
  }

  /** (x − mean) / √(mean((x − mean)²) + ε), then optionally · weight + bias, over the reduced axes. */
  layerNorm(mean: OnnxNode): Fused | undefined {
    const x = mean.inputs[0];
    const shape = this.ctx.shape(x);
    const axes = shape && this.reduceAxes(mean, shape.length);
    if (!shape || !axes) return undefined;
    const sub = this.only(mean.outputs[0], 'Sub');
    if (!sub || sub.inputs[0] !== x || sub.inputs[1] !== mean.outputs[0]) return undefined;
    const centred = sub.outputs[0];
    const readers = this.view.users(centred);
    const pow = readers.find((u) => u.opType === 'Pow' && u.inputs[0] === centred);
    const div = readers.find((u) => u.opType === 'Div' && u.inputs[0] === centred);
    if (readers.length !== 2 || !pow || !div || !near(this.scalar(pow.inputs[1]), 2)) return undefined;
    const variance = this.only(pow.outputs[0], 'ReduceMean');
    if (!variance || String(this.reduceAxes(variance, shape.length)) !== String(axes)) return undefined;
    const addEps = this.only(variance.outputs[0], 'Add');
    const eps = addEps && this.scalar(this.other(addEps, variance.outputs[0]));
    const sqrt = this.only(addEps?.outputs[0], 'Sqrt');
    if (!addEps || eps === undefined || !sqrt || div.inputs[1] !== sqrt.outputs[0] || this.view.users(sqrt.outputs[0]).length !== 1) return undefined;
    const nodes = [mean, sub, pow, variance, addEps, sqrt, div];
    const normalized: Dim[] = axes.map((v) => shape[v]);
    const affine = this.affine(div, normalized.every(isKnown) ? count(normalized as number[]) : undefined);
    nodes.push(...affine.nodes);
    const spec: LayerSpec = { kind: 'layerNorm', axis: axes.map((v) => v - shape.length), eps, scale: !!affine.weight, center: !!affine.bias };
    return this.closed(nodes, { className: 'LayerNorm', spec, input: x, weightKey: affine.weight });
  }

  /** Reshape to [N, groups, −1], InstanceNormalization with constant ones and zeros, Reshape back, then optionally · weight + bias per channel. */
  groupNorm(toGroups: OnnxNode): Fused | undefined {
    const x = toGroups.inputs[0];
    const shape = this.ctx.shape(x);
    const target = numbers(this.value(toGroups.inputs[1]));
    const channels = shape?.[1];
    if (!shape || shape.length < 3 || !isKnown(channels) || target?.length !== 3 || target[2] !== -1) return undefined;
    const groups = target[1];
    const inorm = this.only(toGroups.outputs[0], 'InstanceNormalization');
    if (!inorm || groups < 1 || channels % groups || this.ctx.stored(inorm.inputs[1]) || this.ctx.stored(inorm.inputs[2])) return undefined;
    const back = this.only(inorm.outputs[0], 'Reshape');
    const to = back && this.value(back.inputs[1])?.values;
    if (!back || !to || to.length !== shape.length || to.some((d, i) => d !== shape[i] && !(d === -1 || (d === 0 && i === 0)))) return undefined;
    const affine = this.affine(back, channels);
    if (!!affine.weight !== !!affine.bias) return undefined;
    const spec: LayerSpec = { kind: 'groupNorm', groups, numChannels: channels, affine: !!affine.weight, eps: float(inorm, 'epsilon', 1e-5) };
    return this.closed([toGroups, inorm, back, ...affine.nodes], { className: 'GroupNorm', spec, input: x, weightKey: affine.weight });
  }

  /** The Mul by a weight of `size` values and the Add of a bias of as many that follow `from`, as far as they are there. */
  private affine(from: OnnxNode, size: number | undefined): { nodes: OnnxNode[]; weight?: string; bias?: string } {
    const fits = (name: string | undefined) => {
      const c = name ? this.value(name) : undefined;
      return !!c && c.dims.length >= 1 && (size === undefined ? count(c.dims) > 1 : count(c.dims) === size);
    };
    const mul = this.only(from.outputs[0], 'Mul');
    const weight = mul && this.other(mul, from.outputs[0]);
    if (!mul || !fits(weight)) return { nodes: [] };
    const add = this.only(mul.outputs[0], 'Add');
    const bias = add && this.other(add, mul.outputs[0]);
    if (!add || !fits(bias)) return { nodes: [mul], weight };
    return { nodes: [mul, add], weight, bias };
  }
}
