/**
 * A tiny ONNX writer for tests: it encodes the protobuf wire format by hand, so the ONNX
 * front-end's fixtures are built from graphs written here (LeNet-5, a residual block, an
 * inception concat, a depthwise block) rather than downloaded, and so tests can also write files
 * no exporter would (cycles, missing inputs, absurd length claims) to check the reader's refusals.
 */

type Bytes = number[];

/** Appends without spreading into a call (weights can be larger than the call-stack limit). */
function add(out: Bytes, ...parts: Bytes[]): void {
  for (const p of parts) for (let i = 0; i < p.length; i++) out.push(p[i]);
}

function varint(n: number): Bytes {
  const out: Bytes = [];
  if (n < 0) {
    // int64 two's complement, 10 bytes
    let lo = n >>> 0;
    let hi = Math.floor(n / 4294967296) >>> 0;
    for (let i = 0; i < 9; i++) {
      out.push((lo & 0x7f) | 0x80);
      lo = (lo >>> 7) | ((hi & 0x7f) << 25);
      hi >>>= 7;
    }
    out.push(1);
    return out;
  }
  while (n >= 0x80) {
    out.push((n % 128) | 0x80);
    n = Math.floor(n / 128);
  }
  out.push(n);
  return out;
}

const tag = (field: number, wire: number) => varint(field * 8 + wire);
export const vField = (field: number, n: number): Bytes => [...tag(field, 0), ...varint(n)];
export const lField = (field: number, body: Bytes): Bytes => [...tag(field, 2), ...varint(body.length), ...body];
const sField = (field: number, s: string): Bytes => lField(field, [...Buffer.from(s, 'utf8')]);
const f32 = (x: number): Bytes => {
  const b = Buffer.alloc(4);
  b.writeFloatLE(x);
  return [...b];
};

export type AttrValue = number | string | number[] | { floatList: number[] } | { float: number } | TensorDef;

export interface TensorDef {
  readonly name?: string;
  readonly dims: number[];
  /** int64 values (data type 7) or floats (1); without values, zero-filled float raw_data. */
  readonly int64?: number[];
  readonly floats?: number[];
}

export interface NodeDef {
  readonly op: string;
  readonly inputs: string[];
  readonly outputs: string[];
  readonly name?: string;
  readonly attrs?: Record<string, AttrValue>;
  readonly domain?: string;
}

export interface GraphDef {
  readonly name?: string;
  readonly nodes: NodeDef[];
  readonly initializers?: TensorDef[];
  readonly inputs: { name: string; shape?: (number | string)[] }[];
  readonly outputs: { name: string; shape?: (number | string)[] }[];
  readonly valueInfo?: { name: string; shape?: (number | string)[] }[];
  readonly opset?: number;
}

function tensor(t: TensorDef): Bytes {
  const out: Bytes = [...t.dims.flatMap((d) => vField(1, d))];
  if (t.int64) add(out, vField(2, 7), lField(7, t.int64.flatMap(varint)));
  else if (t.floats) add(out, vField(2, 1), lField(4, t.floats.flatMap(f32)));
  else add(out, vField(2, 1), lField(9, new Array(4 * t.dims.reduce((a, b) => a * b, 1)).fill(0)));
  if (t.name) add(out, sField(8, t.name));
  return out;
}

function attribute(name: string, v: AttrValue): Bytes {
  const head = sField(1, name);
  if (typeof v === 'number') return [...head, ...vField(3, v), ...vField(20, 2)];
  if (typeof v === 'string') return [...head, ...sField(4, v), ...vField(20, 3)];
  if (Array.isArray(v)) return [...head, ...lField(8, v.flatMap(varint)), ...vField(20, 7)];
  if ('floatList' in v) return [...head, ...lField(7, v.floatList.flatMap(f32)), ...vField(20, 6)];
  if ('float' in v) return [...head, ...tag(2, 5), ...f32(v.float), ...vField(20, 1)];
  return [...head, ...lField(5, tensor(v)), ...vField(20, 4)];
}

