/**
 * Keras as course code writes it, each case a small program of our own analysed in memory: models
 * built at module level (a Sequential list, `.add()` chains, `Model(inputs, outputs)`), every name
 * Keras exports for a layer (aliases, Keras 2 module paths, `InputLayer`), and the layers that act
 * only while training (augmentation), which must keep the model whole. Expected numbers are Keras's
 * own (real Keras 3.15.1 built the same models through ../shared/keras-oracle).
 */
import * as assert from 'node:assert/strict';
import { type ModelResult } from '../../../src/core/frontends/python/analyzePython';
import type { SourceHost } from '../../../src/core/frontends/python/imports';
import { analyzePython } from '../../../src/core/analysis/analyzeDocument';

const main = '/ws/main.py';

function analyze(source: string): readonly ModelResult[] {
  const host: SourceHost = { read: () => undefined, searchPaths: [], stamp: () => undefined };
  return analyzePython(main, source, { host, timeMs: 60_000, now: () => 0 }).models;
}

function only(source: string): ModelResult {
  const models = analyze(source);
  assert.equal(models.length, 1, models.map((m) => m.name).join(', '));
  return models[0];
}

/** Each layer's name and output shape (batch as N), in graph order. */
function rows(model: ModelResult): string[] {
  return model.analysis.nodeResults.map((r) => `${r.node.name} ${r.outputShapes[0]?.map((d) => d ?? '?').join('x')}`);
}

