"""Is an int8 LiteRT export of the emotion classifier as accurate and faster? (issue 31; not shipped: no faster on AVX2)

    .venv/bin/python -m bench.quantized_classifier [--model emotion-net-v5] [--rounds 3]

Exports the model's Keras weights twice to bench/out/ with TensorFlow's converter: dynamic-range int8
(weights only) and full int8 (weights and activations, calibrated on the 300 Training faces that
`litert_export --int8` uses, float input and output), then serves each exactly as the app serves the
shipped float32 export (the card's views and calibration) and prints, against the FER+ majority on
PublicTest: accuracy, neutral recall, and faces/s on one thread (a Ray actor's), the three models taking
turns. Nothing here changes what the app runs.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import tempfile
import time
from pathlib import Path

import numpy as np

from analysis.core.emotion_classifier import BUNDLED_MODELS, EmotionClassifier, model_spec
from bench.common import DATA_DIR

OUT = Path(__file__).resolve().parent / "out"
FER = DATA_DIR / "fer2013" / "fer2013_train_publictest.npz"
VOTES = DATA_DIR / "fer2013" / "ferplus_votes.npz"


def export(keras_path: Path, calibration_faces: np.ndarray) -> dict[str, Path]:
    """The int8 exports of `keras_path` in bench/out/: {"dynamic-int8": path, "full-int8": path}. Full int8
    is the export command's own (`litert_export --int8`); dynamic-range int8 (weights only) is this bench's."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import keras
    import tensorflow as tf

    from emotion_training.litert_export import export_tflite

    OUT.mkdir(exist_ok=True)
    paths = {
        "dynamic-int8": OUT / f"{keras_path.stem}_dynamic_int8.tflite",
        "full-int8": export_tflite(keras_path, OUT / f"{keras_path.stem}_int8.tflite", calibration_faces),
    }
    with tempfile.TemporaryDirectory() as saved_model:
        keras.models.load_model(keras_path, compile=False).export(saved_model, format="tf_saved_model", verbose=False)
        converter = tf.lite.TFLiteConverter.from_saved_model(saved_model)
        converter.optimizations = [tf.lite.Optimize.DEFAULT]
        paths["dynamic-int8"].write_bytes(converter.convert())
    return paths


def main() -> None:
    from emotion_training.evaluation import predict_batched, resize_faces
    from emotion_training.fer_dataset import load_split
    from emotion_training.ferplus import load_vote_labels
    from emotion_training.litert_export import int8_calibration_faces

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default="emotion-net-v5", choices=sorted(BUNDLED_MODELS))
    parser.add_argument("--rounds", type=int, default=3)
    options = parser.parse_args()
    served = model_spec(options.model)
    calibration = int8_calibration_faces(served.input_size, FER)  # as `litert_export --int8` calibrates
    models = {
        "float32 (shipped)": served.path,
        **export(BUNDLED_MODELS[options.model].with_suffix(".keras"), calibration),
    }
    test = load_split(FER, "PublicTest")
    labels = load_vote_labels(FER, VOTES, "PublicTest")
    usable, majority = labels.usable, labels.majority[labels.usable]
    batch = resize_faces(test.faces, served.input_size)
    classifiers = {}
    for name, path in models.items():
        classifier = EmotionClassifier(dataclasses.replace(served, path=path), threads=1)
        predicted = predict_batched(classifier.predict, batch, 256)[0][usable].argmax(axis=1)
        neutral = majority == 6
        print(
            f"{name:18s} {path.stat().st_size / 1e6:.2f} MB  accuracy {np.mean(predicted == majority):.4f}  "
            f"neutral recall {np.mean(predicted[neutral] == 6):.3f}  ({len(majority)} PublicTest faces)"
        )
        classifiers[name] = classifier
    speeds: dict[str, list[float]] = {name: [] for name in classifiers}
    sample = batch[:512]
    for _ in range(options.rounds):  # taking turns
        for name, classifier in classifiers.items():
            began = time.perf_counter()
            classifier.predict(sample)
            speeds[name].append(len(sample) / (time.perf_counter() - began))
    reference = max(speeds["float32 (shipped)"])
    views = len(served.tta_zooms) * (1 + served.flip_tta)
    for name, measured in speeds.items():
        best = max(measured)
        print(f"{name:18s} {best:,.0f} faces/s, one thread, {views} views each (x{best / reference:.2f})")


if __name__ == "__main__":
    main()
