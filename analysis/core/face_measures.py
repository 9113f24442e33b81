"""The six facial measures of one face-sample (docs/facial-states.md), as the pipeline stores and exports them.

The segment analyser runs the 68 landmarks (face_landmarks.py) on each face-sample's box and keeps only
these six numbers (facial_states.py defines each); the per-person states (blinks, talking, brows,
smiling) are computed from their series later.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import numpy as np

from . import facial_states

# Below this box height (pixels) the landmarks are not run: an eye is then 2-3 pixels high and dlib's
# whole-pixel points make its EAR mostly rounding (docs/facial-states.md, "Small faces").
MIN_FACE_PX = 40


class FaceMeasures(NamedTuple):
    """Field names are the CSV columns and the JSON export's sample keys (docs/api.md)."""

    ear_left: float  # the person's left eye (the image's right): eye aspect ratio
    ear_right: float  # the person's right eye
    mouth_open: float  # inner-lip gap / inner-mouth width
    brow_height: float  # brows above the eye line, inter-ocular distances
    brow_inner: float  # inner brow ends' distance, inter-ocular distances
    smile: float  # lip-corner stretch + lift, inter-ocular distances


MEASURE_NAMES: tuple[str, ...] = FaceMeasures._fields


def face_measures(points: np.ndarray) -> FaceMeasures:
    """The six measures of (68, 2) landmarks."""
    right, left = facial_states.eye_aspect_ratios(points)
    return FaceMeasures(
        ear_left=left,
        ear_right=right,
        mouth_open=facial_states.mouth_openness(points),
        brow_height=facial_states.brow_height(points),
        brow_inner=facial_states.inner_brow_distance(points),
        smile=facial_states.smile(points),
    )


def measurable(box: tuple[int, int, int, int]) -> bool:
    """Whether a face box is large enough for landmarks (MIN_FACE_PX)."""
    return min(box[2], box[3]) >= MIN_FACE_PX


def rounded(measures: Sequence[float | None] | None) -> dict[str, float | None]:
    """The measures (MEASURE_NAMES' order; a FaceMeasures or stored columns) as an export's values, 4 decimals;
    None for a face without them."""
    values = (None,) * len(MEASURE_NAMES) if measures is None else measures
    return {
        name: None if value is None else round(float(value), 4)
        for name, value in zip(MEASURE_NAMES, values, strict=True)
    }
