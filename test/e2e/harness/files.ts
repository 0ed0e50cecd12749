/**
 * Files the E2E suites write into the workspace as a user's tools would: a PyTorch state_dict as
 * safetensors (little-endian u64 header length, the JSON header, then the F32 data), built here
 * so no test depends on a checkpoint downloaded from anywhere.
 */
export interface F32Tensor {
  readonly name: string;
  readonly shape: readonly number[];
  readonly data: Float32Array;
}

export function safetensors(tensors: readonly F32Tensor[]): Buffer {
  let offset = 0;
  const header: Record<string, unknown> = {};
  for (const t of tensors) {
    header[t.name] = { dtype: 'F32', shape: t.shape, data_offsets: [offset, offset + t.data.byteLength] };
    offset += t.data.byteLength;
  }
  const json = Buffer.from(JSON.stringify(header));
  const length = Buffer.alloc(8);
  length.writeBigUInt64LE(BigInt(json.length));
  return Buffer.concat([length, json, ...tensors.map((t) => Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength))]);
}

/** A tensor of `shape` filled with small, varied values. */
export function tensor(name: string, shape: readonly number[]): { name: string; shape: readonly number[]; data: Float32Array } {
  return { name, shape, data: new Float32Array(shape.reduce((a, b) => a * b, 1)).map((_, i) => Math.sin(i) * 0.05) };
}

/** LeNet-5's state_dict shapes, as samples/lenet5_pytorch.py defines it. */
export const lenet5StateDict: Readonly<Record<string, readonly number[]>> = {
  'conv1.weight': [6, 1, 5, 5],
  'conv1.bias': [6],
  'conv2.weight': [16, 6, 5, 5],
  'conv2.bias': [16],
  'fc1.weight': [120, 400],
  'fc1.bias': [120],
  'fc2.weight': [84, 120],
  'fc2.bias': [84],
  'fc3.weight': [10, 84],
  'fc3.bias': [10],
};
