"""LeNet-5 in Keras (course week 1: the classic CNN pattern).

The same network as lenet5_pytorch.py, written as a Keras Sequential model
in channels-last (NHWC) layout, with the classic Tanh activations and
average pooling. Spatial size shrinks 32 -> 28 -> 14 -> 10 -> 5 while the
channel count grows 1 -> 6 -> 16, then three dense layers classify.

Expected (computed by hand): input (None, 32, 32, 1) -> output (None, 10),
61,706 parameters (all trainable):
conv 156 + conv 2,416 + dense 48,120 + dense 10,164 + dense 850.
"""
from tensorflow import keras
from tensorflow.keras import layers


def build_lenet5(num_classes: int = 10) -> keras.Model:
    return keras.Sequential(
        [
            keras.Input(shape=(32, 32, 1)),
            layers.Conv2D(6, kernel_size=5, activation="tanh"),   # 28x28x6
            layers.AveragePooling2D(pool_size=2),                 # 14x14x6
            layers.Conv2D(16, kernel_size=5, activation="tanh"),  # 10x10x16
            layers.AveragePooling2D(pool_size=2),                 # 5x5x16
            layers.Flatten(),                                     # 400
            layers.Dense(120, activation="tanh"),
            layers.Dense(84, activation="tanh"),
            layers.Dense(num_classes, activation="softmax"),
        ],
        name="lenet5",
    )


model = build_lenet5()
