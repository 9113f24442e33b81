"""Aligned face crops: eyes level and the face framed the way FER2013's training faces are framed.

HOG boxes in video are tilted and framed differently from the training faces, so a crop taken from
the box alone shows the model a face it was not trained on. With the 5-point landmarks the tracker
already computes, a similarity transform (rotation, scale, shift) puts both eye centres and the
nose where they sit, on median, in FER2013's Training faces.
"""

import cv2
import numpy as np

# Where the landmarks sit in a FER2013 face, as fractions of the image's side: the median over
# Training faces, measured by `python -m emotion_training.framing` (dlib's 5-point predictor on
# faces upscaled 4x). Image left to right: the person's right eye, their left eye, the nose base.
FER_FRAMING = np.array([(0.315, 0.393), (0.677, 0.388), (0.495, 0.656)], dtype=np.float32)

MAX_OVERSAMPLING = 6
# (5, 2) float: dlib's 5-point order (2 corners of one eye, 2 of the other, nose base); or (3, 2):
# key points already (YuNet's, converted by yunet.py).
Landmarks = np.ndarray


def key_points(landmarks: Landmarks) -> np.ndarray:
    """Eye centres (image left first) and the nose base, as (3, 2)."""
    if len(landmarks) == 3:
        return landmarks.astype(np.float32)
    first, second = landmarks[0:2].mean(axis=0), landmarks[2:4].mean(axis=0)
    left, right = (first, second) if first[0] <= second[0] else (second, first)
    return np.stack([left, right, landmarks[4]]).astype(np.float32)


def alignment_matrix(landmarks: Landmarks, size: int, framing: np.ndarray = FER_FRAMING) -> np.ndarray:
    """The 2x3 similarity transform taking a frame's landmarks to `framing` in a size x size crop."""
    source = key_points(landmarks)
    target = framing * size
    matrix, _ = cv2.estimateAffinePartial2D(source, target, method=cv2.LMEDS)
    if matrix is None:  # degenerate points (all on one spot): fall back to the eyes alone
        matrix = _eyes_only(source, target)
    return matrix


def _eyes_only(source: np.ndarray, target: np.ndarray) -> np.ndarray:
    (sx0, sy0), (sx1, sy1) = source[0], source[1]
    (tx0, ty0), (tx1, ty1) = target[0], target[1]
    scale = np.hypot(tx1 - tx0, ty1 - ty0) / max(np.hypot(sx1 - sx0, sy1 - sy0), 1e-3)
    angle = np.arctan2(ty1 - ty0, tx1 - tx0) - np.arctan2(sy1 - sy0, sx1 - sx0)
    a, b = scale * np.cos(angle), scale * np.sin(angle)
    return np.array([[a, -b, tx0 - (a * sx0 - b * sy0)], [b, a, ty0 - (b * sx0 + a * sy0)]], dtype=np.float64)


def aligned_crop(gray: np.ndarray, landmarks: Landmarks, size: int) -> np.ndarray:
    """A size x size uint8 crop with the landmarks on FER2013's framing; the border repeats the edge."""
    matrix = alignment_matrix(landmarks, size)
    # warpAffine samples without averaging: shrinking a large face straight to 48 px would alias, so
    # warp to a multiple of the size first and average down.
    shrink = 1.0 / max(float(np.hypot(matrix[0, 0], matrix[1, 0])), 1e-3)
    factor = int(min(MAX_OVERSAMPLING, max(1, np.ceil(shrink))))
    if factor == 1:
        return cv2.warpAffine(gray, matrix, (size, size), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    big = cv2.warpAffine(
        gray,
        matrix * [[factor], [factor]],
        (size * factor, size * factor),
        flags=cv2.INTER_LINEAR,
        borderMode=cv2.BORDER_REPLICATE,
    )
    return cv2.resize(big, (size, size), interpolation=cv2.INTER_AREA)
