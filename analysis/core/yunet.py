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
        return [] if found is None else [to_dlib_terms(row) for row in found]


def to_dlib_terms(row: np.ndarray) -> Detection:
    """One row of YuNet's output (box, 5 points, score) as a box and key points like dlib's."""
    x, y, w, h = (float(v) for v in row[:4])
    points = row[4:14].reshape(5, 2).astype(np.float32)
    eyes = points[:2][np.argsort(points[:2, 0])]  # image left first
    middle = eyes.mean(axis=0)
    eye_distance = max(float(np.hypot(*(eyes[1] - eyes[0]))), 1e-3)
    across = (eyes[1] - eyes[0]) / eye_distance
    down = np.array([-across[1], across[0]], dtype=np.float32)
    tip = points[2] - middle
    nose_base = (
        middle
        + NOSE_BASE_SIDEWAYS_SHARE * float(tip @ across) * across
        + (float(tip @ down) + NOSE_BASE_BELOW_TIP * eye_distance) * down
    )
    side = BOX_SIDE_PER_GEOMETRIC_SIZE * (w * h) ** 0.5
    centre_x = middle[0] - BOX_CENTRE_LEFT_OF_EYES * side
    centre_y = middle[1] + BOX_CENTRE_BELOW_EYES * side
    box: Box = (int(round(centre_x - side / 2)), int(round(centre_y - side / 2)), int(round(side)), int(round(side)))
    key = np.stack([eyes[0], eyes[1], nose_base]).astype(np.float32)
    return Detection(box, key, float(row[14]), points)  # the raw five for the head pose (head_pose.py)
