/**
 * The corruptions the model-file fuzz test applies, each seeded so a failure replays: structural
 * JSON edits with values no real model has (huge, negative, prototype names, deep nesting, long
 * lists), text and byte edits (cut short, flipped, spans deleted or duplicated), protobuf-aware
 * edits for ONNX (a length field made huge, a field repeated, nesting and list bombs), and
 * safetensors written and broken field by field (length prefix, header JSON, offsets, dtypes).
 */
/** mulberry32: a small seeded PRNG, so every run mutates the same way. */
export function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A stable seed per fixture (FNV-1a of its name), so adding a fixture does not reshuffle the others. */
export function seedOf(name: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

export type Rnd = () => number;
export const pick = (rnd: Rnd, n: number) => Math.floor(rnd() * n);
export const choose = <T>(rnd: Rnd, xs: readonly T[]): T => xs[pick(rnd, xs.length)];

// ---- mutators ---------------------------------------------------------------------------------

/** Numbers no real model has: huge, negative, fractional, at the float and integer edges. */
export const nastyNumbers = [0, -1, 1.5, 2 ** 31, 2 ** 31 - 1, 2 ** 32, 2 ** 53, 2 ** 53 + 2, 1e308, -1e308, 1e-320, Number.MAX_SAFE_INTEGER, -(2 ** 31), 1e9];
export const nastyStrings = ['', 'x', '__proto__', 'constructor', 'toString', 'hasOwnProperty', '../../etc/passwd', '/abs.bin', '\u0000', 'ä\ud800', 'float16', 'int8', 'channels_first', 'same', 'valid', 'None', 'null'];

export function nastyValue(rnd: Rnd, sibling: unknown): unknown {
  switch (pick(rnd, 10)) {
    case 0:
      return choose(rnd, nastyNumbers);
    case 1:
      return choose(rnd, nastyStrings);
    case 2:
      return null;
    case 3:
      return choose(rnd, [true, false]);
    case 4:
      return [];
    case 5:
      return {};
    case 6:
      return Array.from({ length: 1 + pick(rnd, 6) }, () => choose(rnd, nastyNumbers));
    case 7: {
      // Deep nesting: a reader that recurses must bound it.
      let v: unknown = choose(rnd, nastyNumbers);
      for (let d = 0, n = 10 + pick(rnd, 1000); d < n; d++) v = rnd() < 0.5 ? [v] : { config: v };
      return v;
    }
    case 8:
      // A long list of something plausible: a shape with thousands of dims, or a few dozen copies of a layer.
      return rnd() < 0.5 ? Array.from({ length: 100 + pick(rnd, 5000) }, () => 1 + pick(rnd, 4)) : Array.from({ length: 2 + pick(rnd, 40) }, () => structuredClone(sibling ?? null));
    default:
      return structuredClone(sibling ?? null);
  }
}

export type JsonNode = Record<string, unknown> | unknown[];
export const isContainer = (v: unknown): v is JsonNode => typeof v === 'object' && v !== null;

/** Every container in a JSON value with its path depth, breadth first (bounded). */
export function containers(json: unknown): JsonNode[] {
  const out: JsonNode[] = [];
  const queue: unknown[] = [json];
  while (queue.length && out.length < 50_000) {
    const v = queue.shift();
    if (!isContainer(v)) continue;
    out.push(v);
    for (const c of Array.isArray(v) ? v : Object.values(v)) if (isContainer(c)) queue.push(c);
  }
  return out;
}

/**
 * Structural edits to a parsed JSON value: values replaced, keys deleted or renamed, elements duplicated, swapped or
 * dropped.
 */
export function mutateJson(json: unknown, rnd: Rnd, edits = 1 + pick(rnd, 3)): unknown {
  const copy = structuredClone(json);
  const all = containers(copy);
  if (!all.length) return nastyValue(rnd, copy);
  for (let e = 0; e < edits; e++) {
    const node = choose(rnd, all);
    if (Array.isArray(node)) {
      if (!node.length) {
        node.push(nastyValue(rnd, null));
        continue;
      }
      const i = pick(rnd, node.length);
      switch (pick(rnd, 5)) {
        case 0:
          node.splice(i, 1);
          break;
        case 1:
          node.splice(i, 0, structuredClone(node[i]));
          break;
        case 2: {
          const j = pick(rnd, node.length);
          [node[i], node[j]] = [node[j], node[i]];
          break;
        }
        default:
          node[i] = nastyValue(rnd, node[i]);
      }
    } else {
      const keys = Object.keys(node);
      if (!keys.length) {
        node[choose(rnd, ['class_name', 'config', 'name', 'layers', 'inbound_nodes', 'shape', 'dtype'])] = nastyValue(rnd, null);
        continue;
      }
      const k = choose(rnd, keys);
      switch (pick(rnd, 5)) {
        case 0:
          delete node[k];
          break;
        case 1:
          node[choose(rnd, keys)] = structuredClone(node[k]);
          break;
        default:
          node[k] = nastyValue(rnd, node[k]);
      }
    }
  }
  return copy;
}

/** Text edits: cut short, a byte changed, a span deleted or duplicated, a bracket inserted. */
export function mutateText(text: string, rnd: Rnd): string {
  let out = text;
  for (let e = 0, edits = 1 + pick(rnd, 2); e < edits; e++) {
    const i = pick(rnd, out.length + 1);
    const span = 1 + pick(rnd, 200);
    switch (pick(rnd, 5)) {
      case 0:
        out = out.slice(0, i);
        break;
      case 1:
        out = out.slice(0, i) + String.fromCharCode(pick(rnd, 128)) + out.slice(i + 1);
        break;
      case 2:
        out = out.slice(0, i) + out.slice(i + span);
        break;
      case 3:
        out = out.slice(0, i + span) + out.slice(i, i + span) + out.slice(i + span);
        break;
      default:
        out = out.slice(0, i) + '[{]}",:0-e'[pick(rnd, 10)] + out.slice(i);
    }
  }
  return out;
}

/**
 * Byte edits within [from, to) of a copy: cut short, bytes flipped, a range zeroed or 0xff'd, a span deleted,
 * duplicated or overwritten elsewhere, a 4- or 8-byte little-endian number made huge.
 */
export function mutateBytes(bytes: Uint8Array, rnd: Rnd, from = 0, to = bytes.length): Uint8Array {
  let out: Uint8Array = bytes.slice();
  for (let e = 0, edits = 1 + pick(rnd, 3); e < edits; e++) {
    const hi = Math.min(to, out.length);
    const lo = Math.min(from, hi);
    const i = lo + pick(rnd, Math.max(1, hi - lo));
    const span = 1 + pick(rnd, rnd() < 0.7 ? 16 : 4096);
    switch (pick(rnd, 8)) {
      case 0:
        out = out.slice(0, pick(rnd, out.length + 1));
        break;
      case 1:
      case 2:
        for (let k = 0, n = 1 + pick(rnd, 8); k < n; k++) {
          const at = Math.min(out.length - 1, i + pick(rnd, 16));
          if (at >= 0) out[at] ^= 1 << pick(rnd, 8);
        }
        break;
      case 3:
        out.fill(rnd() < 0.7 ? 0 : 0xff, i, i + span);
        break;
      case 4:
        out = concat(out.subarray(0, i), out.subarray(Math.min(out.length, i + span)));
        break;
      case 5:
        out = concat(out.subarray(0, i + span), out.subarray(i, i + span), out.subarray(i + span));
        break;
      case 6: {
        const j = pick(rnd, out.length + 1);
        out.set(out.slice(j, j + span).subarray(0, Math.max(0, out.length - i)), Math.min(i, out.length));
        break;
      }
      default: {
        // A size or offset field, if one is here, now claims something absurd.
        const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
        if (i + 8 <= out.length && rnd() < 0.5) view.setBigUint64(i, choose(rnd, [2n ** 31n, 2n ** 40n, 2n ** 53n, 2n ** 63n, 2n ** 64n - 1n]), true);
        else if (i + 4 <= out.length) view.setUint32(i, choose(rnd, [2 ** 31, 2 ** 32 - 1, 0x7fffffff, 0, 1, 2 ** 31 + 7]), true);
      }
    }
  }
  return out;
}

export function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) (out.set(p, at), (at += p.length));
  return out;
}

