/** Keras auto-names, as `model.summary()` prints them. */
import * as assert from 'node:assert/strict';
import { KerasNamer, kerasSnakeCase } from '../../src/core/frameworks/kerasNames';

describe('Keras layer names', () => {
  it('snake-cases class names the way Keras does', () => {
    const cases: [string, string][] = [
      ['Conv2D', 'conv2d'],
      ['MaxPooling2D', 'max_pooling2d'],
      ['BatchNormalization', 'batch_normalization'],
      ['GlobalAveragePooling2D', 'global_average_pooling2d'],
      ['Conv2DTranspose', 'conv2d_transpose'],
      ['DepthwiseConv2D', 'depthwise_conv2d'],
      ['ReLU', 're_lu'],
      ['Dense', 'dense'],
      ['ZeroPadding2D', 'zero_padding2d'],
    ];
    for (const [cls, name] of cases) assert.equal(kerasSnakeCase(cls), name);
  });

  it('numbers repeats per prefix: conv2d, conv2d_1, dense, conv2d_2', () => {
    const namer = new KerasNamer();
    assert.deepEqual(['Conv2D', 'Conv2D', 'Dense', 'Conv2D'].map((c) => namer.next(c)), ['conv2d', 'conv2d_1', 'dense', 'conv2d_2']);
  });
});
