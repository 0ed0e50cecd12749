/**
 * Reads `.safetensors` weight files (Hugging Face's format, what `safetensors.torch.save_file`
 * writes): an 8-byte little-endian header length N, N bytes of UTF-8 JSON naming every tensor's
 * dtype, shape and byte range, then the raw little-endian data. The reader trusts nothing in the
 * file: it refuses an absurd header length before allocating anything, validates every entry
 * (dtype, shape, offsets inside the buffer, no overlaps, byte length = elements × dtype size) and
 * reports the first problem as a sentence. `tensorData` converts any numeric dtype to a fresh
 * Float32Array (the activations panel's weights), `tensorRows` lists them, and a header can be
 * read from the start of a file alone (`fileSize`), so a checkpoint's tensors are never loaded just
 * to be listed or checked (whether they fit a model is src/core/analysis/weightFit.ts). Plain ES2022: no DOM, no Node (so no TextDecoder; UTF-8 is decoded here, strictly).
 */

export type SafetensorsDtype =
  | 'F64'
  | 'F32'
  | 'F16'
  | 'BF16'
  | 'F8_E4M3'
  | 'F8_E5M2'
  | 'I64'
  | 'I32'
  | 'I16'
  | 'I8'
  | 'U64'
  | 'U32'
  | 'U16'
  | 'U8'
  | 'BOOL';

/** Bytes per element of each dtype the reader accepts. */
export const dtypeSizes: Readonly<Record<SafetensorsDtype, number>> = {
  F64: 8,
  F32: 4,
  F16: 2,
  BF16: 2,
  F8_E4M3: 1,
  F8_E5M2: 1,
  I64: 8,
  I32: 4,
  I16: 2,
  I8: 1,
  U64: 8,
  U32: 4,
  U16: 2,
  U8: 1,
  BOOL: 1,
};

export interface SafetensorsTensor {
  readonly name: string;
  readonly dtype: SafetensorsDtype;
  readonly shape: readonly number[];
  /** [begin, end) relative to the start of the data section (byte 8 + N of the file). */
  readonly dataOffsets: readonly [number, number];
}

export interface SafetensorsHeader {
  /** N, the JSON header's length in bytes. */
  readonly headerLength: number;
  /** Where the data section starts in the file: 8 + N. */
  readonly dataStart: number;
  /** Bytes from dataStart to the end of the file. */
  readonly dataLength: number;
  /** Every tensor, in the header's order. */
  readonly tensors: ReadonlyMap<string, SafetensorsTensor>;
  /** `__metadata__` (string → string), empty when absent. */
  readonly metadata: Readonly<Record<string, string>>;
}

export interface ReadSafetensorsOptions {
  /** Largest header accepted, in bytes; 100 MB by default (the safetensors crate's own limit). */
  readonly maxHeaderBytes?: number;
  /**
   * The whole file's size, when `bytes` holds only its start (at least 8 + N bytes): enough to
   * check the header against the file without reading gigabytes of tensors.
   */
  readonly fileSize?: number;
}

export const defaultMaxHeaderBytes = 100_000_000;

const fail = (error: string): { error: string } => ({ error });

