"""dlib's face-recognition ResNet -> LiteRT: the identity encoder the app serves.

    python -m emotion_training.identity_encoder_export

face_recognition's encodings come from dlib's ResNet (`dlib_face_recognition_resnet_model_v1.dat`
in `face_recognition_models`, public domain / CC0). The `dlib-bin` wheel runs it without BLAS: 75-140
ms a face on one core here. This command reads the very weights from that file, rebuilds the same
network in Keras, writes `analysis/weights/dlib_face_encoder.tflite` (XNNPACK: ~10 ms a face) and its
card, with the largest difference from dlib's own `compute_face_descriptor` on the shared images.

dlib's serialisation (dlib/dnn/layers.h): layers are written from the input up; each `con_4` record
holds a params tensor (filters (n, k, rows, cols) then n biases) and its geometry, each `affine_`
record a params tensor (gamma then beta), the last `fc_2` record (inputs x 128) weights. A tensor is
an int version (2), four dims, then little-endian float32s; integers are a length byte (0x80 when
negative) and that many little-endian bytes.
"""

from __future__ import annotations

import argparse
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from analysis.core.face_models import IDENTITY_ENCODER, dlib_models

from .cards import write_tflite_card
from .fer_dataset import file_sha256
from .real_faces import DEFAULT_DATA

EXPORT_COMMAND = "python -m emotion_training.identity_encoder_export"
# dlib's input_rgb_image_sized<150>: (pixel - mean) / 256, RGB.
CHANNEL_MEANS = (122.782, 117.001, 104.298)
# The ResNet's levels from the input up: (residual blocks, whether the first halves the size).
LEVELS = ((3, False), (4, True), (3, True), (3, True), (1, True))
RECORD = re.compile(rb"\x01\x05con_4|\x01\x07affine_|\x01\x04fc_2")
CHECK_IMAGES = ("multi_face.jpg", "two_people.jpg", "obama.jpg", "biden.jpg", "single_face.jpg")


@dataclass
class Conv:
    filters: np.ndarray  # (n, k, rows, cols)
    biases: np.ndarray
    stride: int
    padding: int


@dataclass
class Affine:
    gamma: np.ndarray
    beta: np.ndarray


class _Reader:
    def __init__(self, data: bytes, pos: int):
        self.data, self.pos = data, pos

    def integer(self) -> int:
        head = self.data[self.pos]
        size = head & 0x0F
        value = int.from_bytes(self.data[self.pos + 1 : self.pos + 1 + size], "little")
        self.pos += 1 + size
        return -value if head & 0x80 else value

    def string(self) -> str:
        size = self.integer()
        self.pos += size
        return self.data[self.pos - size : self.pos].decode("latin-1")

    def tensor(self) -> np.ndarray:
        if self.integer() != 2:
            raise ValueError("not a dlib tensor (version 2)")
        count = int(np.prod([self.integer() for _ in range(4)]))
        values = np.frombuffer(self.data, dtype="<f4", count=count, offset=self.pos).astype(np.float32)
        self.pos += 4 * count
        return values


