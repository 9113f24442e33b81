"""Person summaries from the smoothed, quality-weighted signal, and the face quality that weights it."""

import cv2
import numpy as np
import pytest

from analysis.core.emotion_classifier import DEFAULT_MODEL, crop_faces, model_spec
from analysis.core.emotion_summary import summarize
from analysis.core.emotions import EMOTIONS
from analysis.core.face_detection import DetectorConfig, FaceDetector
from analysis.core.face_quality import face_quality, yaw_ratio

from .conftest import IMAGES

HAPPY, SAD, NEUTRAL = (EMOTIONS.index(name) for name in ("happy", "sad", "neutral"))


def leaning(index: int, strength: float = 0.7) -> np.ndarray:
    p = np.full(7, (1 - strength) / 6)
    p[index] = strength
    return p


def test_a_single_sample_flicker_does_not_count():
    t = np.arange(20) * 0.2
    probabilities = np.array([leaning(HAPPY)] * 20)
    probabilities[[5, 12]] = leaning(SAD, 0.9)  # two one-sample flickers
    summary = summarize(t, probabilities, np.ones(20))
    assert summary.dominant == "happy" and summary.shares["happy"] == 1.0 and summary.shares["sad"] == 0.0
    assert sum(summary.shares.values()) == pytest.approx(1.0)
    assert summary.mean["happy"] > summary.mean["sad"]


def test_blurred_or_sideways_samples_count_less():
    t = np.arange(25) * 0.2  # 2 s of a clear neutral face, then 3 s of a poor face read as sad
    probabilities = np.array([leaning(NEUTRAL)] * 10 + [leaning(SAD)] * 15)
    quality = np.array([1.0] * 10 + [0.1] * 15)
    weighted = summarize(t, probabilities, quality)
    unweighted = summarize(t, probabilities, np.ones(25))
    assert unweighted.dominant == "sad"
    assert weighted.dominant == "neutral" and weighted.shares["neutral"] > 0.8


def test_summary_of_no_samples_is_empty():
    summary = summarize(np.zeros(0), np.zeros((0, 7)), np.zeros(0))
    assert summary.dominant == "" and set(summary.shares) == set(EMOTIONS)


@pytest.fixture(scope="module")
def portrait():
    """obama.jpg's face as the default detector (YuNet) gives it: its box and key points."""
    image = cv2.imread(str(IMAGES / "obama.jpg"))
    ((box, points, *_),) = FaceDetector(DetectorConfig()).full_frame(image, 40)
    return cv2.cvtColor(image, cv2.COLOR_BGR2GRAY), box, points


def test_a_sharp_frontal_face_has_full_quality(portrait):
    gray, box, points = portrait
    crop = crop_faces(gray, [box], model_spec(DEFAULT_MODEL))[0]
    assert box[3] >= 64 and yaw_ratio(points) < 0.1
    assert face_quality(crop, box[3], points) == pytest.approx(1.0)


def test_blur_size_and_a_turned_head_lower_the_quality(portrait):
    gray, box, points = portrait
    spec = model_spec(DEFAULT_MODEL)
    sharp = crop_faces(gray, [box], spec)[0]
    blurred = crop_faces(cv2.GaussianBlur(gray, (0, 0), box[2] / 20), [box], spec)[0]
    assert face_quality(blurred, box[3], points) < 0.6
    assert face_quality(sharp, 32, points) == pytest.approx(0.5)
    turned = points.copy()  # eye centres, nose base
    turned[2, 0] += 0.35 * np.hypot(*(points[1] - points[0]))  # the nose well off the eyes' midpoint
    assert face_quality(sharp, box[3], turned) < 0.5