function formatBytes(n: number): string {
  if (n >= 1024 ** 3) return `${(n / 1024 ** 3).toFixed(1)} GiB`;
  if (n >= 1024 ** 2) return `${(n / 1024 ** 2).toFixed(1)} MiB`;
  if (n >= 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${n} bytes`;
}

const isDtype = (s: unknown): s is SafetensorsDtype => typeof s === 'string' && Object.prototype.hasOwnProperty.call(dtypeSizes, s);

const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

/**
 * Strict UTF-8 → string (rejects overlong forms, surrogates, truncated sequences). Returns
 * undefined on invalid input. Builds the string in chunks so a large header stays fast.
 */
export function decodeUtf8(bytes: Uint8Array): string | undefined {
  const parts: string[] = [];
  const units: number[] = [];
  const flush = (): void => {
    parts.push(String.fromCharCode(...units));
    units.length = 0;
  };
  let i = 0;
  const n = bytes.length;
  while (i < n) {
    const b0 = bytes[i];
    let cp: number;
    if (b0 < 0x80) {
      cp = b0;
      i += 1;
    } else {
      let need: number;
      let min: number;
      if (b0 >= 0xc2 && b0 <= 0xdf) [need, min, cp] = [1, 0x80, b0 & 0x1f];
      else if (b0 >= 0xe0 && b0 <= 0xef) [need, min, cp] = [2, 0x800, b0 & 0x0f];
      else if (b0 >= 0xf0 && b0 <= 0xf4) [need, min, cp] = [3, 0x10000, b0 & 0x07];
      else return undefined;
      if (i + need >= n) return undefined;
      for (let k = 1; k <= need; k++) {
        const b = bytes[i + k];
        if ((b & 0xc0) !== 0x80) return undefined;
        cp = (cp << 6) | (b & 0x3f);
      }
      if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return undefined;
      i += need + 1;
    }
    if (cp > 0xffff) {
      cp -= 0x10000;
      units.push(0xd800 + (cp >> 10), 0xdc00 + (cp & 0x3ff));
    } else units.push(cp);
    if (units.length >= 8192) flush();
  }
  flush();
  return parts.join('');
}

/** Elements in a shape, or undefined when the count is not a safe integer. */
function elementCount(shape: readonly number[]): number | undefined {
  if (shape.includes(0)) return 0;
  let count = 1;
  for (const d of shape) {
    count *= d;
    if (!Number.isSafeInteger(count)) return undefined;
  }
  return count;
}

const shapeText = (shape: readonly (number | null)[]): string => `[${shape.map((d) => (d === null ? '?' : String(d))).join(', ')}]`;

/**
 * Parses and validates a safetensors file's header. Never throws; on any problem returns
 * `{ error }` with a sentence saying what is wrong and where. Nothing is allocated in proportion
 * to the claimed header length until that length has been checked against the file and the limit.
 */
export function readSafetensorsHeader(bytes: Uint8Array, options: ReadSafetensorsOptions = {}): SafetensorsHeader | { error: string } {
  const maxHeaderBytes = options.maxHeaderBytes ?? defaultMaxHeaderBytes;
  if (bytes.length < 8) return fail(`not a safetensors file: ${bytes.length} byte(s), shorter than the 8-byte header length`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const low = view.getUint32(0, true);
  const high = view.getUint32(4, true);
  // high · 2³² + low is exact up to 2⁵³; beyond that it is absurd anyway and only compared.
  const headerLength = high * 4294967296 + low;
  const fileSize = Math.max(options.fileSize ?? bytes.length, bytes.length);
  if (headerLength > maxHeaderBytes) return fail(`header length ${headerLength} (${formatBytes(headerLength)}) exceeds the ${formatBytes(maxHeaderBytes)} limit; the file is corrupt or not safetensors`);
  if (headerLength > fileSize - 8) return fail(`header length ${headerLength} is larger than the ${fileSize - 8} bytes after it; the file is truncated or not safetensors`);
  if (headerLength > bytes.length - 8) return fail(`header length ${headerLength} is larger than the ${bytes.length - 8} bytes read`);
  if (headerLength < 2) return fail(`header length ${headerLength} is too small to hold a JSON object`);
  const dataStart = 8 + headerLength;
  const dataLength = fileSize - dataStart;
  const text = decodeUtf8(bytes.subarray(8, dataStart));
  if (text === undefined) return fail('header is not valid UTF-8');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    return fail(`header is not valid JSON: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (!isPlainObject(json)) return fail(`header must be a JSON object, found ${Array.isArray(json) ? 'an array' : json === null ? 'null' : typeof json}`);

  let metadata: Record<string, string> = {};
  const tensors = new Map<string, SafetensorsTensor>();
  for (const [name, entry] of Object.entries(json)) {
    if (name === '__metadata__') {
      if (!isPlainObject(entry)) return fail('__metadata__ must be an object of strings');
      for (const [k, v] of Object.entries(entry)) if (typeof v !== 'string') return fail(`__metadata__["${k}"] must be a string, found ${v === null ? 'null' : typeof v}`);
      metadata = Object.fromEntries(Object.entries(entry as Record<string, string>));
      continue;
    }
    const where = `tensor "${name}"`;
    if (!isPlainObject(entry)) return fail(`${where}: entry must be an object with dtype, shape and data_offsets`);
    const { dtype, shape, data_offsets: offsets } = entry;
    if (!isDtype(dtype)) return fail(`${where}: unsupported dtype ${JSON.stringify(dtype) ?? 'undefined'} (expected one of ${Object.keys(dtypeSizes).join(', ')})`);
    if (!Array.isArray(shape) || !shape.every(isCount)) return fail(`${where}: shape must be an array of non-negative integers, found ${JSON.stringify(shape) ?? 'nothing'}`);
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isCount)) return fail(`${where}: data_offsets must be [begin, end] with non-negative integers, found ${JSON.stringify(offsets) ?? 'nothing'}`);
    const [begin, end] = offsets as [number, number];
    if (begin > end) return fail(`${where}: data_offsets [${begin}, ${end}] end before they begin`);
    if (end > dataLength) return fail(`${where}: data_offsets [${begin}, ${end}] run past the data section's ${dataLength} bytes (file truncated?)`);
    const count = elementCount(shape);
    const expectedBytes = count === undefined ? undefined : count * dtypeSizes[dtype];
    if (expectedBytes === undefined || end - begin !== expectedBytes) {
      return fail(`${where}: shape ${shapeText(shape)} of ${dtype} needs ${expectedBytes ?? 'more than 2^53'} bytes but data_offsets [${begin}, ${end}] span ${end - begin}`);
    }
    tensors.set(name, { name, dtype, shape: shape.slice(), dataOffsets: [begin, end] });
  }

  // No two tensors may share bytes (empty tensors take none, so they cannot overlap).
  const ranges = [...tensors.values()].filter((t) => t.dataOffsets[1] > t.dataOffsets[0]).sort((a, b) => a.dataOffsets[0] - b.dataOffsets[0]);
  for (let k = 1; k < ranges.length; k++) {
    const [prev, next] = [ranges[k - 1], ranges[k]];
    if (next.dataOffsets[0] < prev.dataOffsets[1]) {
      return fail(`tensors "${prev.name}" [${prev.dataOffsets.join(', ')}] and "${next.name}" [${next.dataOffsets.join(', ')}] overlap`);
    }
  }
  return { headerLength, dataStart, dataLength, tensors, metadata };
}