def read_dlib_resnet(path: Path) -> list[Conv | Affine | np.ndarray]:
    """The network's layers with weights, from the input up; the last is the (inputs, 128) fc matrix."""
    data = path.read_bytes()
    layers: list[Conv | Affine | np.ndarray] = []
    for match in RECORD.finditer(data):
        reader = _Reader(data, match.start())
        version = reader.string()
        if version == "con_4":
            params = reader.tensor()
            n, rows, cols, stride, _, padding, _ = (reader.integer() for _ in range(7))
            k = (params.size - n) // (n * rows * cols)
            layers.append(Conv(params[: n * k * rows * cols].reshape(n, k, rows, cols), params[-n:], stride, padding))
        elif version == "affine_":
            params = reader.tensor()
            layers.append(Affine(params[: params.size // 2], params[params.size // 2 :]))
        else:
            outputs, inputs = reader.integer(), reader.integer()
            layers.append(reader.tensor().reshape(inputs, outputs))
    if sum(isinstance(layer, Conv) for layer in layers) != 29 or not isinstance(layers[-1], np.ndarray):
        raise ValueError(f"{path} is not dlib's 29-convolution face-recognition ResNet")
    return layers


def build_keras(layers: list[Conv | Affine | np.ndarray]):
    """The ResNet in Keras, fed 150x150 RGB chips (0-255) as dlib.get_face_chip cuts them."""
    import keras
    from keras import ops

    remaining = iter(layers)

    def conv_affine(x, relu: bool):
        conv, affine = next(remaining), next(remaining)
        assert isinstance(conv, Conv) and isinstance(affine, Affine)
        layer = keras.layers.Conv2D(
            conv.filters.shape[0],
            conv.filters.shape[2],
            strides=conv.stride,
            padding="same" if conv.padding else "valid",
        )
        y = layer(x)
        layer.set_weights([conv.filters.transpose(2, 3, 1, 0), conv.biases])
        y = y * affine.gamma + affine.beta
        return keras.layers.ReLU()(y) if relu else y

    def zero_padded(x, size: int, channels: int):
        # dlib's add_prev adds tensors of different sizes as if both were zero-padded at the end.
        grow, more = size - x.shape[1], channels - x.shape[-1]
        return ops.pad(x, [[0, 0], [0, grow], [0, grow], [0, more]]) if grow or more else x

    def residual(x, halve: bool):
        y = conv_affine(conv_affine(x, relu=True), relu=False)
        skip = keras.layers.AveragePooling2D(2, 2)(x) if halve else x
        size, channels = max(y.shape[1], skip.shape[1]), max(y.shape[-1], skip.shape[-1])
        return keras.layers.ReLU()(zero_padded(y, size, channels) + zero_padded(skip, size, channels))

    chips = keras.Input((150, 150, 3), dtype="float32")
    x = (chips - np.array(CHANNEL_MEANS, np.float32)) / 256.0
    x = keras.layers.MaxPooling2D(3, 2)(conv_affine(x, relu=True))
    for blocks, halves in LEVELS:
        for i in range(blocks):
            x = residual(x, halves and i == 0)
    x = keras.layers.GlobalAveragePooling2D()(x)
    dense = keras.layers.Dense(128, use_bias=False)
    encodings = dense(x)
    dense.set_weights([next(remaining)])
    return keras.Model(chips, encodings)


def largest_difference(tflite_path: Path, images: Path) -> tuple[float, int]:
    """The largest absolute difference from dlib's compute_face_descriptor over the faces of the shared
    images, and how many faces."""
    import cv2

    from analysis.core.face_detection import DetectorConfig, FaceDetector
    from analysis.core.face_models import FaceEncoder

    detector, reference = FaceDetector(DetectorConfig()), FaceEncoder(reference=True)
    litert = FaceEncoder(threads=1, model_path=tflite_path)
    worst, faces = 0.0, 0
    for name in CHECK_IMAGES:
        image = cv2.imread(str(images / name))
        rgb = cv2.cvtColor(image, cv2.COLOR_BGR2RGB)
        for face in detector.full_frame(image):
            landmarks = reference.landmarks(rgb, face.box)
            difference = np.abs(litert.encode(rgb, landmarks) - reference.encode(rgb, landmarks)).max()
            worst, faces = max(worst, float(difference)), faces + 1
    return worst, faces


def export(tflite_path: Path, images: Path) -> tuple[Path, float, int]:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import tensorflow as tf

    source = Path(dlib_models().face_recognition_model_location())
    model = build_keras(read_dlib_resnet(source))
    with tempfile.TemporaryDirectory() as saved_model:
        model.export(saved_model, format="tf_saved_model", verbose=False)
        content = tf.lite.TFLiteConverter.from_saved_model(saved_model).convert()
    tflite_path.write_bytes(content)
    worst, faces = largest_difference(tflite_path, images)
    card = {
        "name": "dlib_face_encoder",
        "architecture": "dlib's face-recognition ResNet (29 convolutions, 128-d output), weights unchanged",
        "licence": "public domain / CC0 (dlib-models, via face_recognition_models)",
        "source": {"file": source.name, "sha256": file_sha256(source)},
        "input": "150x150 RGB chip from dlib.get_face_chip(image, 5-point landmarks, 150, padding 0.25)",
        "equality": {"images": list(CHECK_IMAGES), "faces": faces, "max_abs_difference_from_dlib": worst},
        "tflite_export": {"command": EXPORT_COMMAND, "tensorflow": tf.__version__},
    }
    write_tflite_card(tflite_path, card)
    return tflite_path, worst, faces


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=IDENTITY_ENCODER)
    parser.add_argument("--data", type=Path, default=Path(os.environ.get("EMOTION_TEST_DATA", DEFAULT_DATA)))
    args = parser.parse_args(argv)
    path, worst, faces = export(args.out, args.data / "images")
    print(f"wrote {path} (sha256 {file_sha256(path)}); {faces} faces, largest difference from dlib {worst:.2e}")


if __name__ == "__main__":
    main()
