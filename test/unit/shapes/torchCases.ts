/**
 * The PyTorch sweep: every torch.nn layer family the catalog models, crossed over sizes, kernels,
 * strides, paddings, dilations, groups and flags, plus tensor ops (broadcasting add/mul, cat,
 * reshape, flatten, permute). Case ids are stable strings so the golden file diffs readably.
 * Cases PyTorch refuses (kernel larger than the padded input, bad groups, 'same' with stride 2)
 * are included on purpose: CNN Lens must refuse them too.
 */

export type Kwargs = Record<string, unknown>;
export type ModuleCase = { id: string; cls: string; kwargs: Kwargs; input: number[] };
export type OpCase = { id: string; op: 'add' | 'mul' | 'cat' | 'reshape' | 'flatten' | 'permute'; inputs: number[][]; arg?: unknown };
export type TorchCase = ModuleCase | OpCase;

function* product<T extends Record<string, readonly unknown[]>>(axes: T): Generator<{ [K in keyof T]: T[K][number] }> {
  const keys = Object.keys(axes) as (keyof T)[];
  const walk = function* (i: number, acc: Partial<{ [K in keyof T]: T[K][number] }>): Generator<{ [K in keyof T]: T[K][number] }> {
    if (i === keys.length) {
      yield acc as { [K in keyof T]: T[K][number] };
      return;
    }
    for (const v of axes[keys[i]]) yield* walk(i + 1, { ...acc, [keys[i]]: v });
  };
  yield* walk(0, {});
}

function id(cls: string, parts: Record<string, unknown>, input: unknown): string {
  return `${cls}(${Object.entries(parts).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(',')})@${JSON.stringify(input)}`;
}

function moduleCase(cls: string, kwargs: Kwargs, input: number[]): ModuleCase {
  return { id: id(cls, kwargs, input), cls, kwargs, input };
}

