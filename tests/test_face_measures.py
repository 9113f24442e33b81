"""The six per-sample facial measures the pipeline stores (analysis.core.face_measures), on synthetic landmarks."""

import numpy as np

from analysis.core import facial_states
from analysis.core.face_measures import MEASURE_NAMES, MIN_FACE_PX, face_measures, measurable, rounded

rng = np.random.default_rng(3)


def face(left_eye_open: float = 1.0) -> np.ndarray:
    """Random but face-like landmarks: the person's left eye (points 43-48) opened by `left_eye_open`."""
    points = rng.normal(scale=2.0, size=(68, 2)) + 100
    points[36:42] = [(60, 100), (66, 96), (74, 96), (80, 100), (74, 104), (66, 104)]  # right eye, image left
    points[42:48] = [(120, 100), (126, 96), (134, 96), (140, 100), (134, 104), (126, 104)]
    points[[43, 44], 1] = 100 - 4 * left_eye_open
    points[[46, 47], 1] = 100 + 4 * left_eye_open
    return points


def test_the_measures_are_facial_states_functions_with_the_persons_left_eye_as_ear_left():
    points = face(left_eye_open=0.25)
    measures = face_measures(points)
    assert measures._fields == MEASURE_NAMES
    right, left = facial_states.eye_aspect_ratios(points)
    assert measures.ear_left == left < measures.ear_right == right  # the nearly closed eye is the person's left
    assert measures.mouth_open == facial_states.mouth_openness(points)
    assert measures.brow_height == facial_states.brow_height(points)
    assert measures.brow_inner == facial_states.inner_brow_distance(points)
    assert measures.smile == facial_states.smile(points)


def test_small_faces_are_not_measured_and_export_nulls():
    assert measurable((0, 0, MIN_FACE_PX, MIN_FACE_PX))
    assert not measurable((0, 0, MIN_FACE_PX - 1, 80)) and not measurable((0, 0, 80, MIN_FACE_PX - 1))
    assert rounded(None) == dict.fromkeys(MEASURE_NAMES)
    assert rounded((0.123456, None, 1, 2, 3, 4)) == {
        "ear_left": 0.1235,
        "ear_right": None,
        "mouth_open": 1.0,
        "brow_height": 2.0,
        "brow_inner": 3.0,
        "smile": 4.0,
    }
