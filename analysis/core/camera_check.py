"""A participant's camera check: is one face, large and lit enough, in a test frame from their webcam?

Plain numpy and the face detector, no Django. The verdict says what to fix in the participant's words:
before recording, not after an hour of useless video.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import cv2
import numpy as np

from .face_detection import DetectorConfig, FaceDetector

# The mean gray level (0-255) under which a frame is too dark to read a face's expression: a webcam in
# a room lit by the screen alone gives ~20-40, an office ~90-140.
TOO_DARK_LEVEL = 45
# A face whose box is less than this share of the frame's height is too far for the facial states,
# whose landmarks need ~40 px (on a 480-px webcam frame: 60 px).
SMALLEST_FACE_SHARE = 0.12
# Detector scores below this are not counted as a second face (a poster, a reflection reads low).
SECOND_FACE_SCORE = 0.8


@dataclass(frozen=True)
class CameraVerdict:
    ok: bool
    problem: str  # "", "dark", "no_face", "several_faces", "too_far"
    message: str  # what the participant reads
    faces: int
    brightness: float


# One detector per thread: a web server's threads check frames at once, and OpenCV's networks are not
# safe to share between threads (two checks at once read each other's faces).
_local = threading.local()


def _faces(image: np.ndarray) -> list:
    if not hasattr(_local, "detector"):
        _local.detector = FaceDetector(DetectorConfig(min_face_px=24))
    return _local.detector.full_frame(image)


def check_frame(image: np.ndarray) -> CameraVerdict:
    """The verdict on one BGR frame."""
    brightness = float(cv2.cvtColor(image, cv2.COLOR_BGR2GRAY).mean())
    if brightness < TOO_DARK_LEVEL:
        message = "The picture is too dark: turn on a light in front of you (not behind you), then check again."
        return CameraVerdict(False, "dark", message, 0, brightness)
    found = _faces(image)
    faces = [face for face in found if face.score >= SECOND_FACE_SCORE] or found
    if not faces:
        message = "No face is visible: sit facing the camera, with your whole face in the picture, then check again."
        return CameraVerdict(False, "no_face", message, 0, brightness)
    if len(faces) > 1:
        message = f"{len(faces)} faces are visible: only the participant should be in the picture."
        return CameraVerdict(False, "several_faces", message, len(faces), brightness)
    if faces[0].box[3] < SMALLEST_FACE_SHARE * image.shape[0]:
        message = "Your face is too small in the picture: come closer to the camera, then check again."
        return CameraVerdict(False, "too_far", message, 1, brightness)
    return CameraVerdict(True, "", "Your camera is ready: one face, well lit.", 1, brightness)


def decode_image(data: bytes) -> np.ndarray | None:
    """A JPEG or PNG frame's BGR pixels, or None when the bytes are not an image."""
    image = cv2.imdecode(np.frombuffer(data, dtype=np.uint8), cv2.IMREAD_COLOR)
    return image if image is not None and image.size else None
