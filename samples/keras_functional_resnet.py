"""Small residual network with the Keras functional API (course week 2: ResNets).

Shows skip connections in Keras: `residual_block` adds its input back to
the output of two 3x3 convolutions with `layers.Add()`. When the stride is
not 1 or the filter count changes, the shortcut becomes a 1x1 projection
conv + BatchNorm so both tensors have the same shape. Stem layers use
Keras' automatic names; block layers get explicit names like "block2_conv1".

Expected (computed by hand): input (None, 224, 224, 3) -> output (None, 10),
313,834 parameters (312,490 trainable, 1,344 non-trainable BatchNorm
moving statistics). Spatial size: 224 -> 112 (stem conv) -> 56 (max pool)
-> 56 (block1) -> 28 (block2) -> 14 (block3) -> global average pool.
"""
from tensorflow import keras
from tensorflow.keras import layers


def residual_block(x, filters, stride, name):
    shortcut = x
    y = layers.Conv2D(filters, 3, strides=stride, padding="same", use_bias=False,
                      name=f"{name}_conv1")(x)
    y = layers.BatchNormalization(name=f"{name}_bn1")(y)
    y = layers.ReLU(name=f"{name}_relu1")(y)
    y = layers.Conv2D(filters, 3, padding="same", use_bias=False,
                      name=f"{name}_conv2")(y)
    y = layers.BatchNormalization(name=f"{name}_bn2")(y)
    if stride != 1 or x.shape[-1] != filters:
        shortcut = layers.Conv2D(filters, 1, strides=stride, use_bias=False,
                                 name=f"{name}_proj")(x)
        shortcut = layers.BatchNormalization(name=f"{name}_proj_bn")(shortcut)
    y = layers.Add(name=f"{name}_add")([shortcut, y])
    return layers.ReLU(name=f"{name}_out")(y)


def build_small_resnet(num_classes: int = 10) -> keras.Model:
    inputs = keras.Input(shape=(224, 224, 3))
    # Stem (automatic layer names)
    x = layers.Conv2D(32, 7, strides=2, padding="same", use_bias=False)(inputs)  # 112x112x32
    x = layers.BatchNormalization()(x)
    x = layers.ReLU()(x)
    x = layers.MaxPooling2D(3, strides=2, padding="same")(x)                    # 56x56x32
    # Residual stages (explicit layer names)
    x = residual_block(x, 32, stride=1, name="block1")    # 56x56x32, identity shortcut
    x = residual_block(x, 64, stride=2, name="block2")    # 28x28x64, projection
    x = residual_block(x, 128, stride=2, name="block3")   # 14x14x128, projection
    # Head
    x = layers.GlobalAveragePooling2D(name="gap")(x)       # 128
    outputs = layers.Dense(num_classes, activation="softmax", name="predictions")(x)
    return keras.Model(inputs, outputs, name="small_resnet")


model = build_small_resnet()
