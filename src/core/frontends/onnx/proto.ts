/**
 * A hand-written reader for the part of onnx.proto CNN Lens needs (model, graph, node, attribute,
 * tensor, value info). It exists instead of a protobufjs dependency because src/core ships inside
 * the webview and CLI bundles and may import nothing from Node: the wire format is small (varints
 * and length-delimited fields), and reading only the fields we use keeps the engine bundle lean.
 * Nothing in a model file is trusted: every length is checked against the bytes that remain before
 * anything is sliced or allocated (a 2 GB length claim in a 1 KB file is a sentence, not a crash),
 * counts of nodes, dims and list elements are capped, sub-graphs are skipped rather than recursed
 * into, and tensor data is kept as a view on the file until a caller asks for a few values.
 */

export class ProtoError extends Error {}

export type DimValue = number | string | null;

export interface OnnxTensor {
  readonly name: string;
  readonly dims: number[];
  readonly dataType: number;
  /** Values as read, for small tensors (constants, shapes, axes); undefined when too large or not numeric. */
  values?: number[];
  /** The raw_data bytes (a view on the file). */
  raw?: Uint8Array;
  readonly floatData: number[];
  readonly int64Data: number[];
  readonly int32Data: number[];
  readonly doubleData: number[];
  external: boolean;
}

export interface OnnxAttribute {
  readonly name: string;
  type: number;
  f?: number;
  i?: number;
  s?: string;
  t?: OnnxTensor;
  readonly floats: number[];
  readonly ints: number[];
  readonly strings: string[];
  hasGraph: boolean;
}

export interface OnnxNode {
  name: string;
  opType: string;
  domain: string;
  readonly inputs: string[];
  readonly outputs: string[];
  readonly attributes: OnnxAttribute[];
}

export interface OnnxValueInfo {
  readonly name: string;
  elemType?: number;
  /** Undefined when the file gives no shape (rank unknown). */
  shape?: DimValue[];
}

export interface OnnxGraph {
  name: string;
  readonly nodes: OnnxNode[];
  readonly initializers: OnnxTensor[];
  readonly inputs: OnnxValueInfo[];
  readonly outputs: OnnxValueInfo[];
  readonly valueInfo: OnnxValueInfo[];
}

export interface OnnxModel {
  irVersion?: number;
  producer: string;
  /** Opset of the default ('' / 'ai.onnx') domain; undefined when the file does not say. */
  opset?: number;
  graph?: OnnxGraph;
}

export const limits = { maxNodes: 200_000, maxDims: 16, maxListLength: 1_000_000, maxValues: 65_536 };

/** Element sizes of the numeric data types, by TensorProto.DataType. */
export const dataTypeSizes: Readonly<Record<number, number>> = { 1: 4, 2: 1, 3: 1, 4: 2, 5: 2, 6: 4, 7: 8, 9: 1, 10: 2, 11: 8, 12: 4, 13: 8, 16: 2 };

/** A cursor over [pos, end) of the file; every read is bounds-checked. */
class Reader {
  constructor(readonly bytes: Uint8Array, public pos: number, readonly end: number, readonly what: string) {}

  get done(): boolean {
    return this.pos >= this.end;
  }

