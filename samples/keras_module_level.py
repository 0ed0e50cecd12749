"""A first Keras CNN written at module level, as course notebooks write it.

No function wraps the model: `model = keras.Sequential([...])` runs at the top
of the file, with data augmentation as its first layers (RandomFlip is the
identity at inference and holds no weights). Spatial size shrinks
32 -> 28 -> 14 -> 12 while channels grow 3 -> 8 -> 16.

Expected (real Keras 3.15.1): input (None, 32, 32, 3) -> output (None, 10),
24,826 parameters (all trainable): conv 608 + conv 1,168 + dense 23,050.
"""
from tensorflow import keras
from tensorflow.keras import layers

model = keras.Sequential(
    [
        keras.Input(shape=(32, 32, 3)),
        layers.RandomFlip("horizontal"),
        layers.Conv2D(8, 5, activation="relu"),   # 28x28x8
        layers.MaxPool2D(),                       # 14x14x8
        layers.Conv2D(16, 3, activation="relu"),  # 12x12x16
        layers.Flatten(),                         # 2304
        layers.Dense(10, activation="softmax"),
    ]
)