// ---- protobuf-aware edits (ONNX) ----------------------------------------------------------------

/** Where a length-delimited field's length varint sits: [start, end) of the varint and its value. */
export interface LengthField {
  readonly at: number;
  readonly end: number;
  readonly length: number;
}

/** Every length varint in a protobuf, found by reading length-delimited fields as messages when they parse as one. */
export function lengthFields(bytes: Uint8Array): LengthField[] {
  const out: LengthField[] = [];
  const readVarint = (pos: number, end: number): [number, number] | undefined => {
    let v = 0;
    for (let k = 0, mul = 1; k < 10 && pos < end; k++, mul *= 128) {
      const b = bytes[pos++];
      v += (b & 0x7f) * mul;
      if (!(b & 0x80)) return [v, pos];
    }
    return undefined;
  };
  const walk = (start: number, end: number, depth: number): boolean => {
    const found: LengthField[] = [];
    let pos = start;
    while (pos < end) {
      const tag = readVarint(pos, end);
      if (!tag || tag[0] < 8) return false;
      pos = tag[1];
      const wire = tag[0] & 7;
      if (wire === 0) {
        const v = readVarint(pos, end);
        if (!v) return false;
        pos = v[1];
      } else if (wire === 1) pos += 8;
      else if (wire === 5) pos += 4;
      else if (wire === 2) {
        const n = readVarint(pos, end);
        if (!n || n[1] + n[0] > end) return false;
        found.push({ at: pos, end: n[1], length: n[0] });
        if (depth < 12 && n[0] > 0) walk(n[1], n[1] + n[0], depth + 1);
        pos = n[1] + n[0];
      } else return false;
    }
    if (pos !== end) return false;
    out.push(...found);
    return true;
  };
  walk(0, bytes.length, 0);
  return out;
}