  /** A varint as a JS number (int64 two's complement read as negative). */
  varint(): number {
    let lo = 0;
    let hi = 0;
    let shift = 0;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) throw new ProtoError(`${this.what}: the file ends inside a number at byte ${this.pos}`);
      const b = this.bytes[this.pos++];
      if (shift < 28) lo |= (b & 0x7f) << shift;
      else if (shift === 28) {
        lo |= (b & 0x0f) << 28;
        hi |= (b & 0x7f) >> 4;
      } else hi |= (b & 0x7f) << (shift - 32);
      shift += 7;
      if ((b & 0x80) === 0) return (hi | 0) * 4294967296 + (lo >>> 0);
    }
    throw new ProtoError(`${this.what}: a number at byte ${this.pos} runs past 10 bytes`);
  }

  /** The length of a length-delimited field, checked against what remains. */
  length(field: number): number {
    const start = this.pos;
    const n = this.varint();
    if (n < 0 || n > this.end - this.pos) {
      // Past the end of the file itself (not of an enclosing message), the likeliest cause is a cut-off file.
      const cut = this.end === this.bytes.length && n >= 0 && n < 2 ** 32 ? ' (the file ends first: truncated?)' : '';
      throw new ProtoError(`${this.what}: field ${field} at byte ${start} claims ${n} bytes, but only ${this.end - this.pos} remain${cut}`);
    }
    return n;
  }

  sub(field: number, what: string): Reader {
    const n = this.length(field);
    const r = new Reader(this.bytes, this.pos, this.pos + n, what);
    this.pos += n;
    return r;
  }

  bytesField(field: number): Uint8Array {
    const n = this.length(field);
    const out = this.bytes.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  string(field: number): string {
    return utf8(this.bytesField(field));
  }

  float32(): number {
    this.need(4);
    const v = new DataView(this.bytes.buffer, this.bytes.byteOffset + this.pos, 4).getFloat32(0, true);
    this.pos += 4;
    return v;
  }

  float64(): number {
    this.need(8);
    const v = new DataView(this.bytes.buffer, this.bytes.byteOffset + this.pos, 8).getFloat64(0, true);
    this.pos += 8;
    return v;
  }

  need(n: number): void {
    if (this.end - this.pos < n) throw new ProtoError(`${this.what}: the file ends inside a ${n}-byte value at byte ${this.pos}`);
  }

  /** Skips a field we do not read. */
  skip(wire: number, field: number): void {
    if (wire === 0) this.varint();
    else if (wire === 1) (this.need(8), (this.pos += 8));
    else if (wire === 2) {
      const n = this.length(field); // read before adding: `pos += length()` would add to the old pos
      this.pos += n;
    }
    else if (wire === 5) (this.need(4), (this.pos += 4));
    else throw new ProtoError(`${this.what}: field ${field} at byte ${this.pos} has wire type ${wire}, which ONNX never writes (not an ONNX file, or a corrupted one)`);
  }

  /** Iterates fields: calls `on(field, wire)`, which must consume the value or return false to skip it. */
  fields(on: (field: number, wire: number) => boolean): void {
    while (this.pos < this.end) {
      const at = this.pos;
      const tag = this.varint();
      const field = Math.floor(tag / 8);
      const wire = tag & 7;
      if (field < 1) throw new ProtoError(`${this.what}: invalid field number at byte ${at} (not an ONNX file, or a corrupted one)`);
      if (!on(field, wire)) this.skip(wire, field);
    }
  }

  /** Repeated numbers, packed or not, into `out` (capped). */
  repeated(wire: number, field: number, out: number[], read: (r: Reader) => number, elementWire: number): void {
    if (wire === 2) {
      const r = this.sub(field, this.what);
      while (!r.done) push(out, read(r), this.what);
    } else if (wire === elementWire) push(out, read(this), this.what);
    else this.skip(wire, field);
  }
}

function push(out: number[], v: number, what: string): void {
  if (out.length >= limits.maxListLength) throw new ProtoError(`${what}: a list longer than ${limits.maxListLength} elements`);
  out.push(v);
}

const varint = (r: Reader) => r.varint();
const f32 = (r: Reader) => r.float32();
const f64 = (r: Reader) => r.float64();

/** Strict-enough UTF-8 (names are almost always ASCII); bad sequences become U+FFFD. */
export function utf8(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length; ) {
    const c = b[i];
    let cp = 0xfffd;
    let n = 1;
    if (c < 0x80) cp = c;
    else if (c >= 0xc0 && c < 0xe0 && i + 1 < b.length) (cp = ((c & 0x1f) << 6) | (b[i + 1] & 0x3f)), (n = 2);
    else if (c >= 0xe0 && c < 0xf0 && i + 2 < b.length) (cp = ((c & 0x0f) << 12) | ((b[i + 1] & 0x3f) << 6) | (b[i + 2] & 0x3f)), (n = 3);
    else if (c >= 0xf0 && c < 0xf8 && i + 3 < b.length) (cp = ((c & 0x07) << 18) | ((b[i + 1] & 0x3f) << 12) | ((b[i + 2] & 0x3f) << 6) | (b[i + 3] & 0x3f)), (n = 4);
    s += cp > 0x10ffff ? '\ufffd' : String.fromCodePoint(cp);
    i += n;
    if (s.length > 100_000) break;
  }
  return s;
}