// ---- dtype conversion ------------------------------------------------------------------------

/** IEEE 754 half → number. */
export function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 0x1f) return frac ? NaN : sign * Infinity;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

let fp8Tables: { e4m3: Float32Array; e5m2: Float32Array } | undefined;

/** Lookup tables for the two 8-bit float formats (E4M3 is the "fn" variant: no infinities). */
function fp8(): { e4m3: Float32Array; e5m2: Float32Array } {
  if (fp8Tables) return fp8Tables;
  const e4m3 = new Float32Array(256);
  const e5m2 = new Float32Array(256);
  for (let b = 0; b < 256; b++) {
    const sign = b & 0x80 ? -1 : 1;
    // E4M3FN: bias 7, 3 mantissa bits, S.1111.111 is NaN.
    const e4 = (b >> 3) & 0xf;
    const m3 = b & 7;
    e4m3[b] = e4 === 0xf && m3 === 7 ? NaN : e4 === 0 ? sign * m3 * 2 ** -9 : sign * (1 + m3 / 8) * 2 ** (e4 - 7);
    // E5M2: bias 15, 2 mantissa bits, IEEE-like infinities and NaNs (the top byte of a half).
    e5m2[b] = halfToFloat(b << 8);
  }
  fp8Tables = { e4m3, e5m2 };
  return fp8Tables;
}

const littleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * One tensor's values as a new Float32Array (never a view of `bytes`, so it may be kept or
 * changed freely). Integers wider than 24 bits and F64 values round to the nearest float32.
 * Offsets need not be aligned. Throws if `name` is not in the header; call readSafetensorsHeader
 * on the same bytes first, since the header's offsets are trusted here.
 */
