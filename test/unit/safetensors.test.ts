/**
 * The safetensors reader (src/core/frontends/safetensors.ts): files built here byte by byte with a
 * small writer round-trip every dtype the activations panel may meet (F32, F16, BF16, F64, the
 * integers, BOOL), unaligned data included; every malformed input is refused with a sentence
 * (truncated file, a 2 GB header claim, bad UTF-8 or JSON, bad dtype, shape or offsets, overlaps);
 * and whether a state_dict fits a model is weightFit's (test/unit/weightFit.test.ts). Where Debian's
 * python3-torch is installed, a real module's state_dict is written from Python (struct + json +
 * raw tensor bytes, no safetensors package) and read back value for value.
 */
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { halfToFloat, readSafetensorsHeader, tensorData, type SafetensorsHeader } from '../../src/core/frontends/safetensors';
import { readSafetensorsHeaderFile } from '../../src/node/weightsFile';
import { python, torchUnavailableReason } from '../oracle/torchOracle';

interface Entry {
  readonly name: string;
  readonly dtype: string;
  readonly shape: readonly number[];
  readonly data: Uint8Array;
}

/** Writes a safetensors file the way the reference writer does (header padded with spaces to 8 bytes unless `pad` is false). */
function writeSafetensors(entries: readonly Entry[], options: { metadata?: Record<string, string>; pad?: boolean } = {}): Uint8Array {
  const header: Record<string, unknown> = {};
  if (options.metadata) header.__metadata__ = options.metadata;
  let offset = 0;
  for (const e of entries) {
    header[e.name] = { dtype: e.dtype, shape: e.shape, data_offsets: [offset, offset + e.data.length] };
    offset += e.data.length;
  }
  return assemble(JSON.stringify(header), entries.map((e) => e.data), options.pad ?? true);
}

/** 8-byte length + header text + data, for hand-written (possibly broken) headers. */
function assemble(headerText: string | Uint8Array, data: readonly Uint8Array[] = [], pad = false): Uint8Array {
  let head = typeof headerText === 'string' ? Buffer.from(headerText, 'utf8') : Buffer.from(headerText);
  if (pad && head.length % 8) head = Buffer.concat([head, Buffer.alloc(8 - (head.length % 8), 0x20)]);
  const length = Buffer.alloc(8);
  length.writeBigUInt64LE(BigInt(head.length));
  return new Uint8Array(Buffer.concat([length, head, ...data]));
}

function lengthPrefix(n: bigint, rest = 16): Uint8Array {
  const b = Buffer.alloc(8 + rest, 0x20);
  b.writeBigUInt64LE(n);
  return new Uint8Array(b);
}

const f32 = (values: number[]): Uint8Array => new Uint8Array(new Float32Array(values).buffer);
const f64 = (values: number[]): Uint8Array => new Uint8Array(new Float64Array(values).buffer);
const u16 = (values: number[]): Uint8Array => new Uint8Array(new Uint16Array(values).buffer);
/** bfloat16 = the top 16 bits of a float32 (exact for the values used here). */
const bf16 = (values: number[]): Uint8Array => u16([...new Uint32Array(new Float32Array(values).buffer)].map((b) => b >>> 16));

function headerOf(bytes: Uint8Array): SafetensorsHeader {
  const h = readSafetensorsHeader(bytes);
  if ('error' in h) assert.fail(`unexpected error: ${h.error}`);
  return h;
}

function errorOf(bytes: Uint8Array, options?: { maxHeaderBytes?: number }): string {
  const h = readSafetensorsHeader(bytes, options);
  assert.ok('error' in h, 'expected the reader to refuse this file');
  return h.error;
}

const values = (bytes: Uint8Array, header: SafetensorsHeader, name: string): number[] => [...tensorData(bytes, header, name)];