/** Decodes a ModelProto; throws ProtoError with a sentence when the bytes are not one. */
export function readModel(bytes: Uint8Array): OnnxModel {
  const model: OnnxModel = { producer: '' };
  const r = new Reader(bytes, 0, bytes.length, 'ModelProto');
  r.fields((field, wire) => {
    if (field === 1 && wire === 0) model.irVersion = r.varint();
    else if (field === 2 && wire === 2) model.producer = r.string(field);
    else if (field === 7 && wire === 2) {
      if (model.graph) throw new ProtoError('ModelProto: two graphs');
      model.graph = readGraph(r.sub(field, 'GraphProto'));
    } else if (field === 8 && wire === 2) {
      const o = r.sub(field, 'OperatorSetIdProto');
      let domain = '';
      let version: number | undefined;
      o.fields((f, w) => (f === 1 && w === 2 ? ((domain = o.string(f)), true) : f === 2 && w === 0 ? ((version = o.varint()), true) : false));
      if ((domain === '' || domain === 'ai.onnx') && version !== undefined) model.opset = version;
    } else return false;
    return true;
  });
  return model;
}

function readGraph(r: Reader): OnnxGraph {
  const g: OnnxGraph = { name: '', nodes: [], initializers: [], inputs: [], outputs: [], valueInfo: [] };
  r.fields((field, wire) => {
    if (wire !== 2) return false;
    if (field === 1) {
      if (g.nodes.length >= limits.maxNodes) throw new ProtoError(`the graph has more than ${limits.maxNodes} nodes, more than CNN Lens reads`);
      g.nodes.push(readNode(r.sub(field, 'NodeProto')));
    } else if (field === 2) g.name = r.string(field);
    else if (field === 5) g.initializers.push(readTensor(r.sub(field, 'TensorProto')));
    else if (field === 11) g.inputs.push(readValueInfo(r.sub(field, 'ValueInfoProto')));
    else if (field === 12) g.outputs.push(readValueInfo(r.sub(field, 'ValueInfoProto')));
    else if (field === 13) g.valueInfo.push(readValueInfo(r.sub(field, 'ValueInfoProto')));
    else return false;
    return true;
  });
  return g;
}

function readNode(r: Reader): OnnxNode {
  const n: OnnxNode = { name: '', opType: '', domain: '', inputs: [], outputs: [], attributes: [] };
  r.fields((field, wire) => {
    if (wire !== 2) return false;
    if (field === 1) n.inputs.push(r.string(field));
    else if (field === 2) n.outputs.push(r.string(field));
    else if (field === 3) n.name = r.string(field);
    else if (field === 4) n.opType = r.string(field);
    else if (field === 5) n.attributes.push(readAttribute(r.sub(field, 'AttributeProto')));
    else if (field === 7) n.domain = r.string(field);
    else return false;
    return true;
  });
  return n;
}

function readAttribute(r: Reader): OnnxAttribute {
  const a: OnnxAttribute = { name: '', type: 0, floats: [], ints: [], strings: [], hasGraph: false };
  const named = a as { name: string };
  r.fields((field, wire) => {
    if (field === 1 && wire === 2) named.name = r.string(field);
    else if (field === 2 && wire === 5) a.f = r.float32();
    else if (field === 3 && wire === 0) a.i = r.varint();
    else if (field === 4 && wire === 2) a.s = r.string(field);
    else if (field === 5 && wire === 2) a.t = readTensor(r.sub(field, 'TensorProto'));
    else if (field === 6 && wire === 2) (r.skip(wire, field), (a.hasGraph = true));
    else if (field === 7) r.repeated(wire, field, a.floats, f32, 5);
    else if (field === 8) r.repeated(wire, field, a.ints, varint, 0);
    else if (field === 9 && wire === 2) (a.strings.length < 10_000 ? a.strings.push(r.string(field)) : r.skip(wire, field));
    else if (field === 20 && wire === 0) a.type = r.varint();
    else return false;
    return true;
  });
  return a;
}