export function encodeVarint(n: number): number[] {
  const out: number[] = [];
  while (n >= 0x80) {
    out.push((n % 128) | 0x80);
    n = Math.floor(n / 128);
  }
  out.push(n);
  return out;
}

/**
 * `depth` messages each holding the next in field `tag` (a wire-type-2 tag byte), built inside out without recursion.
 */
export function nestedMessages(tag: number, depth: number): Uint8Array {
  const lengths = [0];
  for (let d = 1; d < depth; d++) lengths.push(lengths[d - 1] + 1 + encodeVarint(lengths[d - 1]).length);
  const out = new Uint8Array(lengths[depth - 1]);
  let at = 0;
  for (let d = depth - 2; d >= 0; d--) {
    out[at++] = tag;
    for (const b of encodeVarint(lengths[d])) out[at++] = b;
  }
  return out;
}

/** Protobuf-level edits: a length claim made huge, off by one, or 10-byte garbage; a field's bytes repeated. */
export function mutateOnnx(bytes: Uint8Array, fields: readonly LengthField[], rnd: Rnd): Uint8Array {
  if (!fields.length || rnd() < 0.4) return mutateBytes(bytes, rnd);
  const f = choose(rnd, fields);
  switch (pick(rnd, 4)) {
    case 0:
    case 1: {
      const claim = choose(rnd, [2 ** 31, 2 ** 32 - 1, 2 ** 53, 2 ** 62, f.length + 1, f.length + 1000, Math.max(0, f.length - 1), 0, bytes.length]);
      const varint = rnd() < 0.1 ? [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01] : encodeVarint(claim);
      return concat(bytes.subarray(0, f.at), Uint8Array.from(varint), bytes.subarray(f.end));
    }
    case 2: {
      // The field repeated (nodes, initializers, dims twice over), up to a few hundred times.
      const start = Math.max(0, f.at - 1 - (f.at >= 2 && bytes[f.at - 2] & 0x80 ? 1 : 0));
      const field = bytes.subarray(start, f.end + f.length);
      const times = 1 + pick(rnd, rnd() < 0.9 || field.length > 4096 ? 4 : 300);
      return concat(bytes.subarray(0, f.end + f.length), ...Array.from({ length: times }, () => field), bytes.subarray(f.end + f.length));
    }
    default:
      // The field's contents garbled, its length left as it was.
      return concat(bytes.subarray(0, f.end), mutateBytes(bytes.subarray(f.end, f.end + f.length), rnd).subarray(0, f.length), bytes.subarray(f.end + f.length));
  }
}

// ---- safetensors writer (as test/unit/safetensors.test.ts writes them) ----------------------------