describe('Keras as the course writes it', () => {
  it('analyses a Sequential list built at module level with keras.Input first', () => {
    const model = only(`from tensorflow import keras
from tensorflow.keras import layers
model = keras.Sequential([keras.Input(shape=(32, 32, 3)), layers.Conv2D(8, 5, activation="relu"), layers.Flatten(), layers.Dense(10)])
`);
    assert.equal(model.incomplete, undefined);
    assert.deepEqual(rows(model), ['conv2d Nx28x28x8', 'flatten Nx6272', 'dense Nx10']);
    assert.equal(model.analysis.totals.params, 63_338);
  });

  it("lists a factory once when a cell calls it into a variable the factory also names locally", () => {
    // The factory's own `model = …` is a local: it does not make the module's `model` a second model.
    const factory = `from tensorflow import keras
from tensorflow.keras import layers
def build(input_shape=(32, 32, 3)):
    model = keras.Sequential([keras.Input(shape=input_shape), layers.Conv2D(8, 3), layers.Flatten(), layers.Dense(2)])
    return model
model = build()
model.summary()
`;
    assert.deepEqual(analyze(factory).map((m) => m.name), ['build']);
    // A function that rebinds the module's `model` through `global` does change it: both are listed.
    const rebinds = `${factory}def widen():
    global model
    model = keras.Sequential([keras.Input(shape=(64, 64, 3)), layers.Conv2D(8, 3)])
widen()
`;
    assert.deepEqual(analyze(rebinds).map((m) => m.name), ['build', 'model']);
  });

  it('lists a factory that needs arguments through the variable that calls it, and each different build', () => {
    const source = `from tensorflow import keras
from tensorflow.keras import layers
def convolutional_model(input_shape):
    inputs = keras.Input(shape=input_shape)
    x = layers.Conv2D(8, 4, padding="same", name="conv")(inputs)
    return keras.Model(inputs, layers.Dense(6)(layers.Flatten()(x)))
def happy(input_shape=(64, 64, 3)):
    return keras.Sequential([keras.Input(shape=input_shape), layers.Conv2D(4, 3, name="conv_a"), layers.Flatten()])
conv_model = convolutional_model((64, 64, 3))
happy_model = happy()
for layer in happy_model.layers:
    print(layer.name)
assert happy_model.layers[0].name.startswith('conv'), "an assert only reads the model"
same = happy(input_shape=(64, 64, 3))
small = happy(input_shape=(32, 32, 3))
grown = happy()
grown.add(layers.Dense(2))
`;
    const models = analyze(source);
    // happy_model and same repeat happy()'s model; a loop that only reads a model leaves it the same.
    assert.deepEqual(models.map((m) => m.name), ['happy', 'conv_model', 'small', 'grown']);
    const byName = new Map(models.map((m) => [m.name, m]));
    assert.equal(byName.get('conv_model')!.analysis.totals.params, 4 * 4 * 3 * 8 + 8 + (64 * 64 * 8 * 6 + 6));
    assert.deepEqual(rows(byName.get('small')!).slice(0, 1), ['conv_a Nx30x30x4'], 'a given name is kept as given');
    assert.deepEqual(rows(byName.get('grown')!).slice(-1), ['dense_1 Nx2'], '.add() grows the variable\'s own model');
  });

  it("keeps an incomplete functional model's own input shape instead of running it on a guessed one", () => {
    const model = only(`import tensorflow as tf
from tensorflow.keras import layers
def alpaca(image_shape=(160, 160)):
    inputs = tf.keras.Input(shape=image_shape + (3,))
    x = mystery_backbone(inputs)
    return tf.keras.Model(inputs, layers.Dense(1)(layers.GlobalAveragePooling2D()(x)))
`);
    assert.ok(model.incomplete, 'the backbone is unknown, and it says so');
    assert.deepEqual(model.inputs, [['N', 160, 160, 3]]);
  });

  it('keeps a model whose Input shape comes from data never loaded incomplete, with no error on a guess', () => {
    const model = only(`from keras.layers import Input, Conv2D, Flatten, Dense
from keras.models import Model
from kt_utils import *
X_train, Y_train = load_dataset()
def HappyModel(input_shape):
    X_input = Input(input_shape)
    X = Dense(1)(Flatten()(Conv2D(32, (7, 7))(X_input)))
    return Model(inputs=X_input, outputs=X, name='HappyModel')
happyModel = HappyModel(X_train.shape[1:])
`);
    assert.ok(model.incomplete, 'it says it lost track');
    assert.deepEqual(model.inputs, [], 'no made-up input');
    const errors = model.analysis.nodeResults.flatMap((r) => r.diagnostics.filter((d) => d.severity === 'error'));
    assert.deepEqual(errors, []);
    assert.ok(!model.diagnostics.some((d) => d.severity === 'error'), JSON.stringify(model.diagnostics));
  });

  it("builds a Sequential that has no Input for the shape given to model.build()", () => {
    const model = only(`from tensorflow.keras import layers, models
model = models.Sequential()
model.add(layers.Conv2D(32, (3, 3), activation='relu'))
model.add(layers.MaxPooling2D((2, 2)))
model.add(layers.Flatten())
model.add(layers.Dense(10))
model.build((None, 28, 28, 1))
`);
    assert.deepEqual(model.inputs, [['N', 28, 28, 1]]);
    assert.deepEqual(rows(model), ['conv2d Nx26x26x32', 'max_pooling2d Nx13x13x32', 'flatten Nx5408', 'dense Nx10']);
    assert.equal(model.analysis.totals.params, 320 + 54_090);
  });

  it('analyses module-level .add() chains whose first layer gives input_shape, through every alias', () => {
    const model = only(`from keras.models import Sequential
from keras.layers.convolutional import Conv2D
from keras.layers.pooling import MaxPool2D
from tensorflow.keras.layers import GlobalAvgPool2D, Dense
model = Sequential()
model.add(Conv2D(32, (3, 3), activation='relu', input_shape=(28, 28, 1)))
model.add(MaxPool2D())
model.add(GlobalAvgPool2D())
model.add(Dense(10, activation='softmax'))
`);
    assert.equal(model.incomplete, undefined);
    assert.deepEqual(rows(model), [
      'conv2d Nx26x26x32',
      'max_pooling2d Nx13x13x32',
      'global_average_pooling2d Nx32',
      'dense Nx10',
    ]);
    assert.equal(model.analysis.totals.params, 320 + 330);
  });

  it('keeps a model whole through augmentation and preprocessing layers, which hold no weights', () => {
    const model = only(`import tensorflow as tf
from tensorflow.keras.layers.experimental.preprocessing import RandomFlip, RandomRotation, Rescaling
from keras.layers import InputLayer, Normalization, RandomZoom, Resizing, CenterCrop, Cropping2D, Conv2D
model = tf.keras.Sequential([
    InputLayer(input_shape=(64, 64, 3)),
    RandomFlip('horizontal'), RandomRotation(0.2), RandomZoom(0.1), Rescaling(1 / 255.0),
    Normalization(mean=0.5, variance=0.25),
    Resizing(40, 40), CenterCrop(36, 36), Cropping2D(((1, 2), (3, 4))),
    Conv2D(4, 3),
])
`);
    assert.equal(model.incomplete, undefined);
    assert.deepEqual(rows(model).slice(-4), [
      'resizing Nx40x40x3',
      'center_crop Nx36x36x3',
      'cropping2d Nx33x29x3',
      'conv2d Nx31x27x4',
    ]);
    // Normalization given its mean and variance holds no weights in Keras 3; only the conv counts.
    assert.equal(model.analysis.totals.params, 3 * 3 * 3 * 4 + 4);
  });

  it("counts an adapted Normalization's mean, variance and count as non-trainable", () => {
    const model = only(`from keras import layers, Sequential, Input
model = Sequential([Input((8, 8, 3)), layers.Normalization(), layers.Flatten(), layers.Dense(2)])
`);
    assert.equal(model.analysis.totals.params, 7 + (8 * 8 * 3 * 2 + 2));
    assert.equal(model.analysis.totals.nonTrainable, 7);
  });

  it('merges with Average, Maximum and Minimum and their lower-case functions', () => {
    const model = only(`from keras import layers, Model, Input
inputs = Input((4, 4, 2))
a = layers.Conv2D(3, 1)(inputs)
b = layers.Conv2D(3, 1)(inputs)
m = layers.Average()([a, b])
n = layers.maximum([a, m])
o = layers.minimum([n, b])
model = Model(inputs, o)
`);
    assert.equal(model.incomplete, undefined);
    assert.deepEqual(
      model.analysis.nodeResults
        .map((r) => r.node.spec.kind)
        .filter((k) => ['average', 'maximum', 'minimum'].includes(k)),
      ['average', 'maximum', 'minimum'],
    );
    assert.deepEqual(rows(model).at(-1), 'minimum Nx4x4x3');
  });

  it('cuts a feature extractor out of a model by get_layer(name).output, layers[i].output and base.input', () => {
    const models = analyze(`from tensorflow import keras
from tensorflow.keras import layers
inputs = keras.Input((32, 32, 3))
x = layers.Conv2D(8, 3, name='c1')(inputs)
x = layers.Conv2D(16, 3, strides=2, name='c2')(x)
x = layers.GlobalAveragePooling2D()(x)
base = keras.Model(inputs, layers.Dense(10)(x))
features = keras.Model(base.input, base.get_layer('c2').output)
first = keras.Model(base.inputs, base.layers[1].output)
`);
    const byName = new Map(models.map((m) => [m.name, m]));
    assert.deepEqual(rows(byName.get('features')!), ['c1 Nx30x30x8', 'c2 Nx14x14x16']);
    assert.equal(byName.get('features')!.analysis.totals.params, 224 + 1168);
    assert.deepEqual(rows(byName.get('first')!), ['c1 Nx30x30x8']);
  });

  it('freezes a base with trainable = False and a slice of base.layers, and calls it as one nested group', () => {
    const model = only(`import tensorflow as tf
def build():
    inputs = tf.keras.Input((16, 16, 3))
    x = tf.keras.layers.Conv2D(4, 3)(inputs)
    x = tf.keras.layers.BatchNormalization()(x)
    x = tf.keras.layers.Conv2D(8, 3)(x)
    base = tf.keras.Model(inputs, x, name='base')
    for layer in base.layers[:2]:
        layer.trainable = False
    new_inputs = tf.keras.Input((16, 16, 3))
    y = tf.keras.layers.Rescaling(1 / 255.0)(new_inputs)
    y = base(y, training=False)
    y = tf.keras.layers.GlobalAveragePooling2D()(y)
    return tf.keras.Model(new_inputs, tf.keras.layers.Dense(2)(y))
`);
    assert.equal(model.incomplete, undefined);
    const conv1 = 3 * 3 * 3 * 4 + 4;
    const conv2 = 3 * 3 * 4 * 8 + 8;
    const { params, trainable, nonTrainable } = model.analysis.totals;
    // layers[:2] is the InputLayer and the first conv: frozen; BatchNormalization's moving stats never train.
    assert.deepEqual({ params, trainable, nonTrainable }, {
      params: conv1 + 16 + conv2 + 18,
      trainable: 8 + conv2 + 18,
      nonTrainable: conv1 + 8,
    });
    const group = [...model.graph.groups.values()].find((g) => g.name === 'base');
    assert.ok(group, 'the base model is one group');
    const inBase = model.graph.nodes.filter((n) => n.groupId === group.id).map((n) => n.name);
    assert.deepEqual(inBase, ['conv2d', 'batch_normalization', 'conv2d_1']);
  });

  it("binds the input tensor to a builder's first parameter (yolo_body(inputs, …)), skipping block helpers", () => {
    const models = analyze(`from tensorflow.keras import layers, Model
def conv_block(inputs, filters=8):
    return layers.Conv2D(filters, 3, padding='SAME')(inputs)
def yolo_body(inputs, num_anchors=3, num_classes=20):
    x = conv_block(inputs, 16)
    x = layers.MaxPooling2D(2, 2, padding='SAME')(x)
    return Model(inputs, layers.Conv2D(num_anchors * (num_classes + 5), 1)(x))
`);
    assert.deepEqual(models.map((m) => m.name), ['yolo_body']);
    assert.deepEqual(rows(models[0]), ['conv2d Nx224x224x16', 'max_pooling2d Nx112x112x16', 'conv2d_1 Nx112x112x75']);
  });

  it("takes a Lambda's shape from output_shape= when its function cannot be followed", () => {
    const model = only(`from tensorflow import keras
from tensorflow.keras import layers
import mystery
inputs = keras.Input((8, 8, 4))
x = layers.Lambda(lambda t: mystery.crop(t), output_shape=(6, 6, 4))(inputs)
y = layers.Lambda(lambda t: mystery.pool(t), output_shape=lambda s: (s[0], 3, 3, s[3]))(x)
model = keras.Model(inputs, layers.Flatten()(y))
`);
    assert.equal(model.incomplete, undefined, 'a declared shape is known, not guessed');
    assert.deepEqual(rows(model).at(-1), 'flatten Nx36');
    const notes = model.analysis.nodeResults.flatMap((r) => r.diagnostics.map((d) => d.message));
    assert.ok(notes.some((m) => /mystery\.crop\(\).*output_shape it declares/.test(m)), notes.join('\n'));
  });

  it('runs keras.ops on symbolic tensors with Keras names and several axes at once, keeping the batch', () => {
    const model = only(`from keras import ops, layers, Input, Model
inputs = Input((4, 4, 3))
a = ops.concatenate([inputs, inputs], axis=-1)
b = ops.mean(a, axis=(1, 2), keepdims=True)
c = ops.squeeze(b, axis=(1, 2))
d = ops.expand_dims(layers.Dense(5)(c), 1)
model = Model(inputs, ops.softmax(d))
`);
    assert.equal(model.incomplete, undefined);
    // Real Keras: 35 params, output (None, 1, 5).
    assert.equal(model.analysis.totals.params, 35);
    assert.deepEqual(model.analysis.totals.outputShapes[0], ['N', 1, 5]);
  });
});