function readTensor(r: Reader): OnnxTensor {
  const t: OnnxTensor = { name: '', dims: [], dataType: 0, floatData: [], int64Data: [], int32Data: [], doubleData: [], external: false };
  const w = t as { name: string; dataType: number };
  r.fields((field, wire) => {
    if (field === 1) {
      r.repeated(wire, field, t.dims, varint, 0);
      if (t.dims.length > limits.maxDims) throw new ProtoError(`tensor '${t.name}' has more than ${limits.maxDims} dimensions`);
    } else if (field === 2 && wire === 0) w.dataType = r.varint();
    else if (field === 4) r.repeated(wire, field, t.floatData, f32, 5);
    else if (field === 5) r.repeated(wire, field, t.int32Data, varint, 0);
    else if (field === 7) r.repeated(wire, field, t.int64Data, varint, 0);
    else if (field === 8 && wire === 2) w.name = r.string(field);
    else if (field === 9 && wire === 2) t.raw = r.bytesField(field);
    else if (field === 10) r.repeated(wire, field, t.doubleData, f64, 1);
    else if (field === 14 && wire === 0) t.external = r.varint() === 1;
    else return false;
    return true;
  });
  for (const d of t.dims) if (!Number.isSafeInteger(d) || d < 0) throw new ProtoError(`tensor '${t.name}' has dimension ${d}, which no tensor has`);
  t.values = tensorValues(t);
  return t;
}

/** The values of a small numeric tensor, or undefined. */
function tensorValues(t: OnnxTensor): number[] | undefined {
  let count = 1;
  for (const d of t.dims) count *= d;
  if (count > limits.maxValues) return undefined;
  if (t.raw) {
    const size = dataTypeSizes[t.dataType];
    if (!size || t.raw.length !== count * size) return undefined;
    const view = new DataView(t.raw.buffer, t.raw.byteOffset, t.raw.byteLength);
    const out: number[] = [];
    for (let i = 0; i < count; i++) {
      const o = i * size;
      switch (t.dataType) {
        case 1: out.push(view.getFloat32(o, true)); break;
        case 11: out.push(view.getFloat64(o, true)); break;
        case 7: out.push(view.getInt32(o + 4, true) * 4294967296 + view.getUint32(o, true)); break;
        case 13: out.push(view.getUint32(o + 4, true) * 4294967296 + view.getUint32(o, true)); break;
        case 6: out.push(view.getInt32(o, true)); break;
        case 12: out.push(view.getUint32(o, true)); break;
        case 5: out.push(view.getInt16(o, true)); break;
        case 4: out.push(view.getUint16(o, true)); break;
        case 3: out.push(view.getInt8(o)); break;
        case 2: case 9: out.push(view.getUint8(o)); break;
        default: return undefined;
      }
    }
    return out;
  }
  const data = t.dataType === 1 ? t.floatData : t.dataType === 7 ? t.int64Data : t.dataType === 11 ? t.doubleData : [6, 5, 4, 3, 2, 9].includes(t.dataType) ? t.int32Data : undefined;
  return data && data.length === count ? data.slice() : undefined;
}

function readValueInfo(r: Reader): OnnxValueInfo {
  const v: OnnxValueInfo = { name: '' };
  const w = v as { name: string };
  r.fields((field, wire) => {
    if (field === 1 && wire === 2) w.name = r.string(field);
    else if (field === 2 && wire === 2) {
      const type = r.sub(field, 'TypeProto');
      type.fields((f, tw) => {
        if (f !== 1 || tw !== 2) return false;
        const tensor = type.sub(f, 'TypeProto.Tensor');
        tensor.fields((tf, ttw) => {
          if (tf === 1 && ttw === 0) v.elemType = tensor.varint();
          else if (tf === 2 && ttw === 2) {
            const shape = tensor.sub(tf, 'TensorShapeProto');
            v.shape = [];
            shape.fields((sf, sw) => {
              if (sf !== 1 || sw !== 2) return false;
              if (v.shape!.length >= limits.maxDims) throw new ProtoError(`value '${v.name}' has more than ${limits.maxDims} dimensions`);
              const dim = shape.sub(sf, 'TensorShapeProto.Dimension');
              let d: DimValue = null;
              dim.fields((df, dw) => (df === 1 && dw === 0 ? ((d = dim.varint()), true) : df === 2 && dw === 2 ? ((d = dim.string(df) || null), true) : false));
              v.shape!.push(typeof d === 'number' && (!Number.isSafeInteger(d) || d < 0) ? null : d);
              return true;
            });
          } else return false;
          return true;
        });
        return true;
      });
    } else return false;
    return true;
  });
  return v;
}
