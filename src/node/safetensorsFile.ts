/**
 * Reading a safetensors file's header from disk, for the two Node hosts (the extension host and
 * the CLI): 8 bytes of length, then the JSON, and never the tensors after it, so checking a
 * multi-gigabyte checkpoint against a model costs milliseconds and a few kilobytes. The parsing
 * and every check on the header are the core's (src/core/frontends/safetensors.ts).
 */
import { open } from 'node:fs/promises';
import type { readSafetensorsHeader, SafetensorsHeader } from '../core/frontends/safetensors';

/** The safetensors crate's own limit, as the core's reader applies it. */
const maxHeaderBytes = 100_000_000;

/** `parse` is the core's reader, passed in so the extension host can take it from its lazily loaded engine. */
export async function readSafetensorsHeaderFile(path: string, parse: typeof readSafetensorsHeader): Promise<SafetensorsHeader | { error: string }> {
  const file = await open(path, 'r');
  try {
    const { size } = await file.stat();
    const head = Buffer.alloc(Math.min(8, size));
    await file.read(head, 0, head.length, 0);
    const claimed = head.length === 8 ? head.readUInt32LE(0) + head.readUInt32LE(4) * 2 ** 32 : 0;
    // An absurd claim is refused by the reader from its first 8 bytes; nothing that large is read.
    const prefix = Buffer.alloc(Math.min(size, 8 + Math.min(claimed, maxHeaderBytes + 1)));
    await file.read(prefix, 0, prefix.length, 0);
    return parse(prefix, { fileSize: size });
  } finally {
    await file.close();
  }
}
