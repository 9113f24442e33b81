"""Soft training targets from trained models (knowledge distillation).

The teachers' probabilities for each training face, averaged over the models and a mirrored copy,
are computed once before training: FER2013's labels are noisy and many faces show a blend of
emotions, which a teacher ensemble's probabilities describe better than a one-hot label.
"""

from __future__ import annotations

import numpy as np

from analysis.core.augmented_views import predict_with_views
from analysis.core.emotions import EMOTIONS

from .evaluation import resize_faces


def teacher_probabilities(teachers: list, faces: np.ndarray, batch_size: int = 512) -> np.ndarray:
    """Mean flip-averaged probabilities of `teachers` (LiteModels or Keras models) for uint8 (N, H, W) faces."""
    if not teachers:
        raise ValueError("no teachers given")
    total = np.zeros((len(faces), len(EMOTIONS)), dtype=np.float64)
    for model in teachers:
        size = int(model.input_shape[1])
        for start in range(0, len(faces), batch_size):
            batch = resize_faces(faces[start : start + batch_size], size)
            total[start : start + len(batch)] += predict_with_views(model.predict_on_batch, batch, flip=True)
    return (total / len(teachers)).astype(np.float32)
