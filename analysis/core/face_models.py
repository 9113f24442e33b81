"""face_recognition's dlib models, loaded one by one: only the ones the pipeline uses.

Importing `face_recognition` loads all of its models, the 68-point landmark predictor (about
100 MB) and the CNN detector included, in every process that analyses; the pipeline needs the
HOG detector (or the CNN one when asked), the 5-point landmarks and the identity encoder, from the
same `face_recognition_models` files, through the same dlib calls, except that the encoder's
ResNet runs through LiteRT (below).
"""

import functools
from pathlib import Path
from typing import NamedTuple

import numpy as np

from .lite_model import LiteModel

# dlib's face-recognition ResNet, its weights unchanged, exported to LiteRT by
# `python -m emotion_training.identity_encoder_export`: ~10 ms a face on one core against 75-140 ms
# for the dlib-bin wheel's own (BLAS-less) run of it; encodings within 1e-6 of dlib's (its card).
IDENTITY_ENCODER = Path(__file__).resolve().parents[1] / "weights" / "dlib_face_encoder.tflite"
CHIP_SIZE = 150  # face_recognition's chip: 150 px, 25% padding around the 5-point alignment
CHIP_PADDING = 0.25

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
def dlib_models():
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
            self._detect = _dlib().cnn_face_detection_model_v1(dlib_models().cnn_face_detector_model_location())
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
    """5-point landmarks and the 128-d identity encoding, as face_recognition.face_encodings computes them.

    dlib cuts the aligned chip; the ResNet runs through LiteRT. `reference=True` runs dlib's own
    compute_face_descriptor instead (the tests compare the two).
    """

    def __init__(self, threads: int | None = None, reference: bool = False, model_path: Path = IDENTITY_ENCODER):
        dlib = _dlib()
        self._rectangle = dlib.rectangle
        self._chip = dlib.get_face_chip
        self._landmarks = dlib.shape_predictor(dlib_models().pose_predictor_five_point_model_location())
        self._reference = (
            dlib.face_recognition_model_v1(dlib_models().face_recognition_model_location()) if reference else None
        )
        self._threads = threads
        self._model_path = model_path
        self._model: LiteModel | None = None

    def landmarks(self, rgb: np.ndarray, box: Box):
        x, y, w, h = box
        return self._landmarks(rgb, self._rectangle(x, y, x + w, y + h))

    @staticmethod
    def points(landmarks) -> np.ndarray:
        """dlib's landmarks as a (5, 2) float array (face_alignment.key_points reads them)."""
        return np.array([(point.x, point.y) for point in landmarks.parts()], dtype=np.float32)

    def encode(self, rgb: np.ndarray, landmarks) -> np.ndarray:
        if self._reference is not None:
            return np.asarray(self._reference.compute_face_descriptor(rgb, landmarks, 1), dtype=np.float32)
        if self._model is None:  # loaded at the first face: a video without faces never pays for it
            self._model = LiteModel(self._model_path, threads=self._threads)
        chip = self._chip(rgb, landmarks, size=CHIP_SIZE, padding=CHIP_PADDING)
        return self._model.predict_on_batch(chip[np.newaxis].astype(np.float32))[0]
