/**
 * The zip archives model files are made of (Keras 3's `.keras`, PyTorch's `torch.save` files)
 * read as a directory of entries, through a random-access byte source, so a host can read a
 * multi-gigabyte checkpoint's directory and one small entry without loading the rest. Only
 * stored (uncompressed) entries are read: both Keras and PyTorch write their archives that way.
 * Every offset and size is checked against the file's size; nothing here throws.
 */
import { decodeUtf8 } from './safetensors';

/** Random access to a file: in memory, or read from disk range by range by a host. */
export interface ByteSource {
  readonly size: number;
  /** Up to `length` bytes at `offset` (fewer only at the end of the file). */
  read(offset: number, length: number): Uint8Array;
}

export const bytesSource = (bytes: Uint8Array): ByteSource => ({ size: bytes.length, read: (offset, length) => bytes.subarray(offset, offset + length) });

export interface ZipEntry {
  readonly name: string;
  /** 0 stored, 8 deflate, …: only stored entries are read. */
  readonly method: number;
  readonly size: number;
  readonly compressedSize: number;
  /** Where the entry's local header starts. */
  readonly localOffset: number;
}

const maxEntries = 1_000_000;
/** The end-of-central-directory record sits in the last 22 bytes plus a comment of up to 64 KB. */
const eocdSearch = 22 + 0xffff;
/** A directory larger than this is not a model file's. */
const maxDirectoryBytes = 256 * 2 ** 20;

const le = (b: Uint8Array) => new DataView(b.buffer, b.byteOffset, b.byteLength);

/** The archive's entries by name, or `{ error }` saying why it is not a readable zip. */
export function readZipDirectory(source: ByteSource): Map<string, ZipEntry> | { error: string } {
  if (source.size < 22) return { error: `${source.size} bytes is too short for a zip archive` };
  const tailStart = Math.max(0, source.size - eocdSearch);
  const tail = source.read(tailStart, source.size - tailStart);
  const t = le(tail);
  let eocd = -1;
  for (let at = tail.length - 22; at >= 0; at--) {
    if (t.getUint32(at, true) === 0x06054b50) {
      eocd = at;
      break;
    }
  }
  if (eocd < 0) {
    const head = source.read(0, 4);
    return { error: head.length === 4 && le(head).getUint32(0, true) === 0x04034b50 ? 'the zip directory is missing (the file is truncated?)' : 'not a zip archive' };
  }
  let count = t.getUint16(eocd + 10, true);
  let directorySize = t.getUint32(eocd + 12, true);
  let directoryOffset = t.getUint32(eocd + 16, true);
  // Zip64: the real counts and offsets are in a second record, found through a locator just before.
  if ((count === 0xffff || directoryOffset === 0xffffffff || directorySize === 0xffffffff) && eocd >= 20 && t.getUint32(eocd - 20, true) === 0x07064b50) {
    const recordAt = t.getUint32(eocd - 12, true) + t.getUint32(eocd - 8, true) * 2 ** 32;
    const record = source.read(recordAt, 56);
    if (record.length < 56 || le(record).getUint32(0, true) !== 0x06064b50) return { error: 'the zip64 directory record is missing or damaged' };
    const r = le(record);
    const u64 = (at: number) => r.getUint32(at, true) + r.getUint32(at + 4, true) * 2 ** 32;
    count = u64(32);
    directorySize = u64(40);
    directoryOffset = u64(48);
  }
  if (count > maxEntries) return { error: `the archive claims ${count} entries` };
  if (directorySize > maxDirectoryBytes || directoryOffset + directorySize > source.size) return { error: 'the zip directory lies outside the file (the file is truncated?)' };
  const directory = source.read(directoryOffset, directorySize);
  const d = le(directory);
  const u64 = (at: number) => d.getUint32(at, true) + d.getUint32(at + 4, true) * 2 ** 32;
  const entries = new Map<string, ZipEntry>();
  let at = 0;
  for (let i = 0; i < count; i++) {
    if (at + 46 > directory.length || d.getUint32(at, true) !== 0x02014b50) return { error: `zip directory entry ${i + 1} of ${count} is missing or damaged` };
    const method = d.getUint16(at + 10, true);
    let compressedSize = d.getUint32(at + 20, true);
    let size = d.getUint32(at + 24, true);
    const nameLength = d.getUint16(at + 28, true);
    const extraLength = d.getUint16(at + 30, true);
    const commentLength = d.getUint16(at + 32, true);
    let localOffset = d.getUint32(at + 42, true);
    const end = at + 46 + nameLength + extraLength + commentLength;
    if (end > directory.length) return { error: `zip directory entry ${i + 1} runs past the directory` };
    const name = decodeUtf8(directory.subarray(at + 46, at + 46 + nameLength)) ?? '';
    // Zip64 sizes and offset, in that order, for each field that holds 0xffffffff.
    const extraEnd = at + 46 + nameLength + extraLength;
    for (let x = at + 46 + nameLength; x + 4 <= extraEnd; ) {
      const id = d.getUint16(x, true);
      const length = d.getUint16(x + 2, true);
      if (id === 0x0001) {
        let field = x + 4;
        const next = (current: number) => (field + 8 <= Math.min(x + 4 + length, extraEnd) ? ((field += 8), u64(field - 8)) : current);
        if (size === 0xffffffff) size = next(size);
        if (compressedSize === 0xffffffff) compressedSize = next(compressedSize);
        if (localOffset === 0xffffffff) localOffset = next(localOffset);
      }
      x += 4 + length;
    }
    entries.set(name, { name, method, size, compressedSize, localOffset });
    at = end;
  }
  return entries;
}

/** A stored entry's bytes, or why they cannot be had. */
export function storedEntry(source: ByteSource, entry: ZipEntry, maxBytes = 512 * 2 ** 20): Uint8Array | { error: string } {
  if (entry.method !== 0) return { error: `${entry.name} is compressed (zip method ${entry.method}); the archives Keras and PyTorch write are not, and only those are read` };
  if (entry.size !== entry.compressedSize) return { error: `${entry.name}: a stored entry whose sizes differ` };
  const local = source.read(entry.localOffset, 30);
  if (local.length < 30 || le(local).getUint32(0, true) !== 0x04034b50) return { error: `the data of ${entry.name} is missing (the file is truncated?)` };
  const dataOffset = entry.localOffset + 30 + le(local).getUint16(26, true) + le(local).getUint16(28, true);
  if (dataOffset + entry.size > source.size) return { error: `${entry.name} runs past the end of the file (the file is truncated?)` };
  if (entry.size > maxBytes) return { error: `${entry.name} is ${entry.size} bytes, more than the ${maxBytes} read` };
  return source.read(dataOffset, entry.size);
}

/** A stored entry decoded as UTF-8 text. */
export function storedText(source: ByteSource, entry: ZipEntry): string | { error: string } {
  const bytes = storedEntry(source, entry);
  if ('error' in bytes) return bytes;
  return decodeUtf8(bytes) ?? { error: `${entry.name} is not UTF-8 text` };
}
