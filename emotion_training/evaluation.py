"""Scoring an emotion classifier on labelled 48x48 faces: quality metrics and faces per second."""

from __future__ import annotations

import time

import cv2
import numpy as np

from analysis.core.augmented_views import predict_with_views
from analysis.core.emotion_classifier import to_model_range

from .fer_dataset import FaceSet
from .metrics import classification_report


def resize_faces(faces: np.ndarray, size: int) -> np.ndarray:
    """uint8 (N, H, W) faces as the float (N, size, size, 1) batch in [-1, 1] a model takes."""
    if faces.shape[1:] != (size, size):
        faces = np.stack([cv2.resize(face, (size, size), interpolation=cv2.INTER_LINEAR) for face in faces])
    return to_model_range(faces)


def predict_batched(predict, batch: np.ndarray, batch_size: int) -> tuple[np.ndarray, float]:
    """Probabilities for every face, and the seconds spent inside the model (after one warm-up batch)."""
    predict(batch[:batch_size])
    outputs, seconds = [], 0.0
    for start in range(0, len(batch), batch_size):
        chunk = batch[start : start + batch_size]
        began = time.perf_counter()
        outputs.append(predict(chunk))
        seconds += time.perf_counter() - began
    return np.concatenate(outputs), seconds


def evaluate(predict, input_size: int, faces: FaceSet, batch_size: int = 256) -> dict:
    """`predict` maps a (N, size, size, 1) batch to (N, 7) probabilities."""
    batch = resize_faces(faces.faces, input_size)
    probabilities, seconds = predict_batched(predict, batch, batch_size)
    report = classification_report(faces.labels, probabilities)
    report["faces_per_s"] = len(batch) / seconds if seconds else float("inf")
    report["batch_size"] = batch_size
    return report


def evaluate_model(
    model, faces: FaceSet, flip_tta: bool = False, tta_zooms: tuple[float, ...] = (1.0,), batch_size: int = 256
) -> dict:
    """Evaluate a bare model, Keras or LiteModel (anything with input_shape and predict_on_batch), on faces of
    its own input size, with the given test-time views."""
    size = int(model.input_shape[1])

    def predict(batch):
        return predict_with_views(model.predict_on_batch, batch, tta_zooms, flip_tta)

    return evaluate(predict, size, faces, batch_size)


def measure_speed(models: dict[str, tuple], batch_size: int, rounds: int = 3) -> dict[str, float]:
    """Faces/s of each `name: (predict, batch)`, the models taking turns; the best round counts.

    Taking turns and keeping the best round make the ratio between models fair on a shared,
    noisy machine.
    """
    best = dict.fromkeys(models, 0.0)
    for _ in range(rounds):
        for name, (predict, batch) in models.items():
            _, seconds = predict_batched(predict, batch, batch_size)
            best[name] = max(best[name], len(batch) / seconds)
    return best