function valueInfo(v: { name: string; shape?: (number | string)[] }): Bytes {
  const dims = (v.shape ?? []).flatMap((d) => lField(1, typeof d === 'number' ? vField(1, d) : sField(2, d)));
  const tensorType = [...vField(1, 1), ...(v.shape ? lField(2, dims) : [])];
  return [...sField(1, v.name), ...lField(2, lField(1, tensorType))];
}

export function writeOnnx(g: GraphDef): Uint8Array {
  const graph: Bytes = [];
  g.nodes.forEach((n) => {
    const body: Bytes = [...n.inputs.flatMap((i) => sField(1, i)), ...n.outputs.flatMap((o) => sField(2, o)), ...sField(3, n.name ?? ''), ...sField(4, n.op)];
    for (const [k, v] of Object.entries(n.attrs ?? {})) add(body, lField(5, attribute(k, v)));
    if (n.domain) add(body, sField(7, n.domain));
    add(graph, lField(1, body));
  });
  add(graph, sField(2, g.name ?? 'test_graph'));
  for (const t of g.initializers ?? []) add(graph, lField(5, tensor(t)));
  for (const i of g.inputs) add(graph, lField(11, valueInfo(i)));
  for (const o of g.outputs) add(graph, lField(12, valueInfo(o)));
  for (const v of g.valueInfo ?? []) add(graph, lField(13, valueInfo(v)));
  const model: Bytes = [...vField(1, 8), ...sField(2, 'cnn-lens-test'), ...lField(7, graph), ...lField(8, [...sField(1, ''), ...vField(2, g.opset ?? 13)])];
  return Uint8Array.from(model);
}

/** A weight initializer (zero-filled float raw data). */
export const weight = (name: string, ...dims: number[]): TensorDef => ({ name, dims });
export const int64s = (name: string, values: number[]): TensorDef => ({ name, dims: [values.length], int64: values });

/** LeNet-5 as ONNX, by hand: 61,706 parameters, 1×10 out (the front-end's and the CLI's tests share it). */
export const conv = (name: string, x: string, w: string, out: string, attrs: Record<string, number[] | number | string> = {}, b?: string) => ({ op: 'Conv', name, inputs: b ? [x, w, b] : [x, w], outputs: [out], attrs });
export const unary = (op: string, name: string, x: string, out: string, attrs = {}) => ({ op, name, inputs: [x], outputs: [out], attrs });
export const lenet: GraphDef = {
  name: 'lenet5',
  inputs: [{ name: 'x', shape: [1, 1, 32, 32] }],
  outputs: [{ name: 'y', shape: [1, 10] }],
  initializers: [weight('c1.w', 6, 1, 5, 5), weight('c1.b', 6), weight('c2.w', 16, 6, 5, 5), weight('c2.b', 16), weight('f1.w', 120, 400), weight('f1.b', 120), weight('f2.w', 84, 120), weight('f2.b', 84), weight('f3.w', 10, 84), weight('f3.b', 10)],
  nodes: [
    conv('/c1/Conv', 'x', 'c1.w', 'a1', {}, 'c1.b'),
    unary('Relu', '/relu/Relu', 'a1', 'a2'),
    unary('AveragePool', '/s2/AveragePool', 'a2', 'a3', { kernel_shape: [2, 2], strides: [2, 2] }),
    conv('/c3/Conv', 'a3', 'c2.w', 'a4', {}, 'c2.b'),
    unary('Relu', '/relu_1/Relu', 'a4', 'a5'),
    unary('AveragePool', '/s4/AveragePool', 'a5', 'a6', { kernel_shape: [2, 2], strides: [2, 2] }),
    unary('Flatten', '/Flatten', 'a6', 'a7', { axis: 1 }),
    { op: 'Gemm', name: '/f5/Gemm', inputs: ['a7', 'f1.w', 'f1.b'], outputs: ['a8'], attrs: { transB: 1 } },
    unary('Relu', '', 'a8', 'a9'),
    { op: 'Gemm', name: '/f6/Gemm', inputs: ['a9', 'f2.w', 'f2.b'], outputs: ['a10'], attrs: { transB: 1 } },
    unary('Tanh', '', 'a10', 'a11'),
    { op: 'Gemm', name: '/out/Gemm', inputs: ['a11', 'f3.w', 'f3.b'], outputs: ['y'], attrs: { transB: 1 } },
  ],
};