export function torchCases(): TorchCase[] {
  const cases: TorchCase[] = [];
  const push = (cls: string, kwargs: Kwargs, input: number[]) => cases.push(moduleCase(cls, kwargs, input));

  for (const c of product({ n: [5, 8, 13], kernel_size: [1, 3, [3, 5], 7], stride: [1, 2, [2, 1]], padding: [0, 1, [2, 1], 'same', 'valid'], dilation: [1, 2], groups: [1, 2, 4] })) {
    const { n, ...kw } = c;
    push('Conv2d', { in_channels: 4, out_channels: 8, ...kw }, [2, 4, n, n + 3]);
  }
  for (const bias of [true, false]) for (const padding_mode of ['zeros', 'reflect']) push('Conv2d', { in_channels: 3, out_channels: 64, kernel_size: 7, stride: 2, padding: 3, bias, padding_mode }, [1, 3, 32, 32]);
  push('Conv2d', { in_channels: 3, out_channels: 8, kernel_size: 3 }, [1, 4, 8, 8]); // channel mismatch
  push('Conv2d', { in_channels: 4, out_channels: 6, kernel_size: 3, groups: 3 }, [1, 4, 8, 8]); // bad groups
  for (const c of product({ n: [7, 16], kernel_size: [1, 3, 5], stride: [1, 2], padding: [0, 2, 'same'], dilation: [1, 3] })) {
    const { n, ...kw } = c;
    push('Conv1d', { in_channels: 3, out_channels: 5, ...kw }, [2, 3, n]);
  }
  for (const c of product({ n: [5, 8], kernel_size: [1, 3, [1, 3, 3]], stride: [1, 2], padding: [0, 1] })) {
    const { n, ...kw } = c;
    push('Conv3d', { in_channels: 2, out_channels: 4, ...kw }, [1, 2, n, n, n + 1]);
  }
  for (const c of product({ n: [4, 7], kernel_size: [1, 3, 4], stride: [1, 2, 3], padding: [0, 1], output_padding: [0, 1], dilation: [1, 2], groups: [1, 2] })) {
    const { n, ...kw } = c;
    push('ConvTranspose2d', { in_channels: 4, out_channels: 6, ...kw }, [1, 4, n, n + 1]);
  }
  for (const c of product({ n: [6, 9], kernel_size: [2, 3], stride: [1, 2], padding: [0, 1] })) {
    const { n, ...kw } = c;
    push('ConvTranspose1d', { in_channels: 2, out_channels: 3, ...kw }, [1, 2, n]);
  }

  for (const c of product({ n: [5, 7, 8, 13], kernel_size: [2, 3, [3, 2]], stride: [null, 1, 2], padding: [0, 1], dilation: [1, 2], ceil_mode: [false, true] })) {
    const { n, ...kw } = c;
    push('MaxPool2d', kw, [1, 3, n, n + 2]);
  }
  for (const c of product({ n: [5, 7, 8, 13], kernel_size: [2, 3], stride: [null, 1, 2], padding: [0, 1], ceil_mode: [false, true], count_include_pad: [true, false] })) {
    const { n, ...kw } = c;
    push('AvgPool2d', kw, [1, 3, n, n + 1]);
  }
  push('MaxPool2d', { kernel_size: 3, padding: 2 }, [1, 3, 8, 8]); // pad > kernel/2
  push('MaxPool2d', { kernel_size: 5 }, [1, 3, 3, 3]); // window larger than input
  for (const c of product({ n: [7, 10], kernel_size: [2, 3], stride: [null, 2], padding: [0, 1], ceil_mode: [false, true] })) {
    const { n, ...kw } = c;
    push('MaxPool1d', kw, [2, 3, n]);
    push('AvgPool1d', kw, [2, 3, n]);
  }
  for (const c of product({ n: [4, 7], kernel_size: [2, 3], stride: [null, 2], ceil_mode: [false, true] })) {
    const { n, ...kw } = c;
    push('MaxPool3d', kw, [1, 2, n, n, n]);
    push('AvgPool3d', kw, [1, 2, n, n, n]);
  }
  for (const output_size of [1, 3, [2, null], 7, [5, 2]]) for (const n of [7, 13]) {
    push('AdaptiveAvgPool2d', { output_size }, [1, 4, n, n]);
    push('AdaptiveMaxPool2d', { output_size }, [1, 4, n, n]);
  }
  for (const output_size of [1, 4]) push('AdaptiveAvgPool1d', { output_size }, [2, 3, 9]);

  for (const affine of [true, false]) for (const track_running_stats of [true, false]) {
    push('BatchNorm2d', { num_features: 16, affine, track_running_stats }, [2, 16, 5, 5]);
    push('BatchNorm1d', { num_features: 10, affine, track_running_stats }, [4, 10]);
    push('BatchNorm1d', { num_features: 10, affine, track_running_stats }, [4, 10, 7]);
    push('BatchNorm3d', { num_features: 3, affine, track_running_stats }, [2, 3, 4, 4, 4]);
  }
  push('BatchNorm2d', { num_features: 8 }, [2, 16, 5, 5]); // channel mismatch
  for (const elementwise_affine of [true, false]) {
    push('LayerNorm', { normalized_shape: 10, elementwise_affine }, [2, 5, 10]);
    push('LayerNorm', { normalized_shape: [5, 10], elementwise_affine }, [2, 5, 10]);
  }
  push('LayerNorm', { normalized_shape: [4, 10] }, [2, 5, 10]); // does not match
  for (const affine of [true, false]) for (const num_groups of [1, 2, 4, 3]) push('GroupNorm', { num_groups, num_channels: 8, affine }, [2, 8, 4, 4]);

  for (const cls of ['ReLU', 'ReLU6', 'LeakyReLU', 'ELU', 'SELU', 'GELU', 'SiLU', 'Hardswish', 'Hardsigmoid', 'Sigmoid', 'Tanh', 'Softplus', 'Mish', 'Identity', 'Dropout', 'Dropout2d', 'AlphaDropout']) push(cls, {}, [2, 3, 4, 5]);
  for (const dim of [1, -1, 3]) push('Softmax', { dim }, [2, 10, 3]);
  for (const num_parameters of [1, 3]) push('PReLU', { num_parameters }, [2, 3, 4, 4]);
  for (const c of product({ start_dim: [0, 1, 2, -2], end_dim: [-1, 2, 3] })) push('Flatten', c, [2, 3, 4, 5]);
  for (const bias of [true, false]) {
    push('Linear', { in_features: 400, out_features: 120, bias }, [4, 400]);
    push('Linear', { in_features: 64, out_features: 10, bias }, [2, 7, 64]);
  }
  push('Linear', { in_features: 256, out_features: 10 }, [4, 400]); // in_features mismatch
  push('Embedding', { num_embeddings: 1000, embedding_dim: 64 }, [4, 12]);
  for (const padding of [1, 2, [1, 2, 3, 4]]) push('ZeroPad2d', { padding }, [1, 3, 6, 7]);
  for (const c of [{ scale_factor: 2 }, { scale_factor: 1.5 }, { size: [9, 11] }, { scale_factor: [2, 3] }]) push('Upsample', c, [1, 3, 5, 6]);
  push('Upsample', { scale_factor: 2 }, [1, 3, 7]);
  push('Upsample', { scale_factor: 2 }, [1, 2, 3, 4, 5]);
  push('UpsamplingNearest2d', { scale_factor: 2 }, [1, 3, 5, 6]);
  push('UpsamplingBilinear2d', { size: [8, 9] }, [1, 3, 5, 6]);
  for (const groups of [2, 4]) push('ChannelShuffle', { groups }, [1, 8, 3, 3]);

  const op = (o: OpCase['op'], inputs: number[][], arg?: unknown) => cases.push({ id: `${o}(${JSON.stringify(arg ?? null)})@${JSON.stringify(inputs)}`, op: o, inputs, arg });
  for (const [a, b] of [
    [[2, 64, 56, 56], [2, 64, 56, 56]],
    [[2, 64, 56, 56], [2, 64, 1, 1]],
    [[2, 64, 56, 56], [64, 1, 1]],
    [[2, 64, 56, 56], [2, 32, 56, 56]],
    [[3, 1], [1, 4]],
  ]) {
    op('add', [a, b]);
    op('mul', [a, b]);
  }
  op('cat', [[2, 64, 28, 28], [2, 128, 28, 28], [2, 32, 28, 28]], 1);
  op('cat', [[2, 64, 28, 28], [2, 64, 28, 28]], -1);
  op('cat', [[2, 64, 28, 28], [2, 64, 14, 14]], 1);
  for (const target of [[2, -1], [-1, 5], [4, 3, -1], [2, 7], [-1]]) op('reshape', [[2, 3, 4, 5]], target);
  for (const arg of [[1], [0], [1, 2]]) op('flatten', [[2, 3, 4, 5]], arg);
  for (const arg of [[0, 2, 3, 1], [0, 3, 1, 2]]) op('permute', [[2, 3, 4, 5]], arg);
  return cases;
}
