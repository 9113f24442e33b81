"""How much one face sample can be trusted for its emotion, from 0.05 (barely) to 1 (fully).

Summaries weight each sample by it, so a blurred, tiny or sideways face counts less than a
sharp, frontal one; the raw samples keep their probabilities. Three factors, multiplied:
- sharpness: the variance of the Laplacian of the classifier's 48x48 crop, against FER2013's
  training faces (their 10th percentile, 0.015 on a 0-1 grey scale, counts fully);
- pose: how far the nose base sits from the eyes' midpoint, in eye distances (0 frontal; about
  0.5 at a three-quarter view); up to 0.1 counts fully;
- size: the box's height; 64 px or more counts fully.
"""

import cv2
import numpy as np

from .face_alignment import key_points

SHARP_REFERENCE = 0.015
FRONTAL_YAW = 0.1
SIDEWAYS_YAW = 0.5  # the pose factor reaches its floor here
FULL_HEIGHT_PX = 64
FLOOR = 0.05


def sharpness(crop: np.ndarray) -> float:
    """Variance of the Laplacian of a crop in [-1, 1] (the classifier's input), on a 0-1 scale."""
    grey = (crop.astype(np.float32).reshape(crop.shape[0], crop.shape[1]) + 1.0) / 2.0
    return float(cv2.Laplacian(grey, cv2.CV_32F).var())


def yaw_ratio(landmarks: np.ndarray) -> float:
    left, right, nose = key_points(landmarks)
    eye_distance = max(float(np.hypot(*(right - left))), 1.0)
    return abs(float(nose[0] - (left[0] + right[0]) / 2)) / eye_distance


def face_quality(crop: np.ndarray, box_height: int, landmarks: np.ndarray) -> float:
    sharp = min(1.0, sharpness(crop) / SHARP_REFERENCE)
    pose = float(np.clip(1.0 - (yaw_ratio(landmarks) - FRONTAL_YAW) / (SIDEWAYS_YAW - FRONTAL_YAW), 0.0, 1.0))
    size = min(1.0, box_height / FULL_HEIGHT_PX)
    return round(max(FLOOR, sharp * pose * size), 3)
