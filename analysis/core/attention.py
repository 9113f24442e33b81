"""Attention (v2): a face attends when it faces the camera (head_pose.facing: yaw and pitch within the
limit) and its eyes are open. A closure no longer than a blink (0.5 s) does not count against it; a
longer one does, for its whole length (docs/facial-states.md, "Attention").

Samples without facial measures (a face too small for landmarks, or a run from before they were
measured) are judged by the head pose alone, as before, and so is a person with fewer than 3 measured
samples: exactly those whose facial summary is null (facial_summary.py), which the pages label "head
pose only".
"""

from __future__ import annotations

import numpy as np

from . import facial_states as states
from .face_measures import MEASURE_NAMES
from .head_pose import facing

EYES = [MEASURE_NAMES.index("ear_left"), MEASURE_NAMES.index("ear_right")]


def eyes_shut(t: np.ndarray, measures: np.ndarray) -> np.ndarray:
    """Per sample, True inside an eye closure longer than a blink (BLINK_LONGEST_S), against the person's
    own open eye (facial_states.eyes_closed); False where the eyes were not measured."""
    t = np.asarray(t, dtype=np.float64)
    measures = np.asarray(measures, dtype=np.float64).reshape(len(t), len(MEASURE_NAMES))
    shut = np.zeros(len(t), dtype=bool)
    ear = measures[:, EYES].mean(axis=1)
    measured = np.isfinite(ear)
    if measured.sum() < states.WINDOW_MIN_SAMPLES:
        return shut
    seen_t = t[measured]
    for closure in states.closures(seen_t, states.eyes_closed(ear[measured])):
        if closure.duration > states.BLINK_LONGEST_S + 1e-6:
            inside = (seen_t >= closure.start) & (seen_t <= closure.end)
            shut[np.flatnonzero(measured)[inside]] = True
    return shut


def attending(t: np.ndarray, yaw: np.ndarray, pitch: np.ndarray, measures: np.ndarray, max_deg: float) -> np.ndarray:
    """Per sample: 1.0 attending, 0.0 not (turned away, or eyes shut longer than a blink), NaN where the
    head pose is unknown."""
    facing_values = facing(yaw, pitch, max_deg)
    return np.where(eyes_shut(t, measures) & ~np.isnan(facing_values), 0.0, facing_values)


def attention_share(values: np.ndarray) -> float | None:
    """The share of attending samples among those with a pose (`attending`'s values); None when none has one."""
    known = ~np.isnan(values)
    return round(float(values[known].mean()), 4) if known.any() else None
