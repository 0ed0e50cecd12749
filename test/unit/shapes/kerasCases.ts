/**
 * The Keras sweep: keras.layers classes with snake_case configs as Keras writes them (the same
 * spelling `model.to_json()` uses), over input sizes, kernels, strides, 'same'/'valid' padding,
 * dilation and flags. tfjs-layers builds each one in Node as the Keras-convention oracle.
 * Stride > 1 together with dilation > 1 is left out: Keras 2 refuses it and Keras 3 allows it.
 */

export interface KerasCase {
  readonly id: string;
  readonly cls: string;
  readonly config: Record<string, unknown>;
  /** Without the batch axis, as `input_shape=` takes it. */
  readonly input: number[];
}

function* product<T extends Record<string, readonly unknown[]>>(axes: T): Generator<{ [K in keyof T]: T[K][number] }> {
  const keys = Object.keys(axes) as (keyof T)[];
  function* walk(i: number, acc: Record<string, unknown>): Generator<{ [K in keyof T]: T[K][number] }> {
    if (i === keys.length) return yield acc as { [K in keyof T]: T[K][number] };
    for (const v of axes[keys[i]]) yield* walk(i + 1, { ...acc, [keys[i] as string]: v });
  }
  yield* walk(0, {});
}

export function kerasCases(): KerasCase[] {
  const cases: KerasCase[] = [];
  const push = (cls: string, config: Record<string, unknown>, input: number[]) => cases.push({ id: `${cls}(${Object.entries(config).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(',')})@${JSON.stringify(input)}`, cls, config, input });
  const dilatedOrStrided = (s: unknown, d: unknown) => JSON.stringify(s) !== '[1,1]' && JSON.stringify(d) !== '[1,1]';

  for (const c of product({ n: [5, 8, 13], kernel_size: [[1, 1], [3, 3], [3, 5], [7, 7]], strides: [[1, 1], [2, 2], [2, 1]], padding: ['valid', 'same'], dilation_rate: [[1, 1], [2, 2]], use_bias: [true, false] })) {
    const { n, ...config } = c;
    if (dilatedOrStrided(config.strides, config.dilation_rate)) continue;
    push('Conv2D', { filters: 8, ...config }, [n, n + 3, 3]);
  }
  for (const c of product({ n: [7, 16], kernel_size: [[1], [3], [5]], strides: [[1], [2]], padding: ['valid', 'same'] })) push('Conv1D', { filters: 5, ...(({ n, ...r }) => r)(c) }, [c.n, 3]);
  for (const c of product({ n: [5, 8], kernel_size: [[1, 1, 1], [3, 3, 3]], strides: [[1, 1, 1], [2, 2, 2]], padding: ['valid', 'same'] })) push('Conv3D', { filters: 4, ...(({ n, ...r }) => r)(c) }, [c.n, c.n, c.n + 1, 2]);
  for (const c of product({ n: [4, 7], kernel_size: [[1, 1], [3, 3], [4, 4]], strides: [[1, 1], [2, 2], [3, 3]], padding: ['valid', 'same'] })) push('Conv2DTranspose', { filters: 6, ...(({ n, ...r }) => r)(c) }, [c.n, c.n + 1, 4]);
  for (const c of product({ n: [5, 8, 13], kernel_size: [[3, 3], [5, 5]], strides: [[1, 1], [2, 2]], padding: ['valid', 'same'], depth_multiplier: [1, 2], use_bias: [true, false] })) push('DepthwiseConv2D', (({ n, ...r }) => r)(c), [c.n, c.n, 6]);
  for (const c of product({ n: [8, 13], kernel_size: [[3, 3], [5, 5]], strides: [[1, 1], [2, 2]], padding: ['valid', 'same'], depth_multiplier: [1, 2], use_bias: [true, false] })) push('SeparableConv2D', { filters: 10, ...(({ n, ...r }) => r)(c) }, [c.n, c.n, 4]);
  for (const cls of ['MaxPooling2D', 'AveragePooling2D']) for (const c of product({ n: [5, 7, 8, 13], pool_size: [[2, 2], [3, 3], [3, 2]], strides: [null, [1, 1], [2, 2]], padding: ['valid', 'same'] })) push(cls, (({ n, ...r }) => r)(c), [c.n, c.n + 2, 3]);
  for (const cls of ['MaxPooling1D', 'AveragePooling1D']) for (const c of product({ n: [7, 10], pool_size: [2, 3], strides: [null, 2], padding: ['valid', 'same'] })) push(cls, (({ n, ...r }) => r)(c), [c.n, 3]);
  for (const cls of ['GlobalAveragePooling2D', 'GlobalMaxPooling2D']) push(cls, {}, [7, 7, 32]);
  for (const cls of ['GlobalAveragePooling1D', 'GlobalMaxPooling1D']) push(cls, {}, [9, 16]);
  for (const c of product({ center: [true, false], scale: [true, false] })) {
    push('BatchNormalization', { axis: -1, ...c }, [5, 5, 16]);
    push('BatchNormalization', { axis: 1, ...c }, [16, 5, 5]);
    push('LayerNormalization', { axis: -1, ...c }, [7, 32]);
  }
  for (const activation of ['relu', 'relu6', 'sigmoid', 'tanh', 'softmax', 'elu', 'selu', 'softplus', 'swish', 'linear']) push('Activation', { activation }, [4, 4, 3]);
  push('ReLU', {}, [4, 4, 3]);
  push('ReLU', { max_value: 6 }, [4, 4, 3]);
  push('LeakyReLU', {}, [4, 4, 3]);
  push('ELU', {}, [4, 4, 3]);
  push('PReLU', {}, [4, 4, 3]);
  push('PReLU', { shared_axes: [1, 2] }, [4, 4, 3]);
  push('Softmax', {}, [10]);
  push('Dropout', { rate: 0.5 }, [4, 4, 3]);
  push('SpatialDropout1D', { rate: 0.2 }, [7, 3]);
  push('Flatten', {}, [5, 5, 16]);
  for (const c of product({ units: [10, 120], use_bias: [true, false] })) {
    push('Dense', c, [400]);
    push('Dense', c, [7, 64]);
  }
  push('Embedding', { input_dim: 1000, output_dim: 64 }, [12]);
  for (const padding of [1, [2, 2], [1, 2], [[1, 2], [3, 4]]]) push('ZeroPadding2D', { padding }, [6, 7, 3]);
  for (const size of [[2, 2], [2, 3]]) push('UpSampling2D', { size }, [5, 6, 3]);
  for (const target_shape of [[25, 16], [-1, 8], [400], [5, 80]]) push('Reshape', { target_shape }, [5, 5, 16]);
  for (const dims of [[2, 1, 3], [3, 1, 2]]) push('Permute', { dims }, [4, 5, 6]);
  push('Rescaling', { scale: 1 / 255 }, [8, 8, 3]);
  return cases;
}

/** Merges need two inputs (a functional model), so they are listed apart. tfjs has no Subtract. */
export const kerasMergeCases: { cls: 'Add' | 'Multiply' | 'Concatenate'; config: Record<string, unknown>; inputs: number[][] }[] = [
  { cls: 'Add', config: {}, inputs: [[56, 56, 64], [56, 56, 64]] },
  { cls: 'Multiply', config: {}, inputs: [[28, 28, 96], [1, 1, 96]] },
  { cls: 'Concatenate', config: { axis: -1 }, inputs: [[28, 28, 64], [28, 28, 128]] },
  { cls: 'Concatenate', config: { axis: 1 }, inputs: [[14, 28, 64], [28, 28, 64]] },
];
