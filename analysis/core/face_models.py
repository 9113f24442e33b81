"""face_recognition's dlib models, loaded one by one: only the ones the pipeline uses.

Importing `face_recognition` loads all of its models, the 68-point landmark predictor (about
100 MB) and the CNN detector included, in every process that analyses; the pipeline needs the
HOG detector (or the CNN one when asked), the 5-point landmarks and the identity encoder, from the
same `face_recognition_models` files, through the same dlib calls.
"""

import functools
from typing import NamedTuple

import numpy as np

Box = tuple[int, int, int, int]  # x, y, w, h in pixels of the original frame


class Detection(NamedTuple):
    """A face a detector found: its box in dlib's framing and, when the detector gives them, its key
    points (3, 2): the eye centres (image left first) and the nose base (face_alignment.key_points).
    YuNet's own five points ride along for the head pose only (head_pose.py); the rest of the pipeline
    uses the key points."""

    box: Box
    points: np.ndarray | None = None
    score: float = 1.0  # the detector's confidence, where it gives one
    # YuNet's (5, 2) points as it gives them: both eye centres, the nose tip, both mouth corners.
    landmarks5: np.ndarray | None = None


@functools.cache
def _dlib():
    import dlib

    return dlib


@functools.cache
def _models():
    import face_recognition_models

    return face_recognition_models


class FaceLocator:
    """Face boxes in a BGR image, by face_recognition's HOG or CNN detector, upsample 0.

    HOG takes each pixel's strongest channel gradient, which the channels' order does not change; the
    CNN is given RGB, as it was trained.
    """

    def __init__(self, model: str = "hog"):
        self._to_rgb = model == "cnn"
        if model == "hog":
            self._detect = _dlib().get_frontal_face_detector()
            self._rect = lambda found: found
        elif model == "cnn":
            self._detect = _dlib().cnn_face_detection_model_v1(_models().cnn_face_detector_model_location())
            self._rect = lambda found: found.rect
        else:
            raise ValueError(f"Unknown face detector: {model!r} (hog or cnn)")

    def __call__(self, image: np.ndarray) -> list[Detection]:
        height, width = image.shape[:2]
        if self._to_rgb and image.ndim == 3:
            image = np.ascontiguousarray(image[..., ::-1])
        found_faces = []
        for found in self._detect(image, 0):
            rect = self._rect(found)
            x0, y0 = max(rect.left(), 0), max(rect.top(), 0)
            x1, y1 = min(rect.right(), width), min(rect.bottom(), height)
            found_faces.append(Detection((x0, y0, x1 - x0, y1 - y0)))
        return found_faces


class FaceEncoder:
    """5-point landmarks and the 128-d identity encoding, as face_recognition.face_encodings computes them."""

    def __init__(self) -> None:
        dlib = _dlib()
        self._rectangle = dlib.rectangle
        self._landmarks = dlib.shape_predictor(_models().pose_predictor_five_point_model_location())
        self._encoder = dlib.face_recognition_model_v1(_models().face_recognition_model_location())

    def landmarks(self, rgb: np.ndarray, box: Box):
        x, y, w, h = box
        return self._landmarks(rgb, self._rectangle(x, y, x + w, y + h))

    @staticmethod
    def points(landmarks) -> np.ndarray:
        """dlib's landmarks as a (5, 2) float array (face_alignment.key_points reads them)."""
        return np.array([(point.x, point.y) for point in landmarks.parts()], dtype=np.float32)

    def encode(self, rgb: np.ndarray, landmarks) -> np.ndarray:
        return np.asarray(self._encoder.compute_face_descriptor(rgb, landmarks, 1), dtype=np.float32)
