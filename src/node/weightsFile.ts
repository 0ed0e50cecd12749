/**
 * Reading a weights file's index from disk, for the two Node hosts (the extension host and the
 * CLI), without its tensors: a safetensors header (8 bytes of length, then the JSON), or a PyTorch
 * checkpoint's zip directory and its `data.pkl`, read range by range. Checking a multi-gigabyte
 * checkpoint against a model costs milliseconds and a few kilobytes. A tfjs model.json's shards
 * are looked for beside it (only their sizes are read). The parsing and every check
 * are the core's (src/core/frontends/safetensors.ts, torchCheckpoint.ts), passed in so the
 * extension host can take them from its lazily loaded engine.
 */
import { closeSync, fstatSync, openSync, readSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { open } from 'node:fs/promises';
import type { readSafetensorsHeader, SafetensorsHeader } from '../core/frontends/safetensors';
import type { readTorchCheckpoint } from '../core/frontends/torchCheckpoint';
import type { FileAnalysis } from '../core/frontends/modelResult';
import type { tfjsShardDiagnostics } from '../core/frontends/tfjsWeights';
import type { ByteSource } from '../core/frontends/zip';

/** The safetensors crate's own limit, as the core's reader applies it. */
const maxHeaderBytes = 100_000_000;

export async function readSafetensorsHeaderFile(
  path: string,
  parse: typeof readSafetensorsHeader,
): Promise<SafetensorsHeader | { error: string }> {
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

/** Runs `use` with random access to the file, read range by range as it asks. */
export function withFileSource<T>(path: string, use: (source: ByteSource) => T): T {
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size;
    return use({
      size,
      read(offset, length) {
        const n = Math.max(0, Math.min(length, size - offset));
        const out = Buffer.alloc(n);
        let got = 0;
        while (got < n) {
          const r = readSync(fd, out, got, n - got, offset + got);
          if (r <= 0) break;
          got += r;
        }
        return got === n ? out : out.subarray(0, got);
      },
    });
  } finally {
    closeSync(fd);
  }
}

/** A state_dict's keys, shapes and dtypes, from a .safetensors file or a torch.save checkpoint. */
export interface StateDictIndex {
  readonly format: 'safetensors' | 'torch';
  readonly tensors: ReadonlyMap<string, { readonly shape: readonly number[]; readonly dtype: string }>;
  /** Where in a checkpoint the state_dict was found ('' for the saved object itself). */
  readonly path: string;
  /** A safetensors file's `__metadata__`. */
  readonly metadata?: Readonly<Record<string, string>>;
}

export const isTorchCheckpoint = (path: string): boolean => /\.(pt|pth|bin|ckpt)$/i.test(path);
export const isStateDictFile = (path: string): boolean => /\.safetensors$/i.test(path) || isTorchCheckpoint(path);

export async function readStateDictFile(
  path: string,
  readers: { readSafetensorsHeader: typeof readSafetensorsHeader; readTorchCheckpoint: typeof readTorchCheckpoint },
): Promise<StateDictIndex | { error: string }> {
  if (isTorchCheckpoint(path)) {
    const read = withFileSource(path, readers.readTorchCheckpoint);
    return 'error' in read ? read : { format: 'torch', tensors: read.tensors, path: read.path };
  }
  const header = await readSafetensorsHeaderFile(path, readers.readSafetensorsHeader);
  return 'error' in header
    ? header
    : { format: 'safetensors', tensors: header.tensors, path: '', metadata: header.metadata };
}

/**
 * The analysis of a tfjs `model.json` at `file` with a warning for each weight shard it names that
 * is missing or short beside it. A document that is not on disk (unsaved) is left as it is.
 */
export function withTfjsShardWarnings(
  result: FileAnalysis,
  file: string,
  text: string,
  check: typeof tfjsShardDiagnostics,
): FileAnalysis {
  if (!text.includes('"weightsManifest"') || !isFile(file)) return result;
  const dir = dirname(file);
  const warnings = check(text, (path) => (isFile(join(dir, path)) ? statSync(join(dir, path)).size : undefined));
  return warnings.length ? { ...result, diagnostics: [...result.diagnostics, ...warnings] } : result;
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}
