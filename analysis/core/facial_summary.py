"""One person's facial states over a video, summed up from their samples' six measures (face_measures.py):
what the person card, the exports and the API report beside the emotions (docs/facial-states.md, "Per
person"). The states themselves are facial_states.py's, each judged against the person's own series.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import numpy as np

from . import facial_states as states
from .face_measures import MEASURE_NAMES

# Blinks (0.1-0.5 s) are counted only when the samples are this dense: at 5 fps most fall between
# samples, and a rate from them would read as "hardly blinks" (facial_states.blinks).
BLINK_MIN_FPS = 10.0
# Fewer measured samples than this: no summary (the talking window alone needs 3).
MIN_MEASURED = states.WINDOW_MIN_SAMPLES

# The summary's keys, in the order the card, the exports and docs/api.md give them.
SUMMARY_KEYS = (
    "measured",  # share of the samples with measures (the rest: a face under 40 px)
    "eyes_closed",  # share of the measured samples with both eyes closed
    "long_closures",  # closures of 1 s or more (eyes closed, not a blink)
    "blink_rate",  # blinks a minute of the time the face was seen; None below BLINK_MIN_FPS
    "talking",  # share of measured samples whose mouth moved like speech over 1 s
    "smiling",  # share with the smile measure 0.15 or more over the person's median
    "brows_raised",  # share with the brows raised against the person's median
    "brows_lowered",  # share with them lowered or pulled together (a frown)
)


def _share(flags: np.ndarray) -> float:
    return round(float(np.mean(flags)), 4) if len(flags) else 0.0


def facial_summary(t: np.ndarray, measures: np.ndarray) -> dict | None:
    """The summary (SUMMARY_KEYS) of a person's samples: times `t` (s, increasing) and their measures,
    (N, 6) in MEASURE_NAMES' order, NaN where not measured. None with fewer than MIN_MEASURED measured."""
    t = np.asarray(t, dtype=np.float64)
    measures = np.asarray(measures, dtype=np.float64).reshape(-1, len(MEASURE_NAMES))
    measured = np.isfinite(measures).all(axis=1)
    if measured.sum() < MIN_MEASURED:
        return None
    talking, closed = (flags[measured].astype(bool) for flags in state_flags(t, measures))
    t, columns = t[measured], dict(zip(MEASURE_NAMES, measures[measured].T, strict=True))
    ear = (columns["ear_left"] + columns["ear_right"]) / 2.0
    found = states.closures(t, closed)
    fps = 1.0 / float(np.median(np.diff(t))) if len(t) > 1 else 0.0
    blink_rate = None
    if fps >= BLINK_MIN_FPS - 1e-6:
        rate = states.blink_rate_per_minute(states.blinks(t, ear), states.observed_seconds(t))
        blink_rate = round(rate, 1) if np.isfinite(rate) else None
    brows = states.brow_states(columns["brow_height"], columns["brow_inner"])
    return {
        "measured": _share(measured),
        "eyes_closed": _share(closed),
        "long_closures": len(states.long_closures(found)),
        "blink_rate": blink_rate,
        "talking": _share(talking),
        "smiling": _share(states.smiling(columns["smile"])),
        "brows_raised": _share(brows == 1),
        "brows_lowered": _share(brows == -1),
    }


def state_flags(t: np.ndarray, measures: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per sample 1.0 or 0.0: talking, and eyes closed (as facial_summary judges them); NaN where not
    measured, and everywhere with fewer than MIN_MEASURED measured samples. The room's counts bin these."""
    t = np.asarray(t, dtype=np.float64)
    measures = np.asarray(measures, dtype=np.float64).reshape(len(t), len(MEASURE_NAMES))
    talking, closed = np.full(len(t), np.nan), np.full(len(t), np.nan)
    measured = np.isfinite(measures).all(axis=1)
    if measured.sum() < MIN_MEASURED:
        return talking, closed
    columns = dict(zip(MEASURE_NAMES, measures[measured].T, strict=True))
    talking[measured] = states.talking(t[measured], columns["mouth_open"])
    closed[measured] = states.eyes_closed((columns["ear_left"] + columns["ear_right"]) / 2.0)
    return talking, closed


def summary_of_samples(samples: Iterable[Mapping]) -> dict | None:
    """facial_summary of export samples (result_formats.sample_dict: "t" and the measures' keys, None where
    not measured), in time order."""
    rows = [(s["t"], *(np.nan if s[name] is None else s[name] for name in MEASURE_NAMES)) for s in samples]
    table = np.array(rows, dtype=np.float64).reshape(-1, 1 + len(MEASURE_NAMES))
    return facial_summary(table[:, 0], table[:, 1:])
