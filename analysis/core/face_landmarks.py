"""68 facial landmarks for a face box: the points the facial states (facial_states.py) are measured on.

A landmark model is anything that takes an image and a face box and gives a (68, 2) float array in
iBUG 300-W's order (1-based in the literature: 1-17 jaw, 18-27 brows, 28-36 nose, 37-48 eyes, 49-68
mouth), so that the detector, the landmarks and the measures can each be swapped alone, as py-feat
splits its detector, landmark and classifier models.

The shipped one is dlib's 68-point shape predictor, from the `face_recognition_models` package the
identity encoder already uses (face_models.dlib_models). Its training data, iBUG 300-W, is licensed
for research use only: docs/model-card.md and the README say so.
"""

from __future__ import annotations

import functools
from typing import Protocol

import numpy as np

from .face_models import Box, _dlib, dlib_models

LANDMARK_COUNT = 68
# dlib's 5-point order (the identity encoder's landmarks) as points of the 68: the person's left eye's
# outer and inner corner (46, 43), their right eye's outer and inner corner (37, 40), the nose's base
# (34). On the shared portraits (13 faces) these lie within 0.3-1.4% of the box's side of the 5-point
# predictor's own, and the encoder's 128-d encodings from them move by 0.04-0.12 (face_recognition's
# same-person threshold: 0.6), so the 68 points could stand in for the 5-point predictor.
FIVE_POINT_INDICES = (45, 42, 36, 39, 33)


class LandmarkModel(Protocol):
    """Image (H, W) gray or (H, W, 3) RGB/BGR uint8, and a face box -> (68, 2) float32 pixel coordinates."""

    def __call__(self, image: np.ndarray, box: Box) -> np.ndarray: ...


class DlibLandmarks68:
    """dlib's 68-point shape predictor (an ensemble of regression trees, ~100 MB; 1.5-4 ms of one core a face
    here, bench/README.md).

    It reads intensities only, so a BGR image gives the same points as RGB. The box is dlib's framing
    (its HOG detector's); other detectors' boxes work when they frame the face about the same way.
    """

    def __init__(self) -> None:
        dlib = _dlib()
        self._rectangle = dlib.rectangle
        self._predict = _shape_predictor()

    def __call__(self, image: np.ndarray, box: Box) -> np.ndarray:
        x, y, w, h = (int(round(v)) for v in box)
        shape = self._predict(image, self._rectangle(x, y, x + w, y + h))
        return np.array([(point.x, point.y) for point in shape.parts()], dtype=np.float32)


def five_points(points: np.ndarray) -> np.ndarray:
    """The (5, 2) points in dlib's 5-point order from (68, 2) landmarks (face_alignment.key_points reads them)."""
    return points[list(FIVE_POINT_INDICES)]


@functools.cache
def _shape_predictor():
    # Loaded once a process: reading the 100 MB file takes about a second.
    return _dlib().shape_predictor(dlib_models().pose_predictor_model_location())