export interface Entry {
  readonly name: string;
  readonly dtype: string;
  readonly shape: readonly number[];
  readonly data: Uint8Array;
}

export function writeSafetensors(entries: readonly Entry[], metadata?: Record<string, string>): Uint8Array {
  const header: Record<string, unknown> = {};
  if (metadata) header.__metadata__ = metadata;
  let offset = 0;
  for (const e of entries) {
    header[e.name] = { dtype: e.dtype, shape: e.shape, data_offsets: [offset, offset + e.data.length] };
    offset += e.data.length;
  }
  return assembleSafetensors(JSON.stringify(header), entries.map((e) => e.data));
}

/** 8-byte length + header (space-padded to 8 bytes) + data. */
export function assembleSafetensors(headerText: string, data: readonly Uint8Array[]): Uint8Array {
  let head = Buffer.from(headerText, 'utf8');
  if (head.length % 8) head = Buffer.concat([head, Buffer.alloc(8 - (head.length % 8), 0x20)]);
  const length = Buffer.alloc(8);
  length.writeBigUInt64LE(BigInt(head.length));
  return new Uint8Array(Buffer.concat([length, head, ...data]));
}

export const filled = (n: number, seed: number) => {
  const rnd = random(seed);
  return Uint8Array.from({ length: n }, () => pick(rnd, 256));
};

/** Safetensors-aware edits: the length prefix, the header JSON (structurally or as text) or the data. */
export function mutateSafetensors(bytes: Uint8Array, rnd: Rnd): Uint8Array {
  const n = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
  const headerText = Buffer.from(bytes.subarray(8, 8 + n)).toString('utf8');
  const data = bytes.subarray(8 + n);
  switch (pick(rnd, 7)) {
    case 5:
    case 6: {
      // One entry's dtype, shape or offsets changed to values that are each plausible on their own.
      const header = JSON.parse(headerText) as Record<string, { dtype: string; shape: number[]; data_offsets: number[] }>;
      const names = Object.keys(header).filter((k) => k !== '__metadata__');
      const entry = header[choose(rnd, names)];
      const other = header[choose(rnd, names)];
      const [begin, end] = entry.data_offsets;
      switch (pick(rnd, 6)) {
        case 0:
          entry.dtype = choose(rnd, ['F64', 'F32', 'F16', 'BF16', 'F8_E4M3', 'F8_E5M2', 'I64', 'I32', 'I16', 'I8', 'U64', 'U32', 'U16', 'U8', 'BOOL', 'f32', 'F128', 'Q4']);
          break;
        case 1:
          entry.shape = rnd() < 0.5 ? [...entry.shape].reverse().concat(rnd() < 0.5 ? [1] : []) : entry.shape.map((d) => d * choose(rnd, [0, 2, 2 ** 20, 2 ** 31]));
          break;
        case 2: {
          // Shifted: same length, now overlapping a neighbour or running past the end.
          const shift = choose(rnd, [-1, 1, -4, 4, end - begin, data.length, -begin]);
          entry.data_offsets = [begin + shift, end + shift];
          break;
        }
        case 3:
          entry.data_offsets = [...other.data_offsets];
          break;
        case 4:
          entry.data_offsets = [begin, choose(rnd, [end + 1, end - 1, 2 ** 53, 2 ** 31, begin])];
          break;
        default:
          entry.data_offsets = [end, begin];
      }
      return assembleSafetensors(JSON.stringify(header), [data]);
    }
    case 0: {
      const out = bytes.slice();
      const claim = choose(rnd, [2n ** 31n, 2n ** 32n - 1n, 2n ** 53n, 2n ** 63n, 2n ** 64n - 1n, BigInt(n + 1), BigInt(Math.max(0, n - 1)), 0n, 1n, BigInt(bytes.length), 100_000_001n]);
      new DataView(out.buffer).setBigUint64(0, claim, true);
      return out;
    }
    case 1:
    case 2: {
      let header: unknown;
      try {
        header = JSON.parse(headerText);
      } catch {
        return mutateBytes(bytes, rnd);
      }
      return assembleSafetensors(JSON.stringify(mutateJson(header, rnd)), [data]);
    }
    case 3:
      return assembleSafetensors(mutateText(headerText.trimEnd(), rnd), [data]);
    default:
      return mutateBytes(bytes, rnd);
  }
}
