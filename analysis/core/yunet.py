"""YuNet (OpenCV's `FaceDetectorYN`), with its boxes and points put in dlib's terms.

The rest of the pipeline was built on dlib's framing: the emotion models' crop margin was chosen on
HOG boxes, and dlib's 5-point predictor (for identity encodings) expects them. YuNet's boxes are
taller (forehead to chin) and its points are the eye centres, the nose tip and the mouth corners.
Both are converted here, by fits measured on 106 faces that HOG and YuNet both found in the shared
clips and pictures (the numbers are in docs/face-detection.md):
- the box: a square of 0.946 x sqrt(YuNet's width x height) (8.7% spread), centred 0.211 of its
  side below the eyes' midpoint and 0.017 to the image left (spread 0.04-0.05 of the side);
- the key points: the eye centres as YuNet gives them (0.083 eye distances from dlib's, median) and
  the nose base, 0.15 eye distances below the nose tip with 0.845 of its sideways offset
  (0.093 from dlib's, median), so the pose estimate (face_quality.yaw_ratio) reads alike.
The five points themselves are kept beside them (`Detection.landmarks5`): the head pose reads the mouth,
which tells a deeply bowed head from a milder one (head_pose.py).
"""

from pathlib import Path

import cv2
import numpy as np

from .face_models import Box, Detection

MODEL_PATH = Path(__file__).resolve().parents[1] / "weights" / "face_detection_yunet_2023mar.onnx"
# Chosen on the shared clips and pictures: from 0.8 up every detection is a face (the dim audience of
# short_hamilton_clip.mp4 included); between 0.5 and 0.8 the red wall of street_1080p.mp4 and dark
# patches of the stage give several false faces a frame. So a new face needs 0.8; a face already
# tracked is followed, in the region where it should be, down to 0.6 (its score wavers with the scale
# of the scan and the light).
NEW_FACE_SCORE = 0.8
TRACKED_FACE_SCORE = 0.6
NMS_THRESHOLD = 0.3
TOP_K = 5000

BOX_SIDE_PER_GEOMETRIC_SIZE = 0.946
BOX_CENTRE_BELOW_EYES = 0.211  # in box sides
BOX_CENTRE_LEFT_OF_EYES = 0.017
NOSE_BASE_BELOW_TIP = 0.15  # in eye distances
NOSE_BASE_SIDEWAYS_SHARE = 0.845


class YuNetLocator:
    """Faces in a BGR image: boxes in dlib's framing and key points (eye centres, nose base)."""

    def __init__(self, score_threshold: float = TRACKED_FACE_SCORE):
        self._detector = cv2.FaceDetectorYN.create(
            str(MODEL_PATH), "", (320, 320), score_threshold, NMS_THRESHOLD, TOP_K
        )
        self._size = (320, 320)

    def __call__(self, image: np.ndarray) -> list[Detection]:
        height, width = image.shape[:2]
        if (width, height) != self._size:
            self._detector.setInputSize((width, height))
            self._size = (width, height)
        _, found = self._detector.detect(image)
        return [] if found is None else to_dlib_terms(found)


def to_dlib_terms(rows: np.ndarray) -> list[Detection]:
    """YuNet's output rows (box, 5 points, score) as boxes and key points like dlib's, all rows at once."""
    points = rows[:, 4:14].reshape(-1, 5, 2).astype(np.float32)
    swap = points[:, 0, 0] > points[:, 1, 0]  # image left first
    eyes = points[:, :2].copy()
    eyes[swap] = eyes[swap][:, ::-1]
    middle = eyes.mean(axis=1)
    eye_vector = eyes[:, 1] - eyes[:, 0]
    eye_distance = np.maximum(np.hypot(eye_vector[:, 0], eye_vector[:, 1]), 1e-3)
    across = eye_vector / eye_distance[:, None]
    down = np.stack([-across[:, 1], across[:, 0]], axis=1)
    tip = points[:, 2] - middle
    sideways = NOSE_BASE_SIDEWAYS_SHARE * (tip * across).sum(axis=1)
    downwards = (tip * down).sum(axis=1) + NOSE_BASE_BELOW_TIP * eye_distance
    nose_base = middle + sideways[:, None] * across + downwards[:, None] * down
    side = BOX_SIDE_PER_GEOMETRIC_SIZE * np.sqrt(rows[:, 2].astype(np.float64) * rows[:, 3])
    centre_x = middle[:, 0] - BOX_CENTRE_LEFT_OF_EYES * side
    centre_y = middle[:, 1] + BOX_CENTRE_BELOW_EYES * side
    keys = np.stack([eyes[:, 0], eyes[:, 1], nose_base], axis=1).astype(np.float32)
    found = []
    for i in range(len(rows)):
        box: Box = (
            int(round(centre_x[i] - side[i] / 2)),
            int(round(centre_y[i] - side[i] / 2)),
            int(round(side[i])),
            int(round(side[i])),
        )
        found.append(Detection(box, keys[i], float(rows[i, 14]), points[i]))  # the raw five for head_pose.py
    return found