describe('safetensors reader', () => {
  describe('round trips', () => {
    it('reads F32, F64, F16 and BF16 tensors with their shapes and metadata', () => {
      const floats = [0, 1, -2.5, 0.15625, 3.4e38, -0, 1e-40, Infinity];
      const halves = [0x3c00, 0xc000, 0x3800, 0x7bff, 0x0001, 0xfc00, 0x8000, 0x3555];
      const bytes = writeSafetensors(
        [
          { name: 'conv1.weight', dtype: 'F32', shape: [2, 1, 2, 2], data: f32(floats) },
          { name: 'fc.bias', dtype: 'F64', shape: [3], data: f64([0.1, -1e300, 2]) },
          { name: 'half', dtype: 'F16', shape: [8], data: u16(halves) },
          { name: 'brain', dtype: 'BF16', shape: [2, 2], data: bf16([1, -3.5, 256, 0.0078125]) },
        ],
        { metadata: { format: 'pt', note: 'héllo ✓' } },
      );
      const header = headerOf(bytes);
      assert.deepEqual([...header.tensors.keys()], ['conv1.weight', 'fc.bias', 'half', 'brain']);
      assert.deepEqual(header.tensors.get('conv1.weight')?.shape, [2, 1, 2, 2]);
      assert.deepEqual(header.metadata, { format: 'pt', note: 'héllo ✓' });
      assert.equal(header.dataStart % 8, 0, 'the writer pads the header to 8 bytes');
      assert.deepEqual(values(bytes, header, 'conv1.weight'), [...new Float32Array(floats)]);
      assert.ok(Object.is(values(bytes, header, 'conv1.weight')[5], -0));
      assert.deepEqual(values(bytes, header, 'fc.bias'), [Math.fround(0.1), -Infinity, 2]);
      assert.deepEqual(values(bytes, header, 'half'), [1, -2, 0.5, 65504, 2 ** -24, -Infinity, -0, Math.fround(halfToFloat(0x3555))]);
      assert.ok(Math.abs(halfToFloat(0x3555) - 1 / 3) < 1e-3);
      assert.deepEqual(values(bytes, header, 'brain'), [1, -3.5, 256, 0.0078125]);
    });

    it('decodes F16 NaN and BF16 NaN as NaN', () => {
      const bytes = writeSafetensors([
        { name: 'h', dtype: 'F16', shape: [1], data: u16([0x7e00]) },
        { name: 'b', dtype: 'BF16', shape: [1], data: u16([0x7fc0]) },
      ]);
      const header = headerOf(bytes);
      assert.ok(Number.isNaN(values(bytes, header, 'h')[0]));
      assert.ok(Number.isNaN(values(bytes, header, 'b')[0]));
    });

    it('converts integer and boolean tensors, scalars and empty tensors', () => {
      const i64 = Buffer.alloc(24);
      [-3n, 2n ** 40n, 7n].forEach((v, i) => i64.writeBigInt64LE(v, 8 * i));
      const bytes = writeSafetensors([
        { name: 'bn.num_batches_tracked', dtype: 'I64', shape: [], data: new Uint8Array(i64.subarray(16)) },
        { name: 'ints', dtype: 'I64', shape: [2], data: new Uint8Array(i64.subarray(0, 16)) },
        { name: 'i32', dtype: 'I32', shape: [2], data: new Uint8Array(new Int32Array([-5, 1 << 20]).buffer) },
        { name: 'i8', dtype: 'I8', shape: [3], data: new Uint8Array(new Int8Array([-128, 0, 127]).buffer) },
        { name: 'u8', dtype: 'U8', shape: [2], data: new Uint8Array([0, 255]) },
        { name: 'mask', dtype: 'BOOL', shape: [3], data: new Uint8Array([1, 0, 1]) },
        { name: 'empty', dtype: 'F32', shape: [0, 3], data: new Uint8Array(0) },
      ]);
      const header = headerOf(bytes);
      assert.deepEqual(values(bytes, header, 'bn.num_batches_tracked'), [7]);
      assert.deepEqual(values(bytes, header, 'ints'), [-3, 2 ** 40]);
      assert.deepEqual(values(bytes, header, 'i32'), [-5, 1 << 20]);
      assert.deepEqual(values(bytes, header, 'i8'), [-128, 0, 127]);
      assert.deepEqual(values(bytes, header, 'u8'), [0, 255]);
      assert.deepEqual(values(bytes, header, 'mask'), [1, 0, 1]);
      assert.deepEqual(values(bytes, header, 'empty'), []);
    });

    it('reads unaligned data (unpadded header, bytes at an odd offset) and returns copies', () => {
      const file = writeSafetensors(
        [
          { name: 'a', dtype: 'F16', shape: [1], data: u16([0x3c00]) },
          { name: 'b', dtype: 'F32', shape: [3], data: f32([1.5, -2, 1e-3]) },
          { name: 'c', dtype: 'F64', shape: [1], data: f64([Math.PI]) },
        ],
        { pad: false },
      );
      // Place the file so that tensor b (2 bytes into the data) starts off a 4-byte boundary.
      const dataStart = headerOf(file).dataStart;
      const shift = [1, 2, 3].find((k) => (k + dataStart + 2) % 4 !== 0) ?? 1;
      const shifted = new Uint8Array(file.length + shift);
      shifted.set(file, shift);
      const bytes = shifted.subarray(shift);
      const header = headerOf(bytes);
      assert.notEqual((bytes.byteOffset + header.dataStart + 2) % 4, 0, 'b really is unaligned');
      assert.deepEqual(values(bytes, header, 'b'), [1.5, -2, Math.fround(1e-3)]);
      assert.deepEqual(values(bytes, header, 'c'), [Math.fround(Math.PI)]);
      const a = tensorData(bytes, header, 'a');
      a[0] = 42;
      assert.deepEqual(values(bytes, header, 'a'), [1], 'tensorData returns a copy, not a view of the file');
    });

    it('throws for a tensor the header does not name', () => {
      const bytes = writeSafetensors([{ name: 'w', dtype: 'F32', shape: [1], data: f32([1]) }]);
      assert.throws(() => tensorData(bytes, headerOf(bytes), 'nope'), /no tensor "nope"/);
    });
  });

  describe('refuses malformed files', () => {
    it('a file shorter than 8 bytes', () => {
      assert.match(errorOf(new Uint8Array(0)), /0 byte\(s\), shorter than the 8-byte header length/);
      assert.match(errorOf(new Uint8Array(5)), /5 byte\(s\)/);
    });

    it('a truncated file (header or data cut short)', () => {
      const whole = writeSafetensors([{ name: 'w', dtype: 'F32', shape: [4], data: f32([1, 2, 3, 4]) }]);
      const header = headerOf(whole);
      assert.match(errorOf(whole.subarray(0, 8 + header.headerLength - 3)), /header length \d+ is larger than the \d+ bytes after it; the file is truncated/);
      assert.match(errorOf(whole.subarray(0, whole.length - 1)), /tensor "w": data_offsets \[0, 16\] run past the data section's 15 bytes/);
    });

    it('a 2 GB header claim, without allocating it', () => {
      const tiny = lengthPrefix(2n ** 31n);
      assert.match(errorOf(tiny), /header length 2147483648 \(2\.0 GiB\) exceeds the 95\.4 MiB limit/);
      // Even with the limit lifted, the claim is checked against the file's size first.
      assert.match(errorOf(tiny, { maxHeaderBytes: 2 ** 40 }), /larger than the 16 bytes after it/);
      assert.match(errorOf(lengthPrefix(2n ** 64n - 1n)), /exceeds the .* limit/);
      assert.match(errorOf(lengthPrefix(1000n, 2000), { maxHeaderBytes: 999 }), /header length 1000 .* exceeds the 999 bytes limit/);
    });

    it('headers that are not UTF-8, not JSON, or not an object', () => {
      assert.match(errorOf(assemble(new Uint8Array([0x7b, 0xc3, 0x28, 0x7d]))), /not valid UTF-8/);
      assert.match(errorOf(assemble(new Uint8Array([0x7b, 0xed, 0xa0, 0x80, 0x7d]))), /not valid UTF-8/, 'a UTF-16 surrogate encoded in UTF-8');
      assert.match(errorOf(assemble(new Uint8Array([0x22, 0xe2, 0x82]))), /not valid UTF-8/, 'truncated sequence');
      assert.match(errorOf(assemble('{"w": {"dtype": "F32",')), /header is not valid JSON/);
      assert.match(errorOf(assemble('[1, 2, 3]')), /must be a JSON object, found an array/);
      assert.match(errorOf(assemble('null')), /found null/);
      assert.match(errorOf(lengthPrefix(0n)), /too small/);
    });

    it('bad entries: dtype, shape, offsets, metadata', () => {
      const entry = (e: unknown, data = new Uint8Array(16)): Uint8Array => assemble(JSON.stringify({ w: e }), [data]);
      assert.match(errorOf(entry({ dtype: 'F33', shape: [4], data_offsets: [0, 16] })), /tensor "w": unsupported dtype "F33" \(expected one of F64, F32, F16, BF16/);
      assert.match(errorOf(entry({ shape: [4], data_offsets: [0, 16] })), /unsupported dtype undefined/);
      assert.match(errorOf(entry({ dtype: 'F32', shape: [-4], data_offsets: [0, 16] })), /shape must be an array of non-negative integers, found \[-4\]/);
      assert.match(errorOf(entry({ dtype: 'F32', shape: [2.5], data_offsets: [0, 10] })), /shape must be an array of non-negative integers/);
      assert.match(errorOf(entry({ dtype: 'F32', shape: '4', data_offsets: [0, 16] })), /shape must be an array/);
      assert.match(errorOf(entry({ dtype: 'F32', shape: [4], data_offsets: [0] })), /data_offsets must be \[begin, end\]/);
      assert.match(errorOf(entry({ dtype: 'F32', shape: [4], data_offsets: [16, 0] })), /end before they begin/);
      assert.match(errorOf(entry({ dtype: 'F32', shape: [4], data_offsets: [0, 32] })), /data_offsets \[0, 32\] run past the data section's 16 bytes/);
      assert.match(errorOf(entry('F32')), /entry must be an object/);
      assert.match(errorOf(assemble(JSON.stringify({ __metadata__: { epochs: 3 } }))), /__metadata__\["epochs"\] must be a string, found number/);
      assert.match(errorOf(assemble(JSON.stringify({ __metadata__: [] }))), /__metadata__ must be an object/);
    });

    it('shape × dtype size not matching the offsets', () => {
      const entry = (e: unknown): Uint8Array => assemble(JSON.stringify({ w: e }), [new Uint8Array(64)]);
      assert.match(errorOf(entry({ dtype: 'F32', shape: [2, 3], data_offsets: [0, 16] })), /tensor "w": shape \[2, 3\] of F32 needs 24 bytes but data_offsets \[0, 16\] span 16/);
      assert.match(errorOf(entry({ dtype: 'F16', shape: [4], data_offsets: [0, 16] })), /F16 needs 8 bytes/);
      assert.match(errorOf(entry({ dtype: 'F32', shape: [2 ** 30, 2 ** 30, 2 ** 30], data_offsets: [0, 16] })), /needs more than 2\^53 bytes/);
    });

    it('overlapping tensors', () => {
      const header = { a: { dtype: 'F32', shape: [4], data_offsets: [0, 16] }, b: { dtype: 'F32', shape: [2], data_offsets: [12, 20] }, e: { dtype: 'F32', shape: [0], data_offsets: [4, 4] } };
      assert.match(errorOf(assemble(JSON.stringify(header), [new Uint8Array(20)])), /tensors "a" \[0, 16\] and "b" \[12, 20\] overlap/);
      const fine = { ...header, b: { dtype: 'F32', shape: [1], data_offsets: [16, 20] } };
      assert.ok(!('error' in readSafetensorsHeader(assemble(JSON.stringify(fine), [new Uint8Array(20)]))), 'an empty tensor inside another is no overlap');
    });
  });

  describe('the header alone', () => {
    it('is read from the start of a file given its size, with the same checks against the whole file', () => {
      const whole = writeSafetensors([{ name: 'w', dtype: 'F32', shape: [4], data: f32([1, 2, 3, 4]) }, { name: 'b', dtype: 'F32', shape: [2], data: f32([5, 6]) }]);
      const full = headerOf(whole);
      const start = whole.subarray(0, full.dataStart);
      const fromStart = readSafetensorsHeader(start, { fileSize: whole.length });
      assert.ok(!('error' in fromStart));
      assert.deepEqual([...fromStart.tensors.values()], [...full.tensors.values()]);
      assert.equal(fromStart.dataLength, 24);
      // A file whose data is cut short is still named as truncated; too little of the header read is a different sentence.
      assert.match((readSafetensorsHeader(start, { fileSize: whole.length - 1 }) as { error: string }).error, /run past the data section's 23 bytes/);
      assert.match((readSafetensorsHeader(start.subarray(0, 20), { fileSize: whole.length }) as { error: string }).error, /larger than the 12 bytes read/);
    });

    it('is read from disk without the tensors (src/node/weightsFile.ts)', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'cnn-lens-safetensors-'));
      try {
        const big = writeSafetensors([{ name: 'big', dtype: 'F32', shape: [4, 1024, 1024], data: new Uint8Array(16 * 2 ** 20) }]);
        writeFileSync(join(dir, 'big.safetensors'), big);
        const header = await readSafetensorsHeaderFile(join(dir, 'big.safetensors'), readSafetensorsHeader);
        assert.ok(!('error' in header));
        assert.deepEqual(header.tensors.get('big')?.shape, [4, 1024, 1024]);
        assert.equal(header.dataLength, 16 * 2 ** 20);
        writeFileSync(join(dir, 'cut.safetensors'), big.subarray(0, 4096));
        assert.match(((await readSafetensorsHeaderFile(join(dir, 'cut.safetensors'), readSafetensorsHeader)) as { error: string }).error, /run past the data section/);
        writeFileSync(join(dir, 'claim.safetensors'), lengthPrefix(2n ** 40n));
        assert.match(((await readSafetensorsHeaderFile(join(dir, 'claim.safetensors'), readSafetensorsHeader)) as { error: string }).error, /exceeds the .* limit/);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });

  describe('a state_dict written from PyTorch', function () {
    this.timeout(60_000);
    const reason = torchUnavailableReason();
    let dir: string | undefined;
    after(() => {
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    // Writes the file with struct + json + each tensor's raw bytes, as safetensors.torch.save_file
    // would (header padded with spaces to 8 bytes, offsets contiguous, here in state_dict order).
    const script = String.raw`
import json, struct, sys, torch
from torch import nn
torch.manual_seed(7)
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 4, 3, padding=1)
        self.bn1 = nn.BatchNorm2d(4)
    def forward(self, x):
        return torch.relu(self.bn1(self.conv1(x)))
net = Net().train()
net(torch.randn(2, 3, 8, 8))  # non-trivial running statistics, num_batches_tracked = 1
tensors = dict(net.state_dict())
tensors["extra.half"] = tensors["conv1.bias"].half()
tensors["extra.bf16"] = tensors["bn1.running_mean"].bfloat16()
tensors["extra.f64"] = tensors["bn1.running_var"].double()
names = {torch.float32: "F32", torch.float16: "F16", torch.bfloat16: "BF16", torch.float64: "F64", torch.int64: "I64"}
header, blobs, offset = {"__metadata__": {"format": "pt"}}, [], 0
for name, t in tensors.items():
    raw = t.contiguous().reshape(-1).view(torch.uint8).numpy().tobytes()
    header[name] = {"dtype": names[t.dtype], "shape": list(t.shape), "data_offsets": [offset, offset + len(raw)]}
    blobs.append(raw)
    offset += len(raw)
text = json.dumps(header).encode("utf-8")
text += b" " * (-len(text) % 8)
with open(sys.argv[1], "wb") as f:
    f.write(struct.pack("<Q", len(text)) + text + b"".join(blobs))
print(json.dumps({name: {"shape": list(t.shape), "values": t.float().reshape(-1).tolist()} for name, t in tensors.items()}))
`;

    it('reads every tensor with the values torch holds, and the module keys match', function () {
      if (reason) {
        console.log(`      skipped: ${reason}`);
        this.skip();
      }
      dir = mkdtempSync(join(tmpdir(), 'cnn-lens-safetensors-'));
      const file = join(dir, 'net.safetensors');
      const run = spawnSync(python, ['-c', script, file], { encoding: 'utf8', maxBuffer: 16 << 20 });
      assert.equal(run.status, 0, `python failed: ${run.stderr}`);
      const torchValues = JSON.parse(run.stdout) as Record<string, { shape: number[]; values: number[] }>;
      const bytes = new Uint8Array(readFileSync(file));
      const header = headerOf(bytes);
      assert.deepEqual(header.metadata, { format: 'pt' });
      assert.deepEqual([...header.tensors.keys()].sort(), Object.keys(torchValues).sort());
      assert.equal(header.tensors.get('extra.half')?.dtype, 'F16');
      assert.equal(header.tensors.get('extra.bf16')?.dtype, 'BF16');
      assert.equal(header.tensors.get('bn1.num_batches_tracked')?.dtype, 'I64');
      for (const [name, t] of Object.entries(torchValues)) {
        assert.deepEqual(header.tensors.get(name)?.shape, t.shape, `${name} shape`);
        assert.deepEqual(values(bytes, header, name), t.values, `${name} values`);
      }
      assert.deepEqual(values(bytes, header, 'bn1.num_batches_tracked'), [1]);
      assert.ok(torchValues['bn1.running_mean'].values.some((v) => v !== 0), 'running statistics were updated');

    });
  });
});