export function tensorData(bytes: Uint8Array, header: SafetensorsHeader, name: string): Float32Array {
  const tensor = header.tensors.get(name);
  if (!tensor) throw new Error(`no tensor "${name}" in this safetensors file`);
  const [begin, end] = tensor.dataOffsets;
  if (header.dataStart + end > bytes.length) throw new Error(`tensor "${name}" lies outside these bytes; read the header from the same file`);
  return decodeFloats(bytes.subarray(header.dataStart + begin, header.dataStart + end), tensor.dtype);
}

/**
 * Little-endian values of `dtype` as a new Float32Array (whole elements only: a trailing partial
 * element is ignored). Shared with PyTorch checkpoints, whose storages hold the same encodings.
 */
export function decodeFloats(raw: Uint8Array, dtype: SafetensorsDtype): Float32Array {
  const size = dtypeSizes[dtype];
  const count = Math.floor(raw.length / size);
  const start = raw.byteOffset;
  const out = new Float32Array(count);
  const view = new DataView(raw.buffer, start, count * size);
  switch (dtype) {
    case 'F32':
      if (littleEndian && start % 4 === 0) out.set(new Float32Array(raw.buffer, start, count));
      else for (let i = 0; i < count; i++) out[i] = view.getFloat32(4 * i, true);
      break;
    case 'F64':
      for (let i = 0; i < count; i++) out[i] = view.getFloat64(8 * i, true);
      break;
    case 'F16':
      for (let i = 0; i < count; i++) out[i] = halfToFloat(view.getUint16(2 * i, true));
      break;
    case 'BF16': {
      // bfloat16 is the top half of a float32: widen the bits and reinterpret.
      const bits = new Uint32Array(out.buffer);
      for (let i = 0; i < count; i++) bits[i] = view.getUint16(2 * i, true) << 16;
      break;
    }
    case 'F8_E4M3': {
      const table = fp8().e4m3;
      for (let i = 0; i < count; i++) out[i] = table[raw[i]];
      break;
    }
    case 'F8_E5M2': {
      const table = fp8().e5m2;
      for (let i = 0; i < count; i++) out[i] = table[raw[i]];
      break;
    }
    case 'I64':
      for (let i = 0; i < count; i++) out[i] = view.getInt32(8 * i + 4, true) * 4294967296 + view.getUint32(8 * i, true);
      break;
    case 'U64':
      for (let i = 0; i < count; i++) out[i] = view.getUint32(8 * i + 4, true) * 4294967296 + view.getUint32(8 * i, true);
      break;
    case 'I32':
      for (let i = 0; i < count; i++) out[i] = view.getInt32(4 * i, true);
      break;
    case 'U32':
      for (let i = 0; i < count; i++) out[i] = view.getUint32(4 * i, true);
      break;
    case 'I16':
      for (let i = 0; i < count; i++) out[i] = view.getInt16(2 * i, true);
      break;
    case 'U16':
      for (let i = 0; i < count; i++) out[i] = view.getUint16(2 * i, true);
      break;
    case 'I8':
      for (let i = 0; i < count; i++) out[i] = view.getInt8(i);
      break;
    case 'U8':
      out.set(raw);
      break;
    case 'BOOL':
      for (let i = 0; i < count; i++) out[i] = raw[i] ? 1 : 0;
      break;
  }
  return out;
}

// ---- listing ---------------------------------------------------------------------------------

/** One row per tensor, in the header's order, with element and byte counts: what a viewer lists. */
export function tensorRows(header: SafetensorsHeader): { name: string; dtype: SafetensorsDtype; shape: readonly number[]; elements: number; bytes: number }[] {
  return [...header.tensors.values()].map((t) => ({ name: t.name, dtype: t.dtype, shape: t.shape, elements: t.shape.reduce((n, d) => n * d, 1), bytes: t.dataOffsets[1] - t.dataOffsets[0] }));
}
